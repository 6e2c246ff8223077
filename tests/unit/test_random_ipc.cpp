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
// kernel/ipc/task_ipc.cpp and wait.cpp need the scheduler, so they cannot be
// linked here; the World below repeats their logic line for line
// (create_channel with its collect-and-retry, send with its checks in order,
// receive_now, discard, close, duplicate, the first half of wait with its
// observers and pick_ready, and exit's abandon_wait + close_all + collection)
// and sys_mem_create / sys_mem_map's checks, over a stand-in memory object (a
// leaf Object that only counts references). It adds two test-only
// operations: `connect` (a channel whose ends go to two processes, as
// process.cpp does for a boot channel) and `share` (ref + install with the
// same rights into another process's table: the way several processes come
// to wait on one endpoint).
//
// The reference model keeps, per channel, both endpoints' queues as lists of
// messages (id, length, carried objects with their rights, sender), their
// byte totals, reference counts and closed flags; the system-wide queued
// bytes; per memory object its count; per process, its handles (object and
// rights) and what it waits on. Closing follows the documented contract ("an
// endpoint stays open while any handle names it or any queued message
// carries it"; the last reference drains its queue; the peer shows
// PeerClosed), computed with a worklist; collection is computed by the
// model's own reachability walk. Every 256 ops the model's counts are
// re-derived from scratch and the handle tables compared number by number.
//
// After every op: each call's result equals the model's (BadHandle,
// WrongType, AccessDenied, BadArgument, NoMemory, PeerClosed, QueueFull by
// depth or bytes, WouldBlock, BufferTooSmall, HandleTableFull,
// ChannelTableFull, TimedOut); received messages carry the model's next id
// (FIFO), length, sender and capabilities with their rights; handle numbers
// are the lowest free ones; task_wake() was called for exactly the observers
// whose wanted signals were present; a woken task finds a ready item (the
// one pick_ready would pick); ChannelTable::in_use() and ipc::queued_bytes()
// equal the model's; and every channel the op touched (every live one, every
// 64th op) matches the model: closed flags, ref_count(), queue sizes and
// bytes, queue heads, signals(), observed().
//
// Capability cycles: a message can carry an endpoint into a queue that the
// carried endpoint (transitively) keeps alive. Reference counting never
// frees such a cycle; the kernel collects at every process exit and when the
// channel table is full. The tests come in two flavours:
//   * RandomIpc.AcyclicTrafficLeavesNoChannelBehind only lets an endpoint
//     land in a queue whose model id is larger than its own, which rules
//     cycles out: every collection must free nothing.
//   * RandomIpc.CyclicTrafficIsCollected allows any capability; collections
//     free exactly the channels the model finds unreachable.
// Either way, after every process exits nothing is left: no channel, no
// queued byte, no memory object.
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
using ipc::HandleEntry;
using ipc::HandleTable;
using ipc::MessageNode;
using ipc::Object;
using rvos::Error;
using rvos::Handle;
using rvos::kMaxChannels;
using rvos::kMaxHandles;
using rvos::kNoHandle;
using rvos::kQueueDepth;
using rvos::Rights;
using rvos::Signals;

namespace {

// Stands in for mm::MemoryObject (whose frames need the kernel's allocator):
// a leaf object that only counts references.
class FakeMemory final : public Object {
public:
    FakeMemory() : Object(Kind::Memory) {}
    Signals signals() const override { return 0; }
    void last_reference_gone() override { gone++; }
    int gone = 0;
};

}  // namespace

template <> struct ipc::KindOf<FakeMemory> { static constexpr Object::Kind value = Object::Kind::Memory; };

namespace {

using random_support::Rng;
using random_support::scaled;
using random_support::seeds;

// ---- The IPC world --------------------------------------------------------------

// Enough processes that their handle tables together can fill the channel
// table (two ends a channel), so ChannelTableFull is reachable.
constexpr int kProcesses = static_cast<int>(2 * rvos::kMaxChannels / rvos::kMaxHandles);
constexpr int kNone = -1;
// Result of the first half of wait() when the task has to sleep.
constexpr int kBlocked = -2;
// Model object ids: endpoint 2c and 2c+1 are the ends of channel c; memory
// object m is kMemoryBase + m.
constexpr int kMemoryBase = 1 << 24;
bool is_memory(int id) { return id >= kMemoryBase; }

// The rights the kernel gives fresh objects (task_ipc.cpp, syscall/memory.cpp).
constexpr Rights kChannelRights =
    rvos::kRightRead | rvos::kRightWrite | rvos::kRightTransfer | rvos::kRightDuplicate | rvos::kRightWait;
constexpr Rights kMemoryRights = rvos::kRightRead | rvos::kRightWrite | rvos::kRightTransfer |
                                 rvos::kRightDuplicate | rvos::kRightMap | rvos::kRightMapWrite |
                                 rvos::kRightWait;

size_t charge_of(size_t length, size_t handles) {
    return sizeof(MessageNode) + handles * sizeof(HandleEntry) + length;
}

// A copy of wait.cpp's pick_ready: the first item with a wanted signal, but a
// drained endpoint whose peer left comes first.
size_t pick_ready(Object* const* objects, rvos::WaitItem* items, size_t count) {
    size_t first = count;
    for (size_t i = 0; i < count; i++) {
        items[i].observed = objects[i]->signals();
        Signals hit = items[i].observed & items[i].wanted;
        if (hit && first == count) first = i;
    }
    for (size_t i = 0; i < count; i++) {
        Signals hit = items[i].observed & items[i].wanted;
        if ((hit & rvos::kSignalPeerClosed) && !(items[i].observed & rvos::kSignalReadable)) return i;
    }
    return first;
}

struct Cap {
    int id;
    Rights rights;
};

struct ModelMessage {
    uint32_t id;
    uint32_t length;
    std::vector<Cap> caps;
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
    size_t bytes = 0;  // charges queued here
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

// The model of one handle table: handle number -> model object id + rights.
class HandleModel {
public:
    HandleModel() { clear(); }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    int get(Handle h) const { return valid(h) ? slots_[h].id : kNone; }
    Rights rights(Handle h) const { return valid(h) ? slots_[h].rights : 0; }
    bool has(Handle h) const { return get(h) != kNone; }
    void set(Handle h, int id, Rights rights) {
        if (slots_[h].id == kNone) size_++;
        slots_[h] = Cap{id, rights};
    }
    void erase(Handle h) {
        if (!has(h)) return;
        slots_[h] = Cap{kNone, 0};
        size_--;
    }
    void clear() {
        std::fill(std::begin(slots_), std::end(slots_), Cap{kNone, 0});
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
            if (has(h)) f(h, slots_[h].id, slots_[h].rights);
    }

private:
    static bool valid(Handle h) { return h >= 0 && static_cast<size_t>(h) < kMaxHandles; }
    Cap slots_[kMaxHandles];
    size_t size_ = 0;
};

struct Process {
    HandleTable table;
    Task task{0};
    HandleModel handles;
    // A blocked wait: its items, the objects and observers the kernel's
    // wait() keeps on its stack, and the model ids waited on.
    bool waiting = false;
    size_t wait_count = 0;
    rvos::WaitItem items[rvos::kMaxWaitItems];
    Object* objects[rvos::kMaxWaitItems];
    ipc::Observer observers[rvos::kMaxWaitItems];
    int wait_ids[rvos::kMaxWaitItems];
    std::vector<int> mappings;  // memory objects it has mapped (one reference each)
};

enum Op {
    kCreate,
    kConnect,
    kSend,
    kReceive,
    kDiscard,
    kClose,
    kDup,
    kShare,
    kWait,
    kExit,
    kMemCreate,
    kMemMap,
    kLeakCycle,
    kOpCount
};
const char* const kOpNames[kOpCount] = {"create", "connect", "send", "receive",    "discard", "close",     "dup",
                                        "share",  "wait",    "exit", "mem_create", "mem_map", "leak_cycle"};

// Outcomes seen over all seeds of a test, to prove the interesting paths ran.
using Coverage = std::map<std::string, uint64_t>;

class World;
World* collecting_world = nullptr;  // for mark_world_roots
void mark_world_roots(ipc::Marker& marker);

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
        weights_[kDiscard] = rng_.below(3);
        // What a hostile process does on purpose: a channel whose ends are
        // queued in each other, with no handle left (cyclic runs only).
        weights_[kLeakCycle] = allow_cycles_ ? 3 * rng_.below(4) : 0;
        // Some cyclic seeds never exit (nor sleep, which ends in a kill), so
        // garbage piles up until a create finds the table full and collects.
        if (allow_cycles_ && rng_.percent(40)) weights_[kExit] = weights_[kWait] = 0;
        burst_ = rng_.percent(50);
        big_percent_ = rng_.percent(40) ? static_cast<unsigned>(rng_.below(60)) : 0;
        // Flood seeds: large messages nobody reads, until the system-wide
        // byte cap (kMaxQueuedBytes) refuses them with NoMemory.
        if (rng_.percent(20)) {
            big_percent_ = 90;
            burst_ = true;
            weights_[kReceive] = weights_[kDiscard] = weights_[kExit] = weights_[kWait] = 0;
            weights_[kCreate] += 10;
        }
        fake::clear_wakes();
    }

