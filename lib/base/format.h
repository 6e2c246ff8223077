// A small printf for code without a C library: %s %c %d %u %x %p %%, with
// the l/ll/z length modifiers, a field width, '0' padding and '-' alignment.
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace base {

// Receives formatted output one chunk at a time.
class FormatSink {
public:
    virtual void put(const char* text, size_t length) = 0;

protected:
    ~FormatSink() = default;
};

void vformat(FormatSink& sink, const char* fmt, va_list args);
void format(FormatSink& sink, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// Formats into a fixed buffer, always NUL-terminated; returns the length
// written (output beyond the buffer is dropped).
size_t format_to(char* buffer, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

}  // namespace base
