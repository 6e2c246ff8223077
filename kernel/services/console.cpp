// The console service ("stdio"): output to the UART, and line-oriented input
// with a line discipline. It holds the UART's interrupt object, so input is
// just one more thing the request loop waits for. The protocol is
// lib/proto/console.proto.
//
// Input belongs to the foreground. init gives the console one end of the
// terminal channel (its handle 1) and the shell the other: the terminal
// reads the lines typed while no process is in the foreground, and it alone
// can put a process in the foreground (SetForeground, with the process's
// handle) until that process ends. Every line is marked, when its Enter is
// typed, with whose it is — the terminal's or the foreground process's —
// and only a reader of that owner, while it is in the foreground, gets it.
// Other readers wait, so a program in the background sees nothing, however
// many reads it holds. Ctrl-C always reaches the terminal (an Interrupt
// event, or its own read answered as interrupted): the shell stops the
// foreground program; the program's waiting reads end as interrupted.
#include "drivers/interrupt.h"
#include "drivers/uart.h"
#include "proto/console.h"
#include "services/services.h"
#include "task/process_object.h"

namespace services {

namespace {

namespace console = rvos::proto::console;
using ConsoleServer = Server<console::kMaxRequestBytes, console::kMaxReplyBytes>;

constexpr size_t kMaxLine = rvos::proto::kMaxConsoleLine;
constexpr size_t kTypeAhead = kMaxLine + 1;  // bytes of lines typed and not yet read
constexpr size_t kMaxTypedLines = 16;
// One read per client, and the loop watches at most kMaxHandles clients:
// the reader list cannot fill up.
constexpr size_t kMaxReaders = rvos::kMaxHandles;
constexpr char kCtrlC = 0x03, kCtrlD = 0x04, kCtrlU = 0x15, kBackspace = 0x08, kDelete = 0x7f;
// The console's end of the terminal channel (init's launch handle).
constexpr Handle kTerminalHandle = 1;
// Whose a line or a read is: the terminal's, or a process's pid (pids start at 1).
constexpr uint32_t kTerminalOwner = 0;

struct Reader {
    Handle client;
    uint32_t owner;
};

struct TypedLine {
    uint32_t owner;
    uint32_t length;  // bytes in LineDiscipline::typed
    bool end_of_file;
};

struct LineDiscipline {
    char line[kMaxLine];  // the line being typed
    size_t length = 0;
    bool last_was_cr = false;
    // Completed lines nobody has read yet, oldest first, their text back to back.
    char typed[kTypeAhead];
    size_t typed_bytes = 0;
    TypedLine lines[kMaxTypedLines];
    size_t line_count = 0;
    // Clients waiting for a line (one read each), oldest first.
    Reader readers[kMaxReaders];
    size_t reader_count = 0;
};

struct Foreground {
    Handle process = rvos::kNoHandle;  // watched for its exit; none: the terminal
    uint32_t owner = kTerminalOwner;
};

LineDiscipline state;
Foreground foreground;
Handle terminal = rvos::kNoHandle;
ConsoleServer server;

void echo(const char* text, size_t length) { uart::write(text, length); }

void erase_chars(size_t count) {
    while (count--) echo("\b \b", 3);
}

// ---- Lines typed ahead ------------------------------------------------------------

size_t line_offset(size_t index) {
    size_t offset = 0;
    for (size_t i = 0; i < index; i++) offset += state.lines[i].length;
    return offset;
}

// A completed line joins the type-ahead; with no room it is dropped, like
// a line typed past a full tty buffer.
void store_line(uint32_t owner, const char* text, size_t length, bool end_of_file) {
    if (state.line_count == kMaxTypedLines || state.typed_bytes + length > kTypeAhead) return;
    base::mem_copy(state.typed + state.typed_bytes, text, length);
    state.typed_bytes += length;
    state.lines[state.line_count++] = TypedLine{owner, static_cast<uint32_t>(length), end_of_file};
}

void remove_line(size_t index) {
    size_t offset = line_offset(index), length = state.lines[index].length;
    base::mem_copy(state.typed + offset, state.typed + offset + length, state.typed_bytes - offset - length);
    state.typed_bytes -= length;
    for (size_t i = index + 1; i < state.line_count; i++) state.lines[i - 1] = state.lines[i];
    state.line_count--;
}

void drop_lines(uint32_t owner) {
    for (size_t i = 0; i < state.line_count;)
        if (state.lines[i].owner == owner) remove_line(i);
        else i++;
}

// ---- Readers ----------------------------------------------------------------------

void remove_reader(size_t index) {
    for (size_t i = index + 1; i < state.reader_count; i++) state.readers[i - 1] = state.readers[i];
    state.reader_count--;
}

bool is_reader(Handle client) {
    for (size_t i = 0; i < state.reader_count; i++)
        if (state.readers[i].client == client) return true;
    return false;
}

void answer(Handle reader, const char* text, size_t length, bool interrupted, bool end_of_file) {
    console::ReadLineReply reply;
    reply.interrupted = interrupted;
    reply.end_of_file = end_of_file;
    reply.line = rvos::proto::Str(text, length);
    rvos::proto::send_reply(server, reader, Error::None, reply);
}

size_t first_reader(uint32_t owner) {
    size_t i = 0;
    while (i < state.reader_count && state.readers[i].owner != owner) i++;
    return i;
}

size_t first_line(uint32_t owner) {
    size_t i = 0;
    while (i < state.line_count && state.lines[i].owner != owner) i++;
    return i;
}

// Hands the foreground's typed-ahead lines to its waiting readers.
void deliver() {
    for (;;) {
        size_t reader = first_reader(foreground.owner), line = first_line(foreground.owner);
        if (reader == state.reader_count || line == state.line_count) return;
        Handle client = state.readers[reader].client;
        remove_reader(reader);
        // The line's text is not moved until it has been sent.
        const TypedLine& typed = state.lines[line];
        answer(client, state.typed + line_offset(line), typed.length, false, typed.end_of_file);
        remove_line(line);
    }
}

// ---- The foreground -----------------------------------------------------------------

void set_foreground(Handle process, uint32_t owner) {
    uint32_t before = foreground.owner;
    if (foreground.process != rvos::kNoHandle) server.drop(foreground.process);  // closes it
    foreground = Foreground{process, owner};
    // Lines typed for a process that is no longer in the foreground are
    // nobody's; the terminal's wait for it to be again.
    if (before != kTerminalOwner && before != owner) drop_lines(before);
    deliver();
}

// The foreground process ended: the terminal has the foreground again.
void foreground_ended(ConsoleServer&, Handle, void*, Buffer&) { set_foreground(rvos::kNoHandle, kTerminalOwner); }

// ---- Input ------------------------------------------------------------------------

void finish_line() {
    echo("\n", 1);
    store_line(foreground.owner, state.line, state.length, false);
    state.length = 0;
    deliver();
}

// Ctrl-C: the line being typed and the foreground's typed-ahead lines are
// discarded, its waiting reads end as interrupted, and the terminal hears
// of it (unless its own read just told it).
void interrupt_line() {
    echo("^C\n", 3);
    state.length = 0;
    drop_lines(foreground.owner);
    bool terminal_told = false;
    for (size_t i = 0; i < state.reader_count;) {
        Reader reader = state.readers[i];
        if (reader.owner != foreground.owner) {
            i++;
            continue;
        }
        remove_reader(i);
        answer(reader.client, "", 0, true, false);
        terminal_told |= reader.client == terminal;
    }
    if (terminal_told || terminal == rvos::kNoHandle) return;
    rvos::proto::InlineBuffer<rvos::proto::kRequestHeader> event;
    rvos::proto::Encoder encoder(event);
    encoder.u32(console::Interrupt::kOrdinal);
    server.notify(terminal, event);
}

void handle_input_byte(char c) {
    bool was_cr = state.last_was_cr;
    state.last_was_cr = c == '\r';
    if (c == '\n' && was_cr) return;  // "\r\n" is one line end
    if (c == '\r' || c == '\n') {
        finish_line();
    } else if (c == kCtrlC) {
        interrupt_line();
    } else if (c == kCtrlD) {
        // End of input at the start of a line; elsewhere ignored.
        if (state.length == 0) {
            store_line(foreground.owner, "", 0, true);
            deliver();
        }
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

// ---- Requests ---------------------------------------------------------------------

// A client that went away no longer reads lines; a terminal that went away
// hears no more Ctrl-Cs.
void client_gone(ConsoleServer&, Handle client, void*) {
    for (size_t i = 0; i < state.reader_count;)
        if (state.readers[i].client == client) remove_reader(i);
        else i++;
    if (client == terminal) terminal = rvos::kNoHandle;
}

struct Console {
    uint32_t sender_pid;  // written by the kernel: it cannot be forged

    Error write(Handle, const console::WriteRequest& r, console::WriteReply&) {
        uart::write(reinterpret_cast<const char*>(r.text.data), r.text.length);
        return Error::None;
    }
    Error read_line(Handle client, const console::ReadLineRequest&, console::ReadLineReply&) {
        // One outstanding read per client.
        if (state.reader_count == kMaxReaders || is_reader(client)) return Error::Busy;
        uint32_t owner = client == terminal ? kTerminalOwner : sender_pid;
        state.readers[state.reader_count++] = Reader{client, owner};
        deliver();
        return rvos::proto::kDeferred;  // answered when a line is typed for it
    }
    Error set_foreground(Handle client, console::SetForegroundRequest& r, console::SetForegroundReply&) {
        if (client != terminal) return Error::AccessDenied;
        auto process = TRY(self().handles.get<process::ProcessObject>(r.process, rvos::kRightWait));
        Task* task = process->task();
        if (!task) {  // it has ended already: the terminal keeps the foreground
            services::set_foreground(rvos::kNoHandle, kTerminalOwner);
            return Error::None;
        }
        if (!server.watch_signals(r.process, rvos::kSignalExited, foreground_ended, nullptr))
            return Error::HandleTableFull;
        services::set_foreground(r.process, task->pid);
        r.process = rvos::kNoHandle;  // watched: closed when it leaves the foreground
        return Error::None;
    }
    Error foreground(Handle, const console::ForegroundRequest&, console::ForegroundReply& out) {
        out.pid = services::foreground.owner;
        return Error::None;
    }
    void interrupt(Handle, console::Interrupt&) {}  // clients do not send it
};

void handle_request(ConsoleServer& loop, Handle client, void*, Buffer& request) {
    Console handler{request.sender_pid};
    console::dispatch(loop, client, request, handler);
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
    server.watch_signals(input.value(), rvos::kSignalFired, handle_input, nullptr);
    server.listen(listen.value(), handle_request, client_gone);
    if (!self().handles.get<ipc::Endpoint>(kTerminalHandle, rvos::kRightRead | rvos::kRightWrite).is_error() &&
        server.watch(kTerminalHandle, handle_request, nullptr, client_gone))
        terminal = kTerminalHandle;
    server.run();
}

}  // namespace services
