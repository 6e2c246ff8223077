/* env [-i] [-u NAME]... [NAME=VALUE]... [program [arg...]]: with no
 * program, prints the environment (one NAME=VALUE a line); else runs the
 * program (by name, as posix_spawnp) with the environment changed, and
 * exits with its status: 127 if it cannot be found, 126 if it cannot be
 * run, 128+N if signal N ended it. */
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tool.h"

extern char **environ;

int main(int argc, char **argv) {
    tool_name = "env";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (!strcmp(argv[i], "-i") || !strcmp(argv[i], "-")) {
            static char *empty[] = {NULL};
            environ = empty;
        } else if (!strcmp(argv[i], "-u") && i + 1 < argc) {
            unsetenv(argv[++i]);
        } else {
            tool_message("invalid option -- '%s'", argv[i] + 1);
            return 125;
        }
    }
    for (; i < argc && strchr(argv[i], '='); i++) {
        char *eq = strchr(argv[i], '=');
        *eq = 0;
        if (setenv(argv[i], eq + 1, 1) != 0) {
            *eq = '=';
            tool_message("cannot set '%s': %s", argv[i], strerror(errno));
            return 125;
        }
    }
    if (i >= argc) {
        for (char **e = environ; e && *e; e++) printf("%s\n", *e);
        return 0;
    }
    fflush(stdout);
    pid_t pid;
    int error = posix_spawnp(&pid, argv[i], NULL, NULL, argv + i, environ);
    if (error) {
        errno = error;
        tool_error(argv[i]);
        return error == ENOENT ? 127 : 126;
    }
    int status;
    if (waitpid(pid, &status, 0) < 0) {
        tool_error("waitpid");
        return 125;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}
