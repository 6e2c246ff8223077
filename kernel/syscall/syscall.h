// The syscall layer: thin handlers over kernel objects, one file per group
// (ipc, handle, wait, memory, process, clock). Every handler is declared
// here from the X-macro in lib/abi/syscalls.h and returns ErrorOr<uint64_t>;
// table.cpp turns that into a0 in one place. Handlers check every argument
// and touch user memory only through the caller's address space.
#pragma once

#include "abi/syscalls.h"
#include "task/task.h"

namespace syscall {

using base::ErrorOr;
using rvos::Error;

// One syscall as a handler sees it: the caller, its arguments, and the
// extra result registers. Two references, passed by value in two registers.
struct Call {
    Task& task;
    arch::TrapFrame& frame;

    uint64_t arg(int n) { return frame.a(n); }
    // Handles are small non-negative numbers; anything that does not fit is
    // simply not a handle (lookups then report BadHandle).
    rvos::Handle handle(int n) {
        uint64_t raw = frame.a(n);
        return raw > 0x7fffffff ? rvos::kNoHandle : static_cast<rvos::Handle>(raw);
    }
    // Second and third results, returned in a1 and a2 (also on error).
    void set_a1(uint64_t value) { frame.a(1) = value; }
    void set_a2(uint64_t value) { frame.a(2) = value; }
};

#define RVOS_SYSCALL_DECLARE(number, Name, name, group, args) ErrorOr<uint64_t> sys_##name(Call call);
RVOS_SYSCALLS(RVOS_SYSCALL_DECLARE)
#undef RVOS_SYSCALL_DECLARE

// Dispatches the ecall in `frame` (number in a7). An unknown number kills
// the caller, like any other fault.
void dispatch(Task& task, arch::TrapFrame& frame);

}  // namespace syscall
