// The rvOS application binary interface: the one definition of everything the
// kernel and user space must agree on — syscall numbers, the message layout,
// error codes, limits and the address-space layout. Both sides include this
// header; nothing here may depend on either side.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace rvos {

// ---- Limits ---------------------------------------------------------------
// Milestone 1, item 1: a compositor or network stack needs room to grow, and
// every limit below is enforced with its own error, never a panic.
inline constexpr size_t kMaxHandles = 64;      // per process (milestone: >= 32)
inline constexpr size_t kMaxChannels = 256;    // system-wide (milestone: >= 64)
inline constexpr size_t kMaxServices = 16;     // named services (milestone: >= 8)
inline constexpr size_t kQueueDepth = 64;      // messages per endpoint (item 2)
inline constexpr size_t kMaxProcesses = 32;    // kernel tasks + user processes
inline constexpr size_t kMaxMessageBytes = 64 * 1024;  // bytes one message carries
inline constexpr size_t kMaxMessageHandles = 16;       // handles one message carries
// Bytes queued at one endpoint (payload + handles + bookkeeping): with the
// depth limit, a send beyond either is QueueFull.
inline constexpr size_t kQueueBytes = 256 * 1024;
// Bytes queued in the whole system: the rest of the kernel heap is never
// reachable through messages (a send beyond it is NoMemory).
inline constexpr size_t kMaxQueuedBytes = 8 * 1024 * 1024;
// Bytes one user program may have queued — sent and not yet received —
// across all endpoints: past it a send is QuotaExceeded, so no one program
// can take the system-wide budget from the others.
inline constexpr size_t kMaxQueuedBytesPerProcess = 1024 * 1024;
// The part of kMaxQueuedBytes only the system's servers (kernel services
// and the boot servers init starts) may fill: their replies still go out
// when programs together have queued all they may.
inline constexpr size_t kSystemQueueReserve = 1024 * 1024;
static_assert(kMaxQueuedBytesPerProcess < kMaxQueuedBytes - kSystemQueueReserve,
              "one program cannot fill what programs may queue together");
// A message of at most this many bytes and no handles, sent to an endpoint
// with nothing queued, never fails for lack of budget: it comes from a
// reserve of which each endpoint can hold one message, so a server can
// always tell a waiting client that its request failed.
inline constexpr size_t kSmallMessageBytes = 16;
inline constexpr size_t kMessagePayload = 64;  // bytes of data in the libraries' small Message
inline constexpr size_t kMaxNameLength = 15;   // process and service names
// Bytes of argument strings a program is started with (argv, each string
// NUL-terminated); its environment strings may take as many again.
inline constexpr size_t kMaxSpawnBytes = 24 * 1024;
inline constexpr size_t kMaxSpawnHandles = 16;  // handles a new program is given
// ... when it is started from a file: its image travels as one more handle
// in the same message.
inline constexpr size_t kMaxSpawnImageHandles = kMaxSpawnHandles - 1;
inline constexpr size_t kPageSize = 4096;
inline constexpr size_t kMaxPathLength = 4096;      // bytes in a path
inline constexpr size_t kMaxFileNameLength = 255;   // bytes in one path component
inline constexpr size_t kMaxFileSize = 8 * 1024 * 1024;

// ---- The file server's fair shares ------------------------------------------------
// Per client, a client being one program (by pid): one cannot deny the
// others service, whatever it does. Past each, QuotaExceeded.
// Files one program may have open at the server at once (open() says EMFILE).
inline constexpr size_t kFsMaxOpenFiles = 32;
// Connections to the server one program may hold; another is closed at once.
inline constexpr size_t kFsMaxConnections = 4;
// Bytes of file data charged to one program — the files it created or last
// grew, in whole pages (write() says EDQUOT).
inline constexpr size_t kFsMaxBytesHeld = 16 * 1024 * 1024;
static_assert(kFsMaxOpenFiles + kFsMaxConnections + 4 <= 3 * kMaxHandles / 4,
              "one program's files and connections leave a quarter of the server's handles to the others");
static_assert(kFsMaxBytesHeld >= 2 * kMaxFileSize);

