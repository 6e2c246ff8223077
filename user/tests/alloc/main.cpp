// alloc: the C library's allocation functions, as a program sees them, on
// lib/rvos's allocator (tests/acceptance/test_allocator.py).
//   alloc api       malloc, calloc, realloc, free, memalign, aligned_alloc,
//                   posix_memalign, valloc, malloc_usable_size keep the C
//                   contract: alignment, sizes, zeroing, contents kept,
//                   and ENOMEM/EINVAL for what cannot be had
//   alloc giveback  freed memory goes back to the system: an 8 MiB block
//                   (a mapping of its own) at once, sixteen 900 KiB blocks
//                   (in the middle tier) past its free budget
//   alloc many      200,000 small blocks live at once, freed in address
//                   order (quadratic for an address-ordered free list)
// Each prints "alloc: <check>: ok" with its figures, or what failed.
#define _POSIX_C_SOURCE 200809L  // posix_memalign
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvos/sysinfo.h"
#include "tests/kit/kit.h"

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
    if (ok) return;
    printf("alloc: FAILED: %s\n", what);
    failures++;
}

bool aligned(const void* p, size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; }

bool all(const void* p, size_t size, uint8_t value) {
    for (size_t i = 0; i < size; i++)
        if (static_cast<const uint8_t*>(p)[i] != value) return false;
    return true;
}

int api() {
    void* zero = malloc(0);
    void* zero2 = malloc(0);
    expect(zero && zero2 && zero != zero2, "malloc(0) gives distinct blocks");
    free(zero);
    free(zero2);
    for (size_t size = 1; size < 3 * 1024 * 1024; size = size * 3 + 1) {
        void* p = malloc(size);
        expect(p && aligned(p, 16) && malloc_usable_size(p) >= size, "malloc: 16-aligned, usable size at least asked");
        if (p) memset(p, 0x77, size);
        free(p);
    }
    auto* c = static_cast<uint8_t*>(calloc(1000, 7));
    expect(c && all(c, 7000, 0), "calloc zeroes");
    free(c);
    // A block that was written and freed, then handed out again by calloc.
    void* dirty = malloc(4000);
    memset(dirty, 0xee, 4000);
    free(dirty);
    c = static_cast<uint8_t*>(calloc(4000, 1));
    expect(c && all(c, 4000, 0), "calloc zeroes a reused block");
    free(c);
    // Sizes no memory holds, hidden from the compiler's own checks.
    volatile size_t huge = SIZE_MAX - 4096, half = SIZE_MAX / 2;
    errno = 0;
    expect(calloc(half, 3) == nullptr && errno == ENOMEM, "calloc overflow: NULL, ENOMEM");
    errno = 0;
    expect(malloc(huge) == nullptr && errno == ENOMEM, "malloc beyond memory: NULL, ENOMEM");

    auto* r = static_cast<uint8_t*>(malloc(10));
    memset(r, 1, 10);
    size_t kept = 10;
    const size_t sizes[] = {100, 3000, 70000, 2 * 1024 * 1024, 300, 5 * 1024 * 1024, 8};
    for (size_t size : sizes) {
        r = static_cast<uint8_t*>(realloc(r, size));
        expect(r && all(r, kept < size ? kept : size, 1), "realloc keeps the contents");
        if (!r) return 1;
        memset(r, 1, size);
        kept = size;
    }
    errno = 0;
    expect(realloc(r, huge) == nullptr && errno == ENOMEM && all(r, 8, 1),
           "realloc beyond memory: NULL, ENOMEM, the block kept");
    expect(realloc(r, 0) == nullptr, "realloc(p, 0) frees and gives NULL");

    for (size_t alignment = 1; alignment <= 1024 * 1024; alignment *= 4) {
        void* m = memalign(alignment, 1000);
        void* a = aligned_alloc(alignment, 3 * alignment);
        void* p = nullptr;
        int status = posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, 50);
        expect(m && aligned(m, alignment) && a && aligned(a, alignment) && status == 0 && p &&
                   aligned(p, alignment < sizeof(void*) ? sizeof(void*) : alignment),
               "memalign, aligned_alloc, posix_memalign align");
        free(m);
        free(a);
        free(p);
    }
    void* p = nullptr;
    expect(posix_memalign(&p, 24, 10) == EINVAL && p == nullptr, "posix_memalign: EINVAL for an alignment not a power of two");
    expect(posix_memalign(&p, 4, 10) == EINVAL, "posix_memalign: EINVAL below sizeof(void*)");
    void* v = valloc(100);
    expect(v && aligned(v, 4096), "valloc: page-aligned");
    free(v);
    free(nullptr);
    if (failures) return 1;
    printf("alloc: api: ok\n");
    return 0;
}

