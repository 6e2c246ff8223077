// Syscalls on memory: anonymous pages and shared memory objects. Where a
// mapping may go is the address space's business (mm/address_space.h).
#include "mm/memory_object.h"
#include "syscall/syscall.h"

namespace syscall {

namespace {
constexpr rvos::Rights kMemoryRights = rvos::kRightRead | rvos::kRightWrite | rvos::kRightTransfer |
                                       rvos::kRightDuplicate | rvos::kRightMap | rvos::kRightMapWrite |
                                       rvos::kRightWait;
}  // namespace

ErrorOr<uint64_t> sys_mmap(Call call) { return TRY(call.task.space.map_anonymous(call.arg(0))); }

ErrorOr<uint64_t> sys_munmap(Call call) {
    TRY(call.task.space.unmap_user(call.arg(0), call.arg(1)));
    return 0;
}

ErrorOr<uint64_t> sys_mem_create(Call call) {
    if (call.task.handles.full()) return Error::HandleTableFull;
    mm::MemoryObject* object = TRY(mm::MemoryObject::create(call.arg(0)));
    return static_cast<uint64_t>(call.task.handles.install(object, kMemoryRights).value());
}

ErrorOr<uint64_t> sys_mem_map(Call call) {
    bool writable = call.arg(1) != 0;
    rvos::Rights needed = rvos::kRightMap | (writable ? rvos::kRightMapWrite : 0);
    mm::MemoryObject* memory = TRY(call.task.handles.get<mm::MemoryObject>(call.handle(0), needed));
    uintptr_t address = TRY(call.task.space.map_shared(*memory, writable));
    call.set_a1(memory->pages() * rvos::kPageSize);
    return address;
}

// A driver programs its device with physical addresses: only contiguous
// memory (DMA, device windows) has one, and only the map right reveals it.
ErrorOr<uint64_t> sys_mem_physical(Call call) {
    mm::MemoryObject* memory = TRY(call.task.handles.get<mm::MemoryObject>(call.handle(0), rvos::kRightMap));
    if (memory->physical() == 0) return Error::Unsupported;
    call.set_a1(memory->pages() * rvos::kPageSize);
    return memory->physical();
}

}  // namespace syscall
