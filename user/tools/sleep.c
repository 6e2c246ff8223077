/* sleep NUMBER[smhd]...: waits for the sum of the times given (seconds by
 * default; fractions allowed). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool.h"

int main(int argc, char **argv) {
    tool_name = "sleep";
    if (argc < 2) {
        tool_message("missing operand");
        return 1;
    }
    double total = 0;
    for (int i = 1; i < argc; i++) {
        char *end;
        double value = strtod(argv[i], &end);
        double scale = 1;
        if (*end == 's') end++;
        else if (*end == 'm') scale = 60, end++;
        else if (*end == 'h') scale = 3600, end++;
        else if (*end == 'd') scale = 86400, end++;
        if (end == argv[i] || *end || !(value >= 0)) {
            tool_message("invalid time interval '%s'", argv[i]);
            return 1;
        }
        total += value * scale;
    }
    struct timespec t;
    t.tv_sec = (time_t)total;
    t.tv_nsec = (long)((total - (double)t.tv_sec) * 1e9);
    while (nanosleep(&t, &t) != 0) {
    }
    return 0;
}
