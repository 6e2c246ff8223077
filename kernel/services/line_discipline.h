// The console's line discipline, and whose a typed line is. Bytes come in
// one at a time (echo, backspace, Ctrl-U, Ctrl-C, Ctrl-D); a line is
// marked, when its Enter is typed, with the owner in the foreground then —
// the terminal (kTerminal) or a process (its pid) — and only a read of that
// owner, while it is in the foreground, ever gets it. Other reads wait.
// Hardware-free: what it does to the world goes through Output (the
// console echoes on the UART and answers over IPC; the unit tests record).
#pragma once

#include "abi/abi.h"
#include "abi/protocol.h"

namespace services {

class LineDiscipline {
public:
    using Owner = uint32_t;
    static constexpr Owner kTerminal = 0;  // pids start at 1
    static constexpr size_t kMaxLine = rvos::proto::kMaxConsoleLine;
    static constexpr size_t kTypeAhead = kMaxLine + 1;  // bytes of lines typed and not yet read
    static constexpr size_t kMaxTypedLines = 16;
    // One read per client, and a server watches at most kMaxHandles: the
    // reader list cannot fill up.
    static constexpr size_t kMaxReaders = rvos::kMaxHandles;

    struct Output {
        virtual void echo(const char* text, size_t length) = 0;
        // Ends the read `reader` waits in.
        virtual void answer(rvos::Handle reader, const char* line, size_t length, bool interrupted,
                            bool end_of_file) = 0;
        // Ctrl-C was typed and no read of the terminal's took it.
        virtual void tell_terminal() = 0;

    protected:
        ~Output() = default;
    };

    explicit LineDiscipline(Output& output) : output_(output) {}

    void input(char c);
    // `client` waits for a line of `owner`'s; Busy if it waits already.
    rvos::Error read(rvos::Handle client, Owner owner);
    // A client that went away reads no more.
    void forget(rvos::Handle client);
    // Lines typed from now on are `owner`'s. Lines typed for a process that
    // leaves the foreground are dropped; the terminal's wait for it to be
    // in the foreground again.
    void set_foreground(Owner owner);
    Owner foreground() const { return foreground_; }
    size_t typed_lines() const { return line_count_; }

private:
    struct Reader {
        rvos::Handle client;
        Owner owner;
    };
    struct TypedLine {
        Owner owner;
        uint32_t length;  // bytes in typed_
        bool end_of_file;
    };

    void finish_line();
    void interrupt();
    void store(const char* text, size_t length, bool end_of_file);
    size_t offset_of(size_t line) const;
    void remove_line(size_t line);
    void drop_lines(Owner owner);
    void remove_reader(size_t reader);
    void deliver();
    void erase(size_t count);

    Output& output_;
    Owner foreground_ = kTerminal;
    char line_[kMaxLine];  // the line being typed
    size_t length_ = 0;
    bool last_was_cr_ = false;
    // Completed lines nobody has read yet, oldest first, their text back to back.
    char typed_[kTypeAhead];
    size_t typed_bytes_ = 0;
    TypedLine lines_[kMaxTypedLines];
    size_t line_count_ = 0;
    // Clients waiting for a line, oldest first.
    Reader readers_[kMaxReaders];
    size_t reader_count_ = 0;
};

}  // namespace services
