// The scheduler: the ready list, the choice by recent CPU use, switching
// between tasks, and the idle loop (see scheduler.h for the policy). How
// tasks end lives in lifecycle.cpp, time in clock.cpp.
#include "task/scheduler.h"

#include "arch/riscv.h"
#include "lib/print.h"
#include "mm/kernel_stack.h"
#include "platform/interrupts.h"
#include "task/fpu.h"
#include "task/lifecycle.h"

namespace sched {

Task* detail::running = nullptr;

namespace {

using detail::running;
Task* ready_head = nullptr;  // in the order the tasks became ready
Task* ready_tail = nullptr;
arch::Context scheduler_context;

// Use is counted in ticks of the clock (rdtime, 10 MHz on QEMU virt: no
// conversion on the switch path) and halves every 2^23 ticks (0.84 s). Long
// enough that each of three busy loops keeps 0.2-0.5 s of recent use, far
// above what a program that waits on servers gathers in a run; short enough
// that a program that turns into a busy loop loses its lead within about a
// second.
constexpr unsigned kDecayShift = 23;

uint64_t epoch_of(uint64_t now) { return now >> kDecayShift; }

// A task's recent use brought up to date: halved once per period passed.
uint64_t recent_use(Task& task, uint64_t epoch) {
    if (uint64_t passed = epoch - task.use_epoch) {
        task.recent_use = passed < 64 ? task.recent_use >> passed : 0;
        task.use_epoch = epoch;
    }
    return task.recent_use;
}

// Charges the running task the time since it was switched in (or last
// charged); returns its recent use.
uint64_t charge_running(uint64_t now) {
    running->cpu_ticks += now - running->charged_until;  // its CPU time (times(), clock())
    uint64_t use = recent_use(*running, epoch_of(now)) + (now - running->charged_until);
    running->recent_use = use;
    running->charged_until = now;
    return use;
}

// The ready task with the least recent use (the first of equals, so equals
// take turns), found without unlinking it.
struct Least {
    Task** link = nullptr;   // what points at it
    Task* before = nullptr;  // its predecessor in the list (null: the head)
    uint64_t use = ~0ull;
};

Least find_least(uint64_t now) {
    uint64_t epoch = epoch_of(now);
    Least least;
    Task* before = nullptr;
    for (Task** link = &ready_head; *link; before = *link, link = &(*link)->next_ready) {
        uint64_t use = recent_use(**link, epoch);
        if (use < least.use) least = {link, before, use};
    }
    return least;
}

Task* unlink(const Least& least) {
    Task* task = *least.link;
    *least.link = task->next_ready;
    if (ready_tail == task) ready_tail = least.before;
    task->next_ready = nullptr;
    return task;
}

// A user process needs its own table; a kernel task runs on whatever table is
// loaded, since the kernel is mapped identically in all of them. The FP
// unit is turned on for the task that owns the FP registers and off for
// any other (a few instructions; the registers move only when a task
// that does not own them uses FP: task/fpu.h). Always inlined: as a call it
// would cost the switch path another ten instructions.
[[gnu::always_inline]] inline void load_address_space(Task& task) {
    if (task.is_kernel) return;
    fpu::switch_to(task);
    uint64_t satp = task.space.table().satp();
    if (arch::read_satp() != satp) {
        arch::write_satp(satp);
        arch::flush_tlb();
    }
}

void start_running(Task* task, uint64_t now) {
    running = task;
    task->state = TaskState::Running;
    task->charged_until = now;
    load_address_space(*task);
}

enum class Why { Block, Yield, Tick, Wake };

// The running task (already marked Blocked if it blocks) is charged and
// the CPU goes to the ready task with the least recent use: when it blocks
// or yields, whatever that use (a yield lets every other ready task go
// first); at a tick, if that use is no more than the running task's; after
// a wake, if it is less. The task handed over to gets the CPU directly —
// one context switch, so a request and its reply cost two switches in
// all; when nothing is ready, a blocking task hands the CPU to the idle
// loop. Back here when this task runs again; a task killed meanwhile ends
// instead of resuming.
void reschedule(Why why) {
    uint64_t now = arch::read_time();
    uint64_t use = charge_running(now);
    Least least;
    if (ready_head && !ready_head->next_ready && (why == Why::Block || why == Why::Yield))
        least.link = &ready_head;  // the only candidate: no need for its use
    else
        least = find_least(now);
    bool hand_over = why == Why::Block || (least.link && (why == Why::Yield || least.use < use ||
                                                          (why == Why::Tick && least.use == use)));
    if (!hand_over) return;
    Task* previous = running;
    Task* next = least.link ? unlink(least) : nullptr;
    if (why != Why::Block) make_ready(previous);
    if (next) {
        start_running(next, now);
        switch_context(&previous->context, &next->context);
    } else {
        switch_context(&previous->context, &scheduler_context);
    }
    if (running->killed) lifecycle::exit_current(rvos::ExitReason::Killed, running->kill_code);
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
    // With nothing else ready a yield changes nothing: the task goes on,
    // and the time it runs is charged at its next switch.
    if (ready_head) reschedule(Why::Yield);
}

void preempt(bool slice_over) { reschedule(slice_over ? Why::Tick : Why::Wake); }

void block() {
    running->state = TaskState::Blocked;
    reschedule(Why::Block);
}

void leave_for_good() {
    Task* task = running;
    switch_context(&task->context, &scheduler_context);
    panic("exited task %u was scheduled again", task->pid);
}

namespace {

// The loop itself, on its own guarded stack (see run()).
[[noreturn]] void schedule() {
    for (;;) {
        uint64_t now = arch::read_time();
        Least least = find_least(now);
        if (!least.link) {
            idle();
            continue;
        }
        Task* task = unlink(least);
        start_running(task, now);
        switch_context(&scheduler_context, &task->context);
        // Tasks hand the CPU to each other directly, so whoever came back
        // here (to idle, or having exited) may not be the task started above.
        Task* returned = running;
        running = nullptr;
        if (returned->state == TaskState::Exited) lifecycle::reap(returned);
    }
}

}  // namespace

void run() {
    // Off the boot stack (which has no guard page) onto a guarded one.
    auto top = mm::map_kernel_stack(mm::kSchedulerStackSlot);
    if (top.is_error()) panic("no frames for the scheduler's stack");
    arch::Context boot = {}, loop = {};
    loop.sp = top.value();
    loop.ra = reinterpret_cast<uint64_t>(schedule);
    switch_context(&boot, &loop);
    panic("the scheduler loop returned");
}

}  // namespace sched

uint64_t sched::cpu_ns(const Task& task) {
    uint64_t ticks = task.cpu_ticks;
    if (&task == sched::current()) ticks += arch::read_time() - task.charged_until;
    return clock::ns_from_ticks(ticks);
}

void task_wake(Task* task) {
    if (task->state == TaskState::Blocked) sched::make_ready(task);
}
