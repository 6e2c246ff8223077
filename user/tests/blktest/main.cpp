// blktest: drives a block device through the block protocol for the
// storage acceptance tests (tests/acceptance/test_block.py), which compare
// what it reports with the disk image on the host.
//   blktest info                      size, sector size, read-only, in flight
//   blktest write S N SEED            writes N sectors from S with a pattern, flushes
//   blktest verify S N SEED           reads them back and checks the pattern
//   blktest sum S N                   prints a checksum of N sectors from S
//   blktest parallel                  fills every slot at once, then one more
//   blktest bad                       requests the driver must refuse
// The device is blk0, or the one $BLK or a first argument "-d blkN" names
// (the tests boot with the root disk as blk0 and their own disk as blk1).
// Every reply is checked against its request's tag.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/block.h"
#include "rvos/ipc.h"
#include "rvos/service.h"
#include "rvos/shared_memory.h"

namespace {

using rvos::Error;
namespace blk = rvos::proto::block;
using Ipc = rvos::UserIpc;

constexpr uint32_t kSector = rvos::proto::kBlockSectorSize;

rvos::Channel channel;
rvos::SharedMemory buffer;
blk::InfoReply info;
uint32_t next_tag = 100;

uint8_t pattern(uint64_t seed, uint64_t sector, uint32_t i) {
    uint64_t x = seed * 0x9e37'79b9'7f4a'7c15ull + sector * 0x100'0000'01b3ull + i;
    x ^= x >> 29;
    x *= 0xbf58'476d'1ce4'e5b9ull;
    return static_cast<uint8_t>(x >> 32);
}

// One request, sent and answered; the reply's tag must match.
template <typename Request, typename Reply, typename Send, typename Receive>
Error one(Request request, Send send, Receive receive) {
    request.tag = next_tag++;
    if (Error e = send(channel.handle(), request); e != Error::None) return e;
    rvos::proto::InlineBuffer<blk::kMaxReplyBytes> in;
    auto reply = receive(channel.handle(), in);
    if (reply.is_error()) return reply.error();
    if (reply.value().tag != request.tag) {
        printf("blktest: reply tag %u for request %u\n", reply.value().tag, request.tag);
        exit(3);
    }
    return static_cast<Error>(reply.value().status);
}

Error read(uint64_t sector, uint32_t count, uint64_t offset = 0) {
    return one<blk::ReadRequest, blk::ReadReply>(blk::ReadRequest{0, sector, count, offset},
                                                 blk::read_send<Ipc>, blk::read_receive<Ipc>);
}
Error write(uint64_t sector, uint32_t count, uint64_t offset = 0) {
    return one<blk::WriteRequest, blk::WriteReply>(blk::WriteRequest{0, sector, count, offset},
                                                   blk::write_send<Ipc>, blk::write_receive<Ipc>);
}
Error flush() {
    return one<blk::FlushRequest, blk::FlushReply>(blk::FlushRequest{0}, blk::flush_send<Ipc>,
                                                   blk::flush_receive<Ipc>);
}

// Moves N sectors in chunks as large as one request may be.
template <typename Step> Error chunks(uint64_t sector, uint32_t count, Step step) {
    uint32_t per = info.max_transfer / kSector;
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done < per ? count - done : per;
        if (Error e = step(sector + done, n, done); e != Error::None) return e;
        done += n;
    }
    return Error::None;
}

int check(const char* what, Error e) {
    if (e == Error::None) return 0;
    printf("blktest: %s: %s\n", what, rvos::error_name(e));
    return 1;
}

int parallel() {
    // Every slot at once, each reading a different sector; then one more,
    // which must be refused with Busy while the others are in flight.
    uint32_t n = info.in_flight;
    for (uint32_t i = 0; i <= n; i++) {
        blk::ReadRequest r{1000 + i, i, 1, uint64_t(i) * kSector};
        if (check("send", blk::read_send<Ipc>(channel.handle(), r))) return 1;
    }
    bool seen[64] = {};
    uint32_t busy = 0, ok = 0;
    for (uint32_t i = 0; i <= n; i++) {
        rvos::proto::InlineBuffer<blk::kMaxReplyBytes> in;
        auto reply = blk::read_receive<Ipc>(channel.handle(), in);
        if (check("receive", reply.is_error() ? reply.error() : Error::None)) return 1;
        uint32_t tag = reply.value().tag;
        if (tag < 1000 || tag > 1000 + n || seen[tag - 1000]) {
            printf("blktest: unexpected tag %u\n", tag);
            return 1;
        }
        seen[tag - 1000] = true;
        Error status = static_cast<Error>(reply.value().status);
        if (status == Error::Busy) busy++;
        else if (status == Error::None) ok++;
        else return check("parallel read", status);
    }
    printf("blktest: %u answered, %u busy\n", ok, busy);
    return 0;
}