    // After a failure, whatever is left is freed here, so the next seed or
    // test starts from zero queued bytes and nothing leaks.
    ~World() {
        for (Process& pr : procs_) {
            unhook(pr);
            pr.table.close_all();
        }
        table_->collect_garbage([](ipc::Marker&) {});
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

    // Every process exits; then nothing may be left.
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
        ASSERT_EQ(live_, 0u) << "model: a channel outlived every handle and the collection";
        ASSERT_EQ(table_->in_use(), 0u) << "a channel outlived every handle and the collection";
        ASSERT_EQ(ipc::queued_bytes(), 0u) << "message bytes outlived every channel";
        for (size_t m = 0; m < mems_.size(); m++) {
            ASSERT_EQ(mem_real_[m]->gone, 1) << "memory object " << m << " not freed exactly once";
            ASSERT_EQ(mem_real_[m]->ref_count(), 0u) << "memory object " << m;
        }
        flush_counts();
    }

    // The GC roots, as process.cpp's mark_roots: every handle of every task.
    void mark_roots(ipc::Marker& marker) {
        for (Process& pr : procs_) pr.table.for_each([&](Object& object) { marker.mark(object); });
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
    Signals model_signals(int id) {
        if (is_memory(id)) return 0;
        Signals s = 0;
        if (!peek(id).queue.empty()) s |= rvos::kSignalReadable;
        if (peek(id ^ 1).closed) s |= rvos::kSignalPeerClosed;
        return s;
    }
    bool observed_model(int id) {
        for (Process& pr : procs_)
            if (pr.waiting)
                for (size_t i = 0; i < pr.wait_count; i++)
                    if (pr.wait_ids[i] == id) return true;
        return false;
    }
    // Object::notify in the model: every observer whose wanted signals are
    // present is woken, once per observer.
    void notify_model(int id) {
        Signals now = model_signals(id);
        for (int p = 0; p < kProcesses; p++) {
            Process& pr = procs_[p];
            if (!pr.waiting) continue;
            for (size_t i = 0; i < pr.wait_count; i++)
                if (pr.wait_ids[i] == id && (pr.items[i].wanted & now)) expected_wakes_.push_back(p);
        }
    }
    // Counted by (string literal, error) here, named in flush_counts().
    void count(const char* op, Error e) { counts_[{op, e}]++; }
    void flush_counts() {
        for (auto& [key, n] : counts_) coverage_[std::string(key.first) + ":" + rvos::error_name(key.second)] += n;
        counts_.clear();
    }

    Op choose_op() {
        size_t op = rng_.weighted(weights_);
        if (!any_runnable()) return kExit;  // everybody sleeps: only a kill makes progress
        return static_cast<Op>(op);
    }

    bool any_runnable() const {
        for (const Process& pr : procs_)
            if (!pr.waiting) return true;
        return false;
    }
    // A random runnable process, or kNone if all sleep.
    int pick_runnable() {
        int awake[kProcesses];
        int n = 0;
        for (int p = 0; p < kProcesses; p++)
            if (!procs_[p].waiting) awake[n++] = p;
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
        procs_[p].handles.each([&](Handle h, int e, Rights) {
            if (e == id && found == kNoHandle) found = h;
        });
        return found;
    }
    // Mostly a subset of `from`; sometimes any rights at all.
    Rights pick_rights(Rights from) {
        Rights r = static_cast<Rights>(rng_.next()) & rvos::kRightsAll;
        return rng_.percent(75) ? (r & from) : r;
    }

    void install_model(int p, int id, Rights rights, Handle got) {
        ASSERT_EQ(got, procs_[p].handles.lowest_free()) << "handles are handed out lowest number first";
        procs_[p].handles.set(got, id, rights);
    }

    void ref_model(int id) {
        if (is_memory(id)) {
            mems_[id - kMemoryBase].refs++;
            touched_memory_.push_back(id);
        } else {
            model(id).refs++;
        }
    }

    // The model's unref of each of `ids`: a memory object's last reference
    // frees it; an endpoint's closes it, drains its queue (dropping carried
    // references, possibly closing more endpoints), notifies an open peer
    // or, if the peer is closed too, frees the channel.
    void unref_model(const std::vector<int>& ids) {
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
        for (int id : ids)
            if (!::testing::Test::HasFatalFailure()) drop(id);
        while (!dying.empty() && !::testing::Test::HasFatalFailure()) {
            int ep = dying.back();
            dying.pop_back();
            // A waiter's process holds the endpoint, and exit unhooks its
            // observers first, so a closing endpoint is never observed.
            ASSERT_FALSE(observed_model(ep)) << "harness: closing an endpoint somebody waits on";
            ModelEnd& m = model(ep);
            ModelQueue queue = m.queue;
            m.queue.clear();
            model_queued_ -= m.bytes;
            m.bytes = 0;
            m.closed = true;
            queue.each([&](const ModelMessage& msg) {
                for (const Cap& cap : msg.caps) drop(cap.id);
            });
            ModelEnd& peer = model(ep ^ 1);
            if (peer.closed) {
                ModelChannel& c = chans_[ep / 2];
                c.live = false;
                live_reals_.erase(c.real);
                live_--;
            } else {
                notify_model(ep ^ 1);
            }
        }
    }

    // ChannelTable::collect_garbage in the model: whatever a handle names is
    // reachable, and so is whatever a reachable endpoint's queue carries;
    // every other open endpoint's queue is drained, which closes them all.
    // Returns how many channels were freed.
    size_t collect_model() {
        std::vector<bool> marked(chans_.size() * 2, false);
        std::vector<int> stack;
        auto mark = [&](int id) {
            if (is_memory(id) || peek(id).closed || marked[id]) return;
            marked[id] = true;
            stack.push_back(id);
        };
        for (Process& pr : procs_) pr.handles.each([&](Handle, int id, Rights) { mark(id); });
        while (!stack.empty()) {
            int ep = stack.back();
            stack.pop_back();
            peek(ep).queue.each([&](const ModelMessage& msg) {
                for (const Cap& cap : msg.caps) mark(cap.id);
            });
        }
        size_t before = live_;
        for (size_t c = 0; c < chans_.size() && !::testing::Test::HasFatalFailure(); c++) {
            if (!chans_[c].live) continue;
            for (int side = 0; side < 2; side++) {
                int ep = static_cast<int>(c) * 2 + side;
                if (!chans_[c].live || peek(ep).closed || marked[ep]) continue;
                ModelEnd& m = model(ep);
                m.refs++;  // held open while its queue drains
                std::vector<int> carried;
                m.queue.each([&](const ModelMessage& msg) {
                    for (const Cap& cap : msg.caps) carried.push_back(cap.id);
                });
                m.queue.clear();
                model_queued_ -= m.bytes;
                m.bytes = 0;
                unref_model(carried);
                unref_model({ep});
            }
        }
        return before - live_;
    }

    // Both the kernel's collection and the model's; they must agree.
    size_t collect_both() {
        collecting_world = this;
        size_t freed = table_->collect_garbage(mark_world_roots);
        collecting_world = nullptr;
        size_t expect = collect_model();
        EXPECT_EQ(freed, expect) << "channels freed by collection";
        if (!allow_cycles_) {
            EXPECT_EQ(freed, 0u) << "without cycles, reference counting leaves nothing to collect";
        }
        coverage_["gc:collected channels"] += freed;
        return freed;
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
        case kDiscard: do_discard(p, pick_handle(p)); break;
        case kClose: do_close(p, pick_handle(p)); break;
        case kDup: do_dup(p, pick_handle(p)); break;
        case kShare: do_share(p, pick_handle(p), static_cast<int>(rng_.below(kProcesses))); break;
        case kWait: do_wait(p); break;
        case kExit: do_exit(static_cast<int>(rng_.below(kProcesses))); break;
        case kMemCreate: do_mem_create(p); break;
        case kMemMap: do_mem_map(p, pick_handle(p)); break;
        case kLeakCycle: do_leak_cycle(p); break;
        default: break;
        }
        if (::testing::Test::HasFatalFailure()) return;
        after_op();
    }

