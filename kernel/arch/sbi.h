// Calls into the SBI firmware (OpenSBI): the timer and system reset.
#pragma once

#include <stdint.h>

namespace sbi {

void set_timer(uint64_t when);
[[noreturn]] void shutdown();

}  // namespace sbi
