#include "drivers/plic.h"

#include "drivers/uart.h"

namespace plic {

namespace {

constexpr uintptr_t kBase = 0x0c00'0000;
constexpr uintptr_t kPriority = kBase;              // + 4 * irq
constexpr uintptr_t kEnableS0 = kBase + 0x2080;     // hart 0, S-mode context
constexpr uintptr_t kThresholdS0 = kBase + 0x201000;
constexpr uintptr_t kClaimS0 = kBase + 0x201004;

volatile uint32_t& word(uintptr_t address) { return *reinterpret_cast<volatile uint32_t*>(address); }

}  // namespace

void init() { word(kThresholdS0) = 0; }

void enable(uint32_t irq) {
    word(kPriority + 4 * irq) = 1;
    volatile uint32_t& enable_bits = word(kEnableS0 + 4 * (irq / 32));
    enable_bits = enable_bits | 1u << (irq % 32);
}

void handle_interrupts() {
    while (uint32_t irq = word(kClaimS0)) {
        if (irq == uart::kIrq) uart::handle_interrupt();
        word(kClaimS0) = irq;  // complete
    }
}

}  // namespace plic
