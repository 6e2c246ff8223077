#include "mm/address_space.h"

#include "arch/riscv.h"
#include "base/string.h"
#include "mm/memory.h"

namespace mm {

using rvos::kUserBase;
using rvos::kUserEnd;

namespace {
bool in_user_range(uintptr_t va, size_t length) {
    return va >= kUserBase && va < kUserEnd && length <= kUserEnd - va;
}
}  // namespace

base::ErrorOr<void> AddressSpace::init() {
    table_ = TRY(PageTable::create());
    add_kernel_mappings(table_);
    return {};
}

void AddressSpace::destroy() {
    table_.for_each_user_page([](uintptr_t, Pte entry) {
        if (!(entry & pte::kShared)) frames().free(reinterpret_cast<void*>(pte::address(entry)));
    });
    for (size_t i = 0; i < shared_count_; i++) shared_[i].object->unref();
    shared_count_ = 0;
    table_.free();
    pages_ = 0;
}

base::ErrorOr<void> AddressSpace::map_zeroed(uintptr_t va, size_t length, Pte flags) {
    if (va % kPageSize || !in_user_range(va, length)) return Error::BadArgument;
    size_t mapped = 0;
    for (; mapped < length; mapped += kPageSize) {
        auto frame = frames().allocate();
        base::ErrorOr<void> result = frame.is_error() ? base::ErrorOr<void>(frame.error())
                                                      : table_.map(va + mapped, reinterpret_cast<uintptr_t>(frame.value()),
                                                                   flags | pte::kUser);
        if (result.is_error()) {
            if (!frame.is_error()) frames().free(frame.value());
            unmap(va, mapped);
            return result.error();
        }
        pages_++;
    }
    return {};
}

// After PTEs are cleared, stale translations must go before the frames can
// be reused — or the process could still reach a page that is someone
// else's (or its own next page table) by now. One fence per call, not per
// page: QEMU flushes its whole TLB on any sfence.vma.
static void forget_translations() { arch::flush_tlb(); }

void AddressSpace::unmap(uintptr_t va, size_t length) {
    // Frames are freed in batches, each after a fence.
    uintptr_t unmapped[32];
    size_t pending = 0;
    auto free_pending = [&] {
        forget_translations();
        for (size_t i = 0; i < pending; i++) frames().free(reinterpret_cast<void*>(unmapped[i]));
        pending = 0;
    };
    for (size_t offset = 0; offset < length; offset += kPageSize) {
        Pte* entry = table_.lookup(va + offset);
        if (!entry || (*entry & pte::kShared)) continue;  // shared pages go with their mapping
        unmapped[pending++] = table_.unmap(va + offset);
        pages_--;
        if (pending == sizeof unmapped / sizeof unmapped[0]) free_pending();
    }
    if (pending) free_pending();
}

base::ErrorOr<void> AddressSpace::unmap_user(uintptr_t va, size_t length) {
    if (is_shared_mapping(va)) return unmap_shared(va);
    if (va % kPageSize || va < rvos::kMmapBase || va >= rvos::kSharedBase || length > rvos::kSharedBase - va)
        return Error::BadArgument;
    unmap(va, base::align_up(length, kPageSize));
    return {};
}

base::ErrorOr<uintptr_t> AddressSpace::map_shared(MemoryObject& object, bool writable) {
    if (shared_count_ == rvos::kMaxSharedMappings) return Error::NoMemory;
    size_t length = object.pages() * kPageSize;
    // First fit between the existing mappings, below the stack's guard page.
    constexpr uintptr_t kSharedEnd = rvos::kUserStackTop - rvos::kUserStackSize - kPageSize;
    uintptr_t va = rvos::kSharedBase;
    size_t slot = 0;
    for (; slot < shared_count_ && va + length > shared_[slot].va; slot++) va = shared_[slot].va + shared_[slot].length;
    if (va + length > kSharedEnd) return Error::NoMemory;
    for (size_t i = 0; i < object.pages(); i++) {
        auto mapped = table_.map(va + i * kPageSize, object.frame(i),
                                 pte::kUser | pte::kRead | (writable ? pte::kWrite : 0) | pte::kShared);
        if (mapped.is_error()) {
            for (size_t k = 0; k < i; k++) table_.unmap(va + k * kPageSize);
            forget_translations();
            return mapped.error();
        }
    }
    for (size_t i = shared_count_; i > slot; i--) shared_[i] = shared_[i - 1];
    shared_[slot] = SharedMapping{va, length, &object};
    shared_count_++;
    object.ref();
    return va;
}

bool AddressSpace::is_shared_mapping(uintptr_t va) const {
    for (size_t i = 0; i < shared_count_; i++)
        if (shared_[i].va == va) return true;
    return false;
}

base::ErrorOr<void> AddressSpace::unmap_shared(uintptr_t va) {
    for (size_t i = 0; i < shared_count_; i++) {
        if (shared_[i].va != va) continue;
        for (size_t offset = 0; offset < shared_[i].length; offset += kPageSize) table_.unmap(va + offset);
        forget_translations();  // before the object can free its frames
        shared_[i].object->unref();
        for (size_t k = i + 1; k < shared_count_; k++) shared_[k - 1] = shared_[k];
        shared_count_--;
        return {};
    }
    return Error::BadArgument;
}

base::ErrorOr<uintptr_t> AddressSpace::map_anonymous(size_t length) {
    if (length == 0 || length > rvos::kSharedBase - mmap_next_) return Error::BadArgument;
    length = base::align_up(length, kPageSize);
    uintptr_t va = mmap_next_;
    TRY(map_zeroed(va, length, pte::kRead | pte::kWrite));
    mmap_next_ += length;
    return va;
}

uint8_t* AddressSpace::translate(uintptr_t va, Pte need) const {
    Pte* entry = table_.lookup(va);
    if (!entry || (*entry & need) != need) return nullptr;
    return reinterpret_cast<uint8_t*>(pte::address(*entry) + va % kPageSize);
}

base::ErrorOr<void> AddressSpace::check(uintptr_t va, size_t length, Pte need) const {
    if (length == 0) return {};
    if (!in_user_range(va, length)) return Error::BadAddress;
    for (uintptr_t page = base::align_down(va, kPageSize); page < va + length; page += kPageSize)
        if (!translate(page, need)) return Error::BadAddress;
    return {};
}

base::ErrorOr<void> AddressSpace::check_writable(uintptr_t va, size_t length) const {
    return check(va, length, pte::kUser | pte::kWrite);
}

base::ErrorOr<void> AddressSpace::copy(uintptr_t user, uint8_t* kernel, size_t length, Pte need, bool to_user) const {
    // Check the whole range first so a failing copy changes nothing.
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

base::ErrorOr<void> AddressSpace::copy_in(void* dst, uintptr_t src, size_t length) const {
    return copy(src, static_cast<uint8_t*>(dst), length, pte::kUser | pte::kRead, false);
}

base::ErrorOr<void> AddressSpace::copy_out(uintptr_t dst, const void* src, size_t length) const {
    return copy(dst, static_cast<uint8_t*>(const_cast<void*>(src)), length, pte::kUser | pte::kWrite, true);
}

base::ErrorOr<void> AddressSpace::fill(uintptr_t dst, const void* src, size_t length) const {
    return copy(dst, static_cast<uint8_t*>(const_cast<void*>(src)), length, pte::kUser, true);
}

}  // namespace mm
