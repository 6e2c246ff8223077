// Mounting ext2 images: the features mke2fs -t ext2 turns on are served,
// anything this library does not implement is refused cleanly
// (Unsupported), numbers that do not fit together are kCorrupt, a read-only
// mount changes nothing, and device errors reach the caller of any
// operation as the device's error.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <sstream>

#include "ext2/format.h"
#include "ext2_support.h"

using namespace ext2_test;
using ext2::Name;

namespace {

class Ext2Mount : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        std::string dir = "build/host/ext2/Ext2Mount";
        run("mkdir -p " + quote(dir));
        std::string image = dir + "/base.img";
        make_image(image, 4u << 20, 1024);
        base = new std::vector<uint8_t>(read_file(image));
    }
    static void TearDownTestSuite() {
        delete base;
        base = nullptr;
    }
    // A copy of the base image with its superblock changed by `edit`.
    template <typename Edit>
    std::vector<uint8_t> with_super(Edit edit) {
        std::vector<uint8_t> bytes = *base;
        ext2::RawSuperblock sb;
        std::memcpy(&sb, &bytes[1024], sizeof(sb));
        edit(sb);
        std::memcpy(&bytes[1024], &sb, sizeof(sb));
        return bytes;
    }
    Error mount_error(std::vector<uint8_t> bytes, bool read_only = false) {
        ext2::MountOptions options;
        options.read_only = read_only;
        auto m = mount_memory(std::move(bytes), 64, options);
        return m.is_error() ? m.error() : Error::None;
    }

    static std::vector<uint8_t>* base;
};

std::vector<uint8_t>* Ext2Mount::base = nullptr;

TEST_F(Ext2Mount, TheDefaultFeaturesOfMke2fsAreServed) {
    ext2::RawSuperblock sb;
    std::memcpy(&sb, &(*base)[1024], sizeof(sb));
    // ext_attr resize_inode dir_index / filetype / sparse_super large_file
    EXPECT_EQ(sb.feature_compat, ext2::kCompatExtAttr | ext2::kCompatResizeInode | ext2::kCompatDirIndex);
    EXPECT_EQ(sb.feature_incompat, ext2::kIncompatFiletype);
    EXPECT_EQ(sb.feature_ro_compat, ext2::kRoCompatSparseSuper | ext2::kRoCompatLargeFile);
    EXPECT_EQ(mount_error(*base), Error::None);
}

TEST_F(Ext2Mount, UnknownIncompatibleFeaturesAreUnsupported) {
    for (uint32_t feature : {ext2::kIncompatExtents, ext2::kIncompat64Bit, ext2::kIncompatFlexBg, ext2::kIncompatMetaBg,
                             ext2::kIncompatRecover, ext2::kIncompatCompression, 0x8000u /* inline data */}) {
        auto bytes = with_super([&](ext2::RawSuperblock& sb) { sb.feature_incompat |= feature; });
        EXPECT_EQ(mount_error(bytes), Error::Unsupported) << std::hex << feature;
        EXPECT_EQ(mount_error(bytes, true), Error::Unsupported) << std::hex << feature;
    }
}

TEST_F(Ext2Mount, UnknownReadOnlyFeaturesMountOnlyReadOnly) {
    for (uint32_t feature : {ext2::kRoCompatHugeFile, ext2::kRoCompatGdtCsum, ext2::kRoCompatMetadataCsum,
                             ext2::kRoCompatDirNlink}) {
        auto bytes = with_super([&](ext2::RawSuperblock& sb) { sb.feature_ro_compat |= feature; });
        EXPECT_EQ(mount_error(bytes), Error::Unsupported) << std::hex << feature;
        EXPECT_EQ(mount_error(bytes, true), Error::None) << std::hex << feature;
    }
}

TEST_F(Ext2Mount, BlocksLargerThan4KiBAreUnsupported) {
    auto bytes = with_super([](ext2::RawSuperblock& sb) { sb.log_block_size = 3; });
    EXPECT_EQ(mount_error(bytes), Error::Unsupported);
}

