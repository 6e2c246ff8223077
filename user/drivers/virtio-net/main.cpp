// virtio-net: the driver of one virtio network device, a user program.
// init starts it with the device's objects — handle 1 its register window,
// 2 its interrupt line, 3 a region of DMA memory — and restarts it if it
// ends. It serves the netdev protocol (lib/proto/netdev.proto) as
// "net<unit>": a client sends frames as Transmit events, and the one
// subscribed gets each frame received as a Received event. Every frame is
// copied between the message and a DMA buffer of the driver's own, so the
// device never sees a client's memory.
#include <stdlib.h>

#include "proto/frames.h"
#include "proto/netdev.h"
#include "rvos/console.h"
#include "rvos/server.h"
#include "rvos/service.h"
#include "rvos/syscall.h"
#include "virtio/transport.h"
#include "drivers/driver.h"

namespace {

using rvos::Error;
using rvos::Handle;
using rvos::proto::Buffer;
namespace netdev = rvos::proto::netdev;
using NetServer = rvos::Server<netdev::kMaxRequestBytes, netdev::kMaxReplyBytes>;

using driver::kInterrupt;
constexpr size_t kMaxFrame = rvos::proto::kNetMaxFrame;

// virtio-net (virtio 1.1, 5.1): the MAC address feature, the two queues and
// the header in front of every frame (12 bytes with VERSION_1).
constexpr uint64_t kFeatureMac = 1ull << 5;
constexpr uint16_t kReceiveQueue = 0, kTransmitQueue = 1;
struct NetHeader {
    uint8_t flags, gso_type;
    uint16_t header_length, gso_size, checksum_start, checksum_offset, buffers;
};
static_assert(sizeof(NetHeader) == 12);
constexpr size_t kBufferSize = 2048;  // a header and the largest frame
static_assert(sizeof(NetHeader) + kMaxFrame <= kBufferSize);

// The DMA region: each queue's rings in a page of its own, then the
// receive buffers, then the transmit buffers.
constexpr uint16_t kQueueSize = 64;
constexpr size_t kRingBytes = 4096;
constexpr size_t kReceiveOffset = 2 * kRingBytes;
constexpr size_t kTransmitOffset = kReceiveOffset + kQueueSize * kBufferSize;
static_assert(kTransmitOffset + kQueueSize * kBufferSize <= rvos::kDriverDmaSize);

struct Queue {
    virtio::SplitQueue ring;
    uint16_t size = 0;
    size_t buffers = 0;         // offset of its buffers in the DMA region
    int16_t slot_of_head[kQueueSize];  // which buffer a chain's head carries
    bool busy[kQueueSize];
};

struct Device : driver::Window {
    uint8_t mac[6] = {};
    Queue rx, tx;
    Handle subscriber = rvos::kNoHandle;
    uint64_t tx_frames = 0, rx_frames = 0, tx_dropped = 0, rx_dropped = 0;
};

Device device;
NetServer server;
uint8_t batch_bytes[rvos::proto::kNetMaxBatch];
rvos::proto::FrameBatchWriter batch(batch_bytes, sizeof batch_bytes);

uint8_t* buffer(const Queue& q, size_t slot) { return device.dma + q.buffers + slot * kBufferSize; }
uint64_t physical(const void* p) { return device.physical(p); }

// ---- Bringing the device up --------------------------------------------------------

base::ErrorOr<void> setup_queue(Queue& q, uint16_t index, size_t rings, size_t buffers) {
    uint16_t size = base::min(kQueueSize, device.transport.queue_size_max(index));
    while (size & (size - 1)) size &= static_cast<uint16_t>(size - 1);  // a power of two
    if (size < 2 || virtio::SplitQueue::bytes_needed(size) > kRingBytes) return Error::Unsupported;
    q.size = size;
    q.buffers = buffers;
    for (auto& s : q.slot_of_head) s = -1;
    for (auto& b : q.busy) b = false;
    TRY(q.ring.init(size, device.dma + rings, device.dma_physical + rings));
    TRY(device.transport.add_queue(index, q.ring));
    return {};
}

// Offers receive buffer `slot` to the device.
void offer_receive(size_t slot) {
    virtio::Segment segment{physical(buffer(device.rx, slot)), kBufferSize, true};
    auto head = device.rx.ring.submit(&segment, 1);
    if (head.is_error()) return;  // cannot happen: one descriptor per buffer
    device.rx.slot_of_head[head.value()] = static_cast<int16_t>(slot);
    device.rx.busy[slot] = true;
}

Error bring_up() {
    uint64_t agreed = TRY(driver::open_device(device, virtio::kNet, kFeatureMac));
    TRY(setup_queue(device.rx, kReceiveQueue, 0, kReceiveOffset));
    TRY(setup_queue(device.tx, kTransmitQueue, kRingBytes, kTransmitOffset));
    // Sent buffers are taken back when the driver next looks (an interrupt
    // for received frames, or a transmit that finds no free buffer), so
    // their completion need not wake it: one interrupt less per batch sent.
    device.tx.ring.suppress_interrupts();
    TRY(device.transport.finish());
    if (agreed & kFeatureMac) {
        uint32_t low = device.transport.config32(0), high = device.transport.config32(4);
        for (int i = 0; i < 4; i++) device.mac[i] = static_cast<uint8_t>(low >> (8 * i));
        for (int i = 0; i < 2; i++) device.mac[4 + i] = static_cast<uint8_t>(high >> (8 * i));
    } else {
        // No address from the device: a locally administered one.
        const uint8_t fallback[6] = {0x02, 0x72, 0x76, 0x6f, 0x73, 0x01};
        base::mem_copy(device.mac, fallback, 6);
    }
    for (size_t slot = 0; slot < device.rx.size; slot++) offer_receive(slot);
    device.transport.notify(kReceiveQueue);
    return Error::None;
}

// ---- Frames ------------------------------------------------------------------------

// Sends the frames collected for the subscriber as one Received event.
void flush_received() {
    if (batch.empty()) return;
    netdev::Received event;
    event.frames = rvos::proto::Bytes(batch.data(), batch.size());
    Error sent = device.subscriber == rvos::kNoHandle
                     ? Error::PeerClosed
                     : netdev::send_received<rvos::UserIpc>(device.subscriber, event);
    if (sent == Error::None) device.rx_frames += batch.count();
    else device.rx_dropped += batch.count();
    batch.clear();
}

// Gives back the transmit buffers the device has sent.
bool reclaim_transmitted() {
    for (;;) {
        virtio::Completion done{};
        auto got = device.tx.ring.take_used(done);
        if (got.is_error()) return false;
        if (!got.value()) return true;
        int16_t slot = device.tx.slot_of_head[done.head];
        if (slot >= 0) device.tx.busy[slot] = false;
        device.tx.slot_of_head[done.head] = -1;
    }
}

void transmit(const uint8_t* frame, size_t length) {
    if (length < 14 || length > kMaxFrame) {
        device.tx_dropped++;
        return;
    }
    size_t slot = 0;
    while (slot < device.tx.size && device.tx.busy[slot]) slot++;
    if (slot == device.tx.size) {
        if (!reclaim_transmitted()) exit(1);
        slot = 0;
        while (slot < device.tx.size && device.tx.busy[slot]) slot++;
        if (slot == device.tx.size) {
            device.tx_dropped++;  // the device is behind: as a full wire
            return;
        }
    }
    uint8_t* b = buffer(device.tx, slot);
    base::mem_set(b, 0, sizeof(NetHeader));
    base::mem_copy(b + sizeof(NetHeader), frame, length);
    virtio::Segment segment{physical(b), static_cast<uint32_t>(sizeof(NetHeader) + length), false};
    auto head = device.tx.ring.submit(&segment, 1);
    if (head.is_error()) {
        device.tx_dropped++;
        return;
    }
    device.tx.slot_of_head[head.value()] = static_cast<int16_t>(slot);
    device.tx.busy[slot] = true;
    device.tx_frames++;
}

// A Transmit batch: every frame offered, then one kick.
void transmit_batch(const rvos::proto::Bytes& frames) {
    rvos::proto::FrameBatchReader reader(frames.data, frames.length);
    const uint8_t* frame = nullptr;
    size_t length = 0;
    while (reader.next(frame, length)) transmit(frame, length);
    if (reader.broken()) device.tx_dropped++;
    if (device.tx.ring.needs_kick()) device.transport.notify(kTransmitQueue);
}

// Hands each received frame to the subscriber and offers its buffer again.
bool deliver_received() {
    bool offered = false;
    for (;;) {
        virtio::Completion done{};
        auto got = device.rx.ring.take_used(done);
        if (got.is_error()) return false;
        if (!got.value()) break;
        int16_t slot = device.rx.slot_of_head[done.head];
        device.rx.slot_of_head[done.head] = -1;
        if (slot < 0) return false;
        device.rx.busy[slot] = false;
        size_t length = done.written - sizeof(NetHeader);
        if (done.written > sizeof(NetHeader) && length <= kMaxFrame && device.subscriber != rvos::kNoHandle) {
            if (!batch.fits(length)) flush_received();
            batch.add(buffer(device.rx, slot) + sizeof(NetHeader), length);
        } else {
            device.rx_dropped++;
        }
        offer_receive(static_cast<size_t>(slot));
        offered = true;
    }
    flush_received();
    if (offered && device.rx.ring.needs_kick()) device.transport.notify(kReceiveQueue);
    return true;
}

void on_interrupt(NetServer&, Handle, void*, Buffer&) {
    device.transport.take_interrupt();
    if (!reclaim_transmitted() || !deliver_received()) {
        rvos::console::print("virtio-net: the device broke the queue protocol; stopping\n");
        exit(1);  // init restarts the driver, which resets the device
    }
    rvos::sys::interrupt_ack(kInterrupt);
}

struct Handler {
    Error info(Handle, const netdev::InfoRequest&, netdev::InfoReply& out) {
        for (int i = 0; i < 6; i++) out.mac[i] = device.mac[i];
        out.mac_count = 6;
        out.mtu = kMaxFrame - 14;
        return Error::None;
    }
    Error subscribe(Handle client, const netdev::SubscribeRequest&, netdev::SubscribeReply&) {
        device.subscriber = client;
        return Error::None;
    }
    Error counters(Handle, const netdev::CountersRequest&, netdev::CountersReply& out) {
        out.tx_frames = device.tx_frames;
        out.rx_frames = device.rx_frames;
        out.tx_dropped = device.tx_dropped;
        out.rx_dropped = device.rx_dropped;
        return Error::None;
    }
    void transmit(Handle, const netdev::Transmit& event) { transmit_batch(event.frames); }
    void received(Handle, const netdev::Received&) {}  // only the driver sends these
};

void handle_client(NetServer& loop, Handle client, void*, Buffer& message) {
    Handler handler;
    netdev::dispatch(loop, client, message, handler);
}

void client_gone(NetServer&, Handle client, void*) {
    if (client == device.subscriber) device.subscriber = rvos::kNoHandle;
}

}  // namespace

int main(int argc, char** argv) {
    return driver::serve_device("net", argc > 1 ? argv[1] : "0", bring_up(), server, handle_client, client_gone,
                                on_interrupt);
}
