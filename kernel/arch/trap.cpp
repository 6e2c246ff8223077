// Trap handling in C++: what trapvec calls, and the catcher for kernel faults.
#include "arch/riscv.h"
#include "lib/print.h"
#include "mm/kernel_stack.h"
#include "platform/interrupts.h"
#include "syscall/syscall.h"
#include "task/fault.h"
#include "task/process.h"
#include "task/scheduler.h"

extern "C" arch::TrapFrame* user_trap(arch::TrapFrame* frame) {
    Task* task = sched::current();
    uint64_t cause = arch::read_scause();
    if (cause & arch::kCauseInterrupt) {
        // Preempt at the end of the slice, and also when an interrupt woke a
        // task (console input, a deadline) that should run before this one,
        // so it answers without waiting for the tick (see scheduler.h).
        sched::preempt(platform::poll_interrupts());
    } else if (cause == arch::kExcEcallFromUser) {
        syscall::dispatch(*task, *frame);
    } else {
        // An FP instruction with the unit off claims the FP registers, a
        // first touch of a stack page maps it, and the instruction is
        // retried; anything else kills the process (task/fault.h).
        fault::user_exception(*task, cause, arch::read_stval(), frame->sepc);
    }
    // Back to user mode with interrupts enabled there: a trap from user
    // mode left SPP = user and SPIE = 1 (SIE is set in user mode), and the
    // kernel never takes a trap of its own that could change them
    // (user_process_start sets them for a process's first entry).
    return frame;
}

// On the trap stack (trap.S), with the faulting context's sp and frame
// pointer. A page fault in a kernel stack's guard page is that stack
// overflowing; anything else is reported as it is.
extern "C" void kernel_trap(uint64_t sp, uint64_t fp) {
    static bool reporting = false;
    if (reporting) panic_without_trace("trap in kernel while reporting one, pc 0x%lx", arch::read_sepc());
    reporting = true;
    uint64_t cause = arch::read_scause(), address = arch::read_stval();
    size_t slot = 0;
    bool page_fault = cause == arch::kExcLoadPageFault || cause == arch::kExcStorePageFault;
    if (page_fault && mm::guard_page_slot(address, &slot)) {
        Task* task = slot < rvos::kMaxProcesses ? process::task_at(slot) : nullptr;
        char whose[rvos::kMaxNameLength + 32] = "the scheduler loop";
        if (task) base::format_to(whose, sizeof whose, "pid %u (%s)", task->pid, task->name);
        panic_from(fp, "kernel stack overflow in %s: %s at 0x%lx, the guard page below its %lu KiB stack "
                       "(sp 0x%lx, pc 0x%lx)",
                   whose, fault::cause_name(cause), address, mm::kKernelStackSize / 1024, sp, arch::read_sepc());
    }
    panic_from(fp, "trap in kernel: %s (scause 0x%lx) at 0x%lx, pc 0x%lx, sp 0x%lx", fault::cause_name(cause), cause,
               address, arch::read_sepc(), sp);
}
