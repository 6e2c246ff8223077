// Every syscall, declared once. The X-macro below is the only list: the
// Syscall enum, the kernel's dispatch table (kernel/syscall/table.cpp), the
// names printed in kill lines and the fuzzer's argument shapes are all
// generated from it, and a static check fails the build if a number is
// skipped or repeated. Adding a syscall is one line here plus its handler
// `sys_<name>` in the kernel group file; a missing handler does not compile.
//
// ecall with the number in a7 and arguments in a0..a5; the result comes back
// in a0 (a value, or -Error), with extra results in a1 and a2.
//
// Columns: number, enum name, handler/printed name, group (the file in
// kernel/syscall/ that implements it), argument shapes for the fuzzer — one
// letter per argument:
//   h handle   p user pointer   n length/count   r rights   d deadline (ns)
//   v any other value
#pragma once

#include <stddef.h>
#include <stdint.h>

#define RVOS_SYSCALLS(X)                                                                                        \
    X(0, Exit, exit, process, "v")                    /* (code) — never returns */                             \
    X(1, Yield, yield, process, "")                   /* () */                                                 \
    X(2, GetPid, getpid, process, "")                 /* () -> pid */                                          \
    X(3, ChanCreate, chan_create, ipc, "")            /* () -> a0 = end A, a1 = end B */                       \
    X(4, ChanSend, chan_send, ipc, "hpnpn")           /* (h, bytes, len, handles, count) */                    \
    X(5, ChanRecv, chan_recv, ipc, "hpnpnd")          /* (h, buf, cap, handles, cap, deadline) -> a0 = len,    \
                                                         a1 = handles, a2 = sender pid; BufferTooSmall: a1 =   \
                                                         bytes, a2 = handles needed (message stays queued);    \
                                                         HandleTableFull: delivered without its handles,       \
                                                         a1 = bytes, a2 = sender pid */                         \
    X(6, HandleClose, handle_close, handle, "h")      /* (h) */                                                \
    X(7, HandleDuplicate, handle_duplicate, handle, "hr") /* (h, rights) -> new h with rights <= h's */      \
    X(8, HandleInfo, handle_info, handle, "h")        /* (h) -> a0 = ObjectKind, a1 = rights */                \
    X(9, Wait, wait, wait, "pnd")                     /* (WaitItem*, count, deadline) -> index */              \
    X(10, Mmap, mmap, memory, "n")                    /* (length) -> address of zeroed pages */                \
    X(11, Munmap, munmap, memory, "pn")               /* (address, length) */                                  \
    X(12, MemCreate, mem_create, memory, "n")         /* (size) -> memory handle */                            \
    X(13, MemMap, mem_map, memory, "hv")              /* (h, writable) -> a0 = address, a1 = size */           \
    X(14, ProcessKill, process_kill, process, "h")    /* (process h) */                                        \
    X(15, ProcessStatus, process_status, process, "h") /* (process h) -> a0 = ExitReason, a1 = code */        \
    X(16, ClockGet, clock_get, clock, "")             /* () -> monotonic ns */                                 \
    X(17, TimerCreate, timer_create, clock, "")       /* () -> timer handle */                                 \
    X(18, TimerSet, timer_set, clock, "hdv")          /* (h, deadline, period ns; deadline never = cancel) */  \
    X(19, InterruptAck, interrupt_ack, clock, "h")    /* (interrupt h) — re-arms the line */                   \
    X(20, Shutdown, shutdown, process, "h")           /* (power h) — powers the machine off */                 \
    X(21, MemPhysical, mem_physical, memory, "h")     /* (memory h) -> physical address of a device or DMA     \
                                                         object (Unsupported for scattered memory) */

namespace rvos {

enum class Syscall : uint64_t {
#define RVOS_SYSCALL_ENUM(number, Name, name, group, args) Name = number,
    RVOS_SYSCALLS(RVOS_SYSCALL_ENUM)
#undef RVOS_SYSCALL_ENUM
};

struct SyscallInfo {
    uint64_t number;
    const char* name;
    const char* args;  // argument shapes, see above
};

inline constexpr SyscallInfo kSyscallInfo[] = {
#define RVOS_SYSCALL_INFO(number, Name, name, group, args) {number, #name, args},
    RVOS_SYSCALLS(RVOS_SYSCALL_INFO)
#undef RVOS_SYSCALL_INFO
};
inline constexpr size_t kSyscallCount = sizeof kSyscallInfo / sizeof kSyscallInfo[0];

// Numbers are dense and in order, so the table index is the number.
constexpr bool syscall_numbers_dense() {
    for (size_t i = 0; i < kSyscallCount; i++)
        if (kSyscallInfo[i].number != i) return false;
    return true;
}
static_assert(syscall_numbers_dense(), "syscall numbers must be 0, 1, 2, ... in table order");

inline constexpr const char* syscall_name(uint64_t number) {
    return number < kSyscallCount ? kSyscallInfo[number].name : "unknown";
}

}  // namespace rvos
