// The loop of a file server (the RAM file system, the disk's ext2 server):
// it speaks the fs protocol on clients' control channels and the file
// protocol on one channel per open file, so its buffers hold the larger
// request and reply of the two.
#pragma once

#include "proto/file.h"
#include "proto/fs.h"
#include "rvos/server.h"

namespace rvos {

using FileServerLoop = Server<base::max(proto::fs::kMaxRequestBytes, proto::file::kMaxRequestBytes),
                              base::max(proto::fs::kMaxReplyBytes, proto::file::kMaxReplyBytes)>;

}  // namespace rvos
