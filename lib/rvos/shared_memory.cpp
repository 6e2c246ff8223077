#include "rvos/shared_memory.h"

namespace rvos {

SharedMemory& SharedMemory::operator=(SharedMemory&& other) {
    if (this != &other) {
        reset();
        handle_ = base::move(other.handle_);
        data_ = other.data_;
        size_ = other.size_;
        other.data_ = nullptr;
        other.size_ = 0;
    }
    return *this;
}

base::ErrorOr<SharedMemory> SharedMemory::create(size_t size) {
    Handle handle = TRY(sys::mem_create(size));
    return map(handle);
}

base::ErrorOr<SharedMemory> SharedMemory::map(Handle memory) {
    SharedMemory shared;
    shared.handle_ = Channel(memory);
    sys::Mapping mapping = TRY(sys::mem_map(memory));
    shared.data_ = static_cast<uint8_t*>(mapping.address);
    shared.size_ = mapping.size;
    return shared;
}

void SharedMemory::reset() {
    if (data_) sys::munmap(data_, size_);
    data_ = nullptr;
    size_ = 0;
    handle_.close();
}

}  // namespace rvos
