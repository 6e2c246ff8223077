// Physical memory of the machine: the frame allocator, the kernel heap and
// the kernel's own page table.
#pragma once

#include "mm/frame_allocator.h"
#include "mm/heap.h"
#include "mm/page_runs.h"
#include "mm/page_table.h"

namespace mm {

// RAM comes from the device tree (platform/machine.h); the kernel uses at
// most this much of it.
inline constexpr uint64_t kMaxRam = 16ull << 30;
inline constexpr size_t kKernelHeapSize = 16 * 1024 * 1024;

// Sets up frames and heap after the kernel image, then turns on paging.
void init();
FrameAllocator& frames();
// Whether `address` is in the RAM the kernel maps.
bool in_ram(uintptr_t address);
// Physically contiguous pages for devices (rvos::kDmaPoolSize in all).
PageRuns& dma_pool();
// The table kernel tasks run on; every user table copies its kernel entries.
const PageTable& kernel_table();
// Adds the kernel's mappings (no U bit) to a fresh table.
void add_kernel_mappings(PageTable& table);

}  // namespace mm
