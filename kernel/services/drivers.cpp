// Device drivers, started by init. For each virtio-mmio slot holding a
// device that has a driver program, init makes the device's objects — its
// register window (a device memory object), its interrupt line and a region
// of DMA memory — keeps them, and starts the driver with duplicates that can
// map and wait but never travel on (no transfer or duplicate right). No
// other program can get them. When a driver ends, for whatever reason, init
// starts it again with the same objects, a bounded number of times.
#include "base/string.h"
#include "drivers/interrupt.h"
#include "lib/print.h"
#include "mm/memory_object.h"
#include "platform/machine.h"
#include "services/services.h"
#include "virtio/transport.h"

namespace services {

namespace {

using rvos::Handle;

// Device type -> the program that drives it.
struct DriverProgram {
    virtio::DeviceType type;
    const char* program;
};
constexpr DriverProgram kDriverPrograms[] = {
    {virtio::kBlock, "virtio-blk"},
    {virtio::kNet, "virtio-net"},
};

// A driver that keeps dying is given up on rather than restarted forever.
constexpr uint32_t kMaxStarts = 16;

struct Driver {
    const char* program;
    char unit[4];        // its argv[1]: the unit number of its kind
    Handle objects[3];   // init's: registers, interrupt, DMA memory
    Handle process = rvos::kNoHandle;
    uint32_t starts = 0;
};
Driver drivers[fdt::kMaxVirtioSlots];

// The rights a driver gets to each of its objects.
constexpr rvos::Rights kObjectRights[3] = {
    rvos::kRightMap | rvos::kRightMapWrite,                    // registers
    rvos::kRightWait | rvos::kRightWrite,                      // interrupt: wait, acknowledge
    rvos::kRightMap | rvos::kRightMapWrite,                    // DMA memory
};

// What the driver keeps: the rights above, without transfer (which only
// lets init move them into the new process) or duplicate.
constexpr rvos::Rights kDriverKeeps = rvos::kRightsAll & ~(rvos::kRightTransfer | rvos::kRightDuplicate);

Task& me() { return self(); }

enum class When { Boot, Restart };
void start(Driver& driver, When when);

void driver_exited(Handle process, void* context) {
    auto& driver = *static_cast<Driver*>(context);
    forget_exit(process, driver_exited, &driver);
    driver.process = rvos::kNoHandle;
    kprint("[init] driver %s %s ended; ", driver.program, driver.unit);
    if (driver.starts >= kMaxStarts) {
        kprint("started %u times, giving up\n", driver.starts);
        return;
    }
    kprint("restarting it\n");
    start(driver, When::Restart);
}

// At boot init waits for the driver's registration, as for a boot server,
// so its service exists before the shell starts; a restarted driver
// registers while init goes on serving (clients meanwhile get NotFound).
void start(Driver& driver, When when) {
    Handle handed[3];
    size_t count = 0;
    for (; count < 3; count++) {
        auto copy = me().handles.duplicate(driver.objects[count], kObjectRights[count] | rvos::kRightTransfer);
        if (copy.is_error()) break;
        handed[count] = copy.value();
    }
    char args[32];
    size_t length = base::str_length(driver.program) + 1;
    base::mem_copy(args, driver.program, length);
    base::str_copy(args + length, driver.unit, sizeof args - length);
    length += base::str_length(driver.unit) + 1;
    driver.starts++;
    process::Launch launch{args, length, "", 0, handed, 3};
    launch.keep = kDriverKeeps;
    auto started = count == 3 ? start_program(driver.program, launch)
                              : base::ErrorOr<process::Started>(rvos::Error::NoMemory);
    if (started.is_error()) {
        for (size_t i = 0; i < count; i++) ipc::close(me(), handed[i]);
        kprint("[init] cannot start driver %s %s: %s\n", driver.program, driver.unit,
               rvos::error_name(started.error()));
        return;
    }
    driver.process = started.value().process;
    if (when == When::Boot) serve_registration(started.value().boot);
    if (!watch_exit(driver.process, driver_exited, &driver))
        kprint("[init] driver %s %s will not be restarted: watch list full\n", driver.program, driver.unit);
}

// The registers of a virtio-mmio slot, read by the kernel (mapped in its
// table; see mm/memory.cpp).
struct KernelRegisters {
    uintptr_t base;
    uint32_t read32(uint32_t offset) const { return *reinterpret_cast<volatile uint32_t*>(base + offset); }
    void write32(uint32_t offset, uint32_t value) const { *reinterpret_cast<volatile uint32_t*>(base + offset) = value; }
};

const char* program_for(virtio::DeviceType type) {
    for (const DriverProgram& d : kDriverPrograms)
        if (d.type == type && process::find_program(d.program)) return d.program;
    return nullptr;
}

// Makes the device's objects in init's table; false if any is missing.
bool make_objects(Driver& driver, const fdt::Device& device) {
    auto registers = mm::MemoryObject::create_device(device.base, base::align_up(device.size, rvos::kPageSize));
    auto line = interrupt::InterruptObject::create(device.irq);
    auto dma = mm::MemoryObject::create_contiguous(rvos::kDriverDmaSize);
    ipc::Object* objects[3] = {registers.is_error() ? nullptr : registers.value(),
                               line.is_error() ? nullptr : line.value(), dma.is_error() ? nullptr : dma.value()};
    bool ok = true;
    for (size_t i = 0; i < 3; i++) driver.objects[i] = rvos::kNoHandle;
    for (size_t i = 0; i < 3; i++) {
        if (!objects[i]) {
            ok = false;
            continue;
        }
        auto handle = me().handles.install(objects[i], rvos::kRightsAll);  // takes the object's reference
        if (handle.is_error()) {
            objects[i]->unref();
            ok = false;
        } else {
            driver.objects[i] = handle.value();
        }
    }
    if (!ok)
        for (Handle h : driver.objects)
            if (h != rvos::kNoHandle) ipc::close(me(), h);
    return ok;
}

}  // namespace

void start_drivers() {
    const fdt::Machine& machine = platform::machine();
    uint32_t units[32] = {};
    size_t count = 0;
    for (size_t slot = 0; slot < machine.virtio_count; slot++) {
        virtio::Transport<KernelRegisters> transport{KernelRegisters{machine.virtio[slot].base}};
        if (transport.registers().read32(virtio::mmio::kDeviceId) == virtio::kNone) continue;  // empty
        auto type = transport.probe();
        if (type.is_error()) {
            kprint("[boot] virtio slot %lu: not a version 2 device (QEMU needs -global virtio-mmio.force-legacy=false)\n",
                   slot);
            continue;
        }
        const char* program = program_for(type.value());
        if (type.value() == virtio::kNone || !program) continue;
        Driver& driver = drivers[count];
        driver.program = program;
        uint32_t unit = type.value() < 32 ? units[type.value()]++ : 0;
        driver.unit[0] = static_cast<char>('0' + unit % 10);
        driver.unit[1] = 0;
        if (!make_objects(driver, machine.virtio[slot])) {
            kprint("[boot] virtio slot %lu: no memory for %s's objects\n", slot, program);
            continue;
        }
        count++;
        kprint("[boot] virtio slot %lu: %s %s (irq %u)\n", slot, program, driver.unit, machine.virtio[slot].irq);
        start(driver, When::Boot);
    }
}

}  // namespace services
