// The math service: add, sub and mul on unsigned 32-bit integers, with
// overflow reported as an error rather than wrapped.
#include "services/services.h"
#include "wire/wire.h"

namespace services {

namespace {

using rvos::proto::Math;

Error compute(Math op, uint32_t a, uint32_t b, uint32_t* result) {
    uint64_t wide;
    switch (op) {
    case Math::Add: wide = static_cast<uint64_t>(a) + b; break;
    case Math::Sub:
        if (b > a) return Error::Overflow;
        wide = a - b;
        break;
    case Math::Mul: wide = static_cast<uint64_t>(a) * b; break;
    default: return Error::Unsupported;
    }
    if (wide > 0xffffffffull) return Error::Overflow;
    *result = static_cast<uint32_t>(wide);
    return Error::None;
}

void handle_request(Server& server, Handle client, void*, Message& request) {
    wire::Reader reader(request);
    auto op = static_cast<Math>(reader.tag());
    uint32_t a = reader.get_u32();
    uint32_t b = reader.get_u32();
    uint32_t result = 0;
    Error error = reader.ok() ? compute(op, a, b, &result) : Error::BadMessage;
    Message reply;
    wire::Writer(reply, static_cast<uint32_t>(Math::Reply)).put_i32(static_cast<int32_t>(error)).put_u32(result);
    server.reply(client, reply);
}

}  // namespace

void math_main() {
    auto listen = register_service("math");
    if (listen.is_error()) return;
    Server server;
    server.listen(listen.value(), handle_request);
    server.run();
}

}  // namespace services
