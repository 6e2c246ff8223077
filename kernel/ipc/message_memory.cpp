// Where queued messages live in the kernel. Nodes up to kSmallNode bytes (a
// small Message with a handle, most protocol requests and replies) come
// from a static pool of fixed slots: a pop and a push instead of a walk of
// the heap's free list on every send and receive. Larger nodes, and small
// ones once the pool is empty, come from the kernel heap. Their total is
// capped at rvos::kMaxQueuedBytes (channel.cpp), well under the heap's size,
// so messages can never take the memory other kernel objects need.
#include "ipc/channel.h"
#include "mm/memory.h"
#include "mm/slot_pool.h"

namespace ipc {

static_assert(rvos::kMaxQueuedBytes <= mm::kKernelHeapSize / 2, "queued messages may use at most half the heap");

namespace {
constexpr size_t kSmallNode = 128;  // a node header, one handle entry and 96 bytes
mm::SlotPool<kSmallNode, 256> small_nodes;  // 32 KiB
}  // namespace

void* message_memory_allocate(size_t bytes) {
    if (bytes <= kSmallNode)
        if (void* slot = small_nodes.allocate()) return slot;
    return mm::kernel_heap().allocate(bytes);
}

void message_memory_free(void* memory) {
    if (small_nodes.owns(memory)) small_nodes.free(memory);
    else mm::kernel_heap().free(memory);
}

}  // namespace ipc
