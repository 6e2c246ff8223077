// Directory blocks on their own: the records a block may hold, inserting
// into a gap or a record's slack, removing by merging into the previous
// record, and the checks that refuse records which do not tile the block.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ext2/dirent.h"

using namespace ext2;

namespace {

constexpr uint32_t kSize = 1024;
constexpr uint32_t kInodes = 1000;

struct Block {
    std::vector<uint8_t> bytes = std::vector<uint8_t>(kSize);
    uint8_t* data() { return bytes.data(); }
    bool valid() { return dir_block_valid(data(), kSize, kInodes, true); }
    std::vector<std::string> names() {
        std::vector<std::string> out;
        for (uint32_t offset = 0; offset < kSize;) {
            DirRecord r = dir_record(data(), offset);
            if (r.inode) out.push_back(std::string(r.name, r.name_len));
            offset += r.rec_len;
        }
        return out;
    }
    uint32_t record_count() {
        uint32_t n = 0;
        for (uint32_t offset = 0; offset < kSize; n++) offset += dir_record(data(), offset).rec_len;
        return n;
    }
    void put(uint32_t offset, uint32_t inode, uint16_t rec_len, uint8_t name_len, uint8_t type = 1) {
        RawDirEntry e{inode, rec_len, name_len, type};
        std::memcpy(data() + offset, &e, sizeof(e));
    }
};

TEST(Ext2Dirent, ANewDirectoryBlockHasDotAndDotDot) {
    Block b;
    dir_block_format_first(b.data(), kSize, 12, 2, true);
    ASSERT_TRUE(b.valid());
    EXPECT_EQ(b.names(), (std::vector<std::string>{".", ".."}));
    EXPECT_EQ(dir_record(b.data(), 0).rec_len, 12u);
    EXPECT_EQ(dir_record(b.data(), 12).rec_len, kSize - 12);
    EXPECT_EQ(dir_record(b.data(), 12).inode, 2u);
    EXPECT_EQ(dir_record(b.data(), 12).file_type, static_cast<uint8_t>(FileType::Directory));
}

TEST(Ext2Dirent, InsertSplitsTheSlackOfTheLastRecordUntilTheBlockIsFull) {
    Block b;
    dir_block_format_first(b.data(), kSize, 12, 2, true);
    int added = 0;
    while (dir_block_insert(b.data(), kSize, 100 + added, Name(("name" + std::to_string(added)).c_str()),
                           FileType::Regular))
        added++;
    ASSERT_TRUE(b.valid());
    // "." 12, ".." 12, then names of 5-6 bytes take 16 each: (1024 - 24) / 16.
    EXPECT_EQ(added, 62);
    EXPECT_EQ(b.names().size(), 64u);
    EXPECT_EQ(b.names()[2], "name0");
}

TEST(Ext2Dirent, RemovingMergesIntoThePreviousRecordAndTheSpaceIsReused) {
    Block b;
    dir_block_format_first(b.data(), kSize, 12, 2, true);
    for (int i = 0; i < 3; i++) dir_block_insert(b.data(), kSize, 50 + i, Name(("f" + std::to_string(i)).c_str()), FileType::Regular);
    // Records: . (0), .. (12), f0 (24), f1 (36), f2 (48).
    dir_block_remove(b.data(), 36, 24);
    ASSERT_TRUE(b.valid());
    EXPECT_EQ(b.names(), (std::vector<std::string>{".", "..", "f0", "f2"}));
    EXPECT_EQ(dir_record(b.data(), 24).rec_len, 24u);
    // A 4-byte name fits the freed 12 bytes after f0.
    ASSERT_TRUE(dir_block_insert(b.data(), kSize, 60, Name("abcd"), FileType::Regular));
    EXPECT_EQ(dir_record(b.data(), 36).inode, 60u);
    EXPECT_EQ(b.record_count(), 5u);  // ., .., f0, abcd, f2
}

TEST(Ext2Dirent, RemovingTheFirstRecordOfABlockLeavesAnUnusedRecordThatIsReused) {
    Block b;
    dir_block_format_empty(b.data(), kSize);
    ASSERT_TRUE(b.valid());
    ASSERT_TRUE(dir_block_insert(b.data(), kSize, 7, Name("first"), FileType::Regular));
    ASSERT_TRUE(dir_block_insert(b.data(), kSize, 8, Name("second"), FileType::Regular));
    dir_block_remove(b.data(), 0, kNoOffset);
    ASSERT_TRUE(b.valid());
    EXPECT_EQ(b.names(), (std::vector<std::string>{"second"}));
    EXPECT_EQ(dir_record(b.data(), 0).inode, 0u);
    ASSERT_TRUE(dir_block_insert(b.data(), kSize, 9, Name("third"), FileType::Regular));
    EXPECT_EQ(dir_record(b.data(), 0).inode, 9u);
}

TEST(Ext2Dirent, HasRoomAgreesWithInsert) {
    Block b;
    dir_block_format_first(b.data(), kSize, 12, 2, true);
    for (int i = 0;; i++) {
        std::string name = "a-name-of-some-length-" + std::to_string(i);
        bool room = dir_block_has_room(b.data(), kSize, static_cast<uint32_t>(name.size()));
        ASSERT_EQ(dir_block_insert(b.data(), kSize, 20 + i, Name(name.c_str()), FileType::Regular), room) << i;
        if (!room) break;
    }
}

TEST(Ext2Dirent, RecordsThatDoNotTileTheBlockAreRefused) {
    auto base = [] {
        Block b;
        dir_block_format_first(b.data(), kSize, 12, 2, true);
        return b;
    };
    Block b = base();
    b.put(12, 2, 8, 2);  // too short a record
    EXPECT_FALSE(b.valid());
    b = base();
    b.put(12, 2, kSize - 12 + 4, 2);  // past the block
    EXPECT_FALSE(b.valid());
    b = base();
    b.put(12, 2, kSize - 14, 2);  // not a multiple of 4, and the block is not tiled
    EXPECT_FALSE(b.valid());
    b = base();
    b.put(12, 2, 12, 2);  // ends before the block does
    EXPECT_FALSE(b.valid());
    b = base();
    b.put(12, kInodes + 1, kSize - 12, 2);  // an inode past the last
    EXPECT_FALSE(b.valid());
    b = base();
    b.put(12, 2, kSize - 12, 255);  // name longer than... fits: 8 + 255 < 1012
    EXPECT_TRUE(b.valid());
    b.put(0, 12, 12, 5);  // a name longer than its record
    EXPECT_FALSE(b.valid());
    b = base();
    b.put(12, 2, kSize - 12, 0);  // a used record without a name
    EXPECT_FALSE(b.valid());
    b = base();
    EXPECT_FALSE(dir_block_valid(b.data(), kSize, kInodes, false)) << "a type byte without the filetype feature";
}

TEST(Ext2Dirent, NamesAreOneTo255BytesWithoutSlashOrNul) {
    EXPECT_TRUE(name_valid(Name("ok")));
    EXPECT_TRUE(name_valid(Name(std::string(255, 'a').c_str())));
    EXPECT_FALSE(name_valid(Name(std::string(256, 'a').c_str())));
    EXPECT_FALSE(name_valid(Name("")));
    EXPECT_FALSE(name_valid(Name("a/b")));
    EXPECT_FALSE(name_valid(Name("a\0b", 3)));
    EXPECT_TRUE(Name("..").is_dot_dot());
    EXPECT_TRUE(Name(".").is_dot());
    EXPECT_FALSE(Name("...").is_dot_dot());
}

}  // namespace
