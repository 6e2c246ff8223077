/* sys/stat.h: picolibc's, plus what it declares only for other targets and
 * lib/rvos implements (file_attributes.cpp): lstat, and utimensat's
 * UTIME_NOW and UTIME_OMIT (picolibc's values). */
#pragma once

#include_next <sys/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

int lstat(const char *__restrict path, struct stat *__restrict buf);

#ifdef __cplusplus
}
#endif

#ifndef UTIME_NOW
#define UTIME_NOW -2L
#define UTIME_OMIT -1L
#endif
