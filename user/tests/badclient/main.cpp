// badclient: a hostile client of every server. Each built-in service
// (stdio, sysinfo, math, fs) and init itself get malformed requests — empty,
// truncated, unknown tags, an unexpected capability, maximum-length garbage —
// then a client that vanishes mid-request, then a flood from a client that
// never reads its replies. A server survives if a fresh connection still
// gets the right answer afterwards. Every reply is awaited by polling, so a
// server that stays silent is reported, never waited for forever.
//   badclient           all of the above, one "survived" line per server
//   badclient readers   17 stdio clients ask for a line and vanish
//   badclient hoard <service>   holds 63 connections to one service
//   badclient desync    a reply it had no handle slot for, then more requests
//   badclient squat     children register names on their own boot channels
//                       (`badclient giveboot <name>`) and exit
#include <stdio.h>
#include <string.h>

#include "abi/protocol.h"
#include "rvos/service.h"
#include "tests/kit/kit.h"
#include "proto/console.h"
#include "proto/fs.h"
#include "proto/init.h"
#include "proto/math.h"
#include "proto/sysinfo.h"
#include "rvos/ipc.h"

using rvos::Error;
using rvos::Handle;
using rvos::Message;
namespace proto = rvos::proto;
namespace sys = rvos::sys;

namespace {

// Builds a raw request in the protocols' wire format (lib/proto/codec.h),
// so this program can also build wrong ones.
class Raw {
public:
    explicit Raw(uint32_t ordinal) { u32(ordinal); }
    Raw& u8(uint8_t v) { return bytes(&v, 1); }
    Raw& u16(uint16_t v) { return bytes(&v, 2); }
    Raw& u32(uint32_t v) { return bytes(&v, 4); }
    Raw& str(const char* text) {
        uint32_t length = static_cast<uint32_t>(strlen(text));
        return u32(length).bytes(text, length).u8(0);
    }
    Raw& bytes(const void* data, size_t length) {
        if (length > sizeof message_.data - message_.len) length = sizeof message_.data - message_.len;
        memcpy(message_.data + message_.len, data, length);
        message_.len += static_cast<uint32_t>(length);
        return *this;
    }
    Raw& cap(Handle handle) {
        message_.cap = handle;
        return *this;
    }
    operator Message() const { return message_; }

private:
    Message message_ = [] {
        Message m;
        m.len = 0;
        m.reserved = 0;
        m.cap = rvos::kNoHandle;
        return m;
    }();
};

// A message holding exactly `length` raw bytes.
Message raw(const void* bytes, size_t length) {
    Message message;
    message.len = static_cast<uint32_t>(length);
    message.reserved = 0;
    memcpy(message.data, bytes, length);
    return message;
}

enum class Got { Reply, Nothing, PeerClosed };

// The next message on `handle`, polling: a server runs when we yield, so
// a reply that does not come within a few hundred yields is not coming.
Got poll(Handle handle, Message& reply) {
    for (int i = 0; i < 500; i++) {
        Error error = sys::chan_recv(handle, reply);
        if (error == Error::None) {
            if (reply.cap != rvos::kNoHandle) sys::chan_close(reply.cap);  // nothing we asked for
            return Got::Reply;
        }
        if (error != Error::WouldBlock) return Got::PeerClosed;
        sys::yield();
    }
    return Got::Nothing;
}

// The status after a reply's ordinal.
Error status_of(const Message& reply) {
    uint32_t ordinal;
    int32_t status;
    if (reply.len < 8) return Error::BadMessage;
    memcpy(&ordinal, reply.data, 4);
    memcpy(&status, reply.data + 4, 4);
    if (!(ordinal & proto::kReplyBit) || !rvos::is_error_code(status)) return Error::BadMessage;
    return static_cast<Error>(status);
}

// ---- Malformed requests -------------------------------------------------------

struct Service {
    const char* name;
    Message half_field;  // a known tag with half of its first field
    Message valid;       // a request with exactly one reply
    Message flood;       // a cheap valid request, one reply each
    Message costly;      // a request that makes the server do more (or nothing)
};

Service make_service(const char* name) {
    Service s{name, Raw(0), Raw(0), Raw(0), Raw(0)};
    s.costly.len = 0;
    if (strcmp(name, "stdio") == 0) {
        // Write's bytes with a length promising more than is there.
        s.half_field = Raw(proto::console::WriteRequest::kOrdinal).u32(40).bytes("abc", 3);
        s.valid = Raw(proto::console::WriteRequest::kOrdinal).u32(0);  // writes nothing
        s.flood = Raw(proto::console::WriteRequest::kOrdinal).u32(0);
    } else if (strcmp(name, "sysinfo") == 0) {
        s.half_field = Raw(proto::sysinfo::MemoryRequest::kOrdinal).u8(1);  // a field no request has
        s.valid = Raw(proto::sysinfo::MemoryRequest::kOrdinal);
        s.flood = Raw(proto::sysinfo::MemoryRequest::kOrdinal);
        s.costly = Raw(proto::sysinfo::ProcessesRequest::kOrdinal);
    } else if (strcmp(name, "math") == 0) {
        s.half_field = Raw(proto::math::AddRequest::kOrdinal).u16(2);
        s.valid = Raw(proto::math::AddRequest::kOrdinal).u32(1).u32(2);
        s.flood = Raw(proto::math::MulRequest::kOrdinal).u32(6).u32(7);
    } else {  // fs: a path whose length promises more than is there
        s.half_field = Raw(proto::fs::StatRequest::kOrdinal).u32(40).bytes("/tm", 3);
        s.valid = Raw(proto::fs::StatRequest::kOrdinal).str("/");
        s.flood = Raw(proto::fs::StatRequest::kOrdinal).str("/tmp");
        // An open: the server makes a file channel for a client that is gone.
        s.costly = Raw(proto::fs::OpenRequest::kOrdinal)
                       .u32(proto::kOpenRead | proto::kOpenWrite | proto::kOpenCreate)
                       .str("/tmp/badclient");
    }
    return s;
}

// What came back for the requests sent on one connection.
struct Tally {
    int sent = 0, replies = 0, refused = 0, silent = 0;
    bool closed = false;
};

// A refusal: an error status.
bool is_refusal(const Service&, const Message& reply) { return status_of(reply) != Error::None; }

// Sends one request and polls for its one reply.
void request(const Service& s, Handle connection, const Message& message, Tally& tally) {
    if (tally.closed) return;
    Error error = sys::chan_send(connection, message);
    if (error != Error::None) {
        printf("badclient: %s: send refused: %s\n", s.name, rvos::error_name(error));
        tally.closed = error == Error::PeerClosed;
        return;
    }
    tally.sent++;
    Message reply;
    switch (poll(connection, reply)) {
    case Got::Reply:
        tally.replies++;
        if (is_refusal(s, reply)) tally.refused++;
        break;
    case Got::Nothing: tally.silent++; break;
    case Got::PeerClosed: tally.closed = true; break;
    }
}

// True if `end`'s peer is gone: the server closed a capability we sent.
bool peer_gone(Handle end) {
    Message message;
    for (int i = 0; i < 100; i++) {
        if (sys::chan_recv(end, message) == Error::PeerClosed) return true;
        sys::yield();
    }
    return false;
}

bool abuse(const Service& s) {
    auto connection = rvos::connect(s.name);
    if (connection.is_error()) {
        printf("badclient: %s: connect: %s\n", s.name, rvos::error_name(connection.error()));
        return false;
    }
    Handle h = connection.value().handle();
    Tally tally;
    request(s, h, raw("", 0), tally);              // empty
    request(s, h, raw("\x01\x00", 2), tally);      // half a tag
    request(s, h, s.half_field, tally);            // a tag and half a field
    static const uint32_t kUnknownTags[] = {0, 999, 0xffffffff};
    for (uint32_t unknown : kUnknownTags) request(s, h, raw(&unknown, 4), tally);
    uint8_t garbage[rvos::kMessagePayload];
    for (size_t i = 0; i < sizeof garbage; i++) garbage[i] = static_cast<uint8_t>(0xa5 ^ (i * 37));
    request(s, h, raw(garbage, sizeof garbage), tally);  // maximum-length garbage
    printf("badclient: %s: %d malformed requests, %d refused, %d unanswered%s\n", s.name, tally.sent, tally.refused,
           tally.silent, tally.closed ? ", then dropped" : "");

    // A valid request carrying a capability nobody asked for: refused as
    // malformed, and the server closes the capability (our other end sees
    // the peer gone).
    bool cap_closed = false;
    Tally with_cap_tally;
    auto pair = sys::chan_create();
    if (!pair.is_error()) {
        Message with_cap = s.valid;
        with_cap.cap = pair.value().a;
        request(s, h, with_cap, with_cap_tally);
        cap_closed = peer_gone(pair.value().b);
        sys::chan_close(pair.value().b);
    }
    bool refused = with_cap_tally.replies == 1 && with_cap_tally.refused == 1;
    // Messages the kernel itself refuses: past kMaxMessageBytes, more than
    // kMaxMessageHandles handles.
    Handle many[rvos::kMaxMessageHandles + 1] = {};
    bool kernel_refused =
        sys::raw_syscall(static_cast<uint64_t>(rvos::Syscall::ChanSend), static_cast<uint64_t>(h),
                         reinterpret_cast<uint64_t>(s.valid.data), rvos::kMaxMessageBytes + 1) ==
            -static_cast<int64_t>(Error::BadArgument) &&
        sys::chan_write(h, s.valid.data, s.valid.len, many, rvos::kMaxMessageHandles + 1) == Error::BadArgument;
    printf("badclient: %s: request with an unexpected capability %s, capability %s; bad headers %s\n", s.name,
           refused ? "refused" : "NOT REFUSED", cap_closed ? "closed" : "KEPT",
           kernel_refused ? "refused by the kernel" : "ACCEPTED");
    return tally.refused == tally.sent && tally.sent == 7 && refused && cap_closed && kernel_refused;
}

// A client that sends a valid request and is gone before the answer.
void vanish(const Service& s) {
    auto connection = rvos::connect(s.name);
    if (connection.is_error()) return;
    sys::chan_send(connection.value().handle(), s.costly.len ? s.costly : s.valid);
}  // closed here, before the server has answered

// Sends without ever reading: the server must drop us when its reply
// finds our queue full, and go on serving everyone else.
void flood(const Service& s) {
    auto connection = rvos::connect(s.name);
    if (connection.is_error()) return;
    int sent = 0, full = 0;
    Error last = Error::None;
    while (sent + full < 20000) {
        last = sys::chan_send(connection.value().handle(), s.flood);
        if (last == Error::None) sent++;
        else if (last == Error::QueueFull) full++, sys::yield();  // let the server catch up
        else break;
    }
    printf("badclient: %s: flood: %d requests sent, %d refused with queue full, then: %s\n", s.name, sent, full,
           last == Error::PeerClosed ? "dropped by the server" : rvos::error_name(last));
}

// A fresh connection and a request whose answer we know, through the
// generated client stubs.
bool answers_correctly(const Service& s) {
    auto connection = rvos::connect(s.name);
    if (connection.is_error()) return false;
    Handle h = connection.value().handle();
    using rvos::UserIpc;
    if (strcmp(s.name, "stdio") == 0) {
        proto::console::WriteRequest request;
        request.text = proto::Bytes("badclient: stdio ok\n", 20);
        proto::console::WriteReplyBuffer buffer;
        return !proto::console::write<UserIpc>(h, request, buffer).is_error();
    }
    if (strcmp(s.name, "sysinfo") == 0) {
        static proto::sysinfo::ProcessesReplyBuffer buffer;
        auto reply = proto::sysinfo::processes<UserIpc>(h, {}, buffer);
        return !reply.is_error() && reply.value().entries_count > 0;
    }
    if (strcmp(s.name, "math") == 0) {
        proto::math::AddReplyBuffer buffer;
        auto reply = proto::math::add<UserIpc>(h, {2, 3}, buffer);
        return !reply.is_error() && reply.value().result == 5;
    }
    // Remove the file the vanished client's open created, then stat /tmp.
    proto::fs::DeleteRequest remove;
    remove.path = "/tmp/badclient";
    proto::fs::DeleteReplyBuffer removed;
    (void)proto::fs::delete_<UserIpc>(h, remove, removed);
    proto::fs::StatRequest stat;
    stat.path = "/tmp";
    proto::fs::StatReplyBuffer buffer;
    auto reply = proto::fs::stat<UserIpc>(h, stat, buffer);
    return !reply.is_error() && reply.value().kind == static_cast<uint8_t>(proto::FsKind::Directory);
}

// ---- init, on the boot channel ------------------------------------------------

// Sends a request to init; false if it did not answer. `status` is the
// status of the answer.
bool ask_init(const Message& message, Error& status) {
    Message reply;
    if (sys::chan_send(rvos::kBootHandle, message) != Error::None || poll(rvos::kBootHandle, reply) != Got::Reply)
        return false;
    status = status_of(reply);
    return true;
}

bool abuse_init() {
    struct Case {
        const char* what;
        Message message;
    } cases[7];
    size_t n = 0;
    uint32_t unknown = 999;
    cases[n++] = {"unknown tag", raw(&unknown, 4)};
    cases[n++] = {"empty", raw("", 0)};
    cases[n++] = {"truncated connect", Raw(proto::init::ConnectRequest::kOrdinal)};
    cases[n++] = {"register without a capability", Raw(proto::init::RegisterRequest::kOrdinal).str("badclient")};
    {
        char filler[rvos::kMessagePayload];
        memset(filler, 'a', sizeof filler);
        cases[n++] = {"connect to a 200-character name",
                      Raw(proto::init::ConnectRequest::kOrdinal).u32(200).bytes(filler, sizeof filler)};
    }
    cases[n++] = {"spawn without arguments", Raw(proto::init::SpawnRequest::kOrdinal)};
    cases[n++] = {"spawn of a program that does not exist",
                  Raw(proto::init::SpawnRequest::kOrdinal).str("nosuchprogram").u32(0).u32(0).u32(0)};
    int refused = 0;
    for (size_t i = 0; i < n; i++) {
        Error status = Error::None;
        bool answered = ask_init(cases[i].message, status);
        printf("badclient: init: %s: %s\n", cases[i].what, answered ? rvos::error_name(status) : "NO ANSWER");
        if (answered && status != Error::None) refused++;
    }
    // A Connect carrying a capability: init must not keep it.
    bool cap_closed = false;
    auto pair = sys::chan_create();
    if (!pair.is_error()) {
        Message connect = Raw(proto::init::ConnectRequest::kOrdinal).str("math").cap(pair.value().a);
        Error status;
        ask_init(connect, status);
        cap_closed = peer_gone(pair.value().b);
        sys::chan_close(pair.value().b);
    }
    printf("badclient: init: %d of %zu malformed requests refused; unexpected capability %s\n", refused, n,
           cap_closed ? "closed" : "KEPT");
    // Still the directory it was.
    Service math = make_service("math");
    return refused == static_cast<int>(n) && cap_closed && answers_correctly(math);
}

// ---- Modes that expose specific weaknesses -----------------------------------------

// Clients that ask for a line and vanish before it is typed.
int vanishing_readers() {
    int sent = 0;
    for (int i = 0; i < 17; i++) {
        auto connection = rvos::connect("stdio");
        if (connection.is_error()) break;
        Message read_line = Raw(proto::console::ReadLineRequest::kOrdinal);
        if (sys::chan_send(connection.value().handle(), read_line) == Error::None) sent++;
    }  // each connection closes here, its request still queued at the console
    printf("badclient: %d readers asked for a line and vanished\n", sent);
    return 0;
}

// Holds 63 connections to one service (all its handle table allows this
// process: 64 minus the boot channel), then lets go of them all.
int hoard(const char* name) {
    rvos::Channel held[rvos::kMaxHandles - 1];
    size_t count = 0;
    Error stop = Error::None;
    while (count < sizeof held / sizeof held[0]) {
        auto connection = rvos::connect(name);
        if (connection.is_error()) {
            stop = connection.error();
            break;
        }
        held[count++] = connection.release_value();
    }
    for (size_t i = 0; i < count; i++) held[i].close();
    // Printing needs a console connection: only now that handles are free.
    printf("badclient: held %zu connections to %s, then: %s\n", count, name,
           stop == Error::None ? "let go of them all" : rvos::error_name(stop));
    for (int i = 0; i < 200; i++) sys::yield();  // let the server see the closes
    bool ok = answers_correctly(make_service(name));
    printf("badclient: %s %s\n", name, ok ? "survived" : "DID NOT SURVIVE");
    return ok ? 0 : 1;
}

// Fills its own handle table, asks init for a connection (the reply's
// capability then cannot be received), frees a slot and asks for a service
// that does not exist: the answer must be NotFound, not the earlier reply.
int desync() {
    printf("badclient: desync: filling the handle table\n");  // connects the console first
    Handle ends[rvos::kMaxHandles];
    size_t count = 0;
    for (;;) {
        auto pair = sys::chan_create();
        if (pair.is_error()) break;
        ends[count++] = pair.value().a;
        ends[count++] = pair.value().b;
    }
    // chan_create needs two free slots: one is left, and this takes it.
    auto spare = rvos::connect("math");  // (held until we return)
    auto refused = rvos::connect("math");  // no slot for this reply's capability
    sys::chan_close(ends[--count]);
    auto missing = rvos::connect("nosuchservice");
    for (size_t i = 0; i < count; i++) sys::chan_close(ends[i]);
    printf("badclient: desync: connect with a full handle table: %s; then connect to a missing service: %s\n",
           refused.is_error() ? rvos::error_name(refused.error()) : "ok",
           missing.is_error() ? rvos::error_name(missing.error()) : "CONNECTED");
    return missing.is_error() && missing.error() == Error::NotFound ? 0 : 1;
}

// Offers this process's own boot channel as a service's listen end.
int give_boot_channel(const char* name) {
    Message request = Raw(proto::init::RegisterRequest::kOrdinal).str(name).cap(rvos::kBootHandle);
    return sys::chan_send(rvos::kBootHandle, request) == Error::None ? 0 : 1;
}

// Children that each register a name with their own boot channel as its
// listen end, then exit: once they are gone, their names must be free.
int squat() {
    constexpr int kChildren = 4;
    int exited = 0;
    for (int i = 0; i < kChildren; i++) {
        char args[32];
        snprintf(args, sizeof args, "giveboot squat%d", i);
        if (testkit::run_child("badclient", args) != -1) exited++;  // giveboot exits 0 or 1
    }
    int free_names = 0;
    for (int i = 0; i < kChildren; i++) {
        char name[16];
        snprintf(name, sizeof name, "squat%d", i);
        auto listen = rvos::register_service(name);  // closed again at once
        if (!listen.is_error()) free_names++;
    }
    printf("badclient: squat: %d children registered a name on their boot channel and exited; "
           "%d of %d names free again\n", exited, free_names, kChildren);
    return free_names == kChildren ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "readers") == 0) return vanishing_readers();
    if (argc == 3 && strcmp(argv[1], "hoard") == 0) return hoard(argv[2]);
    if (argc == 3 && strcmp(argv[1], "giveboot") == 0) return give_boot_channel(argv[2]);
    if (argc == 2 && strcmp(argv[1], "desync") == 0) return desync();
    if (argc == 2 && strcmp(argv[1], "squat") == 0) return squat();

    printf("badclient: attacking init, stdio, sysinfo, math and fs\n");
    bool all = true;
    bool init_ok = abuse_init();
    printf("badclient: init %s\n", init_ok ? "survived" : "DID NOT SURVIVE");
    all &= init_ok;
    static const char* const kServices[] = {"stdio", "sysinfo", "math", "fs"};
    for (const char* name : kServices) {
        Service s = make_service(name);
        bool ok = abuse(s);
        vanish(s);
        flood(s);
        ok &= answers_correctly(s);
        printf("badclient: %s %s\n", name, ok ? "survived" : "DID NOT SURVIVE");
        all &= ok;
    }
    return all ? 0 : 1;
}
