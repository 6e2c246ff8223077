// Handle tables: numbering, limits, bad numbers, reference ownership, and
// rights — typed lookups in a fixed order of errors, and duplicates that can
// only drop rights.
#include <gtest/gtest.h>

#include <memory>

#include "ipc_support.h"
#include "ipc/handle_table.h"
#include "test_support.h"

using ipc::Channel;
using ipc::ChannelTable;
using ipc::Endpoint;
using ipc::HandleTable;
using ipc_test::TestObject;
using rvos::Error;
using rvos::Handle;
using rvos::Rights;

namespace {

constexpr Rights kAll = rvos::kRightsAll;

class HandleTableTest : public ::testing::Test {
protected:
    void TearDown() override {
        table.close_all();
        ipc_test::drain_everything(*channels);
        EXPECT_EQ(channels->in_use(), 0u) << "a test left a channel open";
    }
    // A fresh endpoint holding one reference, which install() takes over.
    Endpoint* endpoint() {
        auto created = channels->create();
        EXPECT_FALSE(created.is_error());
        Channel* c = created.value();
        c->ends[1].unref();  // only ends[0] is wanted; its peer is closed
        return &c->ends[0];
    }
    Handle install(ipc::Object* e, Rights rights = kAll) {
        auto h = table.install(e, rights);
        EXPECT_FALSE(h.is_error());
        return h.is_error() ? rvos::kNoHandle : h.value();
    }

    std::unique_ptr<ChannelTable> channels = std::make_unique<ChannelTable>();
    HandleTable table;
};

TEST_F(HandleTableTest, EmptyTableHasCountZero) {
    EXPECT_EQ(table.count(), 0u);
    EXPECT_EQ(table.free_slots(), rvos::kMaxHandles);
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
    EXPECT_EQ(table.get<Endpoint>(h0, 0).value(), e0);
    EXPECT_EQ(table.get<Endpoint>(h1, rvos::kRightRead).value(), e1);
    EXPECT_EQ(table.count(), 2u);  // get does not remove
    EXPECT_EQ(e0->ref_count(), 1u) << "get does not add a reference";
}

TEST_F(HandleTableTest, InstallsUpToMaxHandlesThenHandleTableFull) {
    for (size_t i = 0; i < rvos::kMaxHandles; i++) EXPECT_EQ(install(endpoint()), static_cast<Handle>(i));
    EXPECT_TRUE(table.full());
    EXPECT_EQ(table.count(), rvos::kMaxHandles);
    Endpoint* extra = endpoint();
    auto overflow = table.install(extra, kAll);
    ASSERT_TRUE(overflow.is_error());
    EXPECT_EQ(overflow.error(), Error::HandleTableFull);
    EXPECT_EQ(table.count(), rvos::kMaxHandles);
    EXPECT_EQ(extra->ref_count(), 1u);  // the caller still owns the reference
    extra->unref();
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
        EXPECT_EQ(table.lookup(bad).error(), Error::BadHandle) << bad;
        EXPECT_EQ(table.get<Endpoint>(bad, 0).error(), Error::BadHandle) << bad;
        EXPECT_EQ(table.duplicate(bad, 0).error(), Error::BadHandle) << bad;
        EXPECT_EQ(table.take(bad).error(), Error::BadHandle) << bad;
        EXPECT_EQ(table.close(bad), Error::BadHandle) << bad;
    }
    EXPECT_EQ(table.count(), 1u);
}

TEST_F(HandleTableTest, ClosedNumberIsBadHandle) {
    Handle h = install(endpoint());
    ASSERT_EQ(table.close(h), Error::None);
    EXPECT_EQ(table.get<Endpoint>(h, 0).error(), Error::BadHandle);
    EXPECT_EQ(table.take(h).error(), Error::BadHandle);
    EXPECT_EQ(table.close(h), Error::BadHandle);
    EXPECT_EQ(table.count(), 0u);
}

