// The math client (see math.h), on lib/proto/math.proto.
#include "rvos/math.h"

#include "proto/math.h"
#include "rvos/ipc.h"
#include "rvos/service.h"

namespace rvos::math {

namespace {
namespace mp = proto::math;
ServiceConnection service("math");
}  // namespace

base::ErrorOr<uint32_t> add(uint32_t a, uint32_t b) {
    mp::AddReplyBuffer buffer;
    return TRY(mp::add<UserIpc>(TRY(service.handle()), {a, b}, buffer)).result;
}

base::ErrorOr<uint32_t> sub(uint32_t a, uint32_t b) {
    mp::SubReplyBuffer buffer;
    return TRY(mp::sub<UserIpc>(TRY(service.handle()), {a, b}, buffer)).result;
}

base::ErrorOr<uint32_t> mul(uint32_t a, uint32_t b) {
    mp::MulReplyBuffer buffer;
    return TRY(mp::mul<UserIpc>(TRY(service.handle()), {a, b}, buffer)).result;
}

}  // namespace rvos::math
