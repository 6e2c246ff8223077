// Lazy switching of the user FP registers, driven by sstatus.FS.
//
// The registers hold one task's FP state at a time: the owner's. A task
// runs with FS = Clean if it is the owner and FS = Off otherwise, so its
// first FP instruction traps (illegal instruction) and claim() hands it the
// registers: the owner's are saved first, only if they changed since they
// were last saved (the hardware marked FS Dirty), and the claimant's are
// restored (or zeroed, for a task that never used FP). A program that never
// uses FP never pays a save or a restore, and two programs' registers never
// mix: every claim loads all 32 registers and fcsr.
//
// The context-switch cost is switch_to(): a few instructions, no memory
// traffic for FP state. Kernel tasks never use FP and skip it.
#pragma once

#include "arch/riscv.h"
#include "task/task.h"

namespace fpu {

extern Task* owner;       // whose FP state the registers hold; null: nobody's
extern bool owner_dirty;  // they changed since they were last saved into owner->fp

// On the switch to a user task, before it runs: records whether the
// registers changed (only the owner can have had FS on), then turns the
// unit on (Clean) for the owner and off for everyone else.
// Seven instructions when nothing changed: csrrc, and, compare, load, compare.
inline void switch_to(const Task& next) {
    uint64_t before = arch::read_and_clear_sstatus(arch::kSstatusFS);
    if ((before & arch::kSstatusFS) == arch::kFsDirty) owner_dirty = true;
    if (&next == owner) arch::set_sstatus(arch::kFsClean);
}

// An illegal-instruction trap from `task`: if the unit was off, gives the
// task the registers (FS Clean) so the instruction can be retried, and
// returns true. False if the unit was on: a genuinely illegal instruction.
bool claim(Task& task);

// A task is being destroyed: its state in the registers is nobody's now.
void release(const Task& task);

}  // namespace fpu
