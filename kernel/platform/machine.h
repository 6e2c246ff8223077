// The machine the kernel runs on, read once at boot from the device tree
// that OpenSBI passes in a1: RAM, the timebase and the devices. Everything
// board-specific (addresses, IRQ numbers, RAM size) comes from here.
#pragma once

#include "fdt/machine.h"

namespace platform {

// The largest device tree the kernel accepts (QEMU's virt is about 4 KiB).
inline constexpr size_t kMaxDeviceTreeSize = 1024 * 1024;

// Reads the device tree at `dtb`; halts the machine with a message on the
// firmware console if it is missing or lacks what the kernel needs.
void init(uintptr_t dtb);
const fdt::Machine& machine();

}  // namespace platform
