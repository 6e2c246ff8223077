// The interactive shell on the serial console: the prompt, the line editor
// (line_editor.h) and the builtins that take their arguments as one string
// (echo, ps, math, mem, the file commands, ...); lines run in exec.cpp.
#define _DEFAULT_SOURCE  // setenv
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "abi/abi.h"
#include "base/string.h"
#include <unistd.h>

#include "rvos/console.h"
#include "rvos/fs.h"
#include "rvos/mounts.h"
#include "rvos/math.h"
#include "rvos/service.h"
#include "rvos/sysinfo.h"
#include "complete.h"
#include "history.h"
#include "line_editor.h"
#include "shell.h"

namespace shell {

bool next_word(const char*& rest, char* out, size_t size) {
    base::Word word = base::next_word(&rest);
    if (!word.length || word.length + 1 > size) return false;
    memcpy(out, word.start, word.length);
    out[word.length] = 0;
    return true;
}

namespace {


struct Command {
    const char* name;
    const char* usage;
    void (*run)(const char* rest);
};

void cmd_help(const char*);
void cmd_run(const char*) { puts("usage: run <program> [args] [&]"); }  // with a program, exec.cpp runs it

void cmd_echo(const char* rest) {
    // Words separated by single spaces, like a POSIX shell's echo.
    char word[kMaxLine];
    bool first = true;
    while (next_word(rest, word, sizeof word)) {
        printf(first ? "%s" : " %s", word);
        first = false;
    }
    putchar('\n');
}

void cmd_ps(const char*) {
    rvos::sysinfo::ProcessInfo processes[rvos::kMaxProcesses];
    auto count = rvos::sysinfo::processes(processes, rvos::kMaxProcesses);
    if (count.is_error()) return (void)printf("ps: %s\n", rvos::error_name(count.error()));
    printf("PID NAME            STATE    KIND\n");
    for (size_t i = 0; i < count.value(); i++) {
        const auto& p = processes[i];
        printf("%3u %-15s %-8s %s\n", static_cast<unsigned>(p.pid), p.name, rvos::sysinfo::state_name(p.state),
               rvos::sysinfo::kind_name(p.kind));
    }
}

void cmd_mem(const char*) {
    auto memory = rvos::sysinfo::memory();
    if (memory.is_error()) return (void)printf("mem: %s\n", rvos::error_name(memory.error()));
    const auto& m = memory.value();
    printf("frames: free %lu of %lu\n", static_cast<unsigned long>(m.free_frames),
           static_cast<unsigned long>(m.total_frames));
    printf("heap: %lu bytes in use\n", static_cast<unsigned long>(m.heap_used));
    printf("channels: %u of %u\n", static_cast<unsigned>(m.channels_used), static_cast<unsigned>(m.channels_max));
    printf("kernel stacks: deepest use %u of %u bytes\n", static_cast<unsigned>(m.kernel_stack_deepest),
           static_cast<unsigned>(m.kernel_stack_size));
    rvos::sysinfo::ProcessInfo processes[rvos::kMaxProcesses];
    auto count = rvos::sysinfo::processes(processes, rvos::kMaxProcesses);
    if (count.is_error()) return (void)printf("mem: %s\n", rvos::error_name(count.error()));
    printf("handles:\n");
    for (size_t i = 0; i < count.value(); i++)
        printf("%3u %-15s %u\n", static_cast<unsigned>(processes[i].pid), processes[i].name,
               static_cast<unsigned>(processes[i].handles));
}

void cmd_math(const char* rest) {
    const char* usage = "usage: math add|sub|mul <a> <b>";
    char op[8], words[2][16], extra[2];
    if (!next_word(rest, op, sizeof op) || !next_word(rest, words[0], sizeof words[0]) ||
        !next_word(rest, words[1], sizeof words[1]) || next_word(rest, extra, sizeof extra)) {
        return (void)puts(usage);
    }
    uint32_t values[2];
    for (int i = 0; i < 2; i++)
        if (!base::parse_u32(words[i], &values[i])) return (void)printf("math: invalid number: %s\n", words[i]);
    base::ErrorOr<uint32_t> result = rvos::Error::BadArgument;
    if (strcmp(op, "add") == 0) result = rvos::math::add(values[0], values[1]);
    else if (strcmp(op, "sub") == 0) result = rvos::math::sub(values[0], values[1]);
    else if (strcmp(op, "mul") == 0) result = rvos::math::mul(values[0], values[1]);
    else return (void)puts(usage);
    if (result.is_error()) return (void)printf("math: %s\n", rvos::error_name(result.error()));
    printf("%u\n", static_cast<unsigned>(result.value()));
}

void cmd_sync(const char*) {
    rvos::Error error = rvos::fs::sync_all();
    if (error != rvos::Error::None) printf("sync: %s\n", rvos::error_name(error));
}

void cmd_mount(const char*) {
    size_t count = 0;
    const rvos::mounts::Mount* table = rvos::mounts::table(&count);
    for (size_t i = count; i-- > 0;)  // "/" first
        printf("%s on %s (%s)\n", table[i].service, table[i].path, table[i].kind);
}

void cmd_shutdown(const char*) {
    // Handle 1 is the power capability init gives the shell.
    auto info = rvos::sys::handle_info(kPowerHandle);
    if (info.is_error() || info.value().kind != rvos::ObjectKind::Power)
        return (void)printf("shutdown: %s\n", rvos::error_name(rvos::Error::AccessDenied));
    puts("Powering off.");
    fflush(stdout);
    (void)rvos::fs::sync_all();  // every file server puts what it holds on its disk first
    rvos::Error error = rvos::sys::shutdown(kPowerHandle);
    printf("shutdown: %s\n", rvos::error_name(error));
}

constexpr Command kCommands[] = {
    {"help", "help                      list the commands", cmd_help},
    {"echo", "echo <text>               print the text", cmd_echo},
    {"ps", "ps                        list processes", cmd_ps},
    {"math", "math add|sub|mul <a> <b>  unsigned 32-bit arithmetic by the math service", cmd_math},
    {"run", "run <program> [args] [&] start a program (also by its name alone; & : in the background)", cmd_run},
    {"jobs", "jobs                      list the programs running in the background", cmd_jobs},
    {"kill", "kill <pid>                stop a program running in the background", cmd_kill},
    {"mem", "mem                       memory, channel and handle counts", cmd_mem},
    {"ls", "ls [path]                 list a directory (kind, size, name)", cmd_ls},
    {"cat", "cat <path>                print a file", cmd_cat},
    {"write", "write <path> <text>       replace a file's contents with a line of text", cmd_write},
    {"append", "append <path> <text>      add a line of text at a file's end", cmd_append},
    {"stat", "stat <path>               kind and size of a file or directory", cmd_stat},
    {"rm", "rm <path>                 delete a file or an empty directory", cmd_rm},
    {"mkdir", "mkdir <path>              create a directory", cmd_mkdir},
    {"sync", "sync                      write everything the file servers hold to disk", cmd_sync},
    {"mount", "mount                     list the mounted file systems", cmd_mount},
    {"shutdown", "shutdown                  power the machine off", cmd_shutdown},
};

void cmd_help(const char*) {
    for (const Command& c : kCommands) puts(c.usage);
    puts("cd [dir]                  change the working directory (default $HOME)");
    puts("pwd                       print the working directory");
    puts("export [NAME[=value]]     put a variable in the programs' environment");
    puts("unset NAME                forget a variable");
    puts("sh <file> | sh -c <line>  run a script's lines, or one line");
    puts("exit [status]             end a script");
    puts("<program> [args]          run a program found in PATH; a | b | c, < > >> 2> 2>&1, &");
}

}  // namespace

bool run_builtin(const char* name, const char* rest) {
    for (const Command& c : kCommands) {
        if (strcmp(c.name, name) == 0 && strcmp(name, "run") != 0) {
            c.run(rest);
            return true;
        }
    }
    return false;
}

bool is_builtin(const char* name) {
    for (const Command& c : kCommands)
        if (strcmp(c.name, name) == 0 && strcmp(name, "run") != 0) return true;
    return false;
}

void for_each_builtin(void (*visit)(const char* name, void* context), void* context) {
    for (const Command& c : kCommands) visit(c.name, context);
    static const char* const kWordBuiltins[] = {"cd", "pwd", "export", "unset", "sh", "exit"};
    for (const char* name : kWordBuiltins) visit(name, context);
}

}  // namespace shell

