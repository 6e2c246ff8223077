// The platform-level interrupt controller of QEMU virt, for hart 0's
// supervisor context.
#pragma once

#include <stdint.h>

namespace plic {

void init();
void enable(uint32_t irq);
// Claims and dispatches every pending external interrupt.
void handle_interrupts();

}  // namespace plic
