// Saved register state: the user register file on a trap, and the kernel's
// callee-saved registers on a task switch.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace arch {

// Filled by trapvec (trap.S) on every trap from user mode. The offsets are
// part of the assembly: keep them in sync (checked by the static_asserts).
struct TrapFrame {
    uint64_t regs[32];   // x0..x31; regs[0] is unused
    uint64_t sepc;       // user pc to return to
    uint64_t kernel_sp;  // top of this task's kernel stack

    uint64_t& a(int n) { return regs[10 + n]; }
    uint64_t& sp() { return regs[2]; }
};
static_assert(offsetof(TrapFrame, sepc) == 256);
static_assert(offsetof(TrapFrame, kernel_sp) == 264);

// Callee-saved registers; switch_context (switch.S) swaps these.
struct Context {
    uint64_t ra;
    uint64_t sp;
    uint64_t s[12];
};

}  // namespace arch

extern "C" {
void switch_context(arch::Context* save_into, const arch::Context* load_from);
// Restores `frame` and returns to user mode (sret). Never returns.
[[noreturn]] void user_return(arch::TrapFrame* frame);
// The one trap vector (stvec), for traps from user mode and kernel bugs.
void trapvec();
}
