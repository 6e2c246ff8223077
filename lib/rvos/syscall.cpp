// The raw syscall wrappers (see syscall.h).
#include "rvos/syscall.h"

namespace rvos::sys {

namespace {

struct Raw {
    int64_t a0;
    uint64_t a1;
    uint64_t a2;
};

// The ecall, with as many arguments as the syscall takes. Only those
// registers are loaded: the kernel reads a syscall's own arguments and no
// others, so zeroing the rest would be work on every call. a0-a2 carry the
// results back.
Raw call(Syscall number) {
    register uint64_t a0 asm("a0"), a1 asm("a1"), a2 asm("a2");
    register uint64_t a7 asm("a7") = static_cast<uint64_t>(number);
    asm volatile("ecall" : "=r"(a0), "=r"(a1), "=r"(a2) : "r"(a7) : "memory");
    return Raw{static_cast<int64_t>(a0), a1, a2};
}
Raw call(Syscall number, uint64_t arg0) {
    register uint64_t a0 asm("a0") = arg0, a1 asm("a1"), a2 asm("a2");
    register uint64_t a7 asm("a7") = static_cast<uint64_t>(number);
    asm volatile("ecall" : "+r"(a0), "=r"(a1), "=r"(a2) : "r"(a7) : "memory");
    return Raw{static_cast<int64_t>(a0), a1, a2};
}
Raw call(Syscall number, uint64_t arg0, uint64_t arg1) {
    register uint64_t a0 asm("a0") = arg0, a1 asm("a1") = arg1, a2 asm("a2");
    register uint64_t a7 asm("a7") = static_cast<uint64_t>(number);
    asm volatile("ecall" : "+r"(a0), "+r"(a1), "=r"(a2) : "r"(a7) : "memory");
    return Raw{static_cast<int64_t>(a0), a1, a2};
}
Raw call(Syscall number, uint64_t arg0, uint64_t arg1, uint64_t arg2) {
    register uint64_t a0 asm("a0") = arg0, a1 asm("a1") = arg1, a2 asm("a2") = arg2;
    register uint64_t a7 asm("a7") = static_cast<uint64_t>(number);
    asm volatile("ecall" : "+r"(a0), "+r"(a1), "+r"(a2) : "r"(a7) : "memory");
    return Raw{static_cast<int64_t>(a0), a1, a2};
}
Raw call(Syscall number, uint64_t arg0, uint64_t arg1, uint64_t arg2, uint64_t arg3, uint64_t arg4,
         uint64_t arg5 = 0) {
    register uint64_t a0 asm("a0") = arg0, a1 asm("a1") = arg1, a2 asm("a2") = arg2;
    register uint64_t a3 asm("a3") = arg3, a4 asm("a4") = arg4, a5 asm("a5") = arg5;
    register uint64_t a7 asm("a7") = static_cast<uint64_t>(number);
    asm volatile("ecall" : "+r"(a0), "+r"(a1), "+r"(a2) : "r"(a3), "r"(a4), "r"(a5), "r"(a7) : "memory");
    return Raw{static_cast<int64_t>(a0), a1, a2};
}

Error error_of(int64_t result) { return result < 0 ? static_cast<Error>(-result) : Error::None; }
uint64_t h(Handle handle) { return static_cast<uint64_t>(static_cast<int64_t>(handle)); }
uint64_t p(const void* pointer) { return reinterpret_cast<uint64_t>(pointer); }

}  // namespace

int64_t raw_syscall(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                    uint64_t a5) {
    return call(static_cast<Syscall>(number), a0, a1, a2, a3, a4, a5).a0;
}

int64_t raw_syscall_on_stack(uintptr_t sp, uint64_t number) {
    register uint64_t a0 asm("a0") = sp;
    register uint64_t a7 asm("a7") = number;
    asm volatile(
        "mv t0, sp\n"
        "mv sp, a0\n"
        "ecall\n"
        "mv sp, t0\n"
        : "+r"(a0)
        : "r"(a7)
        : "t0", "memory");
    return static_cast<int64_t>(a0);
}

void exit(int status) {
    call(Syscall::Exit, static_cast<uint64_t>(status), 0);  // signal 0: an ordinary exit
    __builtin_unreachable();
}

Error exit_by_signal(int signal) {
    return error_of(call(Syscall::Exit, 0, static_cast<uint64_t>(static_cast<int64_t>(signal))).a0);
}

void yield() { call(Syscall::Yield); }

uint32_t getpid() { return static_cast<uint32_t>(call(Syscall::GetPid).a0); }

ErrorOr<HandlePair> chan_create() {
    Raw r = call(Syscall::ChanCreate);
    if (r.a0 < 0) return error_of(r.a0);
    return HandlePair{static_cast<Handle>(r.a0), static_cast<Handle>(r.a1)};
}

Error chan_write(Handle channel, const void* bytes, size_t length, const Handle* handles, size_t handle_count) {
    return error_of(call(Syscall::ChanSend, h(channel), p(bytes), length, p(handles), handle_count).a0);
}

ErrorOr<Received> chan_read(Handle channel, void* buffer, size_t capacity, Handle* handles, size_t handle_capacity,
                            uint64_t deadline, Received* needed) {
    Raw r = call(Syscall::ChanRecv, h(channel), p(buffer), capacity, p(handles), handle_capacity, deadline);
    if (r.a0 >= 0) return Received{static_cast<size_t>(r.a0), r.a1, static_cast<uint32_t>(r.a2)};
    if (needed && error_of(r.a0) == Error::BufferTooSmall) *needed = Received{r.a1, r.a2, 0};
    if (needed && error_of(r.a0) == Error::HandleTableFull) *needed = Received{r.a1, 0, static_cast<uint32_t>(r.a2)};
    return error_of(r.a0);
}

Error chan_send(Handle handle, const Message& message) {
    if (message.len > kMessagePayload) return Error::BadArgument;
    bool carries = message.cap != kNoHandle;
    return chan_write(handle, message.data, message.len, carries ? &message.cap : nullptr, carries ? 1 : 0);
}

namespace {
// Receives into a small Message. A message too large for one is taken off
// the queue (with a buffer of its size, its handles closed) and reported
// as BadMessage, so an oversized message cannot wedge a reader.
Error receive_small(Handle handle, Message& message, uint64_t deadline) {
    message.cap = kNoHandle;
    message.reserved = 0;
    Received needed{};
    auto got = chan_read(handle, message.data, sizeof message.data, &message.cap, 1, deadline, &needed);
    if (!got.is_error()) {
        message.len = static_cast<uint32_t>(got.value().length);
        message.sender_pid = got.value().sender_pid;
        if (got.value().handle_count == 0) message.cap = kNoHandle;
        return Error::None;
    }
    message.len = got.error() == Error::HandleTableFull ? static_cast<uint32_t>(needed.length) : 0;
    message.sender_pid = needed.sender_pid;
    message.cap = kNoHandle;
    if (got.error() != Error::BufferTooSmall) return got.error();
    chan_drop(handle, needed.length);
    return Error::BadMessage;
}
}  // namespace

void chan_drop(Handle channel, size_t length) {
    size_t size = length ? length : 1;
    auto space = mmap(size);
    if (space.is_error()) return;
    Handle handles[kMaxMessageHandles];
    auto dropped = chan_read(channel, space.value(), size, handles, kMaxMessageHandles, kDeadlineNow);
    if (!dropped.is_error())
        for (size_t i = 0; i < dropped.value().handle_count; i++) handle_close(handles[i]);
    munmap(space.value(), size);
}

Error chan_recv(Handle handle, Message& message) { return receive_small(handle, message, kDeadlineNow); }
Error chan_recv_wait(Handle handle, Message& message) { return receive_small(handle, message, kDeadlineNever); }

Error handle_close(Handle handle) { return error_of(call(Syscall::HandleClose, h(handle)).a0); }

ErrorOr<Handle> handle_duplicate(Handle handle, Rights rights) {
    int64_t r = call(Syscall::HandleDuplicate, h(handle), rights).a0;
    if (r < 0) return error_of(r);
    return static_cast<Handle>(r);
}

ErrorOr<HandleInfo> handle_info(Handle handle) {
    Raw r = call(Syscall::HandleInfo, h(handle));
    if (r.a0 < 0) return error_of(r.a0);
    return HandleInfo{static_cast<ObjectKind>(r.a0), static_cast<Rights>(r.a1)};
}

ErrorOr<size_t> wait(WaitItem* items, size_t count, uint64_t deadline) {
    int64_t r = call(Syscall::Wait, p(items), count, deadline).a0;
    if (r < 0) return error_of(r);
    return static_cast<size_t>(r);
}

ErrorOr<size_t> wait(const Handle* handles, size_t count) {
    if (count == 0 || count > kMaxWaitItems) return Error::BadArgument;
    WaitItem items[kMaxWaitItems];
    for (size_t i = 0; i < count; i++) items[i] = WaitItem{handles[i], kSignalReadable | kSignalPeerClosed, 0};
    return wait(items, count, kDeadlineNever);
}

uint64_t clock_ns(ClockId clock) {
    return static_cast<uint64_t>(call(Syscall::ClockGet, static_cast<uint64_t>(clock)).a0);
}

ErrorOr<Handle> timer_create() {
    int64_t r = call(Syscall::TimerCreate).a0;
    if (r < 0) return error_of(r);
    return static_cast<Handle>(r);
}

Error timer_set(Handle timer, uint64_t deadline, uint64_t period) {
    return error_of(call(Syscall::TimerSet, h(timer), deadline, period).a0);
}

Error interrupt_ack(Handle interrupt) { return error_of(call(Syscall::InterruptAck, h(interrupt)).a0); }

ErrorOr<void*> mmap(size_t length) {
    int64_t r = call(Syscall::Mmap, length).a0;
    if (r < 0) return error_of(r);
    return reinterpret_cast<void*>(r);
}

Error munmap(void* address, size_t length) { return error_of(call(Syscall::Munmap, p(address), length).a0); }

ErrorOr<Handle> mem_create(size_t size) {
    int64_t r = call(Syscall::MemCreate, size).a0;
    if (r < 0) return error_of(r);
    return static_cast<Handle>(r);
}

ErrorOr<Mapping> mem_map(Handle memory, bool writable) {
    Raw r = call(Syscall::MemMap, h(memory), writable ? 1 : 0);
    if (r.a0 < 0) return error_of(r.a0);
    return Mapping{reinterpret_cast<void*>(r.a0), static_cast<size_t>(r.a1)};
}

ErrorOr<Mapping> mem_physical(Handle memory) {
    Raw r = call(Syscall::MemPhysical, h(memory));
    if (r.a0 < 0) return error_of(r.a0);
    return Mapping{reinterpret_cast<void*>(r.a0), static_cast<size_t>(r.a1)};
}


Error process_kill(Handle process, int signal) {
    return error_of(call(Syscall::ProcessKill, h(process), static_cast<uint64_t>(static_cast<int64_t>(signal))).a0);
}

ErrorOr<ExitStatus> process_status(Handle process) {
    Raw r = call(Syscall::ProcessStatus, h(process));
    if (r.a0 < 0) return error_of(r.a0);
    return ExitStatus{static_cast<ExitReason>(r.a0), static_cast<int32_t>(r.a1), r.a2};
}

Error shutdown(Handle power) { return error_of(call(Syscall::Shutdown, h(power)).a0); }

}  // namespace rvos::sys
