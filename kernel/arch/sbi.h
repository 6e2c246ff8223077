// Calls into the SBI firmware (OpenSBI): the timer and system reset.
#pragma once

#include <stdint.h>

namespace sbi {

void set_timer(uint64_t when);
[[noreturn]] void shutdown();
// Prints through the firmware, for errors before the UART is known.
void debug_print(const char* text);

}  // namespace sbi
