// fshog: hostile clients of the file server, to prove that file data goes
// back to the system and that one client cannot deny the others service.
//
//   fshog memory [rounds]  each round starts writers (`fshog write <tag>`)
//                          that write 8 MiB files until refused, until one
//                          is refused because memory ran out (or spawning
//                          fails for want of it); then deletes every file.
//                          After the first round (the warm-up: the server
//                          keeps the heap its tables grew into) free frames
//                          must be back where they were after it, every
//                          round; and the first round may not keep more
//                          than kWarmUpFrames. Prints each round's figures,
//                          then "fshog: memory: ok" or "... FAILED (...)".
//   fshog hoard            a hostile child (`fshog take`) takes every
//                          connection, open file and byte of file data the
//                          server lets it; meanwhile this process, another
//                          client, opens, writes, reads and deletes files.
//                          Prints the figures, then "fshog: hoard: ok" or
//                          "... FAILED (...)".
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/fs.h"
#include "rvos/ipc.h"
#include "rvos/service.h"
#include "rvos/sysinfo.h"
#include "tests/kit/kit.h"

using rvos::Error;
using rvos::Handle;
using rvos::Message;
namespace sys = rvos::sys;

namespace {

using testkit::free_frames;
using testkit::kMs;
using testkit::sleep_ms;
constexpr size_t kChunk = 64 * 1024;
constexpr size_t kFileBytes = rvos::kMaxFileSize;
constexpr int kMaxWriters = 16;
constexpr int kMaxFilesPerWriter = 8;
// Frames the first round may keep, 2 MiB: what the server's heap grew into
// for its page tables and arena books, and the kernel's page-table pages
// for its mappings (both kept for reuse).
constexpr uint64_t kWarmUpFrames = 512;
constexpr Handle kReportChannel = 1;

alignas(8) uint8_t chunk[kChunk];

// How the tests below name an errno.
const char* errno_name(int error) {
    switch (error) {
    case 0: return "none";
    case EMFILE: return "EMFILE";
    case EDQUOT: return "EDQUOT";
    case ENOMEM: return "ENOMEM";
    case EPIPE: return "EPIPE";
    default: return strerror(error);
    }
}

void file_name(char* out, size_t size, const char* tag, int index) {
    snprintf(out, size, "/tmp/fshog-%s-%d", tag, index);
}

// Writes one file of kFileBytes; the bytes written (less when refused).
size_t write_file(const char* path, int& error) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0) {
        error = errno;
        return 0;
    }
    size_t written = 0;
    while (written < kFileBytes) {
        ssize_t n = write(fd, chunk, kChunk);
        if (n <= 0) {
            error = n < 0 ? errno : EIO;
            break;
        }
        written += static_cast<size_t>(n);
    }
    close(fd);
    return written;
}

// `fshog write <tag>`: writes files /tmp/fshog-<tag>-0, -1, ... until one
// is refused; reports on handle 1 how many files it made, the MiB written
// and the errno that stopped it, then exits (the files stay).
int writer(const char* tag) {
    memset(chunk, 0x5a, sizeof chunk);
    int files = 0, error = 0;
    size_t total = 0;
    char path[64];
    while (files < kMaxFilesPerWriter && !error) {
        file_name(path, sizeof path, tag, files);
        size_t written = write_file(path, error);
        total += written;
        files++;
    }
    uint32_t report[3] = {static_cast<uint32_t>(files), static_cast<uint32_t>(total >> 20),
                          static_cast<uint32_t>(error)};
    (void)sys::chan_write(kReportChannel, report, sizeof report);
    return 0;
}

struct Round {
    int writers = 0;
    uint64_t mib = 0;
    int last_error = 0;   // what stopped the last writer
    bool memory_out = false;
    int files = 0;
    int deleted = 0;
};

// Starts writers until memory runs out; then deletes every file they made.
Round fill_and_delete(int round) {
    Round r;
    int files_of[kMaxWriters] = {};
    for (; r.writers < kMaxWriters && !r.memory_out; r.writers++) {
        char tag[24];
        snprintf(tag, sizeof tag, "%d-%d", round, r.writers);
        auto pair = sys::chan_create();
        if (pair.is_error()) break;
        rvos::Channel report(pair.value().a);
        const char* argv[] = {"fshog", "write", tag, nullptr};
        Handle give[] = {pair.value().b};
        auto child = rvos::spawn_argv("fshog", argv, nullptr, give, 1);
        if (child.is_error()) {  // no memory left to start it
            r.memory_out = child.error() == Error::NoMemory;
            break;
        }
        uint32_t got[3] = {};
        auto read = sys::chan_read(report.handle(), got, sizeof got, nullptr, 0, rvos::kDeadlineNever);
        (void)rvos::wait_exit(child.value());
        if (read.is_error()) break;
        files_of[r.writers] = static_cast<int>(got[0]);
        r.files += static_cast<int>(got[0]);
        r.mib += got[1];
        r.last_error = static_cast<int>(got[2]);
        r.memory_out = r.last_error == ENOMEM;
    }
    for (int w = 0; w < kMaxWriters; w++) {
        for (int i = 0; i < files_of[w]; i++) {
            char tag[24], path[64];
            snprintf(tag, sizeof tag, "%d-%d", round, w);
            file_name(path, sizeof path, tag, i);
            if (unlink(path) == 0) r.deleted++;
        }
    }
    return r;
}

