// Who pays for queued messages: each program's account (at most
// kMaxQueuedBytesPerProcess), what programs together and the system's
// servers may queue, the small-message reserve a server's status reply
// always fits, and the holder an endpoint charges for what the system sends.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "ipc/handle_table.h"
#include "ipc_support.h"
#include "test_support.h"

using ipc::Channel;
using ipc::ChannelTable;
using ipc::Endpoint;
using ipc::MessageNode;
using ipc::Payer;
using ipc_test::receive_message;
using rvos::Error;

namespace {

constexpr size_t kMaxCharge = sizeof(MessageNode) + rvos::kMaxMessageBytes;

// A program's payer: it sends and pays.
Payer program(uint8_t account, uint32_t pid) { return Payer{pid, account, pid, false}; }

// Sends `length` bytes from `from` the way the kernel's send does: allocated
// for `payer`, knowing whether the receiving queue is empty.
Error send_as(Endpoint& from, const Payer& payer, size_t length) {
    auto node = MessageNode::allocate(length, 0, payer, from.peer().queue.empty());
    if (node.is_error()) return node.error();
    Error error = ipc::send(from, node.value());
    if (error != Error::None) MessageNode::free(node.value(), false);
    return error;
}

class MessageBudgetTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(ipc::queued_bytes(), 0u) << "an earlier test left messages queued"; }
    void TearDown() override {
        for (Channel* c : channels)
            for (Endpoint& end : c->ends) end.unref();
        EXPECT_EQ(ipc::queued_bytes(), 0u);
        for (uint8_t account = 0; account < rvos::kMaxProcesses; account++) ipc::close_account(account);
    }
    Channel* make() {
        auto created = table->create();
        EXPECT_FALSE(created.is_error());
        channels.push_back(created.value());
        return created.value();
    }
    // Sends maximal messages for `payer`, making channels as queues fill,
    // until something else refuses; returns that error.
    Error fill(const Payer& payer, size_t length = rvos::kMaxMessageBytes) {
        Channel* c = make();
        for (;;) {
            Error error = send_as(c->ends[0], payer, length);
            if (error == Error::QueueFull) {
                c = make();
                continue;
            }
            if (error != Error::None) return error;
        }
    }
    std::unique_ptr<ChannelTable> table = std::make_unique<ChannelTable>();
    std::vector<Channel*> channels;
};

TEST_F(MessageBudgetTest, AProgramIsStoppedByItsOwnQuotaNotTheSystemBudget) {
    ipc::open_account(3, 42);
    EXPECT_EQ(fill(program(3, 42)), Error::QuotaExceeded);
    EXPECT_LE(ipc::account_queued(3), rvos::kMaxQueuedBytesPerProcess);
    EXPECT_GT(ipc::account_queued(3) + kMaxCharge, rvos::kMaxQueuedBytesPerProcess);
    EXPECT_EQ(ipc::queued_bytes(), ipc::account_queued(3));
    // Another program still has all of its own.
    ipc::open_account(4, 43);
    Channel* other = make();
    EXPECT_EQ(send_as(other->ends[0], program(4, 43), rvos::kMaxMessageBytes), Error::None);
    EXPECT_EQ(ipc::account_queued(4), kMaxCharge);
    // A receive gives the sender its room back.
    size_t before = ipc::account_queued(3);
    ASSERT_EQ(receive_message(channels[0]->ends[1]).error, Error::None);
    EXPECT_EQ(ipc::account_queued(3), before - kMaxCharge);
    EXPECT_EQ(send_as(channels[0]->ends[0], program(3, 42), rvos::kMaxMessageBytes), Error::None);
}

TEST_F(MessageBudgetTest, ProgramsTogetherStopShortOfWhatTheSystemMayQueue) {
    Error last = Error::None;
    uint8_t account = 0;
    for (; account < rvos::kMaxProcesses && last != Error::NoMemory; account++) {
        ipc::open_account(account, 100u + account);
        last = fill(program(account, 100u + account));
    }
    EXPECT_EQ(last, Error::NoMemory) << "the programs' part ran out before their quotas did";
    EXPECT_EQ(account, rvos::kMaxQueuedBytes / rvos::kMaxQueuedBytesPerProcess)
        << "kSystemQueueReserve is about one program's quota";
    EXPECT_LE(ipc::queued_bytes(), ipc::kProgramQueueLimit);
    EXPECT_GT(ipc::queued_bytes() + kMaxCharge, ipc::kProgramQueueLimit);
    // The system's servers may still queue into their reserve, up to theirs.
    EXPECT_EQ(fill(Payer{}), Error::NoMemory);
    EXPECT_LE(ipc::queued_bytes(), ipc::kSystemQueueLimit);
    EXPECT_GT(ipc::queued_bytes() + kMaxCharge, ipc::kSystemQueueLimit);
}

