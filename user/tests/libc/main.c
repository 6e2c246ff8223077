// libc: the C library functions a POSIX program expects (processes,
// signals, clocks, rename, the working directory, the environment, system,
// temporary files, isatty, the errors of wrong-direction and directory
// I/O), each checked as a program would use it. Plain C on the standard
// interfaces only, so the same source builds for the host as well: the
// acceptance test (tests/acceptance/test_libc.py) runs both and requires
// the same lines. Errors print as their names (ENOENT), since the numbers
// differ between C libraries.
//
//   libc <check> <dir>   runs one check in <dir> (an existing, empty
//                        directory); prints "<check>: <what>: <result>"
//   libc child <what>... what a check starts as a child (see child()); also
//                        `libc child with-env NAME=VALUE... program args...`
//                        runs a program with more in its environment
//
// Lines starting with "raw " carry values that differ from run to run (the
// time); the test compares those with the host itself.
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *self;  // argv[0]: how to start this program again

// ---- Reporting ------------------------------------------------------------

static const char *errno_name(int e) {
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case ENOMEM: return "ENOMEM";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENOTTY: return "ENOTTY";
    case ESPIPE: return "ESPIPE";
    case ERANGE: return "ERANGE";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTSUP: return "ENOTSUP";
    case EPIPE: return "EPIPE";
    default: return "other";
    }
}

static const char *check_name;

static void say(const char *what, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *what, const char *format, ...) {
    va_list args;
    va_start(args, format);
    printf("%s: %s: ", check_name, what);
    vprintf(format, args);
    printf("\n");
    va_end(args);
    fflush(stdout);
}

// "0" for a call that returned 0, else "-1 ENAME" (errno as it is now).
static void result(const char *what, int value) {
    if (value == 0) say(what, "0");
    else say(what, "%d %s", value, errno_name(errno));
}

// A call's value and the errno it left, as "<value> <ENAME>" (errno cleared
// first, so a call that succeeds shows 0).
#define OUTCOME(what, call)                                 \
    do {                                                    \
        errno = 0;                                          \
        long value_ = (long)(call);                         \
        int error_ = errno;                                 \
        say(what, "%ld %s", value_, errno_name(error_));    \
    } while (0)

static const char *yes(int condition) { return condition ? "yes" : "no"; }

static double seconds(const struct timespec *t) { return (double)t->tv_sec + (double)t->tv_nsec / 1e9; }

static double clock_seconds(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return seconds(&t);
}

// Runs until this process has used `length` seconds of CPU time (or 20 s
// have passed, on a machine too busy to give it that much).
static void spin(double length) {
    double end = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) + length;
    double give_up = clock_seconds(CLOCK_MONOTONIC) + 20;
    while (clock_seconds(CLOCK_PROCESS_CPUTIME_ID) < end && clock_seconds(CLOCK_MONOTONIC) < give_up) {
    }
}

static void nap(double length) {
    struct timespec t = {(time_t)length, (long)((length - (double)(time_t)length) * 1e9)};
    nanosleep(&t, NULL);
}

static int write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f);
}

static const char *read_file(const char *path) {
    static char buffer[256];
    FILE *f = fopen(path, "r");
    if (!f) return errno_name(errno);
    size_t n = fread(buffer, 1, sizeof buffer - 1, f);
    buffer[n] = 0;
    fclose(f);
    return buffer;
}

// A child running this program: `libc child <words>`; its pid.
static pid_t start(char *const *envp, const char *a, const char *b, const char *c) {
    char *argv[] = {(char *)self, "child", (char *)a, (char *)b, (char *)c, NULL};
    pid_t pid = -1;
    int error = posix_spawn(&pid, self, NULL, NULL, argv, envp ? envp : environ);
    if (error) {
        printf("%s: posix_spawn: %s\n", check_name, errno_name(error));
        return -1;
    }
    return pid;
}

// How a child ended, as a line: "exit 3", "signal 15".
static const char *how(int status) {
    static char text[32];
    if (WIFEXITED(status)) snprintf(text, sizeof text, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) snprintf(text, sizeof text, "signal %d", WTERMSIG(status));
    else snprintf(text, sizeof text, "other %#x", status);
    return text;
}

static const char *wait_for(pid_t pid) {
    int status = 0;
    pid_t got = waitpid(pid, &status, 0);
    if (got != pid) return errno_name(errno);
    return how(status);
}

// ---- Checks ------------------------------------------------------------------

static void check_pid(void) {
    pid_t me = getpid(), parent = getppid();
    say("getpid positive", "%s", yes(me > 0));
    say("getppid positive and not mine", "%s", yes(parent > 0 && parent != me));
    // The child prints its parent's pid; it must be ours.
    fflush(stdout);
    char mine[16];
    snprintf(mine, sizeof mine, "%d", (int)me);
    pid_t child = start(NULL, "ppid-is", mine, NULL);
    say("child", "%s", wait_for(child));
}

static volatile sig_atomic_t caught;
static void on_signal(int sig) { caught = sig; }

