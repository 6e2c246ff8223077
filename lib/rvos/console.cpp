#include "rvos/console.h"

#include "abi/protocol.h"
#include "base/format.h"
#include "rvos/service.h"
#include "wire/wire.h"

namespace rvos::console {

namespace {

using proto::Console;

ServiceConnection stdio("stdio");

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
    void flush() {
        if (used_) write(buffer_, used_);
        used_ = 0;
    }

private:
    char buffer_[256];
    size_t used_ = 0;
};

}  // namespace

Error write(const char* text, size_t length) {
    auto handle = stdio.handle();
    if (handle.is_error()) return handle.error();
    while (length) {
        Message request;
        wire::Writer writer(request, static_cast<uint32_t>(Console::Write));
        size_t chunk = base::min(length, writer.remaining());
        writer.put_bytes(text, chunk);
        Error error = sys::chan_send(handle.value(), request);
        if (error == Error::None) {
            Message reply;
            error = sys::chan_recv_wait(handle.value(), reply);
        }
        if (error != Error::None) return error;
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

// A ReadLine request stays outstanding until its line arrives, even when
// read_line returns early for an interrupt: the next call waits for it
// instead of asking twice.
bool line_requested = false;

base::ErrorOr<Line> read_line(char* buffer, size_t size, Handle interrupts) {
    Handle handle = TRY(stdio.handle());
    if (!line_requested) {
        Message request;
        wire::Writer(request, static_cast<uint32_t>(Console::ReadLine));
        Error error = sys::chan_send(handle, request);
        if (error != Error::None) return error;
        line_requested = true;
    }
    buffer[0] = 0;
    if (interrupts != kNoHandle) {
        // A Ctrl-C typed before our request reached the console went to the
        // interrupt watchers instead: it interrupts this line all the same.
        Handle watched[2] = {handle, interrupts};
        size_t ready = TRY(sys::wait(watched, 2));
        Message event;
        if (ready == 1 && sys::chan_recv(interrupts, event) == Error::None) return Line{0, true};
    }
    line_requested = false;
    Line line{0, false};
    Error error = Error::None;
    for (;;) {
        Message piece;
        error = sys::chan_recv_wait(handle, piece);
        if (error != Error::None) return error;
        wire::Reader reader(piece);
        auto tag = static_cast<Console>(reader.tag());
        if (tag == Console::Reply) {  // refused, e.g. Busy: too many readers waiting
            auto status = static_cast<Error>(reader.get_i32());
            return reader.ok() && status != Error::None ? status : Error::BadMessage;
        }
        if (tag != Console::LineData) return Error::BadMessage;
        uint8_t flags = reader.get_u8();
        if (!reader.ok()) return Error::BadMessage;
        size_t chunk = base::min(reader.rest_length(), size - 1 - line.length);
        base::mem_copy(buffer + line.length, reader.rest(), chunk);
        line.length += chunk;
        line.interrupted = flags & proto::kLineInterrupted;
        if (!(flags & proto::kLineMore)) break;
    }
    buffer[line.length] = 0;
    return line;
}

base::ErrorOr<Channel> watch_interrupts() {
    Channel channel = TRY(connect("stdio"));
    Message request, reply;
    wire::Writer(request, static_cast<uint32_t>(Console::WatchInterrupts));
    Error error = channel.call(request, reply);
    if (error != Error::None) return error;
    wire::Reader reader(reply);
    reader.tag();
    auto status = static_cast<Error>(reader.get_i32());
    if (!reader.ok()) return Error::BadMessage;
    if (status != Error::None) return status;
    return channel;
}

}  // namespace rvos::console
