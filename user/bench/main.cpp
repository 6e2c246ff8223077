// bench: the system's benchmark. Each row runs its operation often enough to
// take at least 100 ms (5 ms with `bench quick`), five times, and reports the
// median: iterations, total time and time per operation, or MB/s for the
// throughput rows. Timing uses rdtime (10 MHz on QEMU virt). `bench disk`
// runs the rows on the disk instead (disk.cpp). The rows on the C library
// alone (libc_rows.cpp) come last; harness/hostbench.py runs them on the host
// too, for the host's figure beside each.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libc_rows.h"
#include "rvos/math.h"
#include "rvos/server.h"
#include "rvos/shared_memory.h"
#include "rvos/service.h"

using rvos::Error;
namespace sys = rvos::sys;

namespace {

constexpr uint64_t kTicksPerSecond = 10'000'000;
uint64_t min_ticks = kTicksPerSecond / 10;  // 100 ms
int repetitions = 5;

uint64_t now() {
    uint64_t t;
    asm volatile("rdtime %0" : "=r"(t));
    return t;
}

struct Row {
    const char* name;
    void (*run)(uint64_t iterations);
    uint64_t bytes_per_op;  // non-zero: report MB/s
    void (*setup)() = nullptr;     // before the row's runs, outside the timing
    void (*teardown)() = nullptr;  // after them
    uint64_t* ns_per_op_out = nullptr;  // where the result is kept, if a later line needs it
};

// ---- Fixtures shared by several rows ------------------------------------------------

rvos::Channel same_a, same_b;        // a channel within this process
rvos::Channel echo;                  // to the echo child: each message comes back
rvos::Channel sink;                  // to the sink child: acknowledges each batch
rvos::Channel bulk;                  // to the bulk child: copies out of shared memory

// Sends a message and waits for the answer.
void round_trip(const rvos::Channel& channel, const rvos::Message& request, rvos::Message& reply) {
    channel.send(request);
    channel.receive_wait(reply);
}
rvos::Child echo_child, sink_child, bulk_child;
rvos::SharedMemory shared;           // 1 MiB, mapped by this process and the bulk child
uint8_t* source;                     // 1 MiB of private data to send
rvos::Message payload;               // a full 64-byte message

void start_child(const char* mode, const char* service, rvos::Child& child, rvos::Channel& channel) {
    auto started = rvos::spawn("bench", mode);
    if (started.is_error()) {
        printf("bench: spawn %s: %s\n", mode, rvos::error_name(started.error()));
        exit(1);
    }
    child = started.release_value();
    for (;;) {  // the child registers its service once it runs
        auto connected = rvos::connect(service);
        if (!connected.is_error()) {
            channel = connected.release_value();
            return;
        }
        sys::yield();
    }
}

// ---- Rows -------------------------------------------------------------------------------

void bench_getpid(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) sys::getpid();
}

void bench_yield(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) sys::yield();
}

// The floor under any cross-process round trip: this process and the
// yielder child are the only runnable tasks (every other child and server
// is blocked in a receive), so each yield here runs the child until it
// yields back. One operation is one of this process's yields: two traps
// and two satp switches (yields/2 of both processes' yields together),
// with no message path at all.
rvos::Child yielder_child;
void start_yielder() {
    auto started = rvos::spawn("bench", "yielder");
    if (started.is_error()) {
        printf("bench: spawn yielder: %s\n", rvos::error_name(started.error()));
        exit(1);
    }
    yielder_child = started.release_value();
}
void stop_yielder() {
    rvos::kill(yielder_child);
    (void)rvos::wait_exit(yielder_child);  // gone from the run queue before the next row
}
void bench_yield_ping_pong(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) sys::yield();
}

void bench_channel(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        auto pair = sys::chan_create();
        sys::chan_close(pair.value().a);
        sys::chan_close(pair.value().b);
    }
}

void bench_same_process(uint64_t n) {
    rvos::Message m;
    for (uint64_t i = 0; i < n; i++) {
        same_a.send(payload);
        same_b.receive(m);
    }
}

void bench_ping_pong(uint64_t n) {
    rvos::Message m;
    for (uint64_t i = 0; i < n; i++) round_trip(echo, payload, m);
}

// 4 KiB each way through the echo child, with the raw calls.
constexpr size_t kPage = 4096;
uint8_t page_buffer[kPage];
void bench_ping_pong_4k(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        sys::chan_write(echo.handle(), page_buffer, kPage);
        (void)sys::chan_read(echo.handle(), page_buffer, kPage, nullptr, 0, rvos::kDeadlineNever);
    }
}