// ---- Address-space layout (Sv39) --------------------------------------------
// User space lives in the second gigabyte. The first gigabyte (MMIO) and the
// third (RAM, where the kernel is) are mapped in every address space without
// the U bit, so a syscall never switches page tables.
inline constexpr uint64_t kUserBase = 0x4000'0000;
inline constexpr uint64_t kUserEnd = 0x8000'0000;
inline constexpr uint64_t kUserStackTop = 0x7fff'0000;
// The stack is reserved whole and mapped a page at a time on first touch,
// so its size costs nothing until a program recurses that deep: 8 MiB, as
// Linux's default, so ordinary C programs (Lua's C recursion, say) go as
// deep as they would there.
inline constexpr uint64_t kUserStackSize = 8 * 1024 * 1024;
// Below the stack, never mapped (the shared window ends under it): a load
// or store here is a stack overflow, and kills the program saying so. More
// than a page, so a frame of up to 64 KiB cannot jump over it.
inline constexpr uint64_t kUserStackGuardSize = 64 * 1024;
inline constexpr uint64_t kMmapBase = 0x6000'0000;    // anonymous memory (mmap) from here...
inline constexpr uint64_t kSharedBase = 0x7000'0000;  // ...to here; shared memory from here to the stack
// Bytes in one memory object: room for a 1920x1080x4 framebuffer (8.3 MB).
inline constexpr uint64_t kMaxSharedSize = 32 * 1024 * 1024;
// Regions one address space holds: code segments, the stack, runs of
// anonymous memory and shared mappings. ABI v1 allowed 16 shared mappings;
// a compositor mapping one buffer per client needs more.
inline constexpr size_t kMaxMappings = 256;
static_assert(kMaxMappings > 16, "more mappings than ABI v1's 16 shared ones");

// ---- Devices ----------------------------------------------------------------
// Physically contiguous memory for devices (DMA) comes from a pool set aside
// at boot; init gives each device driver one region of it, whose physical
// address the driver reads with mem_physical.
inline constexpr uint64_t kDmaPoolSize = 4 * 1024 * 1024;
inline constexpr uint64_t kDriverDmaSize = 512 * 1024;
static_assert(kDmaPoolSize >= 8 * kDriverDmaSize, "room for a driver per virtio-mmio slot");

// ---- Handles ----------------------------------------------------------------
using Handle = int32_t;
inline constexpr Handle kNoHandle = -1;
inline constexpr Handle kBootHandle = 0;  // every process's channel to init

// ---- Errors -----------------------------------------------------------------
// A syscall returns a non-negative value on success and -Error on failure.
enum class Error : int32_t {
    None = 0,
    BadSyscall = 1,        // unknown syscall number
    BadAddress = 2,        // user pointer not mapped, not user, or not writable
    BadArgument = 3,       // an argument is out of range
    BadHandle = 4,         // handle number not in this process's table
    HandleTableFull = 5,   // the process has kMaxHandles handles already
    ChannelTableFull = 6,  // the system has kMaxChannels channels already
    NoMemory = 7,          // out of frames or kernel heap
    QueueFull = 8,         // the receiving endpoint already holds kQueueDepth messages
    WouldBlock = 9,        // nothing to receive (non-blocking receive)
    PeerClosed = 10,       // the other side of the channel is gone
    NotFound = 11,         // no such service, program or file
    AlreadyExists = 12,    // e.g. a service name that is already registered
    TooLong = 13,          // a name, path or payload exceeds its limit
    Busy = 14,             // another task already waits on this endpoint
    ProcessTableFull = 15, // kMaxProcesses processes already exist
    ServiceTableFull = 16, // kMaxServices services already registered
    BadMessage = 17,       // a request that does not parse
    BadExecutable = 18,    // an ELF image the loader refuses
    Overflow = 19,         // an arithmetic result does not fit
    Unsupported = 20,      // a valid request this server does not implement
    IsDirectory = 21,      // a file operation on a directory
    NotDirectory = 22,     // a path component that is a file
    NotEmpty = 23,         // deleting a directory that has entries
    FileTooBig = 24,       // a file would exceed kMaxFileSize
    WrongType = 25,        // a handle to another kind of object than the call needs
    AccessDenied = 26,     // the handle lacks a right the call needs
    TimedOut = 27,         // a wait's deadline passed first
    BufferTooSmall = 28,   // a receive buffer cannot hold the next message (it stays queued)
    DeviceError = 29,      // a device failed or broke its protocol (I/O error)
    CrossDevice = 30,      // a rename between two file systems
    QuotaExceeded = 31,    // the caller has used up its own share (queued message bytes, a server's per-client quota)
    NoSpace = 32,          // a file system has no free block or inode left
    ConnectionRefused = 33,  // no one listens at that address and port
    ConnectionReset = 34,    // the peer reset the connection
    AddressInUse = 35,       // a socket is bound to that address and port already
    NotConnected = 36,       // a stream socket that is not connected
    Unreachable = 37,        // no route to that host
    InProgress = 38,         // a non-blocking connect has started
    IsConnected = 39,        // a socket that is connected already
    ConnectionAborted = 40,  // the connection ended before it could be used
};

