// The interactive shell on the serial console.
#include "abi/abi.h"
#include "base/string.h"
#include "rvos/console.h"
#include "rvos/math.h"
#include "rvos/service.h"
#include "rvos/sysinfo.h"

using base::Word;
using rvos::console::print;

namespace {

constexpr size_t kMaxLine = 512;

struct Command {
    const char* name;
    const char* usage;
    void (*run)(const char* rest);
};

void cmd_help(const char*);

void cmd_echo(const char* rest) {
    // Words separated by single spaces, like a POSIX shell's echo.
    char out[kMaxLine + 1];
    size_t length = 0;
    const char* cursor = rest;
    for (Word w = base::next_word(&cursor); w.length; w = base::next_word(&cursor)) {
        if (length) out[length++] = ' ';
        base::mem_copy(out + length, w.start, w.length);
        length += w.length;
    }
    out[length++] = '\n';
    rvos::console::write(out, length);
}

void cmd_ps(const char*) {
    rvos::sysinfo::ProcessInfo processes[rvos::kMaxProcesses];
    auto count = rvos::sysinfo::processes(processes, rvos::kMaxProcesses);
    if (count.is_error()) return print("ps: %s\n", rvos::error_name(count.error()));
    print("PID NAME            STATE    KIND\n");
    for (size_t i = 0; i < count.value(); i++) {
        const auto& p = processes[i];
        print("%3u %-15s %-8s %s\n", p.pid, p.name, rvos::sysinfo::state_name(p.state),
              rvos::sysinfo::kind_name(p.kind));
    }
}

void cmd_mem(const char*) {
    auto memory = rvos::sysinfo::memory();
    if (memory.is_error()) return print("mem: %s\n", rvos::error_name(memory.error()));
    const auto& m = memory.value();
    print("frames: free %lu of %lu\n", m.free_frames, m.total_frames);
    print("heap: %lu bytes in use\n", m.heap_used);
    print("channels: %u of %u\n", m.channels_used, m.channels_max);
    rvos::sysinfo::ProcessInfo processes[rvos::kMaxProcesses];
    auto count = rvos::sysinfo::processes(processes, rvos::kMaxProcesses);
    if (count.is_error()) return print("mem: %s\n", rvos::error_name(count.error()));
    print("handles:\n");
    for (size_t i = 0; i < count.value(); i++)
        print("%3u %-15s %u\n", processes[i].pid, processes[i].name, processes[i].handles);
}

bool word_to_cstr(Word w, char* out, size_t size) {
    if (w.length + 1 > size) return false;
    base::mem_copy(out, w.start, w.length);
    out[w.length] = 0;
    return true;
}

void cmd_math(const char* rest) {
    const char* usage = "usage: math add|sub|mul <a> <b>\n";
    const char* cursor = rest;
    Word op = base::next_word(&cursor);
    Word words[2] = {base::next_word(&cursor), base::next_word(&cursor)};
    if (!words[1].length || base::next_word(&cursor).length) return print("%s", usage);
    uint32_t values[2];
    for (int i = 0; i < 2; i++) {
        char text[16];
        if (!word_to_cstr(words[i], text, sizeof text) || !base::parse_u32(text, &values[i])) {
            print("math: invalid number: ");
            rvos::console::write(words[i].start, words[i].length);
            return print("\n");
        }
    }
    base::ErrorOr<uint32_t> result = rvos::Error::BadArgument;
    if (base::word_is(op, "add")) result = rvos::math::add(values[0], values[1]);
    else if (base::word_is(op, "sub")) result = rvos::math::sub(values[0], values[1]);
    else if (base::word_is(op, "mul")) result = rvos::math::mul(values[0], values[1]);
    else return print("%s", usage);
    if (result.is_error()) return print("math: %s\n", rvos::error_name(result.error()));
    print("%u\n", result.value());
}

void cmd_run(const char* rest) {
    const char* cursor = rest;
    Word program_word = base::next_word(&cursor);
    char program[rvos::kMaxNameLength + 1];
    if (!program_word.length) return print("usage: run <program> [args]\n");
    if (!word_to_cstr(program_word, program, sizeof program)) return print("run: program name too long\n");
    while (*cursor == ' ') cursor++;
    auto child = rvos::spawn(program, cursor);
    if (child.is_error()) {
        if (child.error() == rvos::Error::NotFound) return print("run: %s: not found\n", program);
        return print("run: %s: %s\n", program, rvos::error_name(child.error()));
    }
    auto status = rvos::wait_exit(child.value());
    if (status.is_error()) return print("run: %s: %s\n", program, rvos::error_name(status.error()));
    if (status.value() == rvos::kExitFault) print("%s: killed by fault\n", program);
    else if (status.value() != 0) print("%s: exited with status %d\n", program, status.value());
}

void cmd_shutdown(const char*) {
    print("Powering off.\n");
    rvos::sys::shutdown();
}

constexpr Command kCommands[] = {
    {"help", "help                      list the commands", cmd_help},
    {"echo", "echo <text>               print the text", cmd_echo},
    {"ps", "ps                        list processes", cmd_ps},
    {"math", "math add|sub|mul <a> <b>  unsigned 32-bit arithmetic by the math service", cmd_math},
    {"run", "run <program> [args]      start a program and wait for it", cmd_run},
    {"mem", "mem                       memory, channel and handle counts", cmd_mem},
    {"shutdown", "shutdown                  power the machine off", cmd_shutdown},
};

void cmd_help(const char*) {
    for (const Command& c : kCommands) print("%s\n", c.usage);
}

void execute(const char* line) {
    const char* cursor = line;
    Word name = base::next_word(&cursor);
    if (!name.length) return;
    for (const Command& c : kCommands) {
        if (base::word_is(name, c.name)) return c.run(cursor);
    }
    print("unknown command: ");
    rvos::console::write(name.start, name.length);
    print(" (type 'help')\n");
}

}  // namespace

int main(int, char**) {
    char line[kMaxLine];
    for (;;) {
        print("rvos> ");
        auto read = rvos::console::read_line(line, sizeof line);
        if (read.is_error()) {
            print("shell: console: %s\n", rvos::error_name(read.error()));
            return 1;
        }
        if (read.value().interrupted) continue;
        execute(line);
    }
}
