// Randomized, model-based tests of the kernel's hardware-free logic: channels
// and handle tables driven together the way the syscall layer drives them,
// and (at the end of this file) the frame allocator and the kernel heap.
//
// Every run is seeded and deterministic. A failure names its seed and op;
// rerun just that seed with
//     RVOS_RANDOM_SEED=<seed> ./build/host/unit_tests --gtest_filter='Random*'
// scale the number of ops with RVOS_RANDOM_SCALE=<factor> (default 1), and
// print which outcomes were exercised with RVOS_RANDOM_VERBOSE=1.
//
// ---- The IPC model ---------------------------------------------------------
// A few "processes" (each a HandleTable plus a Task) share one ChannelTable.
// kernel/ipc/task_ipc.cpp needs the scheduler, so it cannot be linked here;
// the World below repeats its handle logic line for line (create_channel,
// send, receive_now, close, the first half of wait, and exit's clear_waiter +
// close_all) and sys_mem_create / sys_mem_map's handle checks, over a stand-in
// memory object (a leaf Object that only counts references). It adds two
// test-only operations: `connect` (a channel whose ends go to two processes,
// as process.cpp does for a boot channel) and `dup` (ref + install into the
// same or another process's table: the only way to get an endpoint's refs
// above one, and to share an endpoint between processes, which is what
// makes wait() answer Busy).
//
// The reference model keeps, per channel, both endpoints' queues as lists of
// message ids (plus the carried object), their reference counts, closed
// flags and waiters; per memory object its count; per process, the handle
// numbers it owns. Closing follows the documented contract ("an endpoint
// stays open while any handle names it or any queued message carries it";
// the last reference drains its queue), computed with a worklist rather than
// the kernel's recursion; every 256 ops the model's counts are re-derived
// from scratch and the handle tables compared number by number.
//
// After every op: each call's result equals the model's (QueueFull exactly
// when the model's queue holds kQueueDepth, PeerClosed exactly when the
// peer has no references left, WouldBlock, HandleTableFull,
// ChannelTableFull, BadHandle, WrongType, BadArgument, Busy); received
// messages carry the model's next id (FIFO), sender and capability; handle
// numbers are the lowest free ones; task_wake() was called for exactly the
// expected tasks; ChannelTable::in_use() equals the model's live channels;
// and every channel the op touched (every live one, every 64th op) matches
// the model: closed flags, refs, queue sizes (never above kQueueDepth),
// queue heads, waiters, readable().
//
// Capability cycles: a message can carry an endpoint into a queue that the
// carried endpoint (transitively) keeps alive, e.g. a -> b's queue and
// b -> a's queue. Reference counting never frees such a cycle. The model
// predicts exactly that (so the per-op checks hold either way), and the tests
// come in two flavours:
//   * RandomIpc.AcyclicTrafficLeavesNoChannelBehind only lets an endpoint
//     land in a queue whose model id is larger than its own (ids grow with
//     creation), which rules cycles out; after every process exits,
//     in_use() must be 0 and every memory object freed.
//   * RandomIpc.CyclicTrafficMatchesTheReferenceCountingContract allows any
//     capability and checks that exactly the channels the model says are
//     stranded in cycles are still in use at the end.
// That stranding is a real resource leak a process can cause on purpose;
// see IpcCapabilityCycles below (skipped, naming the bug).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "random_support.h"
#include "test_support.h"
#include "ipc/channel.h"
#include "ipc/handle_table.h"
#include "mm/frame_allocator.h"
#include "mm/heap.h"

using ipc::Channel;
using ipc::ChannelTable;
using ipc::Endpoint;
using ipc::HandleTable;
using ipc::Object;
using ipc::QueuedMessage;
using rvos::Error;
using rvos::Handle;
using rvos::kMaxChannels;
using rvos::kMaxHandles;
using rvos::kNoHandle;
using rvos::kQueueDepth;
using rvos::Message;

namespace {

using random_support::Rng;
using random_support::scaled;
using random_support::seeds;

// ---- The IPC world --------------------------------------------------------------

constexpr int kProcesses = 4;
constexpr int kNone = -1;
// Result of the first half of wait() when the task has to sleep.
constexpr int kBlocked = -2;
// Model object ids: endpoint 2c and 2c+1 are the ends of channel c; memory
// object m is kMemoryBase + m.
constexpr int kMemoryBase = 1 << 24;
bool is_memory(int id) { return id >= kMemoryBase; }

// Stands in for mm::MemoryObject (whose frames need the kernel's allocator):
// a leaf object that only counts references.
class FakeMemory final : public Object {
public:
    FakeMemory() : Object(Kind::Memory) { refs = 1; }
    void unref() override {
        if (refs == 0) {
            misused = true;  // an unref after the last one
            return;
        }
        if (--refs == 0) freed = true;
    }
    bool freed = false;
    bool misused = false;
};

struct ModelMessage {
    uint32_t id;
    int cap;     // model object carried, or kNone
    int sender;  // process index (the kernel's sender_pid)
};

// A FIFO that allocates only when it grows (a deque allocates on creation).
class ModelQueue {
public:
    bool empty() const { return head_ == items_.size(); }
    size_t size() const { return items_.size() - head_; }
    const ModelMessage& front() const { return items_[head_]; }
    void push_back(const ModelMessage& m) { items_.push_back(m); }
    void pop_front() {
        if (++head_ == items_.size()) clear();
    }
    void clear() {
        items_.clear();
        head_ = 0;
    }
    template <typename F>
    void each(F f) const {
        for (size_t i = head_; i < items_.size(); i++) f(items_[i]);
    }

private:
    std::vector<ModelMessage> items_;
    size_t head_ = 0;
};

struct ModelEnd {
    uint32_t refs = 1;
    bool closed = false;
    ModelQueue queue;
    int waiter = kNone;  // process index
};

struct ModelChannel {
    Channel* real;
    ModelEnd ends[2];
    bool live = true;
};

struct ModelMemory {
    uint32_t refs = 1;
    bool freed = false;
};

// The model of one handle table: handle number -> model object id.
class HandleModel {
public:
    HandleModel() { clear(); }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    int get(Handle h) const { return h >= 0 && static_cast<size_t>(h) < kMaxHandles ? slots_[h] : kNone; }
    bool has(Handle h) const { return get(h) != kNone; }
    void set(Handle h, int id) {
        if (slots_[h] == kNone) size_++;
        slots_[h] = id;
    }
    void erase(Handle h) {
        if (!has(h)) return;
        slots_[h] = kNone;
        size_--;
    }
    void clear() {
        std::fill(std::begin(slots_), std::end(slots_), kNone);
        size_ = 0;
    }
    Handle lowest_free() const {
        Handle h = 0;
        while (has(h)) h++;
        return h;
    }
    // The n-th handle in use, counting from 0.
    Handle nth(size_t n) const {
        for (Handle h = 0; static_cast<size_t>(h) < kMaxHandles; h++)
            if (has(h) && n-- == 0) return h;
        return kNoHandle;
    }
    template <typename F>
    void each(F f) const {
        for (Handle h = 0; static_cast<size_t>(h) < kMaxHandles; h++)
            if (has(h)) f(h, slots_[h]);
    }

private:
    int slots_[kMaxHandles];
    size_t size_ = 0;
};

struct Process {
    HandleTable table;
    Task task{0};
    HandleModel handles;
    std::vector<int> waiting;   // endpoints it sleeps on; empty = runnable
    std::vector<int> mappings;  // memory objects it has mapped (one reference each)
};

enum Op { kCreate, kConnect, kSend, kReceive, kClose, kDup, kWait, kExit, kMemCreate, kMemMap, kOpCount };
const char* const kOpNames[kOpCount] = {"create", "connect", "send", "receive", "close",
                                        "dup",    "wait",    "exit", "mem_create", "mem_map"};

// Outcomes seen over all seeds of a test, to prove the interesting paths ran.
using Coverage = std::map<std::string, uint64_t>;

class World {
public:
    World(uint64_t seed, bool allow_cycles, Coverage& coverage)
        : rng_(seed), allow_cycles_(allow_cycles), coverage_(coverage) {
        for (int p = 0; p < kProcesses; p++) procs_[p].task.id = p;
        // Swarm testing: every seed weighs the operations differently, so
        // some seeds fill tables and queues and others keep them sparse.
        for (int op = 0; op < kOpCount; op++) weights_[op] = 1 + rng_.below(10);
        weights_[kExit] = rng_.below(3);
        weights_[kWait] = rng_.below(4);
        weights_[kMemCreate] = rng_.below(3);
        weights_[kMemMap] = rng_.below(2);
        burst_ = rng_.percent(50);
        fake::clear_wakes();
    }

