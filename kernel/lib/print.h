// Kernel console output (straight to the UART) and panics.
#pragma once

#include "base/format.h"

void kprint(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// A kernel bug: print the cause and a stack trace, then stop the machine.
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

#define KASSERT(condition)                                                        \
    do {                                                                          \
        if (!(condition)) panic("assertion failed: %s (%s:%d)", #condition, __FILE__, __LINE__); \
    } while (0)
