// Kernel console output (straight to the UART) and panics.
#pragma once

#include <stdint.h>

#include "base/format.h"

void kprint(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// A kernel bug: print the cause and a stack trace, then stop the machine.
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// The same with the stack trace of another context (its frame pointer): a
// trap's, reported on the trap stack.
[[noreturn]] void panic_from(uint64_t fp, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// Without a stack trace, for a fault while reporting one.
[[noreturn]] void panic_without_trace(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

#define KASSERT(condition)                                                        \
    do {                                                                          \
        if (!(condition)) panic("assertion failed: %s (%s:%d)", #condition, __FILE__, __LINE__); \
    } while (0)
