// fpregs: proves that the kernel's lazy FP switching keeps every program's
// FP registers its own (tests/acceptance/test_fpu.py).
//
//   fpregs            the parent: checks its own fresh registers are zero,
//                     fills them with its pattern, starts a spinner and two
//                     checkers, waits for the checkers, kills the spinner,
//                     checks its pattern survived, then starts a fresh
//                     child after the killed spinner
//   fpregs check <n>  a checker: many rounds of "fill all 32 registers and
//                     fcsr with a pattern of its own, give up the CPU
//                     (yield, sleep, or be preempted while spinning), read
//                     them all back and compare"
//   fpregs spin       a checker that goes on until the parent kills it,
//                     while it owns the unit
//   fpregs fresh      checks a new program's FP registers are all zero
//   fpregs math       prints correctly rounded double and float results
//                     (the test compares them with the host's) and the
//                     exception flags a division by zero raises
//
// The registers are written and read only by fp_fill and fp_dump below (no
// compiled code here does floating point), so a mismatch can only come from
// the kernel handing this program another program's registers.
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rvos/service.h"
#include "tests/kit/kit.h"

extern "C" {
// Loads f0..f31 from values[0..31] and fcsr from values[32].
void fp_fill(const uint64_t* values);
// Stores f0..f31 into values[0..31] and fcsr into values[32].
void fp_dump(uint64_t* values);
}

asm(R"(
    .text
    .global fp_fill
fp_fill:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fld f\n, \n*8(a0)
    .endr
    ld t0, 256(a0)
    fscsr t0
    ret
    .global fp_dump
fp_dump:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsd f\n, \n*8(a0)
    .endr
    frcsr t0
    sd t0, 256(a0)
    ret
)");