TEST_F(HandleTableTest, TakeRemovesTheHandleAndHandsOverTheReferenceAndRights) {
    Endpoint* e = endpoint();
    Handle h = install(e, rvos::kRightRead | rvos::kRightTransfer);
    auto taken = table.take(h);
    ASSERT_FALSE(taken.is_error());
    EXPECT_EQ(taken.value().object, e);
    EXPECT_EQ(taken.value().rights, rvos::kRightRead | rvos::kRightTransfer);
    EXPECT_EQ(table.count(), 0u);
    EXPECT_EQ(table.get<Endpoint>(h, 0).error(), Error::BadHandle);
    EXPECT_EQ(e->ref_count(), 1u);  // not dropped: the caller owns it now
    EXPECT_FALSE(e->closed);
    e->unref();
}

TEST_F(HandleTableTest, CloseDropsTheReference) {
    Endpoint* e = endpoint();
    e->ref();  // a second reference held elsewhere
    Handle h = install(e);
    ASSERT_EQ(table.close(h), Error::None);
    EXPECT_EQ(e->ref_count(), 1u);
    EXPECT_FALSE(e->closed);
    e->unref();
    EXPECT_EQ(channels->in_use(), 0u);
}

TEST_F(HandleTableTest, CloseOfLastReferenceClosesTheEndpointAndWakesItsPeersObservers) {
    Channel* c = channels->create().value();
    Handle ha = install(&c->ends[0]);
    Handle hb = install(&c->ends[1]);
    Task peer{5};
    ipc::Observer observer{&peer, rvos::kSignalPeerClosed};
    c->ends[1].observe(observer);
    fake::clear_wakes();
    ASSERT_EQ(table.close(ha), Error::None);
    EXPECT_TRUE(c->ends[0].closed);
    ASSERT_EQ(fake::wakes().size(), 1u);
    EXPECT_EQ(fake::wakes()[0], &peer);
    c->ends[1].forget(observer);
    ASSERT_EQ(table.close(hb), Error::None);
    EXPECT_EQ(channels->in_use(), 0u);
}

TEST_F(HandleTableTest, SameEndpointUnderTwoHandlesNeedsTwoCloses) {
    Endpoint* e = endpoint();
    e->ref();
    Handle h1 = install(e);
    Handle h2 = install(e);
    EXPECT_TRUE(table.holds(e));
    ASSERT_EQ(table.close(h1), Error::None);
    EXPECT_FALSE(e->closed);
    EXPECT_TRUE(table.holds(e));
    ASSERT_EQ(table.close(h2), Error::None);
    EXPECT_FALSE(table.holds(e));
    EXPECT_EQ(channels->in_use(), 0u);
}

