#include "lib/symbols.h"

namespace symbols {

const Symbol* lookup(const Symbol* table, size_t count, uint64_t pc) {
    if (count == 0 || pc < table[0].address) return nullptr;
    // Binary search for the last symbol at or below pc.
    size_t low = 0, high = count;
    while (high - low > 1) {
        size_t middle = low + (high - low) / 2;
        if (table[middle].address <= pc) low = middle;
        else high = middle;
    }
    return &table[low];
}

}  // namespace symbols
