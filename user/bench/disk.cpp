// bench disk: the rows on the virtio-blk disk (the ext2 root), in two boots
// (harness/bench.py runs both on a fresh copy of the root image):
//
//   bench disk [quick]       cached rows in /home/bench, then the files the
//                            cold rows use, written and synced
//   bench disk cold [quick]  after a cold boot: each operation once per file
//                            on files no one has touched since the boot, so
//                            every block comes from the disk
//
// Cached rows are timed as the main table's (calibrated to 100 ms, median of
// five); a cold row can run only once, over kColdFiles files (or one
// directory listing), and reports the mean. Timing uses rdtime (10 MHz).
#define _DEFAULT_SOURCE  // sync()
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

constexpr uint64_t kTicksPerSecond = 10'000'000, kNsPerTick = 1'000'000'000 / kTicksPerSecond;
constexpr uint64_t kMiB = 1024 * 1024;
constexpr size_t kCall = 64 * 1024;       // bytes per read or write call of the 1 MiB rows
constexpr int kColdFiles = 256;           // files per cold row
constexpr int kColdBig = 8;               // 1 MiB files the cold read row reads
const char* const kDir = "/home/bench";

uint64_t min_ticks = kTicksPerSecond / 10;
int repetitions = 5;
int many = 10000;  // entries of the listed directory
char block[64];
uint8_t* io;       // kCall bytes

uint64_t now() {
    uint64_t t;
    asm volatile("rdtime %0" : "=r"(t));
    return t;
}

void print_row(const char* name, uint64_t n, uint64_t ticks, uint64_t bytes_per_op) {
    uint64_t total_ns = ticks * kNsPerTick, ns_per_op = n ? total_ns / n : 0;
    printf("%-38s %10llu %10llu %12llu", name, static_cast<unsigned long long>(n),
           static_cast<unsigned long long>(total_ns / 1000), static_cast<unsigned long long>(ns_per_op));
    if (bytes_per_op) {
        uint64_t tenths = total_ns ? bytes_per_op * n * 10'000 / total_ns : 0;
        printf(" %7llu.%llu MB/s", static_cast<unsigned long long>(tenths / 10),
               static_cast<unsigned long long>(tenths % 10));
    }
    printf("\n");
    fflush(stdout);
}

// Ticks a row spent on work it does not time (set by the row).
uint64_t untimed;

// A cached row: calibrated to min_ticks, the median of `repetitions` runs.
void measure(const char* name, void (*run)(uint64_t), uint64_t bytes_per_op = 0) {
    auto timed = [&](uint64_t n) {
        untimed = 0;
        uint64_t start = now();
        run(n);
        return now() - start - untimed;
    };
    uint64_t n = 1;
    while (timed(n) < min_ticks && n < (1ull << 20)) n *= 2;
    uint64_t samples[5];
    for (int i = 0; i < repetitions; i++) {
        samples[i] = timed(n);
        for (int j = i; j > 0 && samples[j] < samples[j - 1]; j--) {
            uint64_t t = samples[j];
            samples[j] = samples[j - 1];
            samples[j - 1] = t;
        }
    }
    print_row(name, n, samples[repetitions / 2], bytes_per_op);
}

const char* path(const char* format, int i) {
    static char buffer[96];
    snprintf(buffer, sizeof buffer, format, kDir, i);
    return buffer;
}

void make_file(const char* name, size_t bytes) {
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC);
    for (size_t done = 0; done < bytes; done += kCall) write(fd, io, bytes - done < kCall ? bytes - done : kCall);
    close(fd);
}

// Lists a directory to its end; returns the entries seen.
int list(const char* name) {
    DIR* dir = opendir(name);
    int entries = 0;
    while (dir && readdir(dir)) entries++;
    if (dir) closedir(dir);
    return entries;
}

// ---- Cached rows ------------------------------------------------------------------------

void create_write(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        int fd = open(path("%s/small", 0), O_WRONLY | O_CREAT | O_TRUNC);
        write(fd, block, sizeof block);
        close(fd);
    }
}

void open_read(uint64_t n) {
    char buffer[64];
    for (uint64_t i = 0; i < n; i++) {
        int fd = open(path("%s/small", 0), O_RDONLY);
        read(fd, buffer, sizeof buffer);
        close(fd);
    }
}

void stat_file(uint64_t n) {
    struct stat st;
    for (uint64_t i = 0; i < n; i++) stat(path("%s/small", 0), &st);
}

// Files to delete are made first, untimed.
void delete_files(uint64_t n) {
    uint64_t start = now();
    for (uint64_t i = 0; i < n; i++) close(open(path("%s/d%d", static_cast<int>(i)), O_WRONLY | O_CREAT));
    untimed += now() - start;
    for (uint64_t i = 0; i < n; i++) unlink(path("%s/d%d", static_cast<int>(i)));
}