TEST_F(Ext2Mount, SuperblocksWhoseNumbersDoNotFitAreCorrupt) {
    using Edit = void (*)(ext2::RawSuperblock&);
    Edit edits[] = {
        [](ext2::RawSuperblock& sb) { sb.magic = 0x1234; },
        [](ext2::RawSuperblock& sb) { sb.blocks_count = 1u << 30; },  // past the device
        [](ext2::RawSuperblock& sb) { sb.inodes_per_group += 8; },     // inodes_count disagrees
        [](ext2::RawSuperblock& sb) { sb.blocks_per_group = 0; },
        [](ext2::RawSuperblock& sb) { sb.first_data_block = 0; },      // 1 KiB blocks start at 1
        [](ext2::RawSuperblock& sb) { sb.inode_size = 100; },
        [](ext2::RawSuperblock& sb) { sb.first_ino = 1; },
        [](ext2::RawSuperblock& sb) { sb.free_blocks_count = sb.blocks_count + 1; },
    };
    for (size_t i = 0; i < std::size(edits); i++) EXPECT_EQ(mount_error(with_super(edits[i])), ext2::kCorrupt) << i;
}

TEST_F(Ext2Mount, AGroupDescriptorPointingOutsideItsGroupIsCorrupt) {
    std::vector<uint8_t> bytes = *base;
    ext2::RawGroupDesc desc;
    std::memcpy(&desc, &bytes[2048], sizeof(desc));  // group 0, block 2
    desc.inode_table = 100000;
    std::memcpy(&bytes[2048], &desc, sizeof(desc));
    EXPECT_EQ(mount_error(bytes), ext2::kCorrupt);
}

TEST_F(Ext2Mount, AReadOnlyMountWritesNothingAndRefusesChanges) {
    ext2::MountOptions options;
    options.read_only = true;
    auto m = EXT2_OK(mount_memory(*base, 64, options));
    ext2::Volume& v = m->volume;
    uint32_t root = ext2::kRootInode;
    EXPECT_EQ(v.create(root, Name("x"), 0644).error(), ext2::kReadOnly);
    EXPECT_EQ(v.mkdir(root, Name("x"), 0755).error(), ext2::kReadOnly);
    EXPECT_EQ(v.unlink(root, Name("lost+found")).error(), ext2::kReadOnly);
    EXPECT_EQ(v.rename(root, Name("lost+found"), root, Name("y")).error(), ext2::kReadOnly);
    EXPECT_EQ(list_dir(v, "/"), std::vector<std::string>{"lost+found"});
    EXT2_OK(v.unmount());
    EXPECT_EQ(m->memory_device->writes, 0u);
    EXPECT_TRUE(m->memory_device->bytes == *base);
}

TEST_F(Ext2Mount, AWritableMountMarksTheVolumeNotCleanUntilUnmount) {
    auto m = EXT2_OK(mount_memory(*base));
    auto state = [&] {
        uint16_t s;
        std::memcpy(&s, &m->memory_device->bytes[1024 + offsetof(ext2::RawSuperblock, state)], 2);
        return s;
    };
    EXPECT_EQ(state() & ext2::kStateValid, 0);
    EXT2_OK(m->volume.unmount());
    EXPECT_EQ(state() & ext2::kStateValid, ext2::kStateValid);
}

