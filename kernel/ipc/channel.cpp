// Channels: bounded queues of variable-size messages, peer close, iterative
// release and cycle collection (see channel.h).
#include "ipc/channel.h"

#include "base/string.h"

namespace ipc {

namespace {

size_t queued_total = 0;    // charged to the budgets
size_t reserved_total = 0;  // taken from the small-message reserve

// Each endpoint holds at most one reserved message: one is taken only for
// an empty queue, which it then keeps non-empty until it is received.

struct Account {
    uint32_t pid = 0;         // 0: no program owns this account
    uint16_t generation = 0;  // bumped whenever it is opened or closed
    size_t queued = 0;
};
Account accounts[rvos::kMaxProcesses];

// The account `pid` pays from, if it is that program's.
Account* account_of(uint8_t index, uint32_t pid) {
    if (index >= rvos::kMaxProcesses || accounts[index].pid != pid || pid == 0) return nullptr;
    return &accounts[index];
}

// What paid for `node`, if the account is still the one that did.
Account* payer_of(const MessageNode& node) {
    if (node.account >= rvos::kMaxProcesses) return nullptr;
    Account& account = accounts[node.account];
    return account.pid && account.generation == node.generation ? &account : nullptr;
}

// Whether `charge` more bytes fit what a payer may queue: its account (if
// it has one) and its part of the budget. The small-message reserve is
// part of kMaxQueuedBytes, kept apart.
Error budget_for(const Account* account, bool system, size_t charge) {
    if (account && account->queued + charge > rvos::kMaxQueuedBytesPerProcess) return Error::QuotaExceeded;
    size_t limit = system ? kSystemQueueLimit : kProgramQueueLimit;
    return queued_total + charge <= limit ? Error::None : Error::NoMemory;
}

}  // namespace

size_t queued_bytes() { return queued_total + reserved_total; }

void open_account(uint8_t index, uint32_t pid) {
    if (index >= rvos::kMaxProcesses) return;
    Account& account = accounts[index];
    account = Account{pid, static_cast<uint16_t>(account.generation + 1), 0};
}

void close_account(uint8_t index) {
    if (index >= rvos::kMaxProcesses) return;
    Account& account = accounts[index];
    account = Account{0, static_cast<uint16_t>(account.generation + 1), 0};
}

size_t account_queued(uint8_t index) { return index < rvos::kMaxProcesses ? accounts[index].queued : 0; }

ErrorOr<MessageNode*> MessageNode::allocate(size_t length, size_t handle_count, const Payer& payer,
                                            bool to_empty_queue) {
    if (length > rvos::kMaxMessageBytes || handle_count > rvos::kMaxMessageHandles) return Error::BadArgument;
    size_t charge = sizeof(MessageNode) + handle_count * sizeof(HandleEntry) + length;
    Account* account = account_of(payer.account, payer.account_pid);
    Error budget = budget_for(account, payer.system, charge);
    bool reserved = false;
    if (budget != Error::None) {
        bool small = length <= rvos::kSmallMessageBytes && handle_count == 0 && to_empty_queue;
        if (!small || reserved_total + charge > kSmallMessageReserve) return budget;
        reserved = true;
    }
    void* memory = message_memory_allocate(charge);
    if (!memory) return Error::NoMemory;
    auto* node = static_cast<MessageNode*>(memory);
    node->length = static_cast<uint32_t>(length);
    node->sender_pid = payer.sender_pid;
    node->charge = static_cast<uint32_t>(charge);
    node->handle_count = static_cast<uint8_t>(handle_count);
    node->account = reserved ? kReserved : account ? payer.account : kSystemAccount;
    node->generation = account ? account->generation : 0;
    for (size_t i = 0; i < handle_count; i++) node->handles()[i] = HandleEntry{nullptr, 0};
    if (reserved) {
        reserved_total += charge;
    } else {
        queued_total += charge;
        if (account) account->queued += charge;
    }
    return node;
}

bool maybe_cut = false;

void MessageNode::free(MessageNode* node, bool drop_handles) {
    if (drop_handles && node->handle_count) {
        maybe_cut = true;  // (whatever they were)
        for (size_t i = 0; i < node->handle_count; i++)
            if (Object* object = node->handles()[i].object) object->unref();
    }
    size_t charge = node->charge;
    if (node->account == kReserved) {
        reserved_total -= charge;
    } else {
        queued_total -= charge;
        // (A generation that wrapped round could name a later owner: never below zero.)
        if (Account* account = payer_of(*node)) account->queued -= base::min(account->queued, charge);
    }
    message_memory_free(node);
}

void MessageQueue::push(MessageNode* node) {
    slots_[(head_ + count_) % rvos::kQueueDepth] = node;
    count_++;
    bytes_ += node->charge;
}

MessageNode* MessageQueue::pop() {
    MessageNode* node = slots_[head_];
    head_ = (head_ + 1) % rvos::kQueueDepth;
    count_--;
    bytes_ -= node->charge;
    return node;
}

Endpoint& Endpoint::peer() const {
    return this == &channel->ends[0] ? channel->ends[1] : channel->ends[0];
}

rvos::Signals Endpoint::signals() const {
    rvos::Signals s = 0;
    if (!queue.empty()) s |= rvos::kSignalReadable;
    if (peer().closed) s |= rvos::kSignalPeerClosed;
    return s;
}

Error send(Endpoint& from, MessageNode* node) {
    Endpoint& to = from.peer();
    // An endpoint queued on itself would keep itself alive forever.
    for (size_t i = 0; i < node->handle_count; i++)
        if (node->handles()[i].object == &to) return Error::BadArgument;
    if (to.closed) return Error::PeerClosed;
    if (!to.queue.fits(node->charge)) return Error::QueueFull;
    to.queue.push(node);
    to.notify();
    return Error::None;
}

ErrorOr<MessageNode*> receive(Endpoint& at) {
    if (at.queue.empty()) return at.peer().closed ? Error::PeerClosed : Error::WouldBlock;
    return at.queue.pop();
}

// Closing an endpoint drops the references its queue carries, which may
// close further endpoints, which carry more... To keep the kernel stack
// flat whatever the nesting, endpoints whose last reference goes while a
// close is running join a list that the outermost close works through.
namespace {
Endpoint* closing_list = nullptr;
bool closing_active = false;

void close_one(Endpoint& endpoint) {
    while (!endpoint.queue.empty()) MessageNode::free(endpoint.queue.pop(), true);
    endpoint.closed = true;
    Endpoint& peer = endpoint.peer();
    if (peer.closed) endpoint.channel->table->release(*endpoint.channel);
    else peer.notify();
}
}  // namespace

void Endpoint::last_reference_gone() {
    next_closing = closing_list;
    closing_list = this;
    if (closing_active) return;  // the outermost close will get to it
    closing_active = true;
    while (Endpoint* endpoint = closing_list) {
        closing_list = endpoint->next_closing;
        endpoint->next_closing = nullptr;
        close_one(*endpoint);
    }
    closing_active = false;
}

void Marker::mark(Object& object) {
    if (object.gc_marked || !object.traced()) return;
    object.gc_marked = true;
    if (top_ == sizeof stack_ / sizeof stack_[0]) {
        overflowed_ = true;  // its trace is lost: nothing may be freed
        return;
    }
    stack_[top_++] = &object;
}

void Marker::propagate() {
    while (top_) stack_[--top_]->trace(*this);
}

void Endpoint::trace(Marker& marker) {
    // Whoever can receive on a reachable endpoint can receive every
    // capability queued there.
    for (size_t i = 0; i < queue.size(); i++) {
        MessageNode* node = queue.at(i);
        for (size_t h = 0; h < node->handle_count; h++) marker.mark(*node->handles()[h].object);
    }
}

size_t ChannelTable::collect_garbage(void (*mark_roots)(Marker& marker), void (*sweep)(const Marker& marker)) {
    maybe_cut = false;  // what this collection does not free is reachable
    marker_.reset();
    mark_roots(marker_);
    marker_.propagate();
    if (marker_.overflowed()) maybe_cut = true;  // it frees nothing: try again next time
    if (sweep) sweep(marker_);  // (it sees overflowed() and spares everything)
    size_t before = in_use_;
    // Every reference to an unmarked endpoint sits in an unmarked queue or
    // in the table of a process that is ending, so draining those queues
    // closes them all (the rest once those processes have ended).
    for (Slot& slot : slots_) {
        if (!slot.in_use) continue;
        for (Endpoint& end : slot.channel()->ends) {
            if (!slot.in_use) break;  // closing the first end released the channel
            if (end.closed || end.gc_marked || marker_.overflowed()) continue;
            end.ref();  // hold it open while its queue drains
            while (!end.queue.empty()) MessageNode::free(end.queue.pop(), true);
            end.unref();
        }
    }
    for (Slot& slot : slots_)
        if (slot.in_use)
            for (Endpoint& end : slot.channel()->ends) end.gc_marked = false;
    return before - in_use_;
}

ChannelTable::ChannelTable() {
    for (size_t i = rvos::kMaxChannels; i-- > 0;) {
        slots_[i].in_use = false;
        slots_[i].next_free = free_;
        free_ = &slots_[i];
    }
}

ErrorOr<Channel*> ChannelTable::create() {
    if (!free_) return Error::ChannelTableFull;
    Slot* slot = free_;
    free_ = slot->next_free;
    slot->in_use = true;
    // Default-initialised, not value-initialised: the members are set by
    // their initialisers, and the queue slots (1 KiB) are not zeroed first.
    Channel* channel = new (slot->storage) Channel;
    channel->table = this;
    for (Endpoint& end : channel->ends) end.channel = channel;
    in_use_++;
    return channel;
}

void ChannelTable::release(Channel& channel) {
    // The channel is constructed at the start of its slot.
    Slot* slot = reinterpret_cast<Slot*>(&channel);
    channel.~Channel();
    slot->in_use = false;
    slot->next_free = free_;
    free_ = slot;
    in_use_--;
}

ChannelTable& channels() {
    static ChannelTable table;
    return table;
}

}  // namespace ipc
