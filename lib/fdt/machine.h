// The machine as the device tree describes it: RAM, the timebase, and the
// devices the kernel or a driver needs (UART, PLIC, real-time clock,
// virtio-mmio slots), so nothing about the board is hard-coded in the
// kernel. Hardware-free; host-tested against QEMU's own device trees.
#pragma once

#include "base/error_or.h"
#include "base/types.h"

namespace fdt {

// One memory-mapped device: its register window and its PLIC source
// (0 = none).
struct Device {
    uint64_t base = 0;
    uint64_t size = 0;
    uint32_t irq = 0;
    bool present() const { return size != 0; }
};

inline constexpr size_t kMaxVirtioSlots = 8;
inline constexpr size_t kMaxRamBanks = 4;

struct Machine {
    uint64_t ram_base = 0;  // the first (lowest) RAM bank
    uint64_t ram_size = 0;
    uint64_t timebase_hz = 0;
    Device uart;      // ns16550a
    Device plic;      // riscv,plic0
    Device rtc;       // google,goldfish-rtc
    Device poweroff;  // syscon (sifive,test0)
    Device virtio[kMaxVirtioSlots];  // virtio,mmio, in address order
    size_t virtio_count = 0;
};

// Reads the blob at `dtb` (at most `max_size` bytes). BadArgument if it is
// malformed; NotFound if it lacks RAM, the timebase, the UART or the PLIC.
base::ErrorOr<Machine> describe(const void* dtb, size_t max_size);

}  // namespace fdt
