// Running a line: parse it (parse.h), then run its pipeline. A command is
// a builtin (cd, pwd, export, unset, exit, sh, run, and main.cpp's table)
// or a program, found through posix_spawnp (PATH). Pipes connect the
// commands; redirections open files in the shell, which hands them to the
// program as its descriptors 0-2 — or, for a builtin, puts them there for
// the builtin's run. Variables: NAME=value alone sets a shell variable,
// `export` puts one in the environment programs get, NAME=value before a
// command sets it for that command only; $? is the last status.
#define _DEFAULT_SOURCE  // setenv, strdup
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shell.h"

extern "C" char** environ;

namespace shell {

namespace {

int status = 0;
bool exiting = false;
int script_depth = 0;

// ---- Variables ------------------------------------------------------------------

struct Variable {
    char* name;
    char* value;
};
constexpr size_t kMaxVariables = 32;
Variable variables[kMaxVariables];
size_t variable_count = 0;

Variable* find_variable(const char* name) {
    for (size_t i = 0; i < variable_count; i++)
        if (!strcmp(variables[i].name, name)) return &variables[i];
    return nullptr;
}

void forget_variable(const char* name) {
    Variable* v = find_variable(name);
    if (!v) return;
    free(v->name);
    free(v->value);
    *v = variables[--variable_count];
}

const char* lookup(const char* name, void*) {
    static char text[16];
    if (!strcmp(name, "?")) {
        snprintf(text, sizeof text, "%d", status);
        return text;
    }
    Variable* v = find_variable(name);
    return v ? v->value : getenv(name);
}

// NAME=value: the environment's if exported, else the shell's own.
void assign(const char* assignment) {
    const char* equals = strchr(assignment, '=');
    char name[64];
    size_t length = static_cast<size_t>(equals - assignment);
    if (length >= sizeof name) return (void)printf("shell: variable name too long\n");
    memcpy(name, assignment, length);
    name[length] = 0;
    if (getenv(name)) {
        setenv(name, equals + 1, 1);
        return;
    }
    Variable* v = find_variable(name);
    if (!v && variable_count == kMaxVariables) return (void)printf("shell: too many variables\n");
    char* value = strdup(equals + 1);
    if (!value) return (void)printf("shell: %s\n", strerror(ENOMEM));
    if (v) {
        free(v->value);
        v->value = value;
        return;
    }
    variables[variable_count++] = Variable{strdup(name), value};
}

// ---- Builtins with words ---------------------------------------------------------

int builtin_cd(int argc, const char* const* argv) {
    const char* to = argc > 1 ? argv[1] : getenv("HOME");
    if (!to) to = "/";
    if (chdir(to) != 0) {
        printf("cd: %s: %s\n", to, strerror(errno));
        return 1;
    }
    char here[kMaxPath];
    if (getcwd(here, sizeof here)) setenv("PWD", here, 1);
    return 0;
}

// Its words separated by single spaces, as a POSIX shell's echo prints them.
int builtin_echo(int argc, const char* const* argv) {
    for (int i = 1; i < argc; i++) printf(i > 1 ? " %s" : "%s", argv[i]);
    putchar('\n');
    return 0;
}

int builtin_pwd(int, const char* const*) {
    char here[kMaxPath];
    if (!getcwd(here, sizeof here)) {
        printf("pwd: %s\n", strerror(errno));
        return 1;
    }
    puts(here);
    return 0;
}

int builtin_export(int argc, const char* const* argv) {
    if (argc == 1) {
        for (char** e = environ; e && *e; e++) printf("export %s\n", *e);
        return 0;
    }
    int result = 0;
    for (int i = 1; i < argc; i++) {
        const char* equals = strchr(argv[i], '=');
        size_t length = equals ? static_cast<size_t>(equals - argv[i]) : strlen(argv[i]);
        char name[64];
        if (!parse::is_name(argv[i], length) || length >= sizeof name) {
            printf("export: %s: not a valid name\n", argv[i]);
            result = 1;
            continue;
        }
        memcpy(name, argv[i], length);
        name[length] = 0;
        Variable* v = find_variable(name);
        const char* value = equals ? equals + 1 : v ? v->value : getenv(name) ? getenv(name) : "";
        setenv(name, value, 1);
        forget_variable(name);
    }
    return result;
}

int builtin_unset(int argc, const char* const* argv) {
    for (int i = 1; i < argc; i++) {
        forget_variable(argv[i]);
        unsetenv(argv[i]);
    }
    return 0;
}

int builtin_exit(int argc, const char* const* argv) {
    int code = argc > 1 ? atoi(argv[1]) : status;
    if (script_depth == 0) {
        printf("exit: the console's shell stays (type shutdown to power off)\n");
        return 1;
    }
    exiting = true;
    return code & 0xff;
}

int builtin_sh(int argc, const char* const* argv) {
    if (argc == 3 && !strcmp(argv[1], "-c")) {
        script_depth++;
        run_line(argv[2]);
        script_depth--;
        exiting = false;
        return status;
    }
    if (argc != 2) {
        printf("usage: sh <file> | sh -c <command>\n");
        return 2;
    }
    return run_script(argv[1]);
}

struct WordBuiltin {
    const char* name;
    int (*run)(int argc, const char* const* argv);
};
constexpr WordBuiltin kWordBuiltins[] = {
    {"echo", builtin_echo},     {"cd", builtin_cd},     {"pwd", builtin_pwd},   {"export", builtin_export},
    {"unset", builtin_unset},   {"exit", builtin_exit}, {"sh", builtin_sh},
};

const WordBuiltin* word_builtin(const char* name) {
    for (const WordBuiltin& b : kWordBuiltins)
        if (!strcmp(b.name, name)) return &b;
    return nullptr;
}

// A builtin of either kind; its status.
int run_any_builtin(int argc, const char* const* argv) {
    if (const WordBuiltin* b = word_builtin(argv[0])) return b->run(argc, argv);
    // main.cpp's builtins take the rest of the line as one string.
    size_t length = 0;
    for (int i = 1; i < argc; i++) length += strlen(argv[i]) + 1;
    char* rest = static_cast<char*>(malloc(length + 1));
    if (!rest) return printf("shell: %s\n", strerror(ENOMEM)), 1;
    rest[0] = 0;
    for (int i = 1; i < argc; i++) {
        if (i > 1) strcat(rest, " ");
        strcat(rest, argv[i]);
    }
    run_builtin(argv[0], rest);
    free(rest);
    return 0;
}

// ---- Redirections and pipes ------------------------------------------------------

// Descriptors the shell opened for the line's commands, closed once the
// programs have them.
int opened[parse::kMaxStages * (parse::kMaxRedirects + 2)];
size_t opened_count = 0;

int keep(int fd) {
    if (fd >= 0) opened[opened_count++] = fd;
    return fd;
}

void close_opened() {
    while (opened_count) close(opened[--opened_count]);
}

// Applies a command's redirections to its descriptors 0-2 (fds[i] -1: the
// shell's own i); false after saying why.
bool redirect(const parse::Command& command, int fds[3]) {
    for (size_t i = 0; i < command.redirect_count; i++) {
        const parse::Redirect& r = command.redirects[i];
        if (r.fd > 2 || (r.kind == parse::RedirectKind::Dup && r.from > 2)) {
            printf("shell: only descriptors 0, 1 and 2 can be redirected\n");
            return false;
        }
        if (r.kind == parse::RedirectKind::Dup) {
            fds[r.fd] = fds[r.from] >= 0 ? fds[r.from] : keep(dup(r.from));
            continue;
        }
        int flags = r.kind == parse::RedirectKind::In      ? O_RDONLY
                    : r.kind == parse::RedirectKind::Out   ? O_WRONLY | O_CREAT | O_TRUNC
                                                           : O_WRONLY | O_CREAT | O_APPEND;
        int fd = keep(open(r.path, flags, 0644));
        if (fd < 0) {
            printf("shell: %s: %s\n", r.path, strerror(errno));
            return false;
        }
        fds[r.fd] = fd;
    }
    return true;
}

// The environment for a command with NAME=value assignments before it
// (null: none; free the array).
const char** environment_with(const parse::Command& command) {
    if (command.assignment_count == 0) return nullptr;
    size_t n = 0;
    while (environ && environ[n]) n++;
    auto** env = static_cast<const char**>(malloc((n + command.assignment_count + 1) * sizeof(char*)));
    if (!env) return nullptr;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        bool replaced = false;
        for (size_t a = 0; a < command.assignment_count; a++) {
            size_t length = static_cast<size_t>(strchr(command.assignments[a], '=') - command.assignments[a]);
            replaced |= !strncmp(environ[i], command.assignments[a], length + 1);
        }
        if (!replaced) env[count++] = environ[i];
    }
    for (size_t a = 0; a < command.assignment_count; a++) env[count++] = command.assignments[a];
    env[count] = nullptr;
    return env;
}

// Runs a builtin with its descriptors 0-2 in place; its status.
int run_builtin_with(const char* const* argv, int argc, const int fds[3]) {
    int saved[3] = {-1, -1, -1};
    fflush(stdout);
    for (int i = 0; i < 3; i++) {
        if (fds[i] < 0) continue;
        saved[i] = dup(i);
        dup2(fds[i], i);
    }
    int result = run_any_builtin(argc, argv);
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < 3; i++) {
        if (saved[i] < 0) continue;
        dup2(saved[i], i);
        close(saved[i]);
    }
    return result;
}

