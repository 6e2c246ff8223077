#include "task/process.h"

#include "arch/riscv.h"
#include "base/string.h"
#include "drivers/uart.h"
#include "lib/print.h"
#include "mm/memory.h"
#include "task/elf.h"
#include "task/scheduler.h"

namespace process {

using rvos::Error;

namespace {

Task* task_table[rvos::kMaxProcesses];
size_t live_tasks = 0;
uint32_t next_pid = 1;

// First code a new kernel task runs (switch_context "returns" here).
void kernel_task_start() {
    sched::current()->kernel_entry();
    sched::exit_current(0);
}

// First code a new user process runs: drop to user mode at its entry point.
void user_process_start() {
    if (sched::current()->killed) sched::exit_current(rvos::kExitKilled);  // killed before it ever ran
    arch::clear_sstatus(arch::kSstatusSPP);
    arch::set_sstatus(arch::kSstatusSPIE);
    user_return(&sched::current()->frame);
}

ErrorOr<Task*> create_task(const char* name, bool is_kernel) {
    size_t slot = 0;
    while (slot < rvos::kMaxProcesses && task_table[slot]) slot++;
    if (slot == rvos::kMaxProcesses) return Error::ProcessTableFull;
    auto* memory = mm::kernel_heap().allocate(sizeof(Task));
    auto* stack = static_cast<uint8_t*>(mm::kernel_heap().allocate(kKernelStackSize));
    if (!memory || !stack) {
        mm::kernel_heap().free(memory);
        mm::kernel_heap().free(stack);
        return Error::NoMemory;
    }
    Task* task = new (memory) Task();
    task->pid = next_pid++;
    base::str_copy(task->name, name, sizeof task->name);
    task->is_kernel = is_kernel;
    task->kernel_stack = stack;
    task->context.sp = reinterpret_cast<uint64_t>(stack + kKernelStackSize);
    task->frame.kernel_sp = task->context.sp;
    task->context.ra = reinterpret_cast<uint64_t>(is_kernel ? kernel_task_start : user_process_start);
    task_table[slot] = task;
    live_tasks++;
    return task;
}

// Frees a task that never ran (creation failed half-way).
void discard(Task* task) {
    task->handles.close_all();
    if (task->exit_endpoint) ipc::unref(*task->exit_endpoint);
    task->exit_endpoint = nullptr;
    destroy(task);
}

mm::Pte segment_flags(const elf::Segment& s) {
    return (s.readable ? mm::pte::kRead : 0) | (s.writable ? mm::pte::kWrite : 0) |
           (s.executable ? mm::pte::kExec : 0);
}

base::ErrorOr<void> load_program(Task& task, const ProgramImage& program, const char* args, size_t args_length) {
    auto size = static_cast<size_t>(program.end - program.start);
    elf::Image image = TRY(elf::parse(program.start, size));
    TRY(task.space.init());
    for (size_t i = 0; i < image.segment_count; i++) {
        const elf::Segment& s = image.segments[i];
        uintptr_t start = base::align_down(s.vaddr, rvos::kPageSize);
        uintptr_t end = base::align_up(s.vaddr + s.memory_size, rvos::kPageSize);
        if (end > start) TRY(task.space.map_fixed(start, end - start, segment_flags(s), mm::RegionKind::Code));
        TRY(task.space.fill(s.vaddr, program.start + s.file_offset, s.file_size));
    }
    uintptr_t stack_bottom = rvos::kUserStackTop - rvos::kUserStackSize;
    TRY(task.space.map_fixed(stack_bottom, rvos::kUserStackSize, mm::pte::kRead | mm::pte::kWrite,
                             mm::RegionKind::Stack));
    // The argument string sits at the top of the stack; a0/a1 describe it.
    uintptr_t args_at = base::align_down(rvos::kUserStackTop - args_length - 1, 16);
    TRY(task.space.fill(args_at, args, args_length));
    task.frame.sepc = image.entry;
    task.frame.sp() = args_at;
    task.frame.a(0) = args_at;
    task.frame.a(1) = args_length;
    return {};
}

// Gives the new task its boot channel (handle 0 in its table, the other end
// in init's) and its process handle (kernel end in the task, user end in
// init's table).
ErrorOr<Started> connect(Task& init, Task& task) {
    ipc::Channel* boot = TRY(ipc::channels().create());
    ipc::Channel* exit = nullptr;
    auto exit_or = ipc::channels().create();
    if (exit_or.is_error()) {
        ipc::unref(boot->ends[0]);
        ipc::unref(boot->ends[1]);
        return exit_or.error();
    }
    exit = exit_or.value();
    task.exit_endpoint = &exit->ends[0];
    // Nobody left to wait for it or stop it: a process whose every process
    // handle is closed ends (kernel tasks never do).
    if (!task.is_kernel) {
        task.exit_endpoint->owner = &task;
        task.exit_endpoint->peer_closed = [](ipc::Endpoint& self) { sched::kill(static_cast<Task*>(self.owner)); };
    }
    auto child_boot = task.handles.install(&boot->ends[0]);  // cannot fail: table is empty
    auto init_boot = init.handles.install(&boot->ends[1]);
    if (init_boot.is_error()) {
        ipc::unref(boot->ends[1]);
        ipc::unref(exit->ends[1]);
        return init_boot.error();
    }
    auto init_process = init.handles.install(&exit->ends[1]);
    if (init_process.is_error()) {
        init.handles.close(init_boot.value());
        ipc::unref(exit->ends[1]);
        return init_process.error();
    }
    (void)child_boot;
    return Started{task.pid, init_boot.value(), init_process.value()};
}

}  // namespace

const ProgramImage* find_program(const char* name) {
    for (const ProgramImage* p = program_images; p->name; p++)
        if (base::str_equal(p->name, name)) return p;
    return nullptr;
}

// Wires a created task to init and lets it run; on failure nothing of it
// is left.
static ErrorOr<Started> launch(Task& init, Task* task) {
    auto started = connect(init, *task);
    if (started.is_error()) {
        discard(task);
        return started.error();
    }
    sched::make_ready(task);
    return started;
}

ErrorOr<Started> start_kernel_task(Task& init, const char* name, void (*entry)()) {
    Task* task = TRY(create_task(name, true));
    task->kernel_entry = entry;
    return launch(init, task);
}

ErrorOr<Started> start_user_program(Task& init, const char* program, const char* args, size_t args_length) {
    const ProgramImage* image = find_program(program);
    if (!image) return Error::NotFound;
    if (args_length > rvos::kMaxArgsLength) return Error::TooLong;
    // The process sees its command line: the program name, then the arguments.
    char command[rvos::kMaxNameLength + 1 + rvos::kMaxArgsLength + 1];
    size_t length = base::str_length_bounded(program, rvos::kMaxNameLength);
    base::mem_copy(command, program, length);
    if (args_length) {
        command[length++] = ' ';
        base::mem_copy(command + length, args, args_length);
        length += args_length;
    }
    Task* task = TRY(create_task(program, false));
    auto loaded = load_program(*task, *image, command, length);
    if (loaded.is_error()) {
        discard(task);
        return loaded.error();
    }
    return launch(init, task);
}

ErrorOr<Task*> create_init(void (*entry)()) {
    Task* task = TRY(create_task("init", true));
    task->kernel_entry = entry;
    sched::make_ready(task);
    return task;
}

void destroy(Task* task) {
    if (!task->is_kernel && task->space.table().valid()) task->space.destroy();
    for (Task*& slot : task_table) {
        if (slot == task) {
            slot = nullptr;
            live_tasks--;
        }
    }
    mm::kernel_heap().free(task->kernel_stack);
    task->~Task();
    mm::kernel_heap().free(task);
}

ErrorOr<Task*> process_of(Task& holder, rvos::Handle handle) {
    ipc::Endpoint* endpoint = TRY(holder.handles.get(handle));
    for (Task* task : task_table)
        if (task && !task->is_kernel && task->exit_endpoint == &endpoint->peer()) return task;
    return Error::NotFound;
}

static void mark_roots(ipc::Marker& marker) {
    for (Task* task : task_table) {
        if (!task) continue;
        task->handles.for_each([&](ipc::Object& object) {
            if (object.kind() == ipc::Object::Kind::Endpoint) marker.mark(static_cast<ipc::Endpoint&>(object));
        });
        if (task->exit_endpoint) marker.mark(*task->exit_endpoint);
    }
    if (uart::input_endpoint()) marker.mark(*uart::input_endpoint());
}

size_t collect_channel_garbage() { return ipc::channels().collect_garbage(mark_roots); }

Task* task_at(size_t slot) { return slot < rvos::kMaxProcesses ? task_table[slot] : nullptr; }
size_t task_count() { return live_tasks; }

}  // namespace process
