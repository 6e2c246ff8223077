// ext2 files written through the library and judged by e2fsprogs: e2fsck
// finds nothing wrong and debugfs reads the same bytes, on 1 KiB and 4 KiB
// blocks; sizes through every level of the block map, sparse files,
// truncation, the largest file, and files the tools wrote read back.
#include <gtest/gtest.h>

#include <string>

#include "ext2_support.h"

using namespace ext2_test;

namespace {

class Ext2Files : public ::testing::TestWithParam<uint32_t> {
protected:
    void SetUp() override {
        dir = work_dir();
        image = dir + "/disk.img";
        make_image(image, 32u << 20, block_size());
    }
    uint32_t block_size() const { return GetParam(); }

    std::string dir;
    std::string image;
};

INSTANTIATE_TEST_SUITE_P(BlockSizes, Ext2Files, ::testing::Values(1024u, 4096u),
                         [](const auto& info) { return std::to_string(info.param); });

TEST_P(Ext2Files, FilesOfEverySizeClassReadBackThroughDebugfs) {
    uint32_t bs = block_size();
    uint32_t a = bs / 4;
    // Empty, one byte, block edges, into the single and the double indirect trees.
    std::vector<size_t> sizes = {0, 1, bs - 1, bs, bs + 1, 12 * bs, 12 * bs + 1, (12 + a) * bs + 17};
    if (bs == 1024) sizes.push_back((12 + a + 3 * a) * bs + 5);
    {
        auto m = mount_file(image);
        for (size_t i = 0; i < sizes.size(); i++)
            put_file(m->volume, "/f" + std::to_string(i), pattern(sizes[i], i));
        EXT2_OK(m->volume.unmount());
    }
    EXPECT_EQ(fsck_problems(image), "");
    for (size_t i = 0; i < sizes.size(); i++)
        EXPECT_SAME_BYTES(debugfs_cat(image, "/f" + std::to_string(i)), pattern(sizes[i], i)) << "size " << sizes[i];
    // And the library reads them back after a fresh mount.
    auto m = mount_file(image);
    for (size_t i = 0; i < sizes.size(); i++)
        EXPECT_SAME_BYTES(get_file(m->volume, "/f" + std::to_string(i)), pattern(sizes[i], i)) << "size " << sizes[i];
}

TEST_P(Ext2Files, OverwritesAndAppendsKeepTheBytesAroundThem) {
    std::string model = pattern(3 * block_size() + 100, 1);
    auto m = mount_file(image);
    uint32_t ino = put_file(m->volume, "/f", model);
    std::string patch = pattern(block_size() + 7, 2);
    EXT2_OK(m->volume.write(ino, block_size() - 3, patch.data(), patch.size()));
    model.replace(block_size() - 3, patch.size(), patch);
    std::string tail = pattern(50, 3);
    EXT2_OK(m->volume.write(ino, model.size(), tail.data(), tail.size()));
    model += tail;
    EXPECT_SAME_BYTES(get_file(m->volume, "/f"), model);
    EXT2_OK(m->volume.unmount());
    EXPECT_EQ(fsck_problems(image), "");
    EXPECT_SAME_BYTES(debugfs_cat(image, "/f"), model);
}

TEST_P(Ext2Files, SparseFileReadsZerosInHolesAndAllocatesOnlyWrittenBlocks) {
    uint32_t bs = block_size();
    uint64_t far = 40ull * bs + 10;  // past the direct blocks: one indirect block too
    auto m = mount_file(image);
    uint32_t before = m->volume.info().free_blocks;
    auto [root, name] = parent_and_name(m->volume, "/sparse");
    uint32_t ino = EXT2_OK(m->volume.create(root, ext2::Name("sparse"), 0644));
    EXT2_OK(m->volume.write(ino, far, "xyz", 3));
    ext2::Stat st = EXT2_OK(m->volume.stat(ino));
    EXPECT_EQ(st.size, far + 3);
    EXPECT_EQ(st.sectors, 2u * (bs / 512));  // one data block and one indirect block
    EXPECT_EQ(before - m->volume.info().free_blocks, 2u);
    std::string content = get_file(m->volume, "/sparse");
    EXPECT_SAME_BYTES(content, std::string(far, '\0') + "xyz");
    EXT2_OK(m->volume.unmount());
    EXPECT_EQ(fsck_problems(image), "");
    EXPECT_SAME_BYTES(debugfs_cat(image, "/sparse"), content);
}

TEST_P(Ext2Files, TruncateFreesDataAndIndirectBlocksAndReadsZerosWhenRegrown) {
    uint32_t bs = block_size();
    uint32_t a = bs / 4;
    auto m = mount_file(image);
    uint32_t baseline = m->volume.info().free_blocks;
    std::string data = pattern((12 + a + 2 * a) * bs, 5);  // into the double indirect tree
    uint32_t ino = put_file(m->volume, "/t", data);
    EXPECT_LT(m->volume.info().free_blocks, baseline);
    // Cut inside block 1: data blocks past it and every indirect block go.
    EXT2_OK(m->volume.truncate(ino, bs + 10));
    EXPECT_EQ(m->volume.info().free_blocks, baseline - 2);
    ext2::Stat st = EXT2_OK(m->volume.stat(ino));
    EXPECT_EQ(st.sectors, 2u * (bs / 512));
    // Growing again reveals zeros, not the old bytes.
    EXT2_OK(m->volume.truncate(ino, 3 * bs));
    std::string expected = data.substr(0, bs + 10) + std::string(3 * bs - (bs + 10), '\0');
    EXPECT_SAME_BYTES(get_file(m->volume, "/t"), expected);
    EXT2_OK(m->volume.unmount());
    EXPECT_EQ(fsck_problems(image), "");
    EXPECT_SAME_BYTES(debugfs_cat(image, "/t"), expected);
    auto again = mount_file(image);
    EXT2_OK(again->volume.truncate(resolve(again->volume, "/t"), 0));
    EXPECT_EQ(again->volume.info().free_blocks, baseline);
    EXT2_OK(again->volume.unmount());
    EXPECT_EQ(fsck_problems(image), "");
}

TEST_P(Ext2Files, FilesTheToolsWroteReadBackByteForByte) {
    std::string staged = dir + "/staged";
    run("mkdir -p " + quote(staged + "/sub/deeper"));
    std::vector<std::pair<std::string, std::string>> files = {
        {"/empty", ""},
        {"/small", "hello from the host\n"},
        {"/sub/medium", pattern(100000, 7)},
        {"/sub/deeper/big", pattern(3 << 20, 8)},
    };
    for (auto& [path, bytes] : files) write_file(staged + path, bytes);
    // A sparse file: 1 MiB hole, then data.
    run("dd if=/dev/urandom of=" + quote(staged + "/holey") + " bs=4096 seek=256 count=3 status=none");
    std::vector<uint8_t> holey_bytes = read_file(staged + "/holey");
    std::string holey(holey_bytes.begin(), holey_bytes.end());
    run("ln -s small " + quote(staged + "/link"));
    make_image_from(image, 32u << 20, block_size(), staged);
    // One more through debugfs -w.
    write_file(dir + "/extra", pattern(12345, 9));
    run(tool("debugfs") + " -w -R " + quote("write " + dir + "/extra extra") + " " + quote(image));

    auto m = mount_file(image, 256, ext2::MountOptions{.read_only = true});
    for (auto& [path, bytes] : files) EXPECT_SAME_BYTES(get_file(m->volume, path), bytes) << path;
    EXPECT_SAME_BYTES(get_file(m->volume, "/holey"), holey);
    EXPECT_SAME_BYTES(get_file(m->volume, "/extra"), pattern(12345, 9));
    EXPECT_SAME_BYTES(get_file(m->volume, "/link"), "hello from the host\n");  // through the symlink
    char target[64];
    size_t n = EXT2_OK(m->volume.readlink(EXT2_OK(m->volume.resolve("/link", false)), target, sizeof(target)));
    EXPECT_EQ(std::string(target, n), "small");
    EXPECT_EQ(list_dir(m->volume, "/sub"), (std::vector<std::string>{"deeper", "medium"}));
}

TEST_P(Ext2Files, WritesPastTheLargestFileAreFileTooBig) {
    auto m = mount_file(image);
    uint32_t ino = put_file(m->volume, "/huge", "");
    uint64_t max = m->volume.max_file_size();
    uint64_t a = block_size() / 4;
    EXPECT_EQ(max, (12 + a + a * a + a * a * a) * block_size());
    EXPECT_EQ(m->volume.write(ino, max, "x", 1).error(), Error::FileTooBig);
    EXPECT_EQ(m->volume.truncate(ino, max + 1).error(), Error::FileTooBig);
    // The last byte fits (a triple-indirect chain for one block).
    EXPECT_EQ(EXT2_OK(m->volume.write(ino, max - 1, "z", 1)), 1u);
    char c = 0;
    EXPECT_EQ(EXT2_OK(m->volume.read(ino, max - 1, &c, 1)), 1u);
    EXPECT_EQ(c, 'z');
    EXT2_OK(m->volume.unmount());
    EXPECT_EQ(fsck_problems(image), "");
    EXPECT_EQ(stat_field(image, "/huge", "Size"), std::to_string(max));
}

// ---- 1 KiB blocks only: the triple indirect tree within a small image ------------------

TEST(Ext2TripleIndirect, SparseFileCrossingIntoTripleIndirectBlocksReadsBackThroughDebugfs) {
    std::string dir = work_dir();
    std::string image = dir + "/disk.img";
    make_image(image, 16u << 20, 1024);
    const uint64_t bs = 1024, a = 256;
    uint64_t triple_start = (12 + a + a * a) * bs;  // 64.3 MiB
    // A piece in each part of the map, the last one straddling into the triple tree.
    std::vector<std::pair<uint64_t, std::string>> pieces = {
        {0, pattern(5000, 1)},
        {(12 + 10) * bs + 3, pattern(3000, 2)},
        {(12 + a + 700) * bs, pattern(4096, 3)},
        {triple_start - 1500, pattern(6000, 4)},
    };
    std::string model;
    uint32_t baseline = 0;
    {
        auto m = mount_file(image);
        baseline = m->volume.info().free_blocks;
        uint32_t ino = put_file(m->volume, "/deep", "");
        for (auto& [offset, bytes] : pieces) {
            EXPECT_EQ(EXT2_OK(m->volume.write(ino, offset, bytes.data(), bytes.size())), bytes.size());
            if (model.size() < offset + bytes.size()) model.resize(offset + bytes.size(), '\0');
            model.replace(offset, bytes.size(), bytes);
        }
        EXT2_OK(m->volume.unmount());
    }
    EXPECT_EQ(fsck_problems(image), "");
    std::string stat = debugfs(image, "stat /deep");
    EXPECT_NE(stat.find("(TIND)"), std::string::npos) << stat;
    EXPECT_SAME_BYTES(debugfs_cat(image, "/deep"), model);
    // Deleting it gives every block back.
    auto m = mount_file(image);
    // 19 data blocks, and indirect blocks: 1 single, 3 double (root and two
    // below it), 3 triple (one per level).
    EXPECT_EQ(baseline - m->volume.info().free_blocks, 19u + 1 + 3 + 3);
    EXT2_OK(m->volume.unlink(ext2::kRootInode, ext2::Name("deep")));
    EXPECT_EQ(m->volume.info().free_blocks, baseline);
    EXT2_OK(m->volume.unmount());
    EXPECT_EQ(fsck_problems(image), "");
}

}  // namespace