    // ipc::create_channel, and process.cpp's connect() when q != p: room
    // first, then a channel (collecting once if the table is full), then
    // both handles.
    void do_create(int p) { do_connect(p, p); }

    void do_connect(int p, int q) {
        const char* name = p == q ? "create" : "connect";
        bool room = p == q ? procs_[p].handles.size() + 2 <= kMaxHandles
                           : procs_[p].handles.size() < kMaxHandles && procs_[q].handles.size() < kMaxHandles;
        Error got = Error::None;
        Channel* channel = nullptr;
        Handle a = kNoHandle, b = kNoHandle;
        bool real_room = p == q ? procs_[p].table.free_slots() >= 2 : !procs_[p].table.full() && !procs_[q].table.full();
        size_t collected = 0;
        if (!real_room) {
            got = Error::HandleTableFull;
        } else {
            auto created = table_->create();
            if (created.is_error()) {
                collecting_world = this;
                collected = table_->collect_garbage(mark_world_roots);
                collecting_world = nullptr;
                if (collected > 0) created = table_->create();
            }
            if (created.is_error()) {
                got = created.error();
            } else {
                channel = created.value();
                a = procs_[p].table.install(&channel->ends[0], kChannelRights).value();
                b = procs_[q].table.install(&channel->ends[1], kChannelRights).value();
            }
        }
        Error expect = Error::None;
        size_t expect_collected = 0;
        if (!room) {
            expect = Error::HandleTableFull;
        } else if (live_ == kMaxChannels) {
            expect_collected = collect_model();
            if (::testing::Test::HasFatalFailure()) return;
            if (expect_collected == 0) expect = Error::ChannelTableFull;
        }
        count(name, got);
        ASSERT_EQ(collected, expect_collected) << "channels collected by a create on a full table";
        if (!allow_cycles_) {
            ASSERT_EQ(collected, 0u) << "without cycles, reference counting leaves nothing to collect";
        }
        coverage_["gc:collected channels"] += collected;
        if (collected && got == Error::None) count("create after collection", got);
        ASSERT_EQ(got, expect);
        if (got != Error::None) return;
        int ep = add_channel(channel);
        if (::testing::Test::HasFatalFailure()) return;
        install_model(p, ep, kChannelRights, a);
        install_model(q, ep + 1, kChannelRights, b);
    }

