// Descriptors 0-2 at spawn (see handoff.h).
#include "rvos/handoff.h"

#include <stdlib.h>

#include "base/format.h"
#include "base/string.h"
#include "rvos/channel.h"
#include "rvos/fs.h"
#include "rvos/syscall.h"

extern "C" char** environ;

namespace rvos::handoff {

namespace {

constexpr char kName[] = "RVOS_FDS=";

Handle channel_of(const fd::Open* open) { return open->kind == fd::Kind::File ? open->file->handle() : open->channel; }

// Text appended to a fixed buffer (always NUL-terminated; TooLong past it
// cannot happen: three descriptors fit kEntrySize).
struct EntrySink final : base::FormatSink {
    char* at;
    size_t room;
    void put(const char* text, size_t length) override {
        for (size_t i = 0; i < length && room > 1; i++, room--) *at++ = text[i];
        *at = 0;
    }
};

char kind_letter(fd::Kind kind) {
    switch (kind) {
    case fd::Kind::Console: return 'c';
    case fd::Kind::File: return 'f';
    case fd::Kind::PipeReader: return 'r';
    case fd::Kind::PipeWriter: return 'w';
    }
    return '-';
}

// Parses a decimal number at p; advances p.
uint64_t number(const char*& p) {
    uint64_t n = 0;
    while (*p >= '0' && *p <= '9') n = n * 10 + static_cast<uint64_t>(*p++ - '0');
    return n;
}

// One descriptor's description from its text (null: closed or malformed).
fd::Open* parse_one(const char*& p, fd::Open* const* earlier) {
    char letter = *p++;
    if (letter == 'c') return fd::retain(fd::console());
    if (letter == '=') {
        uint64_t n = number(p);
        return n < 3 && earlier[n] ? fd::retain(earlier[n]) : nullptr;
    }
    fd::Kind kind = letter == 'f' ? fd::Kind::File : letter == 'r' ? fd::Kind::PipeReader : fd::Kind::PipeWriter;
    if (letter != 'f' && letter != 'r' && letter != 'w') return nullptr;
    Handle handle = static_cast<Handle>(number(p));
    fd::Open* open = fd::make(kind);
    if (!open) return nullptr;
    open->readable = kind == fd::Kind::PipeReader;
    open->writable = kind == fd::Kind::PipeWriter;
    if (kind != fd::Kind::File) {
        open->channel = handle;
        return open;
    }
    for (; *p == 'R' || *p == 'W' || *p == 'A'; p++) {
        open->readable |= *p == 'R';
        open->writable |= *p == 'W';
        open->append |= *p == 'A';
    }
    if (*p == '@') p++;
    open->offset = number(p);
    open->file = new fs::File(Channel(handle));
    if (!open->file) {
        free(open);
        return nullptr;
    }
    return open;
}

}  // namespace

base::ErrorOr<bool> prepare(fd::Open* const stdio[3], Handle* handles, size_t* count, size_t capacity,
                            char (&entry)[kEntrySize]) {
    bool all_console = true;
    for (int i = 0; i < 3; i++) all_console &= stdio[i] && stdio[i]->kind == fd::Kind::Console;
    if (all_console) return false;
    EntrySink out;
    out.at = entry;
    out.room = kEntrySize;
    out.put(kName, sizeof kName - 1);
    for (int i = 0; i < 3; i++) {
        const fd::Open* open = stdio[i];
        if (i) out.put(",", 1);
        int same = -1;
        for (int j = 0; j < i; j++)
            if (open && stdio[j] == open) same = j;
        if (!open) {
            out.put("-", 1);
        } else if (open->kind == fd::Kind::Console) {
            out.put("c", 1);
        } else if (same >= 0) {
            base::format(out, "=%d", same);
        } else {
            if (*count == capacity) return Error::BadArgument;
            Handle original = channel_of(open);
            auto info = TRY(sys::handle_info(original));
            Handle copy = TRY(sys::handle_duplicate(original, info.rights));
            handles[(*count)++] = copy;
            base::format(out, "%c%u", kind_letter(open->kind), static_cast<unsigned>(*count));
            if (open->kind == fd::Kind::File)
                base::format(out, "%s%s%s@%lu", open->readable ? "R" : "", open->writable ? "W" : "",
                             open->append ? "A" : "", static_cast<unsigned long>(open->offset));
        }
    }
    return true;
}

void inherit() {
    char** entry = environ;
    while (entry && *entry && !base::str_starts_with(*entry, kName)) entry++;
    if (!entry || !*entry) return;
    const char* p = *entry + sizeof kName - 1;
    fd::Open* stdio[3] = {};
    for (int i = 0; i < 3 && *p; i++) {
        stdio[i] = *p == '-' ? (p++, nullptr) : parse_one(p, stdio);
        while (*p && *p != ',') p++;
        if (*p == ',') p++;
    }
    for (int i = 0; i < 3; i++) {
        if (stdio[i]) {
            fd::replace(i, stdio[i]);
            fd::release(stdio[i]);
        } else {
            fd::close(i);
        }
    }
    do entry[0] = entry[1];  // out of the environment
    while (*entry++);
}

}  // namespace rvos::handoff
