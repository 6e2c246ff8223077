// The request loop every server runs, kernel service or user program alike:
// wait on a set of handles, receive, and call the handler registered for the
// handle that became readable. A peer that goes away, or a client that
// stops reading until its reply queue is full, is dropped — the server keeps
// serving everyone else. Requests arrive as protocol buffers (lib/proto);
// handlers usually hand them to a generated dispatch(). Hardware-free:
// `Ipc` supplies wait/read/write/close (kernel task operations in the
// kernel, syscalls in user space).
#pragma once

#include "proto/codec.h"
#include "proto/listen.h"

namespace service {

using rvos::Error;
using rvos::Handle;
using rvos::proto::Buffer;

// kInBytes: the largest request the server accepts (bigger ones are
// dropped by the transport); kOutBytes: its largest reply. Big servers are
// static objects, not locals on a small stack.
template <typename IpcT, size_t kInBytes, size_t kOutBytes>
class ServerLoop {
public:
    using Ipc = IpcT;
    // The largest message received; bigger ones are dropped by the
    // transport (answered BadMessage). Room for the largest request, and
    // for a listen.NewClient.
    static constexpr size_t kReceiveBytes = base::max(kInBytes, rvos::proto::listen::kMaxRequestBytes);
    // Called with each message received on a watched handle. Handles the
    // message still carries afterwards (message.handles[i] != kNoHandle)
    // are closed by the loop, so a client cannot fill the server's table.
    using Handler = void (*)(ServerLoop& loop, Handle handle, void* context, Buffer& message);
    // Called when a watched handle is dropped (peer gone, or drop()).
    using CloseHandler = void (*)(ServerLoop& loop, Handle handle, void* context);

    // Decides whether to take a new client, given the pid of the program
    // that asked init for it, and may set the context its handlers get.
    // False refuses it: its channel is closed.
    using AcceptHandler = bool (*)(ServerLoop& loop, Handle client, uint32_t pid, void** context);

    // New clients arrive on `listen` (listen.NewClient); each is watched
    // with `client_handler` (and `on_close`), if `on_accept` takes it.
    void listen(Handle listen, Handler client_handler, CloseHandler on_close = nullptr,
                AcceptHandler on_accept = nullptr) {
        client_handler_ = client_handler;
        client_close_ = on_close;
        client_accept_ = on_accept;
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

    // Sends a reply. One the message budgets cannot take now (NoMemory,
    // QuotaExceeded) is answered with that error instead: a status alone
    // fits the kernel's small-message reserve while the client waits with
    // nothing queued, so it learns that its request failed and keeps its
    // connection. A client that cannot take even that — it does not read
    // (QueueFull), or it is gone — is dropped.
    Error reply(Handle client, const Buffer& message) {
        Error error = Ipc::write(client, message);
        if (error == Error::NoMemory || error == Error::QuotaExceeded)
            if (reply_failure(client, message, error) == Error::None) return error;
        if (error != Error::None) drop(client);
        return error;
    }

    // Sends an event that may be lost: a full queue loses this one message
    // (the peer is not reading); only a gone peer is dropped.
    void notify(Handle client, const Buffer& message) {
        if (Ipc::write(client, message) == Error::PeerClosed) drop(client);
    }

    // Stops watching `handle`, runs its close handler and closes it.
    void drop(Handle handle) {
        for (size_t i = 0; i < count_; i++) {
            if (items_[i].handle != handle) continue;
            Entry entry = entries_[i];
            count_--;
            entries_[i] = entries_[count_];
            items_[i] = items_[count_];
            if (entry.on_close) entry.on_close(*this, handle, entry.context);
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
    // A buffer for the largest reply (generated send_reply uses it).
    Buffer& out() { return out_; }

    // Serves one message (or one peer close, or one signal).
    void run_once() {
        auto ready = Ipc::wait(items_, count_);
        if (ready.is_error()) return;
        Entry entry = entries_[ready.value()];
        in_.clear();
        if (!(items_[ready.value()].wanted & rvos::kSignalReadable)) {  // not a channel
            entry.handler(*this, entry.handle, entry.context, in_);
            return;
        }
        Error error = Ipc::try_read(entry.handle, in_);
        if (error == Error::PeerClosed) return drop(entry.handle);
        // HandleTableFull: the message came, but without its handles (this
        // server has no room). The handler still answers it; a NewClient is
        // thereby refused, and that client sees its channel close.
        // BadMessage: too big for any request this server knows, and
        // already dropped: it is still answered, so no client waits forever.
        if (error == Error::BadMessage) return rvos::proto::reply_status(*this, entry.handle, 0, Error::BadMessage);
        if (error != Error::None && error != Error::HandleTableFull) return;
        entry.handler(*this, entry.handle, entry.context, in_);
        rvos::proto::close_all<Ipc>(in_);
    }

    // Waits for the next message on one watched channel and serves it
    // (init uses it at boot, so that a service's registration is known
    // before anything can ask for it).
    void serve_next(Handle handle) {
        for (size_t i = 0; i < count_; i++) {
            if (items_[i].handle != handle) continue;
            Entry entry = entries_[i];
            in_.clear();
            if (Ipc::read(handle, in_) != Error::None) return;
            entry.handler(*this, handle, entry.context, in_);
            rvos::proto::close_all<Ipc>(in_);
            return;
        }
    }

    [[noreturn]] void run() {
        for (;;) run_once();
    }

private:
    // The header of `reply` (its ordinal) with `status`, and nothing else.
    static_assert(rvos::proto::kReplyHeader <= rvos::kSmallMessageBytes, "a status reply fits the reserve");
    static Error reply_failure(Handle client, const Buffer& reply, Error status) {
        if (reply.length < 4) return status;
        rvos::proto::InlineBuffer<rvos::proto::kReplyHeader> out;
        __builtin_memcpy(out.data, reply.data, 4);
        int32_t code = static_cast<int32_t>(status);
        __builtin_memcpy(out.data + 4, &code, 4);
        out.length = rvos::proto::kReplyHeader;
        return Ipc::write(client, out);
    }

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

    struct Acceptor {
        ServerLoop& loop;
        void new_client(Handle, rvos::proto::listen::NewClient& event) {
            void* context = nullptr;
            if (loop.client_accept_ && !loop.client_accept_(loop, event.client, event.pid, &context)) return;
            if (loop.watch(event.client, loop.client_handler_, context, loop.client_close_))
                event.client = rvos::kNoHandle;  // kept
            else if (loop.client_accept_ && loop.client_close_)
                loop.client_close_(loop, event.client, context);  // accepted, then no room: undone
        }
    };
    static void accept(ServerLoop& loop, Handle handle, void*, Buffer& message) {
        Acceptor acceptor{loop};
        rvos::proto::listen::dispatch(loop, handle, message, acceptor);
    }

    Entry entries_[rvos::kMaxHandles];
    rvos::WaitItem items_[rvos::kMaxHandles];  // parallel to entries_, for Ipc::wait
    size_t count_ = 0;
    Handler client_handler_ = nullptr;
    CloseHandler client_close_ = nullptr;
    AcceptHandler client_accept_ = nullptr;
    rvos::proto::InlineBuffer<kReceiveBytes> in_;
    rvos::proto::InlineBuffer<kOutBytes> out_;
};

}  // namespace service
