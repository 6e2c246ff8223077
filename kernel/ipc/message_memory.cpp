// Where queued messages live in the kernel: the kernel heap. Their total is
// capped at rvos::kMaxQueuedBytes (channel.cpp), well under the heap's
// size, so messages can never take the memory other kernel objects need.
#include "ipc/channel.h"
#include "mm/memory.h"

namespace ipc {

static_assert(rvos::kMaxQueuedBytes <= mm::kKernelHeapSize / 2, "queued messages may use at most half the heap");

void* message_memory_allocate(size_t bytes) { return mm::kernel_heap().allocate(bytes); }
void message_memory_free(void* memory) { mm::kernel_heap().free(memory); }

}  // namespace ipc
