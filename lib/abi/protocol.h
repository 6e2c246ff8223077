// Wire protocols of the built-in services. Every request and reply starts
// with a 32-bit tag; the fields that follow are encoded with lib/wire.
// Replies to requests carry a 32-bit status (0 or an rvos::Error value)
// right after the tag.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace rvos::proto {

// init, on every process's boot channel (handle 0).
enum class Init : uint32_t {
    Connect = 1,    // str name                    -> status, cap = client end
    Register = 2,   // str name, cap = listen end  -> status
    Spawn = 3,      // str program, str args (space-separated) -> status, u32 pid, cap = process handle
    Reply = 0x100,
};

// From init to a service, on the listen endpoint it registered.
enum class Listen : uint32_t {
    NewClient = 1,  // cap = the service's end of a fresh channel to one client
};

// The console ("stdio").
enum class Console : uint32_t {
    Write = 1,     // bytes                       -> status
    ReadLine = 2,  // ()                          -> LineData...
    LineData = 3,  // u8 flags, bytes; kLineMore set on all but the last piece
    WatchInterrupts = 4,  // () -> status; then Interrupt on every Ctrl-C no reader took
    Interrupt = 5,
    Reply = 0x100,
};
inline constexpr uint8_t kLineMore = 1;         // more pieces of this line follow
inline constexpr uint8_t kLineInterrupted = 2;  // Ctrl-C discarded the line

// The system information service ("sysinfo").
enum class SysInfo : uint32_t {
    Processes = 1,  // () -> ProcessEntry..., End
    Memory = 2,     // () -> MemoryStats
    ProcessEntry = 3,  // u32 pid, u8 state, u8 kind, u16 handles, str name
    MemoryStats = 4,   // u64 free frames, u64 total frames, u64 heap used,
                       // u32 channels used, u32 channels max
    End = 5,
};
enum class ProcessState : uint8_t { Ready = 0, Running = 1, Blocked = 2, Exited = 3 };
enum class ProcessKind : uint8_t { Kernel = 0, User = 1 };

// The math service ("math").
enum class Math : uint32_t {
    Add = 1,  // u32 a, u32 b -> status, u32 result
    Sub = 2,
    Mul = 3,
    Reply = 0x100,
};

// The filesystem service ("fs"). The control channel from connect("fs"):
enum class Fs : uint32_t {
    Open = 1,     // u32 flags, str path      -> status, u64 size, cap = file channel
    Delete = 2,   // str path                 -> status
    Stat = 3,     // str path                 -> status, u8 kind, u64 size
    ReadDir = 4,  // u32 first, str path      -> up to kDirBatch DirEntry, then DirEnd
    Mkdir = 5,    // str path                 -> status
    DirEntry = 6, // u8 kind, u64 size, str name
    DirEnd = 7,   // status, u8 more (ask again from first + entries received)
    Reply = 0x100,
};
// Entries per ReadDir answer: well under kQueueDepth, so a listing never
// overflows the client's queue.
inline constexpr size_t kDirBatch = 32;
// Open flags.
inline constexpr uint32_t kOpenRead = 1;
inline constexpr uint32_t kOpenWrite = 2;
inline constexpr uint32_t kOpenCreate = 4;
inline constexpr uint32_t kOpenTruncate = 8;
inline constexpr uint32_t kOpenExclusive = 16;
inline constexpr uint32_t kOpenAppend = 32;
enum class FsKind : uint8_t { File = 1, Directory = 2 };

// A file channel (one per open file; closing it closes the file):
enum class File : uint32_t {
    Read = 1,   // u64 offset, u32 length     -> status, bytes (at most kFileChunk)
    Write = 2,  // u64 offset, bytes           -> status, u32 written, u64 new size
    Stat = 3,   // ()                          -> status, u8 kind, u64 size
    // Bulk transfers through a shared memory buffer the client attaches:
    AttachBuffer = 4,  // cap = memory handle     -> status
    ReadBulk = 5,      // u64 offset, u32 length  -> status, u32 read (data in the buffer)
    WriteBulk = 6,     // u64 offset, u32 length  -> status, u32 written, u64 new size
    Reply = 0x100,
};
// Transfers of at least this many bytes go through the shared buffer.
inline constexpr size_t kBulkThreshold = 512;
inline constexpr size_t kBulkBufferSize = 64 * 1024;
// Bytes of file data one message carries (tag, status/offset fields first).
inline constexpr size_t kFileReadChunk = 56;   // 64 - tag - status
inline constexpr size_t kFileWriteChunk = 52;  // 64 - tag - offset

}  // namespace rvos::proto
