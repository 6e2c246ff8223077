// C++ runtime hooks for user programs: new/delete on picolibc's malloc (a
// failed allocation yields null, since there are no exceptions), and the
// pure-virtual trap.
#include <stdlib.h>

#include "rvos/syscall.h"

void* operator new(size_t size) { return malloc(size); }
void* operator new[](size_t size) { return malloc(size); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }

// A fault: the kernel ends the program and says why.
extern "C" void __cxa_pure_virtual() { __builtin_trap(); }
