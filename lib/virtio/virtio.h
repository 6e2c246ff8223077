// The virtio 1.x definitions shared by every virtio driver (blk, net, gpu,
// input): device status bits, common feature bits and the split virtqueue's
// layout as the specification fixes it. Little-endian, as RISC-V is.
#pragma once

#include "base/types.h"

namespace virtio {

// Device status (virtio 1.1, 2.1).
enum Status : uint32_t {
    kAcknowledge = 1,
    kDriver = 2,
    kDriverOk = 4,
    kFeaturesOk = 8,
    kNeedsReset = 64,
    kFailed = 128,
};

// Feature bits every modern device offers (6).
inline constexpr uint64_t kFeatureVersion1 = 1ull << 32;

// Split virtqueue structures (2.6). The rings hold `size` entries, a power
// of two up to 32768.
struct Descriptor {
    uint64_t address;  // physical
    uint32_t length;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(Descriptor) == 16);

enum DescriptorFlags : uint16_t {
    kDescNext = 1,   // the chain goes on at `next`
    kDescWrite = 2,  // the device writes this buffer (else reads it)
};

// The available ring: flags, idx, ring[size], used_event.
struct AvailHeader {
    uint16_t flags;
    uint16_t index;
};
// The used ring: flags, idx, elements[size], avail_event.
struct UsedHeader {
    uint16_t flags;
    uint16_t index;
};
struct UsedElement {
    uint32_t id;      // head of the finished chain
    uint32_t length;  // bytes the device wrote
};
inline constexpr uint16_t kUsedNoNotify = 1;  // used.flags: the device needs no kick
inline constexpr uint16_t kAvailNoInterrupt = 1;  // avail.flags: the driver needs no interrupt

inline constexpr uint16_t kMaxQueueSize = 32768;

}  // namespace virtio
