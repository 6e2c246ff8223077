// ext2 names through the library, judged by e2fsprogs: directories (".",
// "..", link counts, record splitting and merging), hard links, short and
// long symbolic links, rename, timestamps, deleting everything, running out
// of blocks and inodes, and an htree-indexed directory built by the tools.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include "ext2_support.h"

using namespace ext2_test;
using ext2::Name;

namespace {

class Ext2Names : public ::testing::TestWithParam<uint32_t> {
protected:
    void SetUp() override {
        dir = work_dir();
        image = dir + "/disk.img";
        make_image(image, 16u << 20, GetParam());
        m = mount_file(image);
    }
    // Unmounts, then e2fsck must find nothing.
    void check_image() {
        EXT2_OK(m->volume.unmount());
        EXPECT_EQ(fsck_problems(image), "");
    }
    ext2::Volume& v() { return m->volume; }
    ext2::Stat stat(const std::string& path) { return EXT2_OK(v().stat(resolve(v(), path))); }

    std::string dir;
    std::string image;
    std::unique_ptr<Mount> m;
};

INSTANTIATE_TEST_SUITE_P(BlockSizes, Ext2Names, ::testing::Values(1024u, 4096u),
                         [](const auto& info) { return std::to_string(info.param); });

// ---- Directories ------------------------------------------------------------------------

TEST_P(Ext2Names, NestedDirectoriesHaveDotDotAndLinkCountsE2fsckAccepts) {
    make_dir(v(), "/a");
    make_dir(v(), "/a/b");
    make_dir(v(), "/a/c");
    make_dir(v(), "/a/b/d");
    put_file(v(), "/a/b/d/file", "deep");
    EXPECT_EQ(stat("/a").links, 4);  // its name, ".", and ".." of b and c
    EXPECT_EQ(stat("/a/b").links, 3);
    EXPECT_EQ(resolve(v(), "/a/b/d/../.."), resolve(v(), "/a"));
    EXPECT_EQ(resolve(v(), "/.."), ext2::kRootInode);
    EXPECT_EQ(get_file(v(), "/a/./b/d/file"), "deep");
    EXPECT_EQ(list_dir(v(), "/a"), (std::vector<std::string>{"b", "c"}));
    check_image();
    EXPECT_EQ(stat_field(image, "/a", "Links"), "4");
    EXPECT_EQ(debugfs_cat(image, "/a/b/d/file"), "deep");
}

TEST_P(Ext2Names, ThousandsOfEntriesSplitRecordsAndRemovalsMergeThem) {
    ext2::VolumeInfo empty = v().info();
    uint32_t d = make_dir(v(), "/many");
    std::set<std::string> names;
    for (int i = 0; i < 1500; i++) {
        // Names of many lengths, up to the 255-byte limit.
        std::string name = "n" + std::to_string(i) + std::string(i % 7 == 0 ? 240 : i % 40, 'x');
        EXT2_OK(v().create(d, Name(name.data(), name.size()), 0644));
        names.insert(name);
    }
    // Remove every third, then reuse the gaps with new names.
    int removed = 0;
    for (auto it = names.begin(); it != names.end();) {
        if (removed++ % 3 == 0) {
            EXT2_OK(v().unlink(d, Name(it->data(), it->size())));
            it = names.erase(it);
        } else {
            ++it;
        }
    }
    ext2::Stat before = EXT2_OK(v().stat(d));
    for (int i = 0; i < 300; i++) {
        std::string name = "again" + std::to_string(i);
        EXT2_OK(v().create(d, Name(name.data(), name.size()), 0644));
        names.insert(name);
    }
    EXPECT_EQ(EXT2_OK(v().stat(d)).size, before.size) << "new names fill the freed records";
    EXPECT_EQ(list_dir(v(), "/many"), std::vector<std::string>(names.begin(), names.end()));
    for (const auto& name : names) EXPECT_FALSE(v().lookup(d, Name(name.data(), name.size())).is_error()) << name;
    EXT2_OK(v().sync());
    EXPECT_EQ(fsck_problems(image), "");
    EXPECT_EQ(debugfs_names(image, "/many"), std::vector<std::string>(names.begin(), names.end()));
    // Emptied, the directory (with its indirect block) goes entirely.
    for (const auto& name : names) EXT2_OK(v().unlink(d, Name(name.data(), name.size())));
    EXPECT_EQ(list_dir(v(), "/many"), std::vector<std::string>{});
    EXT2_OK(v().rmdir(ext2::kRootInode, Name("many")));
    EXPECT_EQ(v().info().free_blocks, empty.free_blocks);
    EXPECT_EQ(v().info().free_inodes, empty.free_inodes);
    check_image();
}

// Listing in batches (the file server's ReadDir) sees what one entry at a
// time sees, for any batch size; each entry's `next` cookie resumes right
// after it, also when entries before it went away in between.
TEST_P(Ext2Names, BatchedListingSeesEveryEntryOnceAndResumesAfterEachEntry) {
    uint32_t d = make_dir(v(), "/batch");
    for (int i = 0; i < 700; i++) {
        std::string name = "e" + std::to_string(i) + std::string(i % 50, 'y');
        EXT2_OK(v().create(d, Name(name.data(), name.size()), 0644));
    }
    for (int i = 0; i < 700; i += 5) {
        std::string name = "e" + std::to_string(i) + std::string(i % 50, 'y');
        EXT2_OK(v().unlink(d, Name(name.data(), name.size())));
    }
    std::vector<std::string> one_by_one;
    uint64_t cookie = 0;
    ext2::DirEntry entry;
    while (EXT2_OK(v().read_dir(d, &cookie, &entry))) one_by_one.emplace_back(entry.name, entry.name_length);
    ASSERT_EQ(one_by_one.size(), 2u + 700 - 140);
    std::vector<ext2::DirEntry> batch(1000);
    for (size_t size : {1, 7, 32, 33, 1000}) {
        std::vector<std::string> names;
        std::vector<uint64_t> nexts;
        cookie = 0;
        while (size_t n = EXT2_OK(v().read_dir(d, &cookie, batch.data(), size))) {
            ASSERT_LE(n, size);
            ASSERT_LE(names.size(), one_by_one.size()) << "the cookie does not advance";
            for (size_t i = 0; i < n; i++) {
                names.emplace_back(batch[i].name, batch[i].name_length);
                nexts.push_back(batch[i].next);
            }
        }
        EXPECT_EQ(names, one_by_one) << "batches of " << size;
        // Resuming at any entry's cookie lists exactly the entries after it.
        for (size_t at : {size_t{0}, size_t{100}, names.size() - 1}) {
            uint64_t c = nexts[at];
            ASSERT_TRUE(EXT2_OK(v().read_dir(d, &c, &entry)) == (at + 1 < names.size()));
            if (at + 1 < names.size()) {
                EXPECT_EQ(std::string(entry.name, entry.name_length), names[at + 1]);
            }
        }
    }
    // Entries removed before the cookie do not move it: the rest follow once.
    uint64_t c = 0;
    size_t n = EXT2_OK(v().read_dir(d, &c, batch.data(), 100));
    ASSERT_EQ(n, 100u);
    for (size_t i = 2; i < 100; i += 2)
        EXT2_OK(v().unlink(d, Name(batch[i].name, batch[i].name_length)));
    std::vector<std::string> rest;
    while (size_t k = EXT2_OK(v().read_dir(d, &c, batch.data(), 64))) {
        for (size_t i = 0; i < k; i++) rest.emplace_back(batch[i].name, batch[i].name_length);
        ASSERT_LE(rest.size(), one_by_one.size()) << "the cookie does not advance";
    }
    EXPECT_EQ(rest, std::vector<std::string>(one_by_one.begin() + 100, one_by_one.end()));
    check_image();
}

TEST_P(Ext2Names, NameRulesAreEnforced) {
    uint32_t root = ext2::kRootInode;
    std::string longest(255, 'L');
    std::string too_long(256, 'L');
    EXPECT_FALSE(v().create(root, Name(longest.data(), longest.size()), 0644).is_error());
    EXPECT_EQ(v().create(root, Name(too_long.data(), too_long.size()), 0644).error(), Error::TooLong);
    EXPECT_EQ(v().create(root, Name("a/b"), 0644).error(), Error::BadArgument);
    EXPECT_EQ(v().create(root, Name(""), 0644).error(), Error::BadArgument);
    EXPECT_EQ(v().create(root, Name("x\0y", 3), 0644).error(), Error::BadArgument);
    EXPECT_EQ(v().create(root, Name(longest.data(), longest.size()), 0644).error(), Error::AlreadyExists);
    EXPECT_EQ(v().mkdir(root, Name("."), 0755).error(), Error::AlreadyExists);
    EXPECT_EQ(v().lookup(root, Name("missing")).error(), Error::NotFound);
    uint32_t file = put_file(v(), "/file", "x");
    EXPECT_EQ(v().lookup(file, Name("x")).error(), Error::NotDirectory);
    EXPECT_EQ(v().resolve("/file/x").error(), Error::NotDirectory);
    check_image();
    EXPECT_EQ(debugfs_cat(image, "/" + longest), "");
}

TEST_P(Ext2Names, RmdirRemovesOnlyEmptyDirectoriesAndGivesBackTheirLinks) {
    make_dir(v(), "/p");
    make_dir(v(), "/p/q");
    put_file(v(), "/p/q/f", "data");
    uint32_t p = resolve(v(), "/p");
    EXPECT_EQ(v().rmdir(p, Name("q")).error(), Error::NotEmpty);
    EXPECT_EQ(v().rmdir(p, Name(".")).error(), Error::BadArgument);
    EXPECT_EQ(v().rmdir(p, Name("..")).error(), Error::BadArgument);
    EXPECT_EQ(v().unlink(p, Name("q")).error(), Error::IsDirectory);
    EXT2_OK(v().unlink(resolve(v(), "/p/q"), Name("f")));
    EXPECT_EQ(v().rmdir(resolve(v(), "/p/q"), Name("f")).error(), Error::NotFound);
    EXT2_OK(v().rmdir(p, Name("q")));
    EXPECT_EQ(stat("/p").links, 2);
    EXPECT_EQ(v().lookup(p, Name("q")).error(), Error::NotFound);
    check_image();
}

// ---- Links ---------------------------------------------------------------------------------

TEST_P(Ext2Names, HardLinksShareTheInodeAndItsLastUnlinkFreesIt) {
    uint32_t before_blocks = v().info().free_blocks;
    uint32_t before_inodes = v().info().free_inodes;
    make_dir(v(), "/d");
    uint32_t ino = put_file(v(), "/original", pattern(5000, 1));
    EXT2_OK(v().link(resolve(v(), "/d"), Name("second"), ino));
    EXT2_OK(v().link(ext2::kRootInode, Name("third"), ino));
    EXPECT_EQ(stat("/original").links, 3);
    EXPECT_EQ(resolve(v(), "/d/second"), ino);
    EXPECT_EQ(v().link(ext2::kRootInode, Name("dirlink"), resolve(v(), "/d")).error(), ext2::kNotPermitted);
    EXT2_OK(v().unlink(ext2::kRootInode, Name("original")));
    EXPECT_SAME_BYTES(get_file(v(), "/third"), pattern(5000, 1));
    EXT2_OK(v().sync());
    EXPECT_EQ(stat_field(image, "/d/second", "Links"), "2");
    EXT2_OK(v().unlink(ext2::kRootInode, Name("third")));
    EXT2_OK(v().unlink(resolve(v(), "/d"), Name("second")));
    EXT2_OK(v().rmdir(ext2::kRootInode, Name("d")));
    EXPECT_EQ(v().info().free_blocks, before_blocks);
    EXPECT_EQ(v().info().free_inodes, before_inodes);
    check_image();
}

TEST_P(Ext2Names, ShortSymlinksLiveInTheInodeAndLongOnesInABlock) {
    std::string short_target = "a/short/target";
    std::string long_target(GetParam() - 1, 'T');  // the longest a block holds
    for (size_t i = 0; i < long_target.size(); i += 10) long_target[i] = '/';
    uint32_t root = ext2::kRootInode;
    uint32_t s = EXT2_OK(v().symlink(root, Name("short"), short_target.data(), short_target.size()));
    uint32_t l = EXT2_OK(v().symlink(root, Name("long"), long_target.data(), long_target.size()));
    std::string at59(59, 'x'), at60(60, 'y');
    uint32_t f59 = EXT2_OK(v().symlink(root, Name("fast59"), at59.data(), at59.size()));
    uint32_t s60 = EXT2_OK(v().symlink(root, Name("slow60"), at60.data(), at60.size()));
    EXPECT_EQ(EXT2_OK(v().stat(s)).sectors, 0u);
    EXPECT_EQ(EXT2_OK(v().stat(f59)).sectors, 0u);
    EXPECT_EQ(EXT2_OK(v().stat(s60)).sectors, GetParam() / 512);
    EXPECT_EQ(EXT2_OK(v().stat(l)).size, long_target.size());
    std::string too_long(GetParam(), 'x');
    EXPECT_EQ(v().symlink(root, Name("toolong"), too_long.data(), too_long.size()).error(), Error::TooLong);
    EXPECT_EQ(v().symlink(root, Name("empty"), "", 0).error(), Error::BadArgument);
    char buffer[4096];
    EXPECT_EQ(std::string(buffer, EXT2_OK(v().readlink(l, buffer, sizeof(buffer)))), long_target);
    EXPECT_EQ(std::string(buffer, EXT2_OK(v().readlink(s60, buffer, sizeof(buffer)))), at60);
    EXPECT_EQ(v().readlink(resolve(v(), "/"), buffer, sizeof(buffer)).error(), Error::BadArgument);
    // resolve() follows links inside the volume, relative and absolute.
    make_dir(v(), "/real");
    put_file(v(), "/real/file", "through links");
    EXT2_OK(v().symlink(root, Name("rel"), "real", 4));
    EXT2_OK(v().symlink(resolve(v(), "/real"), Name("abs"), "/real/file", 10));
    EXPECT_EQ(get_file(v(), "/rel/file"), "through links");
    EXPECT_EQ(get_file(v(), "/rel/abs"), "through links");
    EXPECT_EQ(EXT2_OK(v().resolve("/rel", false)), EXT2_OK(v().resolve("/rel", false)));
    EXPECT_NE(EXT2_OK(v().resolve("/rel", false)), resolve(v(), "/real"));
    EXT2_OK(v().symlink(root, Name("loop1"), "loop2", 5));
    EXT2_OK(v().symlink(root, Name("loop2"), "loop1", 5));
    EXPECT_EQ(v().resolve("/loop1").error(), ext2::kSymlinkLoop);
    check_image();
    EXPECT_EQ(stat_field(image, "/short", "Fast link dest"), "\"" + short_target + "\"");
    EXPECT_EQ(debugfs(image, "stat /slow60").find("Fast link dest"), std::string::npos);
    EXPECT_EQ(debugfs_cat(image, "/long"), long_target);
    EXPECT_EQ(debugfs_cat(image, "/slow60"), at60);
}

TEST_P(Ext2Names, PathsFollowChainsOfLinksUpToTheLimit) {
    uint32_t root = ext2::kRootInode;
    make_dir(v(), "/top");
    make_dir(v(), "/top/sub");
    put_file(v(), "/top/target", "found");
    uint32_t sub = resolve(v(), "/top/sub");
    EXT2_OK(v().symlink(sub, Name("up"), "../target", 9));
    EXT2_OK(v().symlink(sub, Name("updir"), "..", 2));
    EXPECT_EQ(get_file(v(), "/top/sub/up"), "found");
    EXPECT_EQ(get_file(v(), "/top/sub/updir/sub/updir/target"), "found");
    // link0 -> link1 -> ... -> link<n> -> /top/target
    auto chain = [&](int n) {
        for (int i = n; i >= 0; i--) {
            std::string name = "c" + std::to_string(n) + "-" + std::to_string(i);
            std::string to = i == n ? "/top/target" : "c" + std::to_string(n) + "-" + std::to_string(i + 1);
            EXT2_OK(v().symlink(root, Name(name.c_str()), to.data(), to.size()));
        }
        return "/c" + std::to_string(n) + "-0";
    };
    EXPECT_EQ(get_file(v(), chain(ext2::kMaxSymlinkHops - 1)), "found");
    EXPECT_EQ(v().resolve(chain(ext2::kMaxSymlinkHops).c_str()).error(), ext2::kSymlinkLoop);
    EXPECT_EQ(v().resolve("/top/sub/../../top/./target").value(), resolve(v(), "/top/target"));
    EXPECT_EQ(v().resolve(("/" + std::string(300, 'x')).c_str()).error(), Error::TooLong);
    check_image();
}

// ---- Rename --------------------------------------------------------------------------------

TEST_P(Ext2Names, RenameMovesFilesAndDirectoriesAndReplacesTargets) {
    uint32_t root = ext2::kRootInode;
    make_dir(v(), "/src");
    make_dir(v(), "/dst");
    make_dir(v(), "/src/sub");
    put_file(v(), "/src/sub/inner", "inner");
    uint32_t f = put_file(v(), "/src/f", "file f");
    put_file(v(), "/dst/victim", "to be replaced");
    uint32_t src = resolve(v(), "/src"), dst = resolve(v(), "/dst");
    uint32_t free_inodes = v().info().free_inodes;
    // A file over a file: the replaced inode is freed.
    EXT2_OK(v().rename(src, Name("f"), dst, Name("victim")));
    EXPECT_EQ(resolve(v(), "/dst/victim"), f);
    EXPECT_EQ(v().lookup(src, Name("f")).error(), Error::NotFound);
    EXPECT_EQ(v().info().free_inodes, free_inodes + 1);
    // Within one directory.
    EXT2_OK(v().rename(dst, Name("victim"), dst, Name("renamed")));
    EXPECT_EQ(get_file(v(), "/dst/renamed"), "file f");
    // A directory to another parent: ".." and both parents' links follow.
    EXT2_OK(v().rename(src, Name("sub"), dst, Name("moved")));
    EXPECT_EQ(resolve(v(), "/dst/moved/.."), dst);
    EXPECT_EQ(stat("/src").links, 2);
    EXPECT_EQ(stat("/dst").links, 3);
    EXPECT_EQ(get_file(v(), "/dst/moved/inner"), "inner");
    // A directory over an empty directory; not over a non-empty one or a file.
    make_dir(v(), "/src/empty");
    make_dir(v(), "/src/full");
    put_file(v(), "/src/full/x", "x");
    EXPECT_EQ(v().rename(dst, Name("moved"), src, Name("full")).error(), Error::NotEmpty);
    EXPECT_EQ(v().rename(dst, Name("moved"), dst, Name("renamed")).error(), Error::NotDirectory);
    EXPECT_EQ(v().rename(dst, Name("renamed"), src, Name("empty")).error(), Error::IsDirectory);
    EXT2_OK(v().rename(dst, Name("moved"), src, Name("empty")));
    EXPECT_EQ(get_file(v(), "/src/empty/inner"), "inner");
    EXPECT_EQ(stat("/src").links, 4);  // empty (now moved) and full
    EXPECT_EQ(stat("/dst").links, 2);
    // Never into itself or below itself.
    EXPECT_EQ(v().rename(root, Name("src"), resolve(v(), "/src/empty"), Name("x")).error(), Error::BadArgument);
    EXPECT_EQ(v().rename(root, Name("src"), src, Name("x")).error(), Error::BadArgument);
    EXPECT_EQ(v().rename(root, Name("missing"), root, Name("x")).error(), Error::NotFound);
    EXPECT_EQ(v().rename(root, Name("."), root, Name("x")).error(), Error::BadArgument);
    // Two names of one inode: nothing happens.
    EXT2_OK(v().link(root, Name("alias"), f));
    EXT2_OK(v().rename(root, Name("alias"), dst, Name("renamed")));
    EXPECT_EQ(stat("/alias").links, 2);
    check_image();
    EXPECT_EQ(debugfs_cat(image, "/src/empty/inner"), "inner");
    EXPECT_EQ(stat_field(image, "/src", "Links"), "4");
}

// ---- Times --------------------------------------------------------------------------------

TEST_P(Ext2Names, TimestampsComeFromTheClock) {
    m->clock.seconds = 1700000000;
    m->clock.nanoseconds = 5000;
    uint32_t ino = put_file(v(), "/timed", "abc");
    ext2::Stat st = EXT2_OK(v().stat(ino));
    EXPECT_EQ(st.mtime.seconds, 1700000000);
    EXPECT_EQ(st.ctime.seconds, 1700000000);
    EXPECT_EQ(st.mtime.nanoseconds, 5000u);
    uint32_t root_mtime_before = static_cast<uint32_t>(EXT2_OK(v().stat(ext2::kRootInode)).mtime.seconds);
    m->clock.seconds = 1700000100;
    EXT2_OK(v().write(ino, 3, "d", 1));
    st = EXT2_OK(v().stat(ino));
    EXPECT_EQ(st.mtime.seconds, 1700000100);
    EXPECT_EQ(st.atime.seconds, 1700000000);
    // relatime: a read after a change moves atime.
    m->clock.seconds = 1700000200;
    char c;
    EXT2_OK(v().read(ino, 0, &c, 1));
    EXPECT_EQ(EXT2_OK(v().stat(ino)).atime.seconds, 1700000200);
    // ...a second read soon after does not.
    m->clock.seconds = 1700000300;
    EXT2_OK(v().read(ino, 0, &c, 1));
    EXPECT_EQ(EXT2_OK(v().stat(ino)).atime.seconds, 1700000200);
    ext2::Timestamp set{1600000000, 7};
    EXT2_OK(v().set_times(ino, &set, &set));
    st = EXT2_OK(v().stat(ino));
    EXPECT_EQ(st.atime.seconds, 1600000000);
    EXPECT_EQ(st.mtime.seconds, 1600000000);
    EXPECT_EQ(st.ctime.seconds, 1700000300);
    EXT2_OK(v().set_mode(ino, 0600));
    EXPECT_EQ(EXT2_OK(v().stat(ino)).mode, ext2::kModeRegular | 0600);
    EXPECT_GE(EXT2_OK(v().stat(ext2::kRootInode)).mtime.seconds, root_mtime_before);
    check_image();
    EXPECT_EQ(stat_field(image, "/timed", "mtime").substr(0, 19), "0x5f5e1000:0000001c");
}

// ---- Deleting and running out ---------------------------------------------------------------

TEST_P(Ext2Names, DeletingEverythingGivesBackEveryBlockAndInode) {
    ext2::VolumeInfo empty = v().info();
    make_dir(v(), "/tree");
    for (int i = 0; i < 20; i++) {
        std::string d = "/tree/d" + std::to_string(i);
        make_dir(v(), d);
        for (int j = 0; j < 5; j++) put_file(v(), d + "/f" + std::to_string(j), pattern(i * 3000 + j * 777, i * 10 + j));
    }
    EXT2_OK(v().symlink(resolve(v(), "/tree"), Name("link"), std::string(300, 's').c_str(), 300));
    EXPECT_LT(v().info().free_blocks, empty.free_blocks);
    // Remove it all again.
    for (int i = 0; i < 20; i++) {
        std::string d = "/tree/d" + std::to_string(i);
        for (int j = 0; j < 5; j++) EXT2_OK(v().unlink(resolve(v(), d), Name(("f" + std::to_string(j)).c_str())));
        EXT2_OK(v().rmdir(resolve(v(), "/tree"), Name(("d" + std::to_string(i)).c_str())));
    }
    EXT2_OK(v().unlink(resolve(v(), "/tree"), Name("link")));
    uint32_t tree_blocks = EXT2_OK(v().stat(resolve(v(), "/tree"))).sectors / (GetParam() / 512);
    EXT2_OK(v().rmdir(ext2::kRootInode, Name("tree")));
    EXPECT_EQ(v().info().free_inodes, empty.free_inodes);
    EXPECT_EQ(v().info().free_blocks, empty.free_blocks) << "the directory had " << tree_blocks << " blocks";
    check_image();
}

TEST_P(Ext2Names, FillingTheDiskIsNoSpaceAndDeletingMakesRoomAgain) {
    ext2::VolumeInfo empty = v().info();
    std::string chunk = pattern(64 * 1024, 3);
    int files = 0;
    ErrorOr<size_t> last = size_t{0};
    for (; files < 1000; files++) {
        uint32_t ino = put_file(v(), "/fill" + std::to_string(files), "");
        uint64_t offset = 0;
        do {
            last = v().write(ino, offset, chunk.data(), chunk.size());
            if (!last.is_error()) offset += last.value();
        } while (!last.is_error() && last.value() == chunk.size() && offset < (4u << 20));
        if (last.is_error() || last.value() < chunk.size()) break;
    }
    // The writes stop at the superuser's reserve.
    EXPECT_TRUE(!last.is_error() || last.error() == ext2::kNoSpace);
    uint32_t probe = put_file(v(), "/probe", "");
    EXPECT_EQ(v().write(probe, 0, "x", 1).error(), ext2::kNoSpace);
    EXPECT_EQ(v().info().available_blocks, 0u);
    check_image();
    m = mount_file(image);
    for (int i = 0; i <= files; i++) EXT2_OK(v().unlink(ext2::kRootInode, Name(("fill" + std::to_string(i)).c_str())));
    EXPECT_EQ(EXT2_OK(v().write(probe, 0, "x", 1)), 1u);
    EXT2_OK(v().unlink(ext2::kRootInode, Name("probe")));
    EXPECT_EQ(v().info().free_blocks, empty.free_blocks);
    check_image();
}

TEST_P(Ext2Names, RunningOutOfInodesIsNoSpaceAndDeletingMakesRoomAgain) {
    ext2::VolumeInfo empty = v().info();
    uint32_t d = make_dir(v(), "/lots");
    uint32_t made = 0;
    ErrorOr<uint32_t> last = 0u;
    while (!(last = v().create(d, Name(("f" + std::to_string(made)).c_str()), 0644)).is_error()) made++;
    EXPECT_EQ(last.error(), ext2::kNoSpace);
    EXPECT_EQ(v().info().free_inodes, 0u);
    EXPECT_EQ(made, empty.free_inodes - 1);  // the directory took one
    check_image();
    m = mount_file(image);
    d = resolve(v(), "/lots");
    for (uint32_t i = 0; i < made; i++) EXT2_OK(v().unlink(d, Name(("f" + std::to_string(i)).c_str())));
    EXT2_OK(v().create(d, Name("again"), 0644));
    check_image();
}

// ---- Open files ------------------------------------------------------------------------------

TEST_P(Ext2Names, AnUnlinkedFileStaysReadableUntilItsLastRelease) {
    ext2::VolumeInfo empty = v().info();
    uint32_t ino = put_file(v(), "/open", pattern(10000, 4));
    EXT2_OK(v().retain(ino));
    EXT2_OK(v().retain(ino));
    EXT2_OK(v().unlink(ext2::kRootInode, Name("open")));
    std::string back(10000, '\0');
    EXPECT_EQ(EXT2_OK(v().read(ino, 0, back.data(), back.size())), 10000u);
    EXPECT_SAME_BYTES(back, pattern(10000, 4));
    EXPECT_EQ(EXT2_OK(v().write(ino, 10000, "more", 4)), 4u);
    EXT2_OK(v().release(ino));
    EXPECT_LT(v().info().free_blocks, empty.free_blocks);
    EXT2_OK(v().release(ino));
    EXPECT_EQ(v().info().free_blocks, empty.free_blocks);
    EXPECT_EQ(v().info().free_inodes, empty.free_inodes);
    EXPECT_EQ(v().release(ino).error(), Error::BadArgument);
    // Unmount frees one still open.
    uint32_t other = put_file(v(), "/other", pattern(3000, 5));
    EXT2_OK(v().retain(other));
    EXT2_OK(v().unlink(ext2::kRootInode, Name("other")));
    check_image();
}

// ---- htree ---------------------------------------------------------------------------------

// A directory the tools indexed (mke2fs -d, then e2fsck -D builds the htree):
// the library reads every name, and after it adds and removes names e2fsck
// accepts the directory (its index flag is cleared, as Linux's ext2 does).
TEST_P(Ext2Names, AnHtreeDirectoryBuiltByTheToolsIsReadAndStaysValidWhenChanged) {
    m.reset();
    std::string staged = dir + "/staged";
    run("mkdir -p " + quote(staged + "/big"));
    std::vector<std::string> names;
    for (int i = 0; i < 3000; i++) names.push_back("entry-with-a-longish-name-" + std::to_string(i));
    for (const auto& name : names) write_file(staged + "/big/" + name, name);
    make_image_from(image, 16u << 20, GetParam(), staged, "-N 4096");
    RunResult indexed = run(tool("e2fsck") + " -fyD " + quote(image));
    ASSERT_LE(indexed.status, 1) << indexed.output;
    ASSERT_NE(debugfs(image, "htree /big").find("Root node dump"), std::string::npos) << "the tools built no htree";
    ASSERT_NE(stat_field(image, "/big", "Flags").find("0x1000"), std::string::npos);
    EXPECT_EQ(fsck_problems(image), "");

    // Reading does not change it.
    {
        auto ro = mount_file(image, 64);
        std::vector<std::string> sorted = names;
        std::sort(sorted.begin(), sorted.end());
        EXPECT_EQ(list_dir(ro->volume, "/big"), sorted);
        for (int i = 0; i < 3000; i += 97) EXPECT_EQ(get_file(ro->volume, "/big/" + names[i]), names[i]);
        EXT2_OK(ro->volume.unmount());
    }
    EXPECT_NE(stat_field(image, "/big", "Flags").find("0x1000"), std::string::npos);

    m = mount_file(image, 64);
    uint32_t big = resolve(v(), "/big");
    for (int i = 0; i < 3000; i += 5) EXT2_OK(v().unlink(big, Name(names[i].c_str())));
    for (int i = 0; i < 400; i++) EXT2_OK(v().create(big, Name(("added-" + std::to_string(i)).c_str()), 0644));
    std::set<std::string> expected;
    for (int i = 0; i < 3000; i++)
        if (i % 5) expected.insert(names[i]);
    for (int i = 0; i < 400; i++) expected.insert("added-" + std::to_string(i));
    EXPECT_EQ(list_dir(v(), "/big"), std::vector<std::string>(expected.begin(), expected.end()));
    EXPECT_EQ(EXT2_OK(v().stat(big)).flags & ext2::kFlagIndex, 0u);
    check_image();
    EXPECT_EQ(debugfs_cat(image, "/big/" + names[1]), names[1]);
    EXPECT_EQ(debugfs_names(image, "/big"), std::vector<std::string>(expected.begin(), expected.end()));
    // The tools can index it again, and the result is still clean.
    RunResult again = run(tool("e2fsck") + " -fyD " + quote(image));
    EXPECT_LE(again.status, 1) << again.output;
    EXPECT_EQ(fsck_problems(image), "");
}

}  // namespace
