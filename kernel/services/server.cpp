#include "services/server.h"

#include "abi/protocol.h"
#include "task/scheduler.h"
#include "wire/wire.h"

namespace services {

Task& self() { return *sched::current(); }

Error call_init(Message& request, Message& reply) {
    Error error = ipc::send(self(), rvos::kBootHandle, request);
    if (error != Error::None) return error;
    return ipc::receive(self(), rvos::kBootHandle, reply, true);
}

base::ErrorOr<Handle> register_service(const char* name) {
    auto pair = TRY(ipc::create_channel(self()));
    Message request, reply;
    wire::Writer(request, static_cast<uint32_t>(rvos::proto::Init::Register)).put_str(name);
    request.cap = pair.b;
    Error error = call_init(request, reply);
    if (error == Error::None) {
        wire::Reader reader(reply);
        reader.tag();
        error = static_cast<Error>(reader.get_i32());
    }
    if (error != Error::None) {
        ipc::close(self(), pair.a);
        return error;
    }
    return pair.a;
}

}  // namespace services
