// Freestanding basics shared by kernel and user space: move/forward and a few
// type utilities, since there is no <utility> or <type_traits> on the target.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace base {

template <typename T> struct RemoveReference { using Type = T; };
template <typename T> struct RemoveReference<T&> { using Type = T; };
template <typename T> struct RemoveReference<T&&> { using Type = T; };

template <typename T>
constexpr typename RemoveReference<T>::Type&& move(T&& value) {
    return static_cast<typename RemoveReference<T>::Type&&>(value);
}

template <typename T>
constexpr T&& forward(typename RemoveReference<T>::Type& value) {
    return static_cast<T&&>(value);
}

template <typename T> constexpr T min(T a, T b) { return a < b ? a : b; }
template <typename T> constexpr T max(T a, T b) { return a > b ? a : b; }

constexpr uint64_t align_up(uint64_t value, uint64_t align) { return (value + align - 1) & ~(align - 1); }
constexpr uint64_t align_down(uint64_t value, uint64_t align) { return value & ~(align - 1); }

}  // namespace base

// Placement new without <new>: the freestanding target has no C++ library.
#if !defined(RVOS_HOSTED)
inline void* operator new(size_t, void* where) noexcept { return where; }
#else
#include <new>
#endif
