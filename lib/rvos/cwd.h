// The working directory. The file server knows only absolute paths; a
// program keeps its working directory here, joins relative paths to it
// (rvos::fs does, for every call taking a path), and hands it to the
// programs it starts (init's Spawn carries it; rvos_start sets it).
#pragma once

#include <stddef.h>

#include "abi/abi.h"

namespace rvos::cwd {

// The working directory: absolute and canonical ("/" at first).
const char* get();
// At start-up: the directory the parent passed (not NUL-terminated; empty
// or not absolute means "/").
void start(const char* path, size_t length);
// chdir: NotFound / NotDirectory / TooLong as the path says; on success the
// working directory is the path's canonical form.
Error change(const char* path);

}  // namespace rvos::cwd
