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
//   mmaploop stack [k]   recursion k KiB deep (default 900) works, and maps
//                        stack pages only as it reaches them (the stack is
//                        mapped on first touch, not at spawn)
//   mmaploop overflow    a child recursing past the end of its stack is
//                        killed (the kernel says "stack overflow"); this
//                        program goes on, and recurses 900 KiB itself
//   mmaploop stackbuf    syscalls write into stack buffers never touched
//                        before: a 64 KiB chan_read, a 64 KiB file read();
//                        one into the guard page is BadAddress, not a kill
//   mmaploop             cycles, shared and big
// Each prints one `mmaploop: ... ok` line, or what failed, and the exit
// status says the same.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rvos/service.h"
#include "rvos/shared_memory.h"
#include "rvos/syscall.h"
#include "rvos/sysinfo.h"

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

// ---- The stack, mapped on first touch ------------------------------------

uint64_t free_frames() {
    auto memory = rvos::sysinfo::memory();
    return memory.is_error() ? 0 : memory.value().free_frames;
}

// Each level holds ~4 KiB and writes both ends of it, so every page on the
// way down is touched, until `bottom` is reached; the deepest level records
// where it got to. Returns whether every level still holds what it wrote
// once the levels below returned.
uintptr_t deepest;
__attribute__((noinline)) bool deep(int depth, uintptr_t bottom) {
    volatile uint8_t frame[4000];
    frame[0] = static_cast<uint8_t>(depth);
    frame[sizeof frame - 1] = static_cast<uint8_t>(~depth);
    auto here = reinterpret_cast<uintptr_t>(frame);
    bool below = here > bottom ? deep(depth + 1, bottom) : (deepest = here, true);
    return below && frame[0] == static_cast<uint8_t>(depth) && frame[sizeof frame - 1] == static_cast<uint8_t>(~depth);
}

int stack(uint64_t kib) {
    free_frames();  // the first query may set things up; measure from the second
    uint64_t before = free_frames();
    volatile uint8_t top = 0;
    auto from = reinterpret_cast<uintptr_t>(&top);
    bool ok = deep(0, from - kib * 1024);
    uint64_t after = free_frames();
    if (!ok || before == 0 || after == 0) {
        printf("mmaploop: stack: deep recursion %s\n", ok ? "ok, but sysinfo failed" : "lost its frames' contents");
        return 1;
    }
    // With the stack mapped at spawn this is 0: the pages were all there.
    printf("mmaploop: stack: %llu KiB deep recursion ok, %lld stack pages mapped on first touch\n",
           static_cast<unsigned long long>((from - deepest) / 1024), static_cast<long long>(before - after));
    return 0;
}

int overflow() {
    char args[32];
    snprintf(args, sizeof args, "stack %llu", static_cast<unsigned long long>(rvos::kUserStackSize / 1024 + 64));
    auto child = rvos::spawn("mmaploop", args);
    if (child.is_error()) return printf("mmaploop: overflow: spawn: %s\n", rvos::error_name(child.error())), 1;
    auto status = rvos::wait_exit(child.value());
    bool faulted = !status.is_error() && status.value().reason == rvos::ExitReason::Fault;
    printf("mmaploop: overflow: the child %s; this program still runs\n",
           faulted ? "was killed by a fault" : "was NOT killed by a fault");
    return faulted ? stack(900) : 1;
}

constexpr size_t kBuffer = 64 * 1024;
uint8_t pattern[kBuffer];  // static, so writing it touches no stack

void fill_pattern(uint8_t salt) {
    for (size_t i = 0; i < kBuffer; i++) pattern[i] = static_cast<uint8_t>(i * 7 + salt + i / 4096);
}

