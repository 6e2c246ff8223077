/* netinet/tcp.h: TCP socket options. */
#ifndef RVOS_NETINET_TCP_H
#define RVOS_NETINET_TCP_H

#define TCP_NODELAY 1

#endif
