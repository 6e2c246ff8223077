// The built-in services, each a kernel task started by init.
#pragma once

#include "abi/protocol.h"
#include "services/server.h"
#include "task/process.h"

namespace services {

void init_main();

// What init offers the code that starts device drivers (drivers.cpp).
// Starts a user program as init's child; its boot channel is served.
base::ErrorOr<process::Started> start_program(const char* program, const process::Launch& launch);
// Serves the first request on a started program's boot channel now (a
// server's registration), so its name is known before anything asks.
void serve_registration(rvos::Handle boot);
// Calls on_exit(process, context) when the process ends; false if init
// watches too much already. forget_exit stops watching and closes it.
using ExitHandler = void (*)(rvos::Handle process, void* context);
bool watch_exit(rvos::Handle process, ExitHandler on_exit, void* context);
void forget_exit(rvos::Handle process, ExitHandler on_exit, void* context);
// Starts a driver for every device there is a driver program for.
void start_drivers();
void console_main();
void sysinfo_main();
void math_main();

}  // namespace services
