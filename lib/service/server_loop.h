// The request loop every server runs, kernel service or user program alike:
// wait on a set of handles, receive, and call the handler registered for the
// handle that became readable. A peer that goes away, or a client that
// stops reading until its reply queue is full, is dropped — the server keeps
// serving everyone else. Hardware-free: `Ipc` supplies wait/receive/send/
// close (kernel task operations in the kernel, syscalls in user space).
#pragma once

#include "abi/abi.h"
#include "abi/protocol.h"
#include "wire/wire.h"

namespace service {

using rvos::Error;
using rvos::Handle;
using rvos::Message;

template <typename Ipc>
class ServerLoop {
public:
    // Called with each message received on a watched handle. A handler that
    // keeps message.cap sets it to kNoHandle; otherwise the loop closes it,
    // so a client cannot fill the server's handle table.
    using Handler = void (*)(ServerLoop& loop, Handle handle, void* context, Message& message);
    // Called when a watched handle is dropped (peer gone, or drop()).
    using CloseHandler = void (*)(ServerLoop& loop, Handle handle, void* context);

    // New clients arrive on `listen` (proto::Listen::NewClient); each is
    // watched with `client_handler`.
    void listen(Handle listen, Handler client_handler, CloseHandler on_close = nullptr) {
        client_handler_ = client_handler;
        client_close_ = on_close;
        watch(listen, accept, nullptr, nullptr);
    }

    // Watches a channel; false if the watch list is full (the caller still
    // owns the handle then).
    bool watch(Handle handle, Handler handler, void* context, CloseHandler on_close) {
        return add(handle, handler, context, on_close, rvos::kSignalReadable | rvos::kSignalPeerClosed);
    }
    // Watches another kind of object (an interrupt, a timer): `handler`
    // runs, with an empty message, whenever it shows one of `signals`.
    bool watch_signals(Handle handle, rvos::Signals signals, Handler handler, void* context) {
        return add(handle, handler, context, nullptr, signals);
    }

    // Sends a reply; a client that cannot take it is dropped.
    Error reply(Handle client, const Message& message) {
        Error error = Ipc::send(client, message);
        if (error != Error::None) drop(client);
        return error;
    }

    // Sends an event that may be dropped: a full queue loses this one
    // message (the peer is not reading); only a gone peer is dropped.
    void notify(Handle client, const Message& message) {
        if (Ipc::send(client, message) == Error::PeerClosed) drop(client);
    }

    // Stops watching `handle`, runs its close handler and closes it.
    void drop(Handle handle) {
        for (size_t i = 0; i < count_; i++) {
            if (items_[i].handle != handle) continue;
            Entry entry = entries_[i];
            count_--;
            entries_[i] = entries_[count_];
            items_[i] = items_[count_];
            if (entry.on_close) entry.on_close(*this, entry.handle, entry.context);
            Ipc::close(handle);
            return;
        }
    }

    bool watching(Handle handle) const {
        for (size_t i = 0; i < count_; i++)
            if (items_[i].handle == handle) return true;
        return false;
    }
    size_t watched() const { return count_; }

    // Serves one message (or one peer close).
    void run_once() {
        auto ready = Ipc::wait(items_, count_);
        if (ready.is_error()) return;
        Entry entry = entries_[ready.value()];
        Message message;
        if (!(items_[ready.value()].wanted & rvos::kSignalReadable)) {  // not a channel
            message.len = 0;
            message.cap = rvos::kNoHandle;
            entry.handler(*this, entry.handle, entry.context, message);
            return;
        }
        Error error = Ipc::receive(entry.handle, message);
        if (error == Error::PeerClosed) return drop(entry.handle);
        // HandleTableFull: the message came, but without its capability
        // (this server has no room). The handler still answers it; a
        // NewClient is thereby refused, and that client sees its channel close.
        if (error != Error::None && error != Error::HandleTableFull) return;
        entry.handler(*this, entry.handle, entry.context, message);
        if (message.cap != rvos::kNoHandle) Ipc::close(message.cap);
    }

    [[noreturn]] void run() {
        for (;;) run_once();
    }

private:
    struct Entry {
        Handle handle;
        Handler handler;
        void* context;
        CloseHandler on_close;
    };

    bool add(Handle handle, Handler handler, void* context, CloseHandler on_close, rvos::Signals wanted) {
        if (count_ == rvos::kMaxHandles) return false;
        entries_[count_] = Entry{handle, handler, context, on_close};
        items_[count_] = rvos::WaitItem{handle, wanted, 0};
        count_++;
        return true;
    }

    static void accept(ServerLoop& loop, Handle, void*, Message& message) {
        wire::Reader reader(message);
        if (reader.tag() != static_cast<uint32_t>(rvos::proto::Listen::NewClient) || message.cap == rvos::kNoHandle)
            return;
        if (loop.watch(message.cap, loop.client_handler_, nullptr, loop.client_close_)) message.cap = rvos::kNoHandle;
    }

    Entry entries_[rvos::kMaxHandles];
    rvos::WaitItem items_[rvos::kMaxHandles];  // parallel to entries_, for Ipc::wait
    size_t count_ = 0;
    Handler client_handler_ = nullptr;
    CloseHandler client_close_ = nullptr;
};

}  // namespace service
