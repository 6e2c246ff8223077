/* hexdump [-C] [file...]: the bytes of the files (standard input for none),
 * as one stream, 16 to a line: by default as util-linux's hexdump, in
 * little-endian 16-bit words ("%07x" offsets, " %04x" words); with -C,
 * canonical hex+ASCII ("%08x" offsets, bytes in two groups of eight, the
 * printable ones between '|'). A line equal to the one before is written
 * once as "*", as hexdump does. The last line is the total length (none
 * for no input). */
#include <string.h>
#include <unistd.h>

#include "tool.h"

static int canonical;

static void line_canonical(unsigned long long offset, const unsigned char *b, size_t n) {
    printf("%08llx ", offset);
    for (size_t i = 0; i < 16; i++) {
        if (i == 8) putchar(' ');
        if (i < n) printf(" %02x", b[i]);
        else printf("   ");
    }
    printf("  |");
    for (size_t i = 0; i < n; i++) putchar(b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '.');
    printf("|\n");
}

static void line_words(unsigned long long offset, const unsigned char *b, size_t n) {
    printf("%07llx", offset);
    for (size_t i = 0; i < 16; i += 2) {
        if (i < n) printf(" %04x", b[i] | (i + 1 < n ? b[i + 1] << 8 : 0));
        else printf("     ");
    }
    printf("\n");
}

/* Lines go through here so equal ones are squeezed to "*". */
static unsigned char previous[16];
static int have_previous, squeezing;

static void emit(unsigned long long offset, const unsigned char *b, size_t n) {
    if (n == 16 && have_previous && memcmp(previous, b, 16) == 0) {
        if (!squeezing) printf("*\n");
        squeezing = 1;
        return;
    }
    squeezing = 0;
    if (canonical) line_canonical(offset, b, n);
    else line_words(offset, b, n);
    memcpy(previous, b, n);
    have_previous = n == 16;
}

/* The input is one stream: a line may span two files. */
static unsigned char line[16];
static size_t filled;
static unsigned long long offset;

static int dump(const char *block, size_t n) {
    for (size_t j = 0; j < n; j++) {
        line[filled++] = (unsigned char)block[j];
        if (filled == 16) {
            emit(offset, line, 16);
            offset += 16;
            filled = 0;
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    tool_name = "hexdump";
    int i = tool_words(argc, argv, (const char *const[]){"-C", NULL}, (int *const[]){&canonical});
    if (i < 0) return 1;
    int count;
    char **names = tool_operands(argc, argv, i, "-", &count);
    int status = 0, failed = 0;
    for (int k = 0; k < count; k++) {
        int fd = tool_open(names[k]);
        if (fd < 0) {
            tool_error(names[k]);
            status = 1;
            failed++;
            continue;
        }
        if (tool_each_block(fd, names[k], dump)) status = 1;
        tool_close(fd);
    }
    if (filled) emit(offset, line, filled);
    offset += filled;
    if (offset) printf(canonical ? "%08llx\n" : "%07llx\n", offset);
    if (failed == count) tool_message("all input file arguments failed");
    return status;
}