// The kernel maps the stack on first touch and a touched page stays mapped,
// so the first `mem` (~37 KiB deep) and the first `run` (~81 KiB: the spawn
// request is built on the stack) would each take frames for good. Touching
// the depth the commands reach once, at start, keeps the free-frame count
// `mem` prints flat across commands: a drop there would read as a leak (and
// the acceptance tests compare `mem` before and after a command).
constexpr size_t kStackReach = 128 * 1024;
static_assert(kStackReach < rvos::kUserStackSize);
__attribute__((noinline)) void touch_stack() {
    [[maybe_unused]] volatile uint8_t reach[kStackReach];
    for (size_t i = 0; i < kStackReach; i += rvos::kPageSize) reach[i] = 0;
}

// Every program the shell runs is read from /bin (rvos/exec.cpp): the
// first path lookup makes the file-system connections, and the first $PATH
// search the allocator's arena for its path buffer (3 frames, measured),
// kept for good. Making them at start keeps `mem` flat.
void open_file_systems() {
    (void)rvos::fs::stat("/bin");
    (void)rvos::fs::stat("/tmp");
    free(malloc(rvos::kMaxPathLength + 1));
}

namespace shell {

extern LineEditor editor;
extern LineEditor::Output out;

namespace {

constexpr const char* kPrompt = "rvos> ";

void show(const LineEditor::Output& out) {
    if (out.length) fwrite(out.data, 1, out.length, stdout);
}

// What one key did; true once the line is finished (run or dropped).
bool handle_key(char key) {
    out.length = 0;
    LineEditor::Action action = editor.feed(key, out);
    show(out);
    out.length = 0;
    switch (action) {
    case LineEditor::Action::None: return false;
    case LineEditor::Action::Submit:
        putchar('\n');
        fflush(stdout);
        history::add(editor.line());
        run_line(editor.line());
        return true;
    case LineEditor::Action::Interrupt: fputs("^C\n", stdout); return true;
    case LineEditor::Action::EndOfInput: putchar('\n'); return true;  // the shell stays (`shutdown` ends the system)
    case LineEditor::Action::HistoryPrevious:
    case LineEditor::Action::HistoryNext: {
        const char* text = action == LineEditor::Action::HistoryPrevious ? history::previous(editor.line())
                                                                          : history::next();
        if (text) editor.replace(text, out);
        break;
    }
    case LineEditor::Action::Complete: complete(editor, out, kPrompt); break;
    }
    show(out);
    return false;
}

}  // namespace

// The prompt, forever: keys from the terminal through the line editor.
// Keys that arrive after an Enter in one batch wait for the next prompt.
LineEditor editor;
LineEditor::Output out;
char keys[rvos::proto::kMaxConsoleKeys];

void interact() {
    size_t key_count = 0, used = 0;
    (void)rvos::console::terminal::keys_mode(kTerminalHandle);  // before the first prompt
    for (;;) {
        report_finished_jobs();
        fputs(kPrompt, stdout);
        fflush(stdout);
        editor.clear();
        history::reset();
        for (bool done = false; !done;) {
            if (used == key_count) {
                auto read = rvos::console::terminal::read_keys(kTerminalHandle, keys, sizeof keys);
                if (read.is_error()) {
                    // Only a terminal that is gone (or was never given) ends
                    // the shell; anything else is worth another try.
                    printf("shell: console: %s\n", rvos::error_name(read.error()));
                    rvos::Error error = read.error();
                    if (error == rvos::Error::PeerClosed || error == rvos::Error::BadHandle ||
                        error == rvos::Error::WrongType)
                        return;
                    rvos::sys::yield();
                    continue;
                }
                key_count = read.value();
                used = 0;
            }
            while (used < key_count && !done) done = handle_key(keys[used++]);
            fflush(stdout);
        }
    }
}

}  // namespace shell