// read() of a 64 KiB file into a local buffer nothing has touched yet.
__attribute__((noinline)) bool file_read_into_untouched() {
    fill_pattern(3);
    int fd = open("/tmp/stackbuf", O_RDWR | O_CREAT | O_TRUNC);
    bool ok = fd >= 0 && write(fd, pattern, kBuffer) == static_cast<ssize_t>(kBuffer) && lseek(fd, 0, SEEK_SET) == 0;
    uint8_t buffer[kBuffer];
    ok = ok && read(fd, buffer, kBuffer) == static_cast<ssize_t>(kBuffer) && memcmp(buffer, pattern, kBuffer) == 0;
    if (fd >= 0) close(fd);
    unlink("/tmp/stackbuf");
    printf("mmaploop: stackbuf: read() of a 64 KiB file into an untouched stack buffer %s\n", ok ? "ok" : "FAILED");
    return ok;
}

// The kernel writes a 64 KiB message straight into an untouched local
// buffer (chan_read: check_writable, then copy_out); a buffer in the guard
// page below the stack is BadAddress, and the message stays queued. The
// file read runs from here, below this frame, where nothing has been yet.
__attribute__((noinline)) bool recv_into_untouched() {
    fill_pattern(11);
    auto pair = sys::chan_create();
    if (pair.is_error()) return printf("mmaploop: stackbuf: chan_create failed\n"), false;
    auto [a, b] = pair.value();
    // A small message first (so the capacity, not the size, is what is
    // wrong): into the guard page, and straddling it and the stack's lowest
    // page, it is refused and stays queued.
    static const char kSmall[16] = "guard page test";
    bool ok = sys::chan_write(a, kSmall, sizeof kSmall) == Error::None;
    auto* guard = reinterpret_cast<uint8_t*>(rvos::kUserStackTop - rvos::kUserStackSize - kPageSize);
    auto refused = sys::chan_read(b, guard, sizeof kSmall, nullptr, 0, rvos::kDeadlineNow);
    auto straddling = sys::chan_read(b, guard + kPageSize - 8, sizeof kSmall, nullptr, 0, rvos::kDeadlineNow);
    char small[sizeof kSmall];
    auto queued = sys::chan_read(b, small, sizeof small, nullptr, 0, rvos::kDeadlineNow);
    bool guarded = refused.is_error() && refused.error() == Error::BadAddress && straddling.is_error() &&
                   straddling.error() == Error::BadAddress && !queued.is_error() &&
                   memcmp(small, kSmall, sizeof kSmall) == 0;
    ok = ok && sys::chan_write(a, pattern, kBuffer) == Error::None;
    uint8_t buffer[kBuffer];
    auto got = sys::chan_read(b, buffer, sizeof buffer, nullptr, 0, rvos::kDeadlineNow);
    bool received = ok && !got.is_error() && got.value().length == kBuffer && memcmp(buffer, pattern, kBuffer) == 0;
    sys::chan_close(a);
    sys::chan_close(b);
    printf("mmaploop: stackbuf: guard page refused: %s; 64 KiB chan_read into an untouched stack buffer %s\n",
           guarded ? "ok" : "FAILED", received ? "ok" : "FAILED");
    bool read_ok = file_read_into_untouched();
    return guarded && received && read_ok;
}

}  // namespace

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "all";
    if (strcmp(mode, "cycles") == 0) return cycles(argc > 2 ? strtoull(argv[2], nullptr, 0) : 1'000'000);
    if (strcmp(mode, "shared") == 0) return shared();
    if (strcmp(mode, "big") == 0) return big();
    if (strcmp(mode, "stack") == 0) return stack(argc > 2 ? strtoull(argv[2], nullptr, 0) : 900);
    if (strcmp(mode, "overflow") == 0) return overflow();
    if (strcmp(mode, "stackbuf") == 0) return recv_into_untouched() ? 0 : 1;
    if (strcmp(mode, "all") == 0) {
        int failed = cycles(1'000'000);
        failed |= shared();
        failed |= big();
        return failed;
    }
    printf("usage: mmaploop [cycles [n] | shared | big | stack [KiB] | overflow | stackbuf]\n");
    return 2;
}
