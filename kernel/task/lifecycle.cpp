// Process lifecycle (see lifecycle.h).
#include "task/lifecycle.h"

#include "arch/riscv.h"
#include "ipc/channel.h"
#include "ipc/wait.h"
#include "lib/print.h"
#include "mm/memory.h"
#include "task/process.h"
#include "task/process_object.h"
#include "task/scheduler.h"

namespace lifecycle {

void exit_current(rvos::ExitReason reason, int32_t code) {
    Task* task = sched::current();
    ipc::abandon_wait(*task);  // no object may keep pointing into our stack
    if (process::ProcessObject* object = task->process) {
        task->process = nullptr;
        object->ended(reason, code, sched::cpu_ns(*task));
    }
    task->handles.close_all();
    // Its handles may have been all that kept a capability cycle, or a
    // process holding its own handle, reachable (if they all ended with
    // it and no handle is parked in a queue, there is nothing to find).
    if (ipc::garbage_possible()) process::collect_garbage();
    task->state = TaskState::Exited;
    sched::leave_for_good();
}

void kill(Task* task, int32_t code) {
    if (task->is_kernel) return;
    if (!task->killed) task->kill_code = code;  // the first kill is the one reported
    task->killed = true;
    if (task->state == TaskState::Blocked) sched::make_ready(task);
}

void reap(Task* task) {
    if (!task->is_kernel && arch::read_satp() == task->space.table().satp()) {
        arch::write_satp(mm::kernel_table().satp());
        arch::flush_tlb();
    }
    process::destroy(task);
}

}  // namespace lifecycle