TEST_F(MessageBudgetTest, ASmallMessageToAnEmptyQueueAlwaysGoesOnePerEndpoint) {
    EXPECT_EQ(fill(Payer{}), Error::NoMemory);
    EXPECT_EQ(fill(Payer{}, 1), Error::NoMemory) << "filled to the last byte";
    size_t full = ipc::queued_bytes();
    Channel* waiting = make();
    // What a server's status reply is: kSmallMessageBytes, no handles.
    EXPECT_EQ(send_as(waiting->ends[0], Payer{}, rvos::kSmallMessageBytes), Error::None);
    EXPECT_EQ(ipc::queued_bytes(), full + sizeof(MessageNode) + rvos::kSmallMessageBytes);
    // Only into an empty queue, only small, only without handles.
    EXPECT_EQ(send_as(waiting->ends[0], Payer{}, 1), Error::NoMemory);
    EXPECT_EQ(send_as(waiting->ends[1], Payer{}, rvos::kSmallMessageBytes + 1), Error::NoMemory);
    ipc_test::TestObject leaf;
    EXPECT_EQ(ipc_test::send_message(waiting->ends[1], 1, {ipc_test::entry(leaf)}, 4), Error::NoMemory);
    // From programs as well, whatever their accounts hold.
    ipc::open_account(7, 70);
    EXPECT_EQ(send_as(waiting->ends[1], program(7, 70), 8), Error::None);
    EXPECT_EQ(ipc::account_queued(7), 0u) << "the reserve is charged to nobody";
    // Received, it is there again for the next empty queue.
    ASSERT_EQ(receive_message(waiting->ends[1]).error, Error::None);
    EXPECT_EQ(send_as(waiting->ends[0], Payer{}, 8), Error::None);
}

TEST_F(MessageBudgetTest, AMessageThatOutlivesItsPayerPaysNobodyBack) {
    ipc::open_account(5, 50);
    Channel* c = make();
    ASSERT_EQ(send_as(c->ends[0], program(5, 50), 100), Error::None);
    ipc::close_account(5);
    ipc::open_account(5, 51);  // the slot's next program
    ASSERT_EQ(send_as(c->ends[0], program(5, 51), 200), Error::None);
    ASSERT_EQ(receive_message(c->ends[1]).error, Error::None);
    EXPECT_EQ(ipc::account_queued(5), sizeof(MessageNode) + 200) << "the earlier owner's message is not refunded here";
    ASSERT_EQ(receive_message(c->ends[1]).error, Error::None);
    EXPECT_EQ(ipc::account_queued(5), 0u);
}

TEST_F(MessageBudgetTest, WhatTheSystemSendsIsChargedToTheProgramHoldingTheReceivingEnd) {
    ipc::open_account(6, 60);
    ipc::HandleTable client;
    client.set_owner(ipc::Holder{6, 60});
    Channel* c = make();
    c->ends[1].ref();
    rvos::Handle held = client.install(&c->ends[1], rvos::kRightsAll).value();
    ASSERT_EQ(c->ends[1].holder, (ipc::Holder{6, 60}));
    // A server's replies to it, which it does not read, fill its account.
    Payer server{1, c->ends[1].holder.account, c->ends[1].holder.pid, true};
    Error error = Error::None;
    size_t replies = 0;
    while ((error = send_as(c->ends[0], server, 4096)) == Error::None) replies++;
    EXPECT_EQ(error, Error::QueueFull) << "one endpoint's limits come first";
    EXPECT_EQ(ipc::account_queued(6), replies * (sizeof(MessageNode) + 4096));
    // Sent away, the endpoint no longer charges this program.
    ipc::HandleEntry taken = client.take(held).value();
    EXPECT_EQ(c->ends[1].holder, ipc::Holder{});
    taken.object->unref();
}

}  // namespace
