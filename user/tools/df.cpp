// df [path...]: the size and use of each mounted file system (rvos's mount
// table: the disk's volume on /, the RAM file system on /tmp), or of the
// ones holding the paths given, in GNU df's columns and 1 KiB blocks.
// The RAM file system's size is the memory it holds plus the system's free
// memory, which is what it could still take.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "rvos/mounts.h"

namespace {

struct Row {
    char name[32], size[24], used[24], available[24], percent[8];
    const char* mounted;
};

bool row_for(const rvos::mounts::Mount& mount, Row* row) {
    struct statvfs v;
    if (statvfs(mount.path, &v) != 0) {
        fprintf(stderr, "df: %s: %s\n", mount.path, strerror(errno));
        return false;
    }
    unsigned long long unit = v.f_frsize;
    unsigned long long size = v.f_blocks * unit / 1024, free_kib = v.f_bfree * unit / 1024;
    unsigned long long available = v.f_bavail * unit / 1024, used = size - free_kib;
    // GNU's Use%: used / (used + available), rounded up.
    unsigned long long whole = used + available;
    unsigned long long percent = whole ? (used * 100 + whole - 1) / whole : 0;
    snprintf(row->name, sizeof row->name, "%s", mount.service);
    snprintf(row->size, sizeof row->size, "%llu", size);
    snprintf(row->used, sizeof row->used, "%llu", used);
    snprintf(row->available, sizeof row->available, "%llu", available);
    if (whole) snprintf(row->percent, sizeof row->percent, "%llu%%", percent);
    else snprintf(row->percent, sizeof row->percent, "-");
    row->mounted = mount.path;
    return true;
}

// The mount a path is on.
const rvos::mounts::Mount* mount_of(const char* path) {
    static char canonical[rvos::kMaxPathLength + 1];
    auto routed = rvos::mounts::route(path, canonical);
    return routed.is_error() ? nullptr : routed.value().mount;
}

}  // namespace

int main(int argc, char** argv) {
    size_t count = 0;
    const rvos::mounts::Mount* table = rvos::mounts::table(&count);
    static Row rows[16];
    size_t shown = 0;
    int status = 0;
    if (argc < 2) {
        // Listed from / down, as the mount list reads.
        for (size_t i = count; i-- > 0 && shown < 16;)
            if (row_for(table[i], &rows[shown])) shown++;
            else status = 1;
    }
    for (int a = 1; a < argc && shown < 16; a++) {
        struct statvfs v;
        if (statvfs(argv[a], &v) != 0) {
            fprintf(stderr, "df: %s: %s\n", argv[a], strerror(errno));
            status = 1;
            continue;
        }
        const rvos::mounts::Mount* m = mount_of(argv[a]);
        if (m && row_for(*m, &rows[shown])) shown++;
    }
    int widths[4] = {9, 4, 9, 4};  // the headers' own widths: 1K-blocks, Used, Available, Use%
    size_t name_width = 14;
    for (size_t i = 0; i < shown; i++) {
        name_width = strlen(rows[i].name) > name_width ? strlen(rows[i].name) : name_width;
        const char* cells[4] = {rows[i].size, rows[i].used, rows[i].available, rows[i].percent};
        for (int c = 0; c < 4; c++)
            if ((int)strlen(cells[c]) > widths[c]) widths[c] = (int)strlen(cells[c]);
    }
    printf("%-*s %*s %*s %*s %*s Mounted on\n", (int)name_width, "Filesystem", widths[0], "1K-blocks", widths[1], "Used",
           widths[2], "Available", widths[3], "Use%");
    for (size_t i = 0; i < shown; i++)
        printf("%-*s %*s %*s %*s %*s %s\n", (int)name_width, rows[i].name, widths[0], rows[i].size, widths[1],
               rows[i].used, widths[2], rows[i].available, widths[3], rows[i].percent,
               rows[i].mounted);
    return status;
}
