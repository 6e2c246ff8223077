// Capability channels: a channel is a pair of endpoints, each with a bounded
// receive queue. A queued message is one allocation holding its bytes (up to
// kMaxMessageBytes) and the handles it carries (up to kMaxMessageHandles) as
// kernel references with their rights. Each endpoint holds at most
// kQueueDepth messages and kQueueBytes bytes; the whole system at most
// kMaxQueuedBytes, so queued messages can never exhaust the kernel heap; one
// user program at most kMaxQueuedBytesPerProcess of them, so it cannot take
// that budget from the others.
// Hardware-free (it also builds on the host for unit tests).
//
// An endpoint stays open while any handle names it or any queued message
// carries it. When the last reference goes, its queue is drained (dropping
// the references it carried: iteratively, however deep the nesting) and the
// peer shows PeerClosed. The channel slot is freed when both ends are closed.
#pragma once

#include "abi/abi.h"
#include "base/error_or.h"
#include "ipc/object.h"

namespace ipc {

using base::ErrorOr;
using rvos::Error;

class Channel;
class ChannelTable;

// A handle in flight: the object reference and the rights it carries.
struct HandleEntry {
    Object* object;
    rvos::Rights rights;
};

// Who pays for a queued message: its sender, if that is a user program —
// unless the sender is one of the system's servers (a kernel task or a boot
// server): then the program holding the receiving endpoint pays, the
// client a reply or an event is for. A program's account holds at most
// kMaxQueuedBytesPerProcess, what it sent and what servers sent it that it
// has not read alike. Programs together may fill kMaxQueuedBytes less
// kSystemQueueReserve; the system's servers the rest too.
inline constexpr uint8_t kSystemAccount = 0xff;  // no account: the system
inline constexpr uint8_t kReserved = 0xfe;       // a node from the small-message reserve: nobody's
struct Payer {
    uint32_t sender_pid = 0;           // stamped on the message
    uint8_t account = kSystemAccount;  // the paying program's account (its task slot)
    uint32_t account_pid = 0;          // that program's pid
    bool system = true;                // the sender is a system server
};

// The accounts of user programs, one per task slot, found by the slot and
// the program's pid. A message records its account's generation (bumped
// whenever the account is opened or closed): one that outlives its payer
// pays nobody back (its bytes still count system-wide until received).
void open_account(uint8_t account, uint32_t pid);
void close_account(uint8_t account);
size_t account_queued(uint8_t account);

// One queued message: header, then the handle entries, then the bytes.
struct MessageNode {
    uint32_t length;
    uint32_t sender_pid;
    uint32_t charge;        // bytes counted against the budgets: the whole node
    uint8_t handle_count;
    uint8_t account;        // who paid (Payer::account), or kReserved
    uint16_t generation;    // of that account when it paid: an account reopened since is not refunded
    HandleEntry* handles() { return reinterpret_cast<HandleEntry*>(this + 1); }
    uint8_t* bytes() { return reinterpret_cast<uint8_t*>(handles() + handle_count); }

    // A node for `length` bytes and `handle_count` handles (entries zeroed),
    // paid for by `payer`: QuotaExceeded past the paying program's account,
    // NoMemory past the system-wide budget (or when the heap is out);
    // BadArgument past the per-message limits. A message of at most
    // kSmallMessageBytes and no handles `to_empty_queue` never fails for
    // lack of budget: it is taken from a reserve.
    static ErrorOr<MessageNode*> allocate(size_t length, size_t handle_count, const Payer& payer = {},
                                          bool to_empty_queue = false);
    // Frees the node; drops the references it carries if `drop_handles`.
    static void free(MessageNode* node, bool drop_handles);
};

// The small-message reserve, part of kMaxQueuedBytes: each endpoint holds
// at most one reserved message, since one is taken only for an empty
// queue, which it then keeps non-empty until it is received.
inline constexpr size_t kSmallMessageReserve =
    2 * rvos::kMaxChannels * (sizeof(MessageNode) + rvos::kSmallMessageBytes);
static_assert(sizeof(MessageNode) == 16 && kSmallMessageReserve < rvos::kSystemQueueReserve);
static_assert(rvos::kMaxProcesses < kReserved && rvos::kMaxMessageHandles <= 0xff);
// What the budgets let queue (the reserve apart): the system's servers, and
// programs together.
inline constexpr size_t kSystemQueueLimit = rvos::kMaxQueuedBytes - kSmallMessageReserve;
inline constexpr size_t kProgramQueueLimit = rvos::kMaxQueuedBytes - rvos::kSystemQueueReserve;

// The program an endpoint's messages from the system are charged to: the
// last one to take a handle to it (HandleTable::install).
struct Holder {
    uint8_t account = kSystemAccount;
    uint32_t pid = 0;
    bool operator==(const Holder&) const = default;
};

// Bytes queued system-wide, the reserve included (for tests and sysinfo).
size_t queued_bytes();

// The allocator behind message nodes: the kernel heap in the kernel,
// malloc in host tests.
void* message_memory_allocate(size_t bytes);
void message_memory_free(void* memory);

class MessageQueue {
public:
    bool empty() const { return count_ == 0; }
    size_t size() const { return count_; }
    size_t bytes() const { return bytes_; }
    // Whether one more message of `charge` bytes fits both limits.
    bool fits(size_t charge) const { return count_ < rvos::kQueueDepth && bytes_ + charge <= rvos::kQueueBytes; }
    void push(MessageNode* node);
    MessageNode* pop();
    MessageNode* front() const { return slots_[head_]; }
    MessageNode* at(size_t index) const { return slots_[(head_ + index) % rvos::kQueueDepth]; }

private:
    // Only the `count_` slots from `head_` hold anything; the rest are never
    // read, so a fresh queue leaves them as they are.
    MessageNode* slots_[rvos::kQueueDepth];
    size_t head_ = 0;
    size_t count_ = 0;
    size_t bytes_ = 0;
};

struct Endpoint final : Object {
    Endpoint() : Object(Kind::Endpoint) {}
    rvos::Signals signals() const override;
    void last_reference_gone() override;
    bool traced() const override { return !closed; }
    void trace(Marker& marker) override;  // marks every handle queued here

