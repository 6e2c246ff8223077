// limits: proves milestone item 1 at run time. Fills this process's handle
// table, then the system's channel table, then the service table, reporting
// how far each got and the named error that stopped it; then gives
// everything back and checks the counts return to where they started.
#include <stdio.h>

#include "abi/protocol.h"
#include "rvos/service.h"
#include "rvos/sysinfo.h"
#include "tests/kit/kit.h"

using rvos::Error;
using rvos::Handle;
using testkit::channels_in_use;
namespace sys = rvos::sys;

namespace {

// This process's handle count as sysinfo reports it.
unsigned handles_held() {
    rvos::sysinfo::ProcessInfo processes[rvos::kMaxProcesses];
    auto count = rvos::sysinfo::processes(processes, rvos::kMaxProcesses);
    for (size_t i = 0; !count.is_error() && i < count.value(); i++)
        if (processes[i].pid == sys::getpid()) return processes[i].handles;
    return 0;
}

// Creates channels until the handle table is full.
void fill_handle_table() {
    Handle handles[rvos::kMaxHandles];
    size_t count = 0;
    Error stop = Error::None;
    for (;;) {
        auto pair = sys::chan_create();
        if (pair.is_error()) {
            stop = pair.error();
            break;
        }
        handles[count++] = pair.value().a;
        handles[count++] = pair.value().b;
    }
    printf("handles: created %zu, table holds %u of %zu, then: %s\n", count, handles_held(), rvos::kMaxHandles,
           rvos::error_name(stop));
    for (size_t i = 0; i < count; i++) sys::chan_close(handles[i]);
}

// Creates channels until the system's table is full. One process can hold
// only kMaxHandles handles, so both ends of each new channel are parked as
// capabilities in the queue of a "parking" channel: queued capabilities keep
// channels alive without using handle slots.
void fill_channel_table() {
    uint32_t before = channels_in_use();
    Handle parking[24];
    size_t parking_count = 0, parked_in_current = 0, created = 0;
    Error stop = Error::None;
    for (;;) {
        if (parking_count == 0 || parked_in_current + 2 > rvos::kQueueDepth) {
            if (parking_count == sizeof parking / sizeof parking[0] / 2) {
                stop = Error::HandleTableFull;
                break;
            }
            auto pair = sys::chan_create();
            if (pair.is_error()) {
                stop = pair.error();
                break;
            }
            created++;
            parking[2 * parking_count] = pair.value().a;
            parking[2 * parking_count + 1] = pair.value().b;
            parking_count++;
            parked_in_current = 0;
        }
        auto pair = sys::chan_create();
        if (pair.is_error()) {
            stop = pair.error();
            break;
        }
        created++;
        Handle sender = parking[2 * (parking_count - 1)];
        Handle ends[] = {pair.value().a, pair.value().b};
        for (Handle end : ends) {
            rvos::Message message;
            message = rvos::Message::of(0);
            message.cap = end;
            if (sys::chan_send(sender, message) != Error::None) sys::chan_close(end);
        }
        parked_in_current += 2;
    }
    uint32_t full = channels_in_use();
    printf("channels: created %zu (system total %u of %zu), then: %s\n", created, full, rvos::kMaxChannels,
           rvos::error_name(stop));
    // Closing the parking channels drops every parked capability.
    for (size_t i = 0; i < 2 * parking_count; i++) sys::chan_close(parking[i]);
    uint32_t after = channels_in_use();
    printf("channels: %u in use before, %u after closing\n", before, after);
}

// Registers test services until init's table is full, connects to one by
// name, and checks a message gets through.
void fill_service_table() {
    rvos::Channel listens[rvos::kMaxServices];
    size_t registered = 0;
    Error stop = Error::None;
    char name[16];
    for (;;) {
        snprintf(name, sizeof name, "test%zu", registered);
        auto listen = rvos::register_service(name);
        if (listen.is_error()) {
            stop = listen.error();
            break;
        }
        listens[registered++] = listen.release_value();
    }
    printf("services: registered %zu test services, then: %s\n", registered, rvos::error_name(stop));

    // A duplicate name is refused: nobody can take over a served name.
    auto duplicate = rvos::register_service("test0");
    printf("services: registering test0 again: %s\n",
           duplicate.is_error() ? rvos::error_name(duplicate.error()) : "accepted");

    // Reach the last one by name through init's generic handler.
    snprintf(name, sizeof name, "test%zu", registered - 1);
    auto client = rvos::connect(name);
    rvos::Message message;
    bool reached = false;
    if (!client.is_error() && listens[registered - 1].receive(message) == Error::None && message.cap >= 0) {
        rvos::Channel service_end(message.cap);
        rvos::Message ping;
        ping = rvos::Message::of(42);
        rvos::Message got;
        reached = client.value().send(ping) == Error::None && service_end.receive(got) == Error::None &&
                  got.word() == 42;
    }
    printf("services: connect to %s by name: %s\n", name, reached ? "ok" : "FAILED");
}

}  // namespace

int main() {
    // Connect to sysinfo and the console while handles are free.
    printf("limits: filling the handle, channel and service tables\n");
    channels_in_use();
    fill_handle_table();
    fill_channel_table();
    fill_service_table();
    return 0;
}
