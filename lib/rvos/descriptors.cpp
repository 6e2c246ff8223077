// The descriptor table (see descriptors.h).
#include "rvos/descriptors.h"

#include <stdlib.h>

#include "rvos/fs.h"
#include "rvos/syscall.h"

namespace rvos::fd {

namespace {

// The console is readable and writable on every descriptor: reads take
// typed lines, writes go to the terminal. Its count never reaches zero.
Open console_open{Kind::Console, 1u << 30, nullptr, kNoHandle, 0, false, true, true, nullptr, 0, 0};
Open* table[kMaxDescriptors] = {&console_open, &console_open, &console_open};

}  // namespace

Open* console() { return &console_open; }

Open* get(int fd) { return fd >= 0 && fd < kMaxDescriptors ? table[fd] : nullptr; }

int install(Open* open, int lowest) {
    for (int fd = lowest < 0 ? 0 : lowest; fd < kMaxDescriptors; fd++) {
        if (table[fd]) continue;
        table[fd] = retain(open);
        return fd;
    }
    return -1;
}

void replace(int fd, Open* open) {
    Open* before = table[fd];
    table[fd] = retain(open);
    if (before) release(before);
}

bool close(int fd) {
    Open* open = get(fd);
    if (!open) return false;
    table[fd] = nullptr;
    release(open);
    return true;
}

Open* make(Kind kind) {
    auto* open = static_cast<Open*>(calloc(1, sizeof(Open)));
    if (!open) return nullptr;
    open->kind = kind;
    open->references = 1;
    open->channel = kNoHandle;
    return open;
}

Open* retain(Open* open) {
    open->references++;
    return open;
}

void release(Open* open) {
    if (--open->references) return;
    if (open->file) delete open->file;  // closes the file channel: the server frees its side
    if (open->channel != kNoHandle) sys::handle_close(open->channel);  // a pipe end: EOF or EPIPE for the peer
    free(open->pending);
    free(open);
}

}  // namespace rvos::fd