void bench_kernel_service(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) (void)rvos::math::add(1, 2);
}

constexpr uint64_t kBatch = 32;  // half the queue: the sender never sees QueueFull

// One operation is a batch of kBatch full messages, acknowledged once.
void bench_stream(uint64_t batches) {
    rvos::Message ack;
    for (uint64_t b = 0; b < batches; b++) {
        for (uint64_t i = 0; i < kBatch; i++) sink.send(payload);
        sink.receive_wait(ack);
    }
}

constexpr uint64_t kMiB = 1 << 20;
// 1 MiB from this process's memory into the child's: one copy into the
// shared buffer, a message, the child's copy out, its acknowledgement.
void bench_bulk(uint64_t n) {
    rvos::Message ready, ack;
    for (uint64_t i = 0; i < n; i++) {
        memcpy(shared.data(), source, kMiB);
        round_trip(bulk, ready, ack);
    }
}

void bench_stream_1mib(uint64_t n) { bench_stream(n * kMiB / (kBatch * rvos::kMessagePayload)); }

rvos::Channel idle_a, idle_b;  // a channel nothing is ever sent on
rvos::Channel timer;           // a timer object (an owned handle)

// A wait that cannot block: the channel is empty and the deadline is now.
void bench_wait_now(uint64_t n) {
    rvos::WaitItem item{idle_b.handle(), rvos::kSignalReadable | rvos::kSignalPeerClosed, 0};
    for (uint64_t i = 0; i < n; i++) (void)sys::wait(&item, 1, rvos::kDeadlineNow);
}

// A timer set in the past has fired by the time it is waited on; the wait
// consumes Fired, so each operation sets it again: timer_set + wait.
void bench_wait_fired(uint64_t n) {
    rvos::WaitItem item{timer.handle(), rvos::kSignalFired, 0};
    for (uint64_t i = 0; i < n; i++) {
        sys::timer_set(timer.handle(), 1);
        (void)sys::wait(&item, 1, rvos::kDeadlineNever);
    }
}

void bench_duplicate(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        auto copy = sys::handle_duplicate(idle_a.handle(), rvos::kRightRead | rvos::kRightWait);
        sys::handle_close(copy.value());
    }
}

void bench_mmap(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        auto page = sys::mmap(rvos::kPageSize);
        sys::munmap(page.value(), rvos::kPageSize);
    }
}

void bench_malloc(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        void* volatile p = malloc(64);
        free(p);
    }
}

char block[64];

void bench_create_write(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        int fd = open("/tmp/bench.dat", O_WRONLY | O_CREAT | O_TRUNC);
        write(fd, block, sizeof block);
        close(fd);
    }
}

void bench_open_read(uint64_t n) {
    char buffer[64];
    for (uint64_t i = 0; i < n; i++) {
        int fd = open("/tmp/bench.dat", O_RDONLY);
        read(fd, buffer, sizeof buffer);
        close(fd);
    }
}

void bench_stat(uint64_t n) {
    struct stat st;
    for (uint64_t i = 0; i < n; i++) stat("/tmp/bench.dat", &st);
}

// Deleting needs files to delete: they are made first, outside the timing.
uint64_t delete_setup_ticks = 0;
void bench_delete(uint64_t n) {
    char path[32];
    uint64_t start = now();
    for (uint64_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "/tmp/d%llu", static_cast<unsigned long long>(i));
        close(open(path, O_WRONLY | O_CREAT));
    }
    delete_setup_ticks += now() - start;
    for (uint64_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "/tmp/d%llu", static_cast<unsigned long long>(i));
        unlink(path);
    }
}

void make_directory(const char* path, int files) {
    mkdir(path, 0755);
    char name[48];
    for (int i = 0; i < files; i++) {
        snprintf(name, sizeof name, "%s/f%d", path, i);
        close(open(name, O_WRONLY | O_CREAT));
    }
}

void list(const char* path, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        DIR* dir = opendir(path);
        while (readdir(dir)) {
        }
        closedir(dir);
    }
}
void bench_readdir_10(uint64_t n) { list("/tmp/r10", n); }
void bench_readdir_100(uint64_t n) { list("/tmp/r100", n); }

// 1 MiB files, moved in calls of kSmallCall or kLargeCall bytes.
constexpr size_t kSmallCall = 4096, kLargeCall = 64 * 1024;
uint8_t* io_buffer;  // kLargeCall bytes

