// hog: exhausts shared resources on purpose, to prove that running out is
// an error the greedy program sees, never a kernel crash, and that
// everything comes back when it lets go.
//   hog mem    maps pages until the kernel refuses, gives them back, then
//              mallocs 64 KiB blocks until malloc returns NULL, frees them
//   hog procs  spawns itself until the process table is full, then kills
//              and reaps every child
//   hog orphans <n>  spawns n children that block forever, and exits
//   hog hold   (a child of `hog procs` and `hog orphans`) blocks forever
// mmap is measured first because the C heap never returns its pages to the
// system: after malloc had everything, mmap would have nothing to show.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvos/service.h"

using rvos::Error;
namespace sys = rvos::sys;

namespace {

int hog_memory() {
    // Anonymous pages, one at a time; they are contiguous, so one munmap
    // gives them all back.
    void* first = nullptr;
    size_t pages = 0;
    Error stop = Error::None;
    for (;;) {
        auto page = sys::mmap(rvos::kPageSize);
        if (page.is_error()) {
            stop = page.error();
            break;
        }
        if (!first) first = page.value();
        static_cast<volatile char*>(page.value())[0] = 1;  // really ours
        pages++;
    }
    printf("hog: mmap refused after %zu pages: %s\n", pages, rvos::error_name(stop));
    if (first && sys::munmap(first, pages * rvos::kPageSize) != Error::None) printf("hog: munmap failed\n");

    // The C heap, in 64 KiB blocks chained through their first word.
    constexpr size_t kBlock = 64 * 1024;
    void* chain = nullptr;
    size_t blocks = 0;
    for (;;) {
        void* block = malloc(kBlock);
        if (!block) break;
        *static_cast<void**>(block) = chain;
        chain = block;
        blocks++;
    }
    printf("hog: malloc refused after %zu KiB: %s\n", blocks * (kBlock / 1024), strerror(errno));
    while (chain) {
        void* next = *static_cast<void**>(chain);
        free(chain);
        chain = next;
    }
    return pages > 0 && blocks > 0 && stop == Error::NoMemory ? 0 : 1;
}

// Spawns `count` children that block forever and exits without a word to
// them: nobody holds a handle to them any more.
int orphan(int count) {
    int spawned = 0;
    for (; spawned < count; spawned++) {
        auto child = rvos::spawn("hog", "hold");
        if (child.is_error()) break;
        child.value().process.release();  // not closed: just forgotten until exit
    }
    printf("hog: left %d children behind\n", spawned);
    return 0;
}

int hog_processes() {
    rvos::Child children[rvos::kMaxProcesses];
    size_t count = 0;
    Error stop = Error::None;
    while (count < rvos::kMaxProcesses) {
        auto child = rvos::spawn("hog", "hold");
        if (child.is_error()) {
            stop = child.error();
            break;
        }
        children[count++] = child.release_value();
    }
    printf("hog: spawned %zu children, then: %s\n", count, rvos::error_name(stop));
    size_t stopped = 0;
    for (size_t i = 0; i < count; i++) {
        if (rvos::kill(children[i]) != Error::None) continue;
        auto status = rvos::wait_exit(children[i]);
        if (!status.is_error() && status.value().reason == rvos::ExitReason::Killed) stopped++;
    }
    if (stopped == count) printf("hog: all %zu children stopped\n", count);
    else printf("hog: only %zu of %zu children stopped\n", stopped, count);
    return stop == Error::ProcessTableFull && stopped == count ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "hold") == 0) {
        // init never sends on the boot channel unasked: this waits forever.
        rvos::Message message;
        sys::chan_recv_wait(rvos::kBootHandle, message);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "mem") == 0) return hog_memory();
    if (argc == 2 && strcmp(argv[1], "procs") == 0) return hog_processes();
    if (argc == 3 && strcmp(argv[1], "orphans") == 0) return orphan(atoi(argv[2]));
    printf("usage: hog mem|procs\n");
    return 2;
}
