// backpressure: proves milestone item 2. An endpoint nobody reads takes
// exactly kQueueDepth messages; the next send fails with QueueFull and
// enqueues nothing; one receive makes room for exactly one more; and 10,000
// more sends into the full queue leave the kernel's memory untouched.
#include <stdio.h>

#include "rvos/channel.h"
#include "rvos/sysinfo.h"

using rvos::Error;

namespace {

rvos::Message numbered(uint32_t n) {
    rvos::Message message;
    message = rvos::Message::of(n);
    return message;
}

}  // namespace

int main() {
    rvos::Channel receiver;
    auto sender_or = rvos::Channel::create_pair(receiver);
    if (sender_or.is_error()) return printf("backpressure: %s\n", rvos::error_name(sender_or.error())), 1;
    rvos::Channel sender = sender_or.release_value();

    size_t accepted = 0;
    while (accepted < rvos::kQueueDepth && sender.send(numbered(static_cast<uint32_t>(accepted + 1))) == Error::None)
        accepted++;
    Error overflow = sender.send(numbered(9999));
    printf("queue: %zu sends accepted, send %zu: %s\n", accepted, accepted + 1, rvos::error_name(overflow));

    rvos::Message first;
    Error received = receiver.receive(first);
    Error after_drain = sender.send(numbered(65));
    Error again_full = sender.send(numbered(66));
    printf("queue: received message %u, then send: %s, next send: %s\n",
           received == Error::None ? first.word() : 0, rvos::error_name(after_drain),
           rvos::error_name(again_full));

    auto before = rvos::sysinfo::memory();
    size_t refused = 0;
    for (int i = 0; i < 10000; i++)
        if (sender.send(numbered(100000 + i)) == Error::QueueFull) refused++;
    auto after = rvos::sysinfo::memory();
    if (before.is_error() || after.is_error()) return puts("backpressure: sysinfo unavailable"), 1;
    printf("flood: %zu of 10000 sends refused with queue full\n", refused);
    printf("flood: free frames %lu -> %lu, kernel heap %lu -> %lu bytes\n",
           static_cast<unsigned long>(before.value().free_frames), static_cast<unsigned long>(after.value().free_frames),
           static_cast<unsigned long>(before.value().heap_used), static_cast<unsigned long>(after.value().heap_used));

    // Nothing extra was enqueued: draining yields messages 2..65 in order.
    uint32_t expected = 2;
    size_t drained = 0;
    bool in_order = true;
    rvos::Message message;
    while (receiver.receive(message) == Error::None) {
        in_order = in_order && message.word() == expected++;
        drained++;
    }
    printf("drain: %zu messages, %s\n", drained, in_order ? "in order" : "OUT OF ORDER");
    return 0;
}