    // ASSERT_* failures end the op; run() stops at the first one.
    void run(size_t ops) {
        for (size_t i = 0; i < ops; i++) {
            Op op = choose_op();
            step(op);
            if (i % 256 == 0 && !::testing::Test::HasFatalFailure()) check_model_counts();
            // (A SCOPED_TRACE per op would cost more than the op itself.)
            if (::testing::Test::HasFatalFailure()) {
                ADD_FAILURE() << "the failure above happened in op " << i << " (" << kOpNames[op] << ")";
                return;
            }
        }
    }

    // Every process exits; what stays in use is what the model says leaked.
    void finish() {
        for (int p = 0; p < kProcesses; p++) {
            SCOPED_TRACE(::testing::Message() << "final exit of process " << p);
            fake::clear_wakes();
            expected_wakes_.clear();
            do_exit(p);
            if (::testing::Test::HasFatalFailure()) return;
            after_op();
            if (::testing::Test::HasFatalFailure()) return;
        }
        check_model_counts();
        compare_with_kernel(true);
        if (::testing::Test::HasFatalFailure()) return;
        ASSERT_EQ(table_->in_use(), live_);
        size_t stranded_memory = 0;
        for (size_t m = 0; m < mems_.size(); m++) {
            ASSERT_FALSE(mem_real_[m]->misused) << "memory object " << m << " unreffed after its last reference";
            if (!mems_[m].freed) stranded_memory++;
        }
        if (!allow_cycles_) {
            ASSERT_EQ(table_->in_use(), 0u) << "a channel outlived every handle without a cycle";
            ASSERT_EQ(stranded_memory, 0u) << "a memory object outlived every reference without a cycle";
        }
        coverage_["leaked channels"] += live_;
        coverage_["stranded memory objects"] += stranded_memory;
        flush_counts();
    }

private:
    // ---- Helpers ------------------------------------------------------------
    // model() notes the channel as touched by the current op; peek() does not.
    ModelEnd& model(int ep) {
        touched_.push_back(ep / 2);
        return chans_[ep / 2].ends[ep % 2];
    }
    ModelEnd& peek(int ep) { return chans_[ep / 2].ends[ep % 2]; }
    Endpoint& real(int ep) { return chans_[ep / 2].real->ends[ep % 2]; }
    Object* object(int id) {
        return is_memory(id) ? static_cast<Object*>(mem_real_[id - kMemoryBase].get()) : &real(id);
    }
    bool readable(int ep) { return !model(ep).queue.empty() || model(ep ^ 1).closed; }
    bool peek_readable(int ep) { return !peek(ep).queue.empty() || peek(ep ^ 1).closed; }
    // Counted by (string literal, error) here, named in flush_counts().
    void count(const char* op, Error e) { counts_[{op, e}]++; }
    void flush_counts() {
        for (auto& [key, n] : counts_) coverage_[std::string(key.first) + ":" + rvos::error_name(key.second)] += n;
        counts_.clear();
    }

    Op choose_op() {
        size_t total = 0;
        for (size_t w : weights_) total += w;
        size_t r = rng_.below(total);
        int op = 0;
        while (r >= weights_[op]) r -= weights_[op++];
        if (!any_runnable()) return kExit;  // everybody sleeps: only a kill makes progress
        return static_cast<Op>(op);
    }

    bool any_runnable() const {
        for (const Process& pr : procs_)
            if (pr.waiting.empty()) return true;
        return false;
    }
    // A random runnable process, or kNone if all sleep.
    int pick_runnable() {
        int awake[kProcesses];
        int n = 0;
        for (int p = 0; p < kProcesses; p++)
            if (procs_[p].waiting.empty()) awake[n++] = p;
        return n ? awake[rng_.below(static_cast<size_t>(n))] : kNone;
    }

    // Mostly a handle the process owns; sometimes any number at all.
    Handle pick_handle(int p) {
        const HandleModel& handles = procs_[p].handles;
        if (handles.empty() || rng_.percent(7)) return static_cast<Handle>(rng_.below(72)) - 4;
        return handles.nth(rng_.below(handles.size()));
    }
    int model_id(int p, Handle h) { return procs_[p].handles.get(h); }
    Handle handle_of(int p, int id) {
        Handle found = kNoHandle;
        procs_[p].handles.each([&](Handle h, int e) {
            if (e == id && found == kNoHandle) found = h;
        });
        return found;
    }

    void install_model(int p, int id, Handle got) {
        ASSERT_EQ(got, procs_[p].handles.lowest_free()) << "handles are handed out lowest number first";
        procs_[p].handles.set(got, id);
    }

    void ref_model(int id) {
        if (is_memory(id)) {
            mems_[id - kMemoryBase].refs++;
            touched_memory_.push_back(id);
        } else {
            model(id).refs++;
        }
    }

