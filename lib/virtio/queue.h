// A split virtqueue, the driver's side (virtio 1.1, 2.6): descriptor chains
// offered through the available ring, completions taken from the used ring.
// It lives in one physically contiguous region the caller provides, so the
// same code runs in a user-space driver over DMA memory and on the host over
// a simulated device (tests/unit). The device is not trusted: a completion
// naming a descriptor that is not in flight is a DeviceError, never a wild
// write: the free list and each chain's shape are kept in the driver's own
// memory, never read back from memory the device can write.
#pragma once

#include "base/error_or.h"
#include "base/types.h"
#include "virtio/virtio.h"

namespace virtio {

// One buffer of a request: its physical address, length and direction.
struct Segment {
    uint64_t address;
    uint32_t length;
    bool device_writes;
};

// A finished request: the head descriptor `submit` returned, and how many
// bytes the device wrote into its writable segments.
struct Completion {
    uint16_t head;
    uint32_t written;
};

class SplitQueue {
public:
    // The most entries a queue keeps books for (QEMU offers 256 or fewer).
    static constexpr uint16_t kMaxEntries = 256;

    // Bytes of shared memory a queue of `size` entries needs (descriptors,
    // then the available ring, then the used ring at 4-byte alignment).
    static size_t bytes_needed(uint16_t size);

    // Takes `memory` (at physical `physical`, bytes_needed(size) bytes,
    // zeroed) into use. BadArgument unless size is a power of two up to
    // kMaxEntries and the region is 16-byte aligned.
    base::ErrorOr<void> init(uint16_t size, void* memory, uint64_t physical);

    uint16_t size() const { return size_; }
    uint64_t descriptors_physical() const { return physical_; }
    uint64_t avail_physical() const { return physical_ + avail_offset(); }
    uint64_t used_physical() const { return physical_ + used_offset(); }
    size_t free_descriptors() const { return free_count_; }
    size_t in_flight() const { return in_flight_; }

    // Offers one request of `count` segments as a chain; returns its head.
    // QueueFull if fewer than `count` descriptors are free; BadArgument for
    // an empty request or a read segment after a write one (the order the
    // specification requires).
    base::ErrorOr<uint16_t> submit(const Segment* segments, size_t count);
    // Whether the device asked to be told about new requests.
    bool needs_kick() const;
    // Asks the device not to interrupt when it completes requests (a hint
    // it may ignore): for a queue whose completions the driver takes when
    // it next needs them.
    void suppress_interrupts();
    // Takes the next completion off the used ring, if there is one
    // (false when none). DeviceError if the device named a head that is
    // not in flight or wrote more than the chain's writable bytes.
    base::ErrorOr<bool> take_used(Completion& out);

private:
    size_t avail_offset() const { return size_t(size_) * sizeof(Descriptor); }
    size_t used_offset() const;
    uint16_t* avail_ring() const;
    void free_chain(uint16_t head);

    uint16_t size_ = 0;
    uint64_t physical_ = 0;
    Descriptor* descriptors_ = nullptr;
    AvailHeader* avail_ = nullptr;
    UsedHeader* used_ = nullptr;
    UsedElement* used_ring_ = nullptr;
    uint16_t free_head_ = 0;
    size_t free_count_ = 0;
    size_t in_flight_ = 0;
    uint16_t avail_index_ = 0;  // our copy of avail->index
    uint16_t used_seen_ = 0;    // used->index we have consumed up to
    // The driver's own books, per descriptor: the free list's link; per
    // head: the chain's length and writable bytes (kNotInFlight if free).
    static constexpr uint32_t kNotInFlight = ~0u;
    uint16_t next_[kMaxEntries];
    uint16_t chain_length_[kMaxEntries];
    uint32_t writable_[kMaxEntries];
};

}  // namespace virtio