    int add_channel(Channel* channel) {
        EXPECT_EQ(live_reals_.count(channel), 0u) << "create handed out a channel that is still in use";
        EXPECT_EQ(channel->table, table_.get());
        for (const Endpoint& end : channel->ends) {
            EXPECT_EQ(end.ref_count(), 1u);
            EXPECT_FALSE(end.closed);
            EXPECT_FALSE(end.observed());
            EXPECT_TRUE(end.queue.empty());
            EXPECT_EQ(end.queue.bytes(), 0u);
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
            h = pr.table.install(mem_real_.back().get(), kMemoryRights).value();
        }
        count("mem_create", got);
        ASSERT_EQ(got, expect);
        if (got != Error::None) return;
        int id = kMemoryBase + static_cast<int>(mems_.size() - 1);
        touched_memory_.push_back(id);
        install_model(p, id, kMemoryRights, h);
    }

    // sys_mem_map's handle checks; a mapping holds a reference until exit.
    void do_mem_map(int p, Handle h) {
        Process& pr = procs_[p];
        bool writable = rng_.percent(50);
        Rights needed = rvos::kRightMap | (writable ? rvos::kRightMapWrite : 0);
        int id = model_id(p, h);
        Error expect = id == kNone                                            ? Error::BadHandle
                       : !is_memory(id)                                       ? Error::WrongType
                       : (procs_[p].handles.rights(h) & needed) != needed     ? Error::AccessDenied
                                                                              : Error::None;
        Error got = Error::None;
        auto named = pr.table.get<FakeMemory>(h, needed);
        if (named.is_error()) got = named.error();
        else named.value()->ref();
        count("mem_map", got);
        ASSERT_EQ(got, expect);
        if (got != Error::None) return;
        ASSERT_EQ(named.value(), object(id));
        ref_model(id);
        pr.mappings.push_back(id);
    }

    // The handles to carry (maybe none).
    std::vector<Handle> pick_caps(int p, Handle h) {
        int from = model_id(p, h);
        bool from_endpoint = from != kNone && !is_memory(from);
        std::vector<Handle> caps;
        unsigned r = static_cast<unsigned>(rng_.below(100));
        size_t n = r < 45 ? 0 : r < 85 ? 1 : r < 99 ? 2 + rng_.below(3) : rvos::kMaxMessageHandles + 1;
        for (size_t i = 0; i < n; i++) {
            unsigned k = static_cast<unsigned>(rng_.below(100));
            Handle cap;
            if (k < 20) cap = h;                                                 // the sending endpoint itself
            else if (k < 30 && from_endpoint) cap = handle_of(p, from ^ 1);      // the receiving endpoint: BadArgument
            else if (k < 35 && !caps.empty()) cap = caps.back();                 // twice: BadArgument
            else if (k < 96) cap = pick_handle(p);                               // anything we hold
            else cap = static_cast<Handle>(rng_.below(72)) - 4;                  // maybe garbage
            if (cap == kNoHandle) cap = h;
            int carried = model_id(p, cap);
            // Acyclic runs only carry an endpoint into a queue of a larger id
            // (the receiving endpoint itself is allowed: it is refused).
            // Memory objects hold nothing, so they never close a cycle.
            if (!allow_cycles_ && from_endpoint && carried != kNone && !is_memory(carried) && carried > (from ^ 1))
                continue;
            caps.push_back(cap);
        }
        return caps;
    }

    size_t pick_length() {
        if (rng_.percent(big_percent_)) {
            if (rng_.percent(2)) return rvos::kMaxMessageBytes + 1;  // BadArgument
            return rvos::kMaxMessageBytes - rng_.below(2048);
        }
        return 4 + rng_.below(61);
    }

    // task_ipc.cpp's send, check for check.
    Error real_send(Process& pr, Handle h, const std::vector<Handle>& handles, size_t length, uint32_t id,
                    int sender) {
        auto from = pr.table.get<Endpoint>(h, rvos::kRightWrite);
        if (from.is_error()) return from.error();
        size_t count = handles.size();
        if (length > rvos::kMaxMessageBytes || count > rvos::kMaxMessageHandles) return Error::BadArgument;
        for (size_t i = 0; i < count; i++) {
            auto entry = pr.table.lookup(handles[i]);
            if (entry.is_error()) return entry.error();
            if (!(entry.value().rights & rvos::kRightTransfer)) return Error::AccessDenied;
            for (size_t k = 0; k < i; k++)
                if (handles[k] == handles[i]) return Error::BadArgument;
        }
        auto allocated = MessageNode::allocate(length, count);
        if (allocated.is_error()) return allocated.error();
        MessageNode* node = allocated.value();
        std::memset(node->bytes(), static_cast<int>(id & 0xff), length);
        std::memcpy(node->bytes(), &id, 4);
        for (size_t i = 0; i < count; i++) node->handles()[i] = pr.table.lookup(handles[i]).value();
        node->sender_pid = static_cast<uint32_t>(sender);
        Error error = ipc::send(*from.value(), node);
        if (error != Error::None) {
            MessageNode::free(node, false);
            return error;
        }
        for (size_t i = 0; i < count; i++) (void)pr.table.take(handles[i]);
        return Error::None;
    }

    Error do_send(int p, Handle h, bool fresh_caps) {
        send_one(p, h, fresh_caps ? pick_caps(p, h) : std::vector<Handle>{}, pick_length());
        return ::testing::Test::HasFatalFailure() ? Error::BadSyscall : last_result_;
    }

    // create, then send each end carrying itself: a lands in b's queue and
    // b in a's, and the process holds neither any more.
    void do_leak_cycle(int p) {
        Handle a = procs_[p].handles.lowest_free();
        do_create(p);
        if (::testing::Test::HasFatalFailure() || model_id(p, a) == kNone || is_memory(model_id(p, a))) return;
        Handle b = handle_of(p, model_id(p, a) ^ 1);
        send_one(p, a, {a}, 4);
        if (::testing::Test::HasFatalFailure() || last_result_ != Error::None) return;
        send_one(p, b, {b}, 4);
        if (!::testing::Test::HasFatalFailure() && last_result_ == Error::None) count("leak_cycle", Error::None);
    }