    // The model's unref: a memory object's last reference frees it; an
    // endpoint's closes it, drains its queue (dropping carried references,
    // possibly closing more endpoints), wakes an open peer's waiter or, if
    // the peer is closed too, frees the channel.
    void unref_model(int first) {
        std::vector<int> dying;
        auto drop = [&](int id) {
            if (is_memory(id)) {
                ModelMemory& m = mems_[id - kMemoryBase];
                touched_memory_.push_back(id);
                ASSERT_FALSE(m.freed) << "model: reference to a freed memory object";
                if (--m.refs == 0) m.freed = true;
                return;
            }
            ModelEnd& m = model(id);
            ASSERT_FALSE(m.closed) << "model: reference to a closed endpoint";
            ASSERT_GT(m.refs, 0u);
            if (--m.refs == 0) dying.push_back(id);
        };
        drop(first);
        while (!dying.empty() && !::testing::Test::HasFatalFailure()) {
            int ep = dying.back();
            dying.pop_back();
            ModelEnd& m = model(ep);
            // A waiter's process holds the endpoint, and exit clears its
            // marks first, so a closing endpoint never has one.
            ASSERT_EQ(m.waiter, kNone) << "harness: closing an endpoint somebody waits on";
            ModelQueue queue = m.queue;
            m.queue.clear();
            m.closed = true;
            queue.each([&](const ModelMessage& msg) {
                if (msg.cap != kNone) drop(msg.cap);
            });
            ModelEnd& peer = model(ep ^ 1);
            if (peer.closed) {
                ModelChannel& c = chans_[ep / 2];
                c.live = false;
                live_reals_.erase(c.real);
                live_--;
            } else if (peer.waiter != kNone) {
                expected_wakes_.push_back(peer.waiter);
            }
        }
    }

    // ---- One operation ---------------------------------------------------------
    void step(Op op) {
        fake::clear_wakes();
        expected_wakes_.clear();
        int p = pick_runnable();
        if (p == kNone) p = static_cast<int>(rng_.below(kProcesses));
        switch (op) {
        case kCreate: do_create(p); break;
        case kConnect: do_connect(p, static_cast<int>(rng_.below(kProcesses))); break;
        case kSend: {
            size_t n = burst_ && rng_.percent(30) ? 1 + rng_.below(kQueueDepth + 8) : 1;
            Handle h = pick_handle(p);
            for (size_t i = 0; i < n && !::testing::Test::HasFatalFailure(); i++)
                if (do_send(p, h, i == 0) != Error::None) break;
            break;
        }
        case kReceive: {
            size_t n = burst_ && rng_.percent(30) ? 1 + rng_.below(kQueueDepth + 8) : 1;
            Handle h = pick_handle(p);
            for (size_t i = 0; i < n && !::testing::Test::HasFatalFailure(); i++)
                if (do_receive(p, h) != Error::None) break;
            break;
        }
        case kClose: do_close(p, pick_handle(p)); break;
        case kDup: do_dup(p, pick_handle(p), rng_.percent(60) ? p : static_cast<int>(rng_.below(kProcesses))); break;
        case kWait: do_wait(p); break;
        case kExit: do_exit(static_cast<int>(rng_.below(kProcesses))); break;
        case kMemCreate: do_mem_create(p); break;
        case kMemMap: do_mem_map(p, pick_handle(p)); break;
        default: break;
        }
        if (::testing::Test::HasFatalFailure()) return;
        after_op();
    }

    // ipc::create_channel.
    void do_create(int p) {
        Process& pr = procs_[p];
        Error expect = pr.handles.size() + 2 > kMaxHandles ? Error::HandleTableFull
                       : live_ == kMaxChannels            ? Error::ChannelTableFull
                                                          : Error::None;
        Error got = Error::None;
        Channel* channel = nullptr;
        Handle a = kNoHandle, b = kNoHandle;
        if (kMaxHandles - pr.table.count() < 2) {
            got = Error::HandleTableFull;
        } else {
            auto created = table_->create();
            if (created.is_error()) {
                got = created.error();
            } else {
                channel = created.value();
                a = pr.table.install(&channel->ends[0]).value();
                b = pr.table.install(&channel->ends[1]).value();
            }
        }
        count("create", got);
        ASSERT_EQ(got, expect);
        if (got != Error::None) return;
        int ep = add_channel(channel);
        if (::testing::Test::HasFatalFailure()) return;
        install_model(p, ep, a);
        install_model(p, ep + 1, b);
    }

    // process.cpp's connect(): one end in each of two processes.
    void do_connect(int p, int q) {
        if (p == q) return do_create(p);
        Error expect = procs_[p].handles.size() == kMaxHandles || procs_[q].handles.size() == kMaxHandles
                           ? Error::HandleTableFull
                       : live_ == kMaxChannels ? Error::ChannelTableFull
                                               : Error::None;
        Error got = Error::None;
        Channel* channel = nullptr;
        Handle a = kNoHandle, b = kNoHandle;
        if (procs_[p].table.full() || procs_[q].table.full()) {
            got = Error::HandleTableFull;
        } else {
            auto created = table_->create();
            if (created.is_error()) {
                got = created.error();
            } else {
                channel = created.value();
                a = procs_[p].table.install(&channel->ends[0]).value();
                b = procs_[q].table.install(&channel->ends[1]).value();
            }
        }
        count("connect", got);
        ASSERT_EQ(got, expect);
        if (got != Error::None) return;
        int ep = add_channel(channel);
        if (::testing::Test::HasFatalFailure()) return;
        install_model(p, ep, a);
        install_model(q, ep + 1, b);
    }

    int add_channel(Channel* channel) {
        EXPECT_TRUE(channel->in_use);
        EXPECT_EQ(live_reals_.count(channel), 0u) << "create handed out a channel that is still in use";
        for (const Endpoint& end : channel->ends) {
            EXPECT_EQ(end.refs, 1u);
            EXPECT_FALSE(end.closed);
            EXPECT_EQ(end.waiter, nullptr);
            EXPECT_TRUE(end.queue.empty());
            EXPECT_EQ(end.kind(), Object::Kind::Endpoint);
        }
        chans_.push_back(ModelChannel{channel, {}, true});
        live_reals_[channel] = chans_.size() - 1;
        live_++;
        return static_cast<int>(chans_.size() - 1) * 2;
    }

    // sys_mem_create: room first, then the object, then the handle.
    void do_mem_create(int p) {
        Process& pr = procs_[p];
        Error expect = pr.handles.size() == kMaxHandles ? Error::HandleTableFull : Error::None;
        Error got = Error::None;
        Handle h = kNoHandle;
        if (pr.table.full()) {
            got = Error::HandleTableFull;
        } else {
            mem_real_.push_back(std::make_unique<FakeMemory>());
            mems_.push_back(ModelMemory{});
            h = pr.table.install(mem_real_.back().get()).value();
        }
        count("mem_create", got);
        ASSERT_EQ(got, expect);
        if (got != Error::None) return;
        int id = kMemoryBase + static_cast<int>(mems_.size() - 1);
        touched_memory_.push_back(id);
        install_model(p, id, h);
    }

    // sys_mem_map's handle checks; a mapping holds a reference until exit.
    void do_mem_map(int p, Handle h) {
        Process& pr = procs_[p];
        int id = model_id(p, h);
        Error expect = id == kNone ? Error::BadHandle : is_memory(id) ? Error::None : Error::WrongType;
        Error got = Error::None;
        auto named = pr.table.get_object(h);
        if (named.is_error()) got = named.error();
        else if (named.value()->kind() != Object::Kind::Memory) got = Error::WrongType;
        else named.value()->ref();
        count("mem_map", got);
        ASSERT_EQ(got, expect);
        if (got != Error::None) return;
        ASSERT_EQ(named.value(), object(id));
        ref_model(id);
        pr.mappings.push_back(id);
    }

