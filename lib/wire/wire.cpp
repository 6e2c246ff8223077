#include "wire/wire.h"

namespace wire {

Writer& Writer::put_raw(const void* bytes, size_t length) {
    if (!ok_ || length > remaining()) {
        ok_ = false;
        return *this;
    }
    base::mem_copy(message_.data + message_.len, bytes, length);
    message_.len += static_cast<uint32_t>(length);
    return *this;
}

Writer& Writer::put_str(const char* s, size_t length) {
    if (length > 255) {
        ok_ = false;
        return *this;
    }
    put_u8(static_cast<uint8_t>(length));
    return put_raw(s, length);
}

void Reader::get_raw(void* out, size_t length) {
    if (!ok_ || length > message_.len - position_) {
        ok_ = false;
        return;
    }
    base::mem_copy(out, message_.data + position_, length);
    position_ += length;
}

bool Reader::get_str(char* buffer, size_t size) {
    size_t length = get_u8();
    if (!ok_ || length + 1 > size || length > message_.len - position_) {
        ok_ = false;
        if (size) buffer[0] = 0;
        return false;
    }
    base::mem_copy(buffer, message_.data + position_, length);
    buffer[length] = 0;
    position_ += length;
    return true;
}

}  // namespace wire
