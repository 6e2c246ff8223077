// The power object (see power.h).
#include "platform/power.h"

#include "arch/sbi.h"
#include "lib/print.h"

namespace power {

PowerObject& object() {
    static PowerObject power;
    return power;
}

void off() {
    kprint("[kernel] shutdown requested, powering off\n");
    sbi::shutdown();
}

}  // namespace power
