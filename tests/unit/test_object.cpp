// Objects and observers: notify wakes exactly the observers whose wanted
// signals are present, forget unhooks one observer wherever it sits in the
// list, and an endpoint's closed peer raises kSignalPeerClosed.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "ipc_support.h"
#include "ipc/channel.h"
#include "test_support.h"

using ipc::Observer;
using ipc_test::TestObject;

namespace {

std::vector<int> woken_ids() {
    std::vector<int> ids;
    for (Task* t : fake::wakes()) ids.push_back(t->id);
    std::sort(ids.begin(), ids.end());
    return ids;
}

class ObserverTest : public ::testing::Test {
protected:
    void SetUp() override {
        fake::clear_wakes();
        for (int i = 0; i < 4; i++) tasks[i].id = i;
    }
    void TearDown() override {
        for (Observer& o : observers)
            if (o.object) o.object->forget(o);
        EXPECT_FALSE(object.observed());
    }
    void hook(int i, rvos::Signals wanted) {
        observers[i].task = &tasks[i];
        observers[i].wanted = wanted;
        object.observe(observers[i]);
    }

    TestObject object;
    Task tasks[4];
    Observer observers[4];
};

TEST_F(ObserverTest, NotifyWakesExactlyTheObserversWhoseWantedSignalsArePresent) {
    hook(0, rvos::kSignalReadable);
    hook(1, rvos::kSignalPeerClosed);
    hook(2, rvos::kSignalReadable | rvos::kSignalPeerClosed);
    hook(3, rvos::kSignalFired);
    EXPECT_TRUE(object.observed());
    object.notify();
    EXPECT_TRUE(fake::wakes().empty()) << "no signal, nobody woken";

    object.raise(rvos::kSignalReadable);
    EXPECT_EQ(woken_ids(), (std::vector<int>{0, 2}));
    fake::clear_wakes();

    object.raise(rvos::kSignalPeerClosed);
    EXPECT_EQ(woken_ids(), (std::vector<int>{0, 1, 2})) << "every observer with a wanted signal present";
    fake::clear_wakes();

    object.signals_now = rvos::kSignalFired;
    object.notify();
    EXPECT_EQ(woken_ids(), (std::vector<int>{3}));
}

TEST_F(ObserverTest, NotifyDoesNotUnhookObservers) {
    hook(0, rvos::kSignalReadable);
    object.raise(rvos::kSignalReadable);
    object.notify();
    EXPECT_EQ(fake::wakes().size(), 2u);
    EXPECT_EQ(observers[0].object, &object);
}

TEST_F(ObserverTest, ForgetUnhooksOnlyThatObserverFromAnyPosition) {
    for (int i = 0; i < 4; i++) hook(i, rvos::kSignalReadable);
    // The list is head-first: 3 2 1 0. Unhook middle, head, tail.
    object.forget(observers[1]);
    EXPECT_EQ(observers[1].object, nullptr);
    EXPECT_EQ(observers[1].next, nullptr);
    EXPECT_EQ(observers[1].prev, nullptr);
    object.raise(rvos::kSignalReadable);
    EXPECT_EQ(woken_ids(), (std::vector<int>{0, 2, 3}));
    fake::clear_wakes();

    object.forget(observers[3]);
    object.notify();
    EXPECT_EQ(woken_ids(), (std::vector<int>{0, 2}));
    fake::clear_wakes();

    object.forget(observers[0]);
    object.notify();
    EXPECT_EQ(woken_ids(), (std::vector<int>{2}));
    fake::clear_wakes();

    object.forget(observers[2]);
    EXPECT_FALSE(object.observed());
    object.notify();
    EXPECT_TRUE(fake::wakes().empty());
}

TEST_F(ObserverTest, ForgottenObserverCanBeHookedAgain) {
    hook(0, rvos::kSignalReadable);
    object.forget(observers[0]);
    hook(0, rvos::kSignalReadable);
    hook(1, rvos::kSignalReadable);
    object.raise(rvos::kSignalReadable);
    EXPECT_EQ(woken_ids(), (std::vector<int>{0, 1}));
}

TEST_F(ObserverTest, OneTaskObservingTwoObjectsIsWokenByEither) {
    TestObject other;
    Observer second{&tasks[0], rvos::kSignalFired};
    hook(0, rvos::kSignalReadable);
    other.observe(second);
    other.raise(rvos::kSignalFired);
    EXPECT_EQ(woken_ids(), (std::vector<int>{0}));
    other.forget(second);
    EXPECT_FALSE(other.observed());
}

TEST(EndpointSignals, AClosedPeerRaisesPeerClosedAndWakesItsObservers) {
    fake::clear_wakes();
    auto table = std::make_unique<ipc::ChannelTable>();
    ipc::Channel* c = table->create().value();
    Task waiter{1};
    Observer observer{&waiter, rvos::kSignalPeerClosed};
    c->ends[0].observe(observer);
    EXPECT_EQ(c->ends[0].signals(), 0u);
    c->ends[1].unref();
    EXPECT_EQ(c->ends[0].signals(), rvos::kSignalPeerClosed);
    EXPECT_EQ(woken_ids(), (std::vector<int>{1}));
    c->ends[0].forget(observer);
    c->ends[0].unref();
    EXPECT_EQ(table->in_use(), 0u);
}

TEST(EndpointSignals, ReadableFollowsTheQueue) {
    fake::clear_wakes();
    auto table = std::make_unique<ipc::ChannelTable>();
    ipc::Channel* c = table->create().value();
    ASSERT_EQ(ipc_test::send_message(c->ends[0], 1), rvos::Error::None);
    EXPECT_EQ(c->ends[1].signals(), rvos::kSignalReadable);
    EXPECT_EQ(c->ends[0].signals(), 0u);
    ASSERT_EQ(ipc_test::receive_message(c->ends[1]).error, rvos::Error::None);
    EXPECT_EQ(c->ends[1].signals(), 0u);
    c->ends[0].unref();
    c->ends[1].unref();
}

}  // namespace
