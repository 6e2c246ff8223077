// Trap handling in C++: what uservec calls, and the catcher for kernel faults.
#include "arch/riscv.h"
#include "lib/print.h"
#include "platform/interrupts.h"
#include "syscall/syscall.h"
#include "task/fault.h"
#include "task/fpu.h"
#include "task/scheduler.h"

extern "C" arch::TrapFrame* user_trap(arch::TrapFrame* frame) {
    Task* task = sched::current();
    uint64_t cause = arch::read_scause();
    if (cause & arch::kCauseInterrupt) {
        // Preempt at the end of the slice, and also when an interrupt woke a
        // task (console input) so it answers without waiting for the tick.
        bool slice_over = platform::poll_interrupts();
        if (slice_over || (cause & ~arch::kCauseInterrupt) == arch::kIrqExternal) sched::yield();
    } else if (cause == arch::kExcEcallFromUser) {
        syscall::dispatch(*task, *frame);
    } else if (cause == arch::kExcIllegalInstruction && fpu::claim(*task)) {
        // An FP instruction with the unit off for this task: it has its FP
        // registers now and the instruction is retried (task/fpu.h).
    } else {
        // A first touch of a stack page is mapped and the instruction
        // retried; anything else kills the process (task/fault.h).
        fault::user_exception(*task, cause, arch::read_stval(), frame->sepc);
    }
    // Back to user mode with interrupts enabled there.
    arch::clear_sstatus(arch::kSstatusSPP);
    arch::set_sstatus(arch::kSstatusSPIE);
    return frame;
}

extern "C" void kernel_trap() {
    panic("trap in kernel: %s (scause 0x%lx) at 0x%lx, pc 0x%lx", fault::cause_name(arch::read_scause()),
          arch::read_scause(), arch::read_stval(), arch::read_sepc());
}
