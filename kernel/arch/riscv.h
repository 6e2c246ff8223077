// RISC-V supervisor-mode registers and instructions the kernel uses.
#pragma once

#include <stdint.h>

namespace arch {

// sstatus bits
inline constexpr uint64_t kSstatusSIE = 1ull << 1;
inline constexpr uint64_t kSstatusSPIE = 1ull << 5;
inline constexpr uint64_t kSstatusSPP = 1ull << 8;
inline constexpr uint64_t kSstatusSUM = 1ull << 18;
// sie / sip bits
inline constexpr uint64_t kIntSoftware = 1ull << 1;
inline constexpr uint64_t kIntTimer = 1ull << 5;
inline constexpr uint64_t kIntExternal = 1ull << 9;
// scause
inline constexpr uint64_t kCauseInterrupt = 1ull << 63;
inline constexpr uint64_t kIrqTimer = 5;
inline constexpr uint64_t kIrqExternal = 9;
inline constexpr uint64_t kExcIllegalInstruction = 2;
inline constexpr uint64_t kExcEcallFromUser = 8;
inline constexpr uint64_t kExcLoadPageFault = 13;
inline constexpr uint64_t kExcStorePageFault = 15;
// satp
inline constexpr uint64_t kSatpSv39 = 8ull << 60;
// scounteren: which counters user mode may read
inline constexpr uint64_t kCounterTime = 1ull << 1;

#define ARCH_CSR_ACCESSORS(name)                                              \
    inline uint64_t read_##name() {                                           \
        uint64_t value;                                                       \
        asm volatile("csrr %0, " #name : "=r"(value));                        \
        return value;                                                         \
    }                                                                         \
    inline void write_##name(uint64_t value) { asm volatile("csrw " #name ", %0" ::"r"(value)); } \
    inline void set_##name(uint64_t bits) { asm volatile("csrs " #name ", %0" ::"r"(bits)); }     \
    inline void clear_##name(uint64_t bits) { asm volatile("csrc " #name ", %0" ::"r"(bits)); }

ARCH_CSR_ACCESSORS(sstatus)
ARCH_CSR_ACCESSORS(sie)
ARCH_CSR_ACCESSORS(sip)
ARCH_CSR_ACCESSORS(stvec)
ARCH_CSR_ACCESSORS(sscratch)
ARCH_CSR_ACCESSORS(sepc)
ARCH_CSR_ACCESSORS(scause)
ARCH_CSR_ACCESSORS(stval)
ARCH_CSR_ACCESSORS(satp)
ARCH_CSR_ACCESSORS(scounteren)
#undef ARCH_CSR_ACCESSORS

inline uint64_t read_time() {
    uint64_t value;
    asm volatile("rdtime %0" : "=r"(value));
    return value;
}

inline void flush_tlb() { asm volatile("sfence.vma zero, zero" ::: "memory"); }
// One page's translations only: after an invalid entry becomes valid the
// spec still asks for a fence (a hart may have cached the miss), and a
// one-page fence does not cost QEMU its whole TLB.
inline void flush_tlb_page(uintptr_t va) { asm volatile("sfence.vma %0, zero" ::"r"(va) : "memory"); }
inline void wait_for_interrupt() { asm volatile("wfi"); }

inline uint64_t read_fp() {
    uint64_t value;
    asm volatile("mv %0, s0" : "=r"(value));
    return value;
}


}  // namespace arch
