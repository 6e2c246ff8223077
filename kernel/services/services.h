// The built-in services, each a kernel task started by init.
#pragma once

#include "abi/protocol.h"
#include "services/server.h"

namespace services {

void init_main();
void console_main();
void sysinfo_main();
void math_main();

}  // namespace services
