// The math service: add, sub and mul on unsigned 32-bit integers, with
// overflow reported as an error rather than wrapped. The protocol is
// lib/proto/math.proto.
#include "proto/math.h"
#include "services/services.h"

namespace services {

namespace {

namespace math = rvos::proto::math;
using MathServer = Server<math::kMaxRequestBytes, math::kMaxReplyBytes>;

Error fits(uint64_t wide, uint32_t& result) {
    if (wide > 0xffffffffull) return Error::Overflow;
    result = static_cast<uint32_t>(wide);
    return Error::None;
}

struct Math {
    Error add(Handle, const math::AddRequest& r, math::AddReply& out) {
        return fits(static_cast<uint64_t>(r.a) + r.b, out.result);
    }
    Error sub(Handle, const math::SubRequest& r, math::SubReply& out) {
        if (r.b > r.a) return Error::Overflow;
        return fits(r.a - r.b, out.result);
    }
    Error mul(Handle, const math::MulRequest& r, math::MulReply& out) {
        return fits(static_cast<uint64_t>(r.a) * r.b, out.result);
    }
};

MathServer server;

void handle_request(MathServer& loop, Handle client, void*, Buffer& request) {
    Math handler;
    math::dispatch(loop, client, request, handler);
}

}  // namespace

void math_main() {
    auto listen = register_service("math");
    if (listen.is_error()) return;
    server.listen(listen.value(), handle_request);
    server.run();
}

}  // namespace services
