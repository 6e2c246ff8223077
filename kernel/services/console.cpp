// The console service ("stdio"): output to the UART, and line-oriented input
// through the line discipline (line_discipline.h). It holds the UART's
// interrupt object, so input is just one more thing the request loop waits
// for. The protocol is lib/proto/console.proto.
//
// Input belongs to the foreground. init gives the console one end of the
// terminal channel (its handle 1) and the shell the other: the terminal
// reads the lines typed while no process is in the foreground, and it alone
// can put a process in the foreground (SetForeground, with the process's
// handle) until that process ends. Reads on any other connection are the
// reads of the process that sent them (the kernel stamps the sender's pid),
// so a program in the background gets nothing, however many reads it holds.
// Ctrl-C always reaches the terminal (an Interrupt event, or its own read
// answered as interrupted): the shell stops the foreground program.
#include "drivers/interrupt.h"
#include "drivers/uart.h"
#include "platform/machine.h"
#include "proto/console.h"
#include "services/line_discipline.h"
#include "services/services.h"
#include "task/process_object.h"

namespace services {

namespace {

namespace console = rvos::proto::console;
using ConsoleServer = Server<console::kMaxRequestBytes, console::kMaxReplyBytes>;

// The console's end of the terminal channel (init's launch handle).
constexpr Handle kTerminalHandle = 1;

ConsoleServer server;
Handle terminal = rvos::kNoHandle;
// The foreground process's handle, watched for its exit; none while the
// terminal is in the foreground.
Handle foreground_process = rvos::kNoHandle;

struct Console final : LineDiscipline::Output {
    void echo(const char* text, size_t length) override { uart::write(text, length); }
    void answer(Handle reader, const char* line, size_t length, bool interrupted, bool end_of_file) override {
        console::ReadLineReply reply;
        reply.interrupted = interrupted;
        reply.end_of_file = end_of_file;
        reply.line = rvos::proto::Str(line, length);
        rvos::proto::send_reply(server, reader, Error::None, reply);
    }
    void tell_terminal() override {
        if (terminal == rvos::kNoHandle) return;
        rvos::proto::InlineBuffer<rvos::proto::kRequestHeader> event;
        rvos::proto::Encoder encoder(event);
        encoder.u32(console::Interrupt::kOrdinal);
        server.notify(terminal, event);
    }
};

Console output;
LineDiscipline lines(output);

// `process` (watched, or none) and its pid are in the foreground from now on.
void set_foreground(Handle process, uint32_t pid) {
    if (foreground_process != rvos::kNoHandle) server.drop(foreground_process);  // closes it
    foreground_process = process;
    lines.set_foreground(process == rvos::kNoHandle ? LineDiscipline::kTerminal : pid);
}

// The foreground process ended: the terminal has the foreground again.
void foreground_ended(ConsoleServer&, Handle, void*, Buffer&) { set_foreground(rvos::kNoHandle, 0); }

// The UART's interrupt fired: take every byte it holds, then re-arm.
void handle_input(ConsoleServer&, Handle line, void*, Buffer&) {
    char c;
    while (uart::read_byte(c)) lines.input(c);
    (void)self().handles.get<interrupt::InterruptObject>(line, rvos::kRightWrite).value()->acknowledge();
}

// A client that went away no longer reads; a terminal that went away hears
// no more Ctrl-Cs.
void client_gone(ConsoleServer&, Handle client, void*) {
    lines.forget(client);
    if (client == terminal) terminal = rvos::kNoHandle;
}

struct Requests {
    uint32_t sender_pid;  // written by the kernel: it cannot be forged

    Error write(Handle, const console::WriteRequest& r, console::WriteReply&) {
        uart::write(reinterpret_cast<const char*>(r.text.data), r.text.length);
        return Error::None;
    }
    Error read_line(Handle client, const console::ReadLineRequest&, console::ReadLineReply&) {
        TRY_STATUS(lines.read(client, client == terminal ? LineDiscipline::kTerminal : sender_pid));
        return rvos::proto::kDeferred;  // answered when a line is typed for it
    }
    Error set_foreground(Handle client, console::SetForegroundRequest& r, console::SetForegroundReply&) {
        if (client != terminal) return Error::AccessDenied;
        auto process = TRY(self().handles.get<process::ProcessObject>(r.process, rvos::kRightWait));
        Task* task = process->task();
        if (!task) {  // it has ended already: the terminal keeps the foreground
            services::set_foreground(rvos::kNoHandle, 0);
            return Error::None;
        }
        if (!server.watch_signals(r.process, rvos::kSignalExited, foreground_ended, nullptr))
            return Error::HandleTableFull;
        services::set_foreground(r.process, task->pid);
        r.process = rvos::kNoHandle;  // watched: closed when it leaves the foreground
        return Error::None;
    }
    Error foreground(Handle, const console::ForegroundRequest&, console::ForegroundReply& out) {
        out.pid = lines.foreground();
        return Error::None;
    }
    void interrupt(Handle, console::Interrupt&) {}  // clients do not send it
};

void handle_request(ConsoleServer& loop, Handle client, void*, Buffer& request) {
    Requests handler{request.sender_pid};
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
    if (!self().handles.get<ipc::Endpoint>(kTerminalHandle, rvos::kRightRead | rvos::kRightWrite).is_error() &&
        server.watch(kTerminalHandle, handle_request, nullptr, client_gone))
        terminal = kTerminalHandle;
    server.run();
}

}  // namespace services
