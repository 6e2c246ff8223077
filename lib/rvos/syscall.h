// Raw syscall wrappers: the only place in user space that executes ecall
// (milestone item 5). Everything else — channels, services, the C library —
// is built on these.
#pragma once

#include "abi/abi.h"
#include "base/error_or.h"

namespace rvos::sys {

using base::ErrorOr;

struct HandlePair {
    Handle a;
    Handle b;
};

[[noreturn]] void exit(int status);
void yield();
uint32_t getpid();
ErrorOr<HandlePair> chan_create();
// QueueFull means the receiver's queue holds kQueueDepth messages already:
// nothing was enqueued, so the caller can back off and retry.
Error chan_send(Handle handle, const Message& message);
// HandleTableFull: the message arrived, but the capability it carried was
// closed for want of a free handle slot.
Error chan_recv(Handle handle, Message& message);       // WouldBlock if empty
Error chan_recv_wait(Handle handle, Message& message);  // blocks
Error chan_close(Handle handle);
ErrorOr<size_t> wait(const Handle* handles, size_t count);
ErrorOr<void*> mmap(size_t length);
Error munmap(void* address, size_t length);
[[noreturn]] void shutdown();
// Ends the process behind a process handle (from spawn) with kExitKilled.
Error kill(Handle process);

// Shared memory: a zeroed memory object of `size` bytes (rounded up to
// pages), and mapping one into this address space (unmap with munmap).
ErrorOr<Handle> mem_create(size_t size);
struct Mapping {
    void* address;
    size_t size;
};
ErrorOr<Mapping> mem_map(Handle memory);

// For tests that must issue arbitrary syscalls (the crash and fuzz programs):
// the raw value of a0 after the call.
int64_t raw_syscall(uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0);
// The same with the stack pointer set to `sp` during the ecall (restored
// afterwards), to show the kernel never trusts the user's stack.
int64_t raw_syscall_on_stack(uintptr_t sp, uint64_t number);

}  // namespace rvos::sys
