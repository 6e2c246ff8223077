#include "rvos/channel.h"

namespace rvos {

base::ErrorOr<Channel> Channel::create_pair(Channel& other_end) {
    sys::HandlePair pair = TRY(sys::chan_create());
    other_end = Channel(pair.b);
    return Channel(pair.a);
}

Error Channel::call(const Message& request, Message& reply) const {
    Error error = send(request);
    if (error != Error::None) return error;
    return receive_wait(reply);
}

}  // namespace rvos