// Every request of a workload fails in turn: each time the operation that
// meets the failure reports the device's error (nothing crashes, nothing
// is reported as success that was not done), and the rest still work once
// the device is healthy again.
TEST_F(Ext2Mount, DeviceErrorsReachTheCallerOfEachOperation) {
    auto workload = [](ext2::Volume& v) -> Error {
        uint32_t root = ext2::kRootInode;
        auto step = [](auto result) { return result.is_error() ? result.error() : Error::None; };
        Error e;
        if ((e = step(v.mkdir(root, Name("d"), 0755))) != Error::None) return e;
        auto d = v.lookup(root, Name("d"));
        if (d.is_error()) return d.error();
        auto f = v.create(d.value(), Name("f"), 0644);
        if (f.is_error()) return f.error();
        std::string data = pattern(70000, 1);
        auto w = v.write(f.value(), 0, data.data(), data.size());
        if (w.is_error()) return w.error();
        if ((e = step(v.sync())) != Error::None) return e;
        std::string back(70000, '\0');
        auto r = v.read(f.value(), 0, back.data(), back.size());
        if (r.is_error()) return r.error();
        if ((e = step(v.rename(d.value(), Name("f"), root, Name("g")))) != Error::None) return e;
        if ((e = step(v.truncate(f.value(), 10))) != Error::None) return e;
        if ((e = step(v.unlink(root, Name("g")))) != Error::None) return e;
        return step(v.unmount());
    };
    // The healthy run counts the requests.
    auto healthy = EXT2_OK(mount_memory(*base, ext2::BlockCache::kMinSlots));
    uint64_t before = healthy->memory_device->reads + healthy->memory_device->writes + healthy->memory_device->flushes;
    ASSERT_EQ(workload(healthy->volume), Error::None);
    uint64_t requests =
        healthy->memory_device->reads + healthy->memory_device->writes + healthy->memory_device->flushes - before;
    ASSERT_GT(requests, 10u);
    for (uint64_t fail_at = 0; fail_at < requests; fail_at++) {
        auto m = EXT2_OK(mount_memory(*base, ext2::BlockCache::kMinSlots));
        m->memory_device->healthy_requests = static_cast<int64_t>(fail_at);
        EXPECT_EQ(workload(m->volume), ext2::kDeviceError) << "request " << fail_at;
        EXPECT_FALSE(m->memory_device->out_of_range);
    }
}

}  // namespace

namespace {

// Damage the tools put in on purpose: each is reported as kCorrupt by the
// operation that meets it, and changes nothing it should not.
class Ext2Corrupt : public ::testing::Test {
protected:
    void SetUp() override {
        dir = work_dir();
        image = dir + "/disk.img";
        std::string staged = dir + "/staged";
        run("mkdir -p " + quote(staged + "/d"));
        write_file(staged + "/file", pattern(50000, 1));  // direct and single indirect blocks
        write_file(staged + "/d/inner", "inner");
        make_image_from(image, 4u << 20, 1024, staged);
    }
    void debugfs_write(const std::string& request) {
        RunResult r = run(tool("debugfs") + " -w -R " + quote(request) + " " + quote(image));
        ASSERT_EQ(r.status, 0) << r.output;
    }
    uint32_t first_block(const std::string& path) {
        std::istringstream blocks(debugfs(image, "blocks " + path));
        uint32_t b = 0;
        blocks >> b;
        return b;
    }
    void patch(uint64_t offset, const void* bytes, size_t n) {
        std::vector<uint8_t> all = read_file(image);
        std::memcpy(&all[offset], bytes, n);
        write_file(image, std::string(all.begin(), all.end()));
    }

