#include "rvos/service.h"

#include "abi/protocol.h"
#include "wire/wire.h"

namespace rvos {

namespace {

struct InitReply {
    Error status;
    uint32_t value;
    Handle cap;
};

base::ErrorOr<InitReply> call_init(Message& request) {
    Error error = sys::chan_send(kBootHandle, request);
    if (error != Error::None) return error;
    Message reply;
    error = sys::chan_recv_wait(kBootHandle, reply);
    if (error != Error::None) return error;
    wire::Reader reader(reply);
    reader.tag();
    auto status = static_cast<Error>(reader.get_i32());
    uint32_t value = reader.get_u32();
    if (!reader.ok()) status = Error::BadMessage;
    if (status != Error::None && reply.cap != kNoHandle) sys::chan_close(reply.cap);
    return InitReply{status, value, reply.cap};
}

}  // namespace

base::ErrorOr<Channel> connect(const char* name) {
    Message request;
    wire::Writer writer(request, static_cast<uint32_t>(proto::Init::Connect));
    writer.put_str(name);
    if (!writer.ok()) return Error::TooLong;
    InitReply reply = TRY(call_init(request));
    if (reply.status != Error::None) return reply.status;
    return Channel(reply.cap);
}

base::ErrorOr<Handle> ServiceConnection::handle() {
    if (handle_ == kNoHandle) {
        Channel channel = TRY(connect(name_));
        handle_ = channel.release();
    }
    return handle_;
}

base::ErrorOr<Channel> register_service(const char* name) {
    Channel service_end;
    Channel listen = TRY(Channel::create_pair(service_end));
    Message request;
    wire::Writer writer(request, static_cast<uint32_t>(proto::Init::Register));
    writer.put_str(name);
    if (!writer.ok()) return Error::TooLong;
    request.cap = service_end.handle();
    InitReply reply = TRY(call_init(request));
    service_end.release();  // moved to init by the send
    if (reply.status != Error::None) return reply.status;
    return listen;
}

base::ErrorOr<Child> spawn(const char* program, const char* args) {
    Message request;
    wire::Writer writer(request, static_cast<uint32_t>(proto::Init::Spawn));
    writer.put_str(program).put_str(args);
    if (!writer.ok()) return Error::TooLong;
    InitReply reply = TRY(call_init(request));
    if (reply.status != Error::None) return reply.status;
    return Child{reply.value, Channel(reply.cap)};
}

base::ErrorOr<ExitStatus> wait_exit(Child& child) {
    WaitItem item{child.process.handle(), kSignalExited, 0};
    TRY(sys::wait(&item, 1));
    return sys::process_status(child.process.handle());
}

}  // namespace rvos