void write_file(uint64_t n, size_t call) {
    for (uint64_t i = 0; i < n; i++) {
        int fd = open("/tmp/big.dat", O_WRONLY | O_CREAT | O_TRUNC);
        for (size_t done = 0; done < kMiB; done += call) write(fd, io_buffer, call);
        close(fd);
    }
}
void read_file(uint64_t n, size_t call) {
    for (uint64_t i = 0; i < n; i++) {
        int fd = open("/tmp/big.dat", O_RDONLY);
        while (read(fd, io_buffer, call) > 0) {
        }
        close(fd);
    }
}
void bench_file_write(uint64_t n) { write_file(n, kSmallCall); }
void bench_file_read(uint64_t n) { read_file(n, kSmallCall); }
void bench_file_write_large(uint64_t n) { write_file(n, kLargeCall); }
void bench_file_read_large(uint64_t n) { read_file(n, kLargeCall); }

void run_and_wait(const char* program, const char* args) {
    auto child = rvos::spawn(program, args);
    if (!child.is_error()) (void)rvos::wait_exit(child.value());
}
void bench_spawn(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) run_and_wait("bench", "nop");
}
// Spawning from /bin: the library opens the file, reads it into a fresh
// memory object and asks init to load it (rvos/exec.cpp). The same from an
// image already in memory leaves the file out: the difference is the read.
void bench_spawn_bin(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) run_and_wait("/bin/bench", "nop");
}
rvos::Handle bench_image = rvos::kNoHandle;
size_t bench_image_size = 0;
void read_bench_image() {
    int fd = open("/bin/bench", O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) return (void)printf("bench: cannot read /bin/bench\n");
    bench_image_size = static_cast<size_t>(st.st_size);
    auto memory = rvos::sys::mem_create(bench_image_size);
    auto view = rvos::SharedMemory::map(
        rvos::sys::handle_duplicate(memory.value(), rvos::kRightMap | rvos::kRightMapWrite).value());
    if (view.is_error() || read(fd, view.value().data(), bench_image_size) != st.st_size)
        printf("bench: cannot read /bin/bench\n");
    close(fd);
    bench_image = memory.value();
}
void close_bench_image() { rvos::sys::handle_close(bench_image); }
void bench_spawn_image(uint64_t n) {
    const char* argv[] = {"bench", "nop", nullptr};
    for (uint64_t i = 0; i < n; i++) {
        auto image = rvos::sys::handle_duplicate(bench_image, rvos::kRightMap | rvos::kRightTransfer);
        auto child = rvos::spawn_image("bench", image.value(), bench_image_size, argv, nullptr, nullptr, 0);
        if (!child.is_error()) (void)rvos::wait_exit(child.value());
    }
}
void bench_hello_std(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) run_and_wait("hello-std", "quiet");
}

// The same with three busy loops (`bench spin` children) running all the
// while: a fair scheduler keeps this within a small factor of the row
// above (scheduler.h). They start two seconds before the first run, so that
// their recent use is what background loops' would be, and are reaped after
// the row.
constexpr int kBusyLoops = 3;
rvos::Child busy_loops[kBusyLoops];
uint64_t idle_hello_std_ns, busy_hello_std_ns;  // the two rows' ns/op, for the ratio line
void start_busy_loops() {
    for (rvos::Child& loop : busy_loops) {
        auto started = rvos::spawn("bench", "spin");
        if (started.is_error()) {
            printf("bench: spawn spin: %s\n", rvos::error_name(started.error()));
            exit(1);
        }
        loop = started.release_value();
    }
    timespec settle = {2, 0};
    nanosleep(&settle, nullptr);
}
void stop_busy_loops() {
    for (rvos::Child& loop : busy_loops) {
        rvos::kill(loop);
        (void)rvos::wait_exit(loop);
    }
    if (idle_hello_std_ns) {
        uint64_t tenths = busy_hello_std_ns * 10 / idle_hello_std_ns;
        printf("%-38s %31llu.%llux\n", "  hello-std, busy loops against idle", static_cast<unsigned long long>(tenths / 10),
               static_cast<unsigned long long>(tenths % 10));
    }
}

