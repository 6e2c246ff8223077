// Batches of Ethernet frames in one netdev message (Transmit, Received):
// each frame is a 16-bit little-endian length and its bytes, back to back.
// One message per batch instead of one per frame is what lets the driver
// and the stack move a burst with one wake-up each. Hardware-free: the
// driver, the stack and the host unit tests share it.
#pragma once

#include "base/string.h"
#include "base/types.h"

namespace rvos::proto {

class FrameBatchWriter {
public:
    FrameBatchWriter(uint8_t* buffer, size_t capacity) : buffer_(buffer), capacity_(capacity) {}
    // Appends a frame; false (nothing written) if it does not fit or is
    // empty or longer than a length can say.
    bool add(const void* frame, size_t length) {
        if (length == 0 || length > 0xffff || length + 2 > capacity_ - used_) return false;
        buffer_[used_] = static_cast<uint8_t>(length);
        buffer_[used_ + 1] = static_cast<uint8_t>(length >> 8);
        base::mem_copy(buffer_ + used_ + 2, frame, length);
        used_ += length + 2;
        count_++;
        return true;
    }
    // Room for a frame of `length` bytes?
    bool fits(size_t length) const { return length + 2 <= capacity_ - used_; }
    const uint8_t* data() const { return buffer_; }
    size_t size() const { return used_; }
    size_t count() const { return count_; }
    bool empty() const { return count_ == 0; }
    void clear() { used_ = count_ = 0; }

private:
    uint8_t* buffer_;
    size_t capacity_;
    size_t used_ = 0, count_ = 0;
};

class FrameBatchReader {
public:
    FrameBatchReader(const uint8_t* data, size_t length) : data_(data), length_(length) {}
    // The next frame, or false at the end — or at a malformed rest (an empty
    // frame, a length past the batch), after which broken() is true and
    // nothing more is read.
    bool next(const uint8_t*& frame, size_t& length) {
        if (broken_ || position_ == length_) return false;
        if (length_ - position_ < 2) return fail();
        size_t n = data_[position_] | size_t(data_[position_ + 1]) << 8;
        if (n == 0 || n > length_ - position_ - 2) return fail();
        frame = data_ + position_ + 2;
        length = n;
        position_ += n + 2;
        return true;
    }
    bool broken() const { return broken_; }

private:
    bool fail() {
        broken_ = true;
        return false;
    }
    const uint8_t* data_;
    size_t length_;
    size_t position_ = 0;
    bool broken_ = false;
};

}  // namespace rvos::proto
