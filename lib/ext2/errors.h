// The errors the ext2 library reports, each one named once. Most are plain
// rvos::Error values; the few the ABI has no exact word for yet are stand-ins
// behind one constant each, so switching them is a one-line change.
#pragma once

#include "base/error_or.h"

namespace ext2 {

using base::ErrorOr;
using rvos::Error;

// The block device failed a read, write or flush (EIO). Stand-in until
// Error::DeviceError is in lib/abi/abi.h; then it becomes that.
inline constexpr Error kDeviceError = Error::DeviceError;
// The image breaks a rule of the format: a block or inode number out of
// range, a directory record that does not tile its block, a count that
// disagrees with a bitmap (EIO: the data does not parse).
inline constexpr Error kCorrupt = Error::BadMessage;
// No free block or inode is left (ENOSPC).
inline constexpr Error kNoSpace = Error::NoSpace;
// An inode already has kLinkMax links (EMLINK).
inline constexpr Error kTooManyLinks = Error::Overflow;
// A path met more symbolic links than kMaxSymlinkHops (ELOOP).
inline constexpr Error kSymlinkLoop = Error::Overflow;
// A change asked of a read-only mount (EROFS).
inline constexpr Error kReadOnly = Error::AccessDenied;
// A hard link to a directory (EPERM).
inline constexpr Error kNotPermitted = Error::AccessDenied;

}  // namespace ext2
