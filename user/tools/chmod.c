/* chmod MODE file...: sets the permission bits; MODE is octal (e.g. 644).
 * The file servers keep the bits; nothing enforces them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool.h"

int main(int argc, char **argv) {
    tool_name = "chmod";
    if (argc < 3) {
        tool_message("missing operand");
        return 1;
    }
    char *end;
    unsigned long mode = strtoul(argv[1], &end, 8);
    if (*end || end == argv[1] || mode > 07777) {
        tool_message("invalid mode: '%s' (only octal modes are understood)", argv[1]);
        return 1;
    }
    int status = 0;
    for (int i = 2; i < argc; i++) {
        if (chmod(argv[i], (mode_t)mode) != 0) {
            fprintf(stderr, "chmod: cannot access '%s': %s\n", argv[i], strerror(errno));
            status = 1;
        }
    }
    return status;
}
