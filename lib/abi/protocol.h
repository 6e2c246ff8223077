// Wire protocols of the built-in services. Every request and reply starts
// with a 32-bit tag; the fields that follow are encoded with lib/wire.
// Replies to requests carry a 32-bit status (0 or an rvos::Error value)
// right after the tag.
#pragma once

#include <stdint.h>

namespace rvos::proto {

// init, on every process's boot channel (handle 0).
enum class Init : uint32_t {
    Connect = 1,    // str name                    -> status, cap = client end
    Register = 2,   // str name, cap = listen end  -> status
    Spawn = 3,      // str program, str args       -> status, u32 pid, cap = process handle
    Reply = 0x100,
};

// From init to a service, on the listen endpoint it registered.
enum class Listen : uint32_t {
    NewClient = 1,  // cap = the service's end of a fresh channel to one client
};

// On a process handle (returned by Spawn) when the process ends.
enum class Process : uint32_t {
    Exited = 1,  // i32 status
};

// The console ("stdio").
enum class Console : uint32_t {
    Write = 1,     // bytes                       -> status
    ReadLine = 2,  // ()                          -> LineData...
    LineData = 3,  // u8 flags, bytes; kLineMore set on all but the last piece
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

}  // namespace rvos::proto
