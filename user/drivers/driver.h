// driver.h: what every virtio driver program does to start, once. init
// starts a driver with its device's objects — handle 1 the register window,
// 2 the interrupt line, 3 a region of DMA memory — and restarts it if it
// ends. A driver maps them and negotiates features (open_device), sets up
// its queues, then serves its protocol as "<kind><unit>" with the interrupt
// watched by the same loop (serve_device).
#pragma once

#include "base/string.h"
#include "rvos/console.h"
#include "rvos/service.h"
#include "rvos/syscall.h"
#include "virtio/transport.h"

namespace driver {

inline constexpr rvos::Handle kRegisters = 1, kInterrupt = 2, kDma = 3;

// The device's register window and DMA region, mapped.
struct Window {
    virtio::Transport<virtio::MappedRegisters> transport{virtio::MappedRegisters{nullptr}};
    uint8_t* dma = nullptr;
    uint64_t dma_physical = 0;

    // The device address of a place in the DMA region.
    uint64_t physical(const void* p) const {
        return dma_physical + static_cast<uint64_t>(static_cast<const uint8_t*>(p) - dma);
    }
};

// Maps the window and the DMA region (cleared: a restarted driver starts
// clean), checks the device is a `device_id`, and begins feature
// negotiation offering `features`; returns those the device agreed to.
// The caller adds its queues and calls transport.finish().
inline base::ErrorOr<uint64_t> open_device(Window& w, uint32_t device_id, uint64_t features) {
    auto registers = TRY(rvos::sys::mem_map(kRegisters, true));
    auto dma = TRY(rvos::sys::mem_map(kDma, true));
    auto dma_physical = TRY(rvos::sys::mem_physical(kDma));
    if (dma.size < rvos::kDriverDmaSize) return rvos::Error::NoMemory;
    w.dma = static_cast<uint8_t*>(dma.address);
    w.dma_physical = reinterpret_cast<uint64_t>(dma_physical.address);
    base::mem_set(w.dma, 0, dma.size);
    w.transport = virtio::Transport<virtio::MappedRegisters>{
        virtio::MappedRegisters{static_cast<volatile uint32_t*>(registers.address)}};
    if (TRY(w.transport.probe()) != device_id) return rvos::Error::Unsupported;
    return w.transport.begin(features);
}

// Registers "<kind><unit>" and runs `server` for it, with `on_interrupt`
// called when the device's line fires. `brought_up` is what bringing the
// device up gave; an error is reported and the driver ends (init restarts
// it). Returns only on failure.
template <typename Server, typename OnMessage, typename OnGone, typename OnInterrupt>
int serve_device(const char* kind, const char* unit, rvos::Error brought_up, Server& server, OnMessage on_message,
                 OnGone on_gone, OnInterrupt on_interrupt) {
    if (brought_up != rvos::Error::None) {
        rvos::console::print("virtio-%s %s: cannot start the device: %s\n", kind, unit,
                             rvos::error_name(brought_up));
        return 1;
    }
    static char name[8];
    base::str_copy(name, kind, sizeof name);
    base::str_copy(name + base::str_length(name), unit, sizeof name - base::str_length(name));
    auto listen = rvos::register_service(name);
    if (listen.is_error()) {
        rvos::console::print("virtio-%s: cannot register %s: %s\n", kind, name, rvos::error_name(listen.error()));
        return 1;
    }
    // An interrupt left pending by a driver that died is taken now.
    rvos::sys::interrupt_ack(kInterrupt);
    server.watch_signals(kInterrupt, rvos::kSignalFired, on_interrupt, nullptr);
    server.listen(listen.release_value().release(), on_message, on_gone);
    server.run();
}

}  // namespace driver
