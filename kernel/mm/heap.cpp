#include "mm/heap.h"

#include "base/types.h"

namespace mm {

void Heap::init(void* base, size_t size) {
    auto start = base::align_up(reinterpret_cast<uintptr_t>(base), kAlign);
    size -= start - reinterpret_cast<uintptr_t>(base);
    size = base::align_down(size, kAlign);
    free_ = reinterpret_cast<Block*>(start);
    free_->size = size;
    free_->next = nullptr;
    size_ = size;
    used_ = 0;
}

void* Heap::allocate(size_t size) {
    if (size == 0 || size > size_) return nullptr;
    size_t needed = base::align_up(size + kHeader, kAlign);
    for (Block** link = &free_; *link; link = &(*link)->next) {
        Block* block = *link;
        if (block->size < needed) continue;
        if (block->size - needed >= kHeader + kAlign) {
            // Split: the tail stays free.
            auto* rest = reinterpret_cast<Block*>(reinterpret_cast<uint8_t*>(block) + needed);
            rest->size = block->size - needed;
            rest->next = block->next;
            block->size = needed;
            *link = rest;
        } else {
            *link = block->next;
        }
        used_ += block->size;
        return reinterpret_cast<uint8_t*>(block) + kHeader;
    }
    return nullptr;
}

void Heap::free(void* pointer) {
    if (!pointer) return;
    auto* block = reinterpret_cast<Block*>(static_cast<uint8_t*>(pointer) - kHeader);
    used_ -= block->size;
    // Insert by address, then merge with the neighbours it touches.
    Block** link = &free_;
    while (*link && *link < block) link = &(*link)->next;
    block->next = *link;
    *link = block;
    auto end_of = [](Block* b) { return reinterpret_cast<uint8_t*>(b) + b->size; };
    if (block->next && end_of(block) == reinterpret_cast<uint8_t*>(block->next)) {
        block->size += block->next->size;
        block->next = block->next->next;
    }
    if (link != &free_) {
        // Find the predecessor to merge backwards.
        Block* previous = free_;
        while (previous->next != block) previous = previous->next;
        if (end_of(previous) == reinterpret_cast<uint8_t*>(block)) {
            previous->size += block->size;
            previous->next = block->next;
        }
    }
}

Heap& kernel_heap() {
    static Heap heap;
    return heap;
}

}  // namespace mm
