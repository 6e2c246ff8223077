#include "services/server.h"

#include "abi/protocol.h"
#include "task/scheduler.h"
#include "wire/wire.h"

namespace services {

using rvos::proto::Init;
using rvos::proto::Listen;

Task& self() { return *sched::current(); }

Error call_init(Message& request, Message& reply) {
    Error error = ipc::send(self(), rvos::kBootHandle, request);
    if (error != Error::None) return error;
    return ipc::receive(self(), rvos::kBootHandle, reply, true);
}

Error Server::register_name(const char* name) {
    auto pair = ipc::create_channel(self());
    if (pair.is_error()) return pair.error();
    Message request, reply;
    wire::Writer(request, static_cast<uint32_t>(Init::Register)).put_str(name);
    request.cap = pair.value().b;
    Error error = call_init(request, reply);
    if (error == Error::None) {
        wire::Reader reader(reply);
        reader.tag();
        error = static_cast<Error>(reader.get_i32());
    }
    if (error != Error::None) {
        ipc::close(self(), pair.value().a);
        return error;
    }
    listen_ = pair.value().a;
    return Error::None;
}

void Server::add_source(Handle handle, SourceHandler handler) {
    source_ = handle;
    source_handler_ = handler;
}

void Server::add_client(Handle client) {
    if (client_count_ < rvos::kMaxHandles) clients_[client_count_++] = client;
    else ipc::close(self(), client);
}

bool Server::has_client(Handle client) const {
    for (size_t i = 0; i < client_count_; i++)
        if (clients_[i] == client) return true;
    return false;
}

void Server::drop_client(Handle client) {
    for (size_t i = 0; i < client_count_; i++) {
        if (clients_[i] != client) continue;
        clients_[i] = clients_[--client_count_];
        ipc::close(self(), client);
        return;
    }
}

void Server::reply(Handle client, Message& message) {
    if (ipc::send(self(), client, message) != Error::None) drop_client(client);
}

void Server::serve(RequestHandler handler) {
    for (;;) {
        // The wait list: listen endpoint, optional source, then the clients.
        Handle watched[rvos::kMaxHandles];
        size_t count = 0;
        watched[count++] = listen_;
        if (source_ != rvos::kNoHandle) watched[count++] = source_;
        size_t first_client = count;
        for (size_t i = 0; i < client_count_ && count < rvos::kMaxHandles; i++) watched[count++] = clients_[i];

        auto ready = ipc::wait(self(), watched, count);
        if (ready.is_error()) continue;
        Handle handle = watched[ready.value()];
        Message message;
        Error error = ipc::receive(self(), handle, message, false);
        if (ready.value() >= first_client) {
            if (error == Error::None) {
                handler(*this, handle, message);
                // A capability the handler did not claim is closed, so a
                // client cannot fill this service's handle table.
                if (message.cap != rvos::kNoHandle) ipc::close(self(), message.cap);
            } else if (error != Error::WouldBlock) drop_client(handle);  // the client is gone
            continue;
        }
        if (error != Error::None) continue;
        if (handle == source_) {
            source_handler_(*this, message);
        } else if (message.cap != rvos::kNoHandle) {
            wire::Reader reader(message);
            if (reader.tag() == static_cast<uint32_t>(Listen::NewClient) && reader.ok()) add_client(message.cap);
            else ipc::close(self(), message.cap);
        }
    }
}

}  // namespace services