inline constexpr Error kLastError = Error::ConnectionAborted;
// Whether a status word received from a peer names an Error (0 included).
inline constexpr bool is_error_code(int32_t value) {
    return value >= 0 && value <= static_cast<int32_t>(kLastError);
}

inline constexpr const char* error_name(Error e) {
    switch (e) {
    case Error::None: return "ok";
    case Error::BadSyscall: return "bad syscall number";
    case Error::BadAddress: return "bad address";
    case Error::BadArgument: return "bad argument";
    case Error::BadHandle: return "bad handle";
    case Error::HandleTableFull: return "handle table full";
    case Error::ChannelTableFull: return "channel table full";
    case Error::NoMemory: return "out of memory";
    case Error::QueueFull: return "queue full";
    case Error::WouldBlock: return "would block";
    case Error::PeerClosed: return "peer closed";
    case Error::NotFound: return "not found";
    case Error::AlreadyExists: return "already exists";
    case Error::TooLong: return "too long";
    case Error::Busy: return "busy";
    case Error::ProcessTableFull: return "process table full";
    case Error::ServiceTableFull: return "service table full";
    case Error::BadMessage: return "bad message";
    case Error::BadExecutable: return "bad executable";
    case Error::Overflow: return "overflow";
    case Error::Unsupported: return "unsupported";
    case Error::IsDirectory: return "is a directory";
    case Error::NotDirectory: return "not a directory";
    case Error::NotEmpty: return "directory not empty";
    case Error::FileTooBig: return "file too big";
    case Error::WrongType: return "wrong handle type";
    case Error::AccessDenied: return "access denied";
    case Error::TimedOut: return "timed out";
    case Error::BufferTooSmall: return "buffer too small";
    case Error::DeviceError: return "device error";
    case Error::CrossDevice: return "cross-device link";
    case Error::QuotaExceeded: return "quota exceeded";
    case Error::NoSpace: return "no space left";
    case Error::ConnectionRefused: return "connection refused";
    case Error::ConnectionReset: return "connection reset";
    case Error::AddressInUse: return "address in use";
    case Error::NotConnected: return "not connected";
    case Error::Unreachable: return "unreachable";
    case Error::InProgress: return "in progress";
    case Error::IsConnected: return "already connected";
    case Error::ConnectionAborted: return "connection aborted";
    }
    return "unknown error";
}

// ---- The small raw message ------------------------------------------------------
// Channels carry up to kMaxMessageBytes and kMaxMessageHandles (chan_send /
// chan_recv); services speak generated protocols (lib/proto). This small
// fixed message — 64 bytes and at most one handle — is what tests and
// benchmarks send when the bytes themselves do not matter. sender_pid is
// filled in by the kernel on receive and cannot be forged.
struct Message {
    uint32_t len = 0;         // bytes of data used, <= kMessagePayload
    uint32_t sender_pid = 0;  // written by the kernel
    Handle cap = kNoHandle;   // handle carried; a fresh Message carries none
    uint32_t reserved = 0;    // unused
    uint8_t data[kMessagePayload];