int run_pipeline(const parse::Pipeline& pipeline) {
    size_t count = pipeline.stage_count;
    int fds[parse::kMaxStages][3];
    for (size_t i = 0; i < count; i++) fds[i][0] = fds[i][1] = fds[i][2] = -1;
    bool ok = true;
    for (size_t i = 0; i + 1 < count && ok; i++) {
        int p[2];
        if (pipe(p) != 0) {
            printf("shell: pipe: %s\n", strerror(errno));
            ok = false;
            break;
        }
        fds[i][1] = keep(p[1]);
        fds[i + 1][0] = keep(p[0]);
    }
    for (size_t i = 0; i < count && ok; i++) ok = redirect(pipeline.stages[i], fds[i]);
    // A line of assignments alone sets variables.
    if (ok && count == 1 && pipeline.stages[0].word_count == 0) {
        for (size_t a = 0; a < pipeline.stages[0].assignment_count; a++) assign(pipeline.stages[0].assignments[a]);
        close_opened();
        return 0;
    }
    if (!ok) {
        close_opened();
        return 1;
    }
    // Programs first, so that a builtin writing into a pipe has a reader.
    StageSetup setups[parse::kMaxStages];
    const char** envs[parse::kMaxStages] = {};
    size_t programs = 0;
    bool builtin[parse::kMaxStages];
    const char* name = "";
    for (size_t i = 0; i < count; i++) {
        const parse::Command& c = pipeline.stages[i];
        const char* const* argv = c.words;
        if (c.word_count > 1 && !strcmp(argv[0], "run")) argv++;  // `run` is an alias
        builtin[i] = c.word_count == 0 || (argv == c.words && (word_builtin(argv[0]) || is_builtin(argv[0])));
        if (builtin[i]) continue;
        envs[i] = environment_with(c);
        setups[programs] = StageSetup{argv, envs[i] ? envs[i] : const_cast<const char**>(environ),
                                      {fds[i][0], fds[i][1], fds[i][2]}, argv != c.words};
        programs++;
        name = argv[0];
    }
    pid_t pids[parse::kMaxStages];
    int failed = 0;
    size_t started = programs ? spawn_stages(setups, programs, pids, &failed) : 0;
    int result = 0;
    for (size_t i = 0; i < count; i++) {
        const parse::Command& c = pipeline.stages[i];
        if (builtin[i] && c.word_count) result = run_builtin_with(c.words, static_cast<int>(c.word_count), fds[i]);
    }
    close_opened();  // the programs hold their ends: end of file reaches them
    for (size_t i = 0; i < count; i++) free(envs[i]);
    if (programs == 0) return result;
    int ended = finish_pipeline(pids, started, failed, pipeline.background, name);
    return builtin[count - 1] ? result : ended;
}

