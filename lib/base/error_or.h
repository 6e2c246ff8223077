// Errors as values: a function that can fail returns ErrorOr<T>, and TRY()
// returns early with the error. There are no exceptions on this target.
#pragma once

#include "abi/abi.h"
#include "base/types.h"

namespace base {

using rvos::Error;

template <typename T>
class [[nodiscard]] ErrorOr {
public:
    ErrorOr(const T& value) : value_(value), error_(0) {}
    ErrorOr(T&& value) : value_(base::move(value)), error_(0) {}
    ErrorOr(Error error) : value_(), error_(static_cast<Code>(error)) {}

    bool is_error() const { return error_ != 0; }
    Error error() const { return static_cast<Error>(error_); }
    T& value() { return value_; }
    const T& value() const { return value_; }
    T release_value() { return base::move(value_); }

private:
    // The error code fills the space after the value: a 32-bit code behind
    // an 8-byte value would leave 4 bytes of padding, and GCC then builds
    // the returned register pair through the stack on every return.
    using Code = decltype([] {
        if constexpr (alignof(T) >= 8) return int64_t{};
        else return int32_t{};
    }());
    T value_;
    Code error_;
};

template <>
class [[nodiscard]] ErrorOr<void> {
public:
    ErrorOr() : error_(Error::None) {}
    ErrorOr(Error error) : error_(error) {}

    bool is_error() const { return error_ != Error::None; }
    Error error() const { return error_; }
    void release_value() {}

private:
    Error error_;
};

}  // namespace base

// Evaluate an Error expression; return it from the enclosing function
// unless it is Error::None.
#define TRY_STATUS(expression)                            \
    do {                                                  \
        ::rvos::Error _try_status = (expression);         \
        if (_try_status != ::rvos::Error::None)           \
            return _try_status;                           \
    } while (0)

// Evaluate an ErrorOr expression; on error return it from the enclosing
// function, otherwise yield the value (GNU statement expression).
#define TRY(expression)                                   \
    ({                                                    \
        auto _try_result = (expression);                  \
        if (_try_result.is_error())                       \
            return _try_result.error();                   \
        _try_result.release_value();                      \
    })
