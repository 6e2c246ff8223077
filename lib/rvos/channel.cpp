// Owned handles (see channel.h).
#include "rvos/channel.h"

namespace rvos {

base::ErrorOr<Channel> Channel::create_pair(Channel& other_end) {
    sys::HandlePair pair = TRY(sys::chan_create());
    other_end = Channel(pair.b);
    return Channel(pair.a);
}

}  // namespace rvos
