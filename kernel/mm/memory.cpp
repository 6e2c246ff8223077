#include "mm/memory.h"

#include "arch/riscv.h"
#include "drivers/plic.h"
#include "lib/print.h"
#include "mm/kernel_stack.h"
#include "platform/machine.h"

extern "C" char __kernel_end[];

namespace mm {

namespace {
FrameAllocator frame_allocator;
PageRuns dma_runs;
uint8_t dma_bitmap[PageRuns::bitmap_bytes(rvos::kDmaPoolSize / kPageSize)];
PageTable kernel_page_table;
uintptr_t ram_begin, ram_end;  // the usable RAM, whole megapages
}  // namespace

FrameAllocator& frames() { return frame_allocator; }
PageRuns& dma_pool() { return dma_runs; }
bool in_ram(uintptr_t address) { return address >= ram_begin && address < ram_end; }
const PageTable& kernel_table() { return kernel_page_table; }

namespace {

constexpr uintptr_t kGigabyte = 1ul << 30, kMegapage = 2 * 1024 * 1024;
// The root-table entry (gigabyte) user space lives in (abi.h: kUserBase up
// to the stack); the kernel's RAM and MMIO must stay out of it (checked
// when they are mapped), and so must its stacks: PageTable::free walks
// only the user's entry.
constexpr size_t kUserGigabyte = rvos::kUserBase / kGigabyte;
static_assert(rvos::kUserStackTop <= (kUserGigabyte + 1) * kGigabyte, "user space spans one gigabyte");
static_assert(kKernelStackWindow / kGigabyte != kUserGigabyte, "the kernel's stacks are not in user space");

size_t gigabyte(uintptr_t address) { return address / kGigabyte; }

// The pages of MMIO the kernel touches: the UART, the PLIC's, the real-time
// clock, and the first page of each virtio-mmio slot (init reads which
// device is there).
template <typename F> void for_each_mmio_page(F visit) {
    const fdt::Machine& m = platform::machine();
    visit(base::align_down(m.uart.base, kPageSize));
    for (uintptr_t offset : plic::kPageOffsets) visit(m.plic.base + offset);
    if (m.rtc.present()) visit(base::align_down(m.rtc.base, kPageSize));
    for (size_t i = 0; i < m.virtio_count; i++) visit(base::align_down(m.virtio[i].base, kPageSize));
}

// Root entries holding kernel mappings, shared with every address space.
template <typename F> void for_each_kernel_gigabyte(F visit) {
    size_t previous = ~size_t(0);
    for_each_mmio_page([&](uintptr_t page) {
        if (gigabyte(page) != previous) visit(previous = gigabyte(page));
    });
    for (size_t g = gigabyte(ram_begin); g <= gigabyte(ram_end - 1); g++) visit(g);
    visit(gigabyte(kKernelStackWindow));
}

// RAM in 2 MiB pages; of MMIO only the pages the drivers use, so a stray
// kernel pointer into low memory (null, say) faults instead of reaching a
// device.
void build_kernel_table(PageTable& table) {
    for (uintptr_t pa = ram_begin; pa < ram_end; pa += kMegapage)
        if (table.map_megapage(pa, pa, pte::kRead | pte::kWrite | pte::kExec | pte::kGlobal).is_error())
            panic("no frame for the kernel's page tables");
    for_each_mmio_page([&](uintptr_t page) {
        if (gigabyte(page) == kUserGigabyte) panic("device at %p is inside user space", (void*)page);
        if (table.map(page, page, pte::kRead | pte::kWrite | pte::kGlobal).is_error())
            panic("no frame for the kernel's page tables");
    });
    for_each_kernel_gigabyte([&](size_t g) { table.mark_root_entry_global(g); });
}

// The RAM the kernel may use: the device tree's first bank in whole
// megapages, at most kMaxRam of it; the kernel image must be inside.
void find_ram() {
    const fdt::Machine& m = platform::machine();
    ram_begin = base::align_up(m.ram_base, kMegapage);
    uint64_t size = base::min<uint64_t>(m.ram_size, kMaxRam);
    ram_end = base::align_down(m.ram_base + size, kMegapage);
    auto kernel = reinterpret_cast<uintptr_t>(__kernel_end);
    if (kernel < ram_begin || kernel >= ram_end || gigabyte(ram_begin) <= kUserGigabyte)
        panic("the device tree's RAM [%p, %p) does not hold the kernel", (void*)ram_begin, (void*)ram_end);
}

}  // namespace

void add_kernel_mappings(PageTable& table) {
    // The kernel's subtrees, shared: no entry carries the U bit, so user
    // code can never touch them.
    for_each_kernel_gigabyte([&](size_t g) { table.share_root_entry(kernel_page_table, g); });
}

void init() {
    find_ram();
    auto heap_start = base::align_up(reinterpret_cast<uintptr_t>(__kernel_end), kPageSize);
    kernel_heap().init(reinterpret_cast<void*>(heap_start), kKernelHeapSize);
    // The DMA pool follows the heap, then the frame bitmap; the frames
    // after it are free.
    uintptr_t dma_start = heap_start + kKernelHeapSize;
    dma_runs.init(dma_start, rvos::kDmaPoolSize / kPageSize, dma_bitmap);
    auto* bitmap = reinterpret_cast<uint8_t*>(dma_start + rvos::kDmaPoolSize);
    auto bitmap_start = reinterpret_cast<uintptr_t>(bitmap);
    if (bitmap_start + kPageSize >= ram_end) panic("RAM too small: %lu KiB", (ram_end - ram_begin) / 1024);
    size_t most_frames = (ram_end - bitmap_start) / kPageSize;
    uintptr_t frames_start = base::align_up(bitmap_start + FrameAllocator::bitmap_bytes(most_frames), kPageSize);
    frame_allocator.init(frames_start, ram_end, bitmap);
    // A frame freed twice may belong to someone else by now: stop, loudly.
    frame_allocator.on_bad_free(
        [](uintptr_t address, const char* what) { panic("frame allocator: 0x%lx %s", address, what); });
    kprint("[boot] memory: %lu MiB RAM, %lu KiB kernel, %lu KiB heap, %lu frames free\n",
           (ram_end - ram_begin) >> 20, (heap_start - ram_begin) / 1024, kKernelHeapSize / 1024,
           frame_allocator.free_count());

    auto table = PageTable::create();
    if (table.is_error()) panic("no frame for the kernel page table");
    kernel_page_table = table.value();
    build_kernel_table(kernel_page_table);
    arch::write_satp(kernel_page_table.satp());
    arch::flush_tlb();
    kprint("[boot] paging: Sv39 enabled, kernel mapped in every address space without U\n");
}

}  // namespace mm
