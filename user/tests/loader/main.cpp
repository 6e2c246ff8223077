// loader: starting programs from images, for the acceptance tests
// (tests/acceptance/test_programs_from_disk.py) and the hostile list.
//   loader rights            what init answers a SpawnImage or Kill it must refuse
//   loader hostile SEED N    N damaged copies of /bin/hello started from
//                            memory: each is refused as a bad executable or
//                            runs (and is ended); nothing else may happen
//   loader copy FROM TO      copies a file (to put a program into /bin)
//   loader churn DIR MS      writes, syncs and reads back files in DIR for
//                            MS milliseconds, and reads slices of a file
//                            larger than the server's cache (a disk in use,
//                            for the driver restart test): counts rounds,
//                            EIO failures and wrong data (which must never
//                            happen)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rvos/fs.h"
#include "rvos/service.h"
#include "rvos/shared_memory.h"

namespace {

using rvos::Error;
namespace sys = rvos::sys;

const char* const kArgv[] = {"image", nullptr};

// Another handle to the same object, with every right this one has.
rvos::Handle copy_of(rvos::Handle handle) {
    auto info = sys::handle_info(handle);
    if (info.is_error()) return rvos::kNoHandle;
    auto copy = sys::handle_duplicate(handle, info.value().rights);
    return copy.is_error() ? rvos::kNoHandle : copy.value();
}

// A memory object holding `size` bytes of `bytes`; its handle (all rights).
rvos::Handle image_of(const uint8_t* bytes, size_t size) {
    auto memory = sys::mem_create(size);
    if (memory.is_error()) return rvos::kNoHandle;
    auto view = rvos::SharedMemory::map(copy_of(memory.value()));
    if (view.is_error()) {
        sys::handle_close(memory.value());
        return rvos::kNoHandle;
    }
    memcpy(view.value().data(), bytes, size);
    return memory.value();
}

// Starts an image and, if it starts, ends it; the spawn's error or None.
Error start(rvos::Handle image, size_t size, const char* name = "image") {
    auto child = rvos::spawn_image(name, image, size, kArgv, nullptr, nullptr, 0);
    if (child.is_error()) return child.error();
    (void)rvos::kill(child.value());
    (void)rvos::wait_exit(child.value());
    return Error::None;
}

bool read_file(const char* path, uint8_t*& bytes, size_t& size) {
    auto file = rvos::fs::open(path, rvos::proto::kOpenRead);
    if (file.is_error()) return false;
    auto stat = file.value().stat();
    if (stat.is_error()) return false;
    size = stat.value().size;
    bytes = static_cast<uint8_t*>(malloc(size));
    if (!bytes) return false;
    auto read = file.value().read(0, bytes, size);
    return !read.is_error() && read.value() == size;
}

void say(const char* what, Error error) {
    printf("loader: %s: %s\n", what, rvos::error_name(error));
    fflush(stdout);
}

int rights() {
    uint8_t* hello = nullptr;
    size_t size = 0;
    if (!read_file("/bin/hello", hello, size)) return printf("loader: cannot read /bin/hello\n"), 1;
    rvos::Handle image = image_of(hello, size);
    say("an image without the map right", start(sys::handle_duplicate(image, rvos::kRightTransfer).value(), size));
    auto pair_end = rvos::connect("sysinfo");  // a channel: not a memory object
    say("a channel as the image", start(pair_end.value().release(), size));
    say("a size of 0", start(copy_of(image), 0));
    say("a size past the object", start(copy_of(image), 1 << 20));
    say("a name with a space", start(copy_of(image), size, "a b"));
    say("the image itself", start(image, size));
    // Only the shell's control channel may end any process: on this
    // program's boot channel, init refuses.
    say("kill of pid 1 on the boot channel", rvos::kill_process(rvos::kBootHandle, 1));
    say("kill of this program on the boot channel", rvos::kill_process(rvos::kBootHandle, getpid()));
    free(hello);
    return 0;
}

uint64_t state;
uint64_t next() {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
}

int hostile(uint64_t seed, int count) {
    uint8_t* hello = nullptr;
    size_t size = 0;
    if (!read_file("/bin/hello", hello, size)) return printf("loader: cannot read /bin/hello\n"), 1;
    auto* damaged = static_cast<uint8_t*>(malloc(size));
    state = seed * 0x9E3779B97F4A7C15ull + 1;
    int refused = 0, ran = 0, other = 0;
    for (int i = 0; i < count; i++) {
        memcpy(damaged, hello, size);
        // Damage the headers mostly (where the checks are), sometimes anywhere.
        int flips = 1 + static_cast<int>(next() % 6);
        for (int f = 0; f < flips; f++) {
            size_t at = next() % (next() % 4 ? 64 + 8 * 56 : size);
            damaged[at] = static_cast<uint8_t>(next());
        }
        size_t length = next() % 8 == 0 ? 1 + next() % size : size;  // cut short, sometimes
        rvos::Handle image = image_of(damaged, length);
        if (image == rvos::kNoHandle) return printf("loader: hostile: no memory for an image\n"), 1;
        Error error = start(image, length);
        if (error == Error::BadExecutable) refused++;
        else if (error == Error::None) ran++;
        else {
            other++;
            say("hostile: unexpected", error);
        }
    }
    free(damaged);
    free(hello);
    printf("loader: hostile: %d images, %d refused as bad executables, %d started, %d other\n", count, refused, ran,
           other);
    return other == 0 ? 0 : 1;
}

int copy(const char* from, const char* to) {
    uint8_t* bytes = nullptr;
    size_t size = 0;
    if (!read_file(from, bytes, size)) return printf("loader: copy: cannot read %s\n", from), 1;
    int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC);
    bool ok = fd >= 0 && write(fd, bytes, size) == static_cast<ssize_t>(size);
    ok = fd >= 0 && close(fd) == 0 && ok;
    free(bytes);
    if (!ok) return printf("loader: copy: cannot write %s\n", to), 1;
    printf("loader: copied %zu bytes\n", size);
    return 0;
}

