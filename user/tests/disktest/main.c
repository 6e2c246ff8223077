// disktest: the guest side of the storage acceptance tests
// (tests/acceptance/test_storage.py): files with contents the test can
// predict, read back after a reboot, hashed, written until a crash, and
// written until the disk is full. Plain C on the POSIX interfaces.
//
//   disktest write <dir> <seed>   makes the persistence set under <dir>
//                                 (small files, 4 MiB, sparse, 255-byte names,
//                                 deep paths, directories); one line per file
//   disktest check <dir> <seed>   reads the set back: every byte as written
//   disktest sha256 <path>...     "sha256 <hex> <path>" per file
//   disktest sha256set <dir>      the same for every file of the set
//   disktest crash <dir> <seed>   writes files until killed; after each one's
//                                 fsync: "disktest: synced <i>"
//   disktest crashcheck <dir> <seed> <count>  files 0..count-1 are intact
//   disktest exhaust <dir>        fills the disk and the inode table, deletes,
//                                 and fills again
//
// File contents are a hash of (file key, offset), so a misplaced, stale or
// zeroed block never matches.
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/sha256.h"

#define KIB 1024ull
#define MIB (1024ull * 1024ull)
#define CHUNK (64 * KIB)
#define PATH_MAX_BYTES 4096

static uint8_t chunk[CHUNK], expect[CHUNK];

// ---- Contents ---------------------------------------------------------------------------

static uint64_t mix(uint64_t x) {  // splitmix64's finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t key_of(const char *name, uint64_t seed) {
    uint64_t h = 1469598103934665603ull ^ mix(seed);
    for (; *name; name++) h = (h ^ (uint8_t)*name) * 1099511628211ull;
    return h;
}

// The bytes of a file with `key` at [offset, offset + n).
static void fill(uint64_t key, uint64_t offset, uint8_t *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint64_t o = offset + i;
        out[i] = (uint8_t)(mix(key ^ ((o >> 3) * 0x9e3779b97f4a7c15ull)) >> ((o & 7) * 8));
    }
}

// ---- Helpers --------------------------------------------------------------------------

static int failures;

static void fail(const char *what, const char *path) {
    printf("disktest: FAILED %s %s: %s\n", what, path, strerror(errno));
    failures++;
}

// Writes [offset, offset + n) of the file with `key` through fd.
static int put(int fd, uint64_t key, uint64_t offset, uint64_t n) {
    while (n) {
        size_t take = n < CHUNK ? (size_t)n : CHUNK;
        fill(key, offset, chunk, take);
        if (lseek(fd, (off_t)offset, SEEK_SET) != (off_t)offset || write(fd, chunk, take) != (ssize_t)take) return -1;
        offset += take, n -= take;
    }
    return 0;
}

// Sparse files hold data in these 4 KiB pieces only (direct, single and
// double indirect with 1 or 4 KiB blocks); the rest are holes.
static const uint64_t kSparsePieces[] = {0, 5 * MIB, 12 * MIB};
#define SPARSE_PIECE (4 * KIB)
#define SPARSE_SIZE (12 * MIB + SPARSE_PIECE)

static int in_piece(uint64_t o) {
    for (size_t i = 0; i < sizeof kSparsePieces / sizeof *kSparsePieces; i++)
        if (o >= kSparsePieces[i] && o < kSparsePieces[i] + SPARSE_PIECE) return 1;
    return 0;
}

// Writes a file: whole, or only the sparse pieces.
static int make_file(const char *path, uint64_t key, uint64_t size, int sparse) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return fail("create", path), -1;
    int bad = 0;
    if (sparse) {
        for (size_t i = 0; i < sizeof kSparsePieces / sizeof *kSparsePieces && !bad; i++)
            bad = put(fd, key, kSparsePieces[i], SPARSE_PIECE);
    } else {
        bad = put(fd, key, 0, size);
    }
    if (bad) fail("write", path);
    if (close(fd) != 0) fail("close", path), bad = -1;
    return bad;
}

