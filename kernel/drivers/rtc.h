// The Goldfish real-time clock of QEMU virt: nanoseconds since the Unix
// epoch, read once at boot to set the real-time clock (task/clock.h).
#pragma once

#include <stdint.h>

namespace rtc {

inline constexpr uintptr_t kBase = 0x10'1000;

// Nanoseconds since 1970-01-01 00:00:00 UTC, as the device tells it.
uint64_t read_ns();

}  // namespace rtc
