// The wire format: how request and reply fields are packed into the 64-byte
// payload of a Message. Little-endian integers, strings as a one-byte length
// followed by the bytes. Writers refuse to overflow the payload and readers
// refuse to read past `len`, so a malformed message is detected, never
// trusted: a server checks ok() before acting on a request.
#pragma once

#include "abi/abi.h"
#include "base/string.h"

namespace wire {

using rvos::Message;

class Writer {
public:
    // Starts a fresh message with the given tag; clears any capability.
    Writer(Message& message, uint32_t tag) : message_(message) {
        message_.len = 0;
        message_.cap = rvos::kNoHandle;
        message_.reserved = 0;
        put_u32(tag);
    }

    Writer& put_u8(uint8_t v) { return put_raw(&v, 1); }
    Writer& put_u16(uint16_t v) { return put_raw(&v, 2); }
    Writer& put_u32(uint32_t v) { return put_raw(&v, 4); }
    Writer& put_u64(uint64_t v) { return put_raw(&v, 8); }
    Writer& put_i32(int32_t v) { return put_raw(&v, 4); }
    Writer& put_str(const char* s, size_t length);
    Writer& put_str(const char* s) { return put_str(s, base::str_length(s)); }
    // Appends raw bytes up to the end of the payload.
    Writer& put_bytes(const void* bytes, size_t length) { return put_raw(bytes, length); }

    // Bytes still free in the payload.
    size_t remaining() const { return rvos::kMessagePayload - message_.len; }
    bool ok() const { return ok_; }

private:
    Writer& put_raw(const void* bytes, size_t length);

    Message& message_;
    bool ok_ = true;
};

class Reader {
public:
    explicit Reader(const Message& message) : message_(message) {
        if (message_.len > rvos::kMessagePayload) ok_ = false;
    }

    uint32_t tag() { return get_u32(); }
    uint8_t get_u8() { uint8_t v = 0; get_raw(&v, 1); return v; }
    uint16_t get_u16() { uint16_t v = 0; get_raw(&v, 2); return v; }
    uint32_t get_u32() { uint32_t v = 0; get_raw(&v, 4); return v; }
    uint64_t get_u64() { uint64_t v = 0; get_raw(&v, 8); return v; }
    int32_t get_i32() { int32_t v = 0; get_raw(&v, 4); return v; }
    // Copies a string into buffer (NUL-terminated). Fails if it does not fit
    // in size-1 bytes or runs past the message.
    bool get_str(char* buffer, size_t size);
    // The unread rest of the payload.
    const uint8_t* rest() const { return message_.data + position_; }
    size_t rest_length() const { return ok_ ? message_.len - position_ : 0; }

    bool ok() const { return ok_; }

private:
    void get_raw(void* out, size_t length);

    const Message& message_;
    size_t position_ = 0;
    bool ok_ = true;
};

}  // namespace wire
