#include "syscall/syscall.h"

#include "arch/sbi.h"
#include "ipc/task_ipc.h"
#include "lib/print.h"
#include "task/fault.h"
#include "task/process.h"
#include "task/scheduler.h"

namespace syscall {

using rvos::Error;
using rvos::Message;
using rvos::Syscall;

namespace {

// A handler's result: a value, or an error that becomes -Error in a0.
struct Result {
    int64_t value;
    static Result error(Error e) { return Result{-static_cast<int64_t>(e)}; }
    static Result ok(int64_t v = 0) { return Result{v}; }
    static Result from(Error e) { return e == Error::None ? ok() : error(e); }
};

using Handler = Result (*)(Task&, arch::TrapFrame&);

rvos::Handle handle_arg(arch::TrapFrame& f, int n) {
    // Handles are small non-negative numbers; anything that does not fit is
    // simply not a handle (get() then reports BadHandle).
    uint64_t raw = f.a(n);
    return raw > 0x7fffffff ? rvos::kNoHandle : static_cast<rvos::Handle>(raw);
}

Result sys_exit(Task&, arch::TrapFrame& f) { sched::exit_current(static_cast<int32_t>(f.a(0))); }

Result sys_yield(Task&, arch::TrapFrame&) {
    sched::yield();
    return Result::ok();
}

Result sys_getpid(Task& t, arch::TrapFrame&) { return Result::ok(t.pid); }

Result sys_chan_create(Task& t, arch::TrapFrame& f) {
    auto pair = ipc::create_channel(t);
    if (pair.is_error()) return Result::error(pair.error());
    f.a(1) = static_cast<uint64_t>(pair.value().b);
    return Result::ok(pair.value().a);
}

Result sys_chan_send(Task& t, arch::TrapFrame& f) {
    Message message;
    auto copied = t.space.copy_in(&message, f.a(1), sizeof message);
    if (copied.is_error()) return Result::error(copied.error());
    return Result::from(ipc::send(t, handle_arg(f, 0), message));
}

Result receive(Task& t, arch::TrapFrame& f, bool block) {
    // Check the destination before taking a message off the queue, so a bad
    // pointer cannot lose it.
    auto writable = t.space.check_writable(f.a(1), sizeof(Message));
    if (writable.is_error()) return Result::error(writable.error());
    Message message;
    Error error = ipc::receive(t, handle_arg(f, 0), message, block);
    if (error != Error::None && error != Error::HandleTableFull) return Result::error(error);
    // Mapped and writable a moment ago, and only this task can change its
    // own mappings, so this copy cannot fail. (HandleTableFull delivered the
    // message without its capability.)
    (void)t.space.copy_out(f.a(1), &message, sizeof message);
    return Result::from(error);
}

Result sys_chan_recv(Task& t, arch::TrapFrame& f) { return receive(t, f, false); }
Result sys_chan_recv_wait(Task& t, arch::TrapFrame& f) { return receive(t, f, true); }

Result sys_chan_close(Task& t, arch::TrapFrame& f) { return Result::from(ipc::close(t, handle_arg(f, 0))); }

Result sys_wait(Task& t, arch::TrapFrame& f) {
    uint64_t count = f.a(1);
    if (count == 0 || count > rvos::kMaxHandles) return Result::error(Error::BadArgument);
    rvos::Handle handles[rvos::kMaxHandles];
    auto copied = t.space.copy_in(handles, f.a(0), count * sizeof(rvos::Handle));
    if (copied.is_error()) return Result::error(copied.error());
    auto ready = ipc::wait(t, handles, count);
    if (ready.is_error()) return Result::error(ready.error());
    return Result::ok(static_cast<int64_t>(ready.value()));
}

Result sys_mmap(Task& t, arch::TrapFrame& f) {
    auto address = t.space.map_anonymous(f.a(0));
    if (address.is_error()) return Result::error(address.error());
    return Result::ok(static_cast<int64_t>(address.value()));
}

Result sys_munmap(Task& t, arch::TrapFrame& f) { return Result::from(t.space.unmap_user(f.a(0), f.a(1)).error()); }

Result sys_shutdown(Task&, arch::TrapFrame&) {
    kprint("[kernel] shutdown requested, powering off\n");
    sbi::shutdown();
}

Result sys_kill(Task& t, arch::TrapFrame& f) {
    auto target = process::process_of(t, handle_arg(f, 0));
    if (target.is_error()) return Result::error(target.error());
    if (target.value() == &t) sched::exit_current(rvos::kExitKilled);
    sched::kill(target.value());
    return Result::ok();
}

Result sys_mem_create(Task& t, arch::TrapFrame& f) {
    if (t.handles.full()) return Result::error(Error::HandleTableFull);
    auto object = mm::MemoryObject::create(f.a(0));
    if (object.is_error()) return Result::error(object.error());
    return Result::ok(t.handles.install(object.value()).value());
}

Result sys_mem_map(Task& t, arch::TrapFrame& f) {
    auto object = t.handles.get_object(handle_arg(f, 0));
    if (object.is_error()) return Result::error(object.error());
    if (object.value()->kind() != ipc::Object::Kind::Memory) return Result::error(Error::WrongType);
    auto& memory = *static_cast<mm::MemoryObject*>(object.value());
    auto address = t.space.map_shared(memory, true);
    if (address.is_error()) return Result::error(address.error());
    f.a(1) = memory.pages() * rvos::kPageSize;
    return Result::ok(static_cast<int64_t>(address.value()));
}

struct Entry {
    const char* name;
    Handler handler;
};

// The syscall table: the ABI's Syscall enum indexes it.
constexpr Entry kSyscalls[] = {
    [static_cast<size_t>(Syscall::Exit)] = {"exit", sys_exit},
    [static_cast<size_t>(Syscall::Yield)] = {"yield", sys_yield},
    [static_cast<size_t>(Syscall::GetPid)] = {"getpid", sys_getpid},
    [static_cast<size_t>(Syscall::ChanCreate)] = {"chan_create", sys_chan_create},
    [static_cast<size_t>(Syscall::ChanSend)] = {"chan_send", sys_chan_send},
    [static_cast<size_t>(Syscall::ChanRecv)] = {"chan_recv", sys_chan_recv},
    [static_cast<size_t>(Syscall::ChanRecvWait)] = {"chan_recv_wait", sys_chan_recv_wait},
    [static_cast<size_t>(Syscall::ChanClose)] = {"chan_close", sys_chan_close},
    [static_cast<size_t>(Syscall::Wait)] = {"wait", sys_wait},
    [static_cast<size_t>(Syscall::Mmap)] = {"mmap", sys_mmap},
    [static_cast<size_t>(Syscall::Munmap)] = {"munmap", sys_munmap},
    [static_cast<size_t>(Syscall::Shutdown)] = {"shutdown", sys_shutdown},
    [static_cast<size_t>(Syscall::Kill)] = {"kill", sys_kill},
    [static_cast<size_t>(Syscall::MemCreate)] = {"mem_create", sys_mem_create},
    [static_cast<size_t>(Syscall::MemMap)] = {"mem_map", sys_mem_map},
};
static_assert(sizeof kSyscalls / sizeof kSyscalls[0] == static_cast<size_t>(Syscall::Count),
              "every syscall in the ABI has a table entry");

}  // namespace

void dispatch(Task& task, arch::TrapFrame& frame) {
    uint64_t number = frame.a(7);
    if (number >= static_cast<uint64_t>(Syscall::Count)) {
        fault::kill_current("bad syscall", number, frame.sepc);
    }
    frame.sepc += 4;  // resume after the ecall
    Result result = kSyscalls[number].handler(task, frame);
    frame.a(0) = static_cast<uint64_t>(result.value);
}

}  // namespace syscall
