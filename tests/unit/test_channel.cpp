// Channels: bounded queues, peer close, wake-ups, capabilities in flight and
// the channel table.
#include <gtest/gtest.h>

#include <memory>

#include "test_support.h"
#include "ipc/channel.h"

using ipc::Channel;
using ipc::ChannelTable;
using ipc::Endpoint;
using ipc::QueuedMessage;
using rvos::Error;
using rvos::Message;

namespace {

Message message_with(uint32_t value) {
    Message m{};
    m.len = 4;
    m.cap = rvos::kNoHandle;
    __builtin_memcpy(m.data, &value, 4);
    return m;
}

uint32_t value_of(const QueuedMessage& q) {
    uint32_t v;
    __builtin_memcpy(&v, q.message.data, 4);
    return v;
}

class ChannelTest : public ::testing::Test {
protected:
    void SetUp() override {
        fake::clear_wakes();
        auto created = table->create();
        ASSERT_FALSE(created.is_error());
        channel = created.value();
    }
    Endpoint& a() { return channel->ends[0]; }
    Endpoint& b() { return channel->ends[1]; }
    Channel* make_channel() {
        auto created = table->create();
        EXPECT_FALSE(created.is_error());
        return created.is_error() ? nullptr : created.value();
    }

    std::unique_ptr<ChannelTable> table = std::make_unique<ChannelTable>();
    Channel* channel = nullptr;
};

// ---- Queues -------------------------------------------------------------------

TEST_F(ChannelTest, FreshChannelHasOneRefPerEndpointAndPeersPointAtEachOther) {
    EXPECT_EQ(a().refs, 1u);
    EXPECT_EQ(b().refs, 1u);
    EXPECT_FALSE(a().closed);
    EXPECT_EQ(&a().peer(), &b());
    EXPECT_EQ(&b().peer(), &a());
    EXPECT_EQ(table->in_use(), 1u);
}

TEST_F(ChannelTest, SendQueuesAtPeerAndReceiveReturnsIt) {
    ASSERT_EQ(ipc::send(a(), message_with(7), nullptr), Error::None);
    EXPECT_TRUE(a().queue.empty());
    EXPECT_EQ(b().queue.size(), 1u);
    EXPECT_TRUE(b().readable());

    QueuedMessage out{};
    ASSERT_EQ(ipc::receive(b(), out), Error::None);
    EXPECT_EQ(value_of(out), 7u);
    EXPECT_EQ(out.message.len, 4u);
    EXPECT_EQ(out.cap, nullptr);
    EXPECT_FALSE(b().readable());
}

TEST_F(ChannelTest, QueueAcceptsExactlyQueueDepthThenQueueFullEnqueuesNothing) {
    for (uint32_t i = 0; i < rvos::kQueueDepth; i++)
        ASSERT_EQ(ipc::send(a(), message_with(i), nullptr), Error::None) << "send " << i;
    EXPECT_TRUE(b().queue.full());

    EXPECT_EQ(ipc::send(a(), message_with(999), nullptr), Error::QueueFull);
    EXPECT_EQ(b().queue.size(), rvos::kQueueDepth);

    for (uint32_t i = 0; i < rvos::kQueueDepth; i++) {
        QueuedMessage out{};
        ASSERT_EQ(ipc::receive(b(), out), Error::None);
        EXPECT_EQ(value_of(out), i) << "FIFO order";
    }
    QueuedMessage out{};
    EXPECT_EQ(ipc::receive(b(), out), Error::WouldBlock);
}

TEST_F(ChannelTest, FullQueueAcceptsAgainAfterOneReceive) {
    for (uint32_t i = 0; i < rvos::kQueueDepth; i++)
        ASSERT_EQ(ipc::send(a(), message_with(i), nullptr), Error::None);
    ASSERT_EQ(ipc::send(a(), message_with(64), nullptr), Error::QueueFull);

    QueuedMessage out{};
    ASSERT_EQ(ipc::receive(b(), out), Error::None);
    EXPECT_EQ(value_of(out), 0u);
    EXPECT_EQ(ipc::send(a(), message_with(64), nullptr), Error::None);
    EXPECT_EQ(ipc::send(a(), message_with(65), nullptr), Error::QueueFull);

    // The ring wrapped: the order is still 1..64.
    for (uint32_t i = 1; i <= rvos::kQueueDepth; i++) {
        ASSERT_EQ(ipc::receive(b(), out), Error::None);
        EXPECT_EQ(value_of(out), i);
    }
}

TEST_F(ChannelTest, QueueFullIsPerDirection) {
    for (uint32_t i = 0; i < rvos::kQueueDepth; i++)
        ASSERT_EQ(ipc::send(a(), message_with(i), nullptr), Error::None);
    EXPECT_EQ(ipc::send(b(), message_with(1), nullptr), Error::None);
    EXPECT_EQ(a().queue.size(), 1u);
}

TEST_F(ChannelTest, ReceiveOnEmptyQueueWithOpenPeerIsWouldBlock) {
    QueuedMessage out{};
    EXPECT_EQ(ipc::receive(b(), out), Error::WouldBlock);
    EXPECT_EQ(ipc::receive(a(), out), Error::WouldBlock);
}

TEST_F(ChannelTest, AfterPeerClosesReceiveDrainsQueuedMessagesThenPeerClosed) {
    ASSERT_EQ(ipc::send(a(), message_with(1), nullptr), Error::None);
    ipc::unref(a());
    EXPECT_TRUE(a().closed);
    EXPECT_TRUE(b().readable());

    QueuedMessage out{};
    ASSERT_EQ(ipc::receive(b(), out), Error::None);
    EXPECT_EQ(value_of(out), 1u);
    EXPECT_EQ(ipc::receive(b(), out), Error::PeerClosed);
    EXPECT_TRUE(b().readable());
}

TEST_F(ChannelTest, SendToClosedPeerIsPeerClosedAndEnqueuesNothing) {
    ipc::unref(a());
    EXPECT_EQ(ipc::send(b(), message_with(1), nullptr), Error::PeerClosed);
    EXPECT_TRUE(a().queue.empty());
}

TEST_F(ChannelTest, EndpointStaysOpenUntilItsLastRefIsDropped) {
    ipc::ref(a());
    EXPECT_EQ(a().refs, 2u);
    ipc::unref(a());
    EXPECT_FALSE(a().closed);
    QueuedMessage out{};
    EXPECT_EQ(ipc::receive(b(), out), Error::WouldBlock);
    ipc::unref(a());
    EXPECT_TRUE(a().closed);
    EXPECT_EQ(ipc::receive(b(), out), Error::PeerClosed);
}

// ---- Wake-ups -----------------------------------------------------------------

TEST_F(ChannelTest, SendWakesTheReceivingEndpointsWaiter) {
    Task receiver{1};
    b().waiter = &receiver;
    ASSERT_EQ(ipc::send(a(), message_with(1), nullptr), Error::None);
    ASSERT_EQ(fake::wakes().size(), 1u);
    EXPECT_EQ(fake::wakes()[0], &receiver);
}

TEST_F(ChannelTest, SendWithoutWaiterWakesNobody) {
    ASSERT_EQ(ipc::send(a(), message_with(1), nullptr), Error::None);
    EXPECT_TRUE(fake::wakes().empty());
}

TEST_F(ChannelTest, FailedSendWakesNobody) {
    for (uint32_t i = 0; i < rvos::kQueueDepth; i++)
        ASSERT_EQ(ipc::send(a(), message_with(i), nullptr), Error::None);
    Task receiver{1};
    b().waiter = &receiver;
    EXPECT_EQ(ipc::send(a(), message_with(1), nullptr), Error::QueueFull);
    EXPECT_TRUE(fake::wakes().empty());
}

TEST_F(ChannelTest, PeerCloseWakesTheWaiterOnTheSurvivingEndpoint) {
    Task receiver{2};
    Task closer{3};
    b().waiter = &receiver;
    a().waiter = &closer;
    ipc::unref(a());
    ASSERT_EQ(fake::wakes().size(), 1u);
    EXPECT_EQ(fake::wakes()[0], &receiver);
    EXPECT_EQ(a().waiter, nullptr);
}

// ---- Capabilities in flight ---------------------------------------------------

TEST_F(ChannelTest, QueuedCapabilityKeepsItsEndpointOpen) {
    Channel* other = make_channel();
    Endpoint& carried = other->ends[0];
    // The sender's reference to `carried` moves into the message.
    ASSERT_EQ(ipc::send(a(), message_with(1), &carried), Error::None);
    EXPECT_FALSE(carried.closed);
    EXPECT_EQ(carried.refs, 1u);
    QueuedMessage out{};
    EXPECT_EQ(ipc::receive(other->ends[1], out), Error::WouldBlock);

    // The receiver now owns the reference.
    ASSERT_EQ(ipc::receive(b(), out), Error::None);
    EXPECT_EQ(out.cap, &carried);
    EXPECT_FALSE(carried.closed);
    out.cap->unref();
    EXPECT_EQ(ipc::receive(other->ends[1], out), Error::PeerClosed);
}

TEST_F(ChannelTest, QueuedCapabilitySurvivesTheSenderClosingItsEndpoint) {
    Channel* other = make_channel();
    Endpoint& carried = other->ends[0];
    ASSERT_EQ(ipc::send(a(), message_with(1), &carried), Error::None);
    ipc::unref(a());  // the sender goes away; the message stays queued at b
    QueuedMessage out{};
    ASSERT_EQ(ipc::receive(b(), out), Error::None);
    EXPECT_EQ(out.cap, &carried);
    EXPECT_FALSE(carried.closed);
}

TEST_F(ChannelTest, ClosingReceiverWithQueuedCapabilityDropsTheCapsReference) {
    Channel* other = make_channel();
    Endpoint& carried = other->ends[0];
    Task watcher{4};
    other->ends[1].waiter = &watcher;
    ASSERT_EQ(ipc::send(a(), message_with(1), &carried), Error::None);
    fake::clear_wakes();

    ipc::unref(b());
    EXPECT_TRUE(b().queue.empty());
    EXPECT_TRUE(carried.closed);
    QueuedMessage out{};
    EXPECT_EQ(ipc::receive(other->ends[1], out), Error::PeerClosed);
    ASSERT_EQ(fake::wakes().size(), 1u);  // a has no waiter
    EXPECT_EQ(fake::wakes()[0], &watcher);
}

TEST_F(ChannelTest, FailedSendLeavesTheCapabilityWithTheCaller) {
    Channel* other = make_channel();
    Endpoint& carried = other->ends[0];
    ipc::unref(b());
    EXPECT_EQ(ipc::send(a(), message_with(1), &carried), Error::PeerClosed);
    EXPECT_EQ(carried.refs, 1u);
    EXPECT_FALSE(carried.closed);
}

TEST_F(ChannelTest, CapabilitiesCarriedTransitivelyAreAllDroppedOnClose) {
    // b holds c2.ends[0], whose peer's queue holds c3.ends[0].
    Channel* c2 = make_channel();
    Channel* c3 = make_channel();
    ASSERT_EQ(ipc::send(c2->ends[1], message_with(1), &c3->ends[0]), Error::None);
    ASSERT_EQ(ipc::send(a(), message_with(2), &c2->ends[0]), Error::None);
    // c2.ends[0] is now held only by the message; its queue holds c3.ends[0].
    ipc::unref(b());
    EXPECT_TRUE(c2->ends[0].closed);
    EXPECT_TRUE(c3->ends[0].closed);
    ipc::unref(a());
    ipc::unref(c2->ends[1]);
    ipc::unref(c3->ends[1]);
    EXPECT_EQ(table->in_use(), 0u);
}

TEST_F(ChannelTest, ClosingEndpointWhoseQueueCarriesItsOwnPeerReleasesChannelOnce) {
    // a sends itself to b: a's only reference is now the queued message.
    ASSERT_EQ(ipc::send(a(), message_with(1), &a()), Error::None);
    ipc::unref(b());  // drops the message, which closes a, which closes the channel
    EXPECT_TRUE(a().closed);
    EXPECT_TRUE(b().closed);
    EXPECT_EQ(table->in_use(), 0u);
    // The pool is intact: every slot can be created once, and only once.
    for (size_t i = 0; i < rvos::kMaxChannels; i++) {
        auto created = table->create();
        ASSERT_FALSE(created.is_error()) << "create " << i;
    }
    EXPECT_EQ(table->create().error(), Error::ChannelTableFull);
}

// ---- The channel table -------------------------------------------------------

class ChannelTableTest : public ::testing::Test {
protected:
    void SetUp() override { fake::clear_wakes(); }
    std::unique_ptr<ChannelTable> table = std::make_unique<ChannelTable>();
};

TEST_F(ChannelTableTest, NewTableHasNoChannelsInUse) { EXPECT_EQ(table->in_use(), 0u); }

TEST_F(ChannelTableTest, CreateSucceedsExactlyMaxChannelsTimesThenChannelTableFull) {
    for (size_t i = 0; i < rvos::kMaxChannels; i++) {
        auto created = table->create();
        ASSERT_FALSE(created.is_error()) << "create " << i;
        EXPECT_TRUE(created.value()->in_use);
    }
    EXPECT_EQ(table->in_use(), rvos::kMaxChannels);
    auto overflow = table->create();
    ASSERT_TRUE(overflow.is_error());
    EXPECT_EQ(overflow.error(), Error::ChannelTableFull);
    EXPECT_EQ(table->in_use(), rvos::kMaxChannels);
}

TEST_F(ChannelTableTest, CreatedChannelsAreDistinct) {
    Channel* first = table->create().value();
    Channel* second = table->create().value();
    EXPECT_NE(first, second);
}

TEST_F(ChannelTableTest, ChannelIsReleasedOnlyWhenBothEndsAreClosed) {
    Channel* c = table->create().value();
    ipc::unref(c->ends[0]);
    EXPECT_EQ(table->in_use(), 1u);
    EXPECT_TRUE(c->in_use);
    ipc::unref(c->ends[1]);
    EXPECT_EQ(table->in_use(), 0u);
    EXPECT_FALSE(c->in_use);
}

TEST_F(ChannelTableTest, InUseReturnsToZeroAfterBothEndsOfAllChannelsAreUnrefd) {
    Channel* all[rvos::kMaxChannels];
    for (auto& c : all) c = table->create().value();
    // Leave some messages (and capabilities) in flight too.
    for (size_t i = 0; i + 1 < rvos::kMaxChannels; i += 2) {
        ASSERT_EQ(ipc::send(all[i]->ends[0], message_with(1), nullptr), Error::None);
        ipc::ref(all[i + 1]->ends[0]);
        ASSERT_EQ(ipc::send(all[i]->ends[1], message_with(2), &all[i + 1]->ends[0]), Error::None);
    }
    for (auto* c : all) {
        ipc::unref(c->ends[1]);
        ipc::unref(c->ends[0]);
    }
    EXPECT_EQ(table->in_use(), 0u);
}

TEST_F(ChannelTableTest, ReleasedSlotIsReusedAndComesBackClean) {
    // Fill the table, then free one channel that had traffic and a waiter.
    Channel* all[rvos::kMaxChannels];
    for (auto& c : all) c = table->create().value();
    Channel* victim = all[17];
    ASSERT_EQ(ipc::send(victim->ends[0], message_with(1), nullptr), Error::None);
    Task t{9};
    victim->ends[0].waiter = &t;
    ipc::unref(victim->ends[0]);
    ipc::unref(victim->ends[1]);
    EXPECT_EQ(table->in_use(), rvos::kMaxChannels - 1);

    auto again = table->create();
    ASSERT_FALSE(again.is_error());
    EXPECT_EQ(again.value(), victim);
    for (Endpoint& end : victim->ends) {
        EXPECT_EQ(end.refs, 1u);
        EXPECT_FALSE(end.closed);
        EXPECT_EQ(end.waiter, nullptr);
        EXPECT_TRUE(end.queue.empty());
    }
    EXPECT_EQ(table->create().error(), Error::ChannelTableFull);
}

TEST_F(ChannelTableTest, CreateReleaseCyclesNeverLeakSlots) {
    for (int round = 0; round < 3 * static_cast<int>(rvos::kMaxChannels); round++) {
        auto created = table->create();
        ASSERT_FALSE(created.is_error()) << "round " << round;
        ipc::unref(created.value()->ends[0]);
        ipc::unref(created.value()->ends[1]);
    }
    EXPECT_EQ(table->in_use(), 0u);
}

}  // namespace
