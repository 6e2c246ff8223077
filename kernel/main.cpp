// Kernel entry from OpenSBI: bring up each subsystem, start init, schedule.
#include "arch/context.h"
#include "arch/riscv.h"
#include "drivers/plic.h"
#include "drivers/rtc.h"
#include "drivers/uart.h"
#include "lib/print.h"
#include "mm/memory.h"
#include "platform/machine.h"
#include "services/services.h"
#include "task/process.h"
#include "task/clock.h"
#include "task/scheduler.h"

extern "C" {
using Constructor = void (*)();
extern Constructor __init_array_start[], __init_array_end[];
}

// OpenSBI passes the hart id in a0 and the device tree's address in a1.
extern "C" [[noreturn]] void kernel_main(uint64_t, uintptr_t device_tree) {
    // Objects at namespace scope with constructors (servers' buffers).
    for (Constructor* c = __init_array_start; c < __init_array_end; c++) (*c)();
    platform::init(device_tree);
    const fdt::Machine& machine = platform::machine();
    uart::init(machine.uart.base);
    kprint("\nrvOS-C++ kernel, RISC-V 64 (Sv39), one hart\n");
    kprint("[boot] machine: %lu MiB RAM at %p, timebase %lu Hz, UART %p, PLIC %p, %lu virtio-mmio slots\n",
           machine.ram_size >> 20, (void*)machine.ram_base, machine.timebase_hz, (void*)machine.uart.base,
           (void*)machine.plic.base, machine.virtio_count);
    arch::write_sscratch(0);  // "in the kernel" for trapvec
    arch::write_stvec(reinterpret_cast<uint64_t>(trapvec));
    mm::init();
    plic::init(machine.plic.base);
    // Real time from the RTC (the epoch if the machine has none).
    if (machine.rtc.present()) clock::set_real_time(rtc::read_ns(machine.rtc.base));
    clock::start();
    // User programs may read the clock (rdtime) for timing; cycle and
    // instruction counters stay private.
    arch::write_scounteren(arch::kCounterTime);
    // The FP unit starts off: nobody owns the registers yet (task/fpu.h).
    arch::clear_sstatus(arch::kSstatusFS);
    kprint("[boot] traps: stvec set, timer every 10 ms, UART interrupts through the PLIC\n");
    size_t programs = 0;
    process::for_each_program([&](const char*) { programs++; });
    kprint("[boot] programs: %lu embedded\n", programs);
    auto init = process::create_init(services::init_main);
    if (init.is_error()) panic("cannot create init: %s", rvos::error_name(init.error()));
    sched::run();
}
