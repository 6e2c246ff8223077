// Capability cycles and their collection (ChannelTable::collect_garbage),
// with rights on the carried handles, and the PeerClosed signal a held end
// shows when its peer is collected or closed.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "ipc_support.h"
#include "ipc/channel.h"
#include "test_support.h"

using ipc::Channel;
using ipc::ChannelTable;
using ipc::Endpoint;
using ipc_test::entry;
using ipc_test::receive_message;
using ipc_test::send_message;
using rvos::Error;

namespace {

// The objects the test's "processes" hold handles to: the GC roots.
std::vector<ipc::Object*> roots;

void mark_test_roots(ipc::Marker& marker) {
    for (ipc::Object* object : roots) marker.mark(*object);
}

constexpr rvos::Rights kReadOnly = rvos::kRightRead | rvos::kRightWait;
constexpr rvos::Rights kSendOnly = rvos::kRightWrite | rvos::kRightTransfer;

class ChannelGcTest : public ::testing::Test {
protected:
    void SetUp() override {
        fake::clear_wakes();
        roots.clear();
        ASSERT_EQ(ipc::queued_bytes(), 0u);
    }
    void TearDown() override { ipc_test::drain_everything(*table); }
    Channel* make() {
        auto created = table->create();
        EXPECT_FALSE(created.is_error());
        return created.value();
    }
    std::unique_ptr<ChannelTable> table = std::make_unique<ChannelTable>();
};

TEST_F(ChannelGcTest, TwoChannelsQueuedOnEachOtherAreFreedOnlyByCollection) {
    Channel* x = make();
    Channel* y = make();
    // x's far end waits in y's queue and y's far end in x's queue.
    ASSERT_EQ(send_message(y->ends[0], 1, {entry(x->ends[1], kReadOnly)}), Error::None);
    ASSERT_EQ(send_message(x->ends[0], 2, {entry(y->ends[1], kSendOnly)}), Error::None);
    x->ends[0].unref();
    y->ends[0].unref();
    EXPECT_EQ(table->in_use(), 2u) << "a cycle survives plain reference counting";
    EXPECT_GT(ipc::queued_bytes(), 0u);
    EXPECT_EQ(table->collect_garbage(mark_test_roots), 2u);
    EXPECT_EQ(table->in_use(), 0u);
    EXPECT_EQ(ipc::queued_bytes(), 0u);
    // The pool is intact afterwards.
    std::vector<Channel*> all;
    for (size_t i = 0; i < rvos::kMaxChannels; i++) {
        auto created = table->create();
        ASSERT_FALSE(created.is_error()) << i;
        all.push_back(created.value());
    }
    for (Channel* c : all)
        for (Endpoint& end : c->ends) end.unref();
}

TEST_F(ChannelGcTest, CapabilityCyclesWithRightsAndLeafObjectsAreFreedByCollection) {
    // A ring of four channels, each receiving end queued (with reduced
    // rights, next to a leaf object) in the next channel's receiving end.
    constexpr size_t kRing = 4;
    Channel* ring[kRing];
    ipc_test::TestObject leaves[kRing];
    for (auto& c : ring) c = make();
    for (size_t i = 0; i < kRing; i++) {
        rvos::Rights rights = i % 2 ? kReadOnly : kSendOnly;
        ASSERT_EQ(send_message(ring[(i + 1) % kRing]->ends[0], static_cast<uint32_t>(i),
                               {entry(ring[i]->ends[1], rights), entry(leaves[i], rvos::kRightRead)}),
                  Error::None);
    }
    for (Channel* c : ring) c->ends[0].unref();
    EXPECT_EQ(table->in_use(), kRing);
    for (auto& leaf : leaves) EXPECT_EQ(leaf.gone, 0);
    EXPECT_EQ(table->collect_garbage(mark_test_roots), kRing);
    EXPECT_EQ(table->in_use(), 0u);
    for (auto& leaf : leaves) EXPECT_EQ(leaf.gone, 1) << "the leaf's only reference was in the cycle";
    EXPECT_EQ(ipc::queued_bytes(), 0u);
}

TEST_F(ChannelGcTest, ACycleReachableFromAHeldEndpointIsKept) {
    // held.ends[1] (a root) holds in its queue x.ends[0], whose queue holds
    // its own peer x.ends[1]: no handle names x, but it is reachable.
    Channel* held = make();
    Channel* x = make();
    ASSERT_EQ(send_message(x->ends[1], 1, {entry(x->ends[1], kSendOnly)}), Error::None);
    ASSERT_EQ(send_message(held->ends[0], 2, {entry(x->ends[0], kReadOnly)}), Error::None);
    roots = {&held->ends[1]};
    held->ends[0].unref();
    EXPECT_EQ(table->collect_garbage(mark_test_roots), 0u);
    EXPECT_EQ(table->in_use(), 2u);
    auto got = receive_message(held->ends[1]);
    ASSERT_EQ(got.error, Error::None);
    ASSERT_EQ(got.handles.size(), 1u);
    EXPECT_EQ(got.handles[0].object, &x->ends[0]);
    EXPECT_EQ(got.handles[0].rights, kReadOnly) << "rights survive the collection untouched";
    auto inner = receive_message(x->ends[0]);
    ASSERT_EQ(inner.error, Error::None);
    ASSERT_EQ(inner.handles.size(), 1u);
    EXPECT_EQ(inner.handles[0].object, &x->ends[1]);
    EXPECT_EQ(inner.handles[0].rights, kSendOnly);
    x->ends[1].unref();
    x->ends[0].unref();
    held->ends[1].unref();
    EXPECT_EQ(table->in_use(), 0u);
}

TEST_F(ChannelGcTest, CapabilitiesQueuedOnAHeldEndpointAreKept) {
    Channel* held = make();
    Channel* carried = make();
    ASSERT_EQ(send_message(held->ends[0], 1, {entry(carried->ends[0], kReadOnly)}), Error::None);
    carried->ends[1].unref();
    roots = {&held->ends[0], &held->ends[1]};
    EXPECT_EQ(table->collect_garbage(mark_test_roots), 0u);
    EXPECT_EQ(table->in_use(), 2u);
    EXPECT_FALSE(carried->ends[0].closed);
    auto got = receive_message(held->ends[1]);
    ASSERT_EQ(got.error, Error::None);
    ASSERT_EQ(got.handles.size(), 1u);
    EXPECT_EQ(got.handles[0].object, &carried->ends[0]);
    EXPECT_EQ(got.handles[0].rights, kReadOnly);
    got.handles[0].object->unref();
    held->ends[0].unref();
    held->ends[1].unref();
    EXPECT_EQ(table->in_use(), 0u);
}

TEST_F(ChannelGcTest, AnEndpointNobodyCanReadIsClosedAndItsPeerSeesPeerClosed) {
    Channel* c = make();
    Channel* cycle = make();
    // c.ends[1] is only referenced from cycle's queue, and cycle's ends only
    // from each other's... c.ends[0] stays held.
    ASSERT_EQ(send_message(cycle->ends[1], 2, {entry(cycle->ends[0])}), Error::BadArgument)
        << "no endpoint in its own queue";
    ASSERT_EQ(send_message(cycle->ends[1], 1, {entry(cycle->ends[1])}), Error::None);
    ASSERT_EQ(send_message(cycle->ends[0], 3, {entry(cycle->ends[0]), entry(c->ends[1])}), Error::None);
    EXPECT_EQ(table->in_use(), 2u) << "each end of cycle is queued only at the other";
    Task waiter{7};
    ipc::Observer observer{&waiter, rvos::kSignalPeerClosed};
    c->ends[0].observe(observer);
    roots = {&c->ends[0]};
    EXPECT_EQ(table->collect_garbage(mark_test_roots), 1u);
    EXPECT_TRUE(c->ends[1].closed);
    EXPECT_EQ(c->ends[0].signals(), rvos::kSignalPeerClosed);
    ASSERT_EQ(fake::wakes().size(), 1u) << "collection closing the peer wakes the holder";
    EXPECT_EQ(fake::wakes()[0], &waiter);
    c->ends[0].forget(observer);
    EXPECT_EQ(receive_message(c->ends[0]).error, Error::PeerClosed);
    c->ends[0].unref();
    EXPECT_EQ(table->in_use(), 0u);
}

// A stand-in for a process object: traced, it leads to what its "handles"
// name; the test's sweep records whether it was reached, as the kernel's
// ends the process when it was not.
class FakeProcess final : public ipc::Object {
public:
    FakeProcess() : Object(Kind::Process) {}
    rvos::Signals signals() const override { return 0; }
    void last_reference_gone() override { gone++; }
    bool traced() const override { return true; }
    void trace(ipc::Marker& marker) override {
        for (ipc::Object* object : handles) marker.mark(*object);
    }
    std::vector<ipc::Object*> handles;
    int gone = 0;
};

std::vector<FakeProcess*> processes;
std::vector<FakeProcess*> unreached;

void sweep_fake_processes(const ipc::Marker&) {
    for (FakeProcess* process : processes) {
        if (!process->gc_marked) unreached.push_back(process);
        process->gc_marked = false;
    }
}

TEST_F(ChannelGcTest, AProcessReachableOnlyThroughItsOwnQueueIsUnreachable) {
    // The process holds end[1], and its own process object (its one
    // reference) is queued there.
    Channel* c = make();
    FakeProcess process;
    process.handles = {&c->ends[1]};
    processes = {&process};
    unreached.clear();
    ASSERT_EQ(send_message(c->ends[0], 1, {entry(process, rvos::kRightWait)}), Error::None);
    c->ends[0].unref();
    EXPECT_EQ(table->collect_garbage(mark_test_roots, sweep_fake_processes), 0u)
        << "end[1] is still held by the (ending) process";
    ASSERT_EQ(unreached.size(), 1u) << "nothing reachable leads to the process";
    EXPECT_EQ(process.gone, 1) << "its queued handle was dropped with the unread queue";
    EXPECT_FALSE(c->ends[1].gc_marked) << "marks are cleared after a collection";
    EXPECT_FALSE(process.gc_marked);
    c->ends[1].unref();  // what the ending process's exit does
    EXPECT_EQ(table->in_use(), 0u);
    processes.clear();
}

TEST_F(ChannelGcTest, WhatAReachableProcessHoldsIsKept) {
    // A root holds the process; the process holds end[1] and a cycle's end
    // queued there; its own process object is queued there too.
    Channel* c = make();
    Channel* x = make();
    FakeProcess process;
    process.handles = {&c->ends[1]};
    processes = {&process};
    unreached.clear();
    roots = {&process};
    process.ref();  // the queued reference; the first is the root's
    ASSERT_EQ(send_message(x->ends[1], 1, {entry(x->ends[1])}), Error::None);  // x.ends[1] queued at x.ends[0]
    ASSERT_EQ(send_message(c->ends[0], 2, {entry(process, rvos::kRightWait), entry(x->ends[0])}), Error::None);
    c->ends[0].unref();
    EXPECT_EQ(table->collect_garbage(mark_test_roots, sweep_fake_processes), 0u);
    EXPECT_TRUE(unreached.empty());
    EXPECT_EQ(c->ends[1].queue.size(), 1u) << "a reachable process's queue is left alone";
    EXPECT_EQ(x->ends[0].queue.size(), 1u) << "and so is what it leads to";
    c->ends[1].unref();  // the process's handle closes
    EXPECT_EQ(process.gone, 0);
    process.unref();     // the root's
    EXPECT_EQ(process.gone, 1);
    EXPECT_EQ(table->in_use(), 0u);
    processes.clear();
}

TEST_F(ChannelGcTest, PeerClosedSignalRisesOnlyWhenThePeerGoes) {
    // Replaces ABI v1's peer_closed callback: the surviving end shows
    // kSignalPeerClosed and wakes its observers; closing one's own end is
    // not a peer close.
    Channel* c = make();
    Task t{1};
    ipc::Observer observer{&t, rvos::kSignalPeerClosed};
    c->ends[0].observe(observer);
    EXPECT_EQ(c->ends[0].signals(), 0u);
    c->ends[1].unref();
    EXPECT_EQ(c->ends[0].signals(), rvos::kSignalPeerClosed);
    EXPECT_EQ(fake::wakes().size(), 1u);
    c->ends[0].forget(observer);
    fake::clear_wakes();
    c->ends[0].unref();
    EXPECT_TRUE(fake::wakes().empty());
    EXPECT_EQ(table->in_use(), 0u);
}

}  // namespace
