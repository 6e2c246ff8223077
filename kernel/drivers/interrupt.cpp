// Interrupt objects and the IRQ table (see interrupt.h).
#include "drivers/interrupt.h"

#include "drivers/plic.h"
#include "mm/memory.h"

namespace interrupt {

namespace {
InterruptObject* irq_table[plic::kMaxIrq + 1];
}  // namespace

base::ErrorOr<InterruptObject*> InterruptObject::create(uint32_t irq) {
    if (irq == 0 || irq > plic::kMaxIrq) return rvos::Error::NotFound;
    if (irq_table[irq]) return rvos::Error::Busy;
    void* memory = mm::kernel_heap().allocate(sizeof(InterruptObject));
    if (!memory) return rvos::Error::NoMemory;
    auto* object = new (memory) InterruptObject(irq);
    irq_table[irq] = object;
    plic::enable(irq);
    return object;
}

void InterruptObject::last_reference_gone() {
    plic::disable(irq_);
    if (pending_) plic::complete(irq_);
    irq_table[irq_] = nullptr;
    this->~InterruptObject();
    mm::kernel_heap().free(this);
}

void InterruptObject::deliver() {
    pending_ = true;
    notify();
}

void InterruptObject::acknowledge() {
    if (!pending_) return;
    pending_ = false;
    plic::complete(irq_);
}

bool dispatch(uint32_t irq) {
    if (irq > plic::kMaxIrq || !irq_table[irq]) return false;
    irq_table[irq]->deliver();
    return true;
}

}  // namespace interrupt
