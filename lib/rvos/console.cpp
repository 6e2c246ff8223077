// The console client (see console.h), on lib/proto/console.proto.
#include "rvos/console.h"

#include <unistd.h>

#include "base/format.h"
#include "proto/console.h"
#include "rvos/ipc.h"
#include "rvos/service.h"

namespace rvos::console {

namespace {

namespace cp = proto::console;

ServiceConnection stdio("stdio");
// Line input goes over a connection of its own: poll sends a ReadLine
// ahead (start_read_line) and watches for its answer, and a Write on
// `stdio` meanwhile must not take that answer for its own.
ServiceConnection input("stdio");
bool line_in_flight = false;

class ConsoleSink final : public base::FormatSink {
public:
    void put(const char* text, size_t length) override {
        while (length) {
            size_t chunk = base::min(length, sizeof buffer_ - used_);
            base::mem_copy(buffer_ + used_, text, chunk);
            used_ += chunk;
            text += chunk;
            length -= chunk;
            if (used_ == sizeof buffer_) flush();
        }
    }
    // Through descriptor 1, so print follows a redirection or a pipe.
    void flush() {
        if (used_) (void)::write(STDOUT_FILENO, buffer_, used_);
        used_ = 0;
    }

private:
    char buffer_[256];
    size_t used_ = 0;
};

bool is_interrupt(const proto::Buffer& message) {
    uint32_t ordinal = 0;
    if (message.length < sizeof ordinal) return false;
    base::mem_copy(&ordinal, message.data, sizeof ordinal);
    return ordinal == cp::Interrupt::kOrdinal;
}

// The terminal's transport: before the reply to a request, Interrupt
// events may be queued (Ctrl-Cs typed while nobody was listening); they
// are past, and skipped.
struct TerminalIpc : UserIpc {
    static Error read(Handle channel, proto::Buffer& message) {
        for (;;) {
            Error error = UserIpc::read(channel, message);
            if (error != Error::None || !is_interrupt(message)) return error;
            proto::close_all<UserIpc>(message);
        }
    }
};

// 32 KiB, made on first use: most programs never read a line, and a
// static buffer would be zeroed pages in every program's image.
cp::ReadLineReplyBuffer* line_reply_buffer() {
    static cp::ReadLineReplyBuffer* reply_buffer = nullptr;
    if (!reply_buffer) reply_buffer = new cp::ReadLineReplyBuffer;
    return reply_buffer;
}

// Takes the answer to the ReadLine sent on `connection` (waiting for it).
template <typename Ipc>
base::ErrorOr<Line> receive_line(Handle connection, char* buffer, size_t size) {
    cp::ReadLineReplyBuffer* reply_buffer = line_reply_buffer();
    if (!reply_buffer) return Error::NoMemory;
    buffer[0] = 0;
    cp::ReadLineReply reply = TRY((proto::receive_reply<Ipc, cp::ReadLineReply>(connection, *reply_buffer)));
    size_t length = base::min<size_t>(reply.line.length, size - 1);
    base::mem_copy(buffer, reply.line.data, length);
    buffer[length] = 0;
    return Line{length, reply.interrupted, reply.end_of_file};
}

template <typename Ipc>
base::ErrorOr<Line> read_line_on(Handle connection, char* buffer, size_t size) {
    cp::ReadLineReplyBuffer* reply_buffer = line_reply_buffer();
    if (!reply_buffer) return Error::NoMemory;
    buffer[0] = 0;
    cp::ReadLineReply reply = TRY(cp::read_line<Ipc>(connection, {}, *reply_buffer));
    size_t length = base::min<size_t>(reply.line.length, size - 1);
    base::mem_copy(buffer, reply.line.data, length);
    buffer[length] = 0;
    return Line{length, reply.interrupted, reply.end_of_file};
}

}  // namespace

Error write(const char* text, size_t length) {
    Handle handle = TRY(stdio.handle());
    while (length) {
        size_t chunk = base::min(length, proto::kMaxConsoleWrite);
        cp::WriteRequest request;
        request.text = proto::Bytes(text, chunk);
        cp::WriteReplyBuffer buffer;
        TRY(cp::write<UserIpc>(handle, request, buffer));
        text += chunk;
        length -= chunk;
    }
    return Error::None;
}

void print(const char* fmt, ...) {
    ConsoleSink sink;
    va_list args;
    va_start(args, fmt);
    base::vformat(sink, fmt, args);
    va_end(args);
    sink.flush();
}

base::ErrorOr<Line> read_line(char* buffer, size_t size) {
    Handle connection = TRY(input.handle());
    if (!line_in_flight) return read_line_on<UserIpc>(connection, buffer, size);
    line_in_flight = false;  // answered now, whatever the answer
    return receive_line<UserIpc>(connection, buffer, size);
}

base::ErrorOr<Handle> start_read_line() {
    Handle connection = TRY(input.handle());
    if (!line_in_flight) {
        TRY_STATUS((proto::send_request<UserIpc, cp::ReadLineRequest>(connection, {})));
        line_in_flight = true;
    }
    return connection;
}

base::ErrorOr<uint32_t> foreground() {
    cp::ForegroundReplyBuffer buffer;
    auto reply = TRY(cp::foreground<UserIpc>(TRY(stdio.handle()), {}, buffer));
    return reply.pid;
}

namespace terminal {

base::ErrorOr<Line> read_line(Handle terminal, char* buffer, size_t size) {
    return read_line_on<TerminalIpc>(terminal, buffer, size);
}

Error give_foreground(Handle terminal, Handle process) {
    cp::SetForegroundRequest request;
    // The console only waits for it to end.
    request.process = TRY(sys::handle_duplicate(process, kRightWait | kRightTransfer));
    cp::SetForegroundReplyBuffer buffer;
    return cp::set_foreground<TerminalIpc>(terminal, request, buffer).error();
}

Error keys_mode(Handle terminal) {
    cp::KeysModeReplyBuffer buffer;
    return cp::keys_mode<TerminalIpc>(terminal, {}, buffer).error();
}

base::ErrorOr<size_t> read_keys(Handle terminal, char* buffer, size_t size) {
    cp::ReadKeysReplyBuffer reply_buffer;
    cp::ReadKeysReply reply = TRY(cp::read_keys<TerminalIpc>(terminal, {}, reply_buffer));
    size_t length = base::min<size_t>(reply.keys.length, size);
    base::mem_copy(buffer, reply.keys.data, length);
    return length;
}

bool take_interrupt(Handle terminal) {
    proto::InlineBuffer<cp::kMaxRequestBytes> event;
    while (UserIpc::try_read(terminal, event) == Error::None) {
        proto::close_all<UserIpc>(event);
        if (is_interrupt(event)) return true;
    }
    return false;
}

}  // namespace terminal

}  // namespace rvos::console
