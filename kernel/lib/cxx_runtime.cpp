// The few C++ runtime hooks a freestanding kernel needs.
#include "lib/print.h"

extern "C" void __cxa_pure_virtual() { panic("pure virtual call"); }
