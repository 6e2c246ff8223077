#include "base/format.h"

#include "base/string.h"

namespace base {

namespace {

struct Spec {
    size_t width = 0;
    bool zero_pad = false;
    bool left_align = false;
};

void pad(FormatSink& sink, size_t count, char fill) {
    while (count--) sink.put(&fill, 1);
}

void emit(FormatSink& sink, const Spec& spec, const char* text, size_t length) {
    size_t padding = spec.width > length ? spec.width - length : 0;
    if (!spec.left_align) pad(sink, padding, spec.zero_pad ? '0' : ' ');
    sink.put(text, length);
    if (spec.left_align) pad(sink, padding, ' ');
}

void emit_number(FormatSink& sink, const Spec& spec, uint64_t value, unsigned base, bool negative) {
    char digits[24];
    size_t n = 0;
    do {
        unsigned d = static_cast<unsigned>(value % base);
        digits[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
        value /= base;
    } while (value);
    char text[24];
    for (size_t i = 0; i < n; i++) text[i] = digits[n - 1 - i];
    if (negative && spec.zero_pad) {
        // The sign goes before the zeros: "-0042".
        sink.put("-", 1);
        Spec rest = spec;
        rest.width = spec.width ? spec.width - 1 : 0;
        return emit(sink, rest, text, n);
    }
    if (negative) {
        for (size_t i = n; i > 0; i--) text[i] = text[i - 1];
        text[0] = '-';
        n++;
    }
    emit(sink, spec, text, n);
}

}  // namespace

void vformat(FormatSink& sink, const char* fmt, va_list args) {
    while (*fmt) {
        const char* literal = fmt;
        while (*fmt && *fmt != '%') fmt++;
        if (fmt != literal) sink.put(literal, static_cast<size_t>(fmt - literal));
        if (!*fmt) break;
        fmt++;  // '%'
        Spec spec;
        for (;; fmt++) {
            if (*fmt == '0') spec.zero_pad = true;
            else if (*fmt == '-') spec.left_align = true;
            else break;
        }
        while (*fmt >= '0' && *fmt <= '9') spec.width = spec.width * 10 + static_cast<size_t>(*fmt++ - '0');
        int longs = 0;
        while (*fmt == 'l' || *fmt == 'z') longs += (*fmt++ == 'z') ? 2 : 1;
        char conversion = *fmt ? *fmt++ : '\0';
        switch (conversion) {
        case 's': {
            const char* s = va_arg(args, const char*);
            if (!s) s = "(null)";
            emit(sink, spec, s, str_length(s));
            break;
        }
        case 'c': {
            char c = static_cast<char>(va_arg(args, int));
            emit(sink, spec, &c, 1);
            break;
        }
        case 'd': {
            int64_t v = longs ? va_arg(args, int64_t) : va_arg(args, int);
            uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
            emit_number(sink, spec, magnitude, 10, v < 0);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = longs ? va_arg(args, uint64_t) : va_arg(args, unsigned);
            emit_number(sink, spec, v, conversion == 'x' ? 16 : 10, false);
            break;
        }
        case 'p': {
            sink.put("0x", 2);
            emit_number(sink, spec, reinterpret_cast<uint64_t>(va_arg(args, void*)), 16, false);
            break;
        }
        case '%': sink.put("%", 1); break;
        default: sink.put("%?", 2); break;
        }
    }
}

void format(FormatSink& sink, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vformat(sink, fmt, args);
    va_end(args);
}

namespace {
class BufferSink final : public FormatSink {
public:
    BufferSink(char* buffer, size_t size) : buffer_(buffer), size_(size) {}
    void put(const char* text, size_t length) override {
        for (size_t i = 0; i < length && used_ + 1 < size_; i++) buffer_[used_++] = text[i];
    }
    size_t finish() {
        if (size_) buffer_[used_] = 0;
        return used_;
    }

private:
    char* buffer_;
    size_t size_;
    size_t used_ = 0;
};
}  // namespace

size_t format_to(char* buffer, size_t size, const char* fmt, ...) {
    BufferSink sink(buffer, size);
    va_list args;
    va_start(args, fmt);
    vformat(sink, fmt, args);
    va_end(args);
    return sink.finish();
}

}  // namespace base
