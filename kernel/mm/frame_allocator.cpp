#include "mm/frame_allocator.h"

#include "base/string.h"

namespace mm {

namespace {
// Every frame handed out is zeroed (page tables, user pages, stacks): a
// page is a whole number of 128-byte blocks, so sixteen stores a turn and
// no tail, where mem_set spends a fifth of its time on loop control.
void zero_frame(void* frame) {
    auto* word = static_cast<uint64_t*>(frame);
    for (auto* end = word + kPageSize / 8; word < end; word += 16) {
        word[0] = word[1] = word[2] = word[3] = word[4] = word[5] = word[6] = word[7] = 0;
        word[8] = word[9] = word[10] = word[11] = word[12] = word[13] = word[14] = word[15] = 0;
    }
}
}  // namespace

void FrameAllocator::init(uintptr_t begin, uintptr_t end, uint8_t* bitmap) {
    begin_ = base::align_up(begin, kPageSize);
    end_ = base::align_down(end, kPageSize);
    bitmap_ = bitmap;
    if (end_ < begin_) end_ = begin_;  // no whole frame in the region
    total_ = (end_ - begin_) / kPageSize;
    base::mem_set(bitmap_, 0, bitmap_bytes(total_));
    // Thread the list so that low addresses come out first.
    free_ = nullptr;
    for (uintptr_t frame = end_; frame > begin_;) {
        frame -= kPageSize;
        auto* node = reinterpret_cast<FreeFrame*>(frame);
        node->next = free_;
        free_ = node;
    }
    free_count_ = total_;
}

void FrameAllocator::set_allocated(size_t index, bool value) {
    if (value) bitmap_[index / 8] |= static_cast<uint8_t>(1u << (index % 8));
    else bitmap_[index / 8] &= static_cast<uint8_t>(~(1u << (index % 8)));
}

ErrorOr<void*> FrameAllocator::allocate_unzeroed() {
    if (!free_) return Error::NoMemory;
    FreeFrame* frame = free_;
    free_ = frame->next;
    free_count_--;
    set_allocated(index_of(reinterpret_cast<uintptr_t>(frame)), true);
    return static_cast<void*>(frame);
}

ErrorOr<void*> FrameAllocator::allocate() {
    void* frame = TRY(allocate_unzeroed());
    zero_frame(frame);
    return frame;
}

bool FrameAllocator::free(void* frame) {
    auto address = reinterpret_cast<uintptr_t>(frame);
    const char* bad = nullptr;
    if (address < begin_ || address >= end_ || address % kPageSize) bad = "not a frame";
    else if (!allocated(index_of(address))) bad = "freed twice";
    if (bad) {
        if (bad_free_) bad_free_(address, bad);
        return false;
    }
    size_t index = index_of(address);
    set_allocated(index, false);
    auto* node = static_cast<FreeFrame*>(frame);
    node->next = free_;
    free_ = node;
    free_count_++;
    return true;
}

}  // namespace mm
