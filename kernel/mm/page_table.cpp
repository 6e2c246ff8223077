#include "mm/page_table.h"

#include "arch/riscv.h"
#include "mm/memory.h"

namespace mm {

namespace {
size_t index_at(uintptr_t va, int level) { return (va >> (12 + 9 * level)) & 0x1ff; }
}  // namespace

ErrorOr<PageTable> PageTable::create() {
    void* root = TRY(frames().allocate());
    return PageTable(static_cast<Pte*>(root));
}

Pte* PageTable::walk(uintptr_t va, bool allocate, Error* error) const {
    Pte* table = root_;
    for (int level = 2; level > 0; level--) {
        Pte& entry = table[index_at(va, level)];
        if (entry & pte::kValid) {
            if (pte::is_leaf(entry)) return nullptr;  // inside a gigapage: not ours
            table = reinterpret_cast<Pte*>(pte::address(entry));
            continue;
        }
        if (!allocate) return nullptr;
        auto frame = frames().allocate();
        if (frame.is_error()) {
            *error = frame.error();
            return nullptr;
        }
        entry = pte::make(reinterpret_cast<uintptr_t>(frame.value()), 0);
        table = static_cast<Pte*>(frame.value());
    }
    return &table[index_at(va, 0)];
}

base::ErrorOr<void> PageTable::map(uintptr_t va, uintptr_t pa, Pte flags) {
    Error error = Error::BadAddress;
    Pte* entry = walk(va, true, &error);
    if (!entry) return error;
    if (*entry & pte::kValid) return Error::AlreadyExists;
    set_leaf(entry, pa, flags);
    return {};
}

base::ErrorOr<void> PageTable::map_megapage(uintptr_t va, uintptr_t pa, Pte flags) {
    Pte& top = root_[index_at(va, 2)];
    if (!(top & pte::kValid)) {
        void* frame = TRY(frames().allocate());
        top = pte::make(reinterpret_cast<uintptr_t>(frame), 0);
    }
    auto* middle = reinterpret_cast<Pte*>(pte::address(top));
    middle[index_at(va, 1)] = pte::make(pa, flags | pte::kAccessed | pte::kDirty);
    return {};
}

void PageTable::share_root_entry(const PageTable& other, size_t index) {
    root_[index] = other.root_[index] | pte::kGlobal;
}

// Every user copy translates its pages through here, so it is a walk of
// its own: no allocation path to branch around.
Pte* PageTable::lookup(uintptr_t va) const {
    Pte* table = root_;
    for (int level = 2; level > 0; level--) {
        Pte entry = table[index_at(va, level)];
        if (!(entry & pte::kValid) || pte::is_leaf(entry)) return nullptr;  // a gigapage or megapage: not ours
        table = reinterpret_cast<Pte*>(pte::address(entry));
    }
    Pte* leaf = &table[index_at(va, 0)];
    return (*leaf & pte::kValid) ? leaf : nullptr;
}

uintptr_t PageTable::unmap(uintptr_t va) {
    Pte* entry = lookup(va);
    if (!entry) return 0;
    uintptr_t pa = pte::address(*entry);
    *entry = 0;
    return pa;
}

uintptr_t PageTable::take_invalidated(uintptr_t va) {
    Error ignored;
    Pte* entry = walk(va, false, &ignored);
    if (!entry || *entry == 0 || (*entry & pte::kValid)) return 0;
    uintptr_t pa = pte::address(*entry);
    *entry = 0;
    return pa;
}

size_t PageTable::detach_empty_tables(uintptr_t va, size_t length, uintptr_t* tables, size_t capacity) {
    size_t count = 0;
    for (uintptr_t block = va & ~(kTableSpan - 1); block < va + length && count < capacity; block += kTableSpan) {
        Pte top = root_[index_at(block, 2)];
        if (!(top & pte::kValid) || pte::is_leaf(top) || (top & pte::kGlobal)) continue;
        Pte& entry = reinterpret_cast<Pte*>(pte::address(top))[index_at(block, 1)];
        if (!(entry & pte::kValid) || pte::is_leaf(entry)) continue;
        auto* bottom = reinterpret_cast<Pte*>(pte::address(entry));
        bool empty = true;
        for (size_t k = 0; k < 512 && empty; k++) empty = bottom[k] == 0;
        if (!empty) continue;
        entry = 0;
        tables[count++] = reinterpret_cast<uintptr_t>(bottom);
    }
    return count;
}

void PageTable::free_frame(Pte* table) { frames().free(table); }

void PageTable::free() {
    free([](Pte) {});
}

}  // namespace mm
