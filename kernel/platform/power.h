// Powering the machine off is a capability: the power object. init holds
// the only handle at boot and gives a duplicate to the shell; a program
// without one cannot shut the system down.
#pragma once

#include "ipc/object.h"

namespace power {

class PowerObject final : public ipc::Object {
public:
    PowerObject() : Object(Kind::Power) {}
    rvos::Signals signals() const override { return 0; }
    void last_reference_gone() override {}  // static: lives as long as the kernel
};

// The one power object, with its reference for init's handle.
PowerObject& object();
[[noreturn]] void off();

}  // namespace power

template <> struct ipc::KindOf<power::PowerObject> { static constexpr Object::Kind value = Object::Kind::Power; };
