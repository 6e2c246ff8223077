// Channels: bounded queues, peer close, wake-ups through observers,
// capabilities (with rights) in flight, message limits and budgets, the
// channel table, and release that stays flat however deep the nesting.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "ipc_support.h"
#include "ipc/channel.h"
#include "test_support.h"

using ipc::Channel;
using ipc::ChannelTable;
using ipc::Endpoint;
using ipc::HandleEntry;
using ipc::MessageNode;
using ipc::Observer;
using ipc_test::entry;
using ipc_test::receive_message;
using ipc_test::send_message;
using rvos::Error;

namespace {

class ChannelTest : public ::testing::Test {
protected:
    void SetUp() override {
        fake::clear_wakes();
        ASSERT_EQ(ipc::queued_bytes(), 0u) << "an earlier test left messages queued";
        auto created = table->create();
        ASSERT_FALSE(created.is_error());
        channel = created.value();
    }
    void TearDown() override {
        for (auto& o : observers) EXPECT_EQ(o->object, nullptr) << "the test left an observer hooked";
        ipc_test::drain_everything(*table);
    }
    Endpoint& a() { return channel->ends[0]; }
    Endpoint& b() { return channel->ends[1]; }
    Channel* make_channel() {
        auto created = table->create();
        EXPECT_FALSE(created.is_error());
        return created.is_error() ? nullptr : created.value();
    }
    // Hooks `task` onto `object`, wanting `wanted`; the test unhooks it
    // (forget) before the object can go, as the kernel's wait does.
    Observer& observe(ipc::Object& object, Task& task, rvos::Signals wanted) {
        auto o = std::make_unique<Observer>();
        o->task = &task;
        o->wanted = wanted;
        object.observe(*o);
        observers.push_back(std::move(o));
        return *observers.back();
    }
    void forget_all() {
        for (auto& o : observers)
            if (o->object) o->object->forget(*o);
    }

