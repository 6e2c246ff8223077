// Task creation, program loading and wiring to init (see process.h).
#include "task/process.h"

#include "arch/riscv.h"
#include "base/string.h"
#include "lib/print.h"
#include "mm/kernel_stack.h"
#include "mm/memory.h"
#include "task/elf.h"
#include "task/fpu.h"
#include "task/lifecycle.h"
#include "task/process_object.h"
#include "task/scheduler.h"

namespace process {

using rvos::Error;

namespace {

Task* task_table[rvos::kMaxProcesses];
size_t live_tasks = 0;
uint32_t next_pid = 1;

constexpr rvos::Rights kBootRights = rvos::kRightRead | rvos::kRightWrite | rvos::kRightTransfer |
                                     rvos::kRightDuplicate | rvos::kRightWait;
constexpr rvos::Rights kProcessRights = rvos::kRightRead | rvos::kRightSignal | rvos::kRightTransfer |
                                        rvos::kRightDuplicate | rvos::kRightWait;

// First code a new kernel task runs (switch_context "returns" here).
void kernel_task_start() {
    sched::current()->kernel_entry();
    lifecycle::exit_current(rvos::ExitReason::Exited, 0);
}

// First code a new user process runs: drop to user mode at its entry point.
void user_process_start() {
    Task* task = sched::current();
    if (task->killed) lifecycle::exit_current(rvos::ExitReason::Killed, task->kill_code);  // before it ever ran
    arch::clear_sstatus(arch::kSstatusSPP);
    arch::set_sstatus(arch::kSstatusSPIE);
    user_return(&task->frame);
}

ErrorOr<Task*> create_task(const char* name, bool is_kernel) {
    size_t slot = 0;
    while (slot < rvos::kMaxProcesses && task_table[slot]) slot++;
    if (slot == rvos::kMaxProcesses) {
        // It may be full of processes nothing reachable holds: they are
        // ended now, and their slots are free once they have run to their
        // end (a later try succeeds).
        collect_garbage();
        return Error::ProcessTableFull;
    }
    // The task lives in the heap, its kernel stack in a guarded slot of its
    // own: an overflow faults instead of overwriting the task.
    auto* memory = mm::kernel_heap().allocate(sizeof(Task));
    if (!memory) return Error::NoMemory;
    auto stack_top = mm::map_kernel_stack(slot);
    if (stack_top.is_error()) {
        mm::kernel_heap().free(memory);
        return stack_top.error();
    }
    // Default-initialised, not value-initialised: every member that needs a
    // value has one, and zeroing the whole Task (its region map's unused
    // slots) would cost every spawn.
    Task* task = new (memory) Task;
    task->pid = next_pid++;
    base::str_copy(task->name, name, sizeof task->name);
    task->is_kernel = is_kernel;
    if (!is_kernel) {
        task->account = static_cast<uint8_t>(slot);
        ipc::open_account(task->account, task->pid);
        task->handles.set_owner(ipc::Holder{task->account, task->pid});
    }
    task->slot = slot;
    task->context.sp = stack_top.value();
    task->frame.kernel_sp = task->context.sp;
    task->context.ra = reinterpret_cast<uint64_t>(is_kernel ? kernel_task_start : user_process_start);
    task_table[slot] = task;
    live_tasks++;
    return task;
}

// Frees a task that never ran (creation failed half-way).
void discard(Task* task) {
    task->handles.close_all();
    destroy(task);
}

mm::Pte segment_flags(const elf::Segment& s) {
    return (s.readable ? mm::pte::kRead : 0) | (s.writable ? mm::pte::kWrite : 0) |
           (s.executable ? mm::pte::kExec : 0);
}

// Stack pages mapped at spawn, from the top (see load_program).
constexpr size_t kStackMappedAtSpawn = 8 * rvos::kPageSize;
static_assert(kStackMappedAtSpawn <= rvos::kUserStackSize);

// A segment's bytes in an image, read for map_fixed page by page (a memory
// object's pages are not contiguous).
struct SegmentBytes {
    const elf::Source* source;
    uint64_t file_offset;
};
void copy_segment(const void* context, size_t offset, void* out, size_t length) {
    auto* bytes = static_cast<const SegmentBytes*>(context);
    bytes->source->copy(bytes->file_offset + offset, out, length);
}

base::ErrorOr<void> load_program(Task& task, const elf::Source& source, const Launch& launch) {
    elf::Image image = TRY(elf::parse(source));
    TRY(task.space.init());
    for (size_t i = 0; i < image.segment_count; i++) {
        const elf::Segment& s = image.segments[i];
        uintptr_t start = base::align_down(s.vaddr, rvos::kPageSize);
        uintptr_t end = base::align_up(s.vaddr + s.memory_size, rvos::kPageSize);
        if (end <= start) continue;
        // Each page is written once: the segment's bytes and zeroes round them.
        if (source.data) {  // contiguous (an embedded image)
            TRY(task.space.map_fixed(start, end - start, segment_flags(s), mm::RegionKind::Code, s.vaddr,
                                     source.data + s.file_offset, s.file_size));
            continue;
        }
        SegmentBytes bytes{&source, s.file_offset};
        TRY(task.space.map_fixed(start, end - start, segment_flags(s), mm::RegionKind::Code,
                                 mm::AddressSpace::FillData{s.vaddr, s.file_size, &bytes, copy_segment}));
    }
    uintptr_t stack_bottom = rvos::kUserStackTop - rvos::kUserStackSize;
    // Reserved, not mapped: zeroing even 256 KiB made spawn 1.8x slower, and
    // most programs use a few pages of it. Only the top kStackMappedAtSpawn
    // are mapped now (with the argument block, if larger, by the fills
    // below); the rest are mapped on first touch. The head start is what a
    // shallow program uses: it keeps such a program alive when it has used
    // up every frame (hog reports "mmap refused" with printf ~18 KiB down,
    // where it would otherwise need a page there is none of) and spares
    // every program its first faults.
    TRY(task.space.reserve_stack(stack_bottom, rvos::kUserStackSize));
    TRY(task.space.prefault_stack(rvos::kUserStackTop - kStackMappedAtSpawn, kStackMappedAtSpawn));
    // The argument and environment strings and the working directory sit at
    // the top of the stack.
    size_t block = launch.args_length + launch.env_length + launch.cwd_length;
    uintptr_t block_at = base::align_down(rvos::kUserStackTop - block, 16);
    TRY(task.space.fill(block_at, launch.args, launch.args_length));
    TRY(task.space.fill(block_at + launch.args_length, launch.env, launch.env_length));
    TRY(task.space.fill(block_at + launch.args_length + launch.env_length, launch.cwd, launch.cwd_length));
    task.frame.sepc = image.entry;
    task.frame.sp() = block_at;
    task.frame.a(0) = block_at;
    task.frame.a(1) = launch.args_length;
    task.frame.a(2) = launch.env_length;
    task.frame.a(3) = launch.handle_count;
    task.frame.a(4) = launch.cwd_length;
    task.frame.a(5) = launch.parent_pid;
    return {};
}

// Gives the new task its boot channel (handle 0 in its table, the other end
// in init's) and its process object (the handle in init's table).
ErrorOr<Started> connect(Task& init, Task& task) {
    if (init.handles.free_slots() < 2) return Error::HandleTableFull;
    ProcessObject* object = ProcessObject::create(&task);
    if (!object) return Error::NoMemory;
    ipc::Channel* boot = nullptr;
    auto created = new_channel();
    if (created.is_error()) {
        object->unref();  // task is not linked yet: nothing to kill
        return created.error();
    }
    boot = created.value();
    task.process = object;
    (void)task.handles.install(&boot->ends[0], kBootRights);  // handle 0: the table is empty
    rvos::Handle init_boot = init.handles.install(&boot->ends[1], kBootRights).value();
    rvos::Handle init_process = init.handles.install(object, kProcessRights).value();
    return Started{task.pid, init_boot, init_process};
}

// The launch handles must be init's, each with kRightTransfer.
Error check_launch_handles(Task& init, const Launch& launch) {
    if (launch.handle_count > rvos::kMaxMessageHandles) return Error::BadArgument;
    for (size_t i = 0; i < launch.handle_count; i++) {
        auto entry = init.handles.lookup(launch.handles[i]);
        if (entry.is_error()) return entry.error();
        if (!(entry.value().rights & rvos::kRightTransfer)) return Error::AccessDenied;
        for (size_t k = 0; k < i; k++)
            if (launch.handles[k] == launch.handles[i]) return Error::BadArgument;
    }
    return Error::None;
}

// Wires a created task to init, moves the (checked) launch handles into it
// as handles 1, 2, ... and lets it run; on failure nothing of it is left
// and init keeps its handles.
ErrorOr<Started> launch_task(Task& init, Task* task, const Launch* launch) {
    auto started = connect(init, *task);
    if (started.is_error()) {
        discard(task);
        return started.error();
    }
    for (size_t i = 0; launch && i < launch->handle_count; i++) {
        ipc::HandleEntry entry = init.handles.take(launch->handles[i]).value();
        (void)task->handles.install(entry.object, entry.rights & launch->keep);  // a fresh table has room
    }
    sched::make_ready(task);
    return started;
}

}  // namespace

const ProgramImage* find_program(const char* name) {
    for (const ProgramImage* p = program_images; p->name; p++)
        if (base::str_equal(p->name, name)) return p;
    return nullptr;
}

ErrorOr<Started> start_kernel_task(Task& init, const char* name, void (*entry)(), const rvos::Handle* handles,
                                   size_t handle_count) {
    Launch launch{"", 0, "", 0, handles, handle_count};
    if (Error error = check_launch_handles(init, launch); error != Error::None) return error;
    Task* task = TRY(create_task(name, true));
    task->kernel_entry = entry;
    return launch_task(init, task, &launch);
}

ErrorOr<Started> start_user_program(Task& init, const char* program, const Launch& launch) {
    const ProgramImage* image = find_program(program);
    if (!image) return Error::NotFound;
    auto size = static_cast<size_t>(image->end - image->start);
    return start_user_image(init, program, elf::Source::contiguous(image->start, size), launch);
}

ErrorOr<Started> start_user_image(Task& init, const char* program, const elf::Source& image, const Launch& launch) {
    if (launch.args_length + launch.env_length > rvos::kMaxSpawnBytes) return Error::TooLong;
    if (launch.cwd_length > rvos::kMaxPathLength) return Error::TooLong;
    if (Error error = check_launch_handles(init, launch); error != Error::None) return error;
    Task* task = TRY(create_task(program, false));
    if (launch.system_server) {
        ipc::close_account(task->account);
        task->account = ipc::kSystemAccount;
        task->handles.set_owner(ipc::Holder{});
    }
    auto loaded = load_program(*task, image, launch);
    if (loaded.is_error()) {
        discard(task);
        return loaded.error();
    }
    return launch_task(init, task, &launch);
}

ErrorOr<Task*> create_init(void (*entry)()) {
    Task* task = TRY(create_task("init", true));
    task->kernel_entry = entry;
    sched::make_ready(task);
    return task;
}

void destroy(Task* task) {
    if (task->process) {  // never ran: nobody holds its process handle yet
        task->process->ended(rvos::ExitReason::Killed, 0, 0);
        task->process = nullptr;
    }
    if (!task->is_kernel && task->space.table().valid()) task->space.destroy();
    if (task->account != ipc::kSystemAccount) ipc::close_account(task->account);
    fpu::release(*task);
    task_table[task->slot] = nullptr;
    live_tasks--;
    mm::unmap_kernel_stack(task->slot);
    task->~Task();
    mm::kernel_heap().free(task);
}

// The roots: what kernel tasks hold — the system itself — and what a task
// still being created holds. A user process is reachable only through its
// process object: what it holds counts only if a reachable holder can wait
// for it or stop it.
static void mark_roots(ipc::Marker& marker) {
    for (Task* task : task_table)
        if (task && (task->is_kernel || (!task->process && !task->killed)))
            task->handles.for_each([&](ipc::Object& object) { marker.mark(object); });
}

// A user process nothing reachable holds a handle to — its own, queued in
// its own queue or in a cycle only it can read, say — could never be
// waited for or stopped: it ends, as when its last handle closes.
static void end_unreachable_processes(const ipc::Marker& marker) {
    for (Task* task : task_table) {
        if (!task || !task->process) continue;
        if (!task->process->gc_marked && !task->is_kernel && !marker.overflowed()) lifecycle::kill(task);
        task->process->gc_marked = false;
    }
}

size_t collect_garbage() { return ipc::channels().collect_garbage(mark_roots, end_unreachable_processes); }

ErrorOr<ipc::Channel*> new_channel() {
    auto created = ipc::channels().create();
    if (created.is_error() && collect_garbage() > 0) created = ipc::channels().create();
    return created;
}

Task* task_at(size_t slot) { return slot < rvos::kMaxProcesses ? task_table[slot] : nullptr; }
size_t task_count() { return live_tasks; }

}  // namespace process
