// The virtio-mmio transport, version 2 (virtio 1.1, 4.2): probing a slot,
// the status handshake, feature negotiation, queue setup, notification and
// interrupt acknowledgement. Register access is a policy (`Registers`: 32-bit
// read32/write32 at an offset), so a driver runs it over its MMIO window and
// the host tests over a simulated device. QEMU speaks version 2 when started
// with `-global virtio-mmio.force-legacy=false`.
#pragma once

#include "base/error_or.h"
#include "virtio/queue.h"

namespace virtio {

namespace mmio {
enum Register : uint32_t {
    kMagic = 0x000,  // "virt"
    kVersion = 0x004,
    kDeviceId = 0x008,
    kVendorId = 0x00c,
    kDeviceFeatures = 0x010,
    kDeviceFeaturesSelect = 0x014,
    kDriverFeatures = 0x020,
    kDriverFeaturesSelect = 0x024,
    kQueueSelect = 0x030,
    kQueueSizeMax = 0x034,
    kQueueSize = 0x038,
    kQueueReady = 0x044,
    kQueueNotify = 0x050,
    kInterruptStatus = 0x060,
    kInterruptAck = 0x064,
    kStatus = 0x070,
    kQueueDescLow = 0x080,
    kQueueDescHigh = 0x084,
    kQueueDriverLow = 0x090,
    kQueueDriverHigh = 0x094,
    kQueueDeviceLow = 0x0a0,
    kQueueDeviceHigh = 0x0a4,
    kConfigGeneration = 0x0fc,
    kConfig = 0x100,
};
inline constexpr uint32_t kMagicValue = 0x7472'6976;
inline constexpr uint32_t kWindowSize = 0x200;  // registers and device config the drivers read
}  // namespace mmio

// Device types (5).
enum DeviceType : uint32_t { kNone = 0, kNet = 1, kBlock = 2, kConsole = 3, kGpu = 16, kInput = 18 };

// Interrupt status bits.
inline constexpr uint32_t kInterruptUsedRing = 1, kInterruptConfig = 2;

template <typename Registers>
class Transport {
public:
    explicit Transport(Registers registers) : regs_(registers) {}

    // The device type in this slot: kNone for an empty slot; Unsupported for
    // something that is not a version-2 virtio-mmio device.
    base::ErrorOr<DeviceType> probe() {
        if (regs_.read32(mmio::kMagic) != mmio::kMagicValue || regs_.read32(mmio::kVersion) != 2)
            return rvos::Error::Unsupported;
        return static_cast<DeviceType>(regs_.read32(mmio::kDeviceId));
    }

    // Resets the device and negotiates features: VERSION_1 plus what the
    // driver `wants` of what the device offers (returned). DeviceError if the
    // device refuses the set or lacks VERSION_1.
    base::ErrorOr<uint64_t> begin(uint64_t wants) {
        regs_.write32(mmio::kStatus, 0);  // reset
        if (regs_.read32(mmio::kStatus) != 0) return rvos::Error::DeviceError;
        set_status(kAcknowledge);
        set_status(kAcknowledge | kDriver);
        uint64_t offered = features(mmio::kDeviceFeaturesSelect, mmio::kDeviceFeatures);
        if (!(offered & kFeatureVersion1)) return fail();
        uint64_t agreed = offered & (wants | kFeatureVersion1);
        for (uint32_t half = 0; half < 2; half++) {
            regs_.write32(mmio::kDriverFeaturesSelect, half);
            regs_.write32(mmio::kDriverFeatures, static_cast<uint32_t>(agreed >> (32 * half)));
        }
        set_status(kAcknowledge | kDriver | kFeaturesOk);
        if (!(regs_.read32(mmio::kStatus) & kFeaturesOk)) return fail();
        return agreed;
    }

    // The largest queue `index` may have (0: no such queue).
    uint16_t queue_size_max(uint16_t index) {
        regs_.write32(mmio::kQueueSelect, index);
        uint32_t max = regs_.read32(mmio::kQueueSizeMax);
        return static_cast<uint16_t>(max > kMaxQueueSize ? kMaxQueueSize : max);
    }

