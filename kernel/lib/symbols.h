// Kernel symbol lookup for stack traces. The table is generated from the
// linked kernel by the Makefile (a second link adds it after .bss, so no code
// address changes). Hardware-free: the lookup is unit-tested on the host.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace symbols {

struct Symbol {
    uint64_t address;
    const char* name;
};

// The function containing `pc` in a table sorted by address, or null.
const Symbol* lookup(const Symbol* table, size_t count, uint64_t pc);

}  // namespace symbols

// The kernel's own table (empty in the first link).
extern "C" const symbols::Symbol kernel_symbols[];
extern "C" const size_t kernel_symbol_count;
