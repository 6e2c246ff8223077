#include "drivers/uart.h"


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

uintptr_t uart_base;

volatile uint8_t& reg(Register r) { return *reinterpret_cast<volatile uint8_t*>(uart_base + r); }

}  // namespace

void init(uintptr_t base) {
    uart_base = base;
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

bool read_byte(char& c) {
    if (!(reg(kLsr) & kLsrDataReady)) return false;
    c = static_cast<char>(reg(kRbrThr));
    return true;
}

}  // namespace uart
