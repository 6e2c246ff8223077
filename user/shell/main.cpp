// The interactive shell on the serial console.
#include <stdio.h>
#include <string.h>

#include "abi/abi.h"
#include "base/string.h"
#include <unistd.h>

#include "rvos/console.h"
#include "rvos/fs.h"
#include "rvos/mounts.h"
#include "rvos/math.h"
#include "rvos/service.h"
#include "rvos/sysinfo.h"
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
    {"run", "run <program> [args] [&] start a program and wait for it (& : in the background)", cmd_run},
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
}

void execute(const char* line) {
    char name[16];
    const char* rest = line;
    base::Word word = base::next_word(&rest);
    if (!word.length) return;
    for (const Command& c : kCommands) {
        if (base::word_is(word, c.name)) return c.run(rest);
    }
    size_t length = word.length < sizeof name - 1 ? word.length : sizeof name - 1;
    memcpy(name, word.start, length);
    name[length] = 0;
    printf("unknown command: %s (type 'help')\n", name);
}

}  // namespace
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

// Likewise every `run` reads its program from /bin (rvos/exec.cpp): the
// first path lookup makes the file system connections and the allocator's
// first arena, kept for good. Making them at start keeps `mem` flat too.
void open_file_systems() {
    (void)rvos::fs::stat("/bin");
    (void)rvos::fs::stat("/tmp");
}

int main() {
    touch_stack();
    open_file_systems();
    char line[shell::kMaxLine];
    for (;;) {
        shell::report_finished_jobs();
        printf("rvos> ");
        fflush(stdout);
        auto read = rvos::console::terminal::read_line(shell::kTerminalHandle, line, sizeof line);
        if (read.is_error()) {
            // Only a terminal that is gone (or was never given) ends the
            // shell; anything else is worth another try.
            printf("shell: console: %s\n", rvos::error_name(read.error()));
            rvos::Error error = read.error();
            if (error == rvos::Error::PeerClosed || error == rvos::Error::BadHandle || error == rvos::Error::WrongType)
                return 1;
            rvos::sys::yield();
            continue;
        }
        if (read.value().end_of_file) putchar('\n');  // Ctrl-D: the shell stays (`shutdown` ends the system)
        else if (!read.value().interrupted) shell::execute(line);
        fflush(stdout);
    }
}
