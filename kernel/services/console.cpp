// The console service ("stdio"): output to the UART, and line-oriented input
// with a line discipline. It holds the UART's interrupt object, so input is
// just one more thing the request loop waits for.
#include "drivers/interrupt.h"
#include "drivers/uart.h"
#include "services/services.h"
#include "wire/wire.h"

namespace services {

namespace {

using rvos::proto::Console;

constexpr size_t kMaxLine = 1024;
constexpr size_t kMaxReaders = 16;
constexpr size_t kTypeAhead = 4096;
constexpr char kCtrlC = 0x03, kCtrlU = 0x15, kBackspace = 0x08, kDelete = 0x7f;

struct LineDiscipline {
    char line[kMaxLine];
    size_t length = 0;
    bool last_was_cr = false;
    // Completed lines nobody has asked for yet, '\n'-terminated.
    char typed_ahead[kTypeAhead];
    size_t typed_length = 0;
    Handle readers[kMaxReaders];
    size_t reader_count = 0;
    // Clients told about a Ctrl-C that no reader took (the shell, to stop
    // the program it is waiting for).
    Handle watchers[kMaxReaders];
    size_t watcher_count = 0;
};

LineDiscipline console;

void echo(const char* text, size_t length) { uart::write(text, length); }

void erase_chars(size_t count) {
    while (count--) echo("\b \b", 3);
}

Handle pop_reader() {
    Handle reader = console.readers[0];
    for (size_t i = 1; i < console.reader_count; i++) console.readers[i - 1] = console.readers[i];
    console.reader_count--;
    return reader;
}

// Sends one line to a reader in pieces that fit a message.
void send_line(Server& server, Handle reader, const char* text, size_t length, uint8_t flags) {
    size_t sent = 0;
    do {
        Message piece;
        wire::Writer writer(piece, static_cast<uint32_t>(Console::LineData));
        size_t room = writer.remaining() - 1;
        size_t chunk = base::min(room, length - sent);
        uint8_t more = sent + chunk < length ? rvos::proto::kLineMore : 0;
        writer.put_u8(flags | more).put_bytes(text + sent, chunk);
        server.reply(reader, piece);
        sent += chunk;
    } while (sent < length && server.watching(reader));
}

// Hands typed-ahead lines to waiting readers.
void deliver(Server& server) {
    while (console.reader_count) {
        size_t end = 0;
        while (end < console.typed_length && console.typed_ahead[end] != '\n') end++;
        if (end == console.typed_length) return;  // no complete line yet
        Handle reader = pop_reader();
        if (!server.watching(reader)) continue;
        send_line(server, reader, console.typed_ahead, end, 0);
        size_t consumed = end + 1;
        base::mem_copy(console.typed_ahead, console.typed_ahead + consumed, console.typed_length - consumed);
        console.typed_length -= consumed;
    }
}

void finish_line(Server& server) {
    echo("\n", 1);
    if (console.typed_length + console.length + 1 <= kTypeAhead) {
        base::mem_copy(console.typed_ahead + console.typed_length, console.line, console.length);
        console.typed_length += console.length;
        console.typed_ahead[console.typed_length++] = '\n';
    }
    console.length = 0;
    deliver(server);
}

void interrupt_line(Server& server) {
    echo("^C\n", 3);
    console.length = 0;
    while (console.reader_count) {
        Handle reader = pop_reader();
        if (!server.watching(reader)) continue;
        return send_line(server, reader, "", 0, rvos::proto::kLineInterrupted);
    }
    for (size_t i = 0; i < console.watcher_count; i++) {
        if (!server.watching(console.watchers[i])) {
            console.watchers[i--] = console.watchers[--console.watcher_count];
            continue;
        }
        Message event;
        wire::Writer(event, static_cast<uint32_t>(Console::Interrupt));
        server.notify(console.watchers[i], event);
    }
}

void handle_input_byte(Server& server, char c) {
    bool was_cr = console.last_was_cr;
    console.last_was_cr = c == '\r';
    if (c == '\n' && was_cr) return;  // "\r\n" is one line end
    if (c == '\r' || c == '\n') {
        finish_line(server);
    } else if (c == kCtrlC) {
        interrupt_line(server);
    } else if (c == kCtrlU) {
        erase_chars(console.length);
        console.length = 0;
    } else if (c == kBackspace || c == kDelete) {
        if (console.length) {
            console.length--;
            erase_chars(1);
        }
    } else if (c >= 0x20 && c < 0x7f && console.length < kMaxLine) {
        console.line[console.length++] = c;
        echo(&c, 1);
    }
    // Other control bytes and input beyond kMaxLine are ignored.
}

// The UART's interrupt fired: take every byte it holds, then re-arm.
void handle_input(Server& server, Handle line, void*, Message&) {
    char c;
    while (uart::read_byte(c)) handle_input_byte(server, c);
    (void)self().handles.get<interrupt::InterruptObject>(line, rvos::kRightWrite).value()->acknowledge();
}

// A client that went away no longer reads lines or hears interrupts.
void client_gone(Server&, Handle client, void*) {
    for (size_t i = 0; i < console.reader_count; i++)
        if (console.readers[i] == client) {
            for (size_t k = i + 1; k < console.reader_count; k++) console.readers[k - 1] = console.readers[k];
            console.reader_count--;
            i--;
        }
    for (size_t i = 0; i < console.watcher_count; i++)
        if (console.watchers[i] == client) console.watchers[i--] = console.watchers[--console.watcher_count];
}

void handle_request(Server& server, Handle client, void*, Message& request) {
    wire::Reader reader(request);
    auto tag = static_cast<Console>(reader.tag());
    Error status = Error::None;
    if (!reader.ok()) {
        status = Error::BadMessage;
    } else if (tag == Console::Write) {
        uart::write(reinterpret_cast<const char*>(reader.rest()), reader.rest_length());
    } else if (tag == Console::ReadLine) {
        if (console.reader_count == kMaxReaders) {
            status = Error::Busy;
        } else {
            console.readers[console.reader_count++] = client;
            deliver(server);
            return;  // answered when a line is complete
        }
    } else if (tag == Console::WatchInterrupts) {
        if (console.watcher_count == kMaxReaders) status = Error::Busy;
        else console.watchers[console.watcher_count++] = client;
    } else {
        status = Error::Unsupported;
    }
    Message reply;
    wire::Writer(reply, static_cast<uint32_t>(Console::Reply)).put_i32(static_cast<int32_t>(status));
    server.reply(client, reply);
}

}  // namespace

void console_main() {
    // The console drives the UART's input through its interrupt object.
    auto line = interrupt::InterruptObject::create(uart::kIrq);
    if (line.is_error()) return;
    auto input = self().handles.install(line.value(), rvos::kRightWrite | rvos::kRightWait);
    if (input.is_error()) return line.value()->unref();

    auto listen = register_service("stdio");
    if (listen.is_error()) return;
    Server server;
    server.watch_signals(input.value(), rvos::kSignalFired, handle_input, nullptr);
    server.listen(listen.value(), handle_request, client_gone);
    server.run();
}

}  // namespace services
