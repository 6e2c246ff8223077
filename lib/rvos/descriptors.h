// File descriptors: the table every POSIX call on a descriptor goes
// through. A descriptor names an open file description (Open) — the
// console, a file at the fs server, or one end of a pipe — shared by the
// descriptors dup and dup2 made from it (so they share the offset, as
// POSIX says). Descriptors 0-2 start as the console unless the parent
// handed this program others at spawn (see handoff.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "abi/abi.h"

namespace rvos::fs {
class File;
}

namespace rvos::fd {

enum class Kind : uint8_t { Console, File, PipeReader, PipeWriter };

struct Open {
    Kind kind;
    uint32_t references;  // descriptors naming it (and spawns handing it on)
    fs::File* file;       // Kind::File
    Handle channel;       // pipes: this end of the pipe's channel
    uint64_t offset;      // Kind::File
    bool append, readable, writable;
    // A pipe reader: the message being read, and how much of it is taken.
    uint8_t* pending;
    size_t pending_used, pending_length;
};

inline constexpr int kMaxDescriptors = 64;

// The description `fd` names, or null (EBADF) if it names none.
Open* get(int fd);
// Puts `open` at the lowest free descriptor at or above `lowest` and takes
// a reference for it; -1 if every one is taken.
int install(Open* open, int lowest = 0);
// Makes `fd` name `open` (closing what it named), taking a reference.
void replace(int fd, Open* open);
// Frees descriptor `fd` (false if it named nothing).
bool close(int fd);
// A new description of `kind` with one reference (null: no memory), and
// dropping a reference (the last one closes the file or pipe end).
Open* make(Kind kind);
Open* retain(Open* open);
void release(Open* open);
// The console's description (never freed).
Open* console();

}  // namespace rvos::fd