static void check_signal(void) {
    result("signal(SIGKILL) refused", signal(SIGKILL, on_signal) == SIG_ERR ? -1 : 0);
    result("raise(99)", raise(99));
    result("kill(getpid(), 99)", kill(getpid(), 99));
    signal(SIGTERM, on_signal);
    caught = 0;
    result("raise(SIGTERM) with a handler", raise(SIGTERM));
    say("handler got SIGTERM", "%s", yes(caught == SIGTERM));
    caught = 0;
    result("kill(getpid(), SIGUSR1) with a handler", (signal(SIGUSR1, on_signal), kill(getpid(), SIGUSR1)));
    say("handler got SIGUSR1", "%s", yes(caught == SIGUSR1));
    caught = 0;
    raise(SIGTERM);  // signal() keeps the handler
    say("handler still installed", "%s", yes(caught == SIGTERM));
    signal(SIGTERM, SIG_IGN);
    result("raise(SIGTERM) ignored", raise(SIGTERM));
    signal(SIGTERM, SIG_DFL);  // (an ignored signal would stay ignored in children on the host)
    result("raise(SIGCHLD) ignored by default", raise(SIGCHLD));
    struct sigaction action, old;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    result("sigaction(SIGINT)", sigaction(SIGINT, &action, &old));
    say("old SIGINT handler is the default", "%s", yes(old.sa_handler == SIG_DFL));
    caught = 0;
    raise(SIGINT);
    say("sigaction handler got SIGINT", "%s", yes(caught == SIGINT));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    say("sigismember", "%d %d", sigismember(&set, SIGTERM), sigismember(&set, SIGINT));
    // Default actions end the process, as a signal: its parent sees which.
    fflush(stdout);
    say("child raising SIGTERM", "%s", wait_for(start(NULL, "raise", "15", NULL)));
    say("child raising SIGKILL", "%s", wait_for(start(NULL, "raise", "9", NULL)));
    say("child calling abort", "%s", wait_for(start(NULL, "abort", NULL, NULL)));
    say("child aborting with a returning handler", "%s", wait_for(start(NULL, "abort-handled", NULL, NULL)));
    // A child of ours can be signalled; once reaped it is gone.
    pid_t child = start(NULL, "sleep", "10", NULL);
    result("kill(child, 0)", kill(child, 0));
    result("kill(child, SIGTERM)", kill(child, SIGTERM));
    say("child killed", "%s", wait_for(child));
    result("kill(reaped child, 0)", kill(child, 0));
    result("kill(no such pid, SIGTERM)", kill(999999, SIGTERM));
}

static void check_time(void) {
    struct timespec real, mono, cpu;
    result("clock_gettime(CLOCK_REALTIME)", clock_gettime(CLOCK_REALTIME, &real));
    result("clock_gettime(CLOCK_MONOTONIC)", clock_gettime(CLOCK_MONOTONIC, &mono));
    result("clock_gettime(CLOCK_PROCESS_CPUTIME_ID)", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu));
    result("clock_gettime(12345)", clock_gettime((clockid_t)12345, &real));
    printf("raw realtime: %lld\n", (long long)real.tv_sec);
    say("realtime after 2020", "%s", yes(real.tv_sec > 1577836800));
    struct timeval tv;
    result("gettimeofday", gettimeofday(&tv, NULL));
    time_t now = time(NULL);
    say("time, gettimeofday and CLOCK_REALTIME agree", "%s",
        yes(now - tv.tv_sec <= 1 && tv.tv_sec - real.tv_sec <= 1 && tv.tv_usec < 1000000));
    // Sleeping takes time but no CPU; spinning takes CPU time, which every
    // clock of it reports alike, and at least as much time.
    double m0 = clock_seconds(CLOCK_MONOTONIC), r0 = clock_seconds(CLOCK_REALTIME);
    double c0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    clock_t k0 = clock();
    nap(0.3);
    double slept = clock_seconds(CLOCK_MONOTONIC) - m0, slept_real = clock_seconds(CLOCK_REALTIME) - r0;
    double slept_cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
    double slept_clock = (double)(clock() - k0) / CLOCKS_PER_SEC;
    say("nanosleep(0.3 s) lasts 0.3 s", "%s", yes(slept >= 0.3 && slept < 2 && slept_real > 0.25 && slept_real < 2));
    say("sleeping uses little CPU time", "%s", yes(slept_cpu < 0.1 && slept_clock < 0.1));
    c0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    k0 = clock();
    struct tms t0, t1;
    times(&t0);
    m0 = clock_seconds(CLOCK_MONOTONIC);
    spin(0.4);
    double spun = clock_seconds(CLOCK_MONOTONIC) - m0;
    times(&t1);
    double spun_cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
    double spun_clock = (double)(clock() - k0) / CLOCKS_PER_SEC;
#ifdef __riscv
    double tick = CLK_TCK;
#else
    double tick = (double)sysconf(_SC_CLK_TCK);
#endif
    double spun_times = (double)((t1.tms_utime + t1.tms_stime) - (t0.tms_utime + t0.tms_stime)) / tick;
    say("0.4 s of CPU time: clock and times agree, and it took at least as long", "%s",
        yes(spun_cpu >= 0.4 && spun_cpu < 0.5 && spun_clock > 0.35 && spun_clock < 0.55 && spun_times > 0.35 &&
            spun_times < 0.55 && spun >= spun_cpu - 0.01));
    // A child's CPU time is counted once it is waited for.
    fflush(stdout);
    times(&t0);
    pid_t child = start(NULL, "spin", NULL, NULL);
    say("spinning child", "%s", wait_for(child));
    times(&t1);
    double child_cpu = (double)((t1.tms_cutime + t1.tms_cstime) - (t0.tms_cutime + t0.tms_cstime)) / tick;
    say("its CPU time counts as the children's", "%s", yes(child_cpu > 0.25 && child_cpu < 0.6));
    result("sleep(0)", (int)sleep(0));
    result("usleep(1000)", usleep(1000));
    struct timespec bad = {0, 1000000000};
    result("nanosleep(1e9 ns)", nanosleep(&bad, NULL));
}

