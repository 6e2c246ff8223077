// The benchmark rows on the C library alone (see libc_rows.h): the same
// source runs in the guest (picolibc + lib/rvos) and on the host (glibc).
#include "libc_rows.h"

#include <stdio.h>
#include <stdlib.h>

const char* stdio_path = "/tmp/stdio.dat";

// A floating-point loop: 1000 dependent multiply-adds and divides on
// doubles per operation (one operation = the whole loop), so the row shows
// what hardware FP (rv64gc) costs against the soft-float library calls of
// an rv64imac build.
static volatile double float_sink;
void bench_float_loop(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        double x = 1.0, y = 0.0;
        for (int k = 0; k < 1000; k++) {
            x = x * 1.000001 + 0.5;
            y += x / (x + 1.0);
        }
        float_sink = x + y;
    }
}

// 100,000 calls of malloc or free of mixed sizes (one operation): 1,000
// slots, each call frees a slot's block or gives it a new one, of a size
// drawn as a program's might be (70 % up to 256 B, 25 % up to 4 KiB, 5 %
// up to 64 KiB); the slots are emptied after.
static void* malloc_slots[1000];
void bench_malloc_mixed(uint64_t n) {
    uint64_t random = 0x9e3779b97f4a7c15ull;
    for (uint64_t i = 0; i < n; i++) {
        for (int call = 0; call < 100'000; call++) {
            random = random * 6364136223846793005ull + 1442695040888963407ull;
            uint64_t r = random >> 24;
            void*& slot = malloc_slots[r % 1000];
            if (slot) {
                free(slot);
                slot = nullptr;
                continue;
            }
            uint64_t kind = (r >> 10) % 100;
            size_t size = kind < 70 ? 8 + (r >> 17) % 248 : kind < 95 ? 256 + (r >> 17) % 3840 : 4096 + (r >> 17) % 61440;
            slot = malloc(size);
            if (slot) *static_cast<volatile char*>(slot) = 1;
        }
        for (void*& slot : malloc_slots) {
            free(slot);
            slot = nullptr;
        }
    }
}

// 1 MiB through stdio (one operation): fopen, 1,024 calls of fwrite (or
// fread) of 1 KiB each, fclose. The calls are smaller than a stdio buffer,
// so the row shows how stdio batches them into the file system's calls.
constexpr size_t kStdioCall = 1024, kStdioFile = 1024 * 1024;
static char stdio_block[kStdioCall];

void bench_stdio_write(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        FILE* f = fopen(stdio_path, "wb");
        if (!f) return perror("bench: fopen for writing");
        for (size_t done = 0; done < kStdioFile; done += kStdioCall) fwrite(stdio_block, 1, kStdioCall, f);
        fclose(f);
    }
}

void bench_stdio_read(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        FILE* f = fopen(stdio_path, "rb");
        if (!f) return perror("bench: fopen for reading");
        while (fread(stdio_block, 1, kStdioCall, f) == kStdioCall) {
        }
        fclose(f);
    }
}

const LibcRow kLibcRows[4] = {
    {"100k malloc/free, mixed sizes", bench_malloc_mixed, 0},
    {"floating-point loop, 1000 mul+add+div", bench_float_loop, 0},
    {"fwrite 1 MiB, 1 KiB calls (/tmp)", bench_stdio_write, kStdioFile},
    {"fread 1 MiB, 1 KiB calls (/tmp)", bench_stdio_read, kStdioFile},
};
