#include "rvos/math.h"

#include "abi/protocol.h"
#include "rvos/service.h"
#include "wire/wire.h"

namespace rvos::math {

namespace {

ServiceConnection math("math");

base::ErrorOr<uint32_t> compute(proto::Math op, uint32_t a, uint32_t b) {
    Handle handle = TRY(math.handle());
    Message request, reply;
    wire::Writer(request, static_cast<uint32_t>(op)).put_u32(a).put_u32(b);
    Error error = sys::chan_send(handle, request);
    if (error == Error::None) error = sys::chan_recv_wait(handle, reply);
    if (error != Error::None) return error;
    wire::Reader reader(reply);
    reader.tag();
    auto status = static_cast<Error>(reader.get_i32());
    uint32_t result = reader.get_u32();
    if (!reader.ok()) return Error::BadMessage;
    if (status != Error::None) return status;
    return result;
}

}  // namespace

base::ErrorOr<uint32_t> add(uint32_t a, uint32_t b) { return compute(proto::Math::Add, a, b); }
base::ErrorOr<uint32_t> sub(uint32_t a, uint32_t b) { return compute(proto::Math::Sub, a, b); }
base::ErrorOr<uint32_t> mul(uint32_t a, uint32_t b) { return compute(proto::Math::Mul, a, b); }

}  // namespace rvos::math
