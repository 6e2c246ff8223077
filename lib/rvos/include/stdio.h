/* picolibc's <stdio.h>, plus what lib/rvos adds to it: popen and pclose
 * (lib/rvos/popen.cpp). */
#include_next <stdio.h>

#ifndef RVOS_STDIO_EXTRAS
#define RVOS_STDIO_EXTRAS
#ifdef __cplusplus
extern "C" {
#endif
FILE *popen(const char *command, const char *mode);
int pclose(FILE *stream);
#ifdef __cplusplus
}
#endif
#endif
