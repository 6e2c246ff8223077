// Shared by the ext2 tests: block devices over memory and over an image
// file, a settable clock, a mounted volume, and the e2fsprogs tools that
// judge the images (mke2fs makes them, e2fsck checks them, debugfs reads
// them back).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ext2/volume.h"
#include "test_support.h"

namespace ext2_test {

using base::ErrorOr;
using rvos::Error;

// A disk in a byte vector. Counts requests, can fail them on demand, and
// records any request past the end (the library must never make one).
class MemoryDevice final : public ext2::BlockDevice {
public:
    explicit MemoryDevice(std::vector<uint8_t> image) : bytes(std::move(image)) {}
    uint64_t sector_count() override { return bytes.size() / ext2::kSectorSize; }
    ErrorOr<void> read(uint64_t sector, uint32_t count, void* buffer) override;
    ErrorOr<void> write(uint64_t sector, uint32_t count, const void* data) override;
    ErrorOr<void> flush() override;

    std::vector<uint8_t> bytes;
    uint64_t reads = 0;
    uint64_t writes = 0;
    uint64_t flushes = 0;
    bool out_of_range = false;
    // Requests left before every request fails with kDeviceError (-1: never).
    int64_t healthy_requests = -1;

private:
    bool fails();
};

// A disk in an image file (pread/pwrite), for images the tools then read.
class FileDevice final : public ext2::BlockDevice {
public:
    explicit FileDevice(const std::string& path);
    ~FileDevice();
    uint64_t sector_count() override { return sectors_; }
    ErrorOr<void> read(uint64_t sector, uint32_t count, void* buffer) override;
    ErrorOr<void> write(uint64_t sector, uint32_t count, const void* data) override;
    ErrorOr<void> flush() override;
    bool out_of_range = false;

private:
    int fd_ = -1;
    uint64_t sectors_ = 0;
};

// Real time starts at the host's (e2fsck compares times with its own now);
// monotonic time moves only when a test moves it.
class TestClock final : public ext2::Clock {
public:
    TestClock();
    ext2::Timestamp now() override { return {seconds, nanoseconds}; }
    uint64_t monotonic_ns() override { return monotonic; }
    int64_t seconds;
    uint32_t nanoseconds = 0;
    uint64_t monotonic = 1'000'000'000;
};

// ---- The tools ---------------------------------------------------------------------
struct RunResult {
    int status;
    std::string output;  // stdout and stderr
};
// Runs a shell command; the output has stderr too unless `with_stderr` is false.
RunResult run(const std::string& command, bool with_stderr = true);
std::string quote(const std::string& text);
// The path of an e2fsprogs tool (PATH, then /usr/sbin, /sbin); the test
// fails if e2fsprogs is not installed.
std::string tool(const char* name);
// A fresh directory for one test: build/host/ext2/<suite>.<test>.
std::string work_dir();
// Makes an ext2 image of `bytes` with mke2fs -t ext2 -b block_size (and
// `extra` options, e.g. "-d dir").
void make_image(const std::string& path, uint64_t bytes, uint32_t block_size, const std::string& extra = "");
// e2fsck -fn: "" when it finds nothing, else its whole output (a clean
// run prints only the pass headers and the summary line).
std::string fsck_problems(const std::string& image);
// make_image with mke2fs -d `staged` (the files the image starts with);
// the staged tree is removed afterwards (make lint walks build/).
void make_image_from(const std::string& path, uint64_t bytes, uint32_t block_size, const std::string& staged,
                     const std::string& extra = "");
// debugfs -R request on the image (stdout only). debugfs takes "..." around
// a name, not '...'.
std::string debugfs(const std::string& image, const std::string& request);
// The bytes of a file in the image (debugfs dump to a file beside it).
std::string debugfs_cat(const std::string& image, const std::string& path);
// "" if the two byte strings are equal, else where they first differ (for
// failure messages that do not print megabytes).
std::string difference(const std::string& actual, const std::string& expected);
// A field of `debugfs -R "stat path"`: the text after "<field>: " up to
// the next run of spaces or the line's end.
std::string stat_field(const std::string& image, const std::string& path, const std::string& field);
// The names debugfs lists in a directory (ls -p), without "." and "..",
// sorted; records of inode 0 (a block's unused first record) left out.
std::vector<std::string> debugfs_names(const std::string& image, const std::string& dir);
std::vector<uint8_t> read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);

// ---- A mounted volume ------------------------------------------------------------------
struct Mount {
    std::unique_ptr<MemoryDevice> memory_device;  // one of the two
    std::unique_ptr<FileDevice> file_device;
    TestClock clock;
    std::vector<uint8_t> memory;
    ext2::Volume volume;
};
// Mounts the image file (cache of `cache_blocks` blocks); fails the test on
// an error.
std::unique_ptr<Mount> mount_file(const std::string& image, uint32_t cache_blocks = 256,
                                  const ext2::MountOptions& options = {});
// Mounts a copy of `image` in memory; returns the mount error (nullptr).
ErrorOr<std::unique_ptr<Mount>> mount_memory(std::vector<uint8_t> image, uint32_t cache_blocks = 64,
                                             const ext2::MountOptions& options = {});

// ---- Volume helpers (fail the test on an error) ----------------------------------------
uint32_t resolve(ext2::Volume& v, const std::string& path);
// Creates (or truncates) `path` and writes `data` at 0.
uint32_t put_file(ext2::Volume& v, const std::string& path, const std::string& data);
std::string get_file(ext2::Volume& v, const std::string& path);
uint32_t make_dir(ext2::Volume& v, const std::string& path);
// The names in a directory except "." and "..", sorted.
std::vector<std::string> list_dir(ext2::Volume& v, const std::string& path);
// Parent directory inode and last component of path.
std::pair<uint32_t, std::string> parent_and_name(ext2::Volume& v, const std::string& path);

// Random bytes of `n`, from `seed` (reproducible).
std::string pattern(size_t n, uint64_t seed);

}  // namespace ext2_test

namespace base {
// GoogleTest prints an ErrorOr's error by name.
template <typename T>
void PrintTo(const ErrorOr<T>& value, std::ostream* os) {
    if (value.is_error()) *os << "error " << rvos::error_name(value.error());
    else *os << "ok";
}
}  // namespace base

// EXPECT two byte strings to be equal, reporting only the first difference.
#define EXPECT_SAME_BYTES(actual, expected) EXPECT_EQ(ext2_test::difference((actual), (expected)), "")

// ASSERT that an ErrorOr holds a value; evaluates to the value.
#define EXT2_OK(expression)                                                                          \
    ({                                                                                               \
        auto _r = (expression);                                                                      \
        EXPECT_FALSE(_r.is_error()) << #expression << ": " << rvos::error_name(_r.error());        \
        _r.release_value();                                                                          \
    })
