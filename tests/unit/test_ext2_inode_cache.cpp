// The cache of decoded inodes: what stat and every operation see of an
// inode is what its inode-table record holds. Random operations (writes,
// truncates, links, unlinks, renames, directories, symlinks, times and
// modes, files unlinked while open, inode numbers reused) run on a volume
// with a small cache, so entries are replaced often and kept long; after
// each one the volume is synced and a fresh mount of a copy of the disk
// (which decodes every inode from its record) must report the same
// attributes for every inode the run has used, and the same bytes.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ext2_support.h"
#include "random_support.h"

using namespace ext2_test;
using ext2::Name;
using random_support::Rng;

namespace {

constexpr uint64_t kImageBytes = 4u << 20;

struct Volume {
    MemoryDevice* device;
    TestClock clock;
    std::vector<uint8_t> memory;
    ext2::Volume volume;
};

std::unique_ptr<Volume> mount(MemoryDevice& device, uint32_t cached_inodes, bool read_only) {
    auto v = std::make_unique<Volume>();
    v->device = &device;
    ext2::MountOptions options;
    options.cached_inodes = cached_inodes;
    options.read_only = read_only;
    v->memory.resize(ext2::Volume::memory_for(64, 4096, options.max_open_inodes, cached_inodes));
    auto mounted = v->volume.mount(device, v->clock, v->memory.data(), v->memory.size(), options);
    EXPECT_FALSE(mounted.is_error()) << rvos::error_name(mounted.error());
    return v;
}

std::string describe(const ErrorOr<ext2::Stat>& s) {
    if (s.is_error()) return std::string("error ") + rvos::error_name(s.error());
    const ext2::Stat& st = s.value();
    char text[256];
    snprintf(text, sizeof text, "ino %u mode %o links %u size %llu sectors %llu flags %x uid %u gid %u a %lld.%u m %lld.%u c %lld.%u",
             st.ino, st.mode, st.links, static_cast<unsigned long long>(st.size),
             static_cast<unsigned long long>(st.sectors), st.flags, st.uid, st.gid,
             static_cast<long long>(st.atime.seconds), st.atime.nanoseconds, static_cast<long long>(st.mtime.seconds),
             st.mtime.nanoseconds, static_cast<long long>(st.ctime.seconds), st.ctime.nanoseconds);
    return text;
}

std::string contents(ext2::Volume& v, uint32_t ino, uint64_t size) {
    std::string out(size, '\0');
    auto n = v.read(ino, 0, out.data(), out.size(), false);
    if (n.is_error()) return std::string("error ") + rvos::error_name(n.error());
    out.resize(n.value());
    return out;
}

class Ext2InodeCache : public ::testing::TestWithParam<uint32_t> {};

TEST_P(Ext2InodeCache, EveryInodeReadsAsItsRecordOnDiskAfterEveryOperation) {
    std::string dir_path = work_dir();
    std::string image = dir_path + "/inode-cache.img";
    make_image(image, kImageBytes, GetParam(), "-N 128");
    for (uint64_t seed : random_support::seeds(7100, 2)) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        Rng rng(seed);
        MemoryDevice device(read_file(image));
        // 4 entries for about 40 inodes: entries are replaced all the time,
        // and an inode that keeps its entry keeps it across many operations.
        auto live = mount(device, 4, false);
        ext2::Volume& v = live->volume;
        live->clock.seconds -= 3 * 3600;  // the operations move it on, never past the host's now
        std::set<uint32_t> used{ext2::kRootInode};
        std::set<uint32_t> open;         // retained inodes
        std::vector<std::string> dirs{"/", "/d"};
        uint32_t d = EXT2_OK(v.mkdir(ext2::kRootInode, Name("d", 1), 0755));
        used.insert(d);
        size_t ops = random_support::scaled(250);
        for (size_t op = 0; op < ops; op++) {
            live->clock.seconds += 1 + static_cast<int64_t>(rng.below(3));  // at most 3 s an operation
            live->clock.nanoseconds = static_cast<uint32_t>(rng.below(1'000'000'000));
            const std::string& dir = rng.pick(dirs);
            uint32_t dir_ino = EXT2_OK(v.resolve(dir.c_str()));
            std::string name = "f" + std::to_string(rng.below(12));
            std::string path = dir == "/" ? "/" + name : dir + "/" + name;
            Name n(name.data(), name.size());
            auto found = v.resolve(path.c_str(), false);
            switch (rng.below(10)) {
            case 0:
            case 1: {  // create (reusing numbers freed before) and write
                uint32_t ino = found.is_error() ? EXT2_OK(v.create(dir_ino, n, 0644)) : found.value();
                used.insert(ino);
                auto st = v.stat(ino);
                if (!st.is_error() && st.value().type == ext2::FileType::Regular) {
                    std::string data = pattern(1 + rng.below(3 * GetParam()), seed * 1000 + op);
                    EXT2_OK(v.write(ino, rng.below(2 * GetParam()), data.data(), data.size()));
                }
                break;
            }
            case 2:  // truncate
                if (!found.is_error() && EXT2_OK(v.stat(found.value())).type == ext2::FileType::Regular)
                    EXT2_OK(v.truncate(found.value(), rng.below(2 * GetParam())));
                break;
            case 3: {  // a hard link elsewhere
                if (found.is_error() || EXT2_OK(v.stat(found.value())).type != ext2::FileType::Regular) break;
                const std::string& other = rng.pick(dirs);
                std::string link = "l" + std::to_string(rng.below(6));
                (void)v.link(EXT2_OK(v.resolve(other.c_str())), Name(link.data(), link.size()), found.value());
                break;
            }
            case 4:
            case 5:  // unlink, sometimes while open
                if (found.is_error()) break;
                if (rng.percent(30) && open.size() < 4 && !open.count(found.value())) {
                    EXT2_OK(v.retain(found.value()));
                    open.insert(found.value());
                }
                (void)v.unlink(dir_ino, n);
                break;
            case 6: {  // rename across the two directories
                const std::string& other = rng.pick(dirs);
                std::string to = "f" + std::to_string(rng.below(12));
                (void)v.rename(dir_ino, n, EXT2_OK(v.resolve(other.c_str())), Name(to.data(), to.size()));
                break;
            }
            case 7: {  // symlink, mode, times
                if (found.is_error()) {
                    used.insert(EXT2_OK(v.symlink(dir_ino, n, "/d/f1", 5)));
                } else if (rng.percent(50)) {
                    (void)v.set_mode(found.value(), static_cast<uint16_t>(rng.below(01000)));
                } else {
                    ext2::Timestamp t{static_cast<int64_t>(rng.below(1u << 30)), 0};
                    (void)v.set_times(found.value(), &t, rng.percent(50) ? &t : nullptr);
                }
                break;
            }
            case 8:  // a read moves atime (relatime)
                if (!found.is_error()) {
                    char buffer[16];
                    (void)v.read(found.value(), 0, buffer, sizeof buffer);
                }
                break;
            case 9:  // the last close of a file unlinked while open frees it
                if (!open.empty()) {
                    uint32_t ino = *open.begin();
                    open.erase(open.begin());
                    EXT2_OK(v.release(ino));
                }
                break;
            }
            EXT2_OK(v.sync());
            MemoryDevice copy(device.bytes);
            auto fresh = mount(copy, 1, true);
            for (uint32_t ino : used) {
                auto expected = fresh->volume.stat(ino);
                auto actual = v.stat(ino);
                ASSERT_EQ(describe(actual), describe(expected)) << "inode " << ino << " after operation " << op;
                if (!expected.is_error() && expected.value().type == ext2::FileType::Regular &&
                    expected.value().links > 0) {
                    ASSERT_EQ(contents(v, ino, expected.value().size), contents(fresh->volume, ino, expected.value().size))
                        << "inode " << ino << " after operation " << op;
                }
            }
        }
        for (uint32_t ino : open) EXT2_OK(v.release(ino));
        EXT2_OK(v.unmount());
        std::string checked = dir_path + "/checked.img";
        write_file(checked, std::string(device.bytes.begin(), device.bytes.end()));
        EXPECT_EQ(fsck_problems(checked), "");
    }
}

INSTANTIATE_TEST_SUITE_P(BlockSizes, Ext2InodeCache, ::testing::Values(1024u, 4096u),
                         [](const auto& info) { return std::to_string(info.param); });

TEST(Ext2InodeCacheSize, ACacheSizeThatIsNotAPowerOfTwoIsRefused) {
    std::string image = work_dir() + "/size.img";
    make_image(image, 1u << 20, 1024);
    MemoryDevice device(read_file(image));
    TestClock clock;
    ext2::MountOptions options;
    options.cached_inodes = 6;
    std::vector<uint8_t> memory(ext2::Volume::memory_for(32, 1024, options.max_open_inodes, 8));
    ext2::Volume v;
    EXPECT_EQ(v.mount(device, clock, memory.data(), memory.size(), options).error(), Error::BadArgument);
}

}  // namespace
