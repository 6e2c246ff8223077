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

namespace {

// The pages of MMIO the kernel touches: the UART and the three PLIC pages
// (priorities, hart 0's S-mode enables, its threshold and claim).
constexpr uintptr_t kMmioPages[] = {0x1000'0000, 0x0c00'0000, 0x0c00'2000, 0x0c20'1000};
constexpr size_t kMmioGigabyte = 0, kRamGigabyte = 2;
// PageTable::free walks only the root entries of user space.
constexpr bool outside_user_space(size_t gigabyte) {
    return gigabyte < (rvos::kUserBase >> 30) || gigabyte > ((rvos::kUserEnd - 1) >> 30);
}
static_assert(outside_user_space(kMmioGigabyte) && outside_user_space(kRamGigabyte), "the kernel's subtrees are not user space");
constexpr uintptr_t kMegapage = 2 * 1024 * 1024;

// RAM in 2 MiB pages; of MMIO only the pages the drivers use, so a stray
// kernel pointer into low memory (null, say) faults instead of reaching a
// device.
void build_kernel_table(PageTable& table) {
    for (uintptr_t pa = kRamBase; pa < kRamEnd; pa += kMegapage)
        if (table.map_megapage(pa, pa, pte::kRead | pte::kWrite | pte::kExec | pte::kGlobal).is_error())
            panic("no frame for the kernel's page tables");
    for (uintptr_t page : kMmioPages)
        if (table.map(page, page, pte::kRead | pte::kWrite | pte::kGlobal).is_error())
            panic("no frame for the kernel's page tables");
    table.mark_root_entry_global(kMmioGigabyte);
    table.mark_root_entry_global(kRamGigabyte);
}

}  // namespace

void add_kernel_mappings(PageTable& table) {
    // The kernel's subtrees, shared: no entry carries the U bit, so user
    // code can never touch them.
    table.share_root_entry(kernel_page_table, kMmioGigabyte);
    table.share_root_entry(kernel_page_table, kRamGigabyte);
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
    build_kernel_table(kernel_page_table);
    arch::write_satp(kernel_page_table.satp());
    arch::flush_tlb();
    kprint("[boot] paging: Sv39 enabled, kernel mapped in every address space without U\n");
}

}  // namespace mm
