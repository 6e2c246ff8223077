// Interrupt polling (see interrupts.h).
#include "platform/interrupts.h"

#include "arch/riscv.h"
#include "drivers/plic.h"
#include "task/clock.h"

namespace platform {

bool poll_interrupts() {
    uint64_t pending = arch::read_sip();
    bool slice_over = false;
    if (pending & arch::kIntExternal) plic::handle_interrupts();
    if (pending & arch::kIntTimer) slice_over = clock::handle_timer();
    return slice_over;
}

}  // namespace platform