    // The capability to carry, or kNoHandle.
    Handle pick_cap(int p, Handle h) {
        int from = model_id(p, h);
        bool from_endpoint = from != kNone && !is_memory(from);
        unsigned r = static_cast<unsigned>(rng_.below(100));
        Handle cap = kNoHandle;
        if (r < 45) return kNoHandle;
        if (r < 60) cap = h;                                                  // the sending endpoint itself
        else if (r < 72 && from_endpoint) cap = handle_of(p, from ^ 1);       // the receiving endpoint: BadArgument
        else if (r < 96) cap = pick_handle(p);                                // anything we hold
        else cap = static_cast<Handle>(rng_.below(72)) - 4;                   // maybe garbage
        if (cap == kNoHandle) return kNoHandle;
        int carried = model_id(p, cap);
        // Acyclic runs only carry an endpoint into a queue of a larger id
        // (the receiving endpoint itself is allowed: it is refused).
        // Memory objects hold nothing, so they never close a cycle.
        if (!allow_cycles_ && from_endpoint && carried != kNone && !is_memory(carried) && carried > (from ^ 1))
            return kNoHandle;
        return cap;
    }

    // ipc::send(Task&, ...).
    Error real_send(Process& pr, Handle h, Handle cap_handle, uint32_t id, int sender) {
        auto from = pr.table.get(h);
        if (from.is_error()) return from.error();
        Object* cap = nullptr;
        if (cap_handle != kNoHandle) {
            auto carried = pr.table.get_object(cap_handle);
            if (carried.is_error()) return carried.error();
            cap = carried.value();
        }
        Message message{};
        message.len = 4;
        message.cap = cap_handle;
        message.sender_pid = static_cast<uint32_t>(sender);
        std::memcpy(message.data, &id, 4);
        Error error = ipc::send(*from.value(), message, cap);
        if (error != Error::None) return error;
        if (cap) (void)pr.table.take(cap_handle);
        return Error::None;
    }

    Error do_send(int p, Handle h, bool fresh_cap) {
        send_one(p, h, fresh_cap);
        return ::testing::Test::HasFatalFailure() ? Error::BadSyscall : last_result_;
    }

    void send_one(int p, Handle h, bool fresh_cap) {
        Handle cap = fresh_cap ? pick_cap(p, h) : kNoHandle;
        uint32_t id = next_id_++;
        int from = model_id(p, h);
        int carried = cap == kNoHandle ? kNone : model_id(p, cap);
        Error expect = Error::None;
        if (from == kNone) expect = Error::BadHandle;
        else if (is_memory(from)) expect = Error::WrongType;
        else if (cap != kNoHandle && carried == kNone) expect = Error::BadHandle;
        else if (carried == (from ^ 1)) expect = Error::BadArgument;
        else if (model(from ^ 1).closed) expect = Error::PeerClosed;
        else if (model(from ^ 1).queue.size() == kQueueDepth) expect = Error::QueueFull;

        Error got = real_send(procs_[p], h, cap, id, p);
        const char* kind = cap == kNoHandle       ? "send"
                           : carried == kNone      ? "send cap"
                           : is_memory(carried)    ? "send memory"
                           : carried == from       ? "send self"
                                                   : "send cap";
        count(kind, got);
        last_result_ = got;
        ASSERT_EQ(got, expect) << "handle " << h << " cap " << cap;
        if (got != Error::None) return;
        ModelEnd& to = model(from ^ 1);
        to.queue.push_back(ModelMessage{id, carried, p});
        if (carried != kNone) procs_[p].handles.erase(cap);  // the reference moves into the queue
        if (to.waiter != kNone) expected_wakes_.push_back(to.waiter);
    }

    // ipc::receive_now.
    Error real_receive(Process& pr, Handle h, Message& out) {
        auto at = pr.table.get(h);
        if (at.is_error()) return at.error();
        Endpoint& e = *at.value();
        if (!e.queue.empty() && e.queue.front().cap && pr.table.full()) return Error::HandleTableFull;
        QueuedMessage queued{};
        Error error = ipc::receive(e, queued);
        if (error != Error::None) return error;
        out = queued.message;
        out.cap = queued.cap ? pr.table.install(queued.cap).value() : kNoHandle;
        return Error::None;
    }

    Error do_receive(int p, Handle h) {
        receive_one(p, h);
        return ::testing::Test::HasFatalFailure() ? Error::BadSyscall : last_result_;
    }

    void receive_one(int p, Handle h) {
        int at = model_id(p, h);
        Error expect = Error::None;
        if (at == kNone) expect = Error::BadHandle;
        else if (is_memory(at)) expect = Error::WrongType;
        else if (!model(at).queue.empty() && model(at).queue.front().cap != kNone &&
                 procs_[p].handles.size() == kMaxHandles)
            expect = Error::HandleTableFull;  // the message stays queued
        else if (model(at).queue.empty())
            expect = model(at ^ 1).closed ? Error::PeerClosed : Error::WouldBlock;

        Message out{};
        Error got = real_receive(procs_[p], h, out);
        count("receive", got);
        last_result_ = got;
        ASSERT_EQ(got, expect) << "handle " << h;
        if (got != Error::None) return;
        ModelMessage m = model(at).queue.front();
        model(at).queue.pop_front();
        uint32_t id;
        std::memcpy(&id, out.data, 4);
        ASSERT_EQ(id, m.id) << "messages must arrive in FIFO order";
        ASSERT_EQ(out.len, 4u);
        ASSERT_EQ(out.sender_pid, static_cast<uint32_t>(m.sender));
        if (m.cap == kNone) {
            ASSERT_EQ(out.cap, kNoHandle);
            return;
        }
        count(is_memory(m.cap) ? "receive memory" : "receive cap", Error::None);
        install_model(p, m.cap, out.cap);
        if (::testing::Test::HasFatalFailure()) return;
        auto installed = procs_[p].table.get_object(out.cap);
        ASSERT_FALSE(installed.is_error());
        ASSERT_EQ(installed.value(), object(m.cap)) << "the carried capability names the object that was sent";
    }

    void do_close(int p, Handle h) {
        int id = model_id(p, h);
        Error got = procs_[p].table.close(h);
        count("close", got);
        ASSERT_EQ(got, id == kNone ? Error::BadHandle : Error::None) << "handle " << h;
        if (id == kNone) return;
        procs_[p].handles.erase(h);
        unref_model(id);
    }

