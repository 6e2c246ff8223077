#include "ipc/channel.h"

namespace ipc {

void MessageQueue::push(const QueuedMessage& m) {
    slots_[(head_ + count_) % rvos::kQueueDepth] = m;
    count_++;
}

QueuedMessage MessageQueue::pop() {
    QueuedMessage m = slots_[head_];
    head_ = (head_ + 1) % rvos::kQueueDepth;
    count_--;
    return m;
}

Endpoint& Endpoint::peer() {
    return this == &channel->ends[0] ? channel->ends[1] : channel->ends[0];
}

static void wake(Endpoint& endpoint) {
    if (endpoint.waiter) task_wake(endpoint.waiter);
}

Error send(Endpoint& from, const Message& message, Object* cap) {
    Endpoint& to = from.peer();
    // An endpoint queued on itself would keep itself alive forever.
    if (cap == &to) return Error::BadArgument;
    if (to.closed) return Error::PeerClosed;
    if (to.queue.full()) return Error::QueueFull;
    to.queue.push(QueuedMessage{message, cap});
    wake(to);
    return Error::None;
}

Error receive(Endpoint& at, QueuedMessage& out) {
    if (at.queue.empty()) return at.peer().closed ? Error::PeerClosed : Error::WouldBlock;
    out = at.queue.pop();
    return Error::None;
}

void ref(Endpoint& endpoint) { endpoint.refs++; }

void Endpoint::unref() { ipc::unref(*this); }

void unref(Endpoint& endpoint) {
    if (--endpoint.refs > 0) return;
    endpoint.waiter = nullptr;
    // Capabilities still queued here can never be received: drop them. This
    // may close further endpoints, even our own peer; the recursion is
    // bounded by the number of channels. The endpoint counts as closed only
    // afterwards, so exactly one of the two closes releases the channel.
    while (!endpoint.queue.empty()) {
        QueuedMessage m = endpoint.queue.pop();
        if (m.cap) m.cap->unref();
    }
    endpoint.closed = true;
    Endpoint& peer = endpoint.peer();
    if (peer.closed) {
        endpoint.channel->table->release(*endpoint.channel);
    } else {
        wake(peer);
        if (peer.peer_closed) peer.peer_closed(peer);
    }
}

void Marker::mark(Endpoint& endpoint) {
    if (endpoint.marked || endpoint.closed) return;
    endpoint.marked = true;
    stack_[top_++] = &endpoint;
}

void Marker::propagate() {
    // Whoever can receive on a reachable endpoint can receive every
    // capability queued there.
    while (top_) {
        Endpoint& endpoint = *stack_[--top_];
        for (size_t i = 0; i < endpoint.queue.size(); i++) {
            Object* cap = endpoint.queue.at(i).cap;
            if (cap && cap->kind() == Object::Kind::Endpoint) mark(*static_cast<Endpoint*>(cap));
        }
    }
}

size_t ChannelTable::collect_garbage(void (*mark_roots)(Marker& marker)) {
    Marker marker;
    mark_roots(marker);
    marker.propagate();
    size_t before = in_use_;
    // Every reference to an unmarked endpoint sits in an unmarked queue, so
    // draining those queues closes them all.
    for (Channel& channel : channels_) {
        for (Endpoint& end : channel.ends) {
            if (!channel.in_use || end.closed || end.marked) continue;
            end.refs++;  // hold it open while its queue drains
            while (!end.queue.empty()) {
                QueuedMessage m = end.queue.pop();
                if (m.cap) m.cap->unref();
            }
            unref(end);
        }
    }
    for (Channel& channel : channels_)
        for (Endpoint& end : channel.ends) end.marked = false;
    return before - in_use_;
}

ChannelTable::ChannelTable() {
    for (size_t i = rvos::kMaxChannels; i-- > 0;) {
        channels_[i].table = this;
        channels_[i].next_free = free_;
        free_ = &channels_[i];
    }
}

ErrorOr<Channel*> ChannelTable::create() {
    if (!free_) return Error::ChannelTableFull;
    Channel* channel = free_;
    free_ = channel->next_free;
    channel->in_use = true;
    for (Endpoint& end : channel->ends) {
        end.channel = channel;
        end.refs = 1;
        end.closed = false;
        end.marked = false;
        end.waiter = nullptr;
        end.peer_closed = nullptr;
        end.owner = nullptr;
    }
    in_use_++;
    return channel;
}

void ChannelTable::release(Channel& channel) {
    channel.in_use = false;
    channel.next_free = free_;
    free_ = &channel;
    in_use_--;
}

ChannelTable& channels() {
    static ChannelTable table;
    return table;
}

}  // namespace ipc