    std::string dir;
    std::string image;
};

TEST_F(Ext2Corrupt, FreeingABlockTheBitmapCallsFreeIsCorruptAndCountsStay) {
    debugfs_write("freeb " + std::to_string(first_block("/file")));
    auto m = mount_file(image);
    uint32_t free_blocks = m->volume.info().free_blocks;
    EXPECT_EQ(m->volume.unlink(ext2::kRootInode, Name("file")).error(), ext2::kCorrupt);
    EXPECT_EQ(m->volume.info().free_blocks, free_blocks);
}

TEST_F(Ext2Corrupt, ABlockPointerPastTheVolumeIsCorrupt) {
    debugfs_write("set_inode_field /file block[IND] 99999999");
    auto m = mount_file(image);
    uint32_t file = resolve(m->volume, "/file");
    std::string buffer(50000, '\0');
    EXPECT_EQ(m->volume.read(file, 0, buffer.data(), buffer.size()).error(), ext2::kCorrupt);
    EXPECT_EQ(m->volume.write(file, 20000, "x", 1).error(), ext2::kCorrupt);
    EXPECT_FALSE(m->file_device->out_of_range);
}

TEST_F(Ext2Corrupt, ARecordOfLengthZeroIsCorruptNotAnEndlessLoop) {
    uint32_t block = first_block("/d");
    uint16_t zero = 0;
    patch(uint64_t{block} * 1024 + 12 + 4, &zero, 2);  // the ".." record's rec_len
    auto m = mount_file(image);
    uint32_t d = resolve(m->volume, "/d");
    uint64_t cookie = 0;
    ext2::DirEntry entry;
    EXPECT_EQ(m->volume.read_dir(d, &cookie, &entry).error(), ext2::kCorrupt);
    EXPECT_EQ(m->volume.lookup(d, Name("inner")).error(), ext2::kCorrupt);
    EXPECT_EQ(m->volume.create(d, Name("new"), 0644).error(), ext2::kCorrupt);
}

TEST_F(Ext2Corrupt, AnEntryNamingAnInodePastTheLastIsCorrupt) {
    uint32_t block = first_block("/d");
    uint32_t huge = 0x7FFFFFFF;
    patch(uint64_t{block} * 1024 + 24, &huge, 4);  // "inner", the third record
    auto m = mount_file(image);
    EXPECT_EQ(m->volume.lookup(resolve(m->volume, "/d"), Name("inner")).error(), ext2::kCorrupt);
}

TEST_F(Ext2Corrupt, ADirectoryWhoseParentChainLoopsIsCorruptWhenMovedInto) {
    make_image(image, 4u << 20, 1024);
    auto m = mount_file(image);
    make_dir(m->volume, "/a");
    uint32_t b = make_dir(m->volume, "/a/b");
    make_dir(m->volume, "/x");
    EXT2_OK(m->volume.unmount());
    // b's ".." names b itself: walking up from b never reaches the root.
    uint32_t block = first_block("/a/b");
    patch(uint64_t{block} * 1024 + 12, &b, 4);
    m = mount_file(image);
    EXPECT_EQ(m->volume.rename(ext2::kRootInode, Name("x"), b, Name("x")).error(), ext2::kCorrupt);
}

}  // namespace

namespace {

// A revision 0 volume: no feature fields (so no filetype in records), 128-byte
// inodes (no extra time fields), reserved inodes up to 10.
TEST(Ext2Revision0, AnOriginalRevisionVolumeIsServedAndStaysClean) {
    std::string image = work_dir() + "/disk.img";
    make_image(image, 8u << 20, 1024, "-r 0");
    auto m = mount_file(image);
    ASSERT_TRUE(m->volume.mounted());
    EXPECT_FALSE(m->volume.layout().filetype);
    EXPECT_EQ(m->volume.layout().inode_size, 128u);
    make_dir(m->volume, "/d");
    put_file(m->volume, "/d/f", pattern(20000, 1));
    EXT2_OK(m->volume.symlink(ext2::kRootInode, Name("l"), "d/f", 3));
    // Without file types in the records, listing reads each inode's type.
    uint64_t cookie = 0;
    ext2::DirEntry entry;
    std::map<std::string, ext2::FileType> types;
    while (EXT2_OK(m->volume.read_dir(ext2::kRootInode, &cookie, &entry))) types[entry.name] = entry.type;
    EXPECT_EQ(types["d"], ext2::FileType::Directory);
    EXPECT_EQ(types["l"], ext2::FileType::Symlink);
    EXPECT_SAME_BYTES(get_file(m->volume, "/l"), pattern(20000, 1));
    // Files stay under 2 GiB: there is no large_file feature to turn on.
    uint32_t f = resolve(m->volume, "/d/f");
    EXPECT_EQ(m->volume.write(f, 1ull << 31, "x", 1).error(), Error::FileTooBig);
    EXT2_OK(m->volume.unmount());
    EXPECT_EQ(fsck_problems(image), "");
    EXPECT_SAME_BYTES(debugfs_cat(image, "/d/f"), pattern(20000, 1));
}

}  // namespace