int bad() {
    struct Case {
        const char* what;
        Error got;
    } cases[] = {
        {"past the end", read(info.sectors, 1)},
        {"straddling the end", read(info.sectors - 1, 2)},
        {"no sectors", read(0, 0)},
        {"too many sectors", read(0, info.max_transfer / kSector + 1)},
        {"past the buffer", read(0, 1, buffer.size() - kSector + 1)},
        {"huge offset", write(0, 1, ~0ull)},
    };
    for (const Case& c : cases) printf("blktest: %s: %s\n", c.what, rvos::error_name(c.got));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const char* service = getenv("BLK") ? getenv("BLK") : "blk0";
    if (argc > 2 && strcmp(argv[1], "-d") == 0) {
        service = argv[2];
        argc -= 2;
        argv += 2;
    }
    auto connected = rvos::connect(service);
    if (connected.is_error()) {
        printf("blktest: cannot connect to %s: %s\n", service, rvos::error_name(connected.error()));
        return 1;
    }
    channel = connected.release_value();
    rvos::proto::InlineBuffer<blk::kMaxReplyBytes> in;
    auto got = blk::info<Ipc>(channel.handle(), blk::InfoRequest{}, in);
    if (got.is_error()) return check("info", got.error());
    info = got.value();
    auto memory = rvos::SharedMemory::create(info.max_transfer);
    if (memory.is_error()) return check("buffer", memory.error());
    buffer = memory.release_value();
    blk::AttachBufferRequest attach;
    attach.memory = buffer.give_handle();
    if (auto a = blk::attach_buffer<Ipc>(channel.handle(), attach, in); a.is_error()) return check("attach", a.error());

    const char* op = argc > 1 ? argv[1] : "info";
    auto number = [&](int i) { return argc > i ? strtoull(argv[i], nullptr, 0) : 0ull; };
    uint64_t sector = number(2), seed = number(4);
    uint32_t count = static_cast<uint32_t>(number(3));
    if (strcmp(op, "info") == 0) {
        printf("blktest: %s: %llu sectors of %u bytes, read-only %s, %u in flight, %u bytes a request\n", service,
               (unsigned long long)info.sectors, info.sector_size, info.read_only ? "yes" : "no", info.in_flight,
               info.max_transfer);
        return 0;
    }
    if (strcmp(op, "write") == 0) {
        Error e = chunks(sector, count, [&](uint64_t s, uint32_t n, uint32_t) {
            for (uint32_t i = 0; i < n * kSector; i++) buffer.data()[i] = pattern(seed, s + i / kSector, i % kSector);
            return write(s, n);
        });
        if (check("write", e) || check("flush", flush())) return 1;
        printf("blktest: wrote %u sectors from %llu\n", count, (unsigned long long)sector);
        return 0;
    }
    if (strcmp(op, "verify") == 0 || strcmp(op, "sum") == 0) {
        bool verify = strcmp(op, "verify") == 0;
        uint64_t sum = 0, bad = 0;
        Error e = chunks(sector, count, [&](uint64_t s, uint32_t n, uint32_t) {
            Error r = read(s, n);
            for (uint32_t i = 0; r == Error::None && i < n * kSector; i++) {
                uint8_t b = buffer.data()[i];
                sum = sum * 31 + b;
                if (verify && b != pattern(seed, s + i / kSector, i % kSector) && bad++ == 0)
                    printf("blktest: first difference in sector %llu byte %u\n", (unsigned long long)(s + i / kSector),
                           i % kSector);
            }
            return r;
        });
        if (check("read", e)) return 1;
        if (verify) printf("blktest: verified %u sectors from %llu: %llu bad bytes\n", count,
                           (unsigned long long)sector, (unsigned long long)bad);
        else printf("blktest: sum %016llx\n", (unsigned long long)sum);
        return bad ? 2 : 0;
    }
    if (strcmp(op, "parallel") == 0) return parallel();
    if (strcmp(op, "bad") == 0) return bad();
    printf("blktest: unknown operation %s\n", op);
    return 1;
}