int check_memory(int rounds) {
    // Warm up what this program itself uses (a spawn, sysinfo, stdout).
    printf("fshog: memory: %d rounds; free frames before: %lu\n", rounds, static_cast<unsigned long>(free_frames()));
    fflush(stdout);
    uint64_t before = free_frames();
    uint64_t after_first = 0;
    const char* failed = nullptr;
    char detail[160] = "";
    for (int round = 1; round <= rounds && !failed; round++) {
        Round r = fill_and_delete(round);
        sleep_ms(20);
        uint64_t now = free_frames();
        printf("fshog: memory: round %d: %d writers wrote %lu MiB in %d files, then: %s; %d deleted; "
               "free frames %lu (%lu before the first round)\n",
               round, r.writers, static_cast<unsigned long>(r.mib), r.files,
               r.memory_out ? "out of memory" : errno_name(r.last_error), r.deleted, static_cast<unsigned long>(now),
               static_cast<unsigned long>(before));
        if (!r.memory_out) {
            failed = "memory never ran out";
        } else if (r.deleted != r.files) {
            failed = "not every file could be deleted";
        } else if (round == 1) {
            after_first = now;
            if (now + kWarmUpFrames < before) {
                snprintf(detail, sizeof detail, "the first round kept %lu frames",
                         static_cast<unsigned long>(before - now));
                failed = detail;
            }
        } else if (now != after_first) {
            snprintf(detail, sizeof detail, "round %d: %lu free frames, %lu after the first", round,
                     static_cast<unsigned long>(now), static_cast<unsigned long>(after_first));
            failed = detail;
        }
    }
    if (failed) printf("fshog: memory: FAILED (%s)\n", failed);
    else printf("fshog: memory: ok\n");
    return failed ? 1 : 0;
}

// ---- hoard -----------------------------------------------------------------------------

// The shared page the two sides step through: [0] the step, then the
// hostile's figures.
enum Step : uint64_t { kTaking = 0, kTaken = 1, kLetGo = 2 };
constexpr const char* kHoardService = "fshoard";

// Whether a connection to fs is served: a stat of "/" answers.
bool served(Handle connection) {
    rvos::proto::fs::StatReplyBuffer buffer;
    return !rvos::proto::fs::stat<rvos::UserIpc>(connection, {rvos::proto::Str("/")}, buffer).is_error();
}

// `fshog take`: takes every connection, open file and byte of file data
// the server gives it, reports, and holds it all until told to let go.
int take() {
    testkit::ParentPage joined = testkit::join_parent(kHoardService);
    if (!joined.page) return 10;
    volatile uint64_t* shared = joined.page;
    memset(chunk, 0x77, sizeof chunk);
    // Files: open until refused.
    int fds[64];
    int opened = 0, open_error = 0;
    char path[48];
    for (; opened < 64; opened++) {
        snprintf(path, sizeof path, "/tmp/hoard-%d", opened);
        fds[opened] = open(path, O_RDWR | O_CREAT | O_TRUNC);
        if (fds[opened] < 0) {
            open_error = errno;
            break;
        }
    }
    // Bytes: write into its files until refused.
    uint64_t bytes = 0;
    int write_error = 0;
    for (int f = 0; f < opened && !write_error; f++) {
        for (size_t at = 0; at < kFileBytes; at += kChunk) {
            ssize_t n = write(fds[f], chunk, kChunk);
            if (n < 0) {
                write_error = errno;
                break;
            }
            bytes += static_cast<uint64_t>(n);
        }
    }
    // Then connections: as many as init gives; the server serves only
    // its share (the C library's own is one of them).
    Handle connections[16];
    int made = 0, usable = 0;
    for (; made < 16; made++) {
        auto connection = rvos::connect("fs");
        if (connection.is_error()) break;
        connections[made] = connection.release_value().release();
        usable += served(connections[made]);
    }
    shared[1] = static_cast<uint64_t>(made);
    shared[2] = static_cast<uint64_t>(usable);
    shared[3] = static_cast<uint64_t>(opened);
    shared[4] = static_cast<uint64_t>(open_error);
    shared[5] = bytes;
    shared[6] = static_cast<uint64_t>(write_error);
    shared[0] = kTaken;
    while (shared[0] != kLetGo) sleep_ms(1);
    for (int f = 0; f < opened; f++) {
        close(fds[f]);
        snprintf(path, sizeof path, "/tmp/hoard-%d", f);
        unlink(path);
    }
    return 0;
}

