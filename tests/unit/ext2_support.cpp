// The ext2 tests' devices, clock, tools and helpers (see ext2_support.h).
#include "ext2_support.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>

namespace ext2_test {

// ---- Devices ---------------------------------------------------------------------

bool MemoryDevice::fails() {
    if (healthy_requests < 0) return false;
    if (healthy_requests == 0) return true;
    healthy_requests--;
    return false;
}

ErrorOr<void> MemoryDevice::read(uint64_t sector, uint32_t count, void* buffer) {
    reads++;
    if (sector + count > sector_count() || sector + count < sector) {
        out_of_range = true;
        return ext2::kDeviceError;
    }
    if (fails()) return ext2::kDeviceError;
    std::memcpy(buffer, bytes.data() + sector * ext2::kSectorSize, size_t{count} * ext2::kSectorSize);
    return {};
}

ErrorOr<void> MemoryDevice::write(uint64_t sector, uint32_t count, const void* data) {
    writes++;
    if (sector + count > sector_count() || sector + count < sector) {
        out_of_range = true;
        return ext2::kDeviceError;
    }
    if (fails()) return ext2::kDeviceError;
    std::memcpy(bytes.data() + sector * ext2::kSectorSize, data, size_t{count} * ext2::kSectorSize);
    return {};
}

ErrorOr<void> MemoryDevice::flush() {
    flushes++;
    if (fails()) return ext2::kDeviceError;
    return {};
}

FileDevice::FileDevice(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR);
    EXPECT_GE(fd_, 0) << path;
    struct stat st {};
    if (fd_ >= 0 && fstat(fd_, &st) == 0) sectors_ = static_cast<uint64_t>(st.st_size) / ext2::kSectorSize;
}

FileDevice::~FileDevice() {
    if (fd_ >= 0) ::close(fd_);
}

ErrorOr<void> FileDevice::read(uint64_t sector, uint32_t count, void* buffer) {
    if (sector + count > sectors_) {
        out_of_range = true;
        return ext2::kDeviceError;
    }
    size_t n = size_t{count} * ext2::kSectorSize;
    if (pread(fd_, buffer, n, static_cast<off_t>(sector * ext2::kSectorSize)) != static_cast<ssize_t>(n))
        return ext2::kDeviceError;
    return {};
}

ErrorOr<void> FileDevice::write(uint64_t sector, uint32_t count, const void* data) {
    if (sector + count > sectors_) {
        out_of_range = true;
        return ext2::kDeviceError;
    }
    size_t n = size_t{count} * ext2::kSectorSize;
    if (pwrite(fd_, data, n, static_cast<off_t>(sector * ext2::kSectorSize)) != static_cast<ssize_t>(n))
        return ext2::kDeviceError;
    return {};
}

ErrorOr<void> FileDevice::flush() { return {}; }  // the tools read the file through the same page cache

TestClock::TestClock() : seconds(static_cast<int64_t>(std::time(nullptr))) {}

// ---- Tools -------------------------------------------------------------------------

