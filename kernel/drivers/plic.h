// The platform-level interrupt controller of QEMU virt, for hart 0's
// supervisor context. Claimed interrupts go to interrupt objects
// (drivers/interrupt.h), which complete them when their driver is done.
#pragma once

#include <stdint.h>

namespace plic {

inline constexpr uint32_t kMaxIrq = 127;

void init();
void enable(uint32_t irq);
void disable(uint32_t irq);
// Claims every pending external interrupt and hands it to its object; a
// line nobody owns is completed and disabled.
void handle_interrupts();
void complete(uint32_t irq);

}  // namespace plic