void write_sync(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        int fd = open(path("%s/big", 0), O_WRONLY | O_CREAT | O_TRUNC);
        for (size_t done = 0; done < kMiB; done += kCall) write(fd, io, kCall);
        fsync(fd);
        close(fd);
    }
}

void read_big(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        int fd = open(path("%s/big", 0), O_RDONLY);
        while (read(fd, io, kCall) > 0) {
        }
        close(fd);
    }
}

void list_many(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) list(path("%s/many", 0));
}

int cached() {
    mkdir(kDir, 0755);
    mkdir(path("%s/cold", 0), 0755);
    mkdir(path("%s/many", 0), 0755);
    // The directory to list, and the files the cold rows use (before the
    // cached rows, so their inodes are not next to the ones those touch).
    uint64_t start = now();
    for (int i = 0; i < many; i++) close(open(path("%s/many/entry-%05d", i), O_WRONLY | O_CREAT));
    uint64_t made = now() - start;
    for (int i = 0; i < kColdFiles; i++) {
        make_file(path("%s/cold/r%d", i), sizeof block);
        make_file(path("%s/cold/s%d", i), sizeof block);
        make_file(path("%s/cold/u%d", i), sizeof block);
    }
    for (int i = 0; i < kColdBig; i++) make_file(path("%s/cold/big%d", i), kMiB);
    sync();
    printf("%-38s %10s %10s %12s\n", repetitions == 5 ? "disk (virtio-blk, ext2), cached" : "disk, cached (quick)",
           "iterations", "total us", "ns/op");
    print_row("disk: create in a growing directory", static_cast<uint64_t>(many), made, 0);
    measure("disk: create+write 64 B+close", create_write);
    measure("disk: open+read 64 B+close", open_read);
    measure("disk: stat", stat_file);
    measure("disk: delete", delete_files);
    measure("disk: write 1 MiB+fsync, 64 KiB calls", write_sync, kMiB);
    measure("disk: read 1 MiB, 64 KiB calls", read_big, kMiB);
    char name[64];
    snprintf(name, sizeof name, "disk: list %d entries (readdir)", many);
    measure(name, list_many);
    sync();
    printf("bench: disk done\n");
    return 0;
}

// ---- Cold rows (run once, on a fresh boot) ----------------------------------------------

template <typename F>
void once(const char* name, int n, uint64_t bytes_per_op, F each) {
    uint64_t start = now();
    for (int i = 0; i < n; i++) each(i);
    print_row(name, static_cast<uint64_t>(n), now() - start, bytes_per_op);
}

int cold() {
    printf("%-38s %10s %10s %12s\n", "disk after a cold boot (one run)", "files", "total us", "ns/op");
    char buffer[64];
    struct stat st;
    once("disk cold: open+read 64 B+close", kColdFiles, 0, [&](int i) {
        int fd = open(path("%s/cold/r%d", i), O_RDONLY);
        read(fd, buffer, sizeof buffer);
        close(fd);
    });
    once("disk cold: stat", kColdFiles, 0, [&](int i) { stat(path("%s/cold/s%d", i), &st); });
    once("disk cold: delete", kColdFiles, 0, [&](int i) { unlink(path("%s/cold/u%d", i)); });
    once("disk cold: create+write 64 B+close", kColdFiles, 0, [&](int i) {
        int fd = open(path("%s/cold/n%d", i), O_WRONLY | O_CREAT | O_TRUNC);
        write(fd, block, sizeof block);
        close(fd);
    });
    once("disk cold: read 1 MiB, 64 KiB calls", kColdBig, kMiB, [&](int i) {
        int fd = open(path("%s/cold/big%d", i), O_RDONLY);
        while (read(fd, io, kCall) > 0) {
        }
        close(fd);
    });
    int seen = 0;
    char name[64];
    snprintf(name, sizeof name, "disk cold: list %d entries (readdir)", many);
    once(name, 1, 0, [&](int) { seen = list(path("%s/many", 0)); });
    if (seen != many) printf("bench: listed %d entries, not %d\n", seen, many);
    for (int i = 0; i < kColdFiles; i++) unlink(path("%s/cold/n%d", i));
    sync();
    printf("bench: disk done\n");
    return 0;
}

}  // namespace

// `bench disk [cold] [quick]` (main.cpp hands over its arguments after "disk").
int bench_disk(int argc, char** argv) {
    bool is_cold = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "cold") == 0) is_cold = true;
        if (strcmp(argv[i], "quick") == 0) {
            min_ticks = kTicksPerSecond / 200;
            repetitions = 1;
            many = 1000;
        }
    }
    io = static_cast<uint8_t*>(malloc(kCall));
    if (!io) return puts("bench: no memory"), 1;
    memset(io, 0x5a, kCall);
    return is_cold ? cold() : cached();
}
