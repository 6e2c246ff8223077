// A user process's address space: its page table, the pages it maps, and
// checked copies between user and kernel memory. Every user pointer a
// syscall receives goes through copy_in/copy_out, which check the whole
// range against this table (mapped, U, readable or writable) first.
#pragma once

#include "mm/memory_object.h"
#include "mm/page_table.h"

namespace mm {

class AddressSpace {
public:
    // An empty user space with the kernel mappings installed.
    base::ErrorOr<void> init();
    // Releases every user page and then the table itself (explicit free()).
    void destroy();

    // Maps fresh zeroed pages over [va, va+length) with the given U-mode
    // permissions; on failure nothing stays mapped.
    base::ErrorOr<void> map_zeroed(uintptr_t va, size_t length, Pte flags);
    void unmap(uintptr_t va, size_t length);
    // Anonymous memory for the mmap syscall; returns the address.
    base::ErrorOr<uintptr_t> map_anonymous(size_t length);
    // Maps a memory object read/write in the shared region; the mapping
    // holds a reference until it is unmapped. Returns the address.
    base::ErrorOr<uintptr_t> map_shared(MemoryObject& object, bool writable);
    // munmap: a shared mapping goes whole, by its start address; otherwise
    // only whole pages of anonymous memory — never code or the stack.
    base::ErrorOr<void> unmap_user(uintptr_t va, size_t length);
    // Removes the shared mapping that starts at va (BadArgument if none).
    base::ErrorOr<void> unmap_shared(uintptr_t va);
    bool is_shared_mapping(uintptr_t va) const;

    // Copies between kernel memory and user memory; BadAddress unless every
    // byte of the user range is mapped for user access (writable for copy_out).
    base::ErrorOr<void> copy_in(void* dst, uintptr_t src, size_t length) const;
    base::ErrorOr<void> copy_out(uintptr_t dst, const void* src, size_t length) const;
    // BadAddress unless every byte of the user range is writable by the user.
    base::ErrorOr<void> check_writable(uintptr_t va, size_t length) const;
    // Kernel-side writes (the loader): needs the page mapped, ignores U/W.
    base::ErrorOr<void> fill(uintptr_t dst, const void* src, size_t length) const;

    const PageTable& table() const { return table_; }
    size_t pages() const { return pages_; }

private:
    // The kernel address of the user byte at va, if mapped with `need`.
    uint8_t* translate(uintptr_t va, Pte need) const;
    base::ErrorOr<void> check(uintptr_t va, size_t length, Pte need) const;
    base::ErrorOr<void> copy(uintptr_t user, uint8_t* kernel, size_t length, Pte need, bool to_user) const;

    PageTable table_;
    uintptr_t mmap_next_ = rvos::kMmapBase;
    size_t pages_ = 0;
    // Shared mappings, sorted by address.
    struct SharedMapping {
        uintptr_t va;
        size_t length;
        MemoryObject* object;
    };
    SharedMapping shared_[rvos::kMaxSharedMappings] = {};
    size_t shared_count_ = 0;
};

}  // namespace mm