    void send_one(int p, Handle h, const std::vector<Handle>& caps, size_t length) {
        uint32_t id = next_id_++;
        const HandleModel& handles = procs_[p].handles;
        int from = model_id(p, h);
        Error expect = Error::None;
        std::vector<Cap> carried;
        if (from == kNone) expect = Error::BadHandle;
        else if (is_memory(from)) expect = Error::WrongType;
        else if (!(handles.rights(h) & rvos::kRightWrite)) expect = Error::AccessDenied;
        else if (length > rvos::kMaxMessageBytes || caps.size() > rvos::kMaxMessageHandles) expect = Error::BadArgument;
        for (size_t i = 0; i < caps.size() && expect == Error::None; i++) {
            if (!handles.has(caps[i])) expect = Error::BadHandle;
            else if (!(handles.rights(caps[i]) & rvos::kRightTransfer)) expect = Error::AccessDenied;
            else if (std::find(caps.begin(), caps.begin() + static_cast<long>(i), caps[i]) != caps.begin() + static_cast<long>(i))
                expect = Error::BadArgument;
            else carried.push_back(Cap{handles.get(caps[i]), handles.rights(caps[i])});
        }
        size_t charge = charge_of(length, caps.size());
        if (expect == Error::None) {
            ModelEnd& to = model(from ^ 1);
            bool carries_receiver = false;
            for (const Cap& c : carried) carries_receiver = carries_receiver || c.id == (from ^ 1);
            if (model_queued_ + charge > ipc::kSystemQueueLimit) expect = Error::NoMemory;
            else if (carries_receiver) expect = Error::BadArgument;
            else if (to.closed) expect = Error::PeerClosed;
            else if (to.queue.size() == kQueueDepth || to.bytes + charge > rvos::kQueueBytes) expect = Error::QueueFull;
        }

        Error got = real_send(procs_[p], h, caps, length, id, p);
        count("send", got);
        last_result_ = got;
        ASSERT_EQ(got, expect) << "handle " << h << ", " << caps.size() << " caps, " << length << " bytes";
        if (got != Error::None) return;
        if (length > 4096) count("send big", got);
        if (caps.size() > 1) count("send several caps", got);
        for (size_t i = 0; i < caps.size(); i++) {
            count(is_memory(carried[i].id) ? "send memory" : carried[i].id == from ? "send self" : "send cap", got);
            if (carried[i].rights != kChannelRights && carried[i].rights != kMemoryRights)
                count("send reduced rights", got);
        }
        ModelEnd& to = model(from ^ 1);
        to.queue.push_back(ModelMessage{id, static_cast<uint32_t>(length), carried, p});
        to.bytes += charge;
        model_queued_ += charge;
        for (Handle cap : caps) procs_[p].handles.erase(cap);  // the references move into the queue
        notify_model(from ^ 1);
    }

    struct Received {
        uint32_t id = 0;
        size_t length = 0;
        uint32_t sender = 0;
        std::vector<Handle> handles;
    };

    // task_ipc.cpp's receive_now (kernel buffers: nothing to check there).
    Error real_receive(Process& pr, Handle h, size_t capacity, size_t handle_capacity, Received& out) {
        auto at = pr.table.get<Endpoint>(h, rvos::kRightRead);
        if (at.is_error()) return at.error();
        Endpoint& e = *at.value();
        if (e.queue.empty()) return e.peer().closed ? Error::PeerClosed : Error::WouldBlock;
        MessageNode* node = e.queue.front();
        if (node->length > capacity || node->handle_count > handle_capacity) return Error::BufferTooSmall;
        node = ipc::receive(e).value();
        out.length = node->length;
        out.sender = node->sender_pid;
        std::memcpy(&out.id, node->bytes(), 4);
        for (size_t i = 4; i < node->length; i += 997)
            if (node->bytes()[i] != static_cast<uint8_t>(out.id & 0xff)) out.length = 0;  // corrupted: flagged
        if (pr.table.free_slots() < node->handle_count) {
            MessageNode::free(node, true);
            return Error::HandleTableFull;
        }
        for (size_t i = 0; i < node->handle_count; i++) {
            HandleEntry entry = node->handles()[i];
            out.handles.push_back(pr.table.install(entry.object, entry.rights).value());
        }
        MessageNode::free(node, false);
        return Error::None;
    }

    Error do_receive(int p, Handle h) {
        receive_one(p, h);
        return ::testing::Test::HasFatalFailure() ? Error::BadSyscall : last_result_;
    }

    void receive_one(int p, Handle h) {
        size_t capacity = rng_.percent(90) ? rvos::kMaxMessageBytes : rng_.below(70);
        size_t handle_capacity = rng_.percent(90) ? rvos::kMaxMessageHandles : rng_.below(3);
        int at = model_id(p, h);
        const HandleModel& handles = procs_[p].handles;
        Error expect = Error::None;
        if (at == kNone) expect = Error::BadHandle;
        else if (is_memory(at)) expect = Error::WrongType;
        else if (!(handles.rights(h) & rvos::kRightRead)) expect = Error::AccessDenied;
        else if (model(at).queue.empty()) expect = model(at ^ 1).closed ? Error::PeerClosed : Error::WouldBlock;
        else if (model(at).queue.front().length > capacity || model(at).queue.front().caps.size() > handle_capacity)
            expect = Error::BufferTooSmall;  // the message stays queued
        else if (kMaxHandles - handles.size() < model(at).queue.front().caps.size())
            expect = Error::HandleTableFull;  // received, its handles closed

        Received out;
        Error got = real_receive(procs_[p], h, capacity, handle_capacity, out);
        count("receive", got);
        last_result_ = got;
        ASSERT_EQ(got, expect) << "handle " << h;
        if (got != Error::None && got != Error::HandleTableFull) return;
        ModelEnd& m = model(at);
        ModelMessage msg = m.queue.front();
        m.queue.pop_front();
        size_t charge = charge_of(msg.length, msg.caps.size());
        m.bytes -= charge;
        model_queued_ -= charge;
        ASSERT_EQ(out.id, msg.id) << "messages must arrive in FIFO order";
        ASSERT_EQ(out.length, msg.length) << "length, or the bytes were corrupted";
        ASSERT_EQ(out.sender, static_cast<uint32_t>(msg.sender));
        if (got == Error::HandleTableFull) {
            std::vector<int> dropped;
            for (const Cap& cap : msg.caps) dropped.push_back(cap.id);
            unref_model(dropped);
            return;
        }
        ASSERT_EQ(out.handles.size(), msg.caps.size());
        for (size_t i = 0; i < msg.caps.size(); i++) {
            count(is_memory(msg.caps[i].id) ? "receive memory" : "receive cap", Error::None);
            install_model(p, msg.caps[i].id, msg.caps[i].rights, out.handles[i]);
            if (::testing::Test::HasFatalFailure()) return;
            auto installed = procs_[p].table.lookup(out.handles[i]);
            ASSERT_FALSE(installed.is_error());
            ASSERT_EQ(installed.value().object, object(msg.caps[i].id)) << "the capability names what was sent";
            ASSERT_EQ(installed.value().rights, msg.caps[i].rights) << "and carries the rights it was sent with";
        }
    }

