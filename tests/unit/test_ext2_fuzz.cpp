// Damaged images: copies of a populated ext2 image with random bytes
// changed in the superblock, the group descriptors, bitmaps, inode tables,
// directory blocks and indirect blocks, each mounted and put through reads
// and changes under ASan. The library must refuse the mount or answer every
// call with a value or a named error: no out-of-bounds access in memory or
// on the device, no endless loop (a watchdog ends the run), no crash.
// RVOS_RANDOM_SCALE=K damages K times the images (make unit-ext2-long).
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "ext2_support.h"
#include "random_support.h"

using namespace ext2_test;
using ext2::Name;
using random_support::Rng;

namespace {

// Seconds one damaged image may take before the run is ended as a hang.
constexpr unsigned kWatchdogSeconds = 30;
uint64_t current_image = 0;

void watchdog(int) {
    char message[96];
    int n = snprintf(message, sizeof(message), "ext2 fuzz: image %llu ran past the watchdog (an endless loop?)\n",
                     static_cast<unsigned long long>(current_image));
    (void)!write(2, message, static_cast<size_t>(n));
    _exit(3);
}

struct Region {
    uint64_t offset;
    uint64_t length;
};

// A populated image and where its metadata lies.
struct Base {
    std::vector<uint8_t> bytes;
    uint32_t block_size;
    std::vector<std::vector<Region>> regions;  // by kind: superblock, descriptors, bitmaps, inodes, dirs, indirect
};

const char* const kKinds[] = {"superblock", "group descriptors", "bitmaps", "inode tables", "directory blocks",
                              "indirect blocks"};

Base make_base(uint32_t block_size) {
    std::string dir = "build/host/ext2/Ext2Fuzz-" + std::to_string(block_size);
    std::string staged = dir + "/staged";
    run("rm -rf " + quote(dir) + " && mkdir -p " + quote(staged + "/a/b/c") + " " + quote(staged + "/wide"));
    write_file(staged + "/small", "small file\n");
    write_file(staged + "/a/medium", pattern(40000, 1));
    write_file(staged + "/a/b/large", pattern(block_size * 300, 2));  // single and double indirect
    write_file(staged + "/a/b/c/deep", pattern(3000, 3));
    for (int i = 0; i < 150; i++) write_file(staged + "/wide/entry-" + std::to_string(i), std::to_string(i));
    run("ln -s small " + quote(staged + "/short-link"));
    run("ln -s " + std::string(300, 'x') + " " + quote(staged + "/long-link"));
    std::string image = dir + "/base.img";
    make_image_from(image, 4u << 20, block_size, staged);

    Base base;
    base.bytes = read_file(image);
    base.block_size = block_size;
    base.regions.resize(std::size(kKinds));
    uint64_t bs = block_size;
    base.regions[0].push_back({1024, 1024});
    base.regions[1].push_back({(1024 / bs + 1) * bs, bs});
    // "Group  0: block bitmap at 66, inode bitmap at 67, inode table at 68"
    std::string stats = debugfs(image, "stats");
    uint64_t table_blocks = 1;
    size_t at = stats.find("Inode blocks per group:");
    if (at != std::string::npos) table_blocks = std::stoull(stats.substr(at + 23));
    for (at = stats.find("block bitmap at "); at != std::string::npos; at = stats.find("block bitmap at ", at + 1)) {
        unsigned long long block_bitmap, inode_bitmap, inode_table;
        if (sscanf(stats.c_str() + at, "block bitmap at %llu, inode bitmap at %llu, inode table at %llu",
                   &block_bitmap, &inode_bitmap, &inode_table) != 3)
            continue;
        base.regions[2].push_back({block_bitmap * bs, bs});
        base.regions[2].push_back({inode_bitmap * bs, bs});
        base.regions[3].push_back({inode_table * bs, table_blocks * bs});
    }
    for (const char* d : {"/", "/a", "/a/b", "/a/b/c", "/wide", "/lost+found"}) {
        std::istringstream blocks(debugfs(image, std::string("blocks ") + d));
        for (uint64_t b; blocks >> b;) base.regions[4].push_back({b * bs, bs});
    }
    // "(IND):1234", "(DIND):1235" in the block list of the large file.
    std::string large = debugfs(image, "stat /a/b/large");
    for (at = large.find("IND):"); at != std::string::npos; at = large.find("IND):", at + 1))
        base.regions[5].push_back({std::stoull(large.substr(at + 5)) * bs, bs});
    for (size_t k = 0; k < base.regions.size(); k++) EXPECT_FALSE(base.regions[k].empty()) << kKinds[k];
    return base;
}

// Changes a few bytes of one kind of metadata.
std::string damage(std::vector<uint8_t>& bytes, const Base& base, Rng& rng) {
    size_t kind = rng.below(base.regions.size());
    const Region& region = base.regions[kind][rng.below(base.regions[kind].size())];
    size_t changes = 1 + rng.below(rng.percent(20) ? 64 : 4);
    for (size_t i = 0; i < changes; i++) {
        uint64_t at = region.offset + rng.below(region.length);
        switch (rng.below(4)) {
        case 0: bytes[at] ^= static_cast<uint8_t>(1u << rng.below(8)); break;  // one bit
        case 1: bytes[at] = static_cast<uint8_t>(rng.next()); break;
        case 2: bytes[at] = 0; break;
        default: bytes[at] = 0xFF; break;
        }
    }
    return kKinds[kind];
}

// Reads everything reachable (bounded: the tree may now have cycles).
void walk(ext2::Volume& v, uint32_t dir, int depth, int& budget) {
    if (depth > 6) return;
    uint64_t cookie = 0;
    ext2::DirEntry entry;
    for (int n = 0; n < 400 && budget > 0; n++, budget--) {
        auto more = v.read_dir(dir, &cookie, &entry);
        if (more.is_error() || !more.value()) return;
        Name name(entry.name, entry.name_length);
        if (name.is_dot() || name.is_dot_dot()) continue;
        auto ino = v.lookup(dir, name);
        if (ino.is_error()) continue;
        auto st = v.stat(ino.value());
        if (st.is_error()) continue;
        if (st.value().type == ext2::FileType::Directory) {
            walk(v, ino.value(), depth + 1, budget);
        } else if (st.value().type == ext2::FileType::Symlink) {
            char target[4096];
            (void)v.readlink(ino.value(), target, sizeof(target));
        } else {
            std::vector<char> buffer(64 * 1024);
            for (uint64_t offset = 0; offset < (1u << 20); offset += buffer.size()) {
                auto r = v.read(ino.value(), offset, buffer.data(), buffer.size());
                if (r.is_error() || r.value() < buffer.size()) break;
            }
        }
    }
}

// Every error a call returns is one the ABI names.
void expect_named(Error e) { EXPECT_TRUE(rvos::is_error_code(static_cast<int32_t>(e))) << static_cast<int>(e); }
template <typename T>
void named(const ErrorOr<T>& result) {
    if (result.is_error()) expect_named(result.error());
}

// Reads and changes on the damaged volume; any call may fail.
void exercise(ext2::Volume& v, Rng& rng) {
    int budget = 3000;
    walk(v, ext2::kRootInode, 0, budget);
    uint32_t root = ext2::kRootInode;
    std::string data = pattern(rng.below(200000), rng.next());
    for (const char* path : {"/a/b/large", "/a/medium", "/small", "/wide/entry-7", "/a/b/c/deep"}) {
        auto ino = v.resolve(path);
        named(ino);
        if (ino.is_error()) continue;
        named(v.write(ino.value(), rng.below(500000), data.data(), data.size()));
        named(v.truncate(ino.value(), rng.below(300000)));
    }
    named(v.create(root, Name("new-file"), 0644));
    auto f = v.lookup(root, Name("new-file"));
    if (!f.is_error()) named(v.write(f.value(), 0, data.data(), data.size()));
    named(v.mkdir(root, Name("new-dir"), 0755));
    auto wide = v.resolve("/wide");
    if (!wide.is_error()) {
        for (int i = 0; i < 150; i += 3) named(v.unlink(wide.value(), Name(("entry-" + std::to_string(i)).c_str())));
        for (int i = 0; i < 40; i++) named(v.create(wide.value(), Name(("more-" + std::to_string(i)).c_str()), 0644));
    }
    auto a = v.resolve("/a");
    auto abc = v.resolve("/a/b/c");
    if (!a.is_error() && !abc.is_error()) {
        named(v.rename(a.value(), Name("b"), root, Name("moved")));
        named(v.rename(root, Name("a"), abc.value(), Name("loop")));
    }
    named(v.symlink(root, Name("new-link"), std::string(200, 'y').c_str(), 200));
    named(v.unlink(root, Name("long-link")));
    named(v.rmdir(root, Name("new-dir")));
    auto deep = v.resolve("/moved/c/deep");
    if (!deep.is_error()) named(v.unlink(v.resolve("/moved/c").value(), Name("deep")));
    named(v.sync());
    budget = 3000;
    walk(v, ext2::kRootInode, 0, budget);
    named(v.unmount());
}

class Ext2Fuzz : public ::testing::TestWithParam<uint32_t> {};

INSTANTIATE_TEST_SUITE_P(BlockSizes, Ext2Fuzz, ::testing::Values(1024u, 4096u),
                         [](const auto& info) { return std::to_string(info.param); });

TEST_P(Ext2Fuzz, DamagedImagesAreRefusedOrAnsweredWithNamedErrors) {
    Base base = make_base(GetParam());
    ASSERT_EQ(fsck_problems("build/host/ext2/Ext2Fuzz-" + std::to_string(GetParam()) + "/base.img"), "");
    // The undamaged image goes through the same workload cleanly.
    {
        auto m = EXT2_OK(mount_memory(base.bytes, ext2::BlockCache::kMinSlots));
        Rng rng(1);
        exercise(m->volume, rng);
    }
    struct sigaction action {};
    action.sa_handler = watchdog;
    sigaction(SIGALRM, &action, nullptr);
    size_t images = random_support::scaled(150);
    size_t refused = 0;
    for (uint64_t seed : random_support::seeds(GetParam() * 1000, images)) {
        current_image = seed;
        alarm(kWatchdogSeconds);
        Rng rng(seed);
        std::vector<uint8_t> bytes = base.bytes;
        std::string kind = damage(bytes, base, rng);
        SCOPED_TRACE("image " + std::to_string(seed) + ", damaged " + kind);
        auto m = mount_memory(std::move(bytes), ext2::BlockCache::kMinSlots);
        if (m.is_error()) {
            expect_named(m.error());
            refused++;
            continue;
        }
        exercise(m.value()->volume, rng);
        EXPECT_FALSE(m.value()->memory_device->out_of_range);
        if (HasFailure()) break;
    }
    alarm(0);
    // Most damage is to blocks a mount does not check, so most images mount.
    EXPECT_LT(refused, images);
    RecordProperty("refused", static_cast<int>(refused));
}

}  // namespace
