// The benchmark rows that use only the C library (malloc, stdio, doubles):
// built into bench for the guest and, by harness/hostbench.py, into a host
// program (host/main.cpp) with the host's gcc, so each row has the host's
// figure for the same code beside the guest's.
#pragma once

#include <stddef.h>
#include <stdint.h>

struct LibcRow {
    const char* name;
    void (*run)(uint64_t iterations);
    uint64_t bytes_per_op;  // non-zero: report MB/s
};

void bench_malloc_mixed(uint64_t n);
void bench_float_loop(uint64_t n);
void bench_stdio_write(uint64_t n);
void bench_stdio_read(uint64_t n);

// Where the stdio rows keep their 1 MiB file (bench_stdio_read reads what
// bench_stdio_write wrote).
extern const char* stdio_path;

extern const LibcRow kLibcRows[4];
