// Physical memory of the machine: the frame allocator, the kernel heap and
// the kernel's own page table.
#pragma once

#include "mm/frame_allocator.h"
#include "mm/heap.h"
#include "mm/page_table.h"

namespace mm {

// QEMU virt with -m 128M. (Reading the size from the device tree is on the
// milestone's deferred list.)
inline constexpr uintptr_t kRamBase = 0x8000'0000;
inline constexpr uintptr_t kRamEnd = 0x8800'0000;
inline constexpr size_t kKernelHeapSize = 16 * 1024 * 1024;

// Sets up frames and heap after the kernel image, then turns on paging.
void init();
FrameAllocator& frames();
// The table kernel tasks run on; every user table copies its kernel entries.
const PageTable& kernel_table();
// Adds the kernel's mappings (no U bit) to a fresh table.
void add_kernel_mappings(PageTable& table);

}  // namespace mm
