// virtio-blk: the driver of one virtio block device, a user program. init
// starts it with the device's objects — handle 1 its register window, 2 its
// interrupt line, 3 a region of DMA memory — and restarts it if it ends.
// It serves the block protocol (lib/proto/block.proto) as "blk<unit>":
// clients attach a shared buffer, and each read or write moves through a
// bounce slot in DMA memory, so the device never sees a client's pages and
// several requests are in flight at once (one slot each).
#include <stdlib.h>

#include "proto/block.h"
#include "rvos/console.h"
#include "rvos/server.h"
#include "rvos/service.h"
#include "rvos/shared_memory.h"
#include "rvos/syscall.h"
#include "virtio/transport.h"
#include "drivers/driver.h"

namespace {

using rvos::Error;
using rvos::Handle;
using rvos::proto::Buffer;
namespace blk = rvos::proto::block;
using BlockServer = rvos::Server<blk::kMaxRequestBytes, blk::kMaxReplyBytes>;

using driver::kInterrupt;
constexpr uint32_t kSector = rvos::proto::kBlockSectorSize;
constexpr uint32_t kMaxTransfer = rvos::proto::kBlockMaxTransfer;

// virtio-blk (virtio 1.1, 5.2).
constexpr uint64_t kFeatureReadOnly = 1ull << 5, kFeatureFlush = 1ull << 9;
enum RequestType : uint32_t { kIn = 0, kOut = 1, kFlush = 4 };
enum Status : uint8_t { kOk = 0, kIoError = 1, kUnsupported = 2 };
struct RequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
constexpr uint16_t kQueueSize = 64;

// The DMA region: the queue's rings in the first page, then each slot's
// header and status byte, then each slot's bounce buffer.
constexpr size_t kHeadersOffset = 2048;
constexpr size_t kSlotsOffset = 4096;
constexpr size_t kMaxSlots = (rvos::kDriverDmaSize - kSlotsOffset) / kMaxTransfer;
static_assert(kMaxSlots >= 4, "room for several requests in flight");

struct Client {
    rvos::SharedMemory buffer;
    bool connected = false;
};

// One request in flight.
struct Slot {
    bool busy = false;
    bool orphaned = false;  // its client left; the answer goes nowhere
    Handle client = rvos::kNoHandle;
    uint32_t tag = 0, ordinal = 0;
    uint64_t offset = 0;  // in the client's buffer
    uint32_t bytes = 0;
    uint16_t head = 0;
};

struct Device : driver::Window {
    virtio::SplitQueue queue;
    uint64_t sectors = 0;
    bool read_only = false, can_flush = false;
    Slot slots[kMaxSlots];
};

Device device;
BlockServer server;
Client clients[rvos::kMaxHandles];

RequestHeader& header(size_t slot) {
    return reinterpret_cast<RequestHeader*>(device.dma + kHeadersOffset)[slot];
}
uint8_t& status_byte(size_t slot) { return device.dma[kHeadersOffset + kMaxSlots * sizeof(RequestHeader) + slot]; }
uint8_t* bounce(size_t slot) { return device.dma + kSlotsOffset + slot * kMaxTransfer; }
uint64_t physical(const void* p) { return device.physical(p); }

// ---- Bringing the device up --------------------------------------------------------

Error bring_up() {
    uint64_t agreed = TRY(driver::open_device(device, virtio::kBlock, kFeatureReadOnly | kFeatureFlush));
    device.read_only = agreed & kFeatureReadOnly;
    device.can_flush = agreed & kFeatureFlush;
    uint16_t size = base::min(kQueueSize, device.transport.queue_size_max(0));
    while (size & (size - 1)) size &= static_cast<uint16_t>(size - 1);  // a power of two
    if (virtio::SplitQueue::bytes_needed(size) > kHeadersOffset) return Error::Unsupported;
    TRY(device.queue.init(size, device.dma, device.dma_physical));
    TRY(device.transport.add_queue(0, device.queue));
    TRY(device.transport.finish());
    device.sectors = device.transport.config64(0);  // capacity, in 512-byte sectors
    return Error::None;
}

// ---- Requests -------------------------------------------------------------------

template <typename Reply> void answer(Handle client, uint32_t tag, Error status) {
    Reply reply;
    reply.tag = tag;
    reply.status = static_cast<int32_t>(status);
    rvos::proto::send_reply(server, client, Error::None, reply);
}

void answer(Handle client, uint32_t ordinal, uint32_t tag, Error status) {
    if (ordinal == blk::ReadRequest::kOrdinal) answer<blk::ReadReply>(client, tag, status);
    else if (ordinal == blk::WriteRequest::kOrdinal) answer<blk::WriteReply>(client, tag, status);
    else answer<blk::FlushReply>(client, tag, status);
}

Slot* free_slot(size_t& index) {
    for (index = 0; index < kMaxSlots; index++)
        if (!device.slots[index].busy) return &device.slots[index];
    return nullptr;
}

// Checks a transfer and offers it to the device. Errors are answered
// right away (in the reply's status), so the handler always defers.
Error start(Handle client, uint32_t ordinal, uint32_t tag, uint64_t sector, uint32_t count, uint64_t offset) {
    Client& c = clients[client];
    uint64_t bytes = uint64_t(count) * kSector;
    Error error = Error::None;
    if (ordinal == blk::WriteRequest::kOrdinal && device.read_only) error = Error::AccessDenied;
    else if (count == 0 || bytes > kMaxTransfer || sector > device.sectors || count > device.sectors - sector)
        error = Error::BadArgument;
    else if (!c.buffer.valid() || offset > c.buffer.size() || bytes > c.buffer.size() - offset)
        error = Error::BadArgument;
    size_t index = 0;
    Slot* slot = error == Error::None ? free_slot(index) : nullptr;
    if (error == Error::None && !slot) error = Error::Busy;
    if (error != Error::None) {
        answer(client, ordinal, tag, error);
        return rvos::proto::kDeferred;
    }
    bool reading = ordinal == blk::ReadRequest::kOrdinal;
    header(index) = {reading ? kIn : kOut, 0, sector};
    status_byte(index) = 0xff;
    if (!reading) base::mem_copy(bounce(index), c.buffer.data() + offset, bytes);
    virtio::Segment segments[3] = {
        {physical(&header(index)), sizeof(RequestHeader), false},
        {physical(bounce(index)), static_cast<uint32_t>(bytes), reading},
        {physical(&status_byte(index)), 1, true},
    };
    auto head = device.queue.submit(segments, 3);
    if (head.is_error()) {
        answer(client, ordinal, tag, head.error());
        return rvos::proto::kDeferred;
    }
    *slot = Slot{true, false, client, tag, ordinal, offset, static_cast<uint32_t>(bytes), head.value()};
    if (device.queue.needs_kick()) device.transport.notify(0);
    return rvos::proto::kDeferred;
}

Error start_flush(Handle client, uint32_t tag) {
    size_t index = 0;
    Slot* slot = free_slot(index);
    if (!device.can_flush || !slot) {
        // Without the flush feature the device writes through: done.
        answer(client, blk::FlushRequest::kOrdinal, tag, device.can_flush ? Error::Busy : Error::None);
        return rvos::proto::kDeferred;
    }
    header(index) = {kFlush, 0, 0};
    status_byte(index) = 0xff;
    virtio::Segment segments[2] = {{physical(&header(index)), sizeof(RequestHeader), false},
                                   {physical(&status_byte(index)), 1, true}};
    auto head = device.queue.submit(segments, 2);
    if (head.is_error()) {
        answer(client, blk::FlushRequest::kOrdinal, tag, head.error());
        return rvos::proto::kDeferred;
    }
    *slot = Slot{true, false, client, tag, blk::FlushRequest::kOrdinal, 0, 0, head.value()};
    if (device.queue.needs_kick()) device.transport.notify(0);
    return rvos::proto::kDeferred;
}

// A finished request: copy what was read out to the client and answer.
void finish(size_t index, uint32_t written) {
    Slot& slot = device.slots[index];
    slot.busy = false;
    if (slot.orphaned) return;
    Error status = Error::None;
    if (status_byte(index) != kOk) status = status_byte(index) == kUnsupported ? Error::Unsupported : Error::DeviceError;
    bool reading = slot.ordinal == blk::ReadRequest::kOrdinal;
    if (status == Error::None && reading) {
        Client& c = clients[slot.client];
        // Written counts the status byte too.
        if (written < slot.bytes + 1 || !c.buffer.valid() || slot.offset + slot.bytes > c.buffer.size())
            status = Error::DeviceError;
        else base::mem_copy(c.buffer.data() + slot.offset, bounce(index), slot.bytes);
    }
    answer(slot.client, slot.ordinal, slot.tag, status);
}

// The device finished something: take every completion off the used ring.
void on_interrupt(BlockServer&, Handle, void*, Buffer&) {
    device.transport.take_interrupt();
    for (;;) {
        virtio::Completion done{};
        auto got = device.queue.take_used(done);
        if (got.is_error()) {
            rvos::console::print("virtio-blk: the device broke the queue protocol; stopping\n");
            exit(1);  // init restarts the driver, which resets the device
        }
        if (!got.value()) break;
        size_t index = 0;
        while (index < kMaxSlots && !(device.slots[index].busy && device.slots[index].head == done.head)) index++;
        if (index == kMaxSlots) exit(1);  // cannot happen: the queue checked the head
        finish(index, done.written);
    }
    rvos::sys::interrupt_ack(kInterrupt);
}

struct Handler {
    Error info(Handle, const blk::InfoRequest&, blk::InfoReply& out) {
        out.sectors = device.sectors;
        out.sector_size = kSector;
        out.read_only = device.read_only;
        out.in_flight = kMaxSlots;
        out.max_transfer = kMaxTransfer;
        return Error::None;
    }
    Error attach_buffer(Handle client, blk::AttachBufferRequest& r, blk::AttachBufferReply& out) {
        for (Slot& s : device.slots)
            if (s.busy && s.client == client && !s.orphaned) return Error::Busy;  // in use by a transfer
        auto mapped = TRY(rvos::SharedMemory::map(r.memory));
        r.memory = rvos::kNoHandle;  // taken
        clients[client].buffer = base::move(mapped);
        out.size = clients[client].buffer.size();
        return Error::None;
    }
    Error read(Handle client, const blk::ReadRequest& r, blk::ReadReply&) {
        return start(client, blk::ReadRequest::kOrdinal, r.tag, r.sector, r.count, r.offset);
    }
    Error write(Handle client, const blk::WriteRequest& r, blk::WriteReply&) {
        return start(client, blk::WriteRequest::kOrdinal, r.tag, r.sector, r.count, r.offset);
    }
    Error flush(Handle client, const blk::FlushRequest& r, blk::FlushReply&) { return start_flush(client, r.tag); }
};

void handle_client(BlockServer& loop, Handle client, void*, Buffer& message) {
    if (client < 0 || client >= static_cast<Handle>(rvos::kMaxHandles)) return;
    Handler handler;
    blk::dispatch(loop, client, message, handler);
}

// A client left: its requests in flight finish into nothing.
void client_gone(BlockServer&, Handle client, void*) {
    for (Slot& s : device.slots)
        if (s.busy && s.client == client) s.orphaned = true;
    if (client >= 0 && client < static_cast<Handle>(rvos::kMaxHandles)) clients[client].buffer.reset();
}

}  // namespace

int main(int argc, char** argv) {
    return driver::serve_device("blk", argc > 1 ? argv[1] : "0", bring_up(), server, handle_client, client_gone,
                                on_interrupt);
}