using testkit::free_frames;

int giveback() {
    constexpr size_t kPages = 4096;
    free_frames();  // the first query may set things up
    uint64_t before = free_frames();
    auto* big = static_cast<uint8_t*>(malloc(8 * 1024 * 1024));
    if (!big) return printf("alloc: giveback: no 8 MiB block\n"), 1;
    memset(big, 1, 8 * 1024 * 1024);
    uint64_t holding = free_frames();
    free(big);
    uint64_t after = free_frames();
    expect(before - holding >= 8 * 1024 * 1024 / kPages, "an 8 MiB block takes its frames");
    // Every frame but the page tables the mapping needed, which the
    // address space keeps for its next mappings.
    expect(before - after <= 8, "a freed 8 MiB block gives its frames back");

    void* blocks[16];
    void* pins[16];
    for (int i = 0; i < 16; i++) {
        blocks[i] = malloc(900 * 1024);
        pins[i] = malloc(5000);  // keeps each block in place between others
        if (blocks[i]) memset(blocks[i], 2, 900 * 1024);
    }
    uint64_t middle_holding = free_frames();
    for (void* b : blocks) free(b);
    uint64_t middle_after = free_frames();
    uint64_t given = middle_after - middle_holding;
    // All but the free budget (1 MiB, or a quarter of the heap) and the
    // pages around the pins.
    expect(given * kPages >= 16 * 900 * 1024 - 4 * 1024 * 1024, "freed middle blocks give their pages back");
    for (void* p : pins) free(p);
    if (failures) return 1;
    printf("alloc: giveback: 8 MiB block: %llu frames taken, %llu back; 16 x 900 KiB: %llu of %llu frames back\n",
           static_cast<unsigned long long>(before - holding), static_cast<unsigned long long>(after - holding),
           static_cast<unsigned long long>(given),
           static_cast<unsigned long long>(16 * 900 * 1024 / kPages));
    return 0;
}

uint64_t now_ms() {
    uint64_t t;
    asm volatile("rdtime %0" : "=r"(t));
    return t / 10'000;  // rdtime runs at 10 MHz
}

int many() {
    constexpr size_t kBlocks = 200'000;
    auto** blocks = static_cast<void**>(malloc(kBlocks * sizeof(void*)));
    if (!blocks) return printf("alloc: many: no table\n"), 1;
    uint64_t start = now_ms();
    for (size_t i = 0; i < kBlocks; i++) {
        blocks[i] = malloc(16 + i % 48);
        if (!blocks[i]) return printf("alloc: many: malloc %zu failed\n", i), 1;
        *static_cast<uint32_t*>(blocks[i]) = static_cast<uint32_t>(i);
    }
    // Address order: for an address-ordered free list each free would walk
    // every block freed before it.
    qsort(blocks, kBlocks, sizeof(void*), [](const void* a, const void* b) {
        auto x = *static_cast<void* const*>(a), y = *static_cast<void* const*>(b);
        return x < y ? -1 : x > y;
    });
    uint64_t frees = now_ms();
    for (size_t i = 0; i < kBlocks; i++) free(blocks[i]);
    uint64_t end = now_ms();
    free(blocks);
    printf("alloc: many: ok (%zu blocks: malloc %llu ms, %zu frees in address order %llu ms)\n", kBlocks,
           static_cast<unsigned long long>(frees - start), kBlocks, static_cast<unsigned long long>(end - frees));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "api") == 0) return api();
    if (argc == 2 && strcmp(argv[1], "giveback") == 0) return giveback();
    if (argc == 2 && strcmp(argv[1], "many") == 0) return many();
    printf("usage: alloc api | giveback | many\n");
    return 2;
}
