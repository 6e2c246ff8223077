// The PLIC (see plic.h).
#include "drivers/plic.h"

#include "drivers/interrupt.h"

namespace plic {

namespace {

// Register offsets from the PLIC's base.
constexpr uintptr_t kPriority = 0;              // + 4 * irq
constexpr uintptr_t kEnableS0 = 0x2080;         // hart 0, S-mode context
constexpr uintptr_t kThresholdS0 = 0x201000;
constexpr uintptr_t kClaimS0 = 0x201004;

uintptr_t plic_base;

volatile uint32_t& word(uintptr_t offset) { return *reinterpret_cast<volatile uint32_t*>(plic_base + offset); }

}  // namespace

void init(uintptr_t base) {
    plic_base = base;
    word(kThresholdS0) = 0;
}

void enable(uint32_t irq) {
    word(kPriority + 4 * irq) = 1;
    volatile uint32_t& enable_bits = word(kEnableS0 + 4 * (irq / 32));
    enable_bits = enable_bits | 1u << (irq % 32);
}

void disable(uint32_t irq) {
    volatile uint32_t& enable_bits = word(kEnableS0 + 4 * (irq / 32));
    enable_bits = enable_bits & ~(1u << (irq % 32));
}

void complete(uint32_t irq) { word(kClaimS0) = irq; }

void handle_interrupts() {
    while (uint32_t irq = word(kClaimS0)) {
        if (interrupt::dispatch(irq)) continue;  // completed by its driver's acknowledge
        disable(irq);
        complete(irq);
    }
}

}  // namespace plic
