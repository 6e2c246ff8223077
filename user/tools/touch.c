/* touch [-acm] [-d @SECONDS[.FRACTION]] [-r file] file...: sets the access
 * and modification times (-a / -m: only one) to now, to the time given, or
 * to another file's; creates a missing file unless -c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

int main(int argc, char **argv) {
    tool_name = "touch";
    int access_only = 0, modify_only = 0, no_create = 0, given = 0, i = 1;
    struct timespec when[2];
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (!strcmp(argv[i], "-d") && i + 1 < argc) {
            const char *text = argv[++i];
            char *end;
            double seconds = text[0] == '@' ? strtod(text + 1, &end) : 0;
            if (text[0] != '@' || *end || end == text + 1) {
                tool_message("invalid date format '%s' (only @SECONDS is understood)", text);
                return 1;
            }
            when[0].tv_sec = (time_t)seconds;
            when[0].tv_nsec = (long)((seconds - (double)when[0].tv_sec) * 1e9 + 0.5);
            if (when[0].tv_nsec >= 1000000000L) when[0].tv_sec++, when[0].tv_nsec -= 1000000000L;
            when[1] = when[0];
            given = 1;
            continue;
        }
        if (!strcmp(argv[i], "-r") && i + 1 < argc) {
            struct stat st;
            if (stat(argv[++i], &st) != 0) {
                fprintf(stderr, "touch: failed to get attributes of '%s': %s\n", argv[i], strerror(errno));
                return 1;
            }
            when[0] = st.st_atim;
            when[1] = st.st_mtim;
            given = 1;
            continue;
        }
        for (const char *o = argv[i] + 1; *o; o++) {
            if (*o == 'a') access_only = 1;
            else if (*o == 'm') modify_only = 1;
            else if (*o == 'c') no_create = 1;
            else {
                tool_message("invalid option -- '%c'", *o);
                return 1;
            }
        }
    }
    if (i >= argc) {
        tool_message("missing file operand");
        return 1;
    }
    if (!given) {
        clock_gettime(CLOCK_REALTIME, &when[0]);
        when[1] = when[0];
    }
    if (modify_only && !access_only) when[0].tv_nsec = UTIME_OMIT;
    if (access_only && !modify_only) when[1].tv_nsec = UTIME_OMIT;
    int status = 0;
    for (; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            if (no_create) continue;
            int fd = open(argv[i], O_WRONLY | O_CREAT, 0644);
            if (fd < 0) {
                fprintf(stderr, "touch: cannot touch '%s': %s\n", argv[i], strerror(errno));
                status = 1;
                continue;
            }
            close(fd);
        }
        if (utimensat(AT_FDCWD, argv[i], when, 0) != 0) {
            fprintf(stderr, "touch: setting times of '%s': %s\n", argv[i], strerror(errno));
            status = 1;
        }
    }
    return status;
}