const Row kRows[] = {
    {"getpid", bench_getpid, 0},
    {"yield (nothing else runnable)", bench_yield, 0},
    {"floor: yield ping-pong, two processes", bench_yield_ping_pong, 0, start_yielder, stop_yielder},
    {"channel create+close", bench_channel, 0},
    {"IPC send+receive, same process", bench_same_process, 0},
    {"IPC round trip, two processes", bench_ping_pong, 0},
    {"IPC round trip 4 KiB, two processes", bench_ping_pong_4k, 0},
    {"IPC round trip, kernel service", bench_kernel_service, 0},
    {"IPC stream, 64-byte messages x32", bench_stream, kBatch * rvos::kMessagePayload},
    {"1 MiB as 64-byte messages", bench_stream_1mib, kMiB},
    {"bulk 1 MiB via shared memory", bench_bulk, kMiB},
    {"timed wait, deadline now", bench_wait_now, 0},
    {"timed wait, timer already fired", bench_wait_fired, 0},
    {"handle duplicate+close", bench_duplicate, 0},
    {"mmap+munmap one page", bench_mmap, 0},
    {"malloc+free 64 B", bench_malloc, 0},
    {"file create+write 64 B+close", bench_create_write, 0},
    {"file open+read 64 B+close", bench_open_read, 0},
    {"stat", bench_stat, 0},
    {"delete", bench_delete, 0},
    {"readdir, 10 entries", bench_readdir_10, 0},
    {"readdir, 100 entries", bench_readdir_100, 0},
    {"file write 1 MiB, 4 KiB calls", bench_file_write, kMiB},
    {"file read 1 MiB, 4 KiB calls", bench_file_read, kMiB},
    {"file write 1 MiB, 64 KiB calls", bench_file_write_large, kMiB},
    {"file read 1 MiB, 64 KiB calls", bench_file_read_large, kMiB},
    {"spawn+exit+wait, trivial", bench_spawn, 0},
    {"spawn from /bin+exit+wait (bench)", bench_spawn_bin, 0},
    {"spawn from memory+exit+wait (bench)", bench_spawn_image, 0, read_bench_image, close_bench_image},
    {"spawn+run hello-std", bench_hello_std, 0, nullptr, nullptr, &idle_hello_std_ns},
    {"spawn+run hello-std, 3 busy loops", bench_hello_std, 0, start_busy_loops, stop_busy_loops,
     &busy_hello_std_ns},
};

uint64_t timed(const Row& row, uint64_t n) {
    delete_setup_ticks = 0;
    uint64_t start = now();
    row.run(n);
    return now() - start - delete_setup_ticks;
}

void measure(const Row& row) {
    if (row.setup) row.setup();
    // Calibrate: double the iterations until one run takes min_ticks.
    uint64_t n = 1;
    while (timed(row, n) < min_ticks && n < (1ull << 30)) n *= 2;
    uint64_t samples[5];
    for (int i = 0; i < repetitions; i++) samples[i] = timed(row, n);
    for (int i = 0; i < repetitions; i++)  // insertion sort, then take the middle
        for (int j = i; j > 0 && samples[j] < samples[j - 1]; j--) {
            uint64_t t = samples[j];
            samples[j] = samples[j - 1];
            samples[j - 1] = t;
        }
    uint64_t ticks = samples[repetitions / 2];
    uint64_t total_ns = ticks * (1'000'000'000 / kTicksPerSecond);
    uint64_t ns_per_op = total_ns / n;
    if (row.ns_per_op_out) *row.ns_per_op_out = ns_per_op;
    if (row.bytes_per_op) {
        // bytes / ns * 1000 = MB/s (decimal megabytes), kept to one decimal.
        uint64_t tenths = total_ns ? row.bytes_per_op * n * 10'000 / total_ns : 0;
        printf("%-38s %10llu %10llu %12llu %7llu.%llu MB/s\n", row.name, static_cast<unsigned long long>(n),
               static_cast<unsigned long long>(total_ns / 1000), static_cast<unsigned long long>(ns_per_op),
               static_cast<unsigned long long>(tenths / 10), static_cast<unsigned long long>(tenths % 10));
    } else {
        printf("%-38s %10llu %10llu %12llu\n", row.name, static_cast<unsigned long long>(n),
               static_cast<unsigned long long>(total_ns / 1000), static_cast<unsigned long long>(ns_per_op));
    }
    fflush(stdout);
    if (row.teardown) row.teardown();
}

// The bulk child: maps the buffer it is sent, then copies it out on each
// message.
int serve_bulk() {
    auto listen = rvos::register_service("bench-bulk");
    if (listen.is_error()) return 1;
    rvos::Message m;
    if (listen.value().receive_wait(m) != Error::None) return 1;
    rvos::Channel client(m.cap);
    if (client.receive_wait(m) != Error::None || m.cap < 0) return 1;
    auto buffer = rvos::SharedMemory::map(m.cap);
    auto* copy = static_cast<uint8_t*>(malloc(kMiB));
    if (buffer.is_error() || !copy) return 1;
    client.send(m);
    while (client.receive_wait(m) == Error::None) {
        memcpy(copy, buffer.value().data(), kMiB);
        client.send(m);
    }
    return 0;
}

// The echo child: sends back every message as it came, whatever its size
// (up to kMaxMessageBytes) and whatever handles it carries.
int serve_echo() {
    auto listen = rvos::register_service("bench-echo");
    if (listen.is_error()) return 1;
    rvos::Message m;
    if (listen.value().receive_wait(m) != Error::None) return 1;
    rvos::Channel client(m.cap);
    auto* buffer = static_cast<uint8_t*>(malloc(rvos::kMaxMessageBytes));
    if (!buffer) return 1;
    rvos::Handle handles[rvos::kMaxMessageHandles];
    for (;;) {
        auto got = sys::chan_read(client.handle(), buffer, rvos::kMaxMessageBytes, handles, rvos::kMaxMessageHandles,
                                  rvos::kDeadlineNever);
        if (got.is_error()) return 0;  // the parent is gone
        sys::chan_write(client.handle(), buffer, got.value().length, handles, got.value().handle_count);
    }
}

// A busy loop: never blocks, never yields, until it is killed.
[[noreturn]] void spin_forever() {
    for (;;) asm volatile("");
}

// The yielder: yields until it is killed (the floor row).
int yield_forever() {
    for (;;) sys::yield();
}

// The sink child: acknowledges each batch.
int serve_sink() {
    auto listen = rvos::register_service("bench-sink");
    if (listen.is_error()) return 1;
    rvos::Message m;
    if (listen.value().receive_wait(m) != Error::None) return 1;
    rvos::Channel client(m.cap);
    uint64_t received = 0;
    while (client.receive_wait(m) == Error::None)
        if (++received % kBatch == 0) client.send(m);
    return 0;
}

}  // namespace