    // task_ipc.cpp's discard: the next message goes, with its handles.
    void do_discard(int p, Handle h) {
        Error got = Error::None;
        auto at = procs_[p].table.get<Endpoint>(h, rvos::kRightRead);
        if (at.is_error()) {
            got = at.error();
        } else {
            auto node = ipc::receive(*at.value());
            if (node.is_error()) got = node.error();
            else MessageNode::free(node.value(), true);
        }
        int id = model_id(p, h);
        Error expect = id == kNone                                               ? Error::BadHandle
                       : is_memory(id)                                           ? Error::WrongType
                       : !(procs_[p].handles.rights(h) & rvos::kRightRead)       ? Error::AccessDenied
                       : !model(id).queue.empty()                                ? Error::None
                       : model(id ^ 1).closed                                    ? Error::PeerClosed
                                                                                 : Error::WouldBlock;
        count("discard", got);
        ASSERT_EQ(got, expect);
        if (got != Error::None) return;
        ModelEnd& m = model(id);
        ModelMessage msg = m.queue.front();
        m.queue.pop_front();
        size_t charge = charge_of(msg.length, msg.caps.size());
        m.bytes -= charge;
        model_queued_ -= charge;
        std::vector<int> dropped;
        for (const Cap& cap : msg.caps) dropped.push_back(cap.id);
        unref_model(dropped);
    }

    void do_close(int p, Handle h) {
        int id = model_id(p, h);
        Error got = procs_[p].table.close(h);
        count("close", got);
        ASSERT_EQ(got, id == kNone ? Error::BadHandle : Error::None) << "handle " << h;
        if (id == kNone) return;
        procs_[p].handles.erase(h);
        unref_model({id});
    }

    // handle_duplicate: a second handle in the same table, never with more
    // rights, only from a handle with kRightDuplicate.
    void do_dup(int p, Handle h) {
        const HandleModel& handles = procs_[p].handles;
        Rights rights = pick_rights(handles.rights(h));
        int id = model_id(p, h);
        Rights source = handles.rights(h);
        Error expect = id == kNone                                                   ? Error::BadHandle
                       : !(source & rvos::kRightDuplicate) || (rights & ~source)     ? Error::AccessDenied
                       : handles.size() == kMaxHandles                               ? Error::HandleTableFull
                                                                                     : Error::None;
        auto copy = procs_[p].table.duplicate(h, rights);
        Error got = copy.is_error() ? copy.error() : Error::None;
        count("dup", got);
        if (got == Error::None && rights != source) count("dup fewer rights", got);
        ASSERT_EQ(got, expect) << "rights " << rights << " from " << source;
        if (got != Error::None) return;
        ref_model(id);
        install_model(p, id, rights, copy.value());
    }

    // Test-only: the same object with the same rights in process q's table.
    void do_share(int p, Handle h, int q) {
        int id = model_id(p, h);
        Error expect = id == kNone                                   ? Error::BadHandle
                       : procs_[q].handles.size() == kMaxHandles     ? Error::HandleTableFull
                                                                     : Error::None;
        Error got = Error::None;
        Handle copy = kNoHandle;
        auto e = procs_[p].table.lookup(h);
        if (e.is_error()) {
            got = e.error();
        } else if (procs_[q].table.full()) {
            got = Error::HandleTableFull;
        } else {
            e.value().object->ref();
            copy = procs_[q].table.install(e.value().object, e.value().rights).value();
        }
        count("share", got);
        ASSERT_EQ(got, expect);
        if (got != Error::None) return;
        ref_model(id);
        install_model(q, id, procs_[p].handles.rights(h), copy);
    }

    // The first half of wait.cpp's wait(): the ready index, an error, or
    // kBlocked with the observers hooked (the task then sleeps until woken).
    int real_wait(Process& pr, size_t count, bool poll, Error& error) {
        for (size_t i = 0; i < count; i++) {
            auto entry = pr.table.lookup(pr.items[i].handle);
            if (entry.is_error()) {
                error = entry.error();
                return kNone;
            }
            if (!(entry.value().rights & rvos::kRightWait)) {
                error = Error::AccessDenied;
                return kNone;
            }
            pr.objects[i] = entry.value().object;
        }
        size_t ready = pick_ready(pr.objects, pr.items, count);
        if (ready != count) return static_cast<int>(ready);
        if (poll) {
            error = Error::TimedOut;
            return kNone;
        }
        for (size_t i = 0; i < count; i++) {
            pr.observers[i].task = &pr.task;
            pr.observers[i].wanted = pr.items[i].wanted;
            pr.objects[i]->observe(pr.observers[i]);
        }
        pr.wait_count = count;
        return kBlocked;
    }

    // The model's pick_ready over model ids.
    int model_pick(const int* ids, const rvos::WaitItem* items, size_t count) {
        int first = kNone;
        for (size_t i = 0; i < count; i++)
            if ((model_signals(ids[i]) & items[i].wanted) && first == kNone) first = static_cast<int>(i);
        for (size_t i = 0; i < count; i++) {
            Signals s = model_signals(ids[i]);
            if ((s & items[i].wanted & rvos::kSignalPeerClosed) && !(s & rvos::kSignalReadable))
                return static_cast<int>(i);
        }
        return first;
    }

    void do_wait(int p) {
        Process& pr = procs_[p];
        size_t n = 1 + rng_.below(3);
        static const Signals kWanted[] = {rvos::kSignalReadable, rvos::kSignalPeerClosed,
                                          rvos::kSignalReadable | rvos::kSignalPeerClosed, rvos::kSignalFired};
        for (size_t i = 0; i < n; i++) {
            pr.items[i] = rvos::WaitItem{pick_handle(p), kWanted[rng_.below(rng_.percent(95) ? 3 : 4)], 0};
            pr.wait_ids[i] = model_id(p, pr.items[i].handle);
        }
        // Prefer an endpoint another process already sleeps on (shared via
        // share): ABI v1 refused that (Busy); now both wait.
        if (rng_.percent(50)) {
            pr.handles.each([&](Handle h, int id, Rights) {
                if (!is_memory(id) && observed_model(id)) {
                    pr.items[n - 1].handle = h;
                    pr.wait_ids[n - 1] = id;
                }
            });
        }
        bool poll = rng_.percent(15);
        Error expect = Error::None;
        for (size_t i = 0; i < n && expect == Error::None; i++) {
            if (pr.wait_ids[i] == kNone) expect = Error::BadHandle;
            else if (!(pr.handles.rights(pr.items[i].handle) & rvos::kRightWait)) expect = Error::AccessDenied;
        }
        int expect_index = kBlocked;
        if (expect == Error::None) {
            expect_index = model_pick(pr.wait_ids, pr.items, n);
            if (expect_index == kNone) expect_index = kBlocked;
            if (expect_index == kBlocked && poll) expect = Error::TimedOut;
        }
        bool shared = false;
        for (size_t i = 0; i < n; i++) shared = shared || (pr.wait_ids[i] != kNone && observed_model(pr.wait_ids[i]));
        Error got = Error::None;
        int index = real_wait(pr, n, poll, got);
        count(index == kBlocked ? (shared ? "wait:blocked shared" : "wait:blocked") : index >= 0 ? "wait:ready" : "wait",
              got);
        ASSERT_EQ(got, expect);
        if (got != Error::None) return;
        ASSERT_EQ(index, expect_index);
        for (size_t i = 0; i < n; i++) ASSERT_EQ(pr.items[i].observed, model_signals(pr.wait_ids[i])) << "item " << i;
        if (index != kBlocked) return;
        pr.waiting = true;
        for (size_t i = 0; i < n; i++) touched_.push_back(is_memory(pr.wait_ids[i]) ? 0 : pr.wait_ids[i] / 2);
    }

