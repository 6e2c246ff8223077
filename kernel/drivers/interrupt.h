// Interrupt objects: one device interrupt line delivered to whoever holds
// the handle. The PLIC dispatcher raises Fired and leaves the line claimed;
// the driver task waits for Fired, services its device, then acknowledges,
// which completes the claim so the line can fire again. No device is
// special-cased in the interrupt path.
#pragma once

#include "base/error_or.h"
#include "ipc/object.h"

namespace interrupt {

class InterruptObject final : public ipc::Object {
public:
    // The object for `irq` (one per line): NotFound past the PLIC's lines,
    // Busy if another object owns it, NoMemory.
    static base::ErrorOr<InterruptObject*> create(uint32_t irq);
    rvos::Signals signals() const override { return pending_ ? rvos::kSignalFired : 0; }
    void last_reference_gone() override;

    // From the PLIC dispatcher.
    void deliver();
    // The driver is done with this interrupt: complete the claim.
    void acknowledge();

private:
    explicit InterruptObject(uint32_t irq) : Object(Kind::Interrupt), irq_(irq) {}

    uint32_t irq_;
    bool pending_ = false;
};

// Called for every claimed interrupt; false if no object owns the line.
bool dispatch(uint32_t irq);

}  // namespace interrupt

template <> struct ipc::KindOf<interrupt::InterruptObject> {
    static constexpr Object::Kind value = Object::Kind::Interrupt;
};
