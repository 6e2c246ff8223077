#include "base/string.h"

namespace base {

size_t str_length(const char* s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

size_t str_length_bounded(const char* s, size_t max) {
    size_t n = 0;
    while (n < max && s[n]) n++;
    return n;
}

bool str_equal(const char* a, const char* b) {
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}

bool str_starts_with(const char* s, const char* prefix) {
    while (*prefix)
        if (*s++ != *prefix++) return false;
    return true;
}

void str_copy(char* dst, const char* src, size_t size) {
    if (size == 0) return;
    size_t i = 0;
    for (; i + 1 < size && src[i]; i++) dst[i] = src[i];
    dst[i] = 0;
}

void mem_copy(void* dst, const void* src, size_t n) {
    auto* d = static_cast<uint8_t*>(dst);
    auto* s = static_cast<const uint8_t*>(src);
    uintptr_t skew = reinterpret_cast<uintptr_t>(d) ^ reinterpret_cast<uintptr_t>(s);
    // Word copies when both sides can be aligned together: messages, files
    // and shared buffers are copied this way, and a byte loop is 8x slower.
    // Eight words a turn: a loop step costs three instructions, spread over
    // 64 bytes instead of 32.
    if ((skew & 7) == 0) {
        while (n && (reinterpret_cast<uintptr_t>(d) & 7)) *d++ = *s++, n--;
        auto* dw = reinterpret_cast<uint64_t*>(d);
        auto* sw = reinterpret_cast<const uint64_t*>(s);
        for (; n >= 64; n -= 64, dw += 8, sw += 8) {
            uint64_t w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3], w4 = sw[4], w5 = sw[5], w6 = sw[6], w7 = sw[7];
            dw[0] = w0, dw[1] = w1, dw[2] = w2, dw[3] = w3, dw[4] = w4, dw[5] = w5, dw[6] = w6, dw[7] = w7;
        }
        for (; n >= 8; n -= 8) *dw++ = *sw++;
        d = reinterpret_cast<uint8_t*>(dw);
        s = reinterpret_cast<const uint8_t*>(sw);
    } else if ((skew & 3) == 0) {  // 4-byte aligned together (arrays of 32-bit fields)
        while (n && (reinterpret_cast<uintptr_t>(d) & 3)) *d++ = *s++, n--;
        auto* dw = reinterpret_cast<uint32_t*>(d);
        auto* sw = reinterpret_cast<const uint32_t*>(s);
        for (; n >= 4; n -= 4) *dw++ = *sw++;
        d = reinterpret_cast<uint8_t*>(dw);
        s = reinterpret_cast<const uint8_t*>(sw);
    } else if (n >= 32) {
        // Apart by other than a multiple of 4: a frame's payload beside its
        // 14-byte Ethernet header, a body after a header of any length.
        // The destination is aligned, the source read a word at a time
        // from its next aligned word, each output word made of two source
        // words by shifts (little-endian): 8 bytes in ~8 instructions, not
        // ~32. Only words inside [s, s + n) are read.
        while (reinterpret_cast<uintptr_t>(d) & 7) *d++ = *s++, n--;
        unsigned skew_bytes = reinterpret_cast<uintptr_t>(s) & 7;  // 1..7
        unsigned head = 8 - skew_bytes;  // bytes before the source's next aligned word
        unsigned low = 8 * head, high = 8 * skew_bytes;
        uint64_t carry = 0;
        for (unsigned i = 0; i < head; i++) carry |= static_cast<uint64_t>(s[i]) << (8 * i);
        const auto* sw = reinterpret_cast<const uint64_t*>(s + head);
        auto* dw = reinterpret_cast<uint64_t*>(d);
        // Each turn reads the word at sw, which must end inside the source:
        // s + head + 8 <= s + n.
        for (; n >= head + 8; n -= 8) {
            uint64_t w = *sw++;
            *dw++ = carry | (w << low);
            carry = w >> high;
        }
        d = reinterpret_cast<uint8_t*>(dw);
        s = reinterpret_cast<const uint8_t*>(sw) - head;  // the carried bytes are copied again below
    }
    while (n--) *d++ = *s++;
}

void mem_set(void* dst, int value, size_t n) {
    auto* d = static_cast<uint8_t*>(dst);
    while (n && (reinterpret_cast<uintptr_t>(d) & 7)) *d++ = static_cast<uint8_t>(value), n--;
    uint64_t pattern = 0x0101010101010101ull * static_cast<uint8_t>(value);
    auto* dw = reinterpret_cast<uint64_t*>(d);
    // Eight words a turn, as in mem_copy: every page the kernel hands out is
    // zeroed here.
    for (; n >= 64; n -= 64, dw += 8) dw[0] = dw[1] = dw[2] = dw[3] = dw[4] = dw[5] = dw[6] = dw[7] = pattern;
    for (; n >= 8; n -= 8) *dw++ = pattern;
    d = reinterpret_cast<uint8_t*>(dw);
    while (n--) *d++ = static_cast<uint8_t>(value);
}

bool mem_find_byte(const void* p, uint8_t byte, size_t n) {
    const auto* bytes = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; i++)
        if (bytes[i] == byte) return true;
    return false;
}

bool mem_equal(const void* a, const void* b, size_t n) {
    auto* x = static_cast<const uint8_t*>(a);
    auto* y = static_cast<const uint8_t*>(b);
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return false;
    return true;
}

bool parse_u32(const char* s, uint32_t* out) {
    if (!*s) return false;
    uint64_t value = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        value = value * 10 + static_cast<uint64_t>(*s - '0');
        if (value > 0xffffffffull) return false;
    }
    *out = static_cast<uint32_t>(value);
    return true;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Word next_word(const char** cursor) {
    const char* p = *cursor;
    while (*p && is_space(*p)) p++;
    const char* start = p;
    while (*p && !is_space(*p)) p++;
    *cursor = p;
    return Word{start, static_cast<size_t>(p - start)};
}

bool word_is(Word w, const char* literal) {
    size_t n = str_length(literal);
    return n == w.length && mem_equal(w.start, literal, n);
}

}  // namespace base
