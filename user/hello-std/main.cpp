// hello-std: a program written against the standard C library (picolibc on
// lib/rvos), exercising files end to end through the fs server: create,
// read, seek and write, delete, exists, stat, readdir, and many files
// opened and closed in one run (milestone verification step 2).
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

int passed = 0, failed = 0;
bool quiet = false;  // `hello-std quiet`: only failures and the summary (for the benchmark)

void report(int step, const char* what, bool ok, const char* detail = nullptr) {
    if (ok) {
        passed++;
        if (!quiet) printf("step %d: %s: ok\n", step, what);
    } else {
        failed++;
        printf("step %d: %s: FAILED: %s\n", step, what, detail ? detail : strerror(errno));
    }
}

bool write_file(const char* path, const char* mode, const char* text) {
    FILE* f = fopen(path, mode);
    if (!f) return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

// Reads a whole (small) file into buffer; false on any error.
bool read_file(const char* path, char* buffer, size_t size) {
    FILE* f = fopen(path, "r");
    if (!f) return false;
    size_t n = fread(buffer, 1, size - 1, f);
    buffer[n] = 0;
    bool ok = !ferror(f);
    return fclose(f) == 0 && ok;
}

bool many_files(int count) {
    char path[32], text[32], back[32];
    for (int i = 0; i < count; i++) {
        snprintf(path, sizeof path, "/tmp/many-%d.txt", i);
        snprintf(text, sizeof text, "file number %d", i);
        if (!write_file(path, "w", text) || !read_file(path, back, sizeof back) || strcmp(text, back) != 0) {
            printf("  file %d: %s\n", i, strerror(errno));
            return false;
        }
    }
    for (int i = 0; i < count; i++) {
        snprintf(path, sizeof path, "/tmp/many-%d.txt", i);
        if (remove(path) != 0) return false;
    }
    return true;
}

bool open_close_cycles(int count) {
    if (!write_file("/tmp/cycle.txt", "w", "x")) return false;
    for (int i = 0; i < count; i++) {
        FILE* f = fopen("/tmp/cycle.txt", "r");
        if (!f) {
            printf("  cycle %d: %s\n", i, strerror(errno));
            return false;
        }
        fclose(f);
    }
    return remove("/tmp/cycle.txt") == 0;
}

// A file of several MiB written and read back with write(2)/read(2) in
// 32 KiB calls (picolibc's fwrite/fread go a byte at a time): the large
// transfers go through the shared buffer the fs client attaches.
bool big_file(size_t bytes) {
    const size_t block_size = 32 * 1024;
    unsigned char* block = static_cast<unsigned char*>(malloc(block_size));
    unsigned char* back = static_cast<unsigned char*>(malloc(block_size));
    auto fill = [&](size_t offset) {
        for (size_t i = 0; i < block_size; i++) block[i] = static_cast<unsigned char>((offset + i) >> 3 ^ i);
    };
    int fd = block && back ? open("/tmp/big.bin", O_WRONLY | O_CREAT | O_TRUNC) : -1;
    bool ok = fd >= 0;
    for (size_t done = 0; ok && done < bytes; done += block_size) {
        fill(done);
        ok = write(fd, block, block_size) == static_cast<ssize_t>(block_size);
    }
    if (fd >= 0) ok = close(fd) == 0 && ok;
    fd = ok ? open("/tmp/big.bin", O_RDONLY) : -1;
    ok = fd >= 0;
    for (size_t done = 0; ok && done < bytes; done += block_size) {
        fill(done);
        ok = read(fd, back, block_size) == static_cast<ssize_t>(block_size) && memcmp(block, back, block_size) == 0;
    }
    if (fd >= 0) ok = read(fd, back, 1) == 0 && close(fd) == 0 && ok;  // exactly at the end
    struct stat st;
    ok = ok && stat("/tmp/big.bin", &st) == 0 && static_cast<size_t>(st.st_size) == bytes;
    remove("/tmp/big.bin");
    free(block);
    free(back);
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    quiet = argc > 1 && strcmp(argv[1], "quiet") == 0;
    char buffer[64];
    struct stat st;

    report(1, "create /tmp/a.txt with 'hello'", write_file("/tmp/a.txt", "w", "hello"));
    report(2, "read it back", read_file("/tmp/a.txt", buffer, sizeof buffer) && strcmp(buffer, "hello") == 0);

    FILE* f = fopen("/tmp/a.txt", "r+");
    bool seek_ok = f && fseek(f, 5, SEEK_SET) == 0 && fputs(" world", f) >= 0;
    if (f) seek_ok = fclose(f) == 0 && seek_ok;
    report(3, "seek to 5 and write ' world'", seek_ok);
    bool full = read_file("/tmp/a.txt", buffer, sizeof buffer) && strcmp(buffer, "hello world") == 0;
    report(4, "read back 'hello world'", full, full ? nullptr : buffer);

    report(5, "delete /tmp/a.txt", remove("/tmp/a.txt") == 0);
    bool gone = stat("/tmp/a.txt", &st) != 0 && errno == ENOENT;
    report(6, "it no longer exists", gone, gone ? nullptr : "stat still finds it");

    report(7, "stat /tmp is a directory", stat("/tmp", &st) == 0 && S_ISDIR(st.st_mode));

    bool listed = write_file("/tmp/one.txt", "w", "1") && write_file("/tmp/two.txt", "w", "22");
    int seen = 0;
    if (DIR* dir = opendir("/tmp")) {
        while (struct dirent* entry = readdir(dir)) {
            if (!quiet) printf("  %s %s\n", entry->d_type == DT_DIR ? "dir " : "file", entry->d_name);
            if (strcmp(entry->d_name, "one.txt") == 0 || strcmp(entry->d_name, "two.txt") == 0) seen++;
        }
        closedir(dir);
    }
    report(8, "readdir /tmp lists both new files", listed && seen == 2);
    remove("/tmp/one.txt");
    remove("/tmp/two.txt");

    report(9, "open, write, read back, close 25 files", many_files(25));
    report(10, "200 open/close cycles of one file", open_close_cycles(200));
    report(11, "write and read back a 4 MiB file", big_file(4 * 1024 * 1024));

    if (!quiet || failed) printf("hello-std: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