static void check_rename(void) {
    write_file("a", "alpha");
    write_file("b", "beta");
    mkdir("d", 0755);
    mkdir("d/sub", 0755);
    mkdir("empty", 0755);
    mkdir("full", 0755);
    write_file("full/x", "x");
    result("rename(a, c)", rename("a", "c"));
    say("c holds", "%s", read_file("c"));
    say("a is gone", "%s", read_file("a"));
    result("rename(c, b) replaces b", rename("c", "b"));
    say("b holds", "%s", read_file("b"));
    result("rename(b, d/sub/b) moves it", rename("b", "d/sub/b"));
    say("d/sub/b holds", "%s", read_file("d/sub/b"));
    result("rename(d, e) moves a directory", rename("d", "e"));
    say("e/sub/b holds", "%s", read_file("e/sub/b"));
    result("rename(e, e/sub/x) into itself", rename("e", "e/sub/x"));
    result("rename(e, empty) over an empty directory", rename("e", "empty"));
    say("empty/sub/b holds", "%s", read_file("empty/sub/b"));
    result("rename(empty, full) over a full one", rename("empty", "full"));
    result("rename(full/x, empty) file over directory", rename("full/x", "empty"));
    result("rename(empty, full/x) directory over file", rename("empty", "full/x"));
    result("rename(missing, z)", rename("missing", "z"));
    result("rename(full/x, nowhere/x)", rename("full/x", "nowhere/x"));
    result("rename(full/x, full/x) onto itself", rename("full/x", "full/x"));
    // An open file keeps working under its new name.
    FILE *f = fopen("full/x", "a");
    result("rename(full/x, moved) while open", rename("full/x", "moved"));
    fputs("y", f);
    fclose(f);
    say("moved holds", "%s", read_file("moved"));
}

static void check_cwd(const char *dir) {
    char here[4096];
    result("chdir(dir)", chdir(dir));
    char *got = getcwd(here, sizeof here);
    say("getcwd is dir", "%s", yes(got == here && strcmp(here, dir) == 0));
    mkdir("sub", 0755);
    write_file("sub/f.txt", "in sub");
    result("chdir(sub)", chdir("sub"));
    getcwd(here, sizeof here);
    say("getcwd ends in /sub", "%s", yes(strlen(here) == strlen(dir) + 4 && strcmp(here + strlen(dir), "/sub") == 0));
    say("relative open", "%s", read_file("f.txt"));
    say("relative open through ..", "%s", read_file("../sub/./f.txt"));
    struct stat st;
    result("stat(.)", stat(".", &st));
    say("stat(.) is a directory", "%s", yes(S_ISDIR(st.st_mode)));
    result("chdir(..)", chdir(".."));
    getcwd(here, sizeof here);
    say("getcwd is dir again", "%s", yes(strcmp(here, dir) == 0));
    result("chdir(nope)", chdir("nope"));
    result("chdir(sub/f.txt)", chdir("sub/f.txt"));
    result("chdir(\"\")", chdir(""));
    say("getcwd(buffer, 2)", "%s", getcwd(here, 2) ? "ok" : errno_name(errno));
    say("getcwd(buffer, 0)", "%s", getcwd(here, 0) ? "ok" : errno_name(errno));
    char *made = getcwd(NULL, 0);
    say("getcwd(NULL, 0) allocates", "%s", yes(made && strcmp(made, dir) == 0));
    free(made);
    DIR *d = opendir("sub");
    struct dirent *e = NULL;
    while (d && (e = readdir(d)) && (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))) {
    }
    say("opendir(sub) lists", "%s", e ? e->d_name : errno_name(errno));
    if (d) closedir(d);
    result("mkdir(rel)", mkdir("rel", 0755));
    result("unlink(sub/f.txt)", unlink("sub/f.txt"));
    result("access(sub, F_OK)", access("sub", F_OK));
    result("access(sub/f.txt, F_OK)", access("sub/f.txt", F_OK));
    // A child starts in its parent's working directory.
    result("chdir(sub)", chdir("sub"));
    fflush(stdout);
    say("child in sub", "%s", wait_for(start(NULL, "cwd-ends-in", "/sub", NULL)));
}

static void check_env(void) {
    say("getenv(RVOS_NOT_SET)", "%s", getenv("RVOS_NOT_SET") ? "set" : "NULL");
    result("setenv(RVOS_A, one)", setenv("RVOS_A", "one", 1));
    say("getenv(RVOS_A)", "%s", getenv("RVOS_A"));
    result("setenv(RVOS_A, two, 0)", setenv("RVOS_A", "two", 0));
    say("getenv(RVOS_A) kept", "%s", getenv("RVOS_A"));
    result("setenv(RVOS_A, three, 1)", setenv("RVOS_A", "three", 1));
    say("getenv(RVOS_A) replaced", "%s", getenv("RVOS_A"));
    result("setenv(A=B, x)", setenv("A=B", "x", 1));
    result("setenv(\"\", x)", setenv("", "x", 1));
    int found = 0;
    for (char **e = environ; *e; e++) found += strcmp(*e, "RVOS_A=three") == 0;
    say("environ has RVOS_A=three", "%d", found);
    fflush(stdout);
    say("child inherits it", "%s", wait_for(start(NULL, "env-is", "RVOS_A", "three")));
    char *only[] = {"RVOS_B=given", NULL};
    say("child given an environment", "%s", wait_for(start(only, "env-is", "RVOS_B", "given")));
    say("which has no RVOS_A", "%s", wait_for(start(only, "env-is", "RVOS_A", "(unset)")));
    result("unsetenv(RVOS_A)", unsetenv("RVOS_A"));
    say("getenv(RVOS_A) after unsetenv", "%s", getenv("RVOS_A") ? getenv("RVOS_A") : "NULL");
    say("child no longer sees it", "%s", wait_for(start(NULL, "env-is", "RVOS_A", "(unset)")));
}