    // Not a syscall today: another reference to the same object under a new
    // number (like dup(2)), in process q's table, which may be p's own.
    void do_dup(int p, Handle h, int q) {
        int id = model_id(p, h);
        Error expect = id == kNone                                   ? Error::BadHandle
                       : procs_[q].handles.size() == kMaxHandles ? Error::HandleTableFull
                                                                     : Error::None;
        Error got = Error::None;
        Handle copy = kNoHandle;
        auto e = procs_[p].table.get_object(h);
        if (e.is_error()) {
            got = e.error();
        } else if (procs_[q].table.full()) {
            got = Error::HandleTableFull;
        } else {
            e.value()->ref();
            copy = procs_[q].table.install(e.value()).value();
        }
        count(p == q ? "dup" : "share", got);
        ASSERT_EQ(got, expect);
        if (got != Error::None) return;
        ref_model(id);
        install_model(q, id, copy);
    }

    // The first half of ipc::wait: the ready index, an error, or kBlocked
    // with the waiter marks set (the task then sleeps until woken).
    int real_wait(Process& pr, const std::vector<Handle>& handles, Error& error) {
        std::vector<Endpoint*> endpoints;
        for (size_t i = 0; i < handles.size(); i++) {
            auto e = pr.table.get(handles[i]);
            if (e.is_error()) {
                error = e.error();
                return kNone;
            }
            endpoints.push_back(e.value());
            if (e.value()->readable()) return static_cast<int>(i);
            if (e.value()->waiter && e.value()->waiter != &pr.task) {
                error = Error::Busy;
                return kNone;
            }
        }
        for (Endpoint* e : endpoints) e->waiter = &pr.task;
        return kBlocked;
    }

    void do_wait(int p) {
        std::vector<Handle> handles(1 + rng_.below(3));
        for (Handle& h : handles) h = pick_handle(p);
        // Prefer an endpoint another process already sleeps on (shared via
        // dup): that is the Busy case.
        if (rng_.percent(50)) {
            procs_[p].handles.each([&](Handle h, int id) {
                if (!is_memory(id) && peek(id).waiter != kNone && peek(id).waiter != p) handles.back() = h;
            });
        }
        Error expect = Error::None;
        int expect_index = kBlocked;
        for (size_t i = 0; i < handles.size(); i++) {
            int id = model_id(p, handles[i]);
            if (id == kNone || is_memory(id)) {
                expect = id == kNone ? Error::BadHandle : Error::WrongType;
                break;
            }
            if (readable(id)) {
                expect_index = static_cast<int>(i);
                break;
            }
            if (model(id).waiter != kNone && model(id).waiter != p) {
                expect = Error::Busy;
                break;
            }
        }
        Error got = Error::None;
        int index = real_wait(procs_[p], handles, got);
        count(index == kBlocked ? "wait:blocked" : index >= 0 ? "wait:ready" : "wait", got);
        ASSERT_EQ(got, expect);
        if (got != Error::None) return;
        ASSERT_EQ(index, expect_index);
        if (index != kBlocked) return;
        for (Handle h : handles) {
            int ep = model_id(p, h);
            model(ep).waiter = p;
            procs_[p].waiting.push_back(ep);
        }
    }

    // A process exits (or is killed): sched::exit_current, then its address
    // space goes, dropping the mappings' references.
    void do_exit(int p) {
        Process& pr = procs_[p];
        pr.table.clear_waiter(&pr.task);
        pr.table.close_all();
        for (int id : pr.mappings) object(id)->unref();
        count("exit", Error::None);
        for (int ep : pr.waiting)
            if (model(ep).waiter == p) model(ep).waiter = kNone;
        pr.waiting.clear();
        HandleModel handles = pr.handles;
        pr.handles.clear();
        handles.each([&](Handle, int id) {
            if (!::testing::Test::HasFatalFailure()) unref_model(id);
        });
        for (int id : pr.mappings)
            if (!::testing::Test::HasFatalFailure()) unref_model(id);
        pr.mappings.clear();
        if (::testing::Test::HasFatalFailure()) return;
        ASSERT_EQ(pr.table.count(), 0u);
    }

    // ---- After every operation ------------------------------------------------
    void after_op() {
        // Exactly the expected wake-ups happened (wake order within one
        // cascade is the kernel's business).
        if (fake::wakes().empty() && expected_wakes_.empty()) return compare_with_kernel(++ops_done_ % 64 == 0);
        std::vector<int> woken;
        for (Task* t : fake::wakes()) woken.push_back(t->id);
        std::sort(woken.begin(), woken.end());
        std::sort(expected_wakes_.begin(), expected_wakes_.end());
        ASSERT_EQ(woken, expected_wakes_) << "task_wake calls";
        count("wake", Error::None);
        // The woken tasks run: wait() clears their marks and finds a
        // readable endpoint.
        for (int p : std::set<int>(woken.begin(), woken.end())) {
            Process& pr = procs_[p];
            ASSERT_FALSE(pr.waiting.empty()) << "woke a task that was not waiting";
            bool any_readable = false;
            for (int ep : pr.waiting) {
                if (real(ep).waiter == &pr.task) real(ep).waiter = nullptr;
                if (model(ep).waiter == p) model(ep).waiter = kNone;
                any_readable = any_readable || real(ep).readable();
                ASSERT_EQ(real(ep).readable(), readable(ep));
            }
            ASSERT_TRUE(any_readable) << "a wake-up must make a waited-on endpoint readable";
            pr.waiting.clear();
        }
        compare_with_kernel(++ops_done_ % 64 == 0);
    }

    // The kernel's state of endpoint `ep` agrees with the model's (plain
    // comparisons: this runs for many endpoints after every op).
    bool endpoint_matches(int ep) {
        ModelEnd& m = peek(ep);
        Endpoint& r = real(ep);
        if (r.closed != m.closed || (!m.closed && r.refs != m.refs)) return false;
        if (r.queue.size() > kQueueDepth || r.queue.size() != m.queue.size()) return false;
        if (r.queue.full() != (m.queue.size() == kQueueDepth)) return false;
        if (!m.queue.empty()) {
            uint32_t id;
            std::memcpy(&id, r.queue.front().message.data, 4);
            int cap = m.queue.front().cap;
            if (id != m.queue.front().id || r.queue.front().cap != (cap == kNone ? nullptr : object(cap))) return false;
        }
        if (r.waiter != (m.waiter == kNone ? nullptr : &procs_[m.waiter].task)) return false;
        return r.readable() == peek_readable(ep);
    }

    // The same comparisons as assertions, to say what differs.
    void explain_endpoint(int ep) {
        ModelEnd& m = peek(ep);
        Endpoint& r = real(ep);
        SCOPED_TRACE(::testing::Message() << "endpoint " << ep << " (channel " << ep / 2 << " side " << ep % 2 << ")");
        ASSERT_EQ(r.closed, m.closed);
        if (!m.closed) {
            ASSERT_EQ(r.refs, m.refs);
        }
        ASSERT_LE(r.queue.size(), kQueueDepth);
        ASSERT_EQ(r.queue.size(), m.queue.size());
        ASSERT_EQ(r.queue.full(), m.queue.size() == kQueueDepth);
        if (!m.queue.empty()) {
            uint32_t id;
            std::memcpy(&id, r.queue.front().message.data, 4);
            ASSERT_EQ(id, m.queue.front().id);
            ASSERT_EQ(r.queue.front().cap, m.queue.front().cap == kNone ? nullptr : object(m.queue.front().cap));
        }
        ASSERT_EQ(r.waiter, m.waiter == kNone ? nullptr : &procs_[m.waiter].task);
        ASSERT_EQ(r.readable(), peek_readable(ep));
        FAIL() << "endpoint_matches and explain_endpoint disagree";
    }