int bench_disk(int argc, char** argv);  // disk.cpp: the rows on the disk

int main(int argc, char** argv) {
    if (argc > 1 && strcmp(argv[1], "nop") == 0) return 0;
    if (argc > 1 && strcmp(argv[1], "disk") == 0) return bench_disk(argc - 2, argv + 2);
    if (argc > 1 && strcmp(argv[1], "echo") == 0) return serve_echo();
    if (argc > 1 && strcmp(argv[1], "yielder") == 0) return yield_forever();
    if (argc > 1 && strcmp(argv[1], "spin") == 0) spin_forever();
    if (argc > 1 && strcmp(argv[1], "sink") == 0) return serve_sink();
    if (argc > 1 && strcmp(argv[1], "bulk") == 0) return serve_bulk();
    if (argc > 1 && strcmp(argv[1], "quick") == 0) {
        min_ticks = kTicksPerSecond / 200;  // 5 ms, one repetition: only proves it runs
        repetitions = 1;
    }

    payload.len = rvos::kMessagePayload;
    auto pair = rvos::Channel::create_pair(same_b);
    same_a = pair.release_value();
    auto idle = rvos::Channel::create_pair(idle_b);
    auto made_timer = sys::timer_create();
    if (idle.is_error() || made_timer.is_error()) return puts("bench: no channel or timer"), 1;
    idle_a = idle.release_value();
    timer = rvos::Channel(made_timer.value());
    start_child("echo", "bench-echo", echo_child, echo);
    start_child("sink", "bench-sink", sink_child, sink);
    start_child("bulk", "bench-bulk", bulk_child, bulk);
    auto buffer = rvos::SharedMemory::create(kMiB);
    source = static_cast<uint8_t*>(malloc(kMiB));
    io_buffer = static_cast<uint8_t*>(malloc(kLargeCall));
    if (buffer.is_error() || !source || !io_buffer) return puts("bench: no memory for the bulk buffer"), 1;
    shared = buffer.release_value();
    memset(source, 0x5a, kMiB);
    rvos::Message hand_over, ack;
    hand_over.cap = shared.give_handle();
    round_trip(bulk, hand_over, ack);
    make_directory("/tmp/r10", 10);
    make_directory("/tmp/r100", 100);
    close(open("/tmp/bench.dat", O_WRONLY | O_CREAT));

    printf("%-38s %10s %10s %12s\n", repetitions == 5 ? "benchmark (median of 5)" : "benchmark (quick, 1 run)",
           "iterations", "total us", "ns/op");
    for (const Row& row : kRows) measure(row);
    for (const LibcRow& row : kLibcRows) measure(Row{row.name, row.run, row.bytes_per_op});
    rvos::kill(echo_child);
    rvos::kill(sink_child);
    rvos::kill(bulk_child);
    (void)rvos::wait_exit(bulk_child);
    (void)rvos::wait_exit(echo_child);
    (void)rvos::wait_exit(sink_child);
    printf("bench: done\n");
    return 0;
}
