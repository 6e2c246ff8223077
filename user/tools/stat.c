/* stat [-L] [-c FORMAT] file...: what the file server keeps about each
 * file, in GNU stat's default layout (times with nanoseconds, UTC) or in
 * FORMAT: %n name, %N quoted name (-> target for a link), %s size, %b
 * blocks, %B block unit, %o I/O block, %F type, %f raw mode (hex), %a / %A
 * permissions (octal / ls style), %h links, %i inode, %d device, %u %g
 * owner ids, %U %G owner names, %x %y %z access, modify, change times,
 * %X %Y %Z the same in seconds, %w %W birth (unknown: "-", 0), %% a '%'.
 * -L follows a symbolic link. There are no owners: all is root's. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

static const char *type_name(const struct stat *st) {
    if (S_ISREG(st->st_mode)) return st->st_size ? "regular file" : "regular empty file";
    if (S_ISDIR(st->st_mode)) return "directory";
    if (S_ISLNK(st->st_mode)) return "symbolic link";
    if (S_ISCHR(st->st_mode)) return "character special file";
    return "weird file";
}

/* ls-style permissions: "-rw-r--r--". */
static void permissions(const struct stat *st, char out[11]) {
    out[0] = S_ISDIR(st->st_mode) ? 'd' : S_ISLNK(st->st_mode) ? 'l' : S_ISCHR(st->st_mode) ? 'c' : '-';
    const char *rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) out[1 + i] = st->st_mode & (0400 >> i) ? rwx[i] : '-';
    out[10] = 0;
}

static void print_time(const struct timespec *t) {
    struct tm tm;
    gmtime_r(&t->tv_sec, &tm);
    char text[64];
    strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    printf("%s.%09ld +0000", text, (long)t->tv_nsec);
}

static void print_name(const char *path, const struct stat *st, int quoted) {
    if (!quoted || !S_ISLNK(st->st_mode)) {
        printf(quoted ? "'%s'" : "%s", path);
        return;
    }
    static char target[4097];
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = 0;
    printf("'%s' -> '%s'", path, target);
}

static void print_format(const char *format, const char *path, const struct stat *st) {
    char perms[11];
    for (const char *p = format; *p; p++) {
        if (*p == '\\' && p[1] == 'n') {
            putchar('\n');
            p++;
            continue;
        }
        if (*p != '%' || !p[1]) {
            putchar(*p);
            continue;
        }
        switch (*++p) {
        case 'n': printf("%s", path); break;
        case 'N': print_name(path, st, 1); break;
        case 's': printf("%lld", (long long)st->st_size); break;
        case 'b': printf("%lld", (long long)st->st_blocks); break;
        case 'B': printf("512"); break;
        case 'o': printf("%ld", (long)st->st_blksize); break;
        case 'F': printf("%s", type_name(st)); break;
        case 'f': printf("%lx", (unsigned long)st->st_mode); break;
        case 'a': printf("%lo", (unsigned long)(st->st_mode & 07777)); break;
        case 'A': permissions(st, perms); printf("%s", perms); break;
        case 'h': printf("%lu", (unsigned long)st->st_nlink); break;
        case 'i': printf("%lu", (unsigned long)st->st_ino); break;
        case 'd': printf("%lu", (unsigned long)st->st_dev); break;
        case 'u': case 'g': printf("0"); break;
        case 'U': case 'G': printf("root"); break;
        case 'x': print_time(&st->st_atim); break;
        case 'y': print_time(&st->st_mtim); break;
        case 'z': print_time(&st->st_ctim); break;
        case 'X': printf("%lld", (long long)st->st_atim.tv_sec); break;
        case 'Y': printf("%lld", (long long)st->st_mtim.tv_sec); break;
        case 'Z': printf("%lld", (long long)st->st_ctim.tv_sec); break;
        case 'w': printf("-"); break;
        case 'W': printf("0"); break;
        case '%': putchar('%'); break;
        default: putchar('%'); putchar(*p); break;
        }
    }
}

static void print_default(const char *path, const struct stat *st) {
    char perms[11];
    permissions(st, perms);
    printf("  File: ");
    print_name(path, st, S_ISLNK(st->st_mode));
    printf("\n  Size: %-10lld\tBlocks: %-10lld IO Block: %-6ld %s\n", (long long)st->st_size,
           (long long)st->st_blocks, (long)st->st_blksize, type_name(st));
    printf("Device: %lu,%lu\tInode: %-11lu Links: %lu\n", (unsigned long)(st->st_dev >> 8),
           (unsigned long)(st->st_dev & 0xff), (unsigned long)st->st_ino, (unsigned long)st->st_nlink);
    printf("Access: (%04lo/%s)  Uid: (%5d/%8s)   Gid: (%5d/%8s)\n", (unsigned long)(st->st_mode & 07777), perms, 0,
           "root", 0, "root");
    printf("Access: "), print_time(&st->st_atim);
    printf("\nModify: "), print_time(&st->st_mtim);
    printf("\nChange: "), print_time(&st->st_ctim);
    printf("\n Birth: -\n");
}

int main(int argc, char **argv) {
    tool_name = "stat";
    int follow = 0;
    const char *format = NULL;
    struct tool_options o = TOOL_OPTIONS(argc, argv);
    for (const char *word; (word = tool_option_word(&o));) {
        if (!strcmp(word, "-L")) follow = 1;
        else if (!strcmp(word, "-c") && o.index + 1 < argc) format = tool_option_value(&o);
        else if (!strncmp(word, "--format=", 9)) format = word + 9;
        else {
            tool_message("invalid option -- '%s'", word + 1);
            return 1;
        }
    }
    int i = o.index;
    if (i >= argc) {
        tool_message("missing operand");
        return 1;
    }
    int status = 0;
    for (; i < argc; i++) {
        struct stat st;
        if ((follow ? stat(argv[i], &st) : lstat(argv[i], &st)) != 0) {
            fprintf(stderr, "stat: cannot statx '%s': %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        if (format) {
            print_format(format, argv[i], &st);
            putchar('\n');
        } else {
            print_default(argv[i], &st);
        }
    }
    return status;
}
