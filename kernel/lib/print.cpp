#include "lib/print.h"

#include "arch/riscv.h"
#include "arch/sbi.h"
#include "drivers/uart.h"
#include "lib/symbols.h"

namespace {

class UartSink final : public base::FormatSink {
public:
    void put(const char* text, size_t length) override { uart::write(text, length); }
};

extern "C" char __text_start[], __text_end[], boot_stack_top[];

// Walks the frame-pointer chain (the kernel is built with
// -fno-omit-frame-pointer): each frame keeps ra at fp-8 and the caller's fp
// at fp-16.
void print_stack_trace() {
    UartSink sink;
    base::format(sink, "stack trace:\n");
    uint64_t fp = arch::read_fp();
    for (int depth = 0; depth < 32 && fp && fp % 8 == 0; depth++) {
        if (fp < 0x8000'0000ull || fp > 0x8800'0000ull) break;
        uint64_t ra = *reinterpret_cast<uint64_t*>(fp - 8);
        uint64_t caller_fp = *reinterpret_cast<uint64_t*>(fp - 16);
        // The outermost frame (a task's entry trampoline, whose caller fp is
        // 0) has no meaningful return address.
        if (caller_fp == 0) break;
        if (ra < reinterpret_cast<uint64_t>(__text_start) || ra >= reinterpret_cast<uint64_t>(__text_end)) break;
        uint64_t pc = ra - 4;
        const symbols::Symbol* symbol = symbols::lookup(kernel_symbols, kernel_symbol_count, pc);
        if (symbol) base::format(sink, "  #%d 0x%lx %s+0x%lx\n", depth, pc, symbol->name, pc - symbol->address);
        else base::format(sink, "  #%d 0x%lx\n", depth, pc);
        fp = caller_fp;
    }
}

}  // namespace

void kprint(const char* fmt, ...) {
    UartSink sink;
    va_list args;
    va_start(args, fmt);
    base::vformat(sink, fmt, args);
    va_end(args);
}

void panic(const char* fmt, ...) {
    UartSink sink;
    base::format(sink, "\n[kernel] PANIC: ");
    va_list args;
    va_start(args, fmt);
    base::vformat(sink, fmt, args);
    va_end(args);
    base::format(sink, "\n");
    print_stack_trace();
    sbi::shutdown();
}
