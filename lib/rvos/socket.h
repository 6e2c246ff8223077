// Socket descriptors (lib/rvos/socket.cpp): numbered from kFirstSocket,
// apart from file descriptors, so the POSIX layer sends read, write, close
// and fstat on one here by its number alone — through `descriptor_ops`,
// which socket() and accept() set: a program that never makes a socket
// links none of the socket code (every program links lib/rvos whole, and
// --gc-sections keeps only what is reachable).
#pragma once

#include <sys/types.h>

#include "abi/abi.h"
#include "base/error_or.h"

namespace rvos::net {

using base::ErrorOr;

inline constexpr int kFirstSocket = 64;
inline constexpr size_t kMaxSockets = 64;  // per program

// The program's one connection to the network stack server (sockets are
// the connection's: every call about them goes over it). Unreachable when
// there is no network.
ErrorOr<Handle> stack();

bool is_socket(int fd);

struct DescriptorOps {
    bool (*is_socket)(int fd);
    ssize_t (*read)(int fd, void* buffer, size_t length);
    ssize_t (*write)(int fd, const void* data, size_t length);
    int (*close)(int fd);
};
// Null until the program makes its first socket (defined in posix.cpp).
extern const DescriptorOps* descriptor_ops;
inline bool socket_descriptor(int fd) { return descriptor_ops && descriptor_ops->is_socket(fd); }
// The server's number for the socket behind `fd` (BadHandle if none).
ErrorOr<uint32_t> socket_of(int fd);
// Read ahead (poll.cpp): a Poll may bring a stream's queued bytes with its
// reply; they wait here, in one block per program, for the descriptor's
// next receive, which then needs no call to the stack. The block is
// refilled only once every byte of it was read.
size_t read_ahead_held(int fd);
// The block to fill (kNetMaxChunk bytes), or null while bytes wait in it.
uint8_t* read_ahead_block();
// `length` bytes at `data` (inside the block) are fd's.
void read_ahead_hand_over(int fd, const uint8_t* data, size_t length);
ssize_t read(int fd, void* buffer, size_t length);
ssize_t write(int fd, const void* data, size_t length);
int close(int fd);
int fcntl(int fd, int command, long argument);

}  // namespace rvos::net
