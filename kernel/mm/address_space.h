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

    // The loader's code segments and stack (kind Code or Stack): records the
    // region and maps fresh zeroed pages over [va, va+length) with the given
    // U-mode permissions. BadArgument if it overlaps a region or leaves user
    // space; on failure nothing stays mapped.
    base::ErrorOr<void> map_fixed(uintptr_t va, size_t length, Pte flags, RegionKind kind);
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
    // byte of the user range is mapped for user access (writable for copy_out).
    base::ErrorOr<void> copy_in(void* dst, uintptr_t src, size_t length) const;
    base::ErrorOr<void> copy_out(uintptr_t dst, const void* src, size_t length) const;
    // BadAddress unless every byte of the user range is writable by the user.
    base::ErrorOr<void> check_writable(uintptr_t va, size_t length) const;
    // Kernel-side writes (the loader): needs the page mapped, ignores U/W.
    base::ErrorOr<void> fill(uintptr_t dst, const void* src, size_t length) const;

    const PageTable& table() const { return table_; }
    const RegionMap& regions() const { return regions_; }
    size_t pages() const { return pages_; }

private:
    // Maps fresh zeroed pages over [va, va+length); on failure nothing stays mapped.
    base::ErrorOr<void> map_zeroed(uintptr_t va, size_t length, Pte flags);
    // Unmaps the private pages in [va, va+length) and frees their frames
    // after one TLB fence.
    void unmap_pages(uintptr_t va, size_t length);
    base::ErrorOr<void> unmap_anonymous(uintptr_t va, size_t length);
    base::ErrorOr<void> unmap_shared(uintptr_t va);
    // The kernel address of the user byte at va, if mapped with `need`.
    uint8_t* translate(uintptr_t va, Pte need) const;
    base::ErrorOr<void> check(uintptr_t va, size_t length, Pte need) const;
    base::ErrorOr<void> copy(uintptr_t user, uint8_t* kernel, size_t length, Pte need, bool to_user) const;

    PageTable table_;
    RegionMap regions_;
    size_t pages_ = 0;
};

}  // namespace mm
