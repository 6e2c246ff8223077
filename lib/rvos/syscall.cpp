#include "rvos/syscall.h"

namespace rvos::sys {

namespace {

struct Raw {
    int64_t a0;
    uint64_t a1;
};

Raw call(Syscall number, uint64_t arg0 = 0, uint64_t arg1 = 0, uint64_t arg2 = 0) {
    register uint64_t a0 asm("a0") = arg0;
    register uint64_t a1 asm("a1") = arg1;
    register uint64_t a2 asm("a2") = arg2;
    register uint64_t a7 asm("a7") = static_cast<uint64_t>(number);
    asm volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a7) : "memory");
    return Raw{static_cast<int64_t>(a0), a1};
}

Error error_of(int64_t result) { return result < 0 ? static_cast<Error>(-result) : Error::None; }

}  // namespace

int64_t raw_syscall(uint64_t number, uint64_t a0, uint64_t a1, uint64_t a2) {
    return call(static_cast<Syscall>(number), a0, a1, a2).a0;
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
    call(Syscall::Exit, static_cast<uint64_t>(status));
    __builtin_unreachable();
}

void yield() { call(Syscall::Yield); }

uint32_t getpid() { return static_cast<uint32_t>(call(Syscall::GetPid).a0); }

ErrorOr<HandlePair> chan_create() {
    Raw r = call(Syscall::ChanCreate);
    if (r.a0 < 0) return error_of(r.a0);
    return HandlePair{static_cast<Handle>(r.a0), static_cast<Handle>(r.a1)};
}

Error chan_send(Handle handle, const Message& message) {
    return error_of(call(Syscall::ChanSend, static_cast<uint64_t>(handle), reinterpret_cast<uint64_t>(&message)).a0);
}

Error chan_recv(Handle handle, Message& message) {
    return error_of(call(Syscall::ChanRecv, static_cast<uint64_t>(handle), reinterpret_cast<uint64_t>(&message)).a0);
}

Error chan_recv_wait(Handle handle, Message& message) {
    return error_of(
        call(Syscall::ChanRecvWait, static_cast<uint64_t>(handle), reinterpret_cast<uint64_t>(&message)).a0);
}

Error chan_close(Handle handle) { return error_of(call(Syscall::ChanClose, static_cast<uint64_t>(handle)).a0); }

ErrorOr<size_t> wait(const Handle* handles, size_t count) {
    int64_t r = call(Syscall::Wait, reinterpret_cast<uint64_t>(handles), count).a0;
    if (r < 0) return error_of(r);
    return static_cast<size_t>(r);
}

ErrorOr<void*> mmap(size_t length) {
    int64_t r = call(Syscall::Mmap, length).a0;
    if (r < 0) return error_of(r);
    return reinterpret_cast<void*>(r);
}

Error munmap(void* address, size_t length) {
    return error_of(call(Syscall::Munmap, reinterpret_cast<uint64_t>(address), length).a0);
}

Error kill(Handle process) { return error_of(call(Syscall::Kill, static_cast<uint64_t>(process)).a0); }

ErrorOr<Handle> mem_create(size_t size) {
    int64_t r = call(Syscall::MemCreate, size).a0;
    if (r < 0) return error_of(r);
    return static_cast<Handle>(r);
}

ErrorOr<Mapping> mem_map(Handle memory) {
    Raw r = call(Syscall::MemMap, static_cast<uint64_t>(memory));
    if (r.a0 < 0) return error_of(r.a0);
    return Mapping{reinterpret_cast<void*>(r.a0), static_cast<size_t>(r.a1)};
}

void shutdown() {
    call(Syscall::Shutdown);
    __builtin_unreachable();
}

}  // namespace rvos::sys