// Reads a file back and compares every byte; holes of a sparse file are zeros.
static int check_file(const char *path, uint64_t key, uint64_t size, int sparse) {
    struct stat st;
    if (stat(path, &st) != 0) return fail("stat", path), -1;
    if ((uint64_t)st.st_size != size) {
        printf("disktest: FAILED size %s: %llu, not %llu\n", path, (unsigned long long)st.st_size,
               (unsigned long long)size);
        return failures++, -1;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fail("open", path), -1;
    for (uint64_t offset = 0;; offset += CHUNK) {
        ssize_t got = read(fd, chunk, CHUNK);
        if (got < 0) return fail("read", path), close(fd), -1;
        if (got == 0) break;
        fill(key, offset, expect, (size_t)got);
        if (sparse)
            for (ssize_t i = 0; i < got; i++)
                if (!in_piece(offset + (uint64_t)i)) expect[i] = 0;
        if (memcmp(chunk, expect, (size_t)got) != 0) {
            size_t at = 0;
            while (chunk[at] == expect[at]) at++;
            printf("disktest: FAILED contents %s: byte %llu differs\n", path, (unsigned long long)(offset + at));
            close(fd);
            return failures++, -1;
        }
    }
    close(fd);
    return 0;
}

// ---- The persistence set ------------------------------------------------------------

#define MAX_ENTRIES 128
typedef struct {
    char path[PATH_MAX_BYTES];  // relative to the set's directory
    uint64_t size;
    int sparse, directory;
} Entry;

static Entry entries[MAX_ENTRIES];
static int entry_count;

static void add(int directory, uint64_t size, int sparse, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static void add(int directory, uint64_t size, int sparse, const char *format, ...) {
    if (entry_count == MAX_ENTRIES) {
        printf("disktest: the set has more than %d entries\n", MAX_ENTRIES);
        exit(2);
    }
    Entry *e = &entries[entry_count++];
    va_list args;
    va_start(args, format);
    vsnprintf(e->path, sizeof e->path, format, args);
    va_end(args);
    e->size = size, e->sparse = sparse, e->directory = directory;
}

// The set, parents before children.
static void declare_set(void) {
    static const uint64_t small[] = {0, 1, 64, 1023, 1024, 4095, 4096, 4097, 12345, 49152, 49153};
    add(1, 0, 0, "small");
    for (size_t i = 0; i < sizeof small / sizeof *small; i++) add(0, small[i], 0, "small/s%zu", i);
    add(0, 4 * MIB, 0, "big");
    add(0, SPARSE_SIZE, 1, "sparse");
    char name[256];
    memset(name, 'n', 255);
    name[255] = 0;
    add(1, 0, 0, "names");
    for (char c = 'a'; c <= 'c'; c++) {
        name[0] = c;
        add(0, 100 + (uint64_t)c, 0, "names/%s", name);
    }
    add(1, 0, 0, "empty");
    add(1, 0, 0, "tree");
    add(1, 0, 0, "tree/a");
    add(1, 0, 0, "tree/a/b");
    add(0, 3000, 0, "tree/a/b/leaf");
    // 64 levels of short names, then 12 of 255-byte names (3 KiB of path).
    char path[PATH_MAX_BYTES] = "deep";
    add(1, 0, 0, "%s", path);
    for (int level = 0; level < 64; level++) {
        size_t len = strlen(path);
        snprintf(path + len, sizeof path - len, "/l%02d", level);
        add(1, 0, 0, "%s", path);
    }
    add(0, 777, 0, "%s/leaf", path);
    strcpy(path, "long");
    add(1, 0, 0, "%s", path);
    for (int level = 0; level < 12; level++) {
        memset(name, 'a' + level, 255);
        size_t len = strlen(path);
        snprintf(path + len, sizeof path - len, "/%s", name);
        add(1, 0, 0, "%s", path);
    }
    add(0, 5000, 0, "%s/leaf", path);
}

static char *full(const char *dir, const Entry *e) {
    static char path[PATH_MAX_BYTES + 256];
    size_t n = strlen(dir), m = strlen(e->path);
    if (n + 1 + m >= sizeof path) n = 0;  // never: the set's paths are shorter
    memcpy(path, dir, n);
    path[n] = '/';
    memcpy(path + n + 1, e->path, m + 1);
    return path;
}

static int write_set(const char *dir, uint64_t seed) {
    declare_set();
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return fail("mkdir", dir), 1;
    for (int i = 0; i < entry_count; i++) {
        const Entry *e = &entries[i];
        const char *path = full(dir, e);
        if (e->directory) {
            if (mkdir(path, 0755) != 0) fail("mkdir", path);
        } else {
            make_file(path, key_of(e->path, seed), e->size, e->sparse);
            printf("disktest: file %llu %s\n", (unsigned long long)e->size, e->path);
        }
    }
    sync();
    printf("disktest: wrote %d entries, %d failures\n", entry_count, failures);
    return failures != 0;
}

static int check_set(const char *dir, uint64_t seed) {
    declare_set();
    int files = 0, dirs = 0;
    for (int i = 0; i < entry_count; i++) {
        const Entry *e = &entries[i];
        const char *path = full(dir, e);
        if (e->directory) {
            struct stat st;
            if (stat(path, &st) != 0) fail("stat", path);
            else if (!S_ISDIR(st.st_mode)) printf("disktest: FAILED %s is not a directory\n", path), failures++;
            else dirs++;
        } else if (check_file(path, key_of(e->path, seed), e->size, e->sparse) == 0) {
            files++;
        }
    }
    printf("disktest: check: %d files and %d directories as written, %d failures\n", files, dirs, failures);
    return failures != 0;
}

static int sha256_file(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fail("open", path), -1;
    struct sha256 s;
    sha256_init(&s);
    ssize_t got;
    while ((got = read(fd, chunk, CHUNK)) > 0) sha256_update(&s, chunk, (size_t)got);
    close(fd);
    if (got < 0) return fail("read", path), -1;
    unsigned char digest[32];
    char hex[65];
    sha256_final(&s, digest);
    sha256_hex(digest, hex);
    printf("sha256 %s %s\n", hex, path);
    return 0;
}

static int sha256_files(int count, char **paths) {
    for (int i = 0; i < count; i++) sha256_file(paths[i]);
    return failures != 0;
}

// The hash of every file of the persistence set, by its path in the set.
static int sha256_set(const char *dir) {
    declare_set();
    for (int i = 0; i < entry_count; i++)
        if (!entries[i].directory) sha256_file(full(dir, &entries[i]));
    return failures != 0;
}

// ---- Crash safety --------------------------------------------------------------------

// File i of a crash run: its size and key follow from the seed alone.
static uint64_t crash_size(uint64_t seed, uint64_t i) { return 1 + mix(seed * 7919 + i) % (96 * KIB); }

static void crash_name(char *out, size_t size, const char *dir, uint64_t i) {
    snprintf(out, size, "%s/f%llu", dir, (unsigned long long)i);
}

// At most 48 KiB a file on average, so the files fit a 64 MiB disk.
static const uint64_t kCrashFiles = 400;

// Writes file after file, each fsync'ed before its line is printed, with
// writes and deletes that are never synced in between (the noise the
// crash may cut anywhere).
static int crash(const char *dir, uint64_t seed) {
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return fail("mkdir", dir), 1;
    char path[256];
    for (uint64_t i = 0; i < kCrashFiles; i++) {
        crash_name(path, sizeof path, dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) return fail("create", path), 1;
        uint64_t key = key_of(path, seed);
        if (put(fd, key, 0, crash_size(seed, i)) != 0) return fail("write", path), 1;
        if (fsync(fd) != 0) return fail("fsync", path), 1;
        close(fd);
        printf("disktest: synced %llu\n", (unsigned long long)i);
        fflush(stdout);
        snprintf(path, sizeof path, "%s/noise%llu", dir, (unsigned long long)(i % 4));
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || put(fd, mix(i), 0, 16 * KIB + mix(seed + i) % (192 * KIB)) != 0) return fail("noise", path), 1;
        close(fd);
        if (i % 3 == 2) {
            snprintf(path, sizeof path, "%s/noise%llu", dir, (unsigned long long)((i + 2) % 4));
            unlink(path);
        }
    }
    printf("disktest: crash: %llu files written, never killed\n", (unsigned long long)kCrashFiles);
    return 0;
}

static int crash_check(const char *dir, uint64_t seed, uint64_t count) {
    char path[256];
    uint64_t intact = 0;
    for (uint64_t i = 0; i < count; i++) {
        crash_name(path, sizeof path, dir, i);
        if (check_file(path, key_of(path, seed), crash_size(seed, i), 0) == 0) intact++;
    }
    printf("disktest: crashcheck: %llu of %llu synced files intact\n", (unsigned long long)intact,
           (unsigned long long)count);
    return intact != count;
}

// ---- Exhaustion ----------------------------------------------------------------------

// Writes until the disk is full; returns the bytes written and the errno
// of the write that failed (0 if none failed before `limit`).
static uint64_t fill_disk(const char *path, uint64_t limit, int *error) {
    *error = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return *error = errno, 0;
    uint64_t done = 0;
    memset(chunk, 0xa5, CHUNK);
    while (done < limit) {
        ssize_t n = write(fd, chunk, CHUNK);
        if (n < 0) {
            *error = errno;
            break;
        }
        done += (uint64_t)n;
    }
    close(fd);
    return done;
}

// Makes empty files until the inode table is full; returns how many.
static int fill_inodes(const char *dir, int limit, int *error) {
    char path[256];
    *error = 0;
    for (int i = 0; i < limit; i++) {
        snprintf(path, sizeof path, "%s/i%d", dir, i);
        int fd = open(path, O_WRONLY | O_CREAT, 0644);
        if (fd < 0) return *error = errno, i;
        close(fd);
    }
    return limit;
}

static void remove_files(const char *dir, int count) {
    char path[256];
    for (int i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/i%d", dir, i);
        if (unlink(path) != 0) fail("unlink", path);
    }
}

static const char *errno_name(int error) {
    return error == ENOSPC ? "ENOSPC" : error == 0 ? "none" : strerror(error);
}

static int exhaust(const char *dir) {
    if (mkdir(dir, 0755) != 0) return fail("mkdir", dir), 1;
    char fill_path[256];
    snprintf(fill_path, sizeof fill_path, "%s/fill", dir);
    int error;
    uint64_t first = fill_disk(fill_path, UINT64_MAX, &error);
    printf("disktest: exhaust: filled %llu KiB, then %s\n", (unsigned long long)(first / KIB), errno_name(error));
    int more = open(fill_path, O_WRONLY | O_APPEND);
    ssize_t again = write(more, "x", 1);
    printf("disktest: exhaust: one more byte: %s\n", again < 0 ? errno_name(errno) : "written");
    close(more);
    if (unlink(fill_path) != 0) fail("unlink", fill_path);
    uint64_t second = fill_disk(fill_path, first, &error);
    printf("disktest: exhaust: after deleting, %llu of %llu KiB written again (%s)\n",
           (unsigned long long)(second / KIB), (unsigned long long)(first / KIB), errno_name(error));
    if (unlink(fill_path) != 0) fail("unlink", fill_path);
    int files = fill_inodes(dir, 100000, &error);
    printf("disktest: exhaust: %d files made, then %s\n", files, errno_name(error));
    remove_files(dir, files);
    int again_files = fill_inodes(dir, files, &error);
    printf("disktest: exhaust: after deleting, %d of %d files made again (%s)\n", again_files, files,
           errno_name(error));
    remove_files(dir, again_files);
    sync();
    printf("disktest: exhaust: done, %d failures\n", failures);
    return failures != 0;
}

static uint64_t number(const char *text) { return strtoull(text, NULL, 0); }

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "write") && argc == 4) return write_set(argv[2], number(argv[3]));
    if (!strcmp(mode, "check") && argc == 4) return check_set(argv[2], number(argv[3]));
    if (!strcmp(mode, "sha256set") && argc == 3) return sha256_set(argv[2]);
    if (!strcmp(mode, "sha256") && argc >= 3) return sha256_files(argc - 2, argv + 2);
    if (!strcmp(mode, "crash") && argc == 4) return crash(argv[2], number(argv[3]));
    if (!strcmp(mode, "crashcheck") && argc == 5) return crash_check(argv[2], number(argv[3]), number(argv[4]));
    if (!strcmp(mode, "exhaust") && argc == 3) return exhaust(argv[2]);
    printf("usage: disktest write|check <dir> <seed> | sha256 <path>... | crash <dir> <seed> |\n"
           "       crashcheck <dir> <seed> <count> | exhaust <dir>\n");
    return 2;
}
