/* sha256sum [file...]: the SHA-256 digest (FIPS 180-4) of each file
 * (standard input for "-" or none), as "<64 hex digits>  <name>" (lib/base/sha256).
 * No -c. */
#include <string.h>
#include <unistd.h>

#include "base/sha256.h"
#include "tool.h"

static struct sha256 state;  /* of the file being read */

static int hash(const char *block, size_t n) {
    sha256_update(&state, block, n);
    return 0;
}

static int sum_one(const char *path) {
    int fd = tool_open(path);
    if (fd < 0) {
        tool_error(path);
        return 1;
    }
    sha256_init(&state);
    int failed = tool_each_block(fd, path, hash);
    tool_close(fd);
    if (failed) return 1;
    unsigned char digest[32];
    char hex[65];
    sha256_final(&state, digest);
    sha256_hex(digest, hex);
    printf("%s  %s\n", hex, path);
    return 0;
}

int main(int argc, char **argv) {
    tool_name = "sha256sum";
    int i = 1;
    if (i < argc && !strcmp(argv[i], "--")) i++;
    return tool_each(argc, argv, i, sum_one);
}
