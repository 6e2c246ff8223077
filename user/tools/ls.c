/* ls [-la1d] [path...]: the entries of each directory (the working
 * directory for none), or the file named, in byte order (the C locale),
 * one per line; files named come first, then each directory, under a
 * "name:" header when there are several. -a adds "." and ".." and names
 * starting with '.'; -d lists a directory itself; -l the long form as GNU
 * ls prints it: permissions, links, owner and group (root: there are no
 * owners), size, modification time ("%b %e %H:%M", or the year for a time
 * more than six months ago or in the future, UTC), name and a link's
 * target, after a "total" of 1 KiB blocks. Exit status 2 for a path that
 * cannot be listed (GNU's "serious trouble"), 1 for an entry that cannot
 * be stat'ed. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

struct entry {
    char *name;  /* as shown */
    char *path;  /* to stat */
    struct stat st;
    int have_stat;
};

static int long_form, all, directory_itself, one_per_line /* -1: always so */;
static int status;
static time_t now;

static int by_name(const void *a, const void *b) {
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static int digits(unsigned long long v) {
    int n = 1;
    while (v >= 10) v /= 10, n++;
    return n;
}

static void print_long(const struct entry *e, int link_width, int size_width) {
    const struct stat *st = &e->st;
    char mode[11];
    mode[0] = S_ISDIR(st->st_mode) ? 'd' : S_ISLNK(st->st_mode) ? 'l' : S_ISCHR(st->st_mode) ? 'c' : '-';
    for (int i = 0; i < 9; i++) mode[1 + i] = st->st_mode & (0400 >> i) ? "rwxrwxrwx"[i] : '-';
    mode[10] = 0;
    char when[32];
    struct tm tm;
    time_t t = st->st_mtim.tv_sec;
    gmtime_r(&t, &tm);
    const time_t six_months = 31556952 / 2;
    int recent = t > now - six_months && t <= now;
    strftime(when, sizeof when, recent ? "%b %e %H:%M" : "%b %e  %Y", &tm);
    printf("%s %*lu root root %*lld %s %s", mode, link_width, (unsigned long)st->st_nlink, size_width,
           (long long)st->st_size, when, e->name);
    if (S_ISLNK(st->st_mode)) {
        static char target[4097];
        ssize_t n = readlink(e->path, target, sizeof target - 1);
        if (n >= 0) {
            target[n] = 0;
            printf(" -> %s", target);
        }
    }
    printf("\n");
}

/* Prints entries (stat'ed already where -l needs it), sorted. */
static void print_entries(struct entry *entries, size_t count, int total) {
    qsort(entries, count, sizeof *entries, by_name);
    if (!long_form) {
        for (size_t i = 0; i < count; i++) printf("%s\n", entries[i].name);
        return;
    }
    unsigned long long blocks = 0, links = 0, size = 0;
    for (size_t i = 0; i < count; i++) {
        if (!entries[i].have_stat) continue;
        blocks += ((unsigned long long)entries[i].st.st_blocks + 1) / 2;  /* 1 KiB units */
        if ((unsigned long long)entries[i].st.st_nlink > links) links = entries[i].st.st_nlink;
        if ((unsigned long long)entries[i].st.st_size > size) size = (unsigned long long)entries[i].st.st_size;
    }
    if (total) printf("total %llu\n", blocks);
    for (size_t i = 0; i < count; i++)
        if (entries[i].have_stat) print_long(&entries[i], digits(links), digits(size));
}

struct listing {
    struct entry *entries;
    size_t count, capacity;
};

static void add(struct listing *l, const char *dir, const char *name) {
    if (l->count == l->capacity) {
        l->capacity = l->capacity ? l->capacity * 2 : 64;
        l->entries = realloc(l->entries, l->capacity * sizeof *l->entries);
        if (!l->entries) {
            tool_error("memory");
            exit(2);
        }
    }
    struct entry *e = &l->entries[l->count++];
    e->name = strdup(name);
    e->path = dir ? tool_join(dir, name) : strdup(name);
    if (dir && !strcmp(name, "..")) {  /* tool_join keeps the last part: ".." itself */
        free(e->path);
        size_t n = strlen(dir);
        e->path = malloc(n + 4);
        if (e->path) sprintf(e->path, "%s/..", dir);
    }
    e->have_stat = 0;
    if (!e->name || !e->path) {
        tool_error("memory");
        exit(2);
    }
    if (long_form) {
        if (lstat(e->path, &e->st) == 0) {
            e->have_stat = 1;
        } else {
            fprintf(stderr, "ls: cannot access '%s': %s\n", e->path, strerror(errno));
            status = status > 1 ? status : 1;
        }
    }
}

static void list_directory(const char *path) {
    DIR *dir = opendir(path);
    if (!dir) {
        fprintf(stderr, "ls: cannot open directory '%s': %s\n", path, strerror(errno));
        status = 2;
        return;
    }
    struct listing l = {NULL, 0, 0};
    if (all) {
        add(&l, path, ".");
        add(&l, path, "..");
    }
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (e->d_name[0] == '.' && !all) continue;
        add(&l, path, e->d_name);
    }
    closedir(dir);
    print_entries(l.entries, l.count, 1);
}

int main(int argc, char **argv) {
    tool_name = "ls";
    int i = tool_flags(argc, argv, "lad1", (int *const[]){&long_form, &all, &directory_itself, &one_per_line});
    if (i < 0) return 2;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    now = ts.tv_sec;
    int count;
    char **paths = tool_operands(argc, argv, i, ".", &count);

    /* Files (and, with -d, directories) first, in one listing. */
    struct listing files = {NULL, 0, 0};
    struct listing dirs = {NULL, 0, 0};
    for (int k = 0; k < count; k++) {
        struct stat st;
        if (stat(paths[k], &st) != 0 && lstat(paths[k], &st) != 0) {
            fprintf(stderr, "ls: cannot access '%s': %s\n", paths[k], strerror(errno));
            status = 2;
            continue;
        }
        if (S_ISDIR(st.st_mode) && !directory_itself) {
            int saved = long_form;
            long_form = 0;  /* directories are listed below, not stat'ed here */
            add(&dirs, NULL, paths[k]);
            long_form = saved;
        } else {
            add(&files, NULL, paths[k]);
        }
    }
    print_entries(files.entries, files.count, 0);
    qsort(dirs.entries, dirs.count, sizeof *dirs.entries, by_name);
    int headers = count > 1 || status;
    for (size_t k = 0; k < dirs.count; k++) {
        if (headers) printf("%s%s:\n", (k > 0 || files.count) ? "\n" : "", dirs.entries[k].name);
        list_directory(dirs.entries[k].path);
    }
    return status;
}
