// RefCounted<T> and RefPtr<T>: every way a RefPtr gains, shares, moves and
// drops a reference keeps the count right, and last_reference_gone runs
// exactly once, when the count reaches zero.
#include <gtest/gtest.h>

#include <utility>

#include "base/ref_ptr.h"

using base::RefCounted;
using base::RefPtr;

namespace {

struct Counted : RefCounted<Counted> {
    void last_reference_gone() {
        gone++;
        if (on_gone) on_gone(this);
    }
    int gone = 0;
    void (*on_gone)(Counted*) = nullptr;
};

struct Derived : Counted {};

TEST(RefPtr, FreshObjectStartsWithOneReference) {
    Counted c;
    EXPECT_EQ(c.ref_count(), 1u);
    EXPECT_EQ(c.gone, 0);
    c.unref();
    EXPECT_EQ(c.gone, 1);
}

TEST(RefPtr, AdoptTakesOverTheFirstReferenceWithoutAddingOne) {
    Counted c;
    {
        RefPtr<Counted> p = RefPtr<Counted>::adopt(&c);
        EXPECT_EQ(c.ref_count(), 1u);
        EXPECT_EQ(p.get(), &c);
        EXPECT_TRUE(p);
    }
    EXPECT_EQ(c.gone, 1) << "the adopted reference was the last one";
}

TEST(RefPtr, ConstructingFromARawPointerSharesAndAddsAReference) {
    Counted c;
    {
        RefPtr<Counted> p(&c);
        EXPECT_EQ(c.ref_count(), 2u);
    }
    EXPECT_EQ(c.ref_count(), 1u);
    EXPECT_EQ(c.gone, 0);
    c.unref();
    EXPECT_EQ(c.gone, 1);
}

TEST(RefPtr, CopyAddsAReferenceAndEachCopyDropsOne) {
    Counted c;
    auto p = RefPtr<Counted>::adopt(&c);
    {
        RefPtr<Counted> q(p);
        EXPECT_EQ(c.ref_count(), 2u);
        RefPtr<Counted> r;
        r = q;
        EXPECT_EQ(c.ref_count(), 3u);
        EXPECT_TRUE(r == p);
        r = r;  // self-assignment changes nothing
        EXPECT_EQ(c.ref_count(), 3u);
    }
    EXPECT_EQ(c.ref_count(), 1u);
    EXPECT_EQ(c.gone, 0);
    p.clear();
    EXPECT_EQ(c.gone, 1);
}

TEST(RefPtr, CopyAssignmentDropsTheOldObjectsReference) {
    Counted a, b;
    auto pa = RefPtr<Counted>::adopt(&a);
    auto pb = RefPtr<Counted>::adopt(&b);
    pa = pb;
    EXPECT_EQ(a.gone, 1);
    EXPECT_EQ(b.ref_count(), 2u);
    pa.clear();
    pb.clear();
    EXPECT_EQ(b.gone, 1);
}

TEST(RefPtr, MoveTransfersTheReferenceWithoutTouchingTheCount) {
    Counted c;
    auto p = RefPtr<Counted>::adopt(&c);
    RefPtr<Counted> q(std::move(p));
    EXPECT_FALSE(p);
    EXPECT_EQ(q.get(), &c);
    EXPECT_EQ(c.ref_count(), 1u);
    RefPtr<Counted> r;
    r = std::move(q);
    EXPECT_FALSE(q);
    EXPECT_EQ(c.ref_count(), 1u);
    r = std::move(r);  // self-move keeps the object
    EXPECT_EQ(r.get(), &c);
    EXPECT_EQ(c.ref_count(), 1u);
    EXPECT_EQ(c.gone, 0);
    r.clear();
    EXPECT_EQ(c.gone, 1);
}

TEST(RefPtr, MoveAssignmentDropsTheOldObjectsReference) {
    Counted a, b;
    auto pa = RefPtr<Counted>::adopt(&a);
    auto pb = RefPtr<Counted>::adopt(&b);
    pa = std::move(pb);
    EXPECT_EQ(a.gone, 1);
    EXPECT_EQ(b.ref_count(), 1u);
    EXPECT_EQ(b.gone, 0);
    pa.clear();
    EXPECT_EQ(b.gone, 1);
}

TEST(RefPtr, MoveFromDerivedConvertsWithoutTouchingTheCount) {
    Derived d;
    auto pd = RefPtr<Derived>::adopt(&d);
    RefPtr<Counted> pc(std::move(pd));
    EXPECT_FALSE(pd);
    EXPECT_EQ(pc.get(), &d);
    EXPECT_EQ(d.ref_count(), 1u);
    pc.clear();
    EXPECT_EQ(d.gone, 1);
}

TEST(RefPtr, ClearDropsOnceAndASecondClearDoesNothing) {
    Counted c;
    auto p = RefPtr<Counted>::adopt(&c);
    p.clear();
    EXPECT_FALSE(p);
    EXPECT_EQ(c.gone, 1);
    p.clear();
    EXPECT_EQ(c.gone, 1);
}

TEST(RefPtr, LeakHandsTheReferenceOverAndAdoptTakesItBack) {
    Counted c;
    auto p = RefPtr<Counted>::adopt(&c);
    Counted* raw = p.leak();
    EXPECT_FALSE(p);
    EXPECT_EQ(raw, &c);
    EXPECT_EQ(c.ref_count(), 1u) << "leak does not drop";
    EXPECT_EQ(c.gone, 0);
    auto back = RefPtr<Counted>::adopt(raw);
    EXPECT_EQ(c.ref_count(), 1u);
    back.clear();
    EXPECT_EQ(c.gone, 1);
}

TEST(RefPtr, SwapExchangesWithoutTouchingCounts) {
    Counted a, b;
    auto pa = RefPtr<Counted>::adopt(&a);
    auto pb = RefPtr<Counted>::adopt(&b);
    pa.swap(pb);
    EXPECT_EQ(pa.get(), &b);
    EXPECT_EQ(pb.get(), &a);
    EXPECT_EQ(a.ref_count(), 1u);
    EXPECT_EQ(b.ref_count(), 1u);
    pa.clear();
    pb.clear();
    EXPECT_EQ(a.gone + b.gone, 2);
}

TEST(RefPtr, LastReferenceGoneRunsExactlyOnceWhateverTheMixOfOwners) {
    Counted c;
    auto p = RefPtr<Counted>::adopt(&c);
    {
        RefPtr<Counted> copies[5];
        for (auto& q : copies) q = p;
        c.ref();  // an explicit reference too
        RefPtr<Counted> moved(std::move(copies[2]));
        EXPECT_EQ(c.ref_count(), 7u);
    }
    EXPECT_EQ(c.ref_count(), 2u);
    p.clear();
    EXPECT_EQ(c.gone, 0);
    c.unref();
    EXPECT_EQ(c.gone, 1);
    EXPECT_EQ(c.ref_count(), 0u);
}

// A list whose nodes own their successor: popping the head with
// `head = std::move(head->next)` drops the old head, which destroys the
// very RefPtr being moved from. The move must take the reference first.
struct ListNode : RefCounted<ListNode> {
    void last_reference_gone() {
        live--;
        delete this;
    }
    RefPtr<ListNode> next;
    static inline int live = 0;
};

TEST(RefPtr, MoveAssigningFromAMemberOfTheObjectBeingDroppedIsSafe) {
    ListNode::live = 0;
    RefPtr<ListNode> head;
    for (int i = 0; i < 3; i++) {
        auto node = RefPtr<ListNode>::adopt(new ListNode);
        ListNode::live++;
        node->next = std::move(head);
        head = std::move(node);
    }
    EXPECT_EQ(ListNode::live, 3);
    head = std::move(head->next);  // pop
    EXPECT_EQ(ListNode::live, 2);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->ref_count(), 1u);
    head = std::move(head->next);
    EXPECT_EQ(ListNode::live, 1);
    head.clear();
    EXPECT_EQ(ListNode::live, 0);
}

}  // namespace
