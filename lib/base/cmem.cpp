// The four C memory functions the compiler may call on its own (struct copies,
// zero-initialisation). Linked into the kernel, and into every program ahead
// of picolibc, whose size-optimised versions copy a byte at a time.
#include "base/string.h"

extern "C" {

void* memcpy(void* dst, const void* src, size_t n) {
    base::mem_copy(dst, src, n);
    return dst;
}

void* memset(void* dst, int value, size_t n) {
    base::mem_set(dst, value, n);
    return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto* s = static_cast<const unsigned char*>(src);
    if (d < s || d >= s + n) {
        base::mem_copy(dst, src, n);
    } else {
        while (n--) d[n] = s[n];
    }
    return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] - y[i];
    return 0;
}

}
