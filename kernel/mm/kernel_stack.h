// Kernel stacks: every task's kernel stack, and the scheduler's, lives in a
// slot of its own in a window of kernel virtual memory, with an unmapped
// guard page below it (and the next slot's guard page above it). Running
// off either end is a page fault, which the trap handler reports as a stack
// overflow on a stack of its own (arch/trap.cpp), never silent corruption
// of whatever lies next to the stack; task structures live in the heap,
// nowhere near. The window has a gigabyte of its own, far above the most
// RAM the kernel maps, shared with every address space like the kernel's
// other gigabytes (mm/memory.cpp).
//
// Stack frames come zeroed from the frame allocator, so the lowest non-zero
// word marks how deep a stack has ever been used (as Linux's stack usage
// check does); the deepest use seen is kept for sysinfo.
#pragma once

#include "abi/abi.h"
#include "base/error_or.h"

namespace mm {

inline constexpr size_t kKernelStackSize = 16 * 1024;
// The window's address: the last gigabyte of Sv39's lower half.
inline constexpr uintptr_t kKernelStackWindow = 0x3f'c000'0000;
// The slots: one per task-table entry, then the scheduler loop's.
inline constexpr size_t kKernelStackSlots = rvos::kMaxProcesses + 1;
inline constexpr size_t kSchedulerStackSlot = rvos::kMaxProcesses;

// Maps zeroed frames as slot `slot`'s stack; returns its top (the initial
// sp). NoMemory if frames run out (nothing stays mapped then).
base::ErrorOr<uintptr_t> map_kernel_stack(size_t slot);
// Records how deep the stack was used, unmaps it and frees its frames. It
// must not be the stack in use.
void unmap_kernel_stack(size_t slot);

// If `address` is in a guard page: true, and the slot whose stack it lies
// below (the one a stack overflow ran out of).
bool guard_page_slot(uintptr_t address, size_t* slot);
// Whether `address` lies in a mapped kernel stack (for stack traces).
bool in_kernel_stack(uintptr_t address);
// The deepest any kernel stack has been used since boot, in bytes
// (stacks in use are measured now).
size_t deepest_kernel_stack_use();

}  // namespace mm
