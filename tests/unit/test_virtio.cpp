// lib/virtio against a simulated virtio-mmio device: the status handshake
// and feature negotiation, queues set up through the registers, requests
// completed in any order (model-checked: every descriptor comes back), and
// a hostile device whose bad completions are refused, not believed.
// "Physical" addresses are host pointers here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "virtio/queue.h"
#include "virtio/transport.h"

using namespace virtio;

namespace {

// A virtio-mmio version-2 device with one queue. On a notify it takes every
// new request: it reverses the bytes of the readable segments into the
// writable ones ("reverse echo") and holds the completion until the test
// releases it, in any order.
struct SimDevice {
    uint32_t device_id = kBlock;
    uint64_t offered = kFeatureVersion1 | (1ull << 5);
    bool refuse_features = false;
    uint16_t queue_max = 64;

    uint32_t status = 0, device_select = 0, driver_select = 0, queue_select = 0;
    uint64_t driver_features = 0;
    uint32_t queue_size = 0, queue_ready = 0, interrupt = 0, notifies = 0;
    uint64_t desc = 0, driver = 0, device = 0;
    uint16_t avail_seen = 0, used_index = 0;
    std::vector<UsedElement> finished;  // done, not yet published

    uint32_t read(uint32_t offset) {
        switch (offset) {
        case mmio::kMagic: return mmio::kMagicValue;
        case mmio::kVersion: return 2;
        case mmio::kDeviceId: return device_id;
        case mmio::kDeviceFeatures: return uint32_t(offered >> (32 * device_select));
        case mmio::kQueueSizeMax: return queue_select == 0 ? queue_max : 0;
        case mmio::kQueueReady: return queue_ready;
        case mmio::kInterruptStatus: return interrupt;
        case mmio::kStatus: return status;
        case mmio::kConfigGeneration: return 0;
        case mmio::kConfig: return 0x1234;
        case mmio::kConfig + 4: return 0x5678;
        default: return 0;
        }
    }