// The buffers a line typed at the prompt uses, and a script's line.
constexpr size_t kStorage = kMaxLine + 1024;
parse::Pipeline top_pipeline;
char top_storage[kStorage];
char script_line[kMaxLine];

}  // namespace

void prefault_exec() {
    prefault(&top_pipeline, sizeof top_pipeline);
    prefault(top_storage, sizeof top_storage);
    prefault(script_line, sizeof script_line);
}

int last_status() { return status; }
bool exit_requested() { return exiting; }

// `write` and `append` take the rest of the line as typed (their text is
// not parsed: no quotes, variables or redirections), as they always have.
bool raw_builtin(const char* line) {
    while (*line == ' ' || *line == '\t') line++;
    static const char* const kRaw[] = {"write", "append"};
    for (const char* name : kRaw) {
        size_t length = strlen(name);
        if (strncmp(line, name, length) == 0 && (line[length] == ' ' || line[length] == 0)) {
            run_builtin(name, line + length);
            status = 0;
            return true;
        }
    }
    return false;
}

void run_line(const char* line) {
    if (raw_builtin(line)) return;
    // Large: static for a line typed at the prompt (so running commands
    // takes no memory for good), on the heap for a line another runs (sh).
    static bool top_in_use = false;
    bool nested = top_in_use;
    auto* pipeline = nested ? static_cast<parse::Pipeline*>(malloc(sizeof(parse::Pipeline))) : &top_pipeline;
    auto* storage = nested ? static_cast<char*>(malloc(kStorage)) : top_storage;
    top_in_use = true;
    char error[128];
    if (!pipeline || !storage) {
        printf("shell: %s\n", strerror(ENOMEM));
        status = 1;
    } else if (!parse::parse_line(line, lookup, nullptr, *pipeline, storage, kStorage, error, sizeof error)) {
        printf("shell: %s\n", error);
        status = 2;
    } else if (pipeline->stage_count) {
        status = run_pipeline(*pipeline);
    }
    if (nested) {
        free(pipeline);
        free(storage);
    } else {
        top_in_use = false;
    }
}

int run_script(const char* path) {
    FILE* file = fopen(path, "r");
    if (!file) {
        printf("sh: %s: %s\n", path, strerror(errno));
        return 127;
    }
    // A script run from a script reads into a buffer of its own.
    char* line = script_depth == 0 ? script_line : static_cast<char*>(malloc(kMaxLine));
    if (!line) {
        fclose(file);
        printf("sh: %s\n", strerror(ENOMEM));
        return 1;
    }
    int depth = script_depth++;
    while (!exiting && fgets(line, kMaxLine, file)) {
        line[strcspn(line, "\n")] = 0;
        run_line(line);
    }
    script_depth--;
    exiting = false;
    fclose(file);
    if (depth) free(line);
    return status;
}

}  // namespace shell