namespace {

TEST(Ext2LargeFile, AFilePast2GiBTurnsOnTheLargeFileFeature) {
    std::string image = work_dir() + "/disk.img";
    make_image(image, 8u << 20, 4096);
    run(tool("debugfs") + " -w -R 'feature -large_file' " + quote(image));  // mke2fs always sets it
    ASSERT_EQ(debugfs(image, "features").find("large_file"), std::string::npos);
    auto m = mount_file(image);
    uint32_t f = put_file(m->volume, "/big", "");
    EXPECT_EQ(EXT2_OK(m->volume.write(f, 3ull << 30, "end", 3)), 3u);
    EXT2_OK(m->volume.unmount());
    EXPECT_NE(debugfs(image, "features").find("large_file"), std::string::npos);
    EXPECT_EQ(fsck_problems(image), "");
    EXPECT_EQ(stat_field(image, "/big", "Size"), std::to_string((3ull << 30) + 3));
}

}  // namespace

namespace {

// An extended-attribute block (debugfs ea_set with a value too big for the
// inode) is kept while its inode lives, counted in i_blocks, and loses a
// reference when the inode goes: freed with its last one.
TEST(Ext2Xattr, AnAttributeBlockIsReleasedWithItsLastInode) {
    std::string dir = work_dir();
    std::string image = dir + "/disk.img";
    make_image(image, 4u << 20, 1024);
    auto baseline = mount_file(image);
    uint32_t free_blocks = baseline->volume.info().free_blocks;
    EXT2_OK(baseline->volume.unmount());
    write_file(dir + "/value", std::string(600, 'v'));
    write_file(dir + "/content", "content");
    auto debugfs_w = [&](const std::string& request) {
        RunResult r = run(tool("debugfs") + " -w -R " + quote(request) + " " + quote(image));
        ASSERT_EQ(r.status, 0) << r.output;
    };
    debugfs_w("write " + dir + "/content f");
    debugfs_w("write " + dir + "/content g");
    debugfs_w("ea_set -f " + dir + "/value /f user.big");
    std::string acl = stat_field(image, "/f", "File ACL");
    ASSERT_NE(acl, "0");
    // g shares f's attribute block: two references.
    debugfs_w("set_inode_field /g file_acl " + acl);
    debugfs_w("set_inode_field /g blocks 4");
    std::vector<uint8_t> bytes = read_file(image);
    uint32_t references = 2;
    std::memcpy(&bytes[std::stoul(acl) * 1024 + 4], &references, 4);
    write_file(image, std::string(bytes.begin(), bytes.end()));
    ASSERT_EQ(fsck_problems(image), "");

    auto m = mount_file(image);
    uint32_t f = resolve(m->volume, "/f");
    EXT2_OK(m->volume.truncate(f, 0));
    EXPECT_EQ(EXT2_OK(m->volume.stat(f)).sectors, 2u) << "the attribute block stays counted";
    EXT2_OK(m->volume.unlink(ext2::kRootInode, Name("f")));
    EXT2_OK(m->volume.sync());
    EXPECT_EQ(fsck_problems(image), "");
    EXT2_OK(m->volume.unlink(ext2::kRootInode, Name("g")));
    EXPECT_EQ(m->volume.info().free_blocks, free_blocks);
    EXT2_OK(m->volume.unmount());
    EXPECT_EQ(fsck_problems(image), "");
}

}  // namespace