static void check_spawn(void) {
    pid_t pids[3];
    for (int i = 0; i < 3; i++) {
        char code[4];
        snprintf(code, sizeof code, "%d", i + 1);
        pids[i] = start(NULL, "exit", code, NULL);
    }
    int codes = 0;  // which exit codes came back, as bits
    int count = 0;
    for (int i = 0; i < 3; i++) {
        int status;
        pid_t got = waitpid(-1, &status, 0);
        int known = got == pids[0] || got == pids[1] || got == pids[2];
        if (known && WIFEXITED(status)) codes |= 1 << WEXITSTATUS(status), count++;
    }
    say("waitpid(-1) reaps three children, exits 1 2 3", "%d %#x", count, codes);
    int status;
    result("waitpid(-1) with none left", waitpid(-1, &status, 0));
    result("wait with none left", wait(&status));
    result("waitpid(getpid())", waitpid(getpid(), &status, 0));
    pid_t slow = start(NULL, "sleep", "1", NULL);
    say("waitpid(WNOHANG) while it runs", "%d", (int)waitpid(slow, &status, WNOHANG));
    say("then waitpid", "%s", wait_for(slow));
    char *argv[] = {"no-such-program", NULL};
    pid_t pid;
    say("posix_spawn(no-such-program)", "%s", errno_name(posix_spawn(&pid, "no-such-program", NULL, NULL, argv, environ)));
    // system: no shell, the program runs directly; a shell's exit statuses.
    say("system(NULL)", "%s", yes(system(NULL) != 0));
    char command[512];
    snprintf(command, sizeof command, "%s child exit 3", self);
    say("system(child exit 3)", "%s", how(system(command)));
    fflush(stdout);
    snprintf(command, sizeof command, "%s child args 'a b' \"c  d\" e\\ f", self);
    say("system(child args 'a b' \"c  d\" e\\ f)", "%s", how(system(command)));
    say("system(no-such-program)", "%s", how(system("no-such-program")));
}

static void check_tmp(void) {
    FILE *t = tmpfile();
    say("tmpfile", "%s", yes(t != NULL));
    fputs("scratch", t);
    rewind(t);
    char back[16] = {0};
    say("tmpfile reads back", "%s", fgets(back, sizeof back, t));
    fclose(t);
    char name[] = "tmp-XXXXXX";
    int fd = mkstemp(name);
    say("mkstemp", "%s", yes(fd >= 0 && strncmp(name, "tmp-", 4) == 0 && strcmp(name + 4, "XXXXXX") != 0));
    say("mkstemp'd file is there and empty", "%s", yes(access(name, F_OK) == 0 && lseek(fd, 0, SEEK_END) == 0));
    result("write to it", write(fd, "x", 1) == 1 ? 0 : -1);
    close(fd);
    unlink(name);
    char bad[] = "tmp-XXX";
    result("mkstemp(tmp-XXX)", mkstemp(bad));
    char *n = tmpnam(NULL);
    say("tmpnam names nothing yet, in /tmp", "%s", yes(n && access(n, F_OK) != 0 && errno == ENOENT &&
                                                       strncmp(n, "/tmp/", 5) == 0));
    char mine[L_tmpnam];
    say("tmpnam into a buffer of L_tmpnam", "%s", yes(tmpnam(mine) == mine && strncmp(mine, "/tmp/", 5) == 0));
    int fresh = open(mine, O_RDWR | O_CREAT | O_EXCL, 0600);
    say("its name can be created", "%s", yes(fresh >= 0));
    close(fresh);
    unlink(mine);
}

static void check_io_errors(void) {
    write_file("ro.txt", "read only");
    mkdir("dir", 0755);
    int fd = open("ro.txt", O_RDONLY);
    OUTCOME("write to an O_RDONLY descriptor", write(fd, "x", 1));
    close(fd);
    fd = open("ro.txt", O_WRONLY);
    char byte;
    OUTCOME("read from an O_WRONLY descriptor", read(fd, &byte, 1));
    close(fd);
    say("file unchanged", "%s", read_file("ro.txt"));
    FILE *f = fopen("ro.txt", "r");
    OUTCOME("fwrite to a stream opened \"r\"", fwrite("x", 1, 1, f));
    say("and ferror", "%d", ferror(f) != 0);
    OUTCOME("fputs to it", fputs("x", f) == EOF ? -1 : 0);
    fclose(f);
    f = fopen("w.txt", "w");
    OUTCOME("fgetc from a stream opened \"w\"", fgetc(f));
    fclose(f);
    fd = open("dir", O_RDONLY);
    OUTCOME("read from a directory", read(fd, &byte, 1));
    close(fd);
    OUTCOME("open(dir, O_WRONLY)", open("dir", O_WRONLY));
    f = fopen("dir", "r");
    char buffer[8];
    OUTCOME("fread from a directory", fread(buffer, 1, sizeof buffer, f));
    say("and ferror, feof", "%d %d", ferror(f) != 0, feof(f) != 0);
    fclose(f);
    fd = open("ro.txt", O_RDONLY);
    OUTCOME("isatty(file)", isatty(fd));
    close(fd);
    OUTCOME("isatty(-1)", isatty(-1));
    OUTCOME("isatty(closed descriptor)", isatty(fd));
    // stdio positions: ungetc, ftell, fseek, append.
    write_file("pos.txt", "0123456789");
    f = fopen("pos.txt", "r+");
    int c = fgetc(f);
    ungetc(c, f);
    say("ftell after ungetc", "%ld", ftell(f));
    fseek(f, 4, SEEK_SET);
    say("fgetc after fseek(4)", "%c", fgetc(f));
    fseek(f, 0, SEEK_CUR);
    fputs("ab", f);
    say("ftell after writing", "%ld", ftell(f));
    fseek(f, -1, SEEK_END);
    say("fgetc at the end - 1", "%c", fgetc(f));
    fclose(f);
    say("pos.txt", "%s", read_file("pos.txt"));
    f = fopen("pos.txt", "a");
    fputs("!", f);
    fclose(f);
    say("after append", "%s", read_file("pos.txt"));
    // Buffered output is written out by fflush(NULL), and by exit().
    f = fopen("flushed.txt", "w");
    fputs("by fflush(NULL)", f);
    result("fflush(NULL)", fflush(NULL));
    say("flushed.txt", "%s", read_file("flushed.txt"));
    fclose(f);
    fflush(stdout);
    say("child exiting with a file unclosed", "%s", wait_for(start(NULL, "leave-open", "at-exit.txt", NULL)));
    say("at-exit.txt", "%s", read_file("at-exit.txt"));
}

