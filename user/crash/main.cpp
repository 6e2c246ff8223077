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
void store_to_own_code() { *reinterpret_cast<volatile uint32_t*>(&store_to_own_code) = 0; }
void jump_into_kernel() { reinterpret_cast<void (*)()>(0x8020'0000)(); }
void misaligned_atomic() {
    // Plain misaligned loads are emulated; atomics never are.
    static uint64_t words[2];
    auto* odd = reinterpret_cast<uint64_t*>(reinterpret_cast<uintptr_t>(words) + 1);
    __atomic_fetch_add(odd, 1, __ATOMIC_SEQ_CST);
}
// Recurses until the stack runs into the unmapped guard page below it.
volatile bool keep_going = true;
int overflow_stack(int depth) {
    volatile char frame[1024];
    frame[0] = static_cast<char>(depth);
    return keep_going ? overflow_stack(depth + 1) + frame[0] : 0;
}
void stack_overflow() { overflow_stack(0); }
// A syscall made with a garbage stack pointer must not hurt the kernel,
// which never uses the user's sp; then the program uses that stack pointer
// as it would and dies for it.
void syscall_with_bad_sp() {
    constexpr uintptr_t kGarbage = 0x10;
    rvos::sys::raw_syscall_on_stack(kGarbage, static_cast<uint64_t>(rvos::Syscall::GetPid));
    uintptr_t stack = kGarbage;
    asm volatile("" : "+r"(stack));  // hide the constant from the compiler's bounds checks
    *reinterpret_cast<volatile uint64_t*>(stack) = 0;
}
void spin_forever() {
    for (;;) asm volatile("");
}

constexpr Mode kModes[] = {
    {"null", "load from address 0", null_load},
    {"kstore", "store to kernel memory", kernel_store},
    {"illegal", "execute an illegal instruction", illegal_instruction},
    {"badsyscall", "call syscall number 999", bad_syscall},
    {"selfstore", "store into its own code", store_to_own_code},
    {"kjump", "jump into kernel memory", jump_into_kernel},
    {"misaligned", "misaligned atomic access", misaligned_atomic},
    {"stack", "overflow the stack past its guard page", stack_overflow},
    {"badsp", "syscall with a corrupted stack pointer", syscall_with_bad_sp},
    {"loop", "spin forever (stop it with Ctrl-C)", spin_forever},
};

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2) {
        for (const Mode& mode : kModes) {
            if (!base::str_equal(argv[1], mode.name)) continue;
            // Said first, so the program has made a syscall for the kill
            // line to name (start-up makes none).
            rvos::console::print("crash: %s\n", mode.what);
            mode.run();
            rvos::console::print("crash: %s did not fault\n", mode.name);
            return 1;
        }
    }
    rvos::console::print("usage: crash <mode>\n");
    for (const Mode& mode : kModes) rvos::console::print("  %-10s %s\n", mode.name, mode.what);
    return 2;
}
