// The smallest user program: greets, echoes its arguments, and exits with
// status 3 when asked to fail (so the shell's exit-status report is testable).
#include "base/string.h"
#include "rvos/console.h"
#include "rvos/syscall.h"

int main(int argc, char** argv) {
    rvos::console::print("hello from pid %u\n", rvos::sys::getpid());
    for (int i = 1; i < argc; i++) rvos::console::print("argv[%d] = %s\n", i, argv[i]);
    return argc > 1 && base::str_equal(argv[1], "fail") ? 3 : 0;
}
