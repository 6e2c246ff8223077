#include "task/fault.h"

#include "arch/riscv.h"
#include "lib/print.h"
#include "task/fpu.h"
#include "task/lifecycle.h"
#include "task/scheduler.h"

namespace fault {

const char* cause_name(uint64_t cause) {
    switch (cause) {
    case 0: return "misaligned instruction fetch";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "misaligned load";
    case 5: return "load access fault";
    case 6: return "misaligned store";
    case 7: return "store access fault";
    case 12: return "instruction page fault";
    case 13: return "load page fault";
    case 15: return "store page fault";
    default: return "unexpected exception";
    }
}

void user_exception(Task& task, uint64_t cause, uint64_t address, uint64_t pc) {
    constexpr uint64_t kStackBottom = rvos::kUserStackTop - rvos::kUserStackSize;
    if (cause == arch::kExcIllegalInstruction && fpu::claim(task)) return;
    if (cause == arch::kExcLoadPageFault || cause == arch::kExcStorePageFault) {
        auto mapped = task.space.fault_in(address);
        if (!mapped.is_error()) return;
        if (address < kStackBottom && address >= kStackBottom - rvos::kUserStackGuardSize)
            kill_current("stack overflow", address, pc);
        if (mapped.error() == rvos::Error::NoMemory) kill_current("stack page fault: out of memory", address, pc);
    }
    kill_current(cause_name(cause), address, pc);
}

void kill_current(const char* cause, uint64_t address, uint64_t pc) {
    Task* task = sched::current();
    // The last syscall (named from lib/abi/syscalls.h) says where the
    // program was in its conversation with the kernel.
    if (task->last_syscall < rvos::kSyscallCount)
        kprint("[kernel] killed pid %u (%s): %s at 0x%lx (pc 0x%lx, last syscall %s)\n", task->pid, task->name, cause,
               address, pc, rvos::syscall_name(task->last_syscall));
    else
        kprint("[kernel] killed pid %u (%s): %s at 0x%lx (pc 0x%lx)\n", task->pid, task->name, cause, address, pc);
    lifecycle::exit_current(rvos::ExitReason::Fault, 0);
}

}  // namespace fault