    void compare_memory(int id) {
        const ModelMemory& m = mems_[id - kMemoryBase];
        const FakeMemory& r = *mem_real_[id - kMemoryBase];
        ASSERT_FALSE(r.misused) << "memory object " << id - kMemoryBase << " unreffed after its last reference";
        ASSERT_EQ(r.freed, m.freed) << "memory object " << id - kMemoryBase;
        if (!m.freed) {
            ASSERT_EQ(r.refs, m.refs) << "memory object " << id - kMemoryBase;
        }
    }

    // Compares the channels and memory objects the op touched (all of them
    // when `everything`), the channel count and the handle counts.
    void compare_with_kernel(bool everything) {
        if (table_->in_use() != live_ || live_reals_.size() != live_) {
            ASSERT_EQ(table_->in_use(), live_) << "live channels";
            ASSERT_EQ(live_reals_.size(), live_);
        }
        std::vector<size_t>& channels = compare_scratch_;
        channels.clear();
        if (everything) {
            for (auto& [channel, c] : live_reals_) channels.push_back(c);
            for (size_t m = 0; m < mems_.size(); m++) touched_memory_.push_back(kMemoryBase + static_cast<int>(m));
        } else {
            std::sort(touched_.begin(), touched_.end());
            touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
            channels.assign(touched_.begin(), touched_.end());
        }
        touched_.clear();
        for (int id : touched_memory_) {
            compare_memory(id);
            if (::testing::Test::HasFatalFailure()) return;
        }
        touched_memory_.clear();
        for (size_t c : channels) {
            Channel* channel = chans_[c].real;
            if (!chans_[c].live) {
                // Released, unless create has handed the slot out again.
                if (!live_reals_.count(channel)) {
                    ASSERT_FALSE(channel->in_use) << "channel " << c << " not released";
                }
                continue;
            }
            if (live_reals_.at(channel) != c || !channel->in_use) {
                ASSERT_EQ(live_reals_.at(channel), c);
                ASSERT_TRUE(channel->in_use);
            }
            for (int side = 0; side < 2; side++) {
                int ep = static_cast<int>(c) * 2 + side;
                if (!endpoint_matches(ep)) return explain_endpoint(ep);
            }
        }
        for (Process& pr : procs_) {
            if (pr.table.count() == pr.handles.size() && pr.table.full() == (pr.handles.size() == kMaxHandles)) continue;
            ASSERT_EQ(pr.table.count(), pr.handles.size()) << "process " << pr.task.id;
            ASSERT_EQ(pr.table.full(), pr.handles.size() == kMaxHandles) << "process " << pr.task.id;
        }
    }

    // The model checks itself: reference counts re-derived from the handle
    // tables, mappings and queues, and the handle tables compared in full.
    void check_model_counts() {
        std::vector<uint32_t> refs(chans_.size() * 2, 0);
        std::vector<uint32_t> mem_refs(mems_.size(), 0);
        auto note = [&](int id) {
            if (is_memory(id)) mem_refs[id - kMemoryBase]++;
            else refs[id]++;
        };
        for (Process& pr : procs_) {
            for (Handle h = -2; h < static_cast<Handle>(kMaxHandles) + 2; h++) {
                int id = pr.handles.get(h);
                auto e = pr.table.get_object(h);
                if (id == kNone) {
                    ASSERT_EQ(e.error(), Error::BadHandle) << "handle " << h;
                    continue;
                }
                note(id);
                ASSERT_FALSE(e.is_error());
                ASSERT_EQ(e.value(), object(id));
                auto endpoint = pr.table.get(h);
                if (is_memory(id)) {
                    ASSERT_EQ(endpoint.error(), Error::WrongType);
                } else {
                    ASSERT_FALSE(endpoint.is_error());
                    ASSERT_EQ(endpoint.value(), &real(id));
                }
            }
            for (int id : pr.mappings) note(id);
        }
        for (size_t ep = 0; ep < refs.size(); ep++)
            peek(static_cast<int>(ep)).queue.each([&](const ModelMessage& m) {
                if (m.cap != kNone) note(m.cap);
            });
        for (size_t ep = 0; ep < refs.size(); ep++) {
            ModelEnd& m = peek(static_cast<int>(ep));
            if (m.closed) {
                ASSERT_EQ(refs[ep], 0u) << "closed endpoint " << ep << " still referenced";
                ASSERT_TRUE(m.queue.empty());
            } else {
                ASSERT_EQ(refs[ep], m.refs) << "endpoint " << ep;
                ASSERT_GT(m.refs, 0u);
            }
        }
        for (size_t i = 0; i < mems_.size(); i++) {
            ASSERT_EQ(mem_refs[i], mems_[i].freed ? 0u : mems_[i].refs) << "memory object " << i;
        }
    }

    Rng rng_;
    bool allow_cycles_;
    Coverage& coverage_;
    size_t weights_[kOpCount] = {};
    bool burst_ = false;
    std::unique_ptr<ChannelTable> table_ = std::make_unique<ChannelTable>();
    Process procs_[kProcesses];
    std::vector<ModelChannel> chans_;
    std::map<Channel*, size_t> live_reals_;  // live channel -> index in chans_
    size_t live_ = 0;
    std::vector<std::unique_ptr<FakeMemory>> mem_real_;
    std::vector<ModelMemory> mems_;
    uint32_t next_id_ = 1;
    std::vector<int> expected_wakes_;
    std::vector<size_t> touched_;     // channels the current op looked at or changed
    std::vector<int> touched_memory_;  // likewise, memory objects
    size_t ops_done_ = 0;
    std::vector<size_t> compare_scratch_;
    Error last_result_ = Error::None;  // of the last send_one / receive_one
    std::map<std::pair<const char*, Error>, uint64_t> counts_;
};

void run_worlds(bool allow_cycles, uint64_t first_seed, size_t seed_count, size_t ops, Coverage& coverage) {
    for (uint64_t seed : seeds(first_seed, seed_count)) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed << " (rerun: RVOS_RANDOM_SEED=" << seed << ")");
        World world(seed, allow_cycles, coverage);
        world.run(scaled(ops));
        if (::testing::Test::HasFatalFailure()) return;
        world.finish();
        if (::testing::Test::HasFatalFailure()) return;
    }
}

