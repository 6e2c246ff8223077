// The allocator's link-time seam for the host tests (see alloc_support.h).
#include "alloc_support.h"

using alloc_support::FakeSpace;

void* rvos::alloc::map_pages(size_t length) { return FakeSpace::current().map(length); }
void rvos::alloc::unmap_pages(void* address, size_t length) { FakeSpace::current().unmap(address, length); }
void rvos::alloc::invalid_free(const void* payload) { FakeSpace::current().invalid_frees.push_back(payload); }
