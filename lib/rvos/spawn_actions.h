// posix_spawn's file actions: what a child's descriptors 0-2 are. The
// actions run in order on a copy of this program's descriptor table, as
// they would in the child, then the child gets descriptors 0-2 of the
// result (handoff.h). An action that fails (a file that cannot be opened,
// dup2 from a closed descriptor) fails posix_spawn with its errno and
// starts nothing, where POSIX would start a child that exits with 127.
#pragma once

#include <spawn.h>

#include "rvos/descriptors.h"

namespace rvos::spawn_actions {

// The child's descriptors 0-2 after `actions` (null: none), each with a
// reference the caller drops with release(); 0 or an errno value.
int apply(const posix_spawn_file_actions_t* actions, fd::Open* stdio[3]);
void release(fd::Open* stdio[3]);

}  // namespace rvos::spawn_actions
