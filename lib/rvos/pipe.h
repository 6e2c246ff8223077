// Pipes: pipe() makes a kernel channel whose one end reads and the other
// writes. Data travels as messages of up to kPipeChunk bytes; a full
// channel (its queue depth or byte budget) makes the writer wait until the
// reader has taken some (backpressure: nothing is lost); the reader waits
// for data; once every descriptor of the write end is closed, in every
// process holding one, the reader sees end of file (0), and a write to a
// pipe whose reader is gone raises SIGPIPE (its default ends the writer;
// ignored, the write fails with EPIPE).
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "rvos/descriptors.h"

namespace rvos::pipe {

inline constexpr size_t kPipeChunk = 16 * 1024;

ssize_t read(fd::Open* reader, void* buffer, size_t length);
ssize_t write(fd::Open* writer, const void* data, size_t length);

}  // namespace rvos::pipe
