#include "arch/sbi.h"

namespace sbi {

namespace {

constexpr uint64_t kExtTime = 0x54494d45;   // "TIME"
constexpr uint64_t kExtReset = 0x53525354;  // "SRST"
constexpr uint64_t kLegacyShutdown = 0x08;
constexpr uint64_t kLegacyPutChar = 0x01;

struct Result {
    int64_t error;
    int64_t value;
};

Result call(uint64_t extension, uint64_t function, uint64_t arg0 = 0, uint64_t arg1 = 0) {
    register uint64_t a0 asm("a0") = arg0;
    register uint64_t a1 asm("a1") = arg1;
    register uint64_t a6 asm("a6") = function;
    register uint64_t a7 asm("a7") = extension;
    asm volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
    return Result{static_cast<int64_t>(a0), static_cast<int64_t>(a1)};
}

}  // namespace

void set_timer(uint64_t when) { call(kExtTime, 0, when); }

void debug_print(const char* text) {
    for (; *text; text++) call(kLegacyPutChar, 0, static_cast<uint8_t>(*text));
}

void shutdown() {
    call(kExtReset, 0, /*type=shutdown*/ 0, /*reason=none*/ 0);
    call(kLegacyShutdown, 0);  // firmware without SRST
    for (;;) asm volatile("wfi");
}

}  // namespace sbi
