// The Goldfish real-time clock of QEMU virt: nanoseconds since the Unix
// epoch, read once at boot to set the real-time clock (task/clock.h).
#pragma once

#include <stdint.h>

namespace rtc {

// Nanoseconds since 1970-01-01 00:00:00 UTC, as the RTC at `base` (from
// the device tree) tells it.
uint64_t read_ns(uintptr_t base);

}  // namespace rtc
