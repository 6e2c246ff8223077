// A task is the kernel's unit of execution: a kernel task (a built-in
// service running in S-mode on its own kernel stack) or a user process (a
// kernel stack plus an address space and a trap frame). Both own a handle
// table; handles are the only way either reaches a kernel object.
#pragma once

#include "abi/abi.h"
#include "abi/protocol.h"
#include "arch/context.h"
#include "arch/fpu.h"
#include "ipc/handle_table.h"
#include "mm/address_space.h"
#include "task/clock.h"

namespace process {
class ProcessObject;
}

enum class TaskState : uint8_t {
    Ready = static_cast<uint8_t>(rvos::proto::ProcessState::Ready),
    Running = static_cast<uint8_t>(rvos::proto::ProcessState::Running),
    Blocked = static_cast<uint8_t>(rvos::proto::ProcessState::Blocked),
    Exited = static_cast<uint8_t>(rvos::proto::ProcessState::Exited),
};

// What a task blocked in wait() is registered with, so that ending it (a
// kill wakes it) can unhook it from every object and the deadline list.
struct WaitState {
    ipc::Observer* observers = nullptr;  // in the waiting frame
    size_t count = 0;
    clock::Deadline deadline;
    bool timed_out = false;
};

struct Task {
    uint32_t pid = 0;
    char name[rvos::kMaxNameLength + 1] = {};
    TaskState state = TaskState::Ready;
    bool is_kernel = false;
    bool killed = false;  // ends at its next switch back in (see sched)
    int32_t kill_code = 0;  // the code its process object reports then (a signal number)
    // What pays for the messages it queues, and for those the system's
    // servers send it: its own account (its task slot) for a user program;
    // none for the system's servers (kernel tasks, boot servers), whose
    // messages the receiving program pays for (ipc::Payer).
    uint8_t account = ipc::kSystemAccount;

    arch::Context context = {};  // kernel registers while switched out
    arch::TrapFrame frame = {};  // user registers (user processes)
    size_t slot = 0;  // in the task table, and its kernel stack's (mm/kernel_stack.h)
    void (*kernel_entry)() = nullptr;  // kernel tasks

    // The object process handles name; told how the task ended. Null once
    // every process handle is gone.
    process::ProcessObject* process = nullptr;
    WaitState wait;
    uint64_t last_syscall = ~0ull;  // for kill lines
    // CPU time: what it has used up to its last switch out, and when it
    // last got the CPU (sched charges the difference when it leaves).
    uint64_t cpu_ticks = 0;  // CPU time used, in clock ticks (charged with recent_use)

    // The scheduler's (see scheduler.cpp), in clock ticks: CPU time used
    // recently, halved each decay period, as of period `use_epoch`; when it
    // last started running or was charged; its link in the ready list.
    uint64_t recent_use = 0;
    uint64_t use_epoch = 0;
    uint64_t charged_until = 0;
    Task* next_ready = nullptr;

    // User FP registers, saved here only when another task claims the unit
    // (task/fpu.h); left uninitialised until then, so spawn does not pay
    // for them. fp_saved: `fp` holds them (else they are all zero).
    bool fp_saved = false;
    arch::FpState fp;

    // The two big members last (9 KiB): the fields above, used on every
    // trap, wait and switch, then sit within a load's 12-bit offset.
    ipc::HandleTable handles;
    mm::AddressSpace space;  // user processes
};