// What another client does while the hostile one holds everything it
// could: a new connection, and a file opened, written, read and deleted.
bool another_client_is_served(char* detail, size_t size) {
    auto connection = rvos::connect("fs");
    if (connection.is_error() || !served(connection.value().handle())) {
        snprintf(detail, size, "a new connection is not served");
        return false;
    }
    const char text[] = "still served";
    char back[sizeof text] = {};
    int fd = open("/tmp/hoard-other", O_RDWR | O_CREAT | O_TRUNC);
    bool ok = fd >= 0 && write(fd, text, sizeof text) == static_cast<ssize_t>(sizeof text) &&
              lseek(fd, 0, SEEK_SET) == 0 && read(fd, back, sizeof back) == static_cast<ssize_t>(sizeof back) &&
              memcmp(text, back, sizeof text) == 0;
    int error = errno;
    if (fd >= 0) close(fd);
    ok = unlink("/tmp/hoard-other") == 0 && ok;
    if (!ok) snprintf(detail, size, "open, write, read, delete of a file: %s", errno_name(error));
    return ok;
}

int check_hoard() {
    struct stat st;
    if (stat("/", &st) != 0) return printf("fshog: hoard: FAILED (stat /: %s)\n", strerror(errno)), 1;
    auto listen = rvos::register_service(kHoardService);
    auto memory = sys::mem_create(rvos::kPageSize);
    if (listen.is_error() || memory.is_error()) return printf("fshog: hoard: FAILED (register)\n"), 1;
    auto page = sys::mem_map(memory.value(), true);
    if (page.is_error()) return printf("fshog: hoard: FAILED (mem_map)\n"), 1;
    auto* shared = static_cast<volatile uint64_t*>(page.value().address);
    fflush(stdout);
    auto child = rvos::spawn("fshog", "take");
    Message hello;
    if (child.is_error() || listen.value().receive_wait(hello) != Error::None || hello.cap == rvos::kNoHandle)
        return printf("fshog: hoard: FAILED (the hostile client did not start)\n"), 1;
    rvos::Channel hostile(hello.cap);
    Message lend = Message::of(1);
    lend.cap = memory.value();
    if (hostile.send(lend) != Error::None) return printf("fshog: hoard: FAILED (lending the page)\n"), 1;
    uint64_t give_up = sys::clock_ns() + 60'000 * kMs;
    while (shared[0] != kTaken && sys::clock_ns() < give_up) sleep_ms(1);
    char detail[120] = "";
    bool taken = shared[0] == kTaken;
    bool served_meanwhile = taken && another_client_is_served(detail, sizeof detail);
    shared[0] = kLetGo;
    auto status = rvos::wait_exit(child.value());
    printf("fshog: hoard: the hostile client made %lu connections (%lu served), opened %lu files, then: %s; "
           "wrote %lu MiB, then: %s\n",
           static_cast<unsigned long>(shared[1]), static_cast<unsigned long>(shared[2]),
           static_cast<unsigned long>(shared[3]), errno_name(static_cast<int>(shared[4])),
           static_cast<unsigned long>(shared[5] >> 20), errno_name(static_cast<int>(shared[6])));
    printf("fshog: hoard: meanwhile another client opened, wrote, read and deleted a file: %s\n",
           served_meanwhile ? "ok" : (taken ? detail : "the hostile client never finished taking"));
    bool ok = taken && served_meanwhile && !status.is_error() && status.value().reason == rvos::ExitReason::Exited &&
              status.value().code == 0;
    if (ok) printf("fshog: hoard: ok\n");
    else printf("fshog: hoard: FAILED (%s)\n", served_meanwhile ? "the hostile client did not end cleanly" : detail);
    return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "write") == 0) return writer(argv[2]);
    if (argc == 2 && strcmp(argv[1], "take") == 0) return take();
    if (argc >= 2 && strcmp(argv[1], "memory") == 0) return check_memory(argc == 3 ? atoi(argv[2]) : 3);
    if (argc == 2 && strcmp(argv[1], "hoard") == 0) return check_hoard();
    printf("usage: fshog memory [rounds] | hoard\n");
    return 2;
}
