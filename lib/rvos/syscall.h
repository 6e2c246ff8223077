// Raw syscall wrappers: the only place in user space that executes ecall
// (milestone item 5). Everything else — channels, services, the C library —
// is built on these. The calls themselves are declared once, in
// lib/abi/syscalls.h.
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

// ---- Channels ---------------------------------------------------------------
ErrorOr<HandlePair> chan_create();
// Sends bytes and handles (each needs kRightTransfer; they leave this
// process only if the send succeeds). QueueFull means the receiver's queue
// is at its depth or byte budget: nothing was enqueued, so the caller can
// back off and retry.
Error chan_write(Handle channel, const void* bytes, size_t length, const Handle* handles = nullptr,
                 size_t handle_count = 0);
struct Received {
    size_t length;
    size_t handle_count;
    uint32_t sender_pid;
};
// Receives into `buffer`; blocks until `deadline` (kDeadlineNow: WouldBlock
// if empty). BufferTooSmall leaves the message queued; `needed` (if given)
// then holds its size. HandleTableFull: the message arrived (`needed`
// holds its length and sender), but the handles it carried were closed for
// want of free slots.
ErrorOr<Received> chan_read(Handle channel, void* buffer, size_t capacity, Handle* handles, size_t handle_capacity,
                            uint64_t deadline, Received* needed = nullptr);
// Takes the next message (`length` bytes, as BufferTooSmall reported) off
// the queue and closes its handles: how a reader gets rid of a message too
// large for it, so it cannot wedge the queue.
void chan_drop(Handle channel, size_t length);
// The libraries' small Message (64 bytes, one capability) over the above.
Error chan_send(Handle handle, const Message& message);
Error chan_recv(Handle handle, Message& message);       // WouldBlock if empty
Error chan_recv_wait(Handle handle, Message& message);  // blocks

// ---- Handles ----------------------------------------------------------------
Error handle_close(Handle handle);
inline Error chan_close(Handle handle) { return handle_close(handle); }
// A new handle to the same object with `rights` (a subset of the original's).
ErrorOr<Handle> handle_duplicate(Handle handle, Rights rights);
struct HandleInfo {
    ObjectKind kind;
    Rights rights;
};
ErrorOr<HandleInfo> handle_info(Handle handle);

// ---- Waiting and time --------------------------------------------------------
// Blocks until an item shows a wanted signal (its index) or TimedOut.
ErrorOr<size_t> wait(WaitItem* items, size_t count, uint64_t deadline = kDeadlineNever);
// Waits until one of the channels is readable or its peer closed.
ErrorOr<size_t> wait(const Handle* handles, size_t count);
uint64_t clock_ns();  // monotonic, nanoseconds since boot
ErrorOr<Handle> timer_create();
Error timer_set(Handle timer, uint64_t deadline, uint64_t period = 0);
Error interrupt_ack(Handle interrupt);

// ---- Memory -----------------------------------------------------------------
ErrorOr<void*> mmap(size_t length);
Error munmap(void* address, size_t length);
// Shared memory: a zeroed memory object of `size` bytes (rounded up to
// pages), and mapping one into this address space (unmap with munmap).
ErrorOr<Handle> mem_create(size_t size);
struct Mapping {
    void* address;
    size_t size;
};
ErrorOr<Mapping> mem_map(Handle memory, bool writable = true);
// Where a device or DMA memory object is in physical memory (for drivers):
// `address` is physical here, not mapped. Unsupported for ordinary memory.
ErrorOr<Mapping> mem_physical(Handle memory);

// ---- Processes ----------------------------------------------------------------
// Ends the process behind a process handle (needs kRightSignal).
Error process_kill(Handle process);
struct ExitStatus {
    ExitReason reason;
    int32_t code;
};
ErrorOr<ExitStatus> process_status(Handle process);
// Powers the machine off through a power handle; AccessDenied without one.
Error shutdown(Handle power);

// For tests that must issue arbitrary syscalls (the crash and fuzz programs):
// the raw value of a0 after the call.
int64_t raw_syscall(uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                    uint64_t a4 = 0, uint64_t a5 = 0);
// The same with the stack pointer set to `sp` during the ecall (restored
// afterwards), to show the kernel never trusts the user's stack.
int64_t raw_syscall_on_stack(uintptr_t sp, uint64_t number);

}  // namespace rvos::sys