    void write(uint32_t offset, uint32_t value) {
        switch (offset) {
        case mmio::kDeviceFeaturesSelect: device_select = value & 1; break;
        case mmio::kDriverFeaturesSelect: driver_select = value & 1; break;
        case mmio::kDriverFeatures:
            driver_features = (driver_features & ~(0xffff'ffffull << (32 * driver_select))) |
                              uint64_t(value) << (32 * driver_select);
            break;
        case mmio::kQueueSelect: queue_select = value; break;
        case mmio::kQueueSize: queue_size = value; break;
        case mmio::kQueueReady: queue_ready = value; break;
        case mmio::kQueueDescLow: desc = (desc & ~0xffff'ffffull) | value; break;
        case mmio::kQueueDescHigh: desc = (desc & 0xffff'ffffull) | uint64_t(value) << 32; break;
        case mmio::kQueueDriverLow: driver = (driver & ~0xffff'ffffull) | value; break;
        case mmio::kQueueDriverHigh: driver = (driver & 0xffff'ffffull) | uint64_t(value) << 32; break;
        case mmio::kQueueDeviceLow: device = (device & ~0xffff'ffffull) | value; break;
        case mmio::kQueueDeviceHigh: device = (device & 0xffff'ffffull) | uint64_t(value) << 32; break;
        case mmio::kQueueNotify: notifies++; take_requests(); break;
        case mmio::kInterruptAck: interrupt &= ~value; break;
        case mmio::kStatus:
            if (value == 0) *this = reset_copy();
            else if ((value & kFeaturesOk) && !(status & kFeaturesOk) &&
                     (refuse_features || (driver_features & ~offered)))
                status = value & ~kFeaturesOk;
            else status = value;
            break;
        }
    }

    SimDevice reset_copy() const {
        SimDevice fresh;
        fresh.device_id = device_id, fresh.offered = offered, fresh.refuse_features = refuse_features;
        fresh.queue_max = queue_max;
        return fresh;
    }

    Descriptor* descriptors() { return reinterpret_cast<Descriptor*>(desc); }
    AvailHeader* avail() { return reinterpret_cast<AvailHeader*>(driver); }
    UsedHeader* used() { return reinterpret_cast<UsedHeader*>(device); }

    void take_requests() {
        ASSERT_TRUE(queue_ready);
        auto* ring = reinterpret_cast<uint16_t*>(avail() + 1);
        while (avail_seen != avail()->index) {
            uint16_t head = ring[avail_seen++ % queue_size];
            std::vector<uint8_t> input;
            uint16_t at = head;
            std::vector<Descriptor*> out;
            for (unsigned hops = 0;; hops++) {
                ASSERT_LT(hops, queue_size) << "descriptor loop";
                ASSERT_LT(at, queue_size);
                Descriptor& d = descriptors()[at];
                auto* bytes = reinterpret_cast<uint8_t*>(d.address);
                if (d.flags & kDescWrite) out.push_back(&d);
                else input.insert(input.end(), bytes, bytes + d.length);
                if (!(d.flags & kDescNext)) break;
                at = d.next;
            }
            std::reverse(input.begin(), input.end());
            uint32_t written = 0;
            for (Descriptor* d : out) {
                uint32_t n = std::min<uint32_t>(d->length, uint32_t(input.size() - std::min<size_t>(written, input.size())));
                std::memcpy(reinterpret_cast<uint8_t*>(d->address), input.data() + written, n);
                written += n;
            }
            finished.push_back({head, written});
        }
    }

    // Publishes finished request `i` on the used ring and raises the
    // interrupt.
    void complete(size_t i) {
        auto* ring = reinterpret_cast<UsedElement*>(used() + 1);
        ring[used_index % queue_size] = finished[i];
        finished.erase(finished.begin() + long(i));
        used()->index = ++used_index;
        if (!(avail()->flags & kAvailNoInterrupt)) interrupt |= kInterruptUsedRing;  // as QEMU honours it
    }
    // Publishes an arbitrary element, as a broken device would.
    void publish(UsedElement e) {
        auto* ring = reinterpret_cast<UsedElement*>(used() + 1);
        ring[used_index % queue_size] = e;
        used()->index = ++used_index;
    }
};

struct SimRegisters {
    SimDevice* device;
    uint32_t read32(uint32_t offset) const { return device->read(offset); }
    void write32(uint32_t offset, uint32_t value) const { device->write(offset, value); }
};

// The shared ring memory of a queue (zeroed, 16-byte aligned).
struct Rings {
    explicit Rings(uint16_t size) : bytes(SplitQueue::bytes_needed(size)) {
        memory = static_cast<uint8_t*>(std::aligned_alloc(4096, base::align_up(bytes, 4096)));
        std::memset(memory, 0, bytes);
    }
    ~Rings() { std::free(memory); }
    uint64_t physical() const { return reinterpret_cast<uint64_t>(memory); }
    size_t bytes;
    uint8_t* memory;
};

class VirtioTest : public ::testing::Test {
protected:
    // Brings the device up with one queue of `size` entries.
    void bring_up(uint16_t size = 16) {
        rings = std::make_unique<Rings>(size);
        ASSERT_FALSE(queue.init(size, rings->memory, rings->physical()).is_error());
        ASSERT_EQ(transport.probe().value(), kBlock);
        auto agreed = transport.begin(1ull << 5);
        ASSERT_FALSE(agreed.is_error());
        ASSERT_FALSE(transport.add_queue(0, queue).is_error());
        ASSERT_FALSE(transport.finish().is_error());
    }

    // Offers "reverse these bytes" with an output buffer; returns the head.
    uint16_t request(const std::vector<uint8_t>& in, std::vector<uint8_t>& out) {
        Segment segments[2] = {{reinterpret_cast<uint64_t>(in.data()), uint32_t(in.size()), false},
                               {reinterpret_cast<uint64_t>(out.data()), uint32_t(out.size()), true}};
        auto head = queue.submit(segments, 2);
        EXPECT_FALSE(head.is_error());
        return head.value();
    }

    SimDevice device;
    Transport<SimRegisters> transport{SimRegisters{&device}};
    SplitQueue queue;
    std::unique_ptr<Rings> rings;
};

TEST_F(VirtioTest, HandshakeNegotiatesOnlyWhatBothSidesKnow) {
    bring_up();
    EXPECT_EQ(device.status, uint32_t(kAcknowledge | kDriver | kFeaturesOk | kDriverOk));
    EXPECT_EQ(device.driver_features, kFeatureVersion1 | (1ull << 5));
    EXPECT_EQ(device.queue_size, 16u);
    EXPECT_EQ(device.desc, queue.descriptors_physical());
    EXPECT_EQ(device.driver, queue.avail_physical());
    EXPECT_EQ(device.device, queue.used_physical());
    EXPECT_EQ(device.used()->index, 0);
    EXPECT_EQ(transport.config32(0), 0x1234u);
    EXPECT_EQ(transport.config64(0), 0x5678'0000'1234ull);
}

TEST_F(VirtioTest, DeviceWithoutVersion1OrRefusingFeaturesFails) {
    device.offered = 1ull << 5;  // a legacy-only device
    EXPECT_EQ(transport.begin(0).error(), rvos::Error::DeviceError);
    EXPECT_TRUE(device.status & kFailed);
    SimDevice refusing;
    refusing.refuse_features = true;
    Transport<SimRegisters> t{SimRegisters{&refusing}};
    EXPECT_EQ(t.begin(0).error(), rvos::Error::DeviceError);
    EXPECT_TRUE(refusing.status & kFailed);
}

TEST_F(VirtioTest, ProbeRefusesWhatIsNotVirtio) {
    struct Empty {
        uint32_t read32(uint32_t) const { return 0; }
        void write32(uint32_t, uint32_t) const {}
    };
    Transport<Empty> nothing{Empty{}};
    EXPECT_EQ(nothing.probe().error(), rvos::Error::Unsupported);
}

TEST_F(VirtioTest, QueueLargerThanTheDeviceAllowsIsRefused) {
    device.queue_max = 8;
    rings = std::make_unique<Rings>(16);
    ASSERT_FALSE(queue.init(16, rings->memory, rings->physical()).is_error());
    ASSERT_FALSE(transport.begin(0).is_error());
    EXPECT_EQ(transport.add_queue(0, queue).error(), rvos::Error::BadArgument);
    EXPECT_EQ(transport.queue_size_max(1), 0);
}

TEST_F(VirtioTest, BadQueueShapesAreRefused) {
    Rings r(16);
    SplitQueue q;
    EXPECT_EQ(q.init(0, r.memory, r.physical()).error(), rvos::Error::BadArgument);
    EXPECT_EQ(q.init(12, r.memory, r.physical()).error(), rvos::Error::BadArgument);
    EXPECT_EQ(q.init(512, r.memory, r.physical()).error(), rvos::Error::BadArgument);
    EXPECT_EQ(q.init(16, r.memory + 4, r.physical() + 4).error(), rvos::Error::BadArgument);
}

TEST_F(VirtioTest, RequestsRoundTripThroughTheDevice) {
    bring_up();
    std::vector<uint8_t> in = {1, 2, 3, 4, 5}, out(8, 0);
    uint16_t head = request(in, out);
    EXPECT_EQ(queue.free_descriptors(), 14u);
    EXPECT_TRUE(queue.needs_kick());
    transport.notify(0);
    Completion c{};
    EXPECT_FALSE(queue.take_used(c).value());  // not published yet
    device.complete(0);
    EXPECT_EQ(transport.take_interrupt(), kInterruptUsedRing);
    EXPECT_EQ(transport.take_interrupt(), 0u);
    ASSERT_TRUE(queue.take_used(c).value());
    EXPECT_EQ(c.head, head);
    EXPECT_EQ(c.written, 5u);
    EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + 5), (std::vector<uint8_t>{5, 4, 3, 2, 1}));
    EXPECT_EQ(queue.free_descriptors(), 16u);
    EXPECT_EQ(queue.in_flight(), 0u);
}

TEST_F(VirtioTest, AFullQueueSaysSoAndSegmentOrderIsChecked) {
    bring_up(4);
    std::vector<uint8_t> in(1), out(1);
    request(in, out);
    request(in, out);
    Segment one = {reinterpret_cast<uint64_t>(in.data()), 1, false};
    EXPECT_EQ(queue.submit(&one, 1).error(), rvos::Error::QueueFull);
    Segment backwards[2] = {{reinterpret_cast<uint64_t>(out.data()), 1, true},
                            {reinterpret_cast<uint64_t>(in.data()), 1, false}};
    EXPECT_EQ(queue.submit(backwards, 2).error(), rvos::Error::BadArgument);
    EXPECT_EQ(queue.submit(backwards, 0).error(), rvos::Error::BadArgument);
}

TEST_F(VirtioTest, DeviceCanAskNotToBeKicked) {
    bring_up();
    device.used()->flags = kUsedNoNotify;
    EXPECT_FALSE(queue.needs_kick());
}

TEST_F(VirtioTest, DriverCanAskForNoInterruptsAndStillTakesCompletions) {
    bring_up();
    queue.suppress_interrupts();
    std::vector<uint8_t> in = {1, 2, 3}, out(4, 0);
    uint16_t head = request(in, out);
    transport.notify(0);
    device.complete(0);
    EXPECT_EQ(transport.take_interrupt(), 0u);
    Completion c{};
    ASSERT_TRUE(queue.take_used(c).value());
    EXPECT_EQ(c.head, head);
    EXPECT_EQ(c.written, 3u);
}

TEST_F(VirtioTest, CompletionsInAnyOrderReturnEveryDescriptor) {
    bring_up(32);
    std::mt19937 random(7);
    std::map<uint16_t, std::vector<uint8_t>> expected;  // head -> reversed input
    std::vector<std::vector<uint8_t>> inputs(4096), outputs(4096);
    size_t next = 0, done = 0;
    for (int step = 0; step < 20000; step++) {
        if (random() % 2 && next < inputs.size()) {
            // A request of 1..4 segments: up to 2 readable, then writable.
            size_t reads = 1 + random() % 2, writes = random() % 3;
            if (reads + writes > queue.free_descriptors()) continue;
            auto& in = inputs[next];
            auto& out = outputs[next];
            next++;
            in.resize(1 + random() % 40);
            for (auto& b : in) b = uint8_t(random());
            out.assign(in.size() + 4, 0xee);
            std::vector<Segment> segments;
            size_t half = in.size() / reads;
            for (size_t i = 0; i < reads; i++) {
                size_t from = i * half, n = (i + 1 == reads) ? in.size() - from : half;
                segments.push_back({reinterpret_cast<uint64_t>(in.data() + from), uint32_t(n), false});
            }
            if (writes == 0) out.clear();
            else if (writes == 1) segments.push_back({reinterpret_cast<uint64_t>(out.data()), uint32_t(out.size()), true});
            else {
                segments.push_back({reinterpret_cast<uint64_t>(out.data()), 3, true});
                segments.push_back({reinterpret_cast<uint64_t>(out.data() + 3), uint32_t(out.size() - 3), true});
            }
            auto head = queue.submit(segments.data(), segments.size());
            ASSERT_FALSE(head.is_error());
            ASSERT_EQ(expected.count(head.value()), 0u) << "a head in flight was handed out again";
            std::vector<uint8_t> want(in.rbegin(), in.rend());
            if (out.empty()) want.clear();
            expected[head.value()] = want;
            transport.notify(0);
        } else if (!device.finished.empty()) {
            device.complete(random() % device.finished.size());
            Completion c{};
            ASSERT_TRUE(queue.take_used(c).value());
            ASSERT_EQ(expected.count(c.head), 1u);
            ASSERT_EQ(c.written, expected[c.head].size());
            expected.erase(c.head);
            done++;
        }
        ASSERT_EQ(queue.in_flight(), expected.size());
    }
    EXPECT_GT(done, 1000u);
    while (!device.finished.empty()) {
        device.complete(0);
        Completion c{};
        ASSERT_TRUE(queue.take_used(c).value());
    }
    EXPECT_EQ(queue.free_descriptors(), 32u);
    // The bytes really went through the device.
    size_t checked = 0;
    for (size_t i = 0; i < next; i++) {
        if (outputs[i].size() < inputs[i].size()) continue;
        std::vector<uint8_t> want(inputs[i].rbegin(), inputs[i].rend());
        ASSERT_TRUE(std::equal(want.begin(), want.end(), outputs[i].begin())) << i;
        checked++;
    }
    EXPECT_GT(checked, 500u);
}

TEST_F(VirtioTest, AHostileDeviceCannotCorruptTheQueue) {
    bring_up(8);
    std::vector<uint8_t> in = {9, 8, 7}, out(3);
    uint16_t head = request(in, out);
    Completion c{};
    device.publish({8, 0});  // no such descriptor
    EXPECT_EQ(queue.take_used(c).error(), rvos::Error::DeviceError);
    device.used_index--;  // (the simulated device takes it back)
    device.publish({uint32_t((head + 1) % 8), 0});  // a free descriptor
    EXPECT_EQ(queue.take_used(c).error(), rvos::Error::DeviceError);
    device.used_index--;
    device.publish({head, 4});  // more than the 3 writable bytes
    EXPECT_EQ(queue.take_used(c).error(), rvos::Error::DeviceError);
    device.used_index--;
    device.used()->index = uint16_t(device.used_index + 5);  // more completions than requests
    EXPECT_EQ(queue.take_used(c).error(), rvos::Error::DeviceError);
    // Scribbling over the shared descriptors does not confuse the books.
    std::memset(rings->memory, 0xff, 8 * sizeof(Descriptor));
    device.publish({head, 3});
    ASSERT_TRUE(queue.take_used(c).value());
    EXPECT_EQ(c.head, head);
    EXPECT_EQ(queue.free_descriptors(), 8u);
    // And the queue still works.
    std::vector<uint8_t> again(3);
    request(in, again);
    transport.notify(0);
    device.complete(0);
    ASSERT_TRUE(queue.take_used(c).value());
    EXPECT_EQ(again, (std::vector<uint8_t>{7, 8, 9}));
}

}  // namespace