// ---- stdio in blocks ---------------------------------------------------------

// The file contents the stdio check writes and expects: byte i of a file.
static unsigned char pattern(size_t i) { return (unsigned char)(i * 7 + i / 1000); }

// Whether `length` bytes at `data` are the pattern from file offset `from`.
static const char *is_pattern(const unsigned char *data, size_t length, size_t from) {
    for (size_t i = 0; i < length; i++)
        if (data[i] != pattern(from + i)) return "no";
    return "yes";
}

// The whole file through read(2), not stdio: what stdio has written out.
static size_t file_bytes(const char *path, unsigned char *out, size_t size) {
    int fd = open(path, O_RDONLY);
    size_t total = 0;
    ssize_t n;
    while (fd >= 0 && total < size && (n = read(fd, out + total, size - total)) > 0) total += (size_t)n;
    if (fd >= 0) close(fd);
    return total;
}

// What fgets gave, its newline shown as \n.
static const char *shown(const char *line) {
    static char text[64];
    if (!line) return "NULL";
    size_t n = strcspn(line, "\n");
    snprintf(text, sizeof text, "%.*s%s", (int)n, line, line[n] ? "\\n" : "");
    return text;
}

static void flags(const char *what, FILE *f) {
    say(what, "ftell %ld feof %d ferror %d", ftell(f), feof(f) != 0, ferror(f) != 0);
}

#define BIG 150000  // more than two stdio buffers of the guest (64 KiB) and the host (4 KiB)
static unsigned char big[BIG + 100], back[BIG + 100];

