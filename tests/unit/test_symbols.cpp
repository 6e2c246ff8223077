// Stack-trace symbol lookup (kernel/lib/symbols.cpp).
#include <gtest/gtest.h>

#include "lib/symbols.h"

// The kernel's table is generated at link time; the host build has none.
extern "C" const symbols::Symbol kernel_symbols[] = {{0, nullptr}};
extern "C" const size_t kernel_symbol_count = 0;

namespace {

const symbols::Symbol kTable[] = {{0x1000, "first"}, {0x1040, "second"}, {0x2000, "third"}};

TEST(Symbols, PcInsideAFunctionFindsThatFunction) {
    EXPECT_STREQ(symbols::lookup(kTable, 3, 0x1044)->name, "second");
    EXPECT_STREQ(symbols::lookup(kTable, 3, 0x1000)->name, "first");
    EXPECT_STREQ(symbols::lookup(kTable, 3, 0x103f)->name, "first");
}

TEST(Symbols, PcPastTheLastSymbolFindsTheLast) { EXPECT_STREQ(symbols::lookup(kTable, 3, 0x9999)->name, "third"); }

TEST(Symbols, PcBeforeTheFirstSymbolOrEmptyTableFindsNothing) {
    EXPECT_EQ(symbols::lookup(kTable, 3, 0xfff), nullptr);
    EXPECT_EQ(symbols::lookup(kTable, 0, 0x1000), nullptr);
}

}  // namespace
