// The split virtqueue (see queue.h). Ordering: a request's descriptors and
// ring slot are written before the available index that publishes them, and
// a completion's element is read after the used index that announced it;
// fences keep both orders on a weakly ordered machine.
#include "virtio/queue.h"

#include "base/string.h"

namespace virtio {

namespace {

void publish_fence() { __atomic_thread_fence(__ATOMIC_RELEASE); }
void consume_fence() { __atomic_thread_fence(__ATOMIC_ACQUIRE); }

template <typename T> T read_shared(const T& field) { return __atomic_load_n(&field, __ATOMIC_RELAXED); }
template <typename T> void write_shared(T& field, T value) { __atomic_store_n(&field, value, __ATOMIC_RELAXED); }

size_t used_bytes(uint16_t size) { return sizeof(UsedHeader) + size_t(size) * sizeof(UsedElement) + 2; }

}  // namespace

size_t SplitQueue::used_offset() const {
    return base::align_up(avail_offset() + sizeof(AvailHeader) + size_t(size_) * 2 + 2, 4);
}

size_t SplitQueue::bytes_needed(uint16_t size) {
    size_t avail_end = size_t(size) * sizeof(Descriptor) + sizeof(AvailHeader) + size_t(size) * 2 + 2;
    return base::align_up(avail_end, 4) + used_bytes(size);
}

uint16_t* SplitQueue::avail_ring() const { return reinterpret_cast<uint16_t*>(avail_ + 1); }

base::ErrorOr<void> SplitQueue::init(uint16_t size, void* memory, uint64_t physical) {
    static_assert(kMaxEntries <= kMaxQueueSize);
    if (size == 0 || size > kMaxEntries || (size & (size - 1)) != 0) return rvos::Error::BadArgument;
    if (memory == nullptr || reinterpret_cast<uintptr_t>(memory) % 16 != 0 || physical % 16 != 0)
        return rvos::Error::BadArgument;
    size_ = size;
    physical_ = physical;
    auto* bytes = static_cast<uint8_t*>(memory);
    descriptors_ = reinterpret_cast<Descriptor*>(bytes);
    avail_ = reinterpret_cast<AvailHeader*>(bytes + avail_offset());
    used_ = reinterpret_cast<UsedHeader*>(bytes + used_offset());
    used_ring_ = reinterpret_cast<UsedElement*>(used_ + 1);
    // Thread every descriptor onto the free list.
    for (uint16_t i = 0; i < size; i++) {
        descriptors_[i] = {0, 0, 0, 0};
        next_[i] = static_cast<uint16_t>(i + 1 < size ? i + 1 : 0);
        chain_length_[i] = 0;
        writable_[i] = kNotInFlight;
    }
    free_head_ = 0;
    free_count_ = size;
    in_flight_ = 0;
    avail_index_ = used_seen_ = 0;
    write_shared(avail_->flags, uint16_t(0));
    write_shared(avail_->index, uint16_t(0));
    return {};
}

base::ErrorOr<uint16_t> SplitQueue::submit(const Segment* segments, size_t count) {
    if (count == 0 || segments == nullptr) return rvos::Error::BadArgument;
    uint32_t writable = 0;
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && segments[i - 1].device_writes && !segments[i].device_writes) return rvos::Error::BadArgument;
        if (segments[i].device_writes) {
            if (writable + uint64_t(segments[i].length) >= kNotInFlight) return rvos::Error::Overflow;
            writable += segments[i].length;
        }
    }
    if (count > free_count_) return rvos::Error::QueueFull;
    uint16_t head = free_head_, at = head;
    for (size_t i = 0; i < count; i++) {
        uint16_t next = next_[at];  // the free list's link, then the chain's
        Descriptor& d = descriptors_[at];
        d.address = segments[i].address;
        d.length = segments[i].length;
        d.flags = static_cast<uint16_t>((segments[i].device_writes ? kDescWrite : 0) | (i + 1 < count ? kDescNext : 0));
        d.next = i + 1 < count ? next : 0;
        if (i + 1 == count) free_head_ = next;
        at = next;
    }
    free_count_ -= count;
    chain_length_[head] = static_cast<uint16_t>(count);
    writable_[head] = writable;
    in_flight_++;
    avail_ring()[avail_index_ & (size_ - 1)] = head;
    publish_fence();
    write_shared(avail_->index, ++avail_index_);
    return head;
}

void SplitQueue::suppress_interrupts() { write_shared(avail_->flags, kAvailNoInterrupt); }

bool SplitQueue::needs_kick() const {
    // The device reads the new index before we read its flags.
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return (read_shared(used_->flags) & kUsedNoNotify) == 0;
}

// The chain's links in next_ still lead from its head to its tail; the tail
// is linked to the old free list's head.
void SplitQueue::free_chain(uint16_t head) {
    uint16_t at = head;
    for (uint16_t i = 1; i < chain_length_[head]; i++) at = next_[at];
    next_[at] = free_head_;
    free_head_ = head;
    free_count_ += chain_length_[head];
    chain_length_[head] = 0;
    writable_[head] = kNotInFlight;
    in_flight_--;
}

base::ErrorOr<bool> SplitQueue::take_used(Completion& out) {
    uint16_t published = read_shared(used_->index);
    if (published == used_seen_) return false;
    // More completions than requests in flight: the index is corrupt.
    if (uint16_t(published - used_seen_) > in_flight_) return rvos::Error::DeviceError;
    consume_fence();
    UsedElement element = used_ring_[used_seen_ & (size_ - 1)];
    if (element.id >= size_ || writable_[element.id] == kNotInFlight || element.length > writable_[element.id])
        return rvos::Error::DeviceError;
    used_seen_++;
    out = {static_cast<uint16_t>(element.id), element.length};
    free_chain(out.head);
    return true;
}

}  // namespace virtio
