// Runtime start-up for user programs. The kernel starts a program with its
// argument strings and then its environment strings, each NUL-terminated,
// and its working directory at the top of its stack (a0 = where, a1 =
// argument bytes, a2 = environment bytes, a3 = how many start-up handles
// follow the boot channel, a4 = working directory bytes, a5 = the parent's
// pid). This builds argv and environ, sets the working directory and
// descriptors 0-2 (handoff.h), runs
// static constructors, calls main and exits with its status through the C
// library (atexit handlers, stdio flush).
#include <stdlib.h>

#include "rvos/cwd.h"
#include "rvos/handoff.h"
#include "rvos/process.h"
#include "rvos/syscall.h"

extern "C" int main(int argc, char** argv);

extern "C" {
using Constructor = void (*)();
extern Constructor __init_array_start[], __init_array_end[];
extern char** environ;
}

namespace {

size_t count_strings(const char* block, size_t length) {
    size_t count = 0;
    for (size_t i = 0; i < length; i++) count += block[i] == 0;
    return count;
}

// Points list[0..count) at the strings of the block and ends it with null.
void split(char** list, char* block, size_t length, size_t count) {
    size_t n = 0;
    for (size_t i = 0; i < length && n < count; n++) {
        list[n] = block + i;
        while (i < length && block[i]) i++;
        i++;
    }
    list[n] = nullptr;
}

// Pointers that fit in start-up's own frame (2 KiB): a usual argv and
// environment need no heap, so a program that never allocates never maps
// one. More strings than that (the block can hold 24 KiB of them) go to
// the heap.
constexpr size_t kListsOnStack = 256;

}  // namespace

extern "C" [[noreturn]] void rvos_start(char* block, size_t args_length, size_t env_length, size_t,
                                        size_t cwd_length, uint32_t parent_pid) {
    size_t argc = count_strings(block, args_length);
    size_t envc = count_strings(block + args_length, env_length);
    size_t pointers = argc + 1 + envc + 1;
    char* on_stack[kListsOnStack];  // this frame never returns
    auto** lists = pointers <= kListsOnStack ? on_stack : static_cast<char**>(malloc(pointers * sizeof(char*)));
    if (!lists) rvos::sys::exit(127);
    split(lists, block, args_length, argc);
    split(lists + argc + 1, block + args_length, env_length, envc);
    environ = lists + argc + 1;
    rvos::cwd::start(block + args_length + env_length, cwd_length);
    rvos::handoff::inherit();  // descriptors 0-2, if the parent handed any
    rvos::process::start(parent_pid);
    for (Constructor* c = __init_array_start; c < __init_array_end; c++) (*c)();
    exit(main(static_cast<int>(argc), lists));
}