namespace {

constexpr int kRegisters = 33;  // f0..f31 and fcsr
using Registers = uint64_t[kRegisters];

// Program `who`'s pattern for round `round`: every register distinct, and
// distinct between programs and rounds. fcsr keeps 8 bits: a valid
// rounding mode (0..4) in bits 7..5 and exception flags in bits 4..0.
void pattern(uint64_t who, uint64_t round, Registers out) {
    for (uint64_t i = 0; i < 32; i++) out[i] = 0x5a00'0000'0000'0000ull | who << 48 | round << 8 | i;
    out[32] = ((who + round) % 5) << 5 | ((who * 7 + round) & 31);
}

// Compares; prints the first difference. True when equal.
bool same(const char* who, const Registers got, const Registers want) {
    for (int i = 0; i < kRegisters; i++) {
        if (got[i] == want[i]) continue;
        printf("fpregs: %s: %s%d is 0x%llx, expected 0x%llx\n", who, i < 32 ? "f" : "fcsr", i < 32 ? i : 0,
               static_cast<unsigned long long>(got[i]), static_cast<unsigned long long>(want[i]));
        return false;
    }
    return true;
}

bool fresh_registers_are_zero(const char* who) {
    Registers got, zero = {};
    fp_dump(got);
    return same(who, got, zero);
}

uint64_t now_ticks() {
    uint64_t t;
    asm volatile("rdtime %0" : "=r"(t));
    return t;
}

// Ways to give up the CPU between filling and checking.
void give_up_cpu(uint64_t round) {
    constexpr uint64_t kTicksPerMs = 10'000;  // rdtime runs at 10 MHz
    if (round % 100 == 0) {
        // Spin past two 10 ms slices: preempted by the timer, as the
        // other programs are.
        for (uint64_t end = now_ticks() + 25 * kTicksPerMs; now_ticks() < end;) {
        }
    } else if (round % 10 == 0) {
        timespec nap{0, 1'000'000};  // blocked in a wait on a timer
        nanosleep(&nap, nullptr);
    } else {
        rvos::sys::yield();
    }
}

constexpr uint64_t kRounds = 1000;

int check(uint64_t who) {
    char name[16];
    snprintf(name, sizeof name, "checker %llu", static_cast<unsigned long long>(who));
    bool fresh = fresh_registers_are_zero(name);
    for (uint64_t round = 0; round < kRounds; round++) {
        Registers want, got;
        pattern(who, round, want);
        fp_fill(want);
        give_up_cpu(round);
        fp_dump(got);
        if (!same(name, got, want)) {
            printf("fpregs: %s: registers changed in round %llu\n", name, static_cast<unsigned long long>(round));
            return 1;
        }
    }
    printf("fpregs: %s: fresh registers %s; %llu rounds of yield, sleep and preemption, registers intact\n", name,
           fresh ? "zero" : "NOT ZERO", static_cast<unsigned long long>(kRounds));
    return fresh ? 0 : 1;
}

// Like a checker but for ever, until the parent kills it: it is the last
// program to use FP, so it dies owning the unit.
[[noreturn]] void spin() {
    for (uint64_t round = 0;; round++) {
        Registers want, got;
        pattern(9, round, want);
        fp_fill(want);
        rvos::sys::yield();
        fp_dump(got);
        if (!same("spinner", got, want)) rvos::sys::exit(1);
    }
}

bool start(const char* args, rvos::Child& child) {
    auto started = rvos::spawn("fpregs", args);
    if (started.is_error()) {
        printf("fpregs: cannot start %s: %s\n", args, rvos::error_name(started.error()));
        return false;
    }
    child = started.release_value();
    return true;
}

int parent() {
    bool fresh = fresh_registers_are_zero("parent");
    Registers mine, got;
    pattern(1, 0, mine);
    fp_fill(mine);
    rvos::Child spinner, first, second;
    if (!start("spin", spinner) || !start("check 2", first) || !start("check 3", second)) return 1;
    auto a = rvos::wait_exit(first), b = rvos::wait_exit(second);
    rvos::kill(spinner);  // killed while it may own the unit
    (void)rvos::wait_exit(spinner);
    fp_dump(got);
    bool kept = same("parent", got, mine);
    bool checkers = !a.is_error() && !b.is_error() && testkit::summary(a.value()) == 0 &&
                    testkit::summary(b.value()) == 0;
    printf("fpregs: parent: fresh registers %s; registers %s while its children ran\n", fresh ? "zero" : "NOT ZERO",
           kept ? "intact" : "CHANGED");
    int after = testkit::run_child("fpregs", "fresh");
    printf("fpregs: %s\n", fresh && kept && checkers && after == 0 ? "all registers kept apart" : "FAILED");
    return 0;
}

// Operations IEEE 754 rounds exactly, so any correct FPU gives the host's
// bits. volatile keeps the compiler from folding them at build time.
int math_results() {
    volatile double two = 2.0, three = 3.0, tenth = 0.1, big = 1e308;
    volatile float third_f = 1.0f / 3.0f;
    printf("fpregs: math: sqrt(2) = %.17g\n", sqrt(two));
    printf("fpregs: math: 1/3 = %.17g\n", 1.0 / three);
    printf("fpregs: math: 0.1*3 = %.17g\n", tenth * three);
    printf("fpregs: math: fma(0.1, 3, -0.3) = %.17g\n", fma(tenth, three, -0.3));
    printf("fpregs: math: 1e308*10 = %g\n", big * 10.0);
    printf("fpregs: math: (float)1/3 = %.9g\n", static_cast<double>(third_f));
    printf("fpregs: math: (long)-2.5 = %ld, lrint(2.5) = %ld\n", static_cast<long>(-2.5 * two / two), lrint(2.5 * two / two));
    feclearexcept(FE_ALL_EXCEPT);
    volatile double zero = 0.0;
    volatile double infinite = 1.0 / zero;
    printf("fpregs: math: 1/0 = %g, divide-by-zero flag %s\n", infinite,
           fetestexcept(FE_DIVBYZERO) ? "raised" : "NOT RAISED");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "check") == 0) return check(static_cast<uint64_t>(argv[2][0] - '0'));
    if (argc == 2 && strcmp(argv[1], "spin") == 0) spin();
    if (argc == 2 && strcmp(argv[1], "fresh") == 0) {
        bool zero = fresh_registers_are_zero("fresh");
        printf("fpregs: a new program after a killed owner: fresh registers %s\n", zero ? "zero" : "NOT ZERO");
        return zero ? 0 : 1;
    }
    if (argc == 2 && strcmp(argv[1], "math") == 0) return math_results();
    if (argc == 1) return parent();
    printf("usage: fpregs [check <n> | spin | fresh | math]\n");
    return 2;
}
