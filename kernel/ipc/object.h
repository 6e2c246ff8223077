// Kernel objects that handles name: channel endpoints and shared memory.
// Every object counts its references (handles, queued capabilities,
// mappings); dropping the last one closes or frees it. Hardware-free.
#pragma once

#include <stdint.h>

namespace ipc {

class Object {
public:
    enum class Kind : uint8_t { Endpoint = 1, Memory = 2 };

    Kind kind() const { return kind_; }
    uint32_t refs = 0;
    void ref() { refs++; }
    // Drops one reference; the last one closes or frees the object.
    virtual void unref() = 0;

protected:
    explicit Object(Kind kind) : kind_(kind) {}
    ~Object() = default;

private:
    Kind kind_;
};

}  // namespace ipc
