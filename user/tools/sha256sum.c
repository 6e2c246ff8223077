/* sha256sum [file...]: the SHA-256 digest (FIPS 180-4) of each file
 * (standard input for "-" or none), as "<64 hex digits>  <name>" (lib/base/sha256).
 * No -c. */
#include <string.h>
#include <unistd.h>

#include "base/sha256.h"
#include "tool.h"

static int sum_one(const char *path) {
    int fd = tool_open(path);
    if (fd < 0) {
        tool_error(path);
        return 1;
    }
    struct sha256 s;
    sha256_init(&s);
    static unsigned char block[64 * 1024];
    for (;;) {
        ssize_t n = read(fd, block, sizeof block);
        if (n < 0) {
            tool_error(path);
            tool_close(fd);
            return 1;
        }
        if (n == 0) break;
        sha256_update(&s, block, (size_t)n);
    }
    tool_close(fd);
    unsigned char digest[32];
    char hex[65];
    sha256_final(&s, digest);
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
