// Helpers shared by the host IPC tests: building, sending and receiving
// message nodes the way the syscall layer does, a leaf test object, and a
// collection with no roots that drains every queue (so a test never leaves
// message memory behind).
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <vector>

#include "ipc/channel.h"
#include "test_support.h"

namespace ipc_test {

using ipc::Endpoint;
using ipc::HandleEntry;
using ipc::MessageNode;
using rvos::Error;

// A node of `length` bytes (the first four hold `value`, the rest a pattern
// derived from it) carrying `handles`. The references in `handles` belong
// to the node once it is queued. Allocation errors (limits, NoMemory) are
// returned.
inline base::ErrorOr<MessageNode*> make_message(uint32_t value, std::initializer_list<HandleEntry> handles = {},
                                                size_t length = 4) {
    auto allocated = MessageNode::allocate(length, handles.size());
    if (allocated.is_error()) return allocated.error();
    MessageNode* node = allocated.value();
    size_t i = 0;
    for (const HandleEntry& entry : handles) node->handles()[i++] = entry;
    for (size_t b = 0; b < length; b++) node->bytes()[b] = static_cast<uint8_t>(value + b);
    if (length >= 4) std::memcpy(node->bytes(), &value, 4);
    return node;
}

inline uint32_t value_of(MessageNode* node) {
    uint32_t v = 0;
    if (node->length >= 4) std::memcpy(&v, node->bytes(), 4);
    return v;
}

// Sends like the syscall layer: on failure the node is freed without
// dropping its references (they stay with the caller).
inline Error send_message(Endpoint& from, uint32_t value, std::initializer_list<HandleEntry> handles = {},
                          size_t length = 4) {
    auto made = make_message(value, handles, length);
    if (made.is_error()) return made.error();
    MessageNode* node = made.value();
    Error error = ipc::send(from, node);
    if (error != Error::None) MessageNode::free(node, false);
    return error;
}

// An endpoint reference with every right, for carrying in a message.
inline HandleEntry entry(ipc::Object& object, rvos::Rights rights = rvos::kRightsAll) {
    return HandleEntry{&object, rights};
}

// What receive() gave: the value, and the references the message carried
// (now the caller's).
struct Got {
    Error error = Error::None;
    uint32_t value = 0;
    size_t length = 0;
    std::vector<HandleEntry> handles;
};

inline Got receive_message(Endpoint& at) {
    Got got;
    auto node = ipc::receive(at);
    if (node.is_error()) {
        got.error = node.error();
        return got;
    }
    got.value = value_of(node.value());
    got.length = node.value()->length;
    for (size_t i = 0; i < node.value()->handle_count; i++) got.handles.push_back(node.value()->handles()[i]);
    MessageNode::free(node.value(), false);
    return got;
}

// A leaf object with settable signals that counts its last_reference_gone.
class TestObject final : public ipc::Object {
public:
    explicit TestObject(Kind kind = Kind::Timer) : Object(kind) {}
    rvos::Signals signals() const override { return signals_now; }
    void last_reference_gone() override { gone++; }
    void raise(rvos::Signals s) {
        signals_now |= s;
        notify();
    }
    rvos::Signals signals_now = 0;
    int gone = 0;
};

inline void no_roots(ipc::Marker&) {}

// Drains every queue of `table` (nothing is a root): whatever a test left
// queued is freed, and the global byte count must then be back at zero.
inline void drain_everything(ipc::ChannelTable& table) {
    table.collect_garbage(no_roots);
    EXPECT_EQ(ipc::queued_bytes(), 0u) << "message bytes left queued";
}

}  // namespace ipc_test