static void check_stdio(void) {
    for (size_t i = 0; i < BIG; i++) big[i] = pattern(i);
    // Calls of mixed sizes, small ones buffered and large ones past the buffer.
    static const size_t sizes[] = {1, 100, 3, 70000, 7, 65536, 1000, 13353};
    FILE *f = fopen("big.dat", "w");
    size_t at = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        if (fwrite(big + at, 1, sizes[k], f) != sizes[k]) say("fwrite failed at", "%zu", at);
        at += sizes[k];
    }
    say("fwrite in calls of mixed sizes", "%zu bytes, ftell %ld", at, ftell(f));
    result("fclose", fclose(f));
    size_t n = file_bytes("big.dat", back, sizeof back);
    say("the file holds them in order", "%zu bytes, %s", n, is_pattern(back, n, 0));
    // Reading it back in elements of mixed sizes.
    f = fopen("big.dat", "r");
    memset(back, 0, sizeof back);
    static const size_t reads[] = {1, 5000, 17, 65536, 3, 70000, 20000};
    at = 0;
    for (size_t k = 0; k < sizeof reads / sizeof reads[0]; k++) {
        size_t got = fread(back + at, 1, reads[k], f);
        say("fread", "%zu of %zu, pattern %s", got, reads[k], is_pattern(back + at, got, at));
        at += got;
    }
    flags("after reading past the end", f);
    say("fread at the end", "%zu", fread(back, 1, 10, f));
    clearerr(f);
    flags("after clearerr", f);
    rewind(f);
    n = fread(back, 1, BIG, f);
    say("fread of exactly the file", "%zu, pattern %s", n, is_pattern(back, BIG, 0));
    flags("then", f);
    say("one byte more", "%zu", fread(back, 1, 1, f));
    flags("then", f);
    // fgetc, ungetc, fread and fgets mixed, with fseek and ftell.
    rewind(f);
    int c = fgetc(f);
    say("fgetc", "%s", yes(c == pattern(0)));
    ungetc(c, f);
    flags("after ungetc", f);
    n = fread(back, 1, 30000, f);
    say("fread after ungetc", "%zu, pattern %s", n, is_pattern(back, 30000, 0));
    flags("then", f);
    ungetc('X', f);
    flags("after ungetc of another byte", f);
    n = fread(back, 1, 4, f);
    say("fread after it", "%zu, X first %s, pattern after %s", n, yes(back[0] == 'X'), is_pattern(back + 1, 3, 30000));
    flags("then", f);
    fseek(f, -20000, SEEK_CUR);
    flags("fseek -20000 from there", f);
    c = fgetc(f);
    say("fgetc", "%s", yes(c == pattern(10003)));
    n = fread(back, 1, 100, f);
    say("fread", "%zu, pattern %s", n, is_pattern(back, 100, 10004));
    fseek(f, 5, SEEK_END);
    flags("fseek past the end", f);
    say("fread there", "%zu", fread(back, 1, 10, f));
    flags("then", f);
    fseek(f, -3, SEEK_END);
    say("fgetc 3 before the end", "%s", yes(fgetc(f) == pattern(BIG - 3)));
    fclose(f);
    // Partial elements at the end: whole ones are counted, the rest is read.
    write_file("ten.txt", "0123456789");
    f = fopen("ten.txt", "r");
    memset(back, 0, sizeof back);
    say("fread 3 elements of 4 from 10 bytes", "%zu", fread(back, 4, 3, f));
    say("the bytes", "%s", back);
    flags("then", f);
    rewind(f);
    memset(back, 0, sizeof back);
    say("fread 5 elements of 3", "%zu", fread(back, 3, 5, f));
    say("the bytes", "%s", back);
    rewind(f);
    // Zero sizes and a size * nmemb that overflows move nothing.
    say("fread with size 0", "%zu", fread(back, 0, 5, f));
    say("fread with nmemb 0", "%zu", fread(back, 5, 0, f));
    say("fread of 2 * (SIZE_MAX / 2 + 1)", "%zu", fread(back, 2, SIZE_MAX / 2 + 1, f));
    flags("then", f);
    fclose(f);
    f = fopen("ten.txt", "a");
    say("fwrite with size 0", "%zu", fwrite("abc", 0, 3, f));
    say("fwrite with nmemb 0", "%zu", fwrite("abc", 3, 0, f));
    say("fwrite of 2 * (SIZE_MAX / 2 + 1)", "%zu", fwrite("abc", 2, SIZE_MAX / 2 + 1, f));
    flags("then", f);
    fclose(f);
    say("ten.txt", "%s", read_file("ten.txt"));
    // Lines: fgets across buffers and the last line without a newline.
    f = fopen("lines.txt", "w");
    fputs("line one\nline two\n", f);
    for (int i = 0; i < 70000; i++) fputc('a' + i % 26, f);
    fputs("\nlast", f);
    fclose(f);
    f = fopen("lines.txt", "r");
    static char line[80000];
    say("fgets", "%s", shown(fgets(line, sizeof line, f)));
    say("fread 5", "%zu %.5s", fread(line, 1, 5, f), line);
    say("fgets of 4 bytes", "%s", shown(fgets(line, 4, f)));
    say("fgetc", "%d", fgetc(f));
    fseek(f, -4, SEEK_CUR);
    say("fgets after fseek -4", "%s", shown(fgets(line, sizeof line, f)));
    flags("then", f);
    char *got = fgets(line, sizeof line, f);
    say("fgets of the long line", "%zu bytes, ends in a newline %s", got ? strlen(line) : 0,
        yes(got && line[strlen(line) - 1] == '\n'));
    flags("then", f);
    say("fgets of the last line", "%s", shown(fgets(line, sizeof line, f)));
    flags("then", f);
    say("fgets at the end", "%s", shown(fgets(line, sizeof line, f)));
    fseek(f, 100, SEEK_SET);
    say("fgets of 1 byte", "%s", fgets(line, 1, f) == line && line[0] == 0 ? "empty" : "other");
    say("fgets of 11 bytes in the long line", "%s", shown(fgets(line, 11, f)));
    fclose(f);
    // "r+": reading, then writing after an fseek, then reading after fflush.
    write_file("rw.txt", "abcdefghij");
    f = fopen("rw.txt", "r+");
    say("fread 3", "%zu %.3s", fread(line, 1, 3, f), line);
    fseek(f, 0, SEEK_CUR);
    say("fwrite XYZ", "%zu", fwrite("XYZ", 1, 3, f));
    flags("then", f);
    fflush(f);
    say("fread 2 after fflush", "%zu %.2s", fread(line, 1, 2, f), line);
    flags("then", f);
    fseek(f, 1, SEEK_SET);
    say("fwrite of 70000 after fseek 1", "%zu", fwrite(big, 1, 70000, f));
    flags("then", f);
    fseek(f, 0, SEEK_SET);
    n = fread(back, 1, sizeof back, f);
    say("all of it", "%zu bytes, a first %s, pattern %s", n, yes(back[0] == 'a'), is_pattern(back + 1, 70000, 0));
    flags("then", f);
    fclose(f);
    // fwrite, then fread of it after fseek ("w+"), large and small.
    f = fopen("wr.dat", "w+");
    say("fwrite 70000", "%zu", fwrite(big, 1, 70000, f));
    fwrite("hello world", 1, 11, f);
    flags("then", f);
    fseek(f, 0, SEEK_SET);
    n = fread(back, 1, 70000, f);
    say("fread 70000 after fseek 0", "%zu, pattern %s", n, is_pattern(back, 70000, 0));
    fseek(f, -5, SEEK_END);
    say("fread 10 of the last 5", "%zu %.5s", fread(line, 1, 10, f), line);
    flags("then", f);
    fclose(f);
    // Append: "a" writes at the end, "a+" reads from the start and writes at the end.
    write_file("app.txt", "hello");
    f = fopen("app.txt", "a");
    flags("\"a\" at open", f);
    say("fwrite 70000", "%zu", fwrite(big, 1, 70000, f));
    flags("then", f);
    fclose(f);
    n = file_bytes("app.txt", back, sizeof back);
    say("app.txt", "%zu bytes, %.5s first, pattern after %s", n, back, is_pattern(back + 5, n - 5, 0));
    write_file("app.txt", "hello");
    f = fopen("app.txt", "a+");
    flags("\"a+\" at open", f);
    say("fread 2", "%zu %.2s", fread(line, 1, 2, f), line);
    say("fwrite XY", "%zu", fwrite("XY", 1, 2, f));
    flags("then", f);
    fseek(f, 0, SEEK_SET);
    memset(line, 0, 64);
    say("all of it", "%zu %s", fread(line, 1, 63, f), line);
    fclose(f);
    // Buffering: written out at fflush; at once when unbuffered.
    f = fopen("buf.txt", "w");
    fwrite("0123456789", 1, 10, f);
    say("before fflush the file holds", "%zu bytes", file_bytes("buf.txt", back, sizeof back));
    fflush(f);
    say("after fflush", "%zu bytes", file_bytes("buf.txt", back, sizeof back));
    setvbuf(f, NULL, _IONBF, 0);
    fwrite("abc", 1, 3, f);
    fputs("de", f);
    say("unbuffered, at once", "%zu bytes", file_bytes("buf.txt", back, sizeof back));
    fclose(f);
    // The wrong direction: EBADF and the error flag, nothing moved.
    f = fopen("ten.txt", "r");
    OUTCOME("fwrite of 70000 to a stream opened \"r\"", fwrite(big, 1, 70000, f));
    flags("then", f);
    fclose(f);
    say("ten.txt", "%s", read_file("ten.txt"));
    f = fopen("w.txt", "w");
    OUTCOME("fread of 70000 from a stream opened \"w\"", fread(back, 1, 70000, f));
    flags("then", f);
    fclose(f);
}

