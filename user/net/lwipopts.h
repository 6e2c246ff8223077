/* lwipopts.h: lwIP's configuration for the network stack server (user/net).
 * One thread, no operating-system layer (NO_SYS=1): the server loop calls
 * lwIP's raw API and drives its timers from the kernel's timed waits.
 * IPv4 with ARP, ICMP echo, UDP, TCP and a DHCP client; no IPv6, no DNS
 * (names come from /etc/hosts, in lib/rvos). */
#ifndef RVOS_LWIPOPTS_H
#define RVOS_LWIPOPTS_H

#define NO_SYS 1
#define LWIP_TIMERS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_ALTCP 0

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ICMP 1
#define LWIP_RAW 1 /* ICMP echo for ping */
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_DNS 0
#define LWIP_IGMP 0
#define LWIP_AUTOIP 0
#define IP_FRAG 1
#define IP_REASSEMBLY 1
#define LWIP_SINGLE_NETIF 0
/* 127.0.0.1 and the interface's own address loop back inside the stack
 * (the server loop polls the loopback queues). */
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 0
#define SO_REUSE 1
#define LWIP_TCP_KEEPALIVE 1

/* Memory: a 2 MiB heap for outgoing data and pools sized for the server's
 * 128 sockets. */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (2 * 1024 * 1024)
#define MEMP_NUM_PBUF 256
#define MEMP_NUM_UDP_PCB 16
#define MEMP_NUM_TCP_PCB 128
#define MEMP_NUM_TCP_PCB_LISTEN 16
#define MEMP_NUM_TCP_SEG 1024
#define MEMP_NUM_REASSDATA 8
#define MEMP_NUM_FRAG_PBUF 32
#define MEMP_NUM_ARP_QUEUE 32
#define PBUF_POOL_SIZE 512
#define PBUF_POOL_BUFSIZE 1536

/* TCP: full-size segments, a 45 KiB window and send buffer. TIME_WAIT
 * lasts 2 * TCP_MSL: 4 s, not Linux's 60, so a flood of short connections
 * gives its control blocks back soon (lwIP also reuses the oldest TIME_WAIT
 * block when it runs out). */
#define TCP_MSS 1460
#define TCP_WND (32 * TCP_MSS)
#define TCP_SND_BUF (32 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_SNDLOWAT (TCP_SND_BUF / 4)
#define TCP_QUEUE_OOSEQ 1
// A listener's backlog is lwIP's: a SYN past it is dropped (the peer sends
// it again later, as with Linux), not answered with a reset; a connection
// waiting in the socket's accept queue counts until the program accepts it.
#define TCP_LISTEN_BACKLOG 1
#define TCP_MSL 2000UL
#define LWIP_WND_SCALE 0

/* Counters netstat shows. */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define MEM_STATS 1
#define MEMP_STATS 1
#define LINK_STATS 1

#define LWIP_CHKSUM_ALGORITHM 3
#define LWIP_RAND() ((u32_t)rand())
#define LWIP_NETIF_HOSTNAME 0

#endif
