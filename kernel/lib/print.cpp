#include "lib/print.h"

#include "arch/riscv.h"
#include "arch/sbi.h"
#include "drivers/uart.h"
#include "lib/symbols.h"
#include "mm/kernel_stack.h"
#include "mm/memory.h"

namespace {

class UartSink final : public base::FormatSink {
public:
    void put(const char* text, size_t length) override { uart::write(text, length); }
};

extern "C" char __text_start[], __text_end[];

// A frame record (fp-16 .. fp) the walk may read: in RAM (the boot and trap
// stacks) or in a mapped kernel stack.
bool readable_frame(uint64_t fp) {
    if (mm::in_ram(fp - 16) && mm::in_ram(fp - 1)) return true;
    return mm::in_kernel_stack(fp - 16) && mm::in_kernel_stack(fp - 1);
}

// Walks the frame-pointer chain from `fp` (the kernel is built with
// -fno-omit-frame-pointer): each frame keeps ra at fp-8 and the caller's fp
// at fp-16.
void print_stack_trace(uint64_t fp) {
    UartSink sink;
    base::format(sink, "stack trace:\n");
    for (int depth = 0; depth < 32 && fp && fp % 8 == 0; depth++) {
        if (!readable_frame(fp)) break;
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

namespace {

[[noreturn]] void vpanic(bool trace, uint64_t fp, const char* fmt, va_list args) {
    UartSink sink;
    base::format(sink, "\n[kernel] PANIC: ");
    base::vformat(sink, fmt, args);
    base::format(sink, "\n");
    if (trace) print_stack_trace(fp);
    sbi::shutdown();
}

}  // namespace

void panic(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vpanic(true, arch::read_fp(), fmt, args);
}

void panic_from(uint64_t fp, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vpanic(true, fp, fmt, args);
}

void panic_without_trace(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vpanic(false, 0, fmt, args);
}
