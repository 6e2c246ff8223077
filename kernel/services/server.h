// The request loop shared by the kernel's built-in services: register a name
// with init, accept clients that init hands over, and call the service's
// handler for every request. A client that closes its end, or that stops
// reading its replies until its queue is full, is dropped; the service
// keeps serving everyone else.
#pragma once

#include "ipc/task_ipc.h"

namespace services {

using rvos::Error;
using rvos::Handle;
using rvos::Message;

class Server {
public:
    // A handler that keeps request.cap sets it to kNoHandle; otherwise the
    // server closes it after the handler returns.
    using RequestHandler = void (*)(Server& server, Handle client, Message& request);
    using SourceHandler = void (*)(Server& server, Message& message);

    // Registers `name` with init over the boot channel.
    Error register_name(const char* name);
    // Watches an extra handle (e.g. a device's input channel).
    void add_source(Handle handle, SourceHandler handler);
    // Serves forever.
    [[noreturn]] void serve(RequestHandler handler);

    // Sends a reply; a client whose queue is full or that is gone is dropped.
    void reply(Handle client, Message& message);
    void drop_client(Handle client);
    bool has_client(Handle client) const;

private:
    void add_client(Handle client);

    Handle listen_ = rvos::kNoHandle;
    Handle source_ = rvos::kNoHandle;
    SourceHandler source_handler_ = nullptr;
    Handle clients_[rvos::kMaxHandles];
    size_t client_count_ = 0;
};

// The calling kernel task.
Task& self();
// Sends `request` on the boot channel and waits for init's reply.
Error call_init(Message& request, Message& reply);

}  // namespace services
