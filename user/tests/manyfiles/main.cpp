// manyfiles: many files open at once, a process that opens far more files
// than it may hold (EMFILE, not a crash or a hang), and a long run of
// open/close cycles — the fs server must hold exactly one handle per open
// file and none after close.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rvos/service.h"

namespace {

constexpr int kAtOnce = 25;
constexpr int kFarTooMany = 200;

bool open_at_once() {
    int fds[kAtOnce];
    char path[32], text[32], back[32];
    bool ok = true;
    for (int i = 0; i < kAtOnce && ok; i++) {
        snprintf(path, sizeof path, "/tmp/open-%d", i);
        fds[i] = open(path, O_RDWR | O_CREAT | O_TRUNC);
        ok = fds[i] >= 0;
        if (!ok) printf("manyfiles: open %s: %s\n", path, strerror(errno));
    }
    for (int i = 0; i < kAtOnce && ok; i++) {  // all open together: write each, then read each back
        int n = snprintf(text, sizeof text, "file %d", i);
        ok = write(fds[i], text, static_cast<size_t>(n)) == n;
    }
    for (int i = 0; i < kAtOnce && ok; i++) {
        int n = snprintf(text, sizeof text, "file %d", i);
        ok = lseek(fds[i], 0, SEEK_SET) == 0 && read(fds[i], back, sizeof back) == n && memcmp(text, back, n) == 0;
    }
    for (int i = 0; i < kAtOnce; i++) {
        close(fds[i]);
        snprintf(path, sizeof path, "/tmp/open-%d", i);
        unlink(path);
    }
    printf("manyfiles: %d files open at once: %s\n", kAtOnce, ok ? "ok" : "FAILED");
    return ok;
}

bool open_far_too_many() {
    int fds[kFarTooMany];
    int opened = 0, error = 0;
    close(open("/tmp/one", O_WRONLY | O_CREAT));
    for (; opened < kFarTooMany; opened++) {
        fds[opened] = open("/tmp/one", O_RDONLY);
        if (fds[opened] < 0) {
            error = errno;
            break;
        }
    }
    for (int i = 0; i < opened; i++) close(fds[i]);
    // Everything is usable again afterwards.
    int again = open("/tmp/one", O_RDONLY);
    bool ok = opened < kFarTooMany && error == EMFILE && again >= 0;
    close(again);
    unlink("/tmp/one");
    printf("manyfiles: opened %d of %d, then: %s (%s); after closing, open works: %s\n", opened, kFarTooMany,
           error == EMFILE ? "EMFILE" : "not EMFILE", strerror(error), again >= 0 ? "yes" : "no");
    return ok;
}

bool cycles(int count) {
    close(open("/tmp/cycle", O_WRONLY | O_CREAT));
    int done = 0;
    for (; done < count; done++) {
        int fd = open("/tmp/cycle", O_RDONLY);
        if (fd < 0) break;
        close(fd);
    }
    unlink("/tmp/cycle");
    printf("manyfiles: %d of %d open/close cycles\n", done, count);
    return done == count;
}

// Appends `count` numbered records to a file it keeps open, reading each
// back; true if every one came back.
bool writer(const char* path, int count) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC);
    bool ok = fd >= 0;
    char record[16], back[16];
    for (int i = 0; i < count && ok; i++) {
        snprintf(record, sizeof record, "%08d", i);
        ok = lseek(fd, i * 8, SEEK_SET) == i * 8 && write(fd, record, 8) == 8 && lseek(fd, i * 8, SEEK_SET) == i * 8 &&
             read(fd, back, 8) == 8 && memcmp(record, back, 8) == 0;
    }
    if (fd >= 0) close(fd);
    unlink(path);
    return ok;
}

// Two programs with files open at the same time both make progress: a
// child writes its file while this process writes another.
bool concurrent(int count) {
    char args[32];
    snprintf(args, sizeof args, "writer /tmp/child %d", count);
    auto child = rvos::spawn("manyfiles", args);
    bool mine = writer("/tmp/parent", count);
    bool theirs = false;
    if (!child.is_error()) {
        auto status = rvos::wait_exit(child.value());
        theirs = !status.is_error() && status.value().reason == rvos::ExitReason::Exited && status.value().code == 0;
    }
    printf("manyfiles: two programs writing at once: %s, %s\n", mine ? "ok" : "FAILED", theirs ? "ok" : "FAILED");
    return mine && theirs;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 4 && strcmp(argv[1], "writer") == 0) return writer(argv[2], atoi(argv[3])) ? 0 : 1;
    int count = argc > 1 ? atoi(argv[1]) : 1000;
    bool ok = open_at_once();
    ok = concurrent(300) && ok;
    ok = open_far_too_many() && ok;
    ok = cycles(count) && ok;
    return ok ? 0 : 1;
}
