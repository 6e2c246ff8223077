/* ln [-sf] target link_name / ln [-sf] target... directory: makes hard
 * links (both names on one volume: EXDEV otherwise), or with -s symbolic
 * links holding `target` as given. -f replaces an existing link_name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static int symbolic, force;

static int make_link(const char *target, const char *name) {
    if (force) unlink(name);
    int made = symbolic ? symlink(target, name) : link(target, name);
    if (made != 0) {
        fprintf(stderr, "ln: failed to create %s link '%s' %s '%s': %s\n", symbolic ? "symbolic" : "hard", name,
                symbolic ? "->" : "=>", target, strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    tool_name = "ln";
    int i = tool_flags(argc, argv, "sf", (int *const[]){&symbolic, &force});
    if (i < 0) return 1;
    if (argc - i == 1) {  /* a link in the working directory, named as the target's last part */
        char *name = tool_join(".", argv[i]);
        int status = name ? make_link(argv[i], name) : 1;
        free(name);
        return status;
    }
    return tool_into(argc, argv, i, make_link);
}
