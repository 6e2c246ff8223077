/* date [-u] [-d @SECONDS] [+FORMAT]: the time (now, or the one given) as
 * GNU date prints it by default ("Sat Nov 28 11:54:22 UTC 2026"), or in
 * strftime's FORMAT. The machine keeps UTC, so -u changes nothing; %Z is
 * "UTC". */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool.h"

/* FORMAT with %Z made "UTC" (picolibc's strftime may not know the zone's name). */
static void print_time(const char *format, const struct tm *tm) {
    char expanded[512], out[1024];
    size_t n = 0;
    for (const char *p = format; *p && n + 4 < sizeof expanded; p++) {
        if (p[0] == '%' && p[1] == 'Z') {
            memcpy(expanded + n, "UTC", 3);
            n += 3;
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            expanded[n++] = *p++;
            expanded[n++] = *p;
        } else {
            expanded[n++] = *p;
        }
    }
    expanded[n] = 0;
    size_t length = strftime(out, sizeof out, expanded, tm);
    if (length == 0 && expanded[0]) out[0] = 0;
    printf("%s\n", out);
}

int main(int argc, char **argv) {
    tool_name = "date";
    const char *format = "%a %b %e %H:%M:%S %Z %Y";
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    time_t when = now.tv_sec;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-u")) continue;
        if (!strcmp(argv[i], "-d") && i + 1 < argc && argv[i + 1][0] == '@') {
            char *end;
            long long value = strtoll(argv[++i] + 1, &end, 10);
            if (*end || end == argv[i] + 1) {
                tool_message("invalid date '%s'", argv[i]);
                return 1;
            }
            when = (time_t)value;
        } else if (argv[i][0] == '+') {
            format = argv[i] + 1;
        } else {
            tool_message("invalid date '%s' (only -d @SECONDS is understood)", argv[i]);
            return 1;
        }
    }
    struct tm tm;
    gmtime_r(&when, &tm);
    print_time(format, &tm);
    return 0;
}