TEST_F(HandleTableTest, CloseAllDropsEveryReferenceAndEmptiesTheTable) {
    for (int i = 0; i < 20; i++) {
        Channel* c = channels->create().value();
        install(&c->ends[0]);
        install(&c->ends[1]);
    }
    ASSERT_EQ(table.count(), 40u);
    ASSERT_EQ(channels->in_use(), 20u);
    table.close_all();
    EXPECT_EQ(table.count(), 0u);
    EXPECT_EQ(channels->in_use(), 0u);
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

TEST_F(HandleTableTest, ForEachVisitsEveryHandlesObject) {
    TestObject leaf;
    Endpoint* e = endpoint();
    install(e);
    leaf.ref();
    install(&leaf);
    std::vector<ipc::Object*> seen;
    table.for_each([&](ipc::Object& object) { seen.push_back(&object); });
    EXPECT_EQ(seen, (std::vector<ipc::Object*>{e, &leaf}));
    table.close_all();
    EXPECT_EQ(leaf.ref_count(), 1u);
}

// ---- Rights -----------------------------------------------------------------------

TEST_F(HandleTableTest, InstallKeepsOnlyDefinedRightBits) {
    Handle h = install(endpoint(), ~0u);
    EXPECT_EQ(table.lookup(h).value().rights, kAll);
}

TEST_F(HandleTableTest, GetChecksBadHandleThenWrongTypeThenAccessDenied) {
    TestObject leaf(ipc::Object::Kind::Memory);
    leaf.ref();
    Handle memory = install(&leaf, rvos::kRightRead);
    Handle channel = install(endpoint(), rvos::kRightRead);
    // A bad number is BadHandle whatever kind and rights are asked for.
    EXPECT_EQ(table.get<Endpoint>(7, kAll).error(), Error::BadHandle);
    // The wrong kind is WrongType even when rights are missing too.
    EXPECT_EQ(table.get<Endpoint>(memory, kAll).error(), Error::WrongType);
    EXPECT_EQ(table.get<Endpoint>(memory, rvos::kRightRead).error(), Error::WrongType);
    // The right kind without a right is AccessDenied.
    EXPECT_EQ(table.get<Endpoint>(channel, rvos::kRightWrite).error(), Error::AccessDenied);
    EXPECT_EQ(table.get<Endpoint>(channel, rvos::kRightRead | rvos::kRightWrite).error(), Error::AccessDenied);
    // Every right held: the object.
    EXPECT_FALSE(table.get<Endpoint>(channel, rvos::kRightRead).is_error());
    EXPECT_FALSE(table.get<Endpoint>(channel, 0).is_error());
    table.close_all();
    EXPECT_EQ(leaf.ref_count(), 1u);
}

TEST_F(HandleTableTest, DuplicateNeedsTheDuplicateRight) {
    Endpoint* e = endpoint();
    Handle h = install(e, kAll & ~rvos::kRightDuplicate);
    EXPECT_EQ(table.duplicate(h, 0).error(), Error::AccessDenied);
    EXPECT_EQ(table.duplicate(h, rvos::kRightRead).error(), Error::AccessDenied);
    EXPECT_EQ(table.count(), 1u);
    EXPECT_EQ(e->ref_count(), 1u) << "a refused duplicate adds no reference";
}

TEST_F(HandleTableTest, DuplicateCannotRaiseAnyRight) {
    // For every right the source lacks, a duplicate asking for it (alone or
    // with everything the source has) is AccessDenied.
    const Rights source = rvos::kRightDuplicate | rvos::kRightRead | rvos::kRightWait;
    Endpoint* e = endpoint();
    Handle h = install(e, source);
    for (Rights bit = 1; bit & kAll; bit <<= 1) {
        if (source & bit) continue;
        EXPECT_EQ(table.duplicate(h, bit).error(), Error::AccessDenied) << "bit " << bit;
        EXPECT_EQ(table.duplicate(h, source | bit).error(), Error::AccessDenied) << "bit " << bit;
    }
    EXPECT_EQ(table.duplicate(h, kAll).error(), Error::AccessDenied);
    EXPECT_EQ(table.count(), 1u);
    EXPECT_EQ(e->ref_count(), 1u);
}

TEST_F(HandleTableTest, DuplicateWithEqualOrFewerRightsAddsAReference) {
    const Rights source = rvos::kRightDuplicate | rvos::kRightRead | rvos::kRightWrite;
    Endpoint* e = endpoint();
    Handle h = install(e, source);
    auto same = table.duplicate(h, source);
    ASSERT_FALSE(same.is_error());
    EXPECT_EQ(table.lookup(same.value()).value().rights, source);
    auto fewer = table.duplicate(h, rvos::kRightRead);
    ASSERT_FALSE(fewer.is_error());
    EXPECT_EQ(table.lookup(fewer.value()).value().object, e);
    EXPECT_EQ(table.lookup(fewer.value()).value().rights, rvos::kRightRead);
    EXPECT_EQ(e->ref_count(), 3u);
    // The copy without kRightDuplicate cannot be duplicated further, nor
    // can its rights come back through it.
    EXPECT_EQ(table.duplicate(fewer.value(), rvos::kRightRead).error(), Error::AccessDenied);
    EXPECT_EQ(table.get<Endpoint>(fewer.value(), rvos::kRightWrite).error(), Error::AccessDenied);
    ASSERT_EQ(table.close(h), Error::None);
    ASSERT_EQ(table.close(same.value()), Error::None);
    EXPECT_FALSE(e->closed);
    EXPECT_EQ(e->ref_count(), 1u);
}

TEST_F(HandleTableTest, DuplicateIntoAFullTableIsHandleTableFullAndAddsNoReference) {
    Endpoint* e = endpoint();
    Handle h = install(e);
    while (!table.full()) install(endpoint());
    EXPECT_EQ(table.duplicate(h, rvos::kRightRead).error(), Error::HandleTableFull);
    EXPECT_EQ(e->ref_count(), 1u);
}

}  // namespace
