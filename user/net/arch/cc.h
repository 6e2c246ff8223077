/* arch/cc.h: lwIP's view of the compiler and C library (picolibc, RV64,
 * little-endian). Diagnostics go to the console; a failed lwIP assertion
 * ends the server, and init does not restart it. */
#ifndef RVOS_LWIP_ARCH_CC_H
#define RVOS_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_TIMEVAL_PRIVATE 0
#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                   \
    do {                                                                          \
        printf("net: lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); \
        abort();                                                                  \
    } while (0)

#endif