    std::unique_ptr<ChannelTable> table = std::make_unique<ChannelTable>();
    Channel* channel = nullptr;
    std::vector<std::unique_ptr<Observer>> observers;
};

// ---- Queues -------------------------------------------------------------------

TEST_F(ChannelTest, FreshChannelHasOneRefPerEndpointAndPeersPointAtEachOther) {
    EXPECT_EQ(a().ref_count(), 1u);
    EXPECT_EQ(b().ref_count(), 1u);
    EXPECT_FALSE(a().closed);
    EXPECT_EQ(a().kind(), ipc::Object::Kind::Endpoint);
    EXPECT_EQ(&a().peer(), &b());
    EXPECT_EQ(&b().peer(), &a());
    EXPECT_EQ(a().signals(), 0u);
    EXPECT_EQ(table->in_use(), 1u);
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, SendQueuesAtPeerAndReceiveReturnsIt) {
    ASSERT_EQ(send_message(a(), 7), Error::None);
    EXPECT_TRUE(a().queue.empty());
    EXPECT_EQ(b().queue.size(), 1u);
    EXPECT_EQ(b().signals(), rvos::kSignalReadable);

    auto got = receive_message(b());
    ASSERT_EQ(got.error, Error::None);
    EXPECT_EQ(got.value, 7u);
    EXPECT_EQ(got.length, 4u);
    EXPECT_TRUE(got.handles.empty());
    EXPECT_EQ(b().signals(), 0u);
    EXPECT_EQ(ipc::queued_bytes(), 0u);
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, QueueAcceptsExactlyQueueDepthThenQueueFullEnqueuesNothing) {
    for (uint32_t i = 0; i < rvos::kQueueDepth; i++) ASSERT_EQ(send_message(a(), i), Error::None) << "send " << i;
    EXPECT_FALSE(b().queue.fits(0));
    size_t bytes = ipc::queued_bytes();

    EXPECT_EQ(send_message(a(), 999), Error::QueueFull);
    EXPECT_EQ(b().queue.size(), rvos::kQueueDepth);
    EXPECT_EQ(ipc::queued_bytes(), bytes) << "a refused message is not counted";

    for (uint32_t i = 0; i < rvos::kQueueDepth; i++) {
        auto got = receive_message(b());
        ASSERT_EQ(got.error, Error::None);
        EXPECT_EQ(got.value, i) << "FIFO order";
    }
    EXPECT_EQ(receive_message(b()).error, Error::WouldBlock);
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, FullQueueAcceptsAgainAfterOneReceive) {
    for (uint32_t i = 0; i < rvos::kQueueDepth; i++) ASSERT_EQ(send_message(a(), i), Error::None);
    ASSERT_EQ(send_message(a(), 64), Error::QueueFull);

    ASSERT_EQ(receive_message(b()).value, 0u);
    EXPECT_EQ(send_message(a(), 64), Error::None);
    EXPECT_EQ(send_message(a(), 65), Error::QueueFull);

    // The ring wrapped: the order is still 1..64.
    for (uint32_t i = 1; i <= rvos::kQueueDepth; i++) {
        auto got = receive_message(b());
        ASSERT_EQ(got.error, Error::None);
        EXPECT_EQ(got.value, i);
    }
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, QueueFullIsPerDirection) {
    for (uint32_t i = 0; i < rvos::kQueueDepth; i++) ASSERT_EQ(send_message(a(), i), Error::None);
    EXPECT_EQ(send_message(b(), 1), Error::None);
    EXPECT_EQ(a().queue.size(), 1u);
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, ReceiveOnEmptyQueueWithOpenPeerIsWouldBlock) {
    EXPECT_EQ(receive_message(b()).error, Error::WouldBlock);
    EXPECT_EQ(receive_message(a()).error, Error::WouldBlock);
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, AfterPeerClosesReceiveDrainsQueuedMessagesThenPeerClosed) {
    ASSERT_EQ(send_message(a(), 1), Error::None);
    a().unref();
    EXPECT_TRUE(a().closed);
    EXPECT_EQ(b().signals(), rvos::kSignalReadable | rvos::kSignalPeerClosed);

    auto got = receive_message(b());
    ASSERT_EQ(got.error, Error::None);
    EXPECT_EQ(got.value, 1u);
    EXPECT_EQ(receive_message(b()).error, Error::PeerClosed);
    EXPECT_EQ(b().signals(), rvos::kSignalPeerClosed);
    b().unref();
}

TEST_F(ChannelTest, SendToClosedPeerIsPeerClosedAndEnqueuesNothing) {
    a().unref();
    EXPECT_EQ(send_message(b(), 1), Error::PeerClosed);
    EXPECT_EQ(ipc::queued_bytes(), 0u);
    b().unref();
}

TEST_F(ChannelTest, EndpointStaysOpenUntilItsLastRefIsDropped) {
    a().ref();
    EXPECT_EQ(a().ref_count(), 2u);
    a().unref();
    EXPECT_FALSE(a().closed);
    EXPECT_EQ(receive_message(b()).error, Error::WouldBlock);
    a().unref();
    EXPECT_TRUE(a().closed);
    EXPECT_EQ(receive_message(b()).error, Error::PeerClosed);
    b().unref();
}

// ---- Wake-ups (observers) -------------------------------------------------------

TEST_F(ChannelTest, SendWakesAnObserverOfTheReceivingEndpointWantingReadable) {
    Task receiver{1};
    observe(b(), receiver, rvos::kSignalReadable);
    ASSERT_EQ(send_message(a(), 1), Error::None);
    ASSERT_EQ(fake::wakes().size(), 1u);
    EXPECT_EQ(fake::wakes()[0], &receiver);
    forget_all();
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, SendWithoutObserversWakesNobody) {
    Task sender{1};
    observe(a(), sender, rvos::kSignalReadable);  // the sending side is not notified
    ASSERT_EQ(send_message(a(), 1), Error::None);
    EXPECT_TRUE(fake::wakes().empty());
    forget_all();
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, FailedSendWakesNobody) {
    for (uint32_t i = 0; i < rvos::kQueueDepth; i++) ASSERT_EQ(send_message(a(), i), Error::None);
    Task receiver{1};
    observe(b(), receiver, rvos::kSignalReadable);
    EXPECT_EQ(send_message(a(), 1), Error::QueueFull);
    EXPECT_TRUE(fake::wakes().empty());
    forget_all();
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, ManyObserversOfOneEndpointAreAllWoken) {
    // ABI v1 allowed one waiter per endpoint (Busy); now any number wait.
    Task t1{1}, t2{2}, t3{3};
    observe(b(), t1, rvos::kSignalReadable);
    observe(b(), t2, rvos::kSignalReadable | rvos::kSignalPeerClosed);
    observe(b(), t3, rvos::kSignalReadable);
    ASSERT_EQ(send_message(a(), 1), Error::None);
    std::vector<Task*> woken = fake::wakes();
    std::sort(woken.begin(), woken.end(), [](Task* x, Task* y) { return x->id < y->id; });
    EXPECT_EQ(woken, (std::vector<Task*>{&t1, &t2, &t3}));
    forget_all();
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, ClosedPeerRaisesPeerClosedAndWakesObserversWantingIt) {
    Task wants_closed{2};
    Task wants_readable{3};
    observe(b(), wants_closed, rvos::kSignalPeerClosed);
    observe(b(), wants_readable, rvos::kSignalReadable);
    EXPECT_EQ(b().signals() & rvos::kSignalPeerClosed, 0u);
    a().unref();
    EXPECT_EQ(b().signals(), rvos::kSignalPeerClosed);
    ASSERT_EQ(fake::wakes().size(), 1u) << "only the observer wanting PeerClosed";
    EXPECT_EQ(fake::wakes()[0], &wants_closed);
    forget_all();
    b().unref();
}

TEST_F(ChannelTest, PeerCloseWithMessagesQueuedAlsoWakesObserversWantingReadable) {
    ASSERT_EQ(send_message(a(), 1), Error::None);
    Task wants_readable{3};
    observe(b(), wants_readable, rvos::kSignalReadable);
    a().unref();
    // Readable was already showing; notify wakes everyone whose wanted
    // signals are present.
    ASSERT_EQ(fake::wakes().size(), 1u);
    EXPECT_EQ(fake::wakes()[0], &wants_readable);
    forget_all();
    b().unref();
}

// ---- Capabilities in flight ---------------------------------------------------

TEST_F(ChannelTest, QueuedCapabilityKeepsItsEndpointOpenAndKeepsItsRights) {
    Channel* other = make_channel();
    Endpoint& carried = other->ends[0];
    const rvos::Rights rights = rvos::kRightRead | rvos::kRightTransfer;
    // The sender's reference to `carried` moves into the message.
    ASSERT_EQ(send_message(a(), 1, {entry(carried, rights)}), Error::None);
    EXPECT_FALSE(carried.closed);
    EXPECT_EQ(carried.ref_count(), 1u);
    EXPECT_EQ(receive_message(other->ends[1]).error, Error::WouldBlock);

    // The receiver now owns the reference, with the rights it was sent with.
    auto got = receive_message(b());
    ASSERT_EQ(got.error, Error::None);
    ASSERT_EQ(got.handles.size(), 1u);
    EXPECT_EQ(got.handles[0].object, &carried);
    EXPECT_EQ(got.handles[0].rights, rights);
    EXPECT_FALSE(carried.closed);
    got.handles[0].object->unref();
    EXPECT_EQ(receive_message(other->ends[1]).error, Error::PeerClosed);
    other->ends[1].unref();
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, QueuedCapabilitySurvivesTheSenderClosingItsEndpoint) {
    Channel* other = make_channel();
    Endpoint& carried = other->ends[0];
    ASSERT_EQ(send_message(a(), 1, {entry(carried)}), Error::None);
    a().unref();  // the sender goes away; the message stays queued at b
    auto got = receive_message(b());
    ASSERT_EQ(got.error, Error::None);
    ASSERT_EQ(got.handles.size(), 1u);
    EXPECT_EQ(got.handles[0].object, &carried);
    EXPECT_FALSE(carried.closed);
    carried.unref();
    other->ends[1].unref();
    b().unref();
    EXPECT_EQ(table->in_use(), 0u);
}

TEST_F(ChannelTest, ClosingReceiverWithQueuedCapabilitiesDropsTheirReferences) {
    Channel* other = make_channel();
    Endpoint& carried = other->ends[0];
    ipc_test::TestObject leaf;
    Task watcher{4};
    observe(other->ends[1], watcher, rvos::kSignalPeerClosed);
    ASSERT_EQ(send_message(a(), 1, {entry(carried), entry(leaf)}), Error::None);
    fake::clear_wakes();

    b().unref();
    EXPECT_TRUE(carried.closed);
    EXPECT_EQ(leaf.gone, 1) << "the leaf's only reference was in the message";
    EXPECT_EQ(receive_message(other->ends[1]).error, Error::PeerClosed);
    ASSERT_EQ(fake::wakes().size(), 1u);
    EXPECT_EQ(fake::wakes()[0], &watcher);
    forget_all();
    other->ends[1].unref();
    a().unref();
    EXPECT_EQ(table->in_use(), 0u);
}

TEST_F(ChannelTest, FailedSendLeavesTheCapabilityWithTheCaller) {
    Channel* other = make_channel();
    Endpoint& carried = other->ends[0];
    b().unref();
    EXPECT_EQ(send_message(a(), 1, {entry(carried)}), Error::PeerClosed);
    EXPECT_EQ(carried.ref_count(), 1u);
    EXPECT_FALSE(carried.closed);
    carried.unref();
    other->ends[1].unref();
    a().unref();
}

TEST_F(ChannelTest, SendingTheReceivingEndpointItselfIsBadArgument) {
    ASSERT_EQ(send_message(a(), 1, {entry(b())}), Error::BadArgument);
    EXPECT_TRUE(b().queue.empty());
    EXPECT_EQ(b().ref_count(), 1u);
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, CapabilitiesCarriedTransitivelyAreAllDroppedOnClose) {
    // b holds c2.ends[0], whose peer's queue holds c3.ends[0].
    Channel* c2 = make_channel();
    Channel* c3 = make_channel();
    ASSERT_EQ(send_message(c2->ends[1], 1, {entry(c3->ends[0])}), Error::None);
    ASSERT_EQ(send_message(a(), 2, {entry(c2->ends[0])}), Error::None);
    // c2.ends[0] is now held only by the message; its queue holds c3.ends[0].
    b().unref();
    EXPECT_TRUE(c2->ends[0].closed);
    EXPECT_TRUE(c3->ends[0].closed);
    a().unref();
    c2->ends[1].unref();
    c3->ends[1].unref();
    EXPECT_EQ(table->in_use(), 0u);
    EXPECT_EQ(ipc::queued_bytes(), 0u);
}

TEST_F(ChannelTest, ClosingEndpointWhoseQueueCarriesItsOwnPeerReleasesChannelOnce) {
    // a sends itself to b: a's only reference is now the queued message.
    ASSERT_EQ(send_message(a(), 1, {entry(a())}), Error::None);
    b().unref();  // drops the message, which closes a, which closes the channel
    EXPECT_EQ(table->in_use(), 0u);
    // The pool is intact: every slot can be created once, and only once.
    std::vector<Channel*> all;
    for (size_t i = 0; i < rvos::kMaxChannels; i++) {
        auto created = table->create();
        ASSERT_FALSE(created.is_error()) << "create " << i;
        all.push_back(created.value());
    }
    EXPECT_EQ(table->create().error(), Error::ChannelTableFull);
    for (Channel* c : all)
        for (Endpoint& end : c->ends) end.unref();
    EXPECT_EQ(table->in_use(), 0u);
}

// ---- Message limits and byte budgets ---------------------------------------------

TEST_F(ChannelTest, MessageOfExactlyMaxBytesAndMaxHandlesIsAccepted) {
    std::vector<std::unique_ptr<ipc_test::TestObject>> leaves;
    auto node = MessageNode::allocate(rvos::kMaxMessageBytes, rvos::kMaxMessageHandles);
    ASSERT_FALSE(node.is_error());
    for (size_t i = 0; i < rvos::kMaxMessageHandles; i++) {
        leaves.push_back(std::make_unique<ipc_test::TestObject>());
        node.value()->handles()[i] = entry(*leaves.back(), rvos::kRightRead);
    }
    for (size_t i = 0; i < rvos::kMaxMessageBytes; i++) node.value()->bytes()[i] = static_cast<uint8_t>(i * 7);
    ASSERT_EQ(ipc::send(a(), node.value()), Error::None);
    EXPECT_EQ(ipc::queued_bytes(),
              sizeof(MessageNode) + rvos::kMaxMessageHandles * sizeof(HandleEntry) + rvos::kMaxMessageBytes);
    auto received = ipc::receive(b());
    ASSERT_FALSE(received.is_error());
    MessageNode* got = received.value();
    ASSERT_EQ(got->length, rvos::kMaxMessageBytes);
    ASSERT_EQ(got->handle_count, rvos::kMaxMessageHandles);
    for (size_t i = 0; i < rvos::kMaxMessageBytes; i++)
        ASSERT_EQ(got->bytes()[i], static_cast<uint8_t>(i * 7)) << "byte " << i;
    for (size_t i = 0; i < rvos::kMaxMessageHandles; i++) EXPECT_EQ(got->handles()[i].object, leaves[i].get());
    MessageNode::free(got, true);
    for (auto& leaf : leaves) EXPECT_EQ(leaf->gone, 1);
    EXPECT_EQ(ipc::queued_bytes(), 0u);
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, OneByteOrOneHandleOverTheMessageLimitIsBadArgument) {
    EXPECT_EQ(MessageNode::allocate(rvos::kMaxMessageBytes + 1, 0).error(), Error::BadArgument);
    EXPECT_EQ(MessageNode::allocate(0, rvos::kMaxMessageHandles + 1).error(), Error::BadArgument);
    EXPECT_EQ(MessageNode::allocate(rvos::kMaxMessageBytes + 1, rvos::kMaxMessageHandles + 1).error(),
              Error::BadArgument);
    EXPECT_EQ(MessageNode::allocate(SIZE_MAX, 0).error(), Error::BadArgument);
    EXPECT_EQ(MessageNode::allocate(0, SIZE_MAX).error(), Error::BadArgument);
    EXPECT_EQ(ipc::queued_bytes(), 0u) << "a refused message is never counted";
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, ByteBudgetGivesQueueFullAndEnqueuesNothing) {
    // Maximal messages: the byte budget runs out long before the depth.
    size_t sent = 0;
    Error error = Error::None;
    while ((error = send_message(a(), static_cast<uint32_t>(sent), {}, rvos::kMaxMessageBytes)) == Error::None)
        sent++;
    EXPECT_EQ(error, Error::QueueFull);
    EXPECT_LT(sent, rvos::kQueueDepth) << "the depth limit must not be what stopped it";
    EXPECT_EQ(sent, rvos::kQueueBytes / (sizeof(MessageNode) + rvos::kMaxMessageBytes));
    EXPECT_LE(b().queue.bytes(), rvos::kQueueBytes);
    size_t queued = b().queue.bytes();
    EXPECT_EQ(ipc::queued_bytes(), queued);
    EXPECT_EQ(b().queue.size(), sent);
    // A small message still fits, since it is within the budget.
    EXPECT_EQ(send_message(a(), 99, {}, 4), Error::None);
    EXPECT_EQ(b().queue.size(), sent + 1);
    for (size_t i = 0; i < sent; i++) EXPECT_EQ(receive_message(b()).value, i);
    EXPECT_EQ(receive_message(b()).value, 99u);
    EXPECT_EQ(ipc::queued_bytes(), 0u);
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, GlobalQueuedByteLimitGivesNoMemory) {
    // Fill endpoints up to their byte budgets until the system-wide cap hits.
    std::vector<Channel*> all = {channel};
    Error error = Error::None;
    size_t sent = 0;
    while (error == Error::None) {
        Endpoint& from = all.back()->ends[0];
        error = send_message(from, static_cast<uint32_t>(sent), {}, rvos::kMaxMessageBytes);
        if (error == Error::QueueFull) {
            Channel* next = make_channel();
            ASSERT_NE(next, nullptr) << "ran out of channels before the byte cap";
            all.push_back(next);
            error = Error::None;
            continue;
        }
        if (error == Error::None) sent++;
    }
    EXPECT_EQ(error, Error::NoMemory);
    EXPECT_LE(ipc::queued_bytes(), ipc::kSystemQueueLimit);
    EXPECT_GT(ipc::queued_bytes() + sizeof(MessageNode) + rvos::kMaxMessageBytes, ipc::kSystemQueueLimit);
    size_t before = ipc::queued_bytes();
    // Nothing is queued by the refusal, at either allocate or send.
    EXPECT_EQ(MessageNode::allocate(rvos::kMaxMessageBytes, 0).error(), Error::NoMemory);
    EXPECT_EQ(ipc::queued_bytes(), before);
    // One receive frees room for one more.
    ASSERT_EQ(receive_message(channel->ends[1]).error, Error::None);
    EXPECT_EQ(send_message(channel->ends[0], 1, {}, rvos::kMaxMessageBytes), Error::None);
    for (Channel* c : all)
        for (Endpoint& end : c->ends) end.unref();
    EXPECT_EQ(ipc::queued_bytes(), 0u);
    EXPECT_EQ(table->in_use(), 0u);
}

TEST_F(ChannelTest, FillingEveryChannelNeverQueuesMoreThanTheGlobalCap) {
    std::vector<Channel*> all = {channel};
    while (table->in_use() < rvos::kMaxChannels) all.push_back(make_channel());
    size_t accepted = 0, queue_full = 0, no_memory = 0;
    for (Channel* c : all) {
        for (Endpoint& end : c->ends) {
            // Maximal messages until this endpoint's budget or the global cap.
            for (;;) {
                Error error = send_message(end, 1, {}, rvos::kMaxMessageBytes);
                ASSERT_LE(ipc::queued_bytes(), rvos::kMaxQueuedBytes);
                if (error == Error::None) {
                    accepted++;
                    continue;
                }
                if (error == Error::QueueFull) queue_full++;
                else if (error == Error::NoMemory) no_memory++;
                else FAIL() << "unexpected " << rvos::error_name(error);
                break;
            }
        }
    }
    EXPECT_GT(no_memory, 0u) << "the table is big enough to reach the global cap";
    EXPECT_GT(queue_full, 0u);
    EXPECT_GT(accepted, 0u);
    EXPECT_LE(ipc::queued_bytes(), rvos::kMaxQueuedBytes);
    for (Channel* c : all)
        for (Endpoint& end : c->ends) end.unref();
    EXPECT_EQ(ipc::queued_bytes(), 0u);
    EXPECT_EQ(table->in_use(), 0u);
}

// ---- Iterative release -------------------------------------------------------------
// A chain of endpoints, each queued inside the next, released from its head.
// Every message also carries a probe whose last_reference_gone records how
// deep the stack is: released iteratively, every probe goes at the same
// depth; released recursively, each probe would go a few frames deeper than
// the one before.

struct DepthProbe final : ipc::Object {
    DepthProbe() : Object(Kind::Timer) {}
    rvos::Signals signals() const override { return 0; }
    void last_reference_gone() override {
        auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
        deepest = std::min(deepest, here);
        shallowest = std::max(shallowest, here);
        gone++;
    }
    static inline uintptr_t deepest = UINTPTR_MAX;
    static inline uintptr_t shallowest = 0;
    static inline size_t gone = 0;
};

TEST_F(ChannelTest, ReleasingADeepChainOfNestedEndpointsIsIterative) {
    constexpr size_t kChain = 120;  // fewer than kMaxChannels
    std::vector<std::unique_ptr<DepthProbe>> probes;
    DepthProbe::deepest = UINTPTR_MAX;
    DepthProbe::shallowest = 0;
    DepthProbe::gone = 0;
    // link[i] = the receiving end of chain channel i; link[i] is queued in
    // link[i + 1]'s queue.
    std::vector<Channel*> chain;
    for (size_t i = 0; i < kChain; i++) chain.push_back(make_channel());
    for (size_t i = 0; i + 1 < kChain; i++) {
        probes.push_back(std::make_unique<DepthProbe>());
        ASSERT_EQ(send_message(chain[i + 1]->ends[0], static_cast<uint32_t>(i),
                               {entry(chain[i]->ends[1]), entry(*probes.back())}),
                  Error::None);
        chain[i]->ends[0].unref();  // only the queued reference keeps link[i] open
    }
    chain.back()->ends[0].unref();
    EXPECT_EQ(table->in_use(), kChain + 1);
    for (size_t i = 0; i + 1 < kChain; i++) EXPECT_FALSE(chain[i]->ends[1].closed);

    chain.back()->ends[1].unref();  // the head: everything goes
    EXPECT_EQ(DepthProbe::gone, kChain - 1);
    EXPECT_EQ(table->in_use(), 1u) << "only the fixture's channel is left";
    EXPECT_EQ(ipc::queued_bytes(), 0u);
    // Recursion would put ~kChain frames between the first and last probe.
    EXPECT_LT(DepthProbe::shallowest - DepthProbe::deepest, 256u)
        << "release recursed: the stack grew " << DepthProbe::shallowest - DepthProbe::deepest
        << " bytes over the chain";
    a().unref();
    b().unref();
}

// The nesting a hostile program builds (user/tests/nest): two endpoints per
// channel, each channel's first end queued in its second and the chain so
// far in its first, until the table is full (each message also carries a
// probe). `innermost` is the first channel's second end.
struct NestedChain {
    Endpoint* head = nullptr;
    Endpoint* innermost = nullptr;
    size_t depth = 0;
};

NestedChain nest_to_the_table_limit(ChannelTable& table, std::vector<std::unique_ptr<DepthProbe>>& probes) {
    NestedChain chain;
    for (auto created = table.create(); !created.is_error(); created = table.create()) {
        Endpoint& first = created.value()->ends[0];
        Endpoint& second = created.value()->ends[1];
        if (chain.head) {
            probes.push_back(std::make_unique<DepthProbe>());
            EXPECT_EQ(send_message(second, 0, {entry(*chain.head), entry(*probes.back())}), Error::None);
            chain.depth++;
        } else {
            chain.innermost = &second;
        }
        probes.push_back(std::make_unique<DepthProbe>());
        EXPECT_EQ(send_message(first, 0, {entry(first), entry(*probes.back())}), Error::None);
        chain.depth++;
        chain.head = &second;
    }
    return chain;
}

void reset_probes() {
    DepthProbe::deepest = UINTPTR_MAX;
    DepthProbe::shallowest = 0;
    DepthProbe::gone = 0;
}

void mark_no_roots(ipc::Marker&) {}

TEST_F(ChannelTest, ReleasingEndpointsNestedTwoPerChannelToTheTableLimitIsIterative) {
    std::vector<std::unique_ptr<DepthProbe>> probes;
    reset_probes();
    NestedChain chain = nest_to_the_table_limit(*table, probes);
    EXPECT_EQ(chain.depth, 2 * (rvos::kMaxChannels - 1) - 1) << "every channel but the fixture's, two ends each";
    EXPECT_EQ(DepthProbe::gone, 0u);

    chain.head->unref();  // the outermost end's last reference
    EXPECT_EQ(DepthProbe::gone, probes.size());
    EXPECT_EQ(table->in_use(), 1u) << "only the fixture's channel is left";
    EXPECT_EQ(ipc::queued_bytes(), 0u);
    EXPECT_LT(DepthProbe::shallowest - DepthProbe::deepest, 256u)
        << "release recursed: the stack grew " << DepthProbe::shallowest - DepthProbe::deepest
        << " bytes over the chain";
    a().unref();
    b().unref();
}

TEST_F(ChannelTest, CollectingACycleOfEndpointsNestedToTheTableLimitIsIterative) {
    std::vector<std::unique_ptr<DepthProbe>> probes;
    reset_probes();
    NestedChain chain = nest_to_the_table_limit(*table, probes);
    // The innermost end takes the outermost: a cycle nothing outside names.
    ASSERT_EQ(send_message(*chain.innermost, 0, {entry(*chain.head)}), Error::None);
    EXPECT_EQ(table->in_use(), rvos::kMaxChannels) << "a cycle survives plain reference counting";
    EXPECT_EQ(DepthProbe::gone, 0u);

    EXPECT_EQ(table->collect_garbage(mark_no_roots), rvos::kMaxChannels - 1);
    EXPECT_EQ(DepthProbe::gone, probes.size());
    EXPECT_EQ(table->in_use(), 1u) << "only the fixture's channel is left";
    EXPECT_EQ(ipc::queued_bytes(), 0u);
    EXPECT_LT(DepthProbe::shallowest - DepthProbe::deepest, 256u)
        << "collection recursed: the stack grew " << DepthProbe::shallowest - DepthProbe::deepest
        << " bytes over the cycle";
    a().unref();
    b().unref();
}

// ---- The channel table -------------------------------------------------------

class ChannelTableTest : public ::testing::Test {
protected:
    void SetUp() override { fake::clear_wakes(); }
    void TearDown() override { ipc_test::drain_everything(*table); }
    std::unique_ptr<ChannelTable> table = std::make_unique<ChannelTable>();
};

TEST_F(ChannelTableTest, NewTableHasNoChannelsInUse) { EXPECT_EQ(table->in_use(), 0u); }

TEST_F(ChannelTableTest, CreateSucceedsExactlyMaxChannelsTimesThenChannelTableFull) {
    std::vector<Channel*> all;
    for (size_t i = 0; i < rvos::kMaxChannels; i++) {
        auto created = table->create();
        ASSERT_FALSE(created.is_error()) << "create " << i;
        EXPECT_EQ(created.value()->table, table.get());
        all.push_back(created.value());
    }
    EXPECT_EQ(table->in_use(), rvos::kMaxChannels);
    auto overflow = table->create();
    ASSERT_TRUE(overflow.is_error());
    EXPECT_EQ(overflow.error(), Error::ChannelTableFull);
    EXPECT_EQ(table->in_use(), rvos::kMaxChannels);
    for (Channel* c : all)
        for (Endpoint& end : c->ends) end.unref();
}

TEST_F(ChannelTableTest, CreatedChannelsAreDistinct) {
    Channel* first = table->create().value();
    Channel* second = table->create().value();
    EXPECT_NE(first, second);
    for (Channel* c : {first, second})
        for (Endpoint& end : c->ends) end.unref();
}

TEST_F(ChannelTableTest, ChannelIsReleasedOnlyWhenBothEndsAreClosed) {
    Channel* c = table->create().value();
    c->ends[0].unref();
    EXPECT_EQ(table->in_use(), 1u);
    EXPECT_TRUE(c->ends[0].closed);
    EXPECT_FALSE(c->ends[1].closed);
    c->ends[1].unref();
    EXPECT_EQ(table->in_use(), 0u);
}

TEST_F(ChannelTableTest, InUseReturnsToZeroAfterBothEndsOfAllChannelsAreUnrefd) {
    Channel* all[rvos::kMaxChannels];
    for (auto& c : all) c = table->create().value();
    // Leave some messages (and capabilities) in flight too.
    for (size_t i = 0; i + 1 < rvos::kMaxChannels; i += 2) {
        ASSERT_EQ(send_message(all[i]->ends[0], 1), Error::None);
        all[i + 1]->ends[0].ref();
        ASSERT_EQ(send_message(all[i]->ends[1], 2, {entry(all[i + 1]->ends[0], rvos::kRightRead)}), Error::None);
    }
    for (auto* c : all) {
        c->ends[1].unref();
        c->ends[0].unref();
    }
    EXPECT_EQ(table->in_use(), 0u);
    EXPECT_EQ(ipc::queued_bytes(), 0u);
}

TEST_F(ChannelTableTest, ReleasedSlotIsReusedAndComesBackClean) {
    // Fill the table, then free one channel that had traffic and an observer.
    Channel* all[rvos::kMaxChannels];
    for (auto& c : all) c = table->create().value();
    Channel* victim = all[17];
    ASSERT_EQ(send_message(victim->ends[0], 1), Error::None);
    Task t{9};
    Observer observer{&t, rvos::kSignalReadable};
    victim->ends[0].observe(observer);
    victim->ends[0].forget(observer);
    EXPECT_EQ(observer.object, nullptr);
    victim->ends[0].unref();
    victim->ends[1].unref();
    EXPECT_EQ(table->in_use(), rvos::kMaxChannels - 1);

    auto again = table->create();
    ASSERT_FALSE(again.is_error());
    EXPECT_EQ(again.value(), victim);
    for (Endpoint& end : victim->ends) {
        EXPECT_EQ(end.ref_count(), 1u);
        EXPECT_FALSE(end.closed);
        EXPECT_FALSE(end.observed());
        EXPECT_TRUE(end.queue.empty());
        EXPECT_EQ(end.queue.bytes(), 0u);
        EXPECT_EQ(end.signals(), 0u);
    }
    EXPECT_EQ(table->create().error(), Error::ChannelTableFull);
    for (auto* c : all)
        for (Endpoint& end : c->ends) end.unref();
    EXPECT_EQ(table->in_use(), 0u);
}

TEST_F(ChannelTableTest, CreateReleaseCyclesNeverLeakSlots) {
    for (int round = 0; round < 3 * static_cast<int>(rvos::kMaxChannels); round++) {
        auto created = table->create();
        ASSERT_FALSE(created.is_error()) << "round " << round;
        created.value()->ends[0].unref();
        created.value()->ends[1].unref();
    }
    EXPECT_EQ(table->in_use(), 0u);
}

}  // namespace
