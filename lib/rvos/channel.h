// An owned handle (a channel end, or any other object): closed when the
// Channel goes out of scope, moved (never copied) to hand it on. send and
// receive move the libraries' small raw Message; protocols use the
// generated stubs (lib/proto).
#pragma once

#include "rvos/syscall.h"

namespace rvos {

class Channel {
public:
    Channel() = default;
    explicit Channel(Handle handle) : handle_(handle) {}
    ~Channel() { close(); }
    Channel(Channel&& other) : handle_(other.release()) {}
    Channel& operator=(Channel&& other) {
        if (this != &other) {
            close();
            handle_ = other.release();
        }
        return *this;
    }
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    // Both ends of a fresh channel.
    static base::ErrorOr<Channel> create_pair(Channel& other_end);

    bool valid() const { return handle_ != kNoHandle; }
    Handle handle() const { return handle_; }
    // Gives up ownership without closing (e.g. to send the handle away).
    Handle release() {
        Handle h = handle_;
        handle_ = kNoHandle;
        return h;
    }
    void close() {
        if (handle_ != kNoHandle) sys::chan_close(handle_);
        handle_ = kNoHandle;
    }

    Error send(const Message& message) const { return sys::chan_send(handle_, message); }
    Error receive(Message& message) const { return sys::chan_recv(handle_, message); }
    Error receive_wait(Message& message) const { return sys::chan_recv_wait(handle_, message); }

private:
    Handle handle_ = kNoHandle;
};

}  // namespace rvos