// Each outcome listed was produced at least once over all seeds.
void expect_covered(const Coverage& coverage, const std::vector<std::string>& keys) {
    if (std::getenv("RVOS_RANDOM_VERBOSE"))
        for (auto& [key, n] : coverage) std::printf("    %-32s %llu\n", key.c_str(), static_cast<unsigned long long>(n));
    if (std::getenv("RVOS_RANDOM_SEED")) return;  // one seed need not reach everything
    for (const std::string& key : keys) {
        auto it = coverage.find(key);
        EXPECT_TRUE(it != coverage.end() && it->second > 0) << "never exercised: " << key;
    }
}

TEST(RandomIpc, AcyclicTrafficLeavesNoChannelBehind) {
    Coverage coverage;
    run_worlds(false, 1, 20, 5000, coverage);
    if (HasFatalFailure()) return;
    expect_covered(coverage, {"create:ok", "create:handle table full", "create:channel table full", "connect:ok",
                              "send:ok", "send:queue full", "send:peer closed", "send:bad handle",
                              "send:wrong handle type", "send cap:ok", "send cap:bad argument", "send self:ok",
                              "send memory:ok", "receive:ok", "receive cap:ok", "receive memory:ok",
                              "receive:would block", "receive:peer closed", "receive:handle table full",
                              "receive:bad handle", "receive:wrong handle type", "close:ok", "close:bad handle",
                              "dup:ok", "dup:handle table full", "share:ok", "wait:blocked:ok", "wait:ready:ok",
                              "wait:busy", "wait:bad handle", "wait:wrong handle type", "wake:ok", "exit:ok",
                              "mem_create:ok", "mem_map:ok", "mem_map:wrong handle type"});
    RecordProperty("ops", static_cast<int>(scaled(5000) * 20));
}

TEST(RandomIpc, CyclicTrafficMatchesTheReferenceCountingContract) {
    Coverage coverage;
    run_worlds(true, 1001, 10, 5000, coverage);
    if (HasFatalFailure()) return;
    expect_covered(coverage, {"send cap:ok", "send self:ok", "receive cap:ok", "exit:ok", "wake:ok", "leaked channels"});
    RecordProperty("leaked_channels", static_cast<int>(coverage["leaked channels"]));
}

// ---- Capability cycles: freed by collection when the process exits -------------
// Reference counting alone cannot free a cycle (the cyclic random test above
// checks exactly that); the kernel runs ChannelTable::collect_garbage when a
// process exits, with every handle table as the roots.

HandleTable* exiting_process = nullptr;
void mark_process_roots(ipc::Marker& marker) {
    exiting_process->for_each([&](ipc::Object& object) {
        if (object.kind() == ipc::Object::Kind::Endpoint) marker.mark(static_cast<Endpoint&>(object));
    });
}

TEST(IpcCapabilityCycles, ChannelWhoseEndsAreQueuedInEachOtherIsFreedWhenItsProcessExits) {
    auto table = std::make_unique<ChannelTable>();
    HandleTable process;
    Channel* c = table->create().value();
    Handle a = process.install(&c->ends[0]).value();
    Handle b = process.install(&c->ends[1]).value();
    Message m{};
    ASSERT_EQ(ipc::send(c->ends[0], m, &c->ends[0]), Error::None);  // a travels to b's queue
    (void)process.take(a);
    ASSERT_EQ(ipc::send(c->ends[1], m, &c->ends[1]), Error::None);  // b travels to a's queue
    (void)process.take(b);
    process.close_all();  // the process exits holding nothing
    EXPECT_EQ(table->in_use(), 1u) << "a cycle survives reference counting";
    exiting_process = &process;
    EXPECT_EQ(table->collect_garbage(mark_process_roots), 1u);
    EXPECT_EQ(table->in_use(), 0u);
}

TEST(IpcCapabilityCycles, TwoChannelsCarryingEachOthersReceiversAreFreedWhenTheProcessExits) {
    auto table = std::make_unique<ChannelTable>();
    HandleTable process;
    Channel* c1 = table->create().value();
    Channel* c2 = table->create().value();
    for (Channel* c : {c1, c2})
        for (Endpoint& e : c->ends) (void)process.install(&e);  // handles 0..3
    Message m{};
    ASSERT_EQ(ipc::send(c1->ends[0], m, &c2->ends[1]), Error::None);  // c2.b queued at c1.b
    (void)process.take(3);
    ASSERT_EQ(ipc::send(c2->ends[0], m, &c1->ends[1]), Error::None);  // c1.b queued at c2.b
    (void)process.take(1);
    process.close_all();
    exiting_process = &process;
    EXPECT_EQ(table->collect_garbage(mark_process_roots), 2u);
    EXPECT_EQ(table->in_use(), 0u);
}

// ---- Frame allocator -----------------------------------------------------------

// Frees an aligned_alloc'd block however the test ends.
struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};
using FreeOnExit = std::unique_ptr<void, FreeDeleter>;