    void unhook(Process& pr) {
        for (size_t i = 0; i < pr.wait_count; i++)
            if (pr.observers[i].object) pr.observers[i].object->forget(pr.observers[i]);
        pr.wait_count = 0;
        pr.waiting = false;
    }

    // A process exits (or is killed): lifecycle.cpp's exit_current —
    // abandon_wait, close_all, collect — then its address space goes,
    // dropping the mappings' references.
    void do_exit(int p) {
        Process& pr = procs_[p];
        for (size_t i = 0; i < pr.wait_count; i++)
            if (!is_memory(pr.wait_ids[i])) touched_.push_back(pr.wait_ids[i] / 2);
        unhook(pr);
        pr.table.close_all();
        count("exit", Error::None);
        std::vector<int> closed;
        pr.handles.each([&](Handle, int id, Rights) { closed.push_back(id); });
        pr.handles.clear();
        unref_model(closed);
        if (::testing::Test::HasFatalFailure()) return;
        collect_both();
        if (::testing::Test::HasFatalFailure()) return;
        for (int id : pr.mappings) object(id)->unref();
        unref_model(pr.mappings);
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
        // The woken tasks run: wait() unhooks its observers and finds a
        // ready item.
        for (int p : std::set<int>(woken.begin(), woken.end())) {
            Process& pr = procs_[p];
            ASSERT_TRUE(pr.waiting) << "woke a task that was not waiting";
            size_t n = pr.wait_count;
            unhook(pr);
            size_t ready = pick_ready(pr.objects, pr.items, n);
            ASSERT_NE(ready, n) << "a wake-up must leave a waited-on item ready";
            ASSERT_EQ(static_cast<int>(ready), model_pick(pr.wait_ids, pr.items, n));
            for (size_t i = 0; i < n; i++)
                if (!is_memory(pr.wait_ids[i])) touched_.push_back(pr.wait_ids[i] / 2);
        }
        compare_with_kernel(++ops_done_ % 64 == 0);
    }

    bool message_matches(MessageNode* r, const ModelMessage& m) {
        uint32_t id;
        std::memcpy(&id, r->bytes(), 4);
        if (id != m.id || r->length != m.length || r->handle_count != m.caps.size()) return false;
        if (r->charge != charge_of(m.length, m.caps.size())) return false;
        for (size_t i = 0; i < m.caps.size(); i++)
            if (r->handles()[i].object != object(m.caps[i].id) || r->handles()[i].rights != m.caps[i].rights)
                return false;
        return true;
    }

    // The kernel's state of endpoint `ep` agrees with the model's (plain
    // comparisons: this runs for many endpoints after every op).
    bool endpoint_matches(int ep) {
        ModelEnd& m = peek(ep);
        Endpoint& r = real(ep);
        if (r.closed != m.closed) return false;
        if (m.closed) return r.queue.empty();
        if (r.ref_count() != m.refs) return false;
        if (r.queue.size() > kQueueDepth || r.queue.size() != m.queue.size()) return false;
        if (r.queue.bytes() > rvos::kQueueBytes || r.queue.bytes() != m.bytes) return false;
        if (!m.queue.empty() && !message_matches(r.queue.front(), m.queue.front())) return false;
        if (r.observed() != observed_model(ep)) return false;
        return r.signals() == model_signals(ep);
    }

    // The same comparisons as assertions, to say what differs.
    void explain_endpoint(int ep) {
        ModelEnd& m = peek(ep);
        Endpoint& r = real(ep);
        SCOPED_TRACE(::testing::Message() << "endpoint " << ep << " (channel " << ep / 2 << " side " << ep % 2 << ")");
        ASSERT_EQ(r.closed, m.closed);
        if (m.closed) {
            ASSERT_TRUE(r.queue.empty());
        } else {
            ASSERT_EQ(r.ref_count(), m.refs);
            ASSERT_LE(r.queue.size(), kQueueDepth);
            ASSERT_EQ(r.queue.size(), m.queue.size());
            ASSERT_LE(r.queue.bytes(), rvos::kQueueBytes);
            ASSERT_EQ(r.queue.bytes(), m.bytes);
            if (!m.queue.empty()) {
                ASSERT_TRUE(message_matches(r.queue.front(), m.queue.front())) << "queue head";
            }
            ASSERT_EQ(r.observed(), observed_model(ep));
            ASSERT_EQ(r.signals(), model_signals(ep));
        }
        FAIL() << "endpoint_matches and explain_endpoint disagree";
    }

    void compare_memory(int id) {
        const ModelMemory& m = mems_[id - kMemoryBase];
        const FakeMemory& r = *mem_real_[id - kMemoryBase];
        ASSERT_LE(r.gone, 1) << "memory object " << id - kMemoryBase << " freed twice";
        ASSERT_EQ(r.gone == 1, m.freed) << "memory object " << id - kMemoryBase;
        ASSERT_EQ(r.ref_count(), m.freed ? 0u : m.refs) << "memory object " << id - kMemoryBase;
    }

