// Handing descriptors 0-2 to a program at spawn. A child gets its parent's
// standard descriptors (or those posix_spawn's file actions made): when
// they are all the console, nothing is passed (the child starts on the
// console, as every program did before pipes); otherwise each pipe end or
// file travels as one more start-up handle (a duplicate: the parent keeps
// its own), and the environment entry RVOS_FDS says which handle is which
// descriptor, e.g. "RVOS_FDS=c,w3,fW4A@0":
//   c        the console          -   closed
//   r<h>     a pipe's read end    w<h>  a pipe's write end
//   f<h><R><W><A>@<offset>  a file, readable/writable/appending, at offset
//   =<n>     the same description as descriptor n (as after 2>&1)
// rvos_start takes the entry out of the environment before main, so a
// program never sees it. Only descriptors 0-2 are handed on (every other
// descriptor is as if close-on-exec); a file's offset is the child's own
// from then on.
#pragma once

#include <stddef.h>

#include "abi/abi.h"
#include "base/error_or.h"
#include "rvos/descriptors.h"

namespace rvos::handoff {

inline constexpr size_t kEntrySize = 64;

// Prepares the handoff of `stdio` (descriptors 0-2 of the child): appends
// duplicated handles to handles[*count...] (child handle numbers follow
// the ones already there) and writes the environment entry. False with
// nothing to pass (all console); an error if a handle cannot be duplicated
// or does not fit.
base::ErrorOr<bool> prepare(fd::Open* const stdio[3], Handle* handles, size_t* count, size_t capacity,
                            char (&entry)[kEntrySize]);
// At start-up: installs descriptors 0-2 from the RVOS_FDS entry of
// `environ`, and removes it.
void inherit();

}  // namespace rvos::handoff
