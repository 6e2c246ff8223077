// The scheduler: the run queue, switching between tasks, and the idle loop
// (see scheduler.h). How tasks end lives in lifecycle.cpp, time in clock.cpp.
#include "task/scheduler.h"

#include "arch/riscv.h"
#include "lib/print.h"
#include "platform/interrupts.h"
#include "task/lifecycle.h"

namespace sched {

Task* detail::running = nullptr;

namespace {

using detail::running;
Task* ready_head = nullptr;
Task* ready_tail = nullptr;
arch::Context scheduler_context;

Task* pop_ready() {
    Task* task = ready_head;
    if (task) {
        ready_head = task->next_ready;
        if (!ready_head) ready_tail = nullptr;
        task->next_ready = nullptr;
    }
    return task;
}

// A user process needs its own table; a kernel task runs on whatever table is
// loaded, since the kernel is mapped identically in all of them.
void load_address_space(Task& task) {
    if (task.is_kernel) return;
    uint64_t satp = task.space.table().satp();
    if (arch::read_satp() != satp) {
        arch::write_satp(satp);
        arch::flush_tlb();
    }
}

// The running task (already marked Ready or Blocked) leaves the CPU. The
// next ready task gets it directly — one context switch, so a request and
// its reply cost two switches in all; only when nothing is ready does the
// CPU go to the scheduler's idle loop. Back here when this task runs again;
// a task killed meanwhile ends instead of resuming.
void switch_away() {
    Task* previous = running;
    Task* next = pop_ready();
    if (next == previous) {
        previous->state = TaskState::Running;  // a yield with nothing else to run
    } else if (next) {
        running = next;
        next->state = TaskState::Running;
        load_address_space(*next);
        switch_context(&previous->context, &next->context);
    } else {
        switch_context(&previous->context, &scheduler_context);
    }
    if (running->killed) lifecycle::exit_current(rvos::ExitReason::Killed, 0);
}

void idle() {
    // wfi wakes for any interrupt enabled in sie even with SIE clear, so the
    // kernel polls interrupts here instead of taking traps.
    arch::wait_for_interrupt();
    platform::poll_interrupts();
}

}  // namespace

void make_ready(Task* task) {
    task->state = TaskState::Ready;
    task->next_ready = nullptr;
    if (ready_tail) ready_tail->next_ready = task;
    else ready_head = task;
    ready_tail = task;
}

void yield() {
    make_ready(running);
    switch_away();
}

void block() {
    running->state = TaskState::Blocked;
    switch_away();
}

void leave_for_good() {
    Task* task = running;
    switch_context(&task->context, &scheduler_context);
    panic("exited task %u was scheduled again", task->pid);
}

void run() {
    for (;;) {
        Task* task = pop_ready();
        if (!task) {
            idle();
            continue;
        }
        running = task;
        task->state = TaskState::Running;
        load_address_space(*task);
        switch_context(&scheduler_context, &task->context);
        // Tasks hand the CPU to each other directly, so whoever came back
        // here (to idle, or having exited) may not be the task started above.
        Task* returned = running;
        running = nullptr;
        if (returned->state == TaskState::Exited) lifecycle::reap(returned);
    }
}

}  // namespace sched

void task_wake(Task* task) {
    if (task->state == TaskState::Blocked) sched::make_ready(task);
}
