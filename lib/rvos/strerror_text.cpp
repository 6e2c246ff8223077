// Texts for the errno values picolibc's strerror has none for: its
// strerror asks this hook (newlib's _user_strerror) before answering "".
// The wording is glibc's, as a user of another system would read it.
#include <errno.h>

extern "C" char* _user_strerror(int errnum, int, int*) {
    switch (errnum) {
    case EDQUOT: return const_cast<char*>("Disk quota exceeded");
    }
    return nullptr;
}
