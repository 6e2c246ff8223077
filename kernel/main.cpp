// Kernel entry from OpenSBI: bring up each subsystem, start init, schedule.
#include "arch/context.h"
#include "arch/riscv.h"
#include "drivers/plic.h"
#include "drivers/uart.h"
#include "lib/print.h"
#include "mm/memory.h"
#include "services/services.h"
#include "task/process.h"
#include "task/clock.h"
#include "task/scheduler.h"

extern "C" {
using Constructor = void (*)();
extern Constructor __init_array_start[], __init_array_end[];
}

extern "C" [[noreturn]] void kernel_main() {
    // Objects at namespace scope with constructors (servers' buffers).
    for (Constructor* c = __init_array_start; c < __init_array_end; c++) (*c)();
    uart::init();
    kprint("\nrvOS-C++ kernel, RISC-V 64 (Sv39), one hart\n");
    arch::write_sscratch(0);  // "in the kernel" for trapvec
    arch::write_stvec(reinterpret_cast<uint64_t>(trapvec));
    mm::init();
    plic::init();
    clock::start();
    // User programs may read the clock (rdtime) for timing; cycle and
    // instruction counters stay private.
    arch::write_scounteren(arch::kCounterTime);
    kprint("[boot] traps: stvec set, timer every 10 ms, UART interrupts through the PLIC\n");
    size_t programs = 0;
    process::for_each_program([&](const char*) { programs++; });
    kprint("[boot] programs: %lu embedded\n", programs);
    auto init = process::create_init(services::init_main);
    if (init.is_error()) panic("cannot create init: %s", rvos::error_name(init.error()));
    sched::run();
}
