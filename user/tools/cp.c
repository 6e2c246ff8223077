/* cp [-rRp] source target / cp [-rRp] source... directory: copies files
 * (data and mode; -p also the access and modification times), and with -r
 * directories with all they hold, across volumes as within one. */

#include "tool.h"

static int flags;

static int copy(const char *from, const char *to) { return tool_copy_path(from, to, flags); }

int main(int argc, char **argv) {
    tool_name = "cp";
    int recursive = 0, times = 0, archive = 0;
    int i = tool_flags(argc, argv, "rRpa", (int *const[]){&recursive, &recursive, &times, &archive});
    if (i < 0) return 1;
    flags = (recursive || archive ? kCopyRecursive : 0) | (times || archive ? kCopyTimes : 0);
    return tool_into(argc, argv, i, copy);
}