    // Compares the channels and memory objects the op touched (all of them
    // when `everything`), the channel count, queued bytes and handle counts.
    void compare_with_kernel(bool everything) {
        if (table_->in_use() != live_ || live_reals_.size() != live_) {
            ASSERT_EQ(table_->in_use(), live_) << "live channels";
            ASSERT_EQ(live_reals_.size(), live_);
        }
        ASSERT_EQ(ipc::queued_bytes(), model_queued_) << "bytes queued system-wide";
        ASSERT_LE(model_queued_, rvos::kMaxQueuedBytes);
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
            if (c >= chans_.size() || !chans_[c].live) continue;  // released (its slot may be reused)
            Channel* channel = chans_[c].real;
            ASSERT_EQ(live_reals_.at(channel), c);
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

    // The model checks itself: reference counts and queued bytes re-derived
    // from the handle tables, mappings and queues, and the handle tables
    // compared in full (object, rights, typed lookups).
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
                auto e = pr.table.lookup(h);
                if (id == kNone) {
                    ASSERT_EQ(e.error(), Error::BadHandle) << "handle " << h;
                    continue;
                }
                note(id);
                ASSERT_FALSE(e.is_error());
                ASSERT_EQ(e.value().object, object(id));
                ASSERT_EQ(e.value().rights, pr.handles.rights(h));
                auto endpoint = pr.table.get<Endpoint>(h, 0);
                if (is_memory(id)) {
                    ASSERT_EQ(endpoint.error(), Error::WrongType);
                } else {
                    ASSERT_FALSE(endpoint.is_error());
                    ASSERT_EQ(endpoint.value(), &real(id));
                }
            }
            for (int id : pr.mappings) note(id);
        }
        size_t bytes = 0;
        for (size_t ep = 0; ep < refs.size(); ep++) {
            size_t here = 0;
            peek(static_cast<int>(ep)).queue.each([&](const ModelMessage& m) {
                for (const Cap& cap : m.caps) note(cap.id);
                here += charge_of(m.length, m.caps.size());
            });
            ASSERT_EQ(here, peek(static_cast<int>(ep)).bytes) << "endpoint " << ep;
            bytes += here;
        }
        ASSERT_EQ(bytes, model_queued_);
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
    unsigned big_percent_ = 0;
    std::unique_ptr<ChannelTable> table_ = std::make_unique<ChannelTable>();
    Process procs_[kProcesses];
    std::vector<ModelChannel> chans_;
    std::map<Channel*, size_t> live_reals_;  // live channel -> index in chans_
    size_t live_ = 0;
    size_t model_queued_ = 0;
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

void mark_world_roots(ipc::Marker& marker) { collecting_world->mark_roots(marker); }

void run_worlds(bool allow_cycles, uint64_t first_seed, size_t seed_count, size_t ops, Coverage& coverage) {
    for (uint64_t seed : seeds(first_seed, seed_count)) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed << " (rerun: RVOS_RANDOM_SEED=" << seed << ")");
        ASSERT_EQ(ipc::queued_bytes(), 0u) << "an earlier test left messages queued";
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
    expect_covered(coverage,
                   {"create:ok", "create:handle table full", "create:channel table full", "connect:ok", "send:ok",
                    "send:queue full", "send:peer closed", "send:bad handle", "send:wrong handle type",
                    "send:access denied", "send:bad argument", "send cap:ok", "send self:ok", "send memory:ok",
                    "send big:ok", "send several caps:ok", "send reduced rights:ok", "receive:ok", "receive cap:ok",
                    "receive memory:ok", "receive:would block", "receive:peer closed", "receive:handle table full",
                    "receive:buffer too small", "receive:bad handle", "receive:wrong handle type",
                    "receive:access denied", "discard:ok", "close:ok", "close:bad handle", "dup:ok",
                    "dup fewer rights:ok", "dup:access denied", "dup:handle table full", "share:ok",
                    "wait:blocked:ok", "wait:blocked shared:ok", "wait:ready:ok", "wait:timed out",
                    "wait:bad handle", "wait:access denied", "wake:ok", "exit:ok", "mem_create:ok", "mem_map:ok",
                    "mem_map:wrong handle type", "mem_map:access denied"});
    RecordProperty("ops", static_cast<int>(scaled(5000) * 20));
}

TEST(RandomIpc, CyclicTrafficIsCollected) {
    Coverage coverage;
    run_worlds(true, 1001, 10, 5000, coverage);
    if (HasFatalFailure()) return;
    expect_covered(coverage, {"send cap:ok", "send self:ok", "receive cap:ok", "exit:ok", "wake:ok", "send:out of memory",
                              "gc:collected channels", "create after collection:ok"});
    RecordProperty("collected_channels", static_cast<int>(coverage["gc:collected channels"]));
}

// ---- Capability cycles: freed by collection when the process exits -------------
// Reference counting alone cannot free a cycle; the kernel runs
// ChannelTable::collect_garbage when a process exits, with every handle
// table as the roots.

HandleTable* exiting_process = nullptr;
void mark_process_roots(ipc::Marker& marker) {
    exiting_process->for_each([&](ipc::Object& object) { marker.mark(object); });
}

Error send_carrying(Endpoint& from, HandleEntry carried) {
    MessageNode* node = MessageNode::allocate(0, 1).value();
    node->handles()[0] = carried;
    Error error = ipc::send(from, node);
    if (error != Error::None) MessageNode::free(node, false);
    return error;
}

TEST(IpcCapabilityCycles, ChannelWhoseEndsAreQueuedInEachOtherIsFreedWhenItsProcessExits) {
    auto table = std::make_unique<ChannelTable>();
    HandleTable process;
    Channel* c = table->create().value();
    Handle a = process.install(&c->ends[0], kChannelRights).value();
    Handle b = process.install(&c->ends[1], kChannelRights).value();
    // a travels to b's queue, read-only; b to a's queue, send-only.
    ASSERT_EQ(send_carrying(c->ends[0], HandleEntry{&c->ends[0], rvos::kRightRead}), Error::None);
    (void)process.take(a);
    ASSERT_EQ(send_carrying(c->ends[1], HandleEntry{&c->ends[1], rvos::kRightWrite}), Error::None);
    (void)process.take(b);
    process.close_all();  // the process exits holding nothing
    EXPECT_EQ(table->in_use(), 1u) << "a cycle survives reference counting";
    exiting_process = &process;
    EXPECT_EQ(table->collect_garbage(mark_process_roots), 1u);
    EXPECT_EQ(table->in_use(), 0u);
    EXPECT_EQ(ipc::queued_bytes(), 0u);
}

TEST(IpcCapabilityCycles, TwoChannelsCarryingEachOthersReceiversAreFreedWhenTheProcessExits) {
    auto table = std::make_unique<ChannelTable>();
    HandleTable process;
    Channel* c1 = table->create().value();
    Channel* c2 = table->create().value();
    for (Channel* c : {c1, c2})
        for (Endpoint& e : c->ends) (void)process.install(&e, kChannelRights);  // handles 0..3
    ASSERT_EQ(send_carrying(c1->ends[0], process.lookup(3).value()), Error::None);  // c2.b queued at c1.b
    (void)process.take(3);
    ASSERT_EQ(send_carrying(c2->ends[0], process.lookup(1).value()), Error::None);  // c1.b queued at c2.b
    (void)process.take(1);
    process.close_all();
    exiting_process = &process;
    EXPECT_EQ(table->collect_garbage(mark_process_roots), 2u);
    EXPECT_EQ(table->in_use(), 0u);
    EXPECT_EQ(ipc::queued_bytes(), 0u);
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