// Guest only (a host's system() has a shell): what system() refuses to run
// rather than run wrongly.
static void check_no_shell(void) {
    static const char *const commands[] = {"libc child exit 3 | libc", "libc child exit 3 > out", "X=1 libc child exit 3",
                                           "libc child env-is HOME $HOME", "libc child exit 'unterminated"};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        errno = 0;
        int status = system(commands[i]);
        int error = errno;
        say(commands[i], "%d %s", status, errno_name(error));
    }
    say("system(\"\")", "%s", how(system("")));
    say("system(\"  # only a comment\")", "%s", how(system("  # only a comment")));
}

// ---- Children ----------------------------------------------------------------

// Pipes, dup, dup2, posix_spawn's file actions, popen and pclose.
static unsigned long pattern_sum(const unsigned char *data, size_t n, size_t at) {
    unsigned long sum = 0;
    for (size_t i = 0; i < n; i++) sum += data[i] * ((at + i) % 251 + 1);
    return sum;
}

static void read_all(int fd, size_t *count, unsigned long *sum) {
    static unsigned char buffer[3000];  // not a multiple of a message
    ssize_t n;
    *count = 0;
    *sum = 0;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
        *sum += pattern_sum(buffer, (size_t)n, *count);
        *count += (size_t)n;
    }
}

// A child with its descriptor `fd` set to `to` (the other end closed) by
// file actions: `libc child <a> <b>`.
static pid_t start_with(int to, int fd, int close_fd, const char *a, const char *b) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to, fd);
    if (close_fd >= 0) posix_spawn_file_actions_addclose(&actions, close_fd);
    char *argv[] = {(char *)self, "child", (char *)a, (char *)b, NULL};
    pid_t pid = -1;
    int error = posix_spawn(&pid, self, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error) say("posix_spawn with file actions", "%s", errno_name(error));
    return pid;
}

static void check_pipe(void) {
    int p[2];
    char buffer[64] = {0};
    result("pipe", pipe(p));
    OUTCOME("write 5 bytes", write(p[1], "hello", 5));
    OUTCOME("read them", read(p[0], buffer, sizeof buffer));
    say("they are", "%s", buffer);
    OUTCOME("read from the write end", read(p[1], buffer, 1));
    OUTCOME("write to the read end", write(p[0], "x", 1));
    OUTCOME("lseek on a pipe", lseek(p[0], 0, SEEK_SET));
    struct stat st;
    say("fstat says FIFO", "%s", yes(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode)));
    OUTCOME("isatty on a pipe", isatty(p[0]));
    int copy = dup(p[1]);
    say("dup gives the lowest free descriptor above", "%s", yes(copy > p[1]));
    result("close the original write end", close(p[1]));
    OUTCOME("write through the dup", write(copy, "dup", 3));
    result("close the dup", close(copy));
    memset(buffer, 0, sizeof buffer);
    OUTCOME("read what the dup wrote", read(p[0], buffer, sizeof buffer));
    say("it is", "%s", buffer);
    OUTCOME("read once every writer is closed (end of file)", read(p[0], buffer, sizeof buffer));
    result("close the read end", close(p[0]));
    OUTCOME("dup of a closed descriptor", dup(p[0]));
    OUTCOME("dup2 of a closed descriptor", dup2(p[0], 20));
    // No reader: SIGPIPE ignored, the write fails with EPIPE.
    signal(SIGPIPE, SIG_IGN);
    result("pipe", pipe(p));
    close(p[0]);
    OUTCOME("write with no reader", write(p[1], "x", 1));
    close(p[1]);
    signal(SIGPIPE, SIG_DFL);
    // A child writing 300000 bytes (more than a pipe holds) into a pipe.
    pipe(p);
    pid_t pid = start_with(p[1], 1, p[0], "produce", "300000");
    close(p[1]);
    size_t count;
    unsigned long sum;
    read_all(p[0], &count, &sum);
    close(p[0]);
    say("a child's 300000 bytes through a pipe", "%zu bytes, sum %lu, %s", count, sum, wait_for(pid));
    // Its stderr into a pipe: only what it wrote there.
    pipe(p);
    pid = start_with(p[1], 2, p[0], "to-stderr", "oops");
    close(p[1]);
    memset(buffer, 0, sizeof buffer);
    read_all(p[0], &count, &sum);
    close(p[0]);
    say("a child's stderr through a pipe", "%zu bytes, %s", count, wait_for(pid));
    // dup2 onto stdout, and back.
    fflush(stdout);
    int saved = dup(1);
    int file = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    OUTCOME("dup2 a file onto stdout", dup2(file, 1));
    close(file);
    printf("this line went to the file\n");
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    say("the file holds", "%s", read_file("out"));
    // popen: "r" reads its output, "w" writes its input.
    char command[512];
    snprintf(command, sizeof command, "%s child args 'a b' c", self);
    FILE *in = popen(command, "r");
    say("popen r", "%s", yes(in != NULL));
    char line[128];
    while (in && fgets(line, sizeof line, in)) say("popen r read", "%.*s", (int)strcspn(line, "\n"), line);
    say("pclose", "%s", in ? how(pclose(in)) : "-");
    snprintf(command, sizeof command, "%s child count", self);
    FILE *out = popen(command, "w");
    say("popen w", "%s", yes(out != NULL));
    for (int i = 0; out && i < 10000; i++) fputs("0123456789", out);
    fflush(stdout);
    say("pclose", "%s", out ? how(pclose(out)) : "-");
    snprintf(command, sizeof command, "%s child exit 4", self);
    in = popen(command, "r");
    say("pclose of a child that exits 4", "%s", in ? how(pclose(in)) : "-");
}

