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

}  // namespace

int main(int argc, char** argv) {
    int count = argc > 1 ? atoi(argv[1]) : 1000;
    bool ok = open_at_once();
    ok = open_far_too_many() && ok;
    ok = cycles(count) && ok;
    return ok ? 0 : 1;
}
