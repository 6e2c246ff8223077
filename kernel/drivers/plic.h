// The platform-level interrupt controller of QEMU virt, for hart 0's
// supervisor context. Claimed interrupts go to interrupt objects
// (drivers/interrupt.h), which complete them when their driver is done.
#pragma once

#include <stdint.h>

namespace plic {

inline constexpr uint32_t kMaxIrq = 127;
// The pages of the PLIC the kernel touches, as offsets from its base:
// source priorities, hart 0's S-mode enables, its threshold and claim.
inline constexpr uintptr_t kPageOffsets[] = {0, 0x2000, 0x20'1000};

// Takes the PLIC at `base` (from the device tree) into use.
void init(uintptr_t base);
void enable(uint32_t irq);
void disable(uint32_t irq);
// Claims every pending external interrupt and hands it to its object; a
// line nobody owns is completed and disabled.
void handle_interrupts();
void complete(uint32_t irq);

}  // namespace plic
