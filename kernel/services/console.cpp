// The console service ("stdio"): output to the UART, and line-oriented input
// with a line discipline. It holds the UART's interrupt object, so input is
// just one more thing the request loop waits for. The protocol is
// lib/proto/console.proto.
#include "drivers/interrupt.h"
#include "drivers/uart.h"
#include "platform/machine.h"
#include "proto/console.h"
#include "services/services.h"

namespace services {

namespace {

namespace console = rvos::proto::console;
using ConsoleServer = Server<console::kMaxRequestBytes, console::kMaxReplyBytes>;

constexpr size_t kMaxLine = rvos::proto::kMaxConsoleLine;
constexpr size_t kMaxReaders = 16;
constexpr size_t kTypeAhead = kMaxLine + 1;
constexpr char kCtrlC = 0x03, kCtrlU = 0x15, kBackspace = 0x08, kDelete = 0x7f;

struct LineDiscipline {
    char line[kMaxLine];
    size_t length = 0;
    bool last_was_cr = false;
    // Completed lines nobody has asked for yet, '\n'-terminated.
    char typed_ahead[kTypeAhead];
    size_t typed_length = 0;
    // Clients waiting for a line, oldest first (one read each).
    Handle readers[kMaxReaders];
    size_t reader_count = 0;
    // Clients told about a Ctrl-C that no reader took (the shell, to stop
    // the program it is waiting for).
    Handle watchers[kMaxReaders];
    size_t watcher_count = 0;
};

LineDiscipline state;
ConsoleServer server;

void echo(const char* text, size_t length) { uart::write(text, length); }

void erase_chars(size_t count) {
    while (count--) echo("\b \b", 3);
}

Handle pop_reader() {
    Handle reader = state.readers[0];
    for (size_t i = 1; i < state.reader_count; i++) state.readers[i - 1] = state.readers[i];
    state.reader_count--;
    return reader;
}

void answer(Handle reader, const char* text, size_t length, bool interrupted) {
    console::ReadLineReply reply;
    reply.interrupted = interrupted;
    reply.line = rvos::proto::Str(text, length);
    rvos::proto::send_reply(server, reader, Error::None, reply);
}

// Hands typed-ahead lines to waiting readers.
void deliver() {
    while (state.reader_count) {
        size_t end = 0;
        while (end < state.typed_length && state.typed_ahead[end] != '\n') end++;
        if (end == state.typed_length) return;  // no complete line yet
        Handle reader = pop_reader();
        if (!server.watching(reader)) continue;
        answer(reader, state.typed_ahead, end, false);
        size_t consumed = end + 1;
        base::mem_copy(state.typed_ahead, state.typed_ahead + consumed, state.typed_length - consumed);
        state.typed_length -= consumed;
    }
}

void finish_line() {
    echo("\n", 1);
    if (state.typed_length + state.length + 1 <= kTypeAhead) {
        base::mem_copy(state.typed_ahead + state.typed_length, state.line, state.length);
        state.typed_length += state.length;
        state.typed_ahead[state.typed_length++] = '\n';
    }
    state.length = 0;
    deliver();
}

void interrupt_line() {
    echo("^C\n", 3);
    state.length = 0;
    while (state.reader_count) {
        Handle reader = pop_reader();
        if (!server.watching(reader)) continue;
        return answer(reader, "", 0, true);
    }
    for (size_t i = 0; i < state.watcher_count; i++) {
        if (!server.watching(state.watchers[i])) {
            state.watchers[i--] = state.watchers[--state.watcher_count];
            continue;
        }
        rvos::proto::InlineBuffer<rvos::proto::kRequestHeader> event;
        rvos::proto::Encoder encoder(event);
        encoder.u32(console::Interrupt::kOrdinal);
        server.notify(state.watchers[i], event);
    }
}

void handle_input_byte(char c) {
    bool was_cr = state.last_was_cr;
    state.last_was_cr = c == '\r';
    if (c == '\n' && was_cr) return;  // "\r\n" is one line end
    if (c == '\r' || c == '\n') {
        finish_line();
    } else if (c == kCtrlC) {
        interrupt_line();
    } else if (c == kCtrlU) {
        erase_chars(state.length);
        state.length = 0;
    } else if (c == kBackspace || c == kDelete) {
        if (state.length) {
            state.length--;
            erase_chars(1);
        }
    } else if (c >= 0x20 && c < 0x7f && state.length < kMaxLine) {
        state.line[state.length++] = c;
        echo(&c, 1);
    }
    // Other control bytes and input beyond kMaxLine are ignored.
}

// The UART's interrupt fired: take every byte it holds, then re-arm.
void handle_input(ConsoleServer&, Handle line, void*, Buffer&) {
    char c;
    while (uart::read_byte(c)) handle_input_byte(c);
    (void)self().handles.get<interrupt::InterruptObject>(line, rvos::kRightWrite).value()->acknowledge();
}

bool is_reader(Handle client) {
    for (size_t i = 0; i < state.reader_count; i++)
        if (state.readers[i] == client) return true;
    return false;
}

// A client that went away no longer reads lines or hears interrupts.
void client_gone(ConsoleServer&, Handle client, void*) {
    for (size_t i = 0; i < state.reader_count; i++)
        if (state.readers[i] == client) {
            for (size_t k = i + 1; k < state.reader_count; k++) state.readers[k - 1] = state.readers[k];
            state.reader_count--;
            i--;
        }
    for (size_t i = 0; i < state.watcher_count; i++)
        if (state.watchers[i] == client) state.watchers[i--] = state.watchers[--state.watcher_count];
}

struct Console {
    Error write(Handle, const console::WriteRequest& r, console::WriteReply&) {
        uart::write(reinterpret_cast<const char*>(r.text.data), r.text.length);
        return Error::None;
    }
    Error read_line(Handle client, const console::ReadLineRequest&, console::ReadLineReply&) {
        // One outstanding read per client.
        if (state.reader_count == kMaxReaders || is_reader(client)) return Error::Busy;
        state.readers[state.reader_count++] = client;
        deliver();
        return rvos::proto::kDeferred;  // answered when a line is complete
    }
    Error watch_interrupts(Handle client, const console::WatchInterruptsRequest&, console::WatchInterruptsReply&) {
        if (state.watcher_count == kMaxReaders) return Error::Busy;
        state.watchers[state.watcher_count++] = client;
        return Error::None;
    }
    void interrupt(Handle, console::Interrupt&) {}  // clients do not send it
};

void handle_request(ConsoleServer& loop, Handle client, void*, Buffer& request) {
    Console handler;
    console::dispatch(loop, client, request, handler);
}

}  // namespace

void console_main() {
    // The console drives the UART's input through its interrupt object.
    auto line = interrupt::InterruptObject::create(platform::machine().uart.irq);
    if (line.is_error()) return;
    auto input = self().handles.install(line.value(), rvos::kRightWrite | rvos::kRightWait);
    if (input.is_error()) return line.value()->unref();

    auto listen = register_service("stdio");
    if (listen.is_error()) return;
    server.watch_signals(input.value(), rvos::kSignalFired, handle_input, nullptr);
    server.listen(listen.value(), handle_request, client_gone);
    server.run();
}

}  // namespace services
