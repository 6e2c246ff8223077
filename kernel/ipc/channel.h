// Capability channels: a channel is a pair of endpoints, each with a bounded
// receive queue. This file is hardware-free (it also builds on the host for
// unit tests); it reaches the scheduler only through task_wake().
//
// Reference counting: an endpoint stays open while any handle names it or any
// queued message carries it as a capability. When the last reference goes,
// the endpoint closes: its queue is drained (dropping carried capabilities)
// and its peer's waiter wakes to see PeerClosed. The channel slot is freed
// when both endpoints are closed.
#pragma once

#include "abi/abi.h"
#include "base/error_or.h"
#include "ipc/object.h"

struct Task;
// Provided by the scheduler: make a task blocked in wait/receive runnable.
void task_wake(Task* task);

namespace ipc {

using base::ErrorOr;
using rvos::Error;
using rvos::Message;

class Channel;
struct Endpoint;

// A message as it sits in a queue: the payload plus the capability it carries
// as a kernel reference (the sender's handle number means nothing here).
struct QueuedMessage {
    Message message;
    Object* cap;
};

class MessageQueue {
public:
    bool empty() const { return count_ == 0; }
    bool full() const { return count_ == rvos::kQueueDepth; }
    size_t size() const { return count_; }
    // Callers check full()/empty() first; the queue never grows.
    void push(const QueuedMessage& m);
    QueuedMessage pop();
    const QueuedMessage& front() const { return slots_[head_]; }
    const QueuedMessage& at(size_t index) const { return slots_[(head_ + index) % rvos::kQueueDepth]; }

private:
    QueuedMessage slots_[rvos::kQueueDepth];
    size_t head_ = 0;
    size_t count_ = 0;
};

struct Endpoint final : Object {
    Endpoint() : Object(Kind::Endpoint) {}
    void unref() override;  // see ipc::unref

    Channel* channel = nullptr;
    bool closed = false;    // all references (handles, queued capabilities) gone
    bool marked = false;    // reachable, during collect_garbage
    Task* waiter = nullptr; // the task blocked until this endpoint is readable
    MessageQueue queue;     // messages sent by the peer, waiting to be received
    // Called when the peer closes while this endpoint is open (the kernel
    // uses it on process handles: a process nobody holds a handle to ends).
    void (*peer_closed)(Endpoint& self) = nullptr;
    void* owner = nullptr;

    Endpoint& peer();
    // Readable: a receive would not block (a message, or the peer is gone).
    bool readable() { return !queue.empty() || peer().closed; }
};

class ChannelTable;

class Channel {
public:
    Endpoint ends[2];
    ChannelTable* table = nullptr;  // the pool this channel returns to
    bool in_use = false;
    Channel* next_free = nullptr;
};

// Sends `message` from `from` to its peer's queue. `cap`, if not null, is a
// reference (to any kind of object) the caller gives up on success; it
// travels with the message.
// Fails with PeerClosed or QueueFull (or BadArgument for sending the
// receiving endpoint through its own channel) and then enqueues nothing.
Error send(Endpoint& from, const Message& message, Object* cap);

// Takes the next message queued at `at`. WouldBlock if none and the peer is
// open, PeerClosed if none and the peer is gone. The returned cap is a
// reference the caller now owns.
Error receive(Endpoint& at, QueuedMessage& out);

void ref(Endpoint& endpoint);
void unref(Endpoint& endpoint);

// Marks endpoints reachable during garbage collection.
class Marker {
public:
    void mark(Endpoint& endpoint);
    void propagate();

private:
    Endpoint* stack_[2 * rvos::kMaxChannels];
    size_t top_ = 0;
};

// The system-wide pool of channels. Exhaustion is ChannelTableFull.
class ChannelTable {
public:
    ChannelTable();
    // Frees channels that only capability cycles keep alive (A's end queued
    // on B, B's end queued on A, no handle to either). `mark_roots` marks
    // every endpoint a handle or the kernel holds; whatever those can
    // receive is reachable, and everything else is closed. Returns how many
    // channels were freed.
    size_t collect_garbage(void (*mark_roots)(Marker& marker));
    // A fresh channel with one reference on each endpoint (for the caller's
    // two handles).
    ErrorOr<Channel*> create();
    size_t in_use() const { return in_use_; }
    void release(Channel& channel);

private:
    Channel channels_[rvos::kMaxChannels];
    Channel* free_ = nullptr;
    size_t in_use_ = 0;
};

// The kernel's table.
ChannelTable& channels();

}  // namespace ipc
