// Misbehaves on purpose, to prove fault isolation: each mode commits one
// fault that must kill this process and nothing else.
#include "base/string.h"
#include "rvos/console.h"
#include "rvos/syscall.h"

namespace {

struct Mode {
    const char* name;
    const char* what;
    void (*run)();
};

void null_load() {
    volatile uint64_t* null = nullptr;
    (void)*null;
}
void kernel_store() { *reinterpret_cast<volatile uint64_t*>(0x8020'0000) = 0; }
void illegal_instruction() { asm volatile(".word 0x00000000"); }
void bad_syscall() { rvos::sys::raw_syscall(999); }

constexpr Mode kModes[] = {
    {"null", "load from address 0", null_load},
    {"kstore", "store to kernel memory", kernel_store},
    {"illegal", "execute an illegal instruction", illegal_instruction},
    {"badsyscall", "call syscall number 999", bad_syscall},
};

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2) {
        for (const Mode& mode : kModes) {
            if (!base::str_equal(argv[1], mode.name)) continue;
            mode.run();
            rvos::console::print("crash: %s did not fault\n", mode.name);
            return 1;
        }
    }
    rvos::console::print("usage: crash <mode>\n");
    for (const Mode& mode : kModes) rvos::console::print("  %-10s %s\n", mode.name, mode.what);
    return 2;
}
