// Trap handling in C++: what trapvec calls, and the catcher for kernel faults.
#include "arch/riscv.h"
#include "lib/print.h"
#include "platform/interrupts.h"
#include "syscall/syscall.h"
#include "task/fault.h"
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
    } else if ((cause == arch::kExcLoadPageFault || cause == arch::kExcStorePageFault) &&
               !task->space.fault_in(arch::read_stval()).is_error()) {
        // A first touch of a stack page: now mapped, the instruction is
        // retried. Anything else (the guard page, no frame) kills below.
    } else {
        fault::kill_current(fault::cause_name(cause), arch::read_stval(), frame->sepc);
    }
    // Back to user mode with interrupts enabled there: a trap from user
    // mode left SPP = user and SPIE = 1 (SIE is set in user mode), and the
    // kernel never takes a trap of its own that could change them
    // (user_process_start sets them for a process's first entry).
    return frame;
}

extern "C" void kernel_trap() {
    panic("trap in kernel: %s (scause 0x%lx) at 0x%lx, pc 0x%lx", fault::cause_name(arch::read_scause()),
          arch::read_scause(), arch::read_stval(), arch::read_sepc());
}
