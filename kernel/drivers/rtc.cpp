// The Goldfish RTC (see rtc.h). Reading TIME_LOW latches TIME_HIGH, so the
// low word is read first and the two halves belong to the same instant.
#include "drivers/rtc.h"

namespace rtc {

namespace {
constexpr uintptr_t kTimeLow = 0x00;
constexpr uintptr_t kTimeHigh = 0x04;

uint32_t read_register(uintptr_t base, uintptr_t offset) {
    return *reinterpret_cast<volatile uint32_t*>(base + offset);
}
}  // namespace

uint64_t read_ns(uintptr_t base) {
    uint64_t low = read_register(base, kTimeLow);
    uint64_t high = read_register(base, kTimeHigh);
    return high << 32 | low;
}

}  // namespace rtc
