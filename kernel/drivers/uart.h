// The 16550 UART of QEMU virt: polled output; input is read by the console
// service when the UART's interrupt object fires.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uart {

// Takes the UART at `base` (from the device tree) into use.
void init(uintptr_t base);
void put_char(char c);
// Writes text, turning "\n" into "\r\n" for the terminal.
void write(const char* text, size_t length);
// Takes a received byte if one is waiting. Input arrives through the
// UART's interrupt object, held by the console service.
bool read_byte(char& c);

}  // namespace uart
