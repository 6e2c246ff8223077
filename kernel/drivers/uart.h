// The 16550 UART of QEMU virt: polled output, interrupt-driven input.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace ipc {
struct Endpoint;
}

namespace uart {

inline constexpr uintptr_t kBase = 0x1000'0000;
inline constexpr uint32_t kIrq = 10;

void init();
void put_char(char c);
// Writes text, turning "\n" into "\r\n" for the terminal.
void write(const char* text, size_t length);
// Received bytes are sent as messages from this endpoint (the console
// server holds the other end). Input that finds the queue full is dropped,
// as a hardware FIFO overrun would drop it.
void set_input_endpoint(ipc::Endpoint* endpoint);
ipc::Endpoint* input_endpoint();
// Called from the PLIC dispatcher.
void handle_interrupt();

}  // namespace uart
