// Values the service protocols share with their users. The protocols
// themselves — every message, field and ordinal — are declared once in
// lib/proto/<name>.proto and generated (harness/protogen.py) into
// build/gen/proto/<name>.h; docs/protocols/<name>.md describes each.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace rvos::proto {

// sysinfo.Processes: a task's state and kind.
enum class ProcessState : uint8_t { Ready = 0, Running = 1, Blocked = 2, Exited = 3 };
enum class ProcessKind : uint8_t { Kernel = 0, User = 1 };

// console: bytes one Write carries, and the longest line ReadLine returns.
inline constexpr size_t kMaxConsoleWrite = 16 * 1024;
inline constexpr size_t kMaxConsoleLine = 32 * 1024;
// console.ReadKeys: the most keys (bytes) one answer carries.
inline constexpr size_t kMaxConsoleKeys = 1024;

// fs and file.
enum class FsKind : uint8_t { File = 1, Directory = 2, Symlink = 3 };
// Entries per ReadDir answer.
inline constexpr size_t kDirBatch = 32;
// Open flags.
inline constexpr uint32_t kOpenRead = 1;
inline constexpr uint32_t kOpenWrite = 2;
inline constexpr uint32_t kOpenCreate = 4;
inline constexpr uint32_t kOpenTruncate = 8;
inline constexpr uint32_t kOpenExclusive = 16;
inline constexpr uint32_t kOpenAppend = 32;
// Reading does not move the file's access time: loading a program to run
// it (rvos/exec.cpp) is not a read by the user, and starting programs then
// never writes to the disk.
inline constexpr uint32_t kOpenNoAccessTime = 64;
// Bytes of file data one Read or Write message carries; transfers of at
// least kBulkThreshold bytes go through the client's shared buffer.
inline constexpr size_t kFileChunk = 16 * 1024;
inline constexpr size_t kBulkThreshold = 512;
inline constexpr size_t kBulkBufferSize = 64 * 1024;

// block: the sector size of the protocol, and the most bytes one request
// moves (the driver's bounce buffer per request in flight).
inline constexpr uint32_t kBlockSectorSize = 512;
inline constexpr uint32_t kBlockMaxTransfer = 64 * 1024;

// netdev: the largest Ethernet frame (without FCS) a Transmit or Received
// carries: 1500 bytes of payload and the 14-byte header.
inline constexpr size_t kNetMaxFrame = 1514;
// The bytes of one batch of frames (each with its 2-byte length).
inline constexpr size_t kNetMaxBatch = 32 * 1024;

// net: the socket kinds, the bytes one Send or Receive carries, the
// sockets one Poll names, the options and the poll bits (poll.h's values).
inline constexpr uint32_t kNetStream = 1;
inline constexpr uint32_t kNetDatagram = 2;
inline constexpr size_t kNetMaxChunk = 32 * 1024;
inline constexpr size_t kNetMaxPoll = 64;
inline constexpr uint32_t kNetOptionNonBlocking = 1;
inline constexpr uint32_t kNetOptionReceiveTimeoutMs = 2;  // 0: none
inline constexpr uint32_t kNetOptionSendTimeoutMs = 3;     // 0: none
inline constexpr uint32_t kNetOptionNoDelay = 4;
inline constexpr uint32_t kNetOptionReuseAddress = 5;
inline constexpr uint32_t kNetOptionError = 6;  // the pending error, cleared by reading it
inline constexpr uint32_t kNetOptionKind = 7;
inline constexpr uint16_t kNetPollIn = 0x1;
inline constexpr uint16_t kNetPollOut = 0x4;
inline constexpr uint16_t kNetPollError = 0x8;
inline constexpr uint16_t kNetPollHangUp = 0x10;
inline constexpr uint16_t kNetPollInvalid = 0x20;
// In a Poll's events only: the stack may hand the socket's queued bytes over
// with the reply (read ahead; TCP only).
inline constexpr uint16_t kNetPollReadAhead = 0x40;

}  // namespace rvos::proto
