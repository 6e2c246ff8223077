// A user process's address space: its page table, the regions it maps and
// where new ones go (the layout policy), and checked copies between user
// and kernel memory. Every user pointer a syscall receives goes through
// copy_in/copy_out, which check the whole range against this table
// (mapped, U, readable or writable) first.
#pragma once

#include "mm/memory_object.h"
#include "mm/page_table.h"
#include "mm/region_map.h"

namespace mm {

class AddressSpace {
public:
    // An empty user space with the kernel mappings installed.
    base::ErrorOr<void> init();
    // Releases every user page and then the table itself (explicit free()).
    void destroy();

    // The loader's code segments (kind Code): records the region and maps
    // fresh zeroed pages over [va, va+length) with the given U-mode
    // permissions. BadArgument if it overlaps a region or leaves user
    // space; on failure nothing stays mapped.
    base::ErrorOr<void> map_fixed(uintptr_t va, size_t length, Pte flags, RegionKind kind);
    // The same, with `data` (data_length bytes) at data_va inside the range
    // and zeroes around it: each page is written once, the loader's copy
    // without zeroing first.
    base::ErrorOr<void> map_fixed(uintptr_t va, size_t length, Pte flags, RegionKind kind, uintptr_t data_va,
                                  const void* data, size_t data_length);
    // Bytes a map_fixed places at `va` (`length` of them), read through
    // `copy` (offsets from va), so they need not be contiguous in the
    // kernel (an image in a memory object's pages).
    struct FillData {
        uintptr_t va = 0;
        size_t length = 0;
        const void* context = nullptr;
        void (*copy)(const void* context, size_t offset, void* out, size_t length) = nullptr;
    };
    // The same from such a source: still each page written once.
    base::ErrorOr<void> map_fixed(uintptr_t va, size_t length, Pte flags, RegionKind kind, const FillData& data);
    // The loader's stack: records [va, va+length) as the Stack region but
    // maps nothing. Each of its pages is mapped (zeroed, user read/write)
    // when first touched: by the program (a page fault, fault_in) or by the
    // kernel (fill, copy_out, copy_in, check_writable). BadArgument as for
    // map_fixed.
    base::ErrorOr<void> reserve_stack(uintptr_t va, size_t length);
    // A user load/store page fault at va: maps a fresh zeroed page there if
    // va is in the stack region and not mapped yet, so the instruction can
    // be retried. BadAddress if not (the guard page, anywhere else, or a
    // page that is mapped already); NoMemory if no frame is left.
    base::ErrorOr<void> fault_in(uintptr_t va);
    // Maps [va, va+length) of a stack none of whose pages is mapped yet
    // (the loader's head start, before the table is ever loaded): one
    // range, one walk, no fence. BadAddress if it is not stack,
    // AlreadyExists if a page is mapped, NoMemory if out.
    base::ErrorOr<void> prefault_stack(uintptr_t va, size_t length);
    // Anonymous memory for mmap: zeroed, user-writable pages at the lowest
    // free address in [kMmapBase, kSharedBase), so unmapped addresses are
    // used again. Returns the address.
    base::ErrorOr<uintptr_t> map_anonymous(size_t length);
    // Maps a memory object in the shared window [kSharedBase, stack guard),
    // without the W bit unless `writable`; the mapping holds a reference
    // until it is unmapped. Returns the address.
    base::ErrorOr<uintptr_t> map_shared(MemoryObject& object, bool writable);
    // munmap, with all of its policy: a shared mapping goes whole, by its
    // start address (length is ignored). Otherwise [va, va+length) rounded
    // up to whole pages must lie in the anonymous window and touch only
    // anonymous memory (never code or the stack); its mapped pages go.
    // BadArgument otherwise, and nothing changes.
    base::ErrorOr<void> unmap_user(uintptr_t va, size_t length);

    // Copies between kernel memory and user memory; BadAddress unless every
    // byte of the user range is mapped for user access (writable for
    // copy_out) or is an untouched stack page, which is mapped first (so a
    // syscall may fill a stack buffer the program never touched); NoMemory
    // if that finds no frame. Not const for that reason.
    base::ErrorOr<void> copy_in(void* dst, uintptr_t src, size_t length);
    base::ErrorOr<void> copy_out(uintptr_t dst, const void* src, size_t length);
    // BadAddress unless every byte of the user range is writable by the
    // user; maps untouched stack pages in it, so a later copy_out there
    // cannot fail.
    base::ErrorOr<void> check_writable(uintptr_t va, size_t length);
    // Kernel-side writes (the loader): needs the page mapped (or an
    // untouched stack page), ignores U/W.
    base::ErrorOr<void> fill(uintptr_t dst, const void* src, size_t length);

    const PageTable& table() const { return table_; }
    const RegionMap& regions() const { return regions_; }
    size_t pages() const { return pages_; }

private:
    // Maps fresh zeroed pages over [va, va+length); on failure nothing stays mapped.
    base::ErrorOr<void> map_zeroed(uintptr_t va, size_t length, Pte flags);
    // map_zeroed() with [data.va, data.va + data.length) holding the data.
    base::ErrorOr<void> map_filled(uintptr_t va, size_t length, Pte flags, const FillData& data);
    // Unmaps the private pages in [va, va+length) and frees their frames
    // after one TLB fence.
    void unmap_pages(uintptr_t va, size_t length);
    base::ErrorOr<void> unmap_anonymous(uintptr_t va, size_t length);
    base::ErrorOr<void> unmap_shared(uintptr_t va);
    // The kernel address of the user byte at va, if mapped with `need`.
    uint8_t* translate(uintptr_t va, Pte need) const;
    // Clears unmapped entries out of the hardware TLB and the last
    // translation, before their frames can be reused.
    void forget_translations();
    // A stack page the program has not touched yet: mapped on demand.
    bool untouched_stack(uintptr_t page) const { return regions_.maps_on_touch(page) && !table_.lookup(page); }
    // Checks every page of the range first (mapped with `need`, or an
    // untouched stack page), so a bad range maps nothing; then maps the
    // untouched stack pages.
    base::ErrorOr<void> check(uintptr_t va, size_t length, Pte need);
    base::ErrorOr<void> copy(uintptr_t user, uint8_t* kernel, size_t length, Pte need, bool to_user);
    [[gnu::noinline]] base::ErrorOr<void> copy_pages(uintptr_t user, uint8_t* kernel, size_t length, Pte need,
                                                     bool to_user);

    PageTable table_;
    RegionMap regions_;
    size_t pages_ = 0;
    // The last page translate() found and its entry: one syscall's copies
    // (a wait list in and out, a handle array and the bytes of a message)
    // mostly fall in one page, and a hit saves the three-level walk. Only
    // unmapping changes a mapped entry, and every unmap ends in
    // forget_translations(), which drops it.
    static constexpr uintptr_t kNoPage = 1;  // never page-aligned
    mutable uintptr_t last_page_ = kNoPage;
    mutable Pte last_entry_ = 0;
};

}  // namespace mm
