/* Directory streams for rvOS programs. picolibc ships no <dirent.h>
 * implementation, so lib/rvos provides one over the fs service; this header
 * takes the place of picolibc's. */
#ifndef RVOS_DIRENT_H
#define RVOS_DIRENT_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DT_UNKNOWN 0
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10

struct dirent {
    ino_t d_ino;
    unsigned char d_type;
    off_t d_size; /* rvOS extension: the entry's size */
    char d_name[256]; /* NAME_MAX (rvos::kMaxFileNameLength) + 1 */
};

typedef struct rvos_dir DIR;

DIR *opendir(const char *path);
struct dirent *readdir(DIR *dir);
int closedir(DIR *dir);

#ifdef __cplusplus
}
#endif

#endif