static int child(int argc, char **argv) {
    const char *what = argc > 2 ? argv[2] : "";
    if (!strcmp(what, "exit") && argc > 3) return atoi(argv[3]);
    if (!strcmp(what, "raise") && argc > 3) {
        raise(atoi(argv[3]));
        return 100;
    }
    if (!strcmp(what, "abort")) abort();
    if (!strcmp(what, "abort-handled")) {
        signal(SIGABRT, on_signal);
        abort();
    }
    if (!strcmp(what, "sleep") && argc > 3) {
        sleep((unsigned)atoi(argv[3]));
        return 0;
    }
    if (!strcmp(what, "leave-open") && argc > 3) {
        FILE *f = fopen(argv[3], "w");
        fputs("written at exit", f);
        exit(0);
    }
    if (!strcmp(what, "spin")) {
        spin(0.3);
        return 0;
    }
    if (!strcmp(what, "ppid-is") && argc > 3) return getppid() == atoi(argv[3]) ? 0 : 1;
    if (!strcmp(what, "cwd-ends-in") && argc > 3) {
        char here[4096];
        if (!getcwd(here, sizeof here)) return 2;
        size_t n = strlen(here), m = strlen(argv[3]);
        return n >= m && !strcmp(here + n - m, argv[3]) ? 0 : 1;
    }
    if (!strcmp(what, "env-is") && argc > 4) {
        const char *value = getenv(argv[3]);
        return !strcmp(value ? value : "(unset)", argv[4]) ? 0 : 1;
    }
    if (!strcmp(what, "with-env") && argc > 3) {  // with-env NAME=VALUE... program args...
        int i = 3;
        while (i < argc && strchr(argv[i], '=')) {
            char *eq = strchr(argv[i], '=');
            *eq = 0;
            setenv(argv[i], eq + 1, 1);
            i++;
        }
        if (i == argc) return 99;
        pid_t pid;
        int error = posix_spawnp(&pid, argv[i], NULL, NULL, argv + i, environ);
        if (error) {
            printf("with-env: %s: %s\n", argv[i], errno_name(error));
            return 127;
        }
        int status = 0;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (!strcmp(what, "produce") && argc > 3) {  // the pattern check_pipe sums, to stdout
        static unsigned char block[4096];
        size_t total = (size_t)atol(argv[3]), done = 0;
        while (done < total) {
            size_t n = total - done < sizeof block ? total - done : sizeof block;
            for (size_t i = 0; i < n; i++) block[i] = (unsigned char)((done + i) * 7 % 256);
            if (fwrite(block, 1, n, stdout) != n) return 1;
            done += n;
        }
        return 0;
    }
    if (!strcmp(what, "to-stderr") && argc > 3) {
        fprintf(stderr, "%s\n", argv[3]);
        return 0;
    }
    if (!strcmp(what, "count")) {  // bytes on stdin
        size_t count = 0;
        int c;
        while ((c = getchar()) != EOF) count++;
        printf("libc child count: %zu bytes on stdin\n", count);
        return 0;
    }
    if (!strcmp(what, "args")) {
        for (int i = 3; i < argc; i++) printf("  argv[%d] = [%s]\n", i - 2, argv[i]);
        return 0;
    }
    return 99;
}

int main(int argc, char **argv) {
    self = argv[0];
    if (argc > 1 && !strcmp(argv[1], "child")) return child(argc, argv);
    if (argc < 3) {
        printf("usage: libc pid|signal|time|rename|cwd|env|spawn|tmp|io|stdio|no-shell|pipe <dir>\n");
        return 2;
    }
    check_name = argv[1];
    const char *dir = argv[2];
    if (strcmp(check_name, "cwd") != 0 && chdir(dir) != 0) {
        printf("libc: chdir %s: %s\n", dir, strerror(errno));
        return 2;
    }
    if (!strcmp(check_name, "pid")) check_pid();
    else if (!strcmp(check_name, "signal")) check_signal();
    else if (!strcmp(check_name, "time")) check_time();
    else if (!strcmp(check_name, "rename")) check_rename();
    else if (!strcmp(check_name, "cwd")) check_cwd(dir);
    else if (!strcmp(check_name, "env")) check_env();
    else if (!strcmp(check_name, "spawn")) check_spawn();
    else if (!strcmp(check_name, "tmp")) check_tmp();
    else if (!strcmp(check_name, "io")) check_io_errors();
    else if (!strcmp(check_name, "stdio")) check_stdio();
    else if (!strcmp(check_name, "no-shell")) check_no_shell();
    else if (!strcmp(check_name, "pipe")) check_pipe();
    else {
        printf("libc: unknown check %s\n", check_name);
        return 2;
    }
    printf("%s: done\n", check_name);
    return 0;
}
