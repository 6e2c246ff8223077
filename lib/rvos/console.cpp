// The console client (see console.h), on lib/proto/console.proto.
#include "rvos/console.h"

#include "base/format.h"
#include "proto/console.h"
#include "rvos/ipc.h"
#include "rvos/service.h"

namespace rvos::console {

namespace {

namespace cp = proto::console;

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

// A ReadLine request stays outstanding until its line arrives, even when
// read_line returns early for an interrupt: the next call waits for it
// instead of asking twice.
bool line_requested = false;

base::ErrorOr<Line> read_line(char* buffer, size_t size, Handle interrupts) {
    Handle handle = TRY(stdio.handle());
    if (!line_requested) {
        TRY_STATUS(cp::read_line_send<UserIpc>(handle, {}));
        line_requested = true;
    }
    buffer[0] = 0;
    if (interrupts != kNoHandle) {
        // A Ctrl-C typed before our request reached the console went to the
        // interrupt watchers instead: it interrupts this line all the same.
        Handle watched[2] = {handle, interrupts};
        size_t ready = TRY(sys::wait(watched, 2));
        if (ready == 1) {
            proto::InlineBuffer<cp::kMaxRequestBytes> event;
            if (UserIpc::try_read(interrupts, event) == Error::None) {
                proto::close_all<UserIpc>(event);
                return Line{0, true};
            }
        }
    }
    line_requested = false;
    // 32 KiB, made on first use: most programs never read a line, and a
    // static buffer would be zeroed pages in every program's image.
    static cp::ReadLineReplyBuffer* reply_buffer = nullptr;
    if (!reply_buffer) reply_buffer = new cp::ReadLineReplyBuffer;
    if (!reply_buffer) return Error::NoMemory;
    cp::ReadLineReply reply = TRY(cp::read_line_receive<UserIpc>(handle, *reply_buffer));
    size_t length = base::min<size_t>(reply.line.length, size - 1);
    base::mem_copy(buffer, reply.line.data, length);
    buffer[length] = 0;
    return Line{length, reply.interrupted};
}

base::ErrorOr<Channel> watch_interrupts() {
    Channel channel = TRY(connect("stdio"));
    cp::WatchInterruptsReplyBuffer buffer;
    TRY(cp::watch_interrupts<UserIpc>(channel.handle(), {}, buffer));
    return channel;
}

}  // namespace rvos::console
