// Kernel stacks with guard pages (see kernel_stack.h).
#include "mm/kernel_stack.h"

#include "arch/riscv.h"
#include "lib/print.h"
#include "mm/memory.h"

namespace mm {

namespace {

// Slot i: its guard page at kWindow + i * kSlotSize, then the stack.
constexpr uintptr_t kWindow = kKernelStackWindow;
constexpr size_t kSlotSize = kPageSize + kKernelStackSize;
constexpr size_t kStackPages = kKernelStackSize / kPageSize;
constexpr uintptr_t kWindowEnd = kWindow + kKernelStackSlots * kSlotSize;
static_assert(kKernelStackSize % kPageSize == 0);
static_assert(kWindow >= 0x8000'0000 + kMaxRam, "the window lies above any RAM the kernel maps");
static_assert(kWindow % (2 * 1024 * 1024) == 0 && kWindowEnd - kWindow <= 2 * 1024 * 1024,
              "the window fits one page-table page (one 2 MiB range)");
static_assert(kWindowEnd <= kWindow + (1ul << 30), "the window is in one gigabyte");

bool mapped[kKernelStackSlots];
size_t deepest = 0;

uintptr_t stack_bottom(size_t slot) { return kWindow + slot * kSlotSize + kPageSize; }

// The kernel table's tree, shared by every address space (copying a
// PageTable copies a reference to the same tree).
PageTable kernel_tree() { return kernel_table(); }

// How deep slot's stack has been used: from its top to the lowest word
// that is not zero any more. Eight words a step first (every exit scans
// most of a stack).
size_t depth_used(size_t slot) {
    auto* word = reinterpret_cast<const uint64_t*>(stack_bottom(slot));
    auto* end = reinterpret_cast<const uint64_t*>(stack_bottom(slot) + kKernelStackSize);
    while (word < end && (word[0] | word[1] | word[2] | word[3] | word[4] | word[5] | word[6] | word[7]) == 0)
        word += 8;
    while (word < end && *word == 0) word++;
    return static_cast<size_t>(reinterpret_cast<uintptr_t>(end) - reinterpret_cast<uintptr_t>(word));
}

void note_depth(size_t slot) {
    size_t used = depth_used(slot);
    if (used > deepest) deepest = used;
}

}  // namespace

base::ErrorOr<uintptr_t> map_kernel_stack(size_t slot) {
    KASSERT(slot < kKernelStackSlots && !mapped[slot]);
    PageTable tree = kernel_tree();
    uintptr_t bottom = stack_bottom(slot);
    // The window's page-table page is made by the first stack (init's, at
    // boot) and stays: unmapping never frees table pages.
    for (size_t page = 0; page < kStackPages; page++) {
        auto frame = frames().allocate();  // zeroed
        base::ErrorOr<void> mapped_page = Error::NoMemory;
        if (!frame.is_error())
            mapped_page = tree.map(bottom + page * kPageSize, reinterpret_cast<uintptr_t>(frame.value()),
                                   pte::kRead | pte::kWrite | pte::kGlobal);
        if (mapped_page.is_error()) {
            if (!frame.is_error()) frames().free(frame.value());
            while (page-- > 0) frames().free(reinterpret_cast<void*>(tree.unmap(bottom + page * kPageSize)));
            arch::flush_tlb();
            return mapped_page.error();
        }
    }
    // A hart may have cached the pages as unmapped.
    arch::flush_tlb();
    mapped[slot] = true;
    return bottom + kKernelStackSize;
}

void unmap_kernel_stack(size_t slot) {
    KASSERT(slot < kKernelStackSlots && mapped[slot]);
    note_depth(slot);
    PageTable tree = kernel_tree();
    uintptr_t bottom = stack_bottom(slot);
    uintptr_t taken[kStackPages];
    for (size_t page = 0; page < kStackPages; page++) taken[page] = tree.unmap(bottom + page * kPageSize);
    arch::flush_tlb();  // before the frames can be reused
    for (uintptr_t frame : taken) frames().free(reinterpret_cast<void*>(frame));
    mapped[slot] = false;
}

bool guard_page_slot(uintptr_t address, size_t* slot) {
    if (address < kWindow || address >= kWindowEnd) return false;
    size_t index = (address - kWindow) / kSlotSize;
    if (address >= stack_bottom(index)) return false;  // in the stack itself
    *slot = index;
    return true;
}

bool in_kernel_stack(uintptr_t address) {
    if (address < kWindow || address >= kWindowEnd) return false;
    size_t index = (address - kWindow) / kSlotSize;
    return mapped[index] && address >= stack_bottom(index);
}

size_t deepest_kernel_stack_use() {
    for (size_t slot = 0; slot < kKernelStackSlots; slot++)
        if (mapped[slot]) note_depth(slot);
    return deepest;
}

}  // namespace mm
