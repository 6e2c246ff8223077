/* kill [-s SIGNAL | -SIGNAL] pid...: sends a signal (TERM by default) to
 * each process, with the C library's kill() (see README: a process may
 * signal itself and its own children). kill -l lists the signal names. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static const struct {
    const char *name;
    int number;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"FPE", SIGFPE},   {"KILL", SIGKILL}, {"SEGV", SIGSEGV}, {"PIPE", SIGPIPE},
    {"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
};
enum { kSignals = sizeof signals / sizeof signals[0] };

/* A signal by number or name (with or without "SIG"); -1 if unknown. */
static int parse_signal(const char *text) {
    long long number = tool_count(text);
    if (number >= 0) return number < NSIG ? (int)number : -1;
    if (!strncmp(text, "SIG", 3)) text += 3;
    for (int i = 0; i < kSignals; i++)
        if (!strcmp(text, signals[i].name)) return signals[i].number;
    return -1;
}

int main(int argc, char **argv) {
    tool_name = "kill";
    int sig = SIGTERM, i = 1;
    if (i < argc && !strcmp(argv[i], "-l")) {
        for (int k = 0; k < kSignals; k++) printf("%s\n", signals[k].name);
        return 0;
    }
    if (i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--")) {
        const char *name = !strcmp(argv[i], "-s") && i + 1 < argc ? argv[++i] : argv[i] + 1;
        sig = parse_signal(name);
        if (sig < 0) {
            tool_message("%s: invalid signal specification", name);
            return 1;
        }
        i++;
    }
    if (i < argc && !strcmp(argv[i], "--")) i++;
    if (i >= argc) {
        tool_message("no process ID specified");
        return 1;
    }
    int status = 0;
    for (; i < argc; i++) {
        char *end;
        long pid = strtol(argv[i], &end, 10);
        if (*end || end == argv[i]) {
            tool_message("%s: arguments must be process IDs", argv[i]);
            status = 1;
            continue;
        }
        if (kill((pid_t)pid, sig) != 0) {
            tool_error(argv[i]);
            status = 1;
        }
    }
    return status;
}
