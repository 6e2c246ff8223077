/* arpa/inet.h: byte order (picolibc's macros) and address text. */
#ifndef RVOS_ARPA_INET_H
#define RVOS_ARPA_INET_H

#include_next <arpa/inet.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

struct in_addr;
/* 1 on success, 0 for text that is not an address, -1 (EAFNOSUPPORT) for another family. */
int inet_pton(int family, const char* text, void* address);
const char* inet_ntop(int family, const void* address, char* text, socklen_t size);
int inet_aton(const char* text, struct in_addr* address);
uint32_t inet_addr(const char* text);
char* inet_ntoa(struct in_addr address);

#ifdef __cplusplus
}
#endif

#endif
