#include "mm/memory.h"

#include "arch/riscv.h"
#include "lib/print.h"

extern "C" char __kernel_end[];

namespace mm {

namespace {
FrameAllocator frame_allocator;
uint8_t frame_bitmap[(kRamEnd - kRamBase) / kPageSize / 8];
PageTable kernel_page_table;
}  // namespace

FrameAllocator& frames() { return frame_allocator; }
const PageTable& kernel_table() { return kernel_page_table; }

void add_kernel_mappings(PageTable& table) {
    // Gigabyte 0: MMIO (UART, PLIC). Gigabyte 2: RAM, holding the kernel.
    // Neither carries the U bit, so user code can never touch them.
    table.map_gigapage(0, 0x0, pte::kRead | pte::kWrite | pte::kGlobal);
    table.map_gigapage(2, kRamBase, pte::kRead | pte::kWrite | pte::kExec | pte::kGlobal);
}

void init() {
    auto heap_start = base::align_up(reinterpret_cast<uintptr_t>(__kernel_end), kPageSize);
    kernel_heap().init(reinterpret_cast<void*>(heap_start), kKernelHeapSize);
    uintptr_t frames_start = heap_start + kKernelHeapSize;
    frame_allocator.init(frames_start, kRamEnd, frame_bitmap);
    kprint("[boot] memory: %lu KiB kernel, %lu KiB heap, %lu frames free\n",
           (heap_start - kRamBase) / 1024, kKernelHeapSize / 1024, frame_allocator.free_count());

    auto table = PageTable::create();
    if (table.is_error()) panic("no frame for the kernel page table");
    kernel_page_table = table.value();
    add_kernel_mappings(kernel_page_table);
    arch::write_satp(kernel_page_table.satp());
    arch::flush_tlb();
    kprint("[boot] paging: Sv39 enabled, kernel mapped in every address space without U\n");
}

}  // namespace mm