    Channel* channel = nullptr;
    bool closed = false;       // all references (handles, queued messages) gone
    Holder holder;             // who pays for what the system sends here
    Endpoint* next_closing = nullptr;  // the iterative release list
    MessageQueue queue;        // messages sent by the peer, waiting to be received

    Endpoint& peer() const;
};
template <> struct KindOf<Endpoint> { static constexpr Object::Kind value = Object::Kind::Endpoint; };

class Channel {
public:
    Endpoint ends[2];
    ChannelTable* table = nullptr;  // the pool this channel returns to
};

// Queues `node` at the peer of `from`. On success the node (and every
// reference it carries) belongs to the queue. Fails with PeerClosed or
// QueueFull (depth or byte budget), or BadArgument if the node carries the
// receiving endpoint itself (it would keep itself alive); the caller then
// still owns the node.
Error send(Endpoint& from, MessageNode* node);

// Takes the next message queued at `at`: WouldBlock if none and the peer is
// open, PeerClosed if none and the peer is gone. The caller owns the node.
ErrorOr<MessageNode*> receive(Endpoint& at);

// Marks objects reachable during garbage collection: mark() the roots,
// then propagate() marks whatever they lead to (Object::trace).
class Marker {
public:
    void mark(Object& object);
    void propagate();
    // More objects than the stack holds were reached (it cannot happen:
    // see stack_): the collection then frees nothing.
    bool overflowed() const { return overflowed_; }
    void reset() { overflowed_ = false; }

private:
    // Each traced object is pushed once: at most every endpoint and one
    // process object per live process.
    Object* stack_[2 * rvos::kMaxChannels + rvos::kMaxProcesses];
    size_t top_ = 0;
    bool overflowed_ = false;
};

// The system-wide pool of channels. Exhaustion is ChannelTableFull.
class ChannelTable {
public:
    ChannelTable();
    // Frees channels that only capability cycles keep alive (A's end queued
    // on B, B's end queued on A, no handle to either). `mark_roots` marks
    // the roots; whatever they lead to is reachable (Object::trace). Then
    // `sweep`, if given, deals with the other traced objects (the kernel
    // ends unreachable processes) and clears their marks; every unmarked
    // endpoint's queue is drained, which closes those that only such
    // queues (and unreachable processes) hold. Returns how many channels
    // were freed.
    size_t collect_garbage(void (*mark_roots)(Marker& marker), void (*sweep)(const Marker& marker) = nullptr);
    // A fresh channel; each endpoint starts with one reference, owned by
    // the caller (for its two handles).
    ErrorOr<Channel*> create();
    size_t in_use() const { return in_use_; }
    void release(Channel& channel);

private:
    struct Slot {
        alignas(Channel) unsigned char storage[sizeof(Channel)];
        Slot* next_free;
        bool in_use;
        Channel* channel() { return reinterpret_cast<Channel*>(storage); }
    };
    Slot slots_[rvos::kMaxChannels];
    Slot* free_ = nullptr;
    size_t in_use_ = 0;
    Marker marker_;  // here, not on a kernel stack (2.3 KiB)
};

// The kernel's table.
ChannelTable& channels();

// Whether a collection could find anything. After one, everything alive is
// reachable. Only endpoints and processes hold or lead to other objects,
// and a path to something can only be cut where a reference to one of
// them moves or goes: a handle closed while its object lives on (an exit
// closes them all), a message's handles dropped with it (a queue drained
// as its endpoint ends), or a handle a program sends away (into its own
// queue, say). A kernel task's handles are roots, and what it sends goes
// to an endpoint that is reachable unless one of those cuts came first;
// a received handle goes to the endpoint's holder, reachable too unless
// one came first. So this is true from the first such cut until the next
// collection. Every exit used to collect, marking every object in the
// system (~9,000 instructions a spawn+exit), although most programs'
// handles all end with them.
extern bool maybe_cut;  // (set by the notes below, cleared by a collection)
inline bool garbage_possible() { return maybe_cut; }
// Only endpoints and processes hold or lead to other objects.
inline bool can_reach(const Object& object) {
    return object.kind() == Object::Kind::Endpoint || object.kind() == Object::Kind::Process;
}
// A reference to `object` is being dropped (HandleTable::close): a cut if
// the object outlives it. Inline, the reference count first: most closes
// end their object, and channel create+close pays this twice.
inline void note_dropped(const Object& object) {
    if (object.ref_count() > 1 && can_reach(object)) maybe_cut = true;
}
// A user program sent a handle to `object` away.
inline void note_sent_by_program(const Object& object) {
    if (can_reach(object)) maybe_cut = true;
}

}  // namespace ipc
