/* cp [-rRp] source target / cp [-rRp] source... directory: copies files
 * (data and mode; -p also the access and modification times), and with -r
 * directories with all they hold, across volumes as within one. */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

int main(int argc, char **argv) {
    tool_name = "cp";
    int flags = 0, i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        for (const char *o = argv[i] + 1; *o; o++) {
            if (*o == 'r' || *o == 'R') flags |= kCopyRecursive;
            else if (*o == 'p') flags |= kCopyTimes;
            else if (*o == 'a') flags |= kCopyRecursive | kCopyTimes;
            else {
                tool_message("invalid option -- '%c'", *o);
                return 1;
            }
        }
    }
    int operands = argc - i;
    if (operands < 2) {
        tool_message(operands ? "missing destination file operand after '%s'" : "missing file operand",
                     operands ? argv[i] : "");
        return 1;
    }
    const char *target = argv[argc - 1];
    if (!tool_is_directory(target)) {
        if (operands > 2) {
            tool_message("target '%s' is not a directory", target);
            return 1;
        }
        return tool_copy_path(argv[i], target, flags);
    }
    int status = 0;
    for (; i < argc - 1; i++) {
        char *into = tool_join(target, argv[i]);
        if (!into) {
            tool_error(target);
            return 1;
        }
        status |= tool_copy_path(argv[i], into, flags);
        free(into);
    }
    return status;
}
