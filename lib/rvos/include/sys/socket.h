/* sys/socket.h: BSD sockets over the network stack server (lib/rvos/socket.cpp). */
#ifndef RVOS_SYS_SOCKET_H
#define RVOS_SYS_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t socklen_t;
typedef uint16_t sa_family_t;

struct sockaddr {
    sa_family_t sa_family;
    char sa_data[14];
};
struct sockaddr_storage {
    sa_family_t ss_family;
    char __ss_data[126];
};

#define AF_UNSPEC 0
#define AF_INET 2
#define AF_INET6 10 /* known, not supported: EAFNOSUPPORT */
#define PF_INET AF_INET
#define PF_UNSPEC AF_UNSPEC
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000

#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_KEEPALIVE 9
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2

#define MSG_PEEK 0x2
#define MSG_DONTWAIT 0x40
#define MSG_NOSIGNAL 0x4000

#define SOMAXCONN 16

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr* address, socklen_t length);
int listen(int fd, int backlog);
int accept(int fd, struct sockaddr* address, socklen_t* length);
int connect(int fd, const struct sockaddr* address, socklen_t length);
ssize_t send(int fd, const void* data, size_t length, int flags);
ssize_t recv(int fd, void* buffer, size_t length, int flags);
ssize_t sendto(int fd, const void* data, size_t length, int flags, const struct sockaddr* to, socklen_t to_length);
ssize_t recvfrom(int fd, void* buffer, size_t length, int flags, struct sockaddr* from, socklen_t* from_length);
int shutdown(int fd, int how);
int setsockopt(int fd, int level, int name, const void* value, socklen_t length);
int getsockopt(int fd, int level, int name, void* value, socklen_t* length);
int getsockname(int fd, struct sockaddr* address, socklen_t* length);
int getpeername(int fd, struct sockaddr* address, socklen_t* length);

#ifdef __cplusplus
}
#endif

#endif
