// An Sv39 page table. The wrapper does NOT own its frames implicitly: its
// destructor frees nothing, and free() is the one explicit way to release the
// table frames (milestone item 6). Copying a PageTable copies a reference to
// the same tree, so no call site ever needs a trick to stop a destructor.
#pragma once

#include "abi/abi.h"
#include "arch/riscv.h"
#include "base/error_or.h"

namespace mm {

using base::ErrorOr;
using rvos::Error;
using Pte = uint64_t;

namespace pte {
inline constexpr Pte kValid = 1 << 0;
inline constexpr Pte kRead = 1 << 1;
inline constexpr Pte kWrite = 1 << 2;
inline constexpr Pte kExec = 1 << 3;
inline constexpr Pte kUser = 1 << 4;
inline constexpr Pte kGlobal = 1 << 5;
inline constexpr Pte kAccessed = 1 << 6;
inline constexpr Pte kDirty = 1 << 7;
// Software bit (RSW): the page belongs to a shared memory object, which
// frees it — unmapping must not.
inline constexpr Pte kShared = 1 << 8;
inline constexpr Pte kLeafMask = kRead | kWrite | kExec;

inline uintptr_t address(Pte entry) { return (entry >> 10) << 12; }
inline Pte make(uintptr_t pa, Pte flags) { return ((pa >> 12) << 10) | flags | kValid; }
inline bool is_leaf(Pte entry) { return entry & kLeafMask; }
}  // namespace pte

class PageTable {
public:
    PageTable() = default;
    ~PageTable() = default;  // deliberately frees nothing: see free()

    // A new, empty table (one zeroed root frame), or NoMemory.
    static ErrorOr<PageTable> create();

    // Maps one 4 KiB page, allocating intermediate tables as needed.
    base::ErrorOr<void> map(uintptr_t va, uintptr_t pa, Pte flags);
    // The leaf entry for va, making the tables above it as needed; null
    // (and `error` set) if there is no memory for them or va lies in a
    // large page. The entries of one last-level table follow each other,
    // so a range is mapped with one walk per kTableSpan, not one a page.
    Pte* leaf_for_map(uintptr_t va, Error* error) { return walk(va, true, error); }
    static void set_leaf(Pte* entry, uintptr_t pa, Pte flags) {
        *entry = pte::make(pa, flags | pte::kAccessed | pte::kDirty);
    }
    // Maps one 2 MiB page (the kernel's RAM mapping).
    base::ErrorOr<void> map_megapage(uintptr_t va, uintptr_t pa, Pte flags);
    // Points this table's root entry at the same subtree as `other`'s, marked
    // global: the kernel's subtrees are shared by every table and belong to
    // none of them (free() leaves them alone).
    void share_root_entry(const PageTable& other, size_t index);
    void mark_root_entry_global(size_t index) { root_[index] |= pte::kGlobal; }
    // The leaf entry for va, or null if unmapped.
    Pte* lookup(uintptr_t va) const;
    // Removes the 4 KiB mapping at va and returns its physical address
    // (0 if nothing was mapped).
    uintptr_t unmap(uintptr_t va);
    // Unmapping a range under one TLB fence: invalidate() clears the valid
    // bit of a leaf entry (from lookup) but leaves the frame's address in it
    // (the hardware ignores an invalid entry); after the fence,
    // take_invalidated() clears va's entry and returns that frame (0 if
    // va's entry was not invalidated).
    static void invalidate(Pte* entry) { *entry &= ~pte::kValid; }
    uintptr_t take_invalidated(uintptr_t va);
    // Detaches the last-level tables of [va, va + length) that map nothing
    // any more (a mapping was removed) and puts their frames in `tables`
    // (at most `capacity`); returns how many. The caller fences the TLB,
    // which may still hold walks through them, then frees the frames: so a
    // mapping at ever new addresses does not leave a table behind each.
    size_t detach_empty_tables(uintptr_t va, size_t length, uintptr_t* tables, size_t capacity);
    static constexpr size_t kTableSpan = size_t{1} << 21;  // what one last-level table maps

    // Releases every table frame of this tree (not the pages it maps, and
    // not the shared kernel subtrees). The wrapper is empty afterwards.
    void free();
    // The same, and in the same walk release_page(entry) for every 4 KiB
    // leaf with the U bit first (the caller frees its frame, or leaves a
    // shared one to its memory object). Only the root entries that cover
    // user space are walked: the others are the kernel's subtrees, shared
    // by every table and freed by none.
    template <typename Release> void free(Release&& release_page);

    bool valid() const { return root_ != nullptr; }
    // Read on every switch between address spaces, so inline.
    uint64_t satp() const { return arch::kSatpSv39 | (reinterpret_cast<uintptr_t>(root_) >> 12); }
    uintptr_t root_address() const { return reinterpret_cast<uintptr_t>(root_); }

private:
    explicit PageTable(Pte* root) : root_(root) {}
    Pte* walk(uintptr_t va, bool allocate, Error* error) const;
    static void free_frame(Pte* table);

    Pte* root_ = nullptr;
};

// Calls visit(entry) for each non-zero entry of a table. A process's tables
// are mostly empty (a few pages of code, stack and heap in 512 entries
// each), so eight entries are tested at once: every exit walks them all.
template <typename Visit>
inline void for_each_entry(const Pte* table, Visit&& visit) {
    for (const Pte* group = table; group < table + 512; group += 8) {
        if ((group[0] | group[1] | group[2] | group[3] | group[4] | group[5] | group[6] | group[7]) == 0) continue;
        for (size_t k = 0; k < 8; k++)
            if (group[k]) visit(group[k]);
    }
}

template <typename Release>
void PageTable::free(Release&& release_page) {
    if (!root_) return;
    constexpr size_t kFirstUserRoot = rvos::kUserBase >> 30, kLastUserRoot = (rvos::kUserEnd - 1) >> 30;
    for (size_t i = kFirstUserRoot; i <= kLastUserRoot; i++) {
        Pte top = root_[i];
        if (!(top & pte::kValid) || pte::is_leaf(top) || (top & pte::kGlobal)) continue;
        auto* middle = reinterpret_cast<Pte*>(pte::address(top));
        for_each_entry(middle, [&](Pte entry) {
            if (!(entry & pte::kValid) || pte::is_leaf(entry)) return;
            auto* bottom = reinterpret_cast<Pte*>(pte::address(entry));
            for_each_entry(bottom, [&](Pte leaf) {
                if ((leaf & (pte::kValid | pte::kUser)) == (pte::kValid | pte::kUser)) release_page(leaf);
            });
            free_frame(bottom);
        });
        free_frame(middle);
    }
    free_frame(root_);
    root_ = nullptr;
}

}  // namespace mm
