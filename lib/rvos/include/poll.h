/* poll.h: waiting on sockets, files and the console together (lib/rvos/poll.cpp). */
#ifndef RVOS_POLL_H
#define RVOS_POLL_H

#ifdef __cplusplus
extern "C" {
#endif

struct pollfd {
    int fd;
    short events;
    short revents;
};
typedef unsigned int nfds_t;

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

int poll(struct pollfd* fds, nfds_t count, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif
