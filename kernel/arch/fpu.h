// The user floating-point register file (F and D extensions: f0..f31 and
// fcsr) as the kernel saves it, and the three assembly routines (fpu.S)
// that move it. The kernel is compiled without F/D and never touches these
// registers anywhere else; task/fpu.h decides when they run.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace arch {

struct FpState {
    uint64_t f[32];  // f0..f31, 64 bits each (D)
    uint64_t fcsr;   // rounding mode and accrued exception flags
};
static_assert(offsetof(FpState, fcsr) == 256);  // fpu.S

}  // namespace arch

// Each needs sstatus.FS != Off (the caller enables the unit first) and
// leaves it Dirty (the hardware marks any register write).
extern "C" {
void fpu_save(arch::FpState* into);
void fpu_restore(const arch::FpState* from);
void fpu_zero();  // every register and fcsr to 0: a fresh program's state
}
