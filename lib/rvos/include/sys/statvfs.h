/* sys/statvfs.h: file system statistics (POSIX), which picolibc lacks;
 * lib/rvos/file_attributes.cpp answers them from the file servers' StatFs. */
#pragma once

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct statvfs {
    unsigned long f_bsize;   /* block size */
    unsigned long f_frsize;  /* fragment size: the unit of f_blocks, f_bfree, f_bavail */
    fsblkcnt_t f_blocks;     /* size of the file system in f_frsize units */
    fsblkcnt_t f_bfree;      /* free blocks */
    fsblkcnt_t f_bavail;     /* free blocks an ordinary program may take */
    fsfilcnt_t f_files;      /* inodes */
    fsfilcnt_t f_ffree;      /* free inodes */
    fsfilcnt_t f_favail;     /* free inodes an ordinary program may take */
    unsigned long f_fsid;    /* the file system's number */
    unsigned long f_flag;    /* ST_RDONLY, ST_NOSUID */
    unsigned long f_namemax; /* longest file name */
};

#define ST_RDONLY 1
#define ST_NOSUID 2

int statvfs(const char *path, struct statvfs *buf);

#ifdef __cplusplus
}
#endif
