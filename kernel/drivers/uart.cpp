#include "drivers/uart.h"

#include "ipc/channel.h"
#include "wire/wire.h"

namespace uart {

namespace {

enum Register : uintptr_t {
    kRbrThr = 0,  // receive buffer / transmit holding
    kIer = 1,     // interrupt enable
    kFcr = 2,     // FIFO control
    kLcr = 3,     // line control
    kLsr = 5,     // line status
};
constexpr uint8_t kLsrDataReady = 1 << 0;
constexpr uint8_t kLsrTxIdle = 1 << 5;

volatile uint8_t& reg(Register r) { return *reinterpret_cast<volatile uint8_t*>(kBase + r); }

ipc::Endpoint* input = nullptr;

}  // namespace

void init() {
    reg(kIer) = 0;
    reg(kLcr) = 0x03;  // 8 data bits, no parity, one stop bit
    reg(kFcr) = 0x07;  // enable and clear FIFOs
    reg(kIer) = 0x01;  // interrupt when received data is available
}

void put_char(char c) {
    while (!(reg(kLsr) & kLsrTxIdle)) {
    }
    reg(kRbrThr) = static_cast<uint8_t>(c);
}

void write(const char* text, size_t length) {
    for (size_t i = 0; i < length; i++) {
        if (text[i] == '\n') put_char('\r');
        put_char(text[i]);
    }
}

void set_input_endpoint(ipc::Endpoint* endpoint) { input = endpoint; }
ipc::Endpoint* input_endpoint() { return input; }

void handle_interrupt() {
    while (reg(kLsr) & kLsrDataReady) {
        rvos::Message message;
        message.len = 0;
        message.cap = rvos::kNoHandle;
        message.reserved = 0;
        message.sender_pid = 0;
        while ((reg(kLsr) & kLsrDataReady) && message.len < rvos::kMessagePayload)
            message.data[message.len++] = reg(kRbrThr);
        if (input) ipc::send(*input, message, nullptr);
    }
}

}  // namespace uart