TEST(RandomFrameAllocator, RandomAllocFreeKeepsFramesDisjointZeroedAndCounted) {
    using mm::FrameAllocator;
    constexpr size_t kPage = rvos::kPageSize;
    constexpr size_t kBufferFrames = 48;
    static const uint8_t kZero[kPage] = {};
    for (uint64_t seed : seeds(1, 12)) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed << " (rerun: RVOS_RANDOM_SEED=" << seed << ")");
        Rng rng(seed);
        FreeOnExit block(std::aligned_alloc(kPage, kBufferFrames * kPage));
        auto* memory = static_cast<uint8_t*>(block.get());
        ASSERT_NE(memory, nullptr);
        std::memset(memory, 0xA5, kBufferFrames * kPage);
        // A region with ragged edges somewhere inside the buffer.
        uintptr_t base = reinterpret_cast<uintptr_t>(memory);
        uintptr_t begin = base + rng.below(4 * kPage);
        uintptr_t end = base + kBufferFrames * kPage - rng.below(4 * kPage);
        size_t expect_total = (end / kPage * kPage - (begin + kPage - 1) / kPage * kPage) / kPage;
        std::vector<uint8_t> bitmap(FrameAllocator::bitmap_bytes(kBufferFrames) + 1, 0xFF);
        bitmap.back() = 0x5A;  // guard
        FrameAllocator frames;
        frames.init(begin, end, bitmap.data());
        ASSERT_EQ(frames.total(), expect_total);
        ASSERT_EQ(frames.free_count(), expect_total);

        std::map<uint8_t*, uint8_t> live;  // frame -> fill byte
        std::vector<uint8_t*> freed;
        size_t ops = scaled(1500);
        size_t op = 0;
        for (; op < ops && !HasFatalFailure(); op++) {
            unsigned r = static_cast<unsigned>(rng.below(100));
            if (r < 50) {
                auto frame = frames.allocate();
                if (live.size() == expect_total) {
                    ASSERT_TRUE(frame.is_error());
                    ASSERT_EQ(frame.error(), Error::NoMemory);
                    continue;
                }
                ASSERT_FALSE(frame.is_error());
                auto* f = static_cast<uint8_t*>(frame.value());
                auto address = reinterpret_cast<uintptr_t>(f);
                ASSERT_EQ(address % kPage, 0u);
                ASSERT_GE(address, begin);
                ASSERT_LE(address + kPage, end);
                ASSERT_EQ(live.count(f), 0u) << "frame handed out twice";
                ASSERT_EQ(std::memcmp(f, kZero, kPage), 0) << "frame not zero-filled";
                uint8_t fill = static_cast<uint8_t>(1 + rng.below(255));
                std::memset(f, fill, kPage);
                live[f] = fill;
                freed.erase(std::remove(freed.begin(), freed.end(), f), freed.end());
            } else if (r < 88 && !live.empty()) {
                auto it = live.begin();
                std::advance(it, static_cast<long>(rng.below(live.size())));
                uint8_t* f = it->first;
                for (size_t i = 0; i < kPage; i += 97)
                    ASSERT_EQ(f[i], it->second) << "allocated frame overwritten";
                ASSERT_EQ(f[kPage - 1], it->second);
                ASSERT_TRUE(frames.free(f));
                live.erase(it);
                freed.push_back(f);
            } else if (r < 94 && !freed.empty()) {
                ASSERT_FALSE(frames.free(rng.pick(freed))) << "double free accepted";
            } else {
                // Foreign, misaligned and out-of-range addresses.
                uintptr_t bad;
                switch (rng.below(4)) {
                case 0: bad = begin - kPage - rng.below(64); break;
                case 1: bad = end + rng.below(3) * kPage; break;
                case 2: bad = (begin + kPage - 1) / kPage * kPage + 1 + rng.below(kPage - 1); break;
                default: bad = reinterpret_cast<uintptr_t>(&live); break;
                }
                ASSERT_FALSE(frames.free(reinterpret_cast<void*>(bad))) << "freed a bad address";
            }
            ASSERT_EQ(frames.free_count(), expect_total - live.size());
        }
        ASSERT_FALSE(HasFatalFailure()) << "the failure above happened in op " << op - 1;
        ASSERT_EQ(bitmap.back(), 0x5A) << "bitmap written past its size";
        for (auto& [f, fill] : live) ASSERT_TRUE(frames.free(f));
        ASSERT_EQ(frames.free_count(), expect_total);
        // Every frame comes out exactly once more.
        std::set<void*> all;
        for (size_t i = 0; i < expect_total; i++) {
            auto frame = frames.allocate();
            ASSERT_FALSE(frame.is_error());
            ASSERT_TRUE(all.insert(frame.value()).second);
        }
        ASSERT_TRUE(frames.allocate().is_error());
    }
}

// ---- Kernel heap ------------------------------------------------------------------
// test_heap.cpp runs one seed; this runs many, with per-seed size mixes, and
// checks after every failed allocation that no free gap could have served it
// (so coalescing and first fit never lose memory).

TEST(RandomHeap, ManySeedsNeverOverlapLoseMemoryOrCorruptBlocks) {
    constexpr size_t kHeapBytes = 32 * 1024;
    constexpr size_t kHeader = 16;
    auto needed = [](size_t n) { return (n + kHeader + 15) / 16 * 16; };
    for (uint64_t seed : seeds(1, 12)) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed << " (rerun: RVOS_RANDOM_SEED=" << seed << ")");
        Rng rng(seed);
        FreeOnExit block(std::aligned_alloc(16, kHeapBytes));
        auto* memory = static_cast<uint8_t*>(block.get());
        ASSERT_NE(memory, nullptr);
        mm::Heap heap;
        heap.init(memory, kHeapBytes);
        ASSERT_EQ(heap.size(), kHeapBytes);
        size_t max_small = 1 + rng.below(512);
        unsigned big_percent = static_cast<unsigned>(rng.below(30));
        unsigned alloc_percent = 40 + static_cast<unsigned>(rng.below(30));

        struct Live {
            size_t n;
            uint8_t fill;
        };
        std::map<uint8_t*, Live> live;
        size_t needed_sum = 0;
        auto intact = [](uint8_t* p, const Live& l) {
            for (size_t i = 0; i < l.n; i += 1 + l.n / 16)
                if (p[i] != l.fill) return false;
            return p[l.n - 1] == l.fill;
        };
        size_t ops = scaled(2500);
        size_t op = 0;
        for (; op < ops && !HasFatalFailure(); op++) {
            if (live.empty() || rng.percent(alloc_percent)) {
                size_t n = rng.percent(big_percent) ? 1 + rng.below(kHeapBytes / 3) : 1 + rng.below(max_small);
                if (rng.percent(1)) n = rng.percent(50) ? 0 : kHeapBytes + rng.below(100);
                auto* p = static_cast<uint8_t*>(heap.allocate(n));
                if (n == 0 || n > kHeapBytes) {
                    ASSERT_EQ(p, nullptr);
                    continue;
                }
                if (!p) {
                    // No gap between live blocks may be big enough. A block
                    // may carry up to 16 bytes of unsplit slack, so the gap
                    // after it is counted from its end plus that slack.
                    uint8_t* gap_start = memory;
                    for (auto& [q, l] : live) {
                        uint8_t* block = q - kHeader;
                        if (block > gap_start) {
                            ASSERT_LT(static_cast<size_t>(block - gap_start), needed(n))
                                << "a free gap could have served " << n << " bytes";
                        }
                        gap_start = std::max(gap_start, block + needed(l.n) + 16);
                    }
                    if (memory + kHeapBytes > gap_start) {
                        ASSERT_LT(static_cast<size_t>(memory + kHeapBytes - gap_start), needed(n));
                    }
                    continue;
                }
                ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
                ASSERT_GE(p, memory + kHeader);
                ASSERT_LE(p + n, memory + kHeapBytes);
                // Neighbours by address must not overlap the new block.
                auto next = live.lower_bound(p);
                if (next != live.end()) {
                    ASSERT_LE(p + n, next->first - kHeader);
                }
                if (next != live.begin()) {
                    auto prev = std::prev(next);
                    ASSERT_LE(prev->first + prev->second.n, p - kHeader);
                }
                Live l{n, static_cast<uint8_t>(rng.next())};
                std::memset(p, l.fill, n);
                live[p] = l;
                needed_sum += needed(n);
            } else {
                auto it = live.begin();
                std::advance(it, static_cast<long>(rng.below(live.size())));
                ASSERT_TRUE(intact(it->first, it->second)) << "block overwritten";
                heap.free(it->first);
                needed_sum -= needed(it->second.n);
                live.erase(it);
            }
            ASSERT_GE(heap.used(), needed_sum);
            ASSERT_LE(heap.used(), needed_sum + 16 * live.size());
        }
        ASSERT_FALSE(HasFatalFailure()) << "the failure above happened in op " << op - 1;
        for (auto& [p, l] : live) {
            ASSERT_TRUE(intact(p, l));
            heap.free(p);
        }
        ASSERT_EQ(heap.used(), 0u);
        void* whole = heap.allocate(kHeapBytes - kHeader);
        ASSERT_NE(whole, nullptr) << "the heap did not coalesce back into one block";
        heap.free(whole);
    }
}

}  // namespace