// PATH and HOME for the programs, unless the shell was given them: HOME
// is /home when the disk is mounted there, /tmp (the RAM file system)
// otherwise.
void set_up_environment() {
    if (!getenv("PATH")) setenv("PATH", "/bin", 1);
    struct stat st;
    if (!getenv("HOME")) setenv("HOME", stat("/home", &st) == 0 && S_ISDIR(st.st_mode) ? "/home" : "/tmp", 1);
}

void shell::prefault(void* buffer, size_t size) {
    auto* bytes = static_cast<volatile char*>(buffer);
    for (size_t i = 0; i < size; i += rvos::kPageSize) bytes[i] = bytes[i];
    if (size) bytes[size - 1] = bytes[size - 1];
}

int main(int argc, char** argv) {
    touch_stack();
    shell::prefault(&shell::editor, sizeof shell::editor);
    shell::prefault(&shell::out, sizeof shell::out);
    shell::prefault_exec();
    shell::prefault_completion();
    signal(SIGPIPE, SIG_IGN);  // a builtin writing into a pipe nobody reads gets EPIPE
    set_up_environment();
    open_file_systems();
    // Started as a program: `shell -c <line>` or `shell <file>`.
    if (argc == 3 && strcmp(argv[1], "-c") == 0) {
        shell::run_line(argv[2]);
        return shell::last_status();
    }
    if (argc == 2) return shell::run_script(argv[1]);
    shell::history::load();
    shell::interact();
    return 1;
}
