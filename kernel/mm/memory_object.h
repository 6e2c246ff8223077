// Shared memory: a set of zeroed frames that handles name and address
// spaces map. Moving bulk data between processes then costs one copy into
// the shared pages and one message, not a message per 64 bytes. The frames
// are freed when the last handle and the last mapping are gone.
//
// Two other kinds of memory are objects of the same type, so the same
// rights and mapping rules cover them: a device's registers (its MMIO
// window; never freed, it is not RAM) and DMA memory (physically
// contiguous, from the pool in mm/dma.h), whose physical address its holder
// can read to program a device. init hands both only to a device's driver.
#pragma once

#include "base/error_or.h"
#include "ipc/object.h"

namespace mm {

class MemoryObject final : public ipc::Object {
public:
    // `bytes` rounds up to whole pages; at most rvos::kMaxSharedSize.
    // Starts with one reference (for the creator's handle).
    static base::ErrorOr<MemoryObject*> create(size_t bytes);
    // A device's register window (page-aligned physical range).
    static base::ErrorOr<MemoryObject*> create_device(uintptr_t physical, size_t bytes);
    // Zeroed, physically contiguous memory from the DMA pool.
    static base::ErrorOr<MemoryObject*> create_contiguous(size_t bytes);
    rvos::Signals signals() const override { return 0; }
    void last_reference_gone() override { destroy(); }

    size_t pages() const { return pages_; }
    uintptr_t frame(size_t index) const { return frames_ ? frames_[index] : base_ + index * rvos::kPageSize; }
    // The physical address of a contiguous object (device or DMA); 0 for
    // ordinary memory, whose frames are scattered.
    uintptr_t physical() const { return frames_ ? 0 : base_; }
    // A device's registers, not RAM.
    bool is_device() const { return backing_ == Backing::Device; }

private:
    enum class Backing : uint8_t { Frames, Device, Contiguous };
    explicit MemoryObject(Backing backing) : Object(Kind::Memory), backing_(backing) {}
    static base::ErrorOr<MemoryObject*> create_run(Backing backing, uintptr_t physical, size_t pages);
    void destroy();

    Backing backing_;
    size_t pages_ = 0;
    uintptr_t* frames_ = nullptr;  // Frames: one per page
    uintptr_t base_ = 0;           // Device, Contiguous: the first page
};

}  // namespace mm

template <> struct ipc::KindOf<mm::MemoryObject> { static constexpr Object::Kind value = Object::Kind::Memory; };
