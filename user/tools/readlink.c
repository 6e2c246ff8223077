/* readlink [-n] link...: prints what each symbolic link holds. Exit status
 * 1 if one is not a link or cannot be read (silently, as GNU readlink). */
#include <string.h>
#include <unistd.h>

#include "tool.h"

int main(int argc, char **argv) {
    tool_name = "readlink";
    int i = 1, newline = 1;
    if (i < argc && !strcmp(argv[i], "-n")) newline = 0, i++;
    if (i >= argc) {
        tool_message("missing operand");
        return 1;
    }
    int status = 0;
    for (; i < argc; i++) {
        static char target[4097];
        ssize_t n = readlink(argv[i], target, sizeof target - 1);
        if (n < 0) {
            status = 1;
            continue;
        }
        target[n] = 0;
        printf(newline ? "%s\n" : "%s", target);
    }
    return status;
}