RunResult run(const std::string& command, bool with_stderr) {
    RunResult result{-1, ""};
    FILE* pipe = popen((command + (with_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
    if (!pipe) return result;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
    int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

std::string quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

std::string tool(const char* name) {
    RunResult found = run(std::string("command -v ") + name);
    if (found.status == 0 && !found.output.empty()) return found.output.substr(0, found.output.find('\n'));
    for (const char* dir : {"/usr/sbin/", "/sbin/"}) {
        std::string path = std::string(dir) + name;
        if (access(path.c_str(), X_OK) == 0) return path;
    }
    ADD_FAILURE() << name << " not found: install e2fsprogs (make deps)";
    return name;
}

std::string work_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "." + info->name();
    std::replace(name.begin(), name.end(), '/', '_');
    std::string dir = "build/host/ext2/" + name;
    run("rm -rf " + quote(dir) + " && mkdir -p " + quote(dir));
    return dir;
}

void make_image(const std::string& path, uint64_t bytes, uint32_t block_size, const std::string& extra) {
    std::remove(path.c_str());
    {
        std::ofstream f(path, std::ios::binary);
    }
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(bytes)), 0) << path;
    RunResult r = run(tool("mke2fs") + " -q -F -t ext2 -b " + std::to_string(block_size) + " " + extra + " " +
                      quote(path));
    ASSERT_EQ(r.status, 0) << r.output;
}

void make_image_from(const std::string& path, uint64_t bytes, uint32_t block_size, const std::string& staged,
                     const std::string& extra) {
    make_image(path, bytes, block_size, extra + " -d " + quote(staged));
    run("rm -rf " + quote(staged));
}

std::string fsck_problems(const std::string& image) {
    RunResult r = run(tool("e2fsck") + " -fn " + quote(image));
    std::istringstream lines(r.output);
    std::string line;
    bool clean = r.status == 0;
    while (std::getline(lines, line)) {
        if (line.empty() || line.rfind("e2fsck ", 0) == 0 || line.rfind("Pass ", 0) == 0) continue;
        // The summary: "<image>: 12/4096 files (0.0% non-contiguous), 1174/16384 blocks"
        if (line.find(" files (") != std::string::npos && line.find(" blocks") != std::string::npos) continue;
        clean = false;
    }
    if (clean) return "";
    // The first 30 lines are enough to say what is wrong.
    size_t end = 0;
    for (int n = 0; n < 30 && end != std::string::npos; n++) end = r.output.find('\n', end + 1);
    return end == std::string::npos ? r.output : r.output.substr(0, end) + "\n...";
}

std::string debugfs(const std::string& image, const std::string& request) {
    RunResult r = run(tool("debugfs") + " -R " + quote(request) + " " + quote(image), false);
    return r.output;
}

std::string debugfs_cat(const std::string& image, const std::string& path) {
    std::string out = image + ".dump";
    std::remove(out.c_str());
    debugfs(image, "dump \"" + path + "\" \"" + out + "\"");
    std::vector<uint8_t> bytes = read_file(out);
    std::remove(out.c_str());
    return std::string(bytes.begin(), bytes.end());
}

std::string difference(const std::string& actual, const std::string& expected) {
    if (actual == expected) return "";
    size_t i = 0;
    while (i < actual.size() && i < expected.size() && actual[i] == expected[i]) i++;
    std::ostringstream out;
    out << "sizes " << actual.size() << " and " << expected.size() << ", first difference at byte " << i;
    if (i < actual.size() && i < expected.size())
        out << " (" << int(uint8_t(actual[i])) << " instead of " << int(uint8_t(expected[i])) << ")";
    return out.str();
}

std::string stat_field(const std::string& image, const std::string& path, const std::string& field) {
    std::string text = debugfs(image, "stat \"" + path + "\"");
    size_t at = text.find(field + ": ");
    if (at == std::string::npos) return "";
    at += field.size() + 2;
    while (at < text.size() && text[at] == ' ') at++;
    size_t end = at;
    while (end < text.size() && text[end] != '\n' && !(text[end] == ' ' && end + 1 < text.size() && text[end + 1] == ' '))
        end++;
    return text.substr(at, end - at);
}

std::vector<std::string> debugfs_names(const std::string& image, const std::string& dir) {
    // Lines are /inode/mode/uid/gid/name/size/.
    std::istringstream listing(debugfs(image, "ls -p \"" + dir + "\""));
    std::vector<std::string> names;
    for (std::string line; std::getline(listing, line);) {
        std::vector<std::string> fields;
        std::istringstream parts(line);
        for (std::string f; std::getline(parts, f, '/');) fields.push_back(f);
        if (fields.size() < 6 || fields[1] == "0" || fields[5] == "." || fields[5] == "..") continue;
        names.push_back(fields[5]);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f) return {};
    std::vector<uint8_t> bytes(static_cast<size_t>(f.tellg()));
    f.seekg(0);
    f.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return bytes;
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// ---- Mounting ------------------------------------------------------------------------

std::unique_ptr<Mount> mount_file(const std::string& image, uint32_t cache_blocks, const ext2::MountOptions& options) {
    auto m = std::make_unique<Mount>();
    m->file_device = std::make_unique<FileDevice>(image);
    m->memory.resize(ext2::Volume::memory_for(cache_blocks, 4096));
    auto mounted = m->volume.mount(*m->file_device, m->clock, m->memory.data(), m->memory.size(), options);
    EXPECT_FALSE(mounted.is_error()) << image << ": " << rvos::error_name(mounted.error());
    return m;
}

ErrorOr<std::unique_ptr<Mount>> mount_memory(std::vector<uint8_t> image, uint32_t cache_blocks,
                                             const ext2::MountOptions& options) {
    auto m = std::make_unique<Mount>();
    m->memory_device = std::make_unique<MemoryDevice>(std::move(image));
    m->memory.resize(ext2::Volume::memory_for(cache_blocks, 4096));
    auto mounted = m->volume.mount(*m->memory_device, m->clock, m->memory.data(), m->memory.size(), options);
    if (mounted.is_error()) return mounted.error();
    return m;
}


// ---- Volume helpers ----------------------------------------------------------------------

uint32_t resolve(ext2::Volume& v, const std::string& path) { return EXT2_OK(v.resolve(path.c_str())); }

std::pair<uint32_t, std::string> parent_and_name(ext2::Volume& v, const std::string& path) {
    ext2::Name last;
    uint32_t parent = EXT2_OK(v.resolve_parent(path.c_str(), &last));
    return {parent, std::string(last.data, last.length)};
}

uint32_t put_file(ext2::Volume& v, const std::string& path, const std::string& data) {
    auto [parent, name] = parent_and_name(v, path);
    auto existing = v.lookup(parent, ext2::Name(name.data(), name.size()));
    uint32_t ino = existing.is_error() ? EXT2_OK(v.create(parent, ext2::Name(name.data(), name.size()), 0644))
                                       : existing.value();
    EXT2_OK(v.truncate(ino, 0));
    size_t written = EXT2_OK(v.write(ino, 0, data.data(), data.size()));
    EXPECT_EQ(written, data.size()) << path;
    return ino;
}

std::string get_file(ext2::Volume& v, const std::string& path) {
    uint32_t ino = resolve(v, path);
    ext2::Stat st = EXT2_OK(v.stat(ino));
    std::string out(st.size, '\0');
    size_t n = EXT2_OK(v.read(ino, 0, out.data(), out.size()));
    out.resize(n);
    return out;
}

uint32_t make_dir(ext2::Volume& v, const std::string& path) {
    auto [parent, name] = parent_and_name(v, path);
    return EXT2_OK(v.mkdir(parent, ext2::Name(name.data(), name.size()), 0755));
}

std::vector<std::string> list_dir(ext2::Volume& v, const std::string& path) {
    uint32_t dir = resolve(v, path);
    std::vector<std::string> names;
    uint64_t cookie = 0;
    ext2::DirEntry entry;
    while (EXT2_OK(v.read_dir(dir, &cookie, &entry))) {
        std::string name(entry.name, entry.name_length);
        if (name != "." && name != "..") names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string pattern(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string out(n, '\0');
    for (size_t i = 0; i < n; i++) out[i] = static_cast<char>(rng() & 0xFF);
    return out;
}

}  // namespace ext2_test
