// The math client: unsigned 32-bit arithmetic done by the math service.
// Results that do not fit are Error::Overflow.
#pragma once

#include "base/error_or.h"

namespace rvos::math {

base::ErrorOr<uint32_t> add(uint32_t a, uint32_t b);
base::ErrorOr<uint32_t> sub(uint32_t a, uint32_t b);
base::ErrorOr<uint32_t> mul(uint32_t a, uint32_t b);

}  // namespace rvos::math