    // A message of 32-bit words, e.g. Message::of(7).put(42).
    static Message of(uint32_t word) {
        Message m;
        m.len = 0;
        m.reserved = 0;
        return m.put(word);
    }
    Message& put(uint32_t word) {
        if (len + 4 <= kMessagePayload) {
            __builtin_memcpy(data + len, &word, 4);
            len += 4;
        }
        return *this;
    }
    // Word `index` (0 if the message is shorter).
    uint32_t word(size_t index = 0) const {
        uint32_t value = 0;
        if (len >= 4 * (index + 1)) __builtin_memcpy(&value, data + 4 * index, 4);
        return value;
    }
};
static_assert(sizeof(Message) == 80);

// ---- Rights ---------------------------------------------------------------------
// A handle is an object plus rights. A right can only be taken away: a
// duplicate or a transfer never has more rights than its source.
using Rights = uint32_t;
inline constexpr Rights kRightRead = 1u << 0;       // receive; read a status
inline constexpr Rights kRightWrite = 1u << 1;      // send; set a timer; ack an interrupt; power off
inline constexpr Rights kRightTransfer = 1u << 2;   // may travel in a message
inline constexpr Rights kRightDuplicate = 1u << 3;  // handle_duplicate
inline constexpr Rights kRightMap = 1u << 4;        // map a memory object read-only
inline constexpr Rights kRightMapWrite = 1u << 5;   // map it writable (with kRightMap)
inline constexpr Rights kRightSignal = 1u << 6;     // kill a process
inline constexpr Rights kRightWait = 1u << 7;       // wait on the object
inline constexpr Rights kRightsAll = (1u << 8) - 1;

// ---- Object kinds (handle_info) ---------------------------------------------------
enum class ObjectKind : uint32_t {
    Endpoint = 1,   // one end of a channel
    Memory = 2,     // a shared memory object
    Process = 3,    // a running or ended process
    Timer = 4,      // a one-shot or periodic deadline
    Interrupt = 5,  // a device interrupt line
    Power = 6,      // the right to power the machine off
};

// ---- Waiting ----------------------------------------------------------------------
// Signals: what an object is ready for. wait() returns when an item's
// object shows any of the signals the item asks for.
using Signals = uint32_t;
inline constexpr Signals kSignalReadable = 1u << 0;    // endpoint: a message is queued
inline constexpr Signals kSignalPeerClosed = 1u << 1;  // endpoint: the other end is gone
inline constexpr Signals kSignalExited = 1u << 2;      // process: it has ended
inline constexpr Signals kSignalFired = 1u << 3;       // timer: deadline passed; interrupt: pending

struct WaitItem {
    Handle handle;
    Signals wanted;    // in: any of these ends the wait
    Signals observed;  // out: the object's signals when the wait returned
};
static_assert(sizeof(WaitItem) == 12);
inline constexpr size_t kMaxWaitItems = kMaxHandles;

// Deadlines are absolute times on the monotonic clock, in nanoseconds.
inline constexpr uint64_t kDeadlineNever = ~0ull;  // wait forever
inline constexpr uint64_t kDeadlineNow = 0;        // do not block

// ---- How a process ended (process_status) -------------------------------------------
// Reported apart from the exit code, so a program cannot pass for killed.
enum class ExitReason : uint32_t {
    Running = 0,  // not ended yet
    Exited = 1,   // called exit(code)
    Fault = 2,    // the kernel killed it for a fault
    Killed = 3,   // ended through its process handle (or Ctrl-C); code: the signal given, or 0
};
// The codes a kill can carry: signal numbers, which the kernel only records
// (lib/rvos maps them to wait statuses; 0 means none was given).
inline constexpr int32_t kMaxSignal = 127;

// ---- Clocks (clock_get) ------------------------------------------------------------
enum class ClockId : uint64_t {
    Monotonic = 0,   // nanoseconds since boot; deadlines are on this clock
    RealTime = 1,    // nanoseconds since the Unix epoch (from the RTC at boot)
    ProcessCpu = 2,  // nanoseconds of CPU time the calling process has used
};

}  // namespace rvos

#include "abi/syscalls.h"
