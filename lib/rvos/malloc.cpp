// The C library's allocation functions (malloc, free, calloc, realloc and
// the aligned ones) on lib/rvos's allocator (allocator.h) over mmap and
// munmap. They replace picolibc's: lib/rvos is linked whole, so these
// definitions win, and nothing may pull picolibc's malloc objects in (its
// malloc internals would then be defined twice and the link would fail).
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rvos/allocator.h"
#include "rvos/syscall.h"

// The allocator's pages (tlsf.h).
void* rvos::alloc::map_pages(size_t length) {
    auto pages = rvos::sys::mmap(length);
    return pages.is_error() ? nullptr : pages.value();
}

void rvos::alloc::unmap_pages(void* address, size_t length) { rvos::sys::munmap(address, length); }

// Says so and stops at a breakpoint: the kernel kills the program with a
// kill line that points at it.
void rvos::alloc::invalid_free(const void*) {
    static const char kMessage[] = "free: a block freed twice\n";
    write(2, kMessage, sizeof kMessage - 1);
    __builtin_trap();
}

namespace {

// All zero: in .bss, and malloc works before any constructor has run.
constinit rvos::alloc::Allocator heap;

void* or_no_memory(void* block) {
    if (!block) errno = ENOMEM;
    return block;
}

bool power_of_two(size_t value) { return value && !(value & (value - 1)); }

}  // namespace

extern "C" {

void* malloc(size_t size) { return or_no_memory(heap.allocate(size)); }

void free(void* block) { heap.free(block); }

void cfree(void* block) { heap.free(block); }

void* calloc(size_t count, size_t size) { return or_no_memory(heap.allocate_zeroed(count, size)); }

void* realloc(void* block, size_t size) {
    if (block && size == 0) {  // as picolibc and glibc: frees, returns NULL
        heap.free(block);
        return nullptr;
    }
    return or_no_memory(heap.reallocate(block, size));
}

void* memalign(size_t align, size_t size) {
    if (!power_of_two(align)) {
        errno = EINVAL;
        return nullptr;
    }
    return or_no_memory(heap.allocate_aligned(align, size));
}

void* aligned_alloc(size_t align, size_t size) { return memalign(align, size); }

int posix_memalign(void** result, size_t align, size_t size) {
    if (!power_of_two(align) || align % sizeof(void*)) return EINVAL;
    void* block = heap.allocate_aligned(align, size);
    if (!block) return ENOMEM;
    *result = block;
    return 0;
}

void* valloc(size_t size) { return memalign(rvos::alloc::kPage, size); }

void* pvalloc(size_t size) {
    return memalign(rvos::alloc::kPage, (size + rvos::alloc::kPage - 1) & ~(rvos::alloc::kPage - 1));
}

size_t malloc_usable_size(void* block) { return block ? rvos::alloc::Allocator::usable_size(block) : 0; }

}  // extern "C"
