// mmaploop: anonymous and shared memory can be used over and over, and in
// quantity (ABI v2, item 7). With a bump allocator mmap failed for good
// after the window's 65,536 pages had been handed out once; with 16 shared
// mappings a compositor could not map a buffer per client; with 4 MiB
// memory objects it could not share a framebuffer.
//   mmaploop cycles [n]  n (default 1,000,000) mmap+munmap cycles of 1..4
//                        pages, checking that fresh pages are zeroed and
//                        writing some of them; some unmap a middle page first
//   mmaploop shared      40 memory objects of 4 KiB, all mapped at once
//   mmaploop big         one 16 MiB memory object, written end to end
//   mmaploop             all three
// Each prints one `mmaploop: ... ok` line, or what failed, and the exit
// status says the same.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvos/shared_memory.h"
#include "rvos/syscall.h"

using rvos::Error;
using rvos::kPageSize;
namespace sys = rvos::sys;

namespace {

constexpr uint64_t kTicksPerSecond = 10'000'000;  // rdtime on QEMU virt

uint64_t now() {
    uint64_t t;
    asm volatile("rdtime %0" : "=r"(t));
    return t;
}

// A page must come back zeroed, then holds what was written to it.
bool page_works(volatile uint64_t* page, uint64_t stamp) {
    constexpr size_t kLast = kPageSize / sizeof(uint64_t) - 1;
    if (page[0] != 0 || page[kLast] != 0) return false;
    page[0] = stamp;
    page[kLast] = ~stamp;
    return page[0] == stamp && page[kLast] == ~stamp;
}

int cycles(uint64_t count) {
    uint64_t start = now(), random = 12345;
    uintptr_t highest = 0;
    for (uint64_t cycle = 0; cycle < count; cycle++) {
        random = random * 6364136223846793005ull + 1442695040888963407ull;
        size_t pages = 1 + (random >> 33) % 4;
        auto mapped = sys::mmap(pages * kPageSize);
        if (mapped.is_error()) {
            printf("mmaploop: cycle %llu: mmap of %zu pages: %s\n", static_cast<unsigned long long>(cycle), pages,
                   rvos::error_name(mapped.error()));
            return 1;
        }
        auto* base = static_cast<uint8_t*>(mapped.value());
        uintptr_t end = reinterpret_cast<uintptr_t>(base) + pages * kPageSize;
        if (end > highest) highest = end;
        // The first page every time, every page every 16th cycle.
        size_t checked = cycle % 16 == 0 ? pages : 1;
        for (size_t i = 0; i < checked; i++) {
            if (!page_works(reinterpret_cast<volatile uint64_t*>(base + i * kPageSize), cycle)) {
                printf("mmaploop: cycle %llu: page %p is not a fresh, usable page\n",
                       static_cast<unsigned long long>(cycle), static_cast<void*>(base + i * kPageSize));
                return 1;
            }
        }
        // Now and then a page out of the middle first (the mapping splits),
        // then the whole range, hole and all.
        Error unmapped = Error::None;
        if (pages >= 3 && cycle % 16 == 8) unmapped = sys::munmap(base + kPageSize, kPageSize);
        if (unmapped == Error::None) unmapped = sys::munmap(base, pages * kPageSize);
        if (unmapped != Error::None) {
            printf("mmaploop: cycle %llu: munmap: %s\n", static_cast<unsigned long long>(cycle),
                   rvos::error_name(unmapped));
            return 1;
        }
    }
    uint64_t ticks = now() - start;
    printf("mmaploop: %llu cycles ok\n", static_cast<unsigned long long>(count));
    printf("mmaploop: %llu ms, %llu ns per cycle, addresses below %p\n",
           static_cast<unsigned long long>(ticks * 1000 / kTicksPerSecond),
           static_cast<unsigned long long>(count ? ticks * 100 / count : 0), reinterpret_cast<void*>(highest));
    return 0;
}

int shared() {
    constexpr size_t kObjects = 40;
    static rvos::SharedMemory objects[kObjects];
    for (size_t i = 0; i < kObjects; i++) {
        auto created = rvos::SharedMemory::create(kPageSize);
        if (created.is_error()) {
            printf("mmaploop: shared mapping %zu: %s\n", i + 1, rvos::error_name(created.error()));
            return 1;
        }
        objects[i] = created.release_value();
        memset(objects[i].data(), static_cast<int>(i + 1), kPageSize);
    }
    // All mapped at once, each its own page.
    for (size_t i = 0; i < kObjects; i++) {
        const uint8_t* data = objects[i].data();
        if (data[0] != i + 1 || data[kPageSize - 1] != i + 1) {
            printf("mmaploop: shared mapping %zu at %p holds %u\n", i + 1, static_cast<const void*>(data), data[0]);
            return 1;
        }
    }
    for (rvos::SharedMemory& object : objects) object.reset();
    printf("mmaploop: %zu shared mappings ok\n", kObjects);
    return 0;
}

int big() {
    constexpr size_t kBytes = 16 * 1024 * 1024;
    auto created = rvos::SharedMemory::create(kBytes);
    if (created.is_error()) {
        printf("mmaploop: 16 MiB memory object: %s\n", rvos::error_name(created.error()));
        return 1;
    }
    rvos::SharedMemory object = created.release_value();
    auto* words = reinterpret_cast<volatile uint64_t*>(object.data());
    size_t count = object.size() / sizeof(uint64_t);
    for (size_t i = 0; i < count; i++) words[i] = i * 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < count; i++) {
        if (words[i] != i * 0x9e3779b97f4a7c15ull) {
            printf("mmaploop: 16 MiB memory object: word %zu lost its value\n", i);
            return 1;
        }
    }
    object.reset();
    // One byte over the largest object is refused.
    auto too_big = sys::mem_create(rvos::kMaxSharedSize + 1);
    if (!too_big.is_error() || too_big.error() != Error::BadArgument) {
        printf("mmaploop: a memory object over kMaxSharedSize was not refused\n");
        return 1;
    }
    printf("mmaploop: 16 MiB memory object ok\n");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "all";
    if (strcmp(mode, "cycles") == 0) return cycles(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1'000'000);
    if (strcmp(mode, "shared") == 0) return shared();
    if (strcmp(mode, "big") == 0) return big();
    if (strcmp(mode, "all") == 0) {
        int failed = cycles(1'000'000);
        failed |= shared();
        failed |= big();
        return failed;
    }
    printf("usage: mmaploop [cycles [n] | shared | big]\n");
    return 2;
}