uint64_t now_ms() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<uint64_t>(t.tv_sec) * 1000 + static_cast<uint64_t>(t.tv_nsec) / 1000000;
}

// The churn's large file: bigger than the file server's cache, so a slice
// read each round comes from the disk (in requests several at a time in
// flight); each byte tells its offset, so a piece lost or misplaced shows.
constexpr size_t kChurnBig = 4 * 1024 * 1024;
uint8_t big_byte(size_t at) { return static_cast<uint8_t>((at >> 12) * 7 + at); }

bool make_big(const char* path, uint8_t* chunk, size_t chunk_bytes) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC);
    bool ok = fd >= 0;
    for (size_t at = 0; ok && at < kChurnBig; at += chunk_bytes) {
        for (size_t i = 0; i < chunk_bytes; i++) chunk[i] = big_byte(at + i);
        ok = write(fd, chunk, chunk_bytes) == static_cast<ssize_t>(chunk_bytes);
    }
    ok = ok && fsync(fd) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

// Reads the slice at `at`: -1 if the read failed (errno says why), 0 if a
// byte is wrong, 1 if right.
int check_big(const char* path, size_t at, uint8_t* chunk, size_t chunk_bytes) {
    int fd = open(path, O_RDONLY);
    bool ok = fd >= 0 && lseek(fd, static_cast<off_t>(at), SEEK_SET) == static_cast<off_t>(at) &&
              read(fd, chunk, chunk_bytes) == static_cast<ssize_t>(chunk_bytes);
    int error = errno;
    if (fd >= 0) close(fd);
    errno = error;
    if (!ok) return -1;
    for (size_t i = 0; i < chunk_bytes; i++)
        if (chunk[i] != big_byte(at + i)) return 0;
    return 1;
}

int churn(const char* dir, uint64_t ms) {
    // Larger than one block-protocol transfer: the file server writes it as
    // several requests in flight at once.
    constexpr size_t kBytes = 256 * 1024;
    static uint8_t out[kBytes], in[kBytes];
    int rounds = 0, eio = 0, wrong = 0, other = 0;
    char big[256];
    snprintf(big, sizeof big, "%s/churn-big", dir);
    if (!make_big(big, out, kBytes)) other++;
    for (uint64_t end = now_ms() + ms; now_ms() < end; rounds++) {
        char path[256];
        snprintf(path, sizeof path, "%s/churn-%d", dir, rounds % 4);
        for (size_t i = 0; i < kBytes; i++) out[i] = static_cast<uint8_t>(rounds * 31 + i);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC);
        bool ok = fd >= 0 && write(fd, out, kBytes) == static_cast<ssize_t>(kBytes) && fsync(fd) == 0 &&
                  lseek(fd, 0, SEEK_SET) == 0 && read(fd, in, kBytes) == static_cast<ssize_t>(kBytes);
        int error = errno;
        if (fd >= 0) close(fd);
        if (!ok) {
            if (error == EIO) eio++;
            else other++;
        } else if (memcmp(in, out, kBytes) != 0) {
            wrong++;
        }
        int slice = check_big(big, (static_cast<size_t>(rounds) * 3 * kBytes) % kChurnBig, in, kBytes);
        if (slice < 0 && errno == EIO) eio++;
        else if (slice < 0) other++;
        else if (slice == 0) wrong++;
    }
    printf("loader: churn: %d rounds, %d failed with EIO, %d failed otherwise, %d read back wrong\n", rounds, eio,
           other, wrong);
    return wrong == 0 && other == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "rights") == 0) return rights();
    if (argc == 4 && strcmp(argv[1], "hostile") == 0) return hostile(strtoull(argv[2], nullptr, 0), atoi(argv[3]));
    if (argc == 4 && strcmp(argv[1], "copy") == 0) return copy(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "churn") == 0) return churn(argv[2], strtoull(argv[3], nullptr, 0));
    printf("usage: loader rights | hostile <seed> <count> | copy <from> <to> | churn <dir> <ms>\n");
    return 2;
}