    // Hands queue `index`, initialised by the driver, to the device.
    base::ErrorOr<void> add_queue(uint16_t index, const SplitQueue& queue) {
        regs_.write32(mmio::kQueueSelect, index);
        if (regs_.read32(mmio::kQueueReady) != 0) return rvos::Error::DeviceError;
        uint32_t max = regs_.read32(mmio::kQueueSizeMax);
        if (max == 0 || queue.size() > max) return rvos::Error::BadArgument;
        regs_.write32(mmio::kQueueSize, queue.size());
        write64(mmio::kQueueDescLow, queue.descriptors_physical());
        write64(mmio::kQueueDriverLow, queue.avail_physical());
        write64(mmio::kQueueDeviceLow, queue.used_physical());
        regs_.write32(mmio::kQueueReady, 1);
        return {};
    }

    // The device may run: DeviceError if it reports a failure instead.
    base::ErrorOr<void> finish() {
        set_status(kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
        if (regs_.read32(mmio::kStatus) & (kNeedsReset | kFailed)) return rvos::Error::DeviceError;
        return {};
    }

    void notify(uint16_t queue) { regs_.write32(mmio::kQueueNotify, queue); }

    // Reads and acknowledges the interrupt causes (kInterrupt* bits).
    uint32_t take_interrupt() {
        uint32_t status = regs_.read32(mmio::kInterruptStatus);
        if (status) regs_.write32(mmio::kInterruptAck, status);
        return status;
    }

    bool needs_reset() { return (regs_.read32(mmio::kStatus) & kNeedsReset) != 0; }

    // Device configuration, read under the generation counter so a value
    // that changed halfway is read again (a few times: a device that never
    // settles gets its last reading).
    uint32_t config32(uint32_t offset) { return static_cast<uint32_t>(config(offset, 1)); }
    uint64_t config64(uint32_t offset) { return config(offset, 2); }

    Registers& registers() { return regs_; }

private:
    void set_status(uint32_t status) { regs_.write32(mmio::kStatus, status); }

    rvos::Error fail() {
        set_status(regs_.read32(mmio::kStatus) | kFailed);
        return rvos::Error::DeviceError;
    }

    uint64_t features(uint32_t select, uint32_t window) {
        uint64_t value = 0;
        for (uint32_t half = 0; half < 2; half++) {
            regs_.write32(select, half);
            value |= uint64_t(regs_.read32(window)) << (32 * half);
        }
        return value;
    }

    static constexpr int kConfigTries = 8;
    uint64_t config(uint32_t offset, uint32_t words) {
        uint64_t value = 0;
        for (int attempt = 0; attempt < kConfigTries; attempt++) {
            uint32_t before = regs_.read32(mmio::kConfigGeneration);
            value = 0;
            for (uint32_t i = 0; i < words; i++) value |= uint64_t(regs_.read32(mmio::kConfig + offset + 4 * i)) << (32 * i);
            if (regs_.read32(mmio::kConfigGeneration) == before) break;
        }
        return value;
    }

    void write64(uint32_t low, uint64_t value) {
        regs_.write32(low, static_cast<uint32_t>(value));
        regs_.write32(low + 4, static_cast<uint32_t>(value >> 32));
    }

    Registers regs_;
};

// Orders device register accesses against the rings in ordinary memory
// (RISC-V needs the I/O bits: a plain memory fence does not order MMIO).
inline void io_fence() {
#if defined(__riscv)
    asm volatile("fence iorw, iorw" ::: "memory");
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

// Registers of a device mapped at `base` (a driver's MMIO window).
struct MappedRegisters {
    volatile uint32_t* base;
    uint32_t read32(uint32_t offset) const {
        uint32_t value = base[offset / 4];
        io_fence();
        return value;
    }
    void write32(uint32_t offset, uint32_t value) const {
        io_fence();
        base[offset / 4] = value;
    }
};

}  // namespace virtio
