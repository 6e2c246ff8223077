// A shared memory buffer: a memory object mapped into this process. Send
// its handle to another process (which maps it too) and bulk data moves with
// one copy instead of one message per 64 bytes.
#pragma once

#include "rvos/channel.h"

namespace rvos {

class SharedMemory {
public:
    SharedMemory() = default;
    ~SharedMemory() { reset(); }
    SharedMemory(SharedMemory&& other) { *this = base::move(other); }
    SharedMemory& operator=(SharedMemory&& other);
    SharedMemory(const SharedMemory&) = delete;
    SharedMemory& operator=(const SharedMemory&) = delete;

    // A new zeroed buffer of at least `size` bytes, mapped here.
    static base::ErrorOr<SharedMemory> create(size_t size);
    // Maps a memory object received from another process (takes the handle).
    static base::ErrorOr<SharedMemory> map(Handle memory);

    uint8_t* data() const { return data_; }
    size_t size() const { return size_; }
    bool valid() const { return data_ != nullptr; }
    // The handle to send to a peer (it moves with the message); the mapping
    // stays valid here without it.
    Handle give_handle() { return handle_.release(); }
    void reset();

private:
    Channel handle_;  // closes the memory handle like any other
    uint8_t* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace rvos
