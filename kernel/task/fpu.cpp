// Lazy FP register switching (see fpu.h).
#include "task/fpu.h"

#include "arch/fpu.h"

namespace fpu {

Task* owner = nullptr;
bool owner_dirty = false;

namespace {
void set_state(uint64_t fs) {
    arch::clear_sstatus(arch::kSstatusFS);
    arch::set_sstatus(fs);
}
}  // namespace

bool claim(Task& task) {
    if (task.is_kernel || (arch::read_sstatus() & arch::kSstatusFS) != arch::kFsOff) return false;
    if (owner != &task) {
        set_state(arch::kFsClean);  // the routines below are FP instructions
        if (owner && owner_dirty) {
            fpu_save(&owner->fp);
            owner->fp_saved = true;
        }
        if (task.fp_saved) fpu_restore(&task.fp);
        else fpu_zero();
        owner = &task;
        owner_dirty = false;  // the registers equal the task's saved (or zero) state
    }
    set_state(arch::kFsClean);
    return true;
}

void release(const Task& task) {
    if (owner != &task) return;
    owner = nullptr;
    owner_dirty = false;
}

}  // namespace fpu
