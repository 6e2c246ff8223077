// The host's side of the C-library rows (../libc_rows.cpp): built with the
// host's g++ by harness/hostbench.py, never into the guest. Times each row as
// bench does (calibrated to 100 ms, or 5 ms with `quick`; median of five, or
// one run with `quick`), on CLOCK_MONOTONIC, and prints the same columns.
//
//   bench-libc-host <file for the stdio rows> [quick]
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <algorithm>

#include "../libc_rows.h"

namespace {

uint64_t now_ns() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return uint64_t(t.tv_sec) * 1'000'000'000 + uint64_t(t.tv_nsec);
}

uint64_t timed(const LibcRow& row, uint64_t n) {
    uint64_t start = now_ns();
    row.run(n);
    return now_ns() - start;
}

void measure(const LibcRow& row, uint64_t min_ns, int repetitions) {
    uint64_t n = 1;
    while (timed(row, n) < min_ns && n < (1ull << 30)) n *= 2;
    uint64_t samples[5];
    for (int i = 0; i < repetitions; i++) samples[i] = timed(row, n);
    std::sort(samples, samples + repetitions);
    uint64_t total_ns = samples[repetitions / 2];
    printf("%-38s %10llu %10llu %12llu", row.name, static_cast<unsigned long long>(n),
           static_cast<unsigned long long>(total_ns / 1000), static_cast<unsigned long long>(total_ns / n));
    if (row.bytes_per_op) {
        uint64_t tenths = total_ns ? row.bytes_per_op * n * 10'000 / total_ns : 0;
        printf(" %7llu.%llu MB/s", static_cast<unsigned long long>(tenths / 10),
               static_cast<unsigned long long>(tenths % 10));
    }
    printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return fprintf(stderr, "usage: %s <file> [quick]\n", argv[0]), 2;
    stdio_path = argv[1];
    bool quick = argc > 2 && strcmp(argv[2], "quick") == 0;
    for (const LibcRow& row : kLibcRows) measure(row, quick ? 5'000'000 : 100'000'000, quick ? 1 : 5);
    remove(stdio_path);
    return 0;
}
