// The machine record (see machine.h). It is filled before the UART is known,
// so a broken device tree is reported through the firmware's console.
#include "platform/machine.h"

#include "arch/sbi.h"
#include "abi/abi.h"

namespace platform {

namespace {
fdt::Machine the_machine;
}  // namespace

void init(uintptr_t dtb) {
    auto result = fdt::describe(reinterpret_cast<const void*>(dtb), kMaxDeviceTreeSize);
    if (!result.is_error()) {
        the_machine = result.value();
        return;
    }
    sbi::debug_print("\nrvOS-C++: unusable device tree (");
    sbi::debug_print(rvos::error_name(result.error()));
    sbi::debug_print("): need RAM, a timebase, an ns16550a UART and a PLIC\n");
    sbi::shutdown();
}

const fdt::Machine& machine() { return the_machine; }

}  // namespace platform
