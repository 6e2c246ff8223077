// SHA-256 (FIPS 180-4), for the programs that hash files (the sha256sum
// tool, disktest). Plain C interface, so C programs include it too.
// Hardware-free (host unit tests: tests/unit/test_sha256.cpp).
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sha256 {
    uint32_t h[8];
    uint64_t length;  // bytes hashed
    unsigned char block[64];
    size_t used;  // bytes of `block` filled
};

void sha256_init(struct sha256* s);
void sha256_update(struct sha256* s, const void* data, size_t n);
// Pads, then writes the digest; `s` is used up.
void sha256_final(struct sha256* s, unsigned char digest[32]);
// The digest as 64 lower-case hex digits and a NUL.
void sha256_hex(const unsigned char digest[32], char out[65]);

#ifdef __cplusplus
}
#endif
