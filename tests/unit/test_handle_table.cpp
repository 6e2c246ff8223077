// Handle tables: numbering, limits, bad numbers and reference ownership.
#include <gtest/gtest.h>

#include <memory>

#include "test_support.h"
#include "ipc/handle_table.h"

using ipc::Channel;
using ipc::ChannelTable;
using ipc::Endpoint;
using ipc::HandleTable;
using rvos::Error;
using rvos::Handle;

namespace {

class HandleTableTest : public ::testing::Test {
protected:
    // A fresh endpoint holding one reference, which install() takes over.
    Endpoint* endpoint() {
        auto created = channels->create();
        EXPECT_FALSE(created.is_error());
        Channel* c = created.value();
        ipc::unref(c->ends[1]);  // only ends[0] is wanted; its peer is closed
        return &c->ends[0];
    }
    Handle install(Endpoint* e) {
        auto h = table.install(e);
        EXPECT_FALSE(h.is_error());
        return h.is_error() ? rvos::kNoHandle : h.value();
    }

    std::unique_ptr<ChannelTable> channels = std::make_unique<ChannelTable>();
    HandleTable table;
};

TEST_F(HandleTableTest, EmptyTableHasCountZero) {
    EXPECT_EQ(table.count(), 0u);
    EXPECT_FALSE(table.full());
}

TEST_F(HandleTableTest, FirstHandleIsZeroAndNumbersAscend) {
    EXPECT_EQ(install(endpoint()), 0);
    EXPECT_EQ(install(endpoint()), 1);
    EXPECT_EQ(install(endpoint()), 2);
    EXPECT_EQ(table.count(), 3u);
}

TEST_F(HandleTableTest, GetReturnsTheInstalledEndpoint) {
    Endpoint* e0 = endpoint();
    Endpoint* e1 = endpoint();
    Handle h0 = install(e0);
    Handle h1 = install(e1);
    EXPECT_EQ(table.get(h0).value(), e0);
    EXPECT_EQ(table.get(h1).value(), e1);
    EXPECT_EQ(table.count(), 2u);  // get does not remove
}

TEST_F(HandleTableTest, InstallsUpToMaxHandlesThenHandleTableFull) {
    for (size_t i = 0; i < rvos::kMaxHandles; i++) EXPECT_EQ(install(endpoint()), static_cast<Handle>(i));
    EXPECT_TRUE(table.full());
    EXPECT_EQ(table.count(), rvos::kMaxHandles);
    Endpoint* extra = endpoint();
    auto overflow = table.install(extra);
    ASSERT_TRUE(overflow.is_error());
    EXPECT_EQ(overflow.error(), Error::HandleTableFull);
    EXPECT_EQ(table.count(), rvos::kMaxHandles);
    EXPECT_EQ(extra->refs, 1u);  // the caller still owns the reference
    ipc::unref(*extra);
    table.close_all();
}

TEST_F(HandleTableTest, LowestFreeNumberIsReusedFirst) {
    for (int i = 0; i < 5; i++) install(endpoint());
    ASSERT_EQ(table.close(3), Error::None);
    ASSERT_EQ(table.close(1), Error::None);
    EXPECT_EQ(install(endpoint()), 1);
    EXPECT_EQ(install(endpoint()), 3);
    EXPECT_EQ(install(endpoint()), 5);
}

TEST_F(HandleTableTest, ClosingHandleZeroMakesZeroTheNextNumber) {
    install(endpoint());
    install(endpoint());
    ASSERT_EQ(table.close(0), Error::None);
    EXPECT_EQ(install(endpoint()), 0);
}

TEST_F(HandleTableTest, FullTableAcceptsAgainAfterAClose) {
    for (size_t i = 0; i < rvos::kMaxHandles; i++) install(endpoint());
    ASSERT_EQ(table.close(63), Error::None);
    EXPECT_EQ(install(endpoint()), 63);
    ASSERT_EQ(table.close(40), Error::None);
    EXPECT_EQ(install(endpoint()), 40);
}

TEST_F(HandleTableTest, OutOfRangeNegativeAndUnusedNumbersAreBadHandle) {
    install(endpoint());
    for (Handle bad : {Handle{-1}, Handle{-64}, INT32_MIN, Handle{1}, Handle{63}, Handle{64}, Handle{65},
                       Handle{1000}, INT32_MAX}) {
        EXPECT_EQ(table.get(bad).error(), Error::BadHandle) << bad;
        EXPECT_EQ(table.take(bad).error(), Error::BadHandle) << bad;
        EXPECT_EQ(table.close(bad), Error::BadHandle) << bad;
    }
    EXPECT_EQ(table.count(), 1u);
}

TEST_F(HandleTableTest, ClosedNumberIsBadHandle) {
    Handle h = install(endpoint());
    ASSERT_EQ(table.close(h), Error::None);
    EXPECT_EQ(table.get(h).error(), Error::BadHandle);
    EXPECT_EQ(table.take(h).error(), Error::BadHandle);
    EXPECT_EQ(table.close(h), Error::BadHandle);
    EXPECT_EQ(table.count(), 0u);
}

TEST_F(HandleTableTest, TakeRemovesTheHandleAndHandsOverTheReference) {
    Endpoint* e = endpoint();
    Handle h = install(e);
    auto taken = table.take(h);
    ASSERT_FALSE(taken.is_error());
    EXPECT_EQ(taken.value(), e);
    EXPECT_EQ(table.count(), 0u);
    EXPECT_EQ(table.get(h).error(), Error::BadHandle);
    EXPECT_EQ(e->refs, 1u);  // not dropped: the caller owns it now
    EXPECT_FALSE(e->closed);
    ipc::unref(*e);
}

TEST_F(HandleTableTest, CloseDropsTheReference) {
    Endpoint* e = endpoint();
    ipc::ref(*e);  // a second reference held elsewhere
    Handle h = install(e);
    ASSERT_EQ(table.close(h), Error::None);
    EXPECT_EQ(e->refs, 1u);
    EXPECT_FALSE(e->closed);
    ipc::unref(*e);
    EXPECT_TRUE(e->closed);
}

TEST_F(HandleTableTest, CloseOfLastReferenceClosesTheEndpointAndWakesItsPeer) {
    Channel* c = channels->create().value();
    Handle ha = install(&c->ends[0]);
    Handle hb = install(&c->ends[1]);
    Task peer{5};
    c->ends[1].waiter = &peer;
    fake::clear_wakes();
    ASSERT_EQ(table.close(ha), Error::None);
    EXPECT_TRUE(c->ends[0].closed);
    ASSERT_EQ(fake::wakes().size(), 1u);
    EXPECT_EQ(fake::wakes()[0], &peer);
    ASSERT_EQ(table.close(hb), Error::None);
    EXPECT_EQ(channels->in_use(), 0u);
}

TEST_F(HandleTableTest, SameEndpointUnderTwoHandlesNeedsTwoCloses) {
    Endpoint* e = endpoint();
    ipc::ref(*e);
    Handle h1 = install(e);
    Handle h2 = install(e);
    ASSERT_EQ(table.close(h1), Error::None);
    EXPECT_FALSE(e->closed);
    ASSERT_EQ(table.close(h2), Error::None);
    EXPECT_TRUE(e->closed);
}

TEST_F(HandleTableTest, CloseAllDropsEveryReferenceAndEmptiesTheTable) {
    Channel* pairs[20];
    for (auto& c : pairs) {
        c = channels->create().value();
        install(&c->ends[0]);
        install(&c->ends[1]);
    }
    ASSERT_EQ(table.count(), 40u);
    ASSERT_EQ(channels->in_use(), 20u);
    table.close_all();
    EXPECT_EQ(table.count(), 0u);
    EXPECT_EQ(channels->in_use(), 0u);
    for (auto* c : pairs) {
        EXPECT_TRUE(c->ends[0].closed);
        EXPECT_TRUE(c->ends[1].closed);
    }
    EXPECT_EQ(install(endpoint()), 0);
}

TEST_F(HandleTableTest, CloseAllOnFullTableReleasesEverything) {
    for (size_t i = 0; i < rvos::kMaxHandles / 2; i++) {
        Channel* c = channels->create().value();
        install(&c->ends[0]);
        install(&c->ends[1]);
    }
    ASSERT_TRUE(table.full());
    table.close_all();
    EXPECT_EQ(table.count(), 0u);
    EXPECT_EQ(channels->in_use(), 0u);
}

}  // namespace
