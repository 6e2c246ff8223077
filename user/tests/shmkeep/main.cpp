// shmkeep: shared memory stays alive while it is mapped, even after its
// creator has exited and every handle to it is closed, and other programs
// taking every free frame cannot overwrite it.
//   shmkeep         the coordinator: starts the creator, waits for it to
//                   exit, takes and scribbles on every free frame, then
//                   has the reader check the pattern
//   shmkeep create  (a child) makes a 1 MiB memory object, writes a pattern
//                   in it, starts the reader with the object's only handle,
//                   gives the coordinator the reader's process handle and
//                   exits
//   shmkeep read    (the creator's child) maps the object, closes its
//                   handle, says so, and on the coordinator's word checks
//                   the pattern: exit status 0 if it is intact
#include <stdio.h>
#include <string.h>

#include "rvos/service.h"
#include "tests/kit/kit.h"

using rvos::Error;
using rvos::Handle;
namespace sys = rvos::sys;

namespace {

constexpr size_t kObjectBytes = 1 << 20;
constexpr Handle kFirst = 1, kSecond = 2;  // the handles a child is started with

uint64_t pattern(size_t word) { return 0x5eed'0000'0000'0000ull ^ (word * 0x9e37'79b9ull); }

int create() {
    auto memory = sys::mem_create(kObjectBytes);
    if (memory.is_error()) return printf("shmkeep: mem_create: %s\n", rvos::error_name(memory.error())), 1;
    auto mapped = sys::mem_map(memory.value());
    if (mapped.is_error()) return printf("shmkeep: mem_map: %s\n", rvos::error_name(mapped.error())), 1;
    auto* words = static_cast<uint64_t*>(mapped.value().address);
    for (size_t i = 0; i < kObjectBytes / 8; i++) words[i] = pattern(i);
    // The object's only handle goes to the reader, with the reader's channel.
    Handle handles[] = {memory.value(), kSecond};
    const char* argv[] = {"shmkeep", "read", nullptr};
    auto reader = rvos::spawn_argv("shmkeep", argv, nullptr, handles, 2);
    if (reader.is_error()) return printf("shmkeep: spawn read: %s\n", rvos::error_name(reader.error())), 1;
    rvos::Message hand_over;
    hand_over.cap = reader.value().process.release();
    if (Error e = rvos::Channel(kFirst).send(hand_over); e != Error::None)
        return printf("shmkeep: handing the reader over: %s\n", rvos::error_name(e)), 1;
    return 0;  // exits with its mapping
}

int read_back() {
    auto mapped = sys::mem_map(kFirst);
    if (mapped.is_error()) return printf("shmkeep: reader: mem_map: %s\n", rvos::error_name(mapped.error())), 1;
    sys::handle_close(kFirst);  // from here on only the mapping keeps the object
    rvos::Channel coordinator(kSecond);
    rvos::Message word;
    if (coordinator.send(rvos::Message::of(1)) != Error::None || coordinator.receive_wait(word) != Error::None) return 1;
    auto* words = static_cast<const uint64_t*>(mapped.value().address);
    for (size_t i = 0; i < kObjectBytes / 8; i++) {
        if (words[i] != pattern(i)) {
            printf("shmkeep: reader: byte %zu of the shared object changed: 0x%llx\n", i * 8,
                   static_cast<unsigned long long>(words[i]));
            return 1;
        }
    }
    return 0;
}

// Maps every free frame (as anonymous pages, one at a time) and writes over
// each, then gives them all back; returns how many it took.
size_t scribble_on_every_free_frame() {
    void* first = nullptr;
    size_t pages = 0;
    for (;;) {
        auto page = sys::mmap(rvos::kPageSize);
        if (page.is_error()) break;
        if (!first) first = page.value();
        memset(page.value(), 0xee, rvos::kPageSize);
        pages++;
    }
    if (first) sys::munmap(first, pages * rvos::kPageSize);  // the pages are contiguous
    return pages;
}

int coordinate() {
    rvos::Channel to_creator_far, to_reader_far;
    auto to_creator = rvos::Channel::create_pair(to_creator_far);
    auto to_reader = rvos::Channel::create_pair(to_reader_far);
    if (to_creator.is_error() || to_reader.is_error()) return puts("shmkeep: no channels"), 1;
    Handle handles[] = {to_creator_far.release(), to_reader_far.release()};
    const char* argv[] = {"shmkeep", "create", nullptr};
    auto creator = rvos::spawn_argv("shmkeep", argv, nullptr, handles, 2);
    if (creator.is_error()) return printf("shmkeep: spawn create: %s\n", rvos::error_name(creator.error())), 1;
    rvos::Message hand_over;
    if (to_creator.value().receive_wait(hand_over) != Error::None || hand_over.cap == rvos::kNoHandle)
        return puts("shmkeep: the creator handed over no reader"), 1;
    rvos::Child reader{0, rvos::Channel(hand_over.cap)};
    auto created = rvos::wait_exit(creator.value());
    if (created.is_error() || testkit::summary(created.value()) != 0) return puts("shmkeep: the creator failed"), 1;
    rvos::Message ready;
    if (to_reader.value().receive_wait(ready) != Error::None) return puts("shmkeep: the reader did not map it"), 1;
    puts("shmkeep: the creator has exited; only the reader's mapping keeps the object");
    printf("shmkeep: took and overwrote %zu free frames\n", scribble_on_every_free_frame());
    to_reader.value().send(rvos::Message::of(2));
    auto read = rvos::wait_exit(reader);
    int32_t status = read.is_error() ? -1 : testkit::summary(read.value());
    if (status != 0) return printf("shmkeep: the reader found the object changed (status %d)\n", status), 1;
    puts("shmkeep: the pattern is intact");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "create") == 0) return create();
    if (argc == 2 && strcmp(argv[1], "read") == 0) return read_back();
    if (argc == 1) return coordinate();
    return puts("usage: shmkeep"), 2;
}
