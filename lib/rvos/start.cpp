// Runtime start-up for user programs: split the command line into argv,
// run static constructors, call main, exit with its status through the C
// library (atexit handlers, stdio flush).
#include <stdlib.h>

#include "rvos/syscall.h"

extern "C" int main(int argc, char** argv);

extern "C" {
using Constructor = void (*)();
extern Constructor __init_array_start[], __init_array_end[];
}

namespace {
constexpr int kMaxArgs = 16;
bool is_space(char c) { return c == ' ' || c == '\t'; }
}  // namespace

extern "C" [[noreturn]] void rvos_start(char* command_line, size_t length) {
    command_line[length] = 0;
    char* argv[kMaxArgs + 1];
    int argc = 0;
    char* p = command_line;
    while (*p && argc < kMaxArgs) {
        while (is_space(*p)) *p++ = 0;
        if (!*p) break;
        argv[argc++] = p;
        while (*p && !is_space(*p)) p++;
    }
    argv[argc] = nullptr;
    for (Constructor* c = __init_array_start; c < __init_array_end; c++) (*c)();
    exit(main(argc, argv));
}
