// Capability cycles and their collection (ChannelTable::collect_garbage),
// and the peer-closed callback the kernel uses on process handles.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "ipc/channel.h"
#include "test_support.h"

using ipc::Channel;
using ipc::ChannelTable;
using ipc::Endpoint;
using rvos::Error;
using rvos::Message;

namespace {

// The endpoints the test's "processes" hold handles to: the GC roots.
std::vector<Endpoint*> roots;

void mark_test_roots(ipc::Marker& marker) {
    for (Endpoint* endpoint : roots) marker.mark(*endpoint);
}

class ChannelGcTest : public ::testing::Test {
protected:
    void SetUp() override {
        fake::clear_wakes();
        roots.clear();
    }
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
    Message m{};
    // x's far end waits in y's queue and y's far end in x's queue.
    ASSERT_EQ(ipc::send(y->ends[0], m, &x->ends[1]), Error::None);
    ASSERT_EQ(ipc::send(x->ends[0], m, &y->ends[1]), Error::None);
    ipc::unref(x->ends[0]);
    ipc::unref(y->ends[0]);
    EXPECT_EQ(table->in_use(), 2u) << "a cycle survives plain reference counting";
    EXPECT_EQ(table->collect_garbage(mark_test_roots), 2u);
    EXPECT_EQ(table->in_use(), 0u);
    // The pool is intact afterwards.
    for (size_t i = 0; i < rvos::kMaxChannels; i++) ASSERT_FALSE(table->create().is_error()) << i;
}

TEST_F(ChannelGcTest, CapabilitiesQueuedOnAHeldEndpointAreKept) {
    Channel* held = make();
    Channel* carried = make();
    Message m{};
    ASSERT_EQ(ipc::send(held->ends[0], m, &carried->ends[0]), Error::None);
    ipc::unref(carried->ends[1]);
    roots = {&held->ends[0], &held->ends[1]};
    EXPECT_EQ(table->collect_garbage(mark_test_roots), 0u);
    EXPECT_EQ(table->in_use(), 2u);
    EXPECT_FALSE(carried->ends[0].closed);
    ipc::QueuedMessage out{};
    ASSERT_EQ(ipc::receive(held->ends[1], out), Error::None);
    EXPECT_EQ(out.cap, &carried->ends[0]);
    out.cap->unref();
    ipc::unref(held->ends[0]);
    ipc::unref(held->ends[1]);
    EXPECT_EQ(table->in_use(), 0u);
}

TEST_F(ChannelGcTest, AnEndpointNobodyCanReadIsClosedAndItsPeerSeesPeerClosed) {
    Channel* c = make();
    Channel* cycle = make();
    Message m{};
    // c.ends[1] is only referenced from cycle's queue, and cycle's ends only
    // from each other's... c.ends[0] stays held.
    ASSERT_EQ(ipc::send(cycle->ends[0], m, &c->ends[1]), Error::None);
    ASSERT_EQ(ipc::send(cycle->ends[1], m, &cycle->ends[0]), Error::BadArgument) << "no endpoint in its own queue";
    ipc::unref(cycle->ends[0]);
    ipc::unref(cycle->ends[1]);
    EXPECT_EQ(table->in_use(), 1u) << "closing both ends of cycle dropped the queued capability";
    roots = {&c->ends[0]};
    EXPECT_EQ(table->collect_garbage(mark_test_roots), 0u);
    EXPECT_TRUE(c->ends[1].closed);
    ipc::QueuedMessage out{};
    EXPECT_EQ(ipc::receive(c->ends[0], out), Error::PeerClosed);
    ipc::unref(c->ends[0]);
    EXPECT_EQ(table->in_use(), 0u);
}

int callbacks = 0;

TEST_F(ChannelGcTest, PeerClosedCallbackRunsWhenThePeerGoesWhileThisEndIsOpen) {
    Channel* c = make();
    callbacks = 0;
    c->ends[0].peer_closed = [](Endpoint&) { callbacks++; };
    ipc::unref(c->ends[1]);
    EXPECT_EQ(callbacks, 1);
    ipc::unref(c->ends[0]);
    EXPECT_EQ(callbacks, 1) << "closing the holder's own end is not a peer close";
    EXPECT_EQ(table->in_use(), 0u);
}

}  // namespace
