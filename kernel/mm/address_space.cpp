// The user address space: page mappings kept in step with the region map,
// the layout policy for mmap, shared memory and munmap, checked copies, and
// the stack's pages mapped on first touch.
#include "mm/address_space.h"

#include "arch/riscv.h"
#include "base/string.h"
#include "mm/memory.h"

namespace mm {

using rvos::kMmapBase;
using rvos::kSharedBase;
using rvos::kUserBase;
using rvos::kUserEnd;

namespace {
// The shared window ends below the stack's guard gap.
constexpr uintptr_t kSharedEnd = rvos::kUserStackTop - rvos::kUserStackSize - rvos::kUserStackGuardSize;
static_assert(rvos::kMaxSharedSize <= kSharedEnd - kSharedBase, "the largest memory object fits the shared window");

bool in_user_range(uintptr_t va, size_t length) {
    return va >= kUserBase && va < kUserEnd && length <= kUserEnd - va;
}
}  // namespace

base::ErrorOr<void> AddressSpace::init() {
    last_page_ = kNoPage;
    table_ = TRY(PageTable::create());
    add_kernel_mappings(table_);
    return {};
}

void AddressSpace::destroy() {
    table_.free([](Pte entry) {
        if (!(entry & pte::kShared)) frames().free(reinterpret_cast<void*>(pte::address(entry)));
    });
    for (const Region& region : regions_)
        if (region.kind == RegionKind::Shared) static_cast<MemoryObject*>(region.object)->unref();
    regions_.clear();
    pages_ = 0;
    last_page_ = kNoPage;
}

// Writes one page of a map_filled range whole: the data that falls in it,
// zeroes before and after.
static void fill_page(uint8_t* frame, uintptr_t page_va, const AddressSpace::FillData& data) {
    uintptr_t from = base::max(page_va, data.va), to = base::min(page_va + kPageSize, data.va + data.length);
    if (from >= to) {
        base::mem_set(frame, 0, kPageSize);
        return;
    }
    base::mem_set(frame, 0, from - page_va);
    data.copy(data.context, from - data.va, frame + (from - page_va), to - from);
    base::mem_set(frame + (to - page_va), 0, page_va + kPageSize - to);
}

// Inlined into map_zeroed (every mmap and stack page), where the data
// branches fold away.
[[gnu::always_inline]] inline base::ErrorOr<void> AddressSpace::map_filled(uintptr_t va, size_t length, Pte flags,
                                                                          const FillData& data) {
    if (va % kPageSize || !in_user_range(va, length)) return Error::BadArgument;
    size_t mapped = 0;
    Pte* entry = nullptr;  // va + mapped's leaf entry: walked once a last-level table
    for (; mapped < length; mapped += kPageSize) {
        uintptr_t page = va + mapped;
        Error error = Error::BadAddress;
        if (!entry || page % PageTable::kTableSpan == 0) entry = table_.leaf_for_map(page, &error);
        else entry++;
        if (entry && (*entry & pte::kValid)) error = Error::AlreadyExists;
        // Without data the allocator's zeroed frame is the page; with
        // data the page is written once, whole.
        auto frame = !entry || error == Error::AlreadyExists ? base::ErrorOr<void*>(error)
                     : data.length                           ? frames().allocate_unzeroed()
                                                             : frames().allocate();
        if (frame.is_error()) {
            unmap_pages(va, mapped);
            return frame.error();
        }
        if (data.length) fill_page(static_cast<uint8_t*>(frame.value()), page, data);
        PageTable::set_leaf(entry, reinterpret_cast<uintptr_t>(frame.value()), flags | pte::kUser);
        pages_++;
    }
    return {};
}

base::ErrorOr<void> AddressSpace::map_zeroed(uintptr_t va, size_t length, Pte flags) {
    return map_filled(va, length, flags, FillData{});
}

// After PTEs are cleared, stale translations must go before the frames can
// be reused — or the process could still reach a page that is someone
// else's (or its own next page table) by now. One fence per call, not per
// page: QEMU flushes its whole TLB on any sfence.vma.
void AddressSpace::forget_translations() {
    arch::flush_tlb();
    last_page_ = kNoPage;
}

void AddressSpace::unmap_pages(uintptr_t va, size_t length) {
    // Two passes, so one fence covers any length without a frame list: the
    // first leaves each frame's address in its invalidated entry, the
    // second frees it once the fence has run.
    bool any = false;
    for (size_t offset = 0; offset < length; offset += kPageSize) {
        Pte* entry = table_.lookup(va + offset);
        if (!entry || (*entry & pte::kShared)) continue;  // shared pages go with their mapping
        PageTable::invalidate(entry);
        any = true;
    }
    if (!any) return;
    forget_translations();
    for (size_t offset = 0; offset < length; offset += kPageSize) {
        uintptr_t frame = table_.take_invalidated(va + offset);
        if (!frame) continue;
        frames().free(reinterpret_cast<void*>(frame));
        pages_--;
    }
}

base::ErrorOr<void> AddressSpace::map_fixed(uintptr_t va, size_t length, Pte flags, RegionKind kind) {
    return map_fixed(va, length, flags, kind, va, nullptr, 0);
}

static void copy_contiguous(const void* context, size_t offset, void* out, size_t length) {
    base::mem_copy(out, static_cast<const uint8_t*>(context) + offset, length);
}

base::ErrorOr<void> AddressSpace::map_fixed(uintptr_t va, size_t length, Pte flags, RegionKind kind, uintptr_t data_va,
                                            const void* data, size_t data_length) {
    return map_fixed(va, length, flags, kind, FillData{data_va, data_length, data, copy_contiguous});
}

base::ErrorOr<void> AddressSpace::map_fixed(uintptr_t va, size_t length, Pte flags, RegionKind kind,
                                            const FillData& data) {
    if (kind != RegionKind::Code || !in_user_range(va, length)) return Error::BadArgument;
    if (data.length && (data.va < va || data.length > length || data.va - va > length - data.length))
        return Error::BadArgument;  // the data lies inside the range
    TRY(regions_.insert(Region{va, length, kind}));
    auto mapped = map_filled(va, length, flags, data);
    if (mapped.is_error()) {
        (void)regions_.remove(va);  // just inserted, never merged: it is there
        return mapped.error();
    }
    return {};
}

base::ErrorOr<void> AddressSpace::reserve_stack(uintptr_t va, size_t length) {
    if (!in_user_range(va, length)) return Error::BadArgument;
    return regions_.insert(Region{va, length, RegionKind::Stack});
}

base::ErrorOr<void> AddressSpace::prefault_stack(uintptr_t va, size_t length) {
    if (length == 0 || va % kPageSize || !regions_.maps_on_touch(va) || !regions_.maps_on_touch(va + length - 1))
        return Error::BadAddress;
    return map_zeroed(va, length, pte::kRead | pte::kWrite);
}

base::ErrorOr<void> AddressSpace::fault_in(uintptr_t va) {
    uintptr_t page = base::align_down(va, kPageSize);
    if (!untouched_stack(page)) return Error::BadAddress;
    TRY(map_zeroed(page, kPageSize, pte::kRead | pte::kWrite));
    // Only the loaded table can be in the TLB. One that is not (a process
    // being started, its stack's top prefaulted) gets a full fence when it
    // is loaded, and QEMU turns every fence into a whole-TLB flush.
    if (arch::read_satp() == table_.satp()) arch::flush_tlb_page(page);
    return {};
}

base::ErrorOr<uintptr_t> AddressSpace::map_anonymous(size_t length) {
    if (length == 0 || length > kSharedBase - kMmapBase) return Error::BadArgument;
    length = base::align_up(length, kPageSize);
    uintptr_t va = TRY(regions_.allocate(Region{0, length, RegionKind::Anonymous}, kMmapBase, kSharedBase));
    auto mapped = map_zeroed(va, length, pte::kRead | pte::kWrite);
    if (mapped.is_error()) {
        // Cannot fail: taking back exactly what allocate() added needs no
        // more slots than the map had before.
        (void)regions_.remove_pages(va, length);
        return mapped.error();
    }
    return va;
}

base::ErrorOr<uintptr_t> AddressSpace::map_shared(MemoryObject& object, bool writable) {
    size_t length = object.pages() * kPageSize;
    uintptr_t va = TRY(regions_.allocate(Region{0, length, RegionKind::Shared, writable, &object}, kSharedBase,
                                         kSharedEnd));
    Pte flags = pte::kUser | pte::kRead | pte::kShared | (writable ? pte::kWrite : 0);
    for (size_t i = 0; i < object.pages(); i++) {
        auto mapped = table_.map(va + i * kPageSize, object.frame(i), flags);
        if (mapped.is_error()) {
            for (size_t k = 0; k < i; k++) table_.unmap(va + k * kPageSize);
            forget_translations();
            (void)regions_.remove(va);
            return mapped.error();
        }
    }
    object.ref();
    return va;
}

base::ErrorOr<void> AddressSpace::unmap_user(uintptr_t va, size_t length) {
    // The windows do not overlap: below kSharedBase there is no shared
    // mapping to look for.
    if (va < kSharedBase) return unmap_anonymous(va, length);
    const Region* region = regions_.find(va);
    if (region && region->kind == RegionKind::Shared && region->start == va) return unmap_shared(va);
    return Error::BadArgument;  // above the anonymous window
}

base::ErrorOr<void> AddressSpace::unmap_shared(uintptr_t va) {
    Region region = TRY(regions_.remove(va));
    for (size_t offset = 0; offset < region.length; offset += kPageSize) table_.unmap(va + offset);
    // Tables left empty go too (a server mapping objects at ever new
    // addresses would otherwise keep one for each 2 MiB it ever used).
    uintptr_t tables[rvos::kMaxSharedSize / PageTable::kTableSpan + 2];
    size_t detached = table_.detach_empty_tables(va, region.length, tables, sizeof tables / sizeof tables[0]);
    forget_translations();  // before the object can free its frames, or the tables go
    for (size_t i = 0; i < detached; i++) frames().free(reinterpret_cast<void*>(tables[i]));
    static_cast<MemoryObject*>(region.object)->unref();
    return {};
}

base::ErrorOr<void> AddressSpace::unmap_anonymous(uintptr_t va, size_t length) {
    if (va % kPageSize || length == 0 || va < kMmapBase || va >= kSharedBase || length > kSharedBase - va)
        return Error::BadArgument;
    length = base::align_up(length, kPageSize);
    TRY(regions_.remove_pages(va, length));  // BadArgument if it touches code, the stack or shared memory
    unmap_pages(va, length);
    return {};
}

uint8_t* AddressSpace::translate(uintptr_t va, Pte need) const {
    uintptr_t page = base::align_down(va, kPageSize);
    if (page != last_page_) {
        Pte* entry = table_.lookup(va);
        if (!entry) return nullptr;
        last_page_ = page;
        last_entry_ = *entry;
    }
    if ((last_entry_ & need) != need) return nullptr;
    return reinterpret_cast<uint8_t*>(pte::address(last_entry_) + va % kPageSize);
}

base::ErrorOr<void> AddressSpace::check(uintptr_t va, size_t length, Pte need) {
    if (length == 0) return {};
    if (!in_user_range(va, length)) return Error::BadAddress;
    if (va % kPageSize + length <= kPageSize && translate(va, need)) return {};  // one mapped page
    bool untouched = false;
    for (uintptr_t page = base::align_down(va, kPageSize); page < va + length; page += kPageSize) {
        if (translate(page, need)) continue;
        if (!untouched_stack(page)) return Error::BadAddress;
        untouched = true;
    }
    if (untouched)
        for (uintptr_t page = base::align_down(va, kPageSize); page < va + length; page += kPageSize)
            if (untouched_stack(page)) TRY(fault_in(page));
    return {};
}

base::ErrorOr<void> AddressSpace::check_writable(uintptr_t va, size_t length) {
    return check(va, length, pte::kUser | pte::kWrite);
}

base::ErrorOr<void> AddressSpace::copy(uintptr_t user, uint8_t* kernel, size_t length, Pte need, bool to_user) {
    // Most copies (small messages, wait lists, handle arrays) lie in one
    // mapped page: one translation and the copy, without the page loop
    // and its saved registers.
    if (user % kPageSize + length <= kPageSize && in_user_range(user, length)) {
        if (uint8_t* mapped = translate(user, need)) {
            if (to_user) base::mem_copy(mapped, kernel, length);
            else base::mem_copy(kernel, mapped, length);
            return {};
        }
    }
    return copy_pages(user, kernel, length, need, to_user);
}

base::ErrorOr<void> AddressSpace::copy_pages(uintptr_t user, uint8_t* kernel, size_t length, Pte need,
                                             bool to_user) {
    // Check the whole range first so a failing copy changes nothing. A copy
    // of up to a message's size (every send and receive) keeps what that
    // check translated, so each page is walked once, not twice.
    constexpr size_t kShortPages = rvos::kMaxMessageBytes / kPageSize + 1;
    if (length == 0) return {};
    if (!in_user_range(user, length)) return Error::BadAddress;
    uintptr_t first = base::align_down(user, kPageSize);
    size_t pages = (base::align_up(user + length, kPageSize) - first) / kPageSize;
    if (pages <= kShortPages) {
        uint8_t* mapped[kShortPages];
        bool untouched = false;
        for (size_t i = 0; i < pages; i++) {
            if ((mapped[i] = translate(first + i * kPageSize, need))) continue;
            if (!untouched_stack(first + i * kPageSize)) return Error::BadAddress;
            untouched = true;
        }
        // Only once the whole range is known good: untouched stack pages.
        for (size_t i = 0; untouched && i < pages; i++) {
            if (mapped[i]) continue;
            TRY(fault_in(first + i * kPageSize));
            mapped[i] = translate(first + i * kPageSize, need);
        }
        for (size_t i = 0, offset = user - first; length; i++, offset = 0) {
            size_t chunk = base::min<size_t>(length, kPageSize - offset);
            if (to_user) base::mem_copy(mapped[i] + offset, kernel, chunk);
            else base::mem_copy(kernel, mapped[i] + offset, chunk);
            kernel += chunk;
            length -= chunk;
        }
        return {};
    }
    TRY(check(user, length, need));
    while (length) {
        size_t chunk = base::min<size_t>(length, kPageSize - user % kPageSize);
        uint8_t* mapped = translate(user, need);
        if (to_user) base::mem_copy(mapped, kernel, chunk);
        else base::mem_copy(kernel, mapped, chunk);
        user += chunk;
        kernel += chunk;
        length -= chunk;
    }
    return {};
}

base::ErrorOr<void> AddressSpace::copy_in(void* dst, uintptr_t src, size_t length) {
    return copy(src, static_cast<uint8_t*>(dst), length, pte::kUser | pte::kRead, false);
}

base::ErrorOr<void> AddressSpace::copy_out(uintptr_t dst, const void* src, size_t length) {
    return copy(dst, static_cast<uint8_t*>(const_cast<void*>(src)), length, pte::kUser | pte::kWrite, true);
}

base::ErrorOr<void> AddressSpace::fill(uintptr_t dst, const void* src, size_t length) {
    return copy(dst, static_cast<uint8_t*>(const_cast<void*>(src)), length, pte::kUser, true);
}

}  // namespace mm
