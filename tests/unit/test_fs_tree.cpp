// The fs server's in-memory tree: paths, files, directories, open/release.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "../../user/fs/tree.h"
#include "test_support.h"

using fs::DirEntry;
using fs::Time;
using fs::Kind;
using fs::Node;
using fs::Tree;
using rvos::Error;
using namespace rvos::proto;

namespace {

constexpr uint32_t kCreateWrite = kOpenRead | kOpenWrite | kOpenCreate;

class FsTreeTest : public ::testing::Test {
protected:
    // Opens `path`, failing the test (and returning nullptr) on an error.
    Node* open(const char* path, uint32_t flags) {
        auto result = tree.open(path, flags);
        EXPECT_FALSE(result.is_error()) << path << ": " << rvos::error_name(result.error());
        return result.is_error() ? nullptr : result.value();
    }
    Error open_error(const char* path, uint32_t flags) {
        auto result = tree.open(path, flags);
        if (!result.is_error()) tree.release(result.value());
        return result.error();
    }
    Error stat_error(const char* path) { return tree.stat(path).error(); }

    // Creates `path` holding `text` (closed again).
    void make_file(const char* path, const std::string& text) {
        Node* f = open(path, kCreateWrite);
        ASSERT_NE(f, nullptr);
        auto w = tree.write(f, 0, text.data(), text.size());
        ASSERT_FALSE(w.is_error());
        tree.release(f);
    }
    std::string read_all(Node* f) {
        std::string out(tree.size(f), '\0');
        auto r = tree.read(f, 0, out.data(), out.size());
        EXPECT_FALSE(r.is_error());
        out.resize(r.is_error() ? 0 : r.value());
        return out;
    }

    Tree tree;
};

// ---- Files ---------------------------------------------------------------------

TEST_F(FsTreeTest, CreateWriteThenReadBack) {
    Node* f = open("/tmp/hello", kCreateWrite);
    ASSERT_NE(f, nullptr);
    auto w = tree.write(f, 0, "hello, world", 12);
    ASSERT_FALSE(w.is_error());
    EXPECT_EQ(w.value(), 12u);
    EXPECT_EQ(tree.size(f), 12u);

    char buffer[32] = {};
    auto r = tree.read(f, 7, buffer, sizeof(buffer));
    ASSERT_FALSE(r.is_error());
    EXPECT_EQ(r.value(), 5u);
    EXPECT_EQ(std::string(buffer, 5), "world");
    tree.release(f);

    Node* again = open("/tmp/hello", kOpenRead);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(read_all(again), "hello, world");
    tree.release(again);
}

TEST_F(FsTreeTest, ReadAtOrPastEndReturnsZero) {
    make_file("/tmp/f", "abc");
    Node* f = open("/tmp/f", kOpenRead);
    ASSERT_NE(f, nullptr);
    char c;
    EXPECT_EQ(tree.read(f, 3, &c, 1).value(), 0u);
    EXPECT_EQ(tree.read(f, 1000, &c, 1).value(), 0u);
    tree.release(f);
}

TEST_F(FsTreeTest, WriteAtOffsetPastEndZeroFillsTheGap) {
    Node* f = open("/tmp/sparse", kCreateWrite);
    ASSERT_NE(f, nullptr);
    ASSERT_FALSE(tree.write(f, 0, "ab", 2).is_error());
    ASSERT_FALSE(tree.write(f, 100, "z", 1).is_error());
    EXPECT_EQ(tree.size(f), 101u);
    std::string data = read_all(f);
    ASSERT_EQ(data.size(), 101u);
    EXPECT_EQ(data.substr(0, 2), "ab");
    EXPECT_EQ(data.substr(2, 98), std::string(98, '\0'));
    EXPECT_EQ(data[100], 'z');
    tree.release(f);
}

TEST_F(FsTreeTest, AppendStyleWritesAtTheEndAccumulate) {
    Node* f = open("/tmp/log", kCreateWrite | kOpenAppend);
    ASSERT_NE(f, nullptr);
    std::string expected;
    for (int i = 0; i < 50; i++) {
        std::string line = "line " + std::to_string(i) + "\n";
        auto w = tree.write(f, tree.size(f), line.data(), line.size());
        ASSERT_FALSE(w.is_error());
        expected += line;
    }
    EXPECT_EQ(read_all(f), expected);
    tree.release(f);
}

TEST_F(FsTreeTest, OverwriteInTheMiddleKeepsTheSize) {
    make_file("/tmp/f", "abcdef");
    Node* f = open("/tmp/f", kOpenWrite);
    ASSERT_NE(f, nullptr);
    ASSERT_FALSE(tree.write(f, 2, "XY", 2).is_error());
    EXPECT_EQ(read_all(f), "abXYef");
    tree.release(f);
}

TEST_F(FsTreeTest, OpenWithTruncateEmptiesTheFile) {
    make_file("/tmp/f", "some content");
    Node* f = open("/tmp/f", kOpenWrite | kOpenTruncate);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(tree.size(f), 0u);
    ASSERT_FALSE(tree.write(f, 0, "new", 3).is_error());
    EXPECT_EQ(read_all(f), "new");
    tree.release(f);
}

TEST_F(FsTreeTest, OpenWithoutTruncateKeepsContent) {
    make_file("/tmp/f", "keep");
    Node* f = open("/tmp/f", kOpenWrite | kOpenCreate);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(read_all(f), "keep");
    tree.release(f);
}

TEST_F(FsTreeTest, ExclusiveCreateOfExistingPathIsAlreadyExists) {
    make_file("/tmp/f", "x");
    EXPECT_EQ(open_error("/tmp/f", kCreateWrite | kOpenExclusive), Error::AlreadyExists);
    EXPECT_EQ(open_error("/tmp", kOpenCreate | kOpenExclusive), Error::AlreadyExists);
    EXPECT_EQ(open_error("/tmp/new", kCreateWrite | kOpenExclusive), Error::None);
}

TEST_F(FsTreeTest, OpenMissingWithoutCreateIsNotFound) {
    EXPECT_EQ(open_error("/tmp/missing", kOpenRead), Error::NotFound);
    EXPECT_EQ(open_error("/tmp/missing", kOpenRead | kOpenWrite), Error::NotFound);
    EXPECT_EQ(open_error("/nodir/f", kCreateWrite), Error::NotFound);
}

TEST_F(FsTreeTest, OpenDirectoryForWriteIsIsDirectoryButReadOnlyWorks) {
    EXPECT_EQ(open_error("/tmp", kOpenWrite), Error::IsDirectory);
    EXPECT_EQ(open_error("/tmp", kOpenRead | kOpenTruncate), Error::IsDirectory);
    EXPECT_EQ(open_error("/", kCreateWrite), Error::IsDirectory);
    Node* dir = open("/tmp", kOpenRead);
    ASSERT_NE(dir, nullptr);
    EXPECT_EQ(tree.stat(dir).kind, Kind::Directory);
    char c;
    EXPECT_EQ(tree.read(dir, 0, &c, 1).error(), Error::IsDirectory);
    EXPECT_EQ(tree.write(dir, 0, "x", 1).error(), Error::IsDirectory);
    tree.release(dir);
}

TEST_F(FsTreeTest, UnknownOpenFlagsAreBadArgument) {
    EXPECT_EQ(open_error("/tmp/f", kCreateWrite | 0x1000), Error::BadArgument);
}

TEST_F(FsTreeTest, WritePastMaxFileSizeIsFileTooBig) {
    Node* f = open("/tmp/big", kCreateWrite);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(tree.write(f, rvos::kMaxFileSize, "x", 1).error(), Error::FileTooBig);
    EXPECT_EQ(tree.write(f, rvos::kMaxFileSize - 1, "xy", 2).error(), Error::FileTooBig);
    EXPECT_EQ(tree.write(f, UINT64_MAX, "x", 1).error(), Error::FileTooBig);
    EXPECT_EQ(tree.size(f), 0u);  // a refused write writes nothing
    auto last = tree.write(f, rvos::kMaxFileSize - 1, "x", 1);  // the last byte is fine
    ASSERT_FALSE(last.is_error());
    EXPECT_EQ(tree.size(f), rvos::kMaxFileSize);
    tree.release(f);
}

TEST_F(FsTreeTest, FourMiBWrittenIn52ByteChunksReadsBackIdentical) {
    constexpr size_t kSize = 4 * 1024 * 1024;
    std::vector<uint8_t> pattern(kSize);
    uint32_t x = 12345;
    for (auto& b : pattern) b = static_cast<uint8_t>((x = x * 1103515245 + 12345) >> 16);

    Node* f = open("/tmp/big", kCreateWrite);
    ASSERT_NE(f, nullptr);
    for (size_t off = 0; off < kSize; off += kFileChunk) {
        size_t n = std::min(kFileChunk, kSize - off);
        auto w = tree.write(f, off, pattern.data() + off, n);
        ASSERT_FALSE(w.is_error());
        ASSERT_EQ(w.value(), n);
    }
    EXPECT_EQ(tree.size(f), kSize);

    std::vector<uint8_t> back(kSize);
    for (size_t off = 0; off < kSize; off += kFileChunk) {
        auto r = tree.read(f, off, back.data() + off, kFileChunk);
        ASSERT_FALSE(r.is_error());
        ASSERT_EQ(r.value(), std::min(kFileChunk, kSize - off));
    }
    EXPECT_TRUE(back == pattern);
    tree.release(f);
}

// ---- Directories ---------------------------------------------------------------

TEST_F(FsTreeTest, MkdirCreatesNestedDirectories) {
    EXPECT_EQ(tree.mkdir("/a"), Error::None);
    EXPECT_EQ(tree.mkdir("/a/b"), Error::None);
    EXPECT_EQ(tree.mkdir("/a/b/c"), Error::None);
    auto s = tree.stat("/a/b/c");
    ASSERT_FALSE(s.is_error());
    EXPECT_EQ(s.value().kind, Kind::Directory);
    make_file("/a/b/c/f", "deep");
    EXPECT_EQ(tree.mkdir("/x/y"), Error::NotFound);  // no implicit parents
}

TEST_F(FsTreeTest, MkdirOfExistingPathIsAlreadyExists) {
    EXPECT_EQ(tree.mkdir("/tmp"), Error::AlreadyExists);
    EXPECT_EQ(tree.mkdir("/"), Error::AlreadyExists);
    make_file("/tmp/f", "");
    EXPECT_EQ(tree.mkdir("/tmp/f"), Error::AlreadyExists);
}

TEST_F(FsTreeTest, MkdirUnderAFileIsNotDirectory) {
    make_file("/tmp/f", "x");
    EXPECT_EQ(tree.mkdir("/tmp/f/d"), Error::NotDirectory);
    EXPECT_EQ(open_error("/tmp/f/g", kCreateWrite), Error::NotDirectory);
    EXPECT_EQ(stat_error("/tmp/f/"), Error::NotDirectory);
}

TEST_F(FsTreeTest, RemoveFileMakesItNotFound) {
    make_file("/tmp/f", "x");
    EXPECT_EQ(tree.remove("/tmp/f"), Error::None);
    EXPECT_EQ(stat_error("/tmp/f"), Error::NotFound);
    EXPECT_EQ(tree.remove("/tmp/f"), Error::NotFound);
}

TEST_F(FsTreeTest, RemoveEmptyDirectory) {
    ASSERT_EQ(tree.mkdir("/tmp/d"), Error::None);
    EXPECT_EQ(tree.remove("/tmp/d"), Error::None);
    EXPECT_EQ(stat_error("/tmp/d"), Error::NotFound);
}

TEST_F(FsTreeTest, RemoveNonEmptyDirectoryIsNotEmpty) {
    ASSERT_EQ(tree.mkdir("/tmp/d"), Error::None);
    make_file("/tmp/d/f", "x");
    EXPECT_EQ(tree.remove("/tmp/d"), Error::NotEmpty);
    EXPECT_EQ(tree.remove("/tmp/d/f"), Error::None);
    EXPECT_EQ(tree.remove("/tmp/d"), Error::None);
}

TEST_F(FsTreeTest, RemoveRootIsBadArgument) {
    EXPECT_EQ(tree.remove("/"), Error::BadArgument);
    EXPECT_EQ(tree.remove("//"), Error::BadArgument);
    EXPECT_EQ(tree.remove("/tmp/.."), Error::BadArgument);
}

TEST_F(FsTreeTest, StatOfFileAndDirectory) {
    make_file("/tmp/f", "12345");
    ASSERT_EQ(tree.mkdir("/tmp/d"), Error::None);
    auto file = tree.stat("/tmp/f");
    ASSERT_FALSE(file.is_error());
    EXPECT_EQ(file.value().kind, Kind::File);
    EXPECT_EQ(file.value().size, 5u);

    auto dir = tree.stat("/tmp");
    ASSERT_FALSE(dir.is_error());
    EXPECT_EQ(dir.value().kind, Kind::Directory);
    EXPECT_EQ(dir.value().size, 2u);  // entries

    auto root = tree.stat("/");
    ASSERT_FALSE(root.is_error());
    EXPECT_EQ(root.value().kind, Kind::Directory);
    EXPECT_EQ(root.value().size, 1u);  // just /tmp
}

TEST_F(FsTreeTest, EntryListsInNameOrderWithKindAndSize) {
    make_file("/tmp/zeta", "zz");
    ASSERT_EQ(tree.mkdir("/tmp/mid"), Error::None);
    make_file("/tmp/alpha", "a");
    make_file("/tmp/Beta", "bbbb");  // byte order: upper case first

    struct Expected {
        const char* name;
        Kind kind;
        uint64_t size;
    } expected[] = {
        {"Beta", Kind::File, 4}, {"alpha", Kind::File, 1}, {"mid", Kind::Directory, 0}, {"zeta", Kind::File, 2}};
    for (size_t i = 0; i < 4; i++) {
        auto e = tree.entry("/tmp", i);
        ASSERT_FALSE(e.is_error()) << i;
        EXPECT_STREQ(e.value().name, expected[i].name);
        EXPECT_EQ(e.value().kind, expected[i].kind);
        EXPECT_EQ(e.value().size, expected[i].size);
    }
    EXPECT_EQ(tree.entry("/tmp", 4).error(), Error::NotFound);
    EXPECT_EQ(tree.entry("/tmp/mid", 0).error(), Error::NotFound);
    EXPECT_EQ(tree.entry("/tmp/zeta", 0).error(), Error::NotDirectory);
    EXPECT_EQ(tree.entry("/nothing", 0).error(), Error::NotFound);
}

TEST_F(FsTreeTest, ManyEntriesStaySorted) {
    // Inserted in a scrambled order, enough to grow the child array repeatedly.
    for (int i = 0; i < 200; i++) {
        std::string path = "/tmp/f" + std::to_string((i * 37) % 200 + 1000);
        make_file(path.c_str(), "");
    }
    std::string previous;
    for (size_t i = 0; i < 200; i++) {
        auto e = tree.entry("/tmp", i);
        ASSERT_FALSE(e.is_error());
        EXPECT_LT(previous, e.value().name);
        previous = e.value().name;
    }
    EXPECT_EQ(tree.entry("/tmp", 200).error(), Error::NotFound);
}

// ---- Paths ---------------------------------------------------------------------

TEST_F(FsTreeTest, EmptyOrNullPathIsBadArgument) {
    EXPECT_EQ(stat_error(""), Error::BadArgument);
    EXPECT_EQ(stat_error(nullptr), Error::BadArgument);
    EXPECT_EQ(tree.mkdir(""), Error::BadArgument);
}

TEST_F(FsTreeTest, RelativePathIsBadArgument) {
    EXPECT_EQ(stat_error("tmp"), Error::BadArgument);
    EXPECT_EQ(open_error("tmp/f", kCreateWrite), Error::BadArgument);
    EXPECT_EQ(tree.remove("./tmp"), Error::BadArgument);
}

TEST_F(FsTreeTest, PathOfMaxLengthIsFineAndOneByteMoreIsTooLong) {
    // "/tmp/" and "./" components up to a 101-byte name: kMaxPathLength bytes.
    std::string dots;
    while (5 + dots.size() + 101 < rvos::kMaxPathLength) dots += "./";
    std::string ok = "/tmp/" + dots + std::string(rvos::kMaxPathLength - 5 - dots.size(), 'b');
    ASSERT_EQ(ok.size(), rvos::kMaxPathLength);
    EXPECT_EQ(open_error(ok.c_str(), kCreateWrite), Error::None);
    std::string too_long = ok + "c";
    EXPECT_EQ(open_error(too_long.c_str(), kCreateWrite), Error::TooLong);
    EXPECT_EQ(stat_error(too_long.c_str()), Error::TooLong);
}

TEST_F(FsTreeTest, ComponentOfMaxLengthIsFineAndOneByteMoreIsTooLong) {
    std::string ok = "/tmp/" + std::string(rvos::kMaxFileNameLength, 'n');
    EXPECT_EQ(tree.mkdir(ok.c_str()), Error::None);
    std::string too_long = "/tmp/" + std::string(rvos::kMaxFileNameLength + 1, 'n');
    EXPECT_EQ(tree.mkdir(too_long.c_str()), Error::TooLong);
    // A malformed component is reported even when an earlier one is missing.
    std::string later = "/no/" + std::string(rvos::kMaxFileNameLength + 1, 'n');
    EXPECT_EQ(stat_error(later.c_str()), Error::TooLong);
}

TEST_F(FsTreeTest, DotAndDotDotComponentsResolve) {
    Node* f = open("/tmp/../tmp/./a", kCreateWrite);
    ASSERT_NE(f, nullptr);
    tree.release(f);
    EXPECT_EQ(stat_error("/tmp/a"), Error::None);
    EXPECT_EQ(stat_error("/./tmp/../tmp/a"), Error::None);
    auto dir = tree.stat("/tmp/.");
    ASSERT_FALSE(dir.is_error());
    EXPECT_EQ(dir.value().kind, Kind::Directory);
    EXPECT_EQ(tree.mkdir("/tmp/.."), Error::AlreadyExists);  // that is the root
    EXPECT_EQ(stat_error("/tmp/a/.."), Error::NotDirectory);  // a is a file
}

TEST_F(FsTreeTest, DotDotAboveTheRootIsBadArgument) {
    EXPECT_EQ(stat_error("/.."), Error::BadArgument);
    EXPECT_EQ(stat_error("/tmp/../.."), Error::BadArgument);
    EXPECT_EQ(open_error("/../tmp/f", kCreateWrite), Error::BadArgument);
}

TEST_F(FsTreeTest, RepeatedSlashesAreAllowed) {
    make_file("//tmp///f", "x");
    EXPECT_EQ(stat_error("/tmp/f"), Error::None);
    EXPECT_EQ(stat_error("/tmp//f"), Error::None);
}

// ---- Open references and node accounting ----------------------------------------

TEST_F(FsTreeTest, RemovedButOpenFileStaysReadableUntilReleased) {
    size_t baseline = tree.node_count();
    make_file("/tmp/f", "still here");
    Node* f = open("/tmp/f", kOpenRead | kOpenWrite);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(tree.remove("/tmp/f"), Error::None);
    EXPECT_EQ(stat_error("/tmp/f"), Error::NotFound);
    EXPECT_EQ(tree.node_count(), baseline + 1);  // still alive

    EXPECT_EQ(read_all(f), "still here");
    ASSERT_FALSE(tree.write(f, 10, "!", 1).is_error());
    EXPECT_EQ(read_all(f), "still here!");

    // A new file under the same name is a different node.
    make_file("/tmp/f", "new");
    EXPECT_EQ(read_all(f), "still here!");
    EXPECT_EQ(tree.remove("/tmp/f"), Error::None);

    tree.release(f);
    EXPECT_EQ(tree.node_count(), baseline);
}

TEST_F(FsTreeTest, RemovedFileOpenTwiceIsFreedAtTheLastRelease) {
    size_t baseline = tree.node_count();
    make_file("/tmp/f", "x");
    Node* a = open("/tmp/f", kOpenRead);
    Node* b = open("/tmp/f", kOpenRead);
    ASSERT_EQ(a, b);
    ASSERT_EQ(tree.remove("/tmp/f"), Error::None);
    tree.release(a);
    EXPECT_EQ(tree.node_count(), baseline + 1);
    EXPECT_EQ(read_all(b), "x");
    tree.release(b);
    EXPECT_EQ(tree.node_count(), baseline);
}

TEST_F(FsTreeTest, DestroyingTheTreeFreesNodesStillOpen) {
    // ASan's leak check fails this test if the destructor misses any of them.
    auto* t = new Tree;
    auto open_node = t->open("/tmp/open", kCreateWrite);
    ASSERT_FALSE(open_node.is_error());
    ASSERT_FALSE(t->write(open_node.value(), 0, "data", 4).is_error());
    auto orphan = t->open("/tmp/orphan", kCreateWrite);
    ASSERT_FALSE(orphan.is_error());
    ASSERT_EQ(t->remove("/tmp/orphan"), Error::None);
    ASSERT_EQ(t->mkdir("/tmp/d"), Error::None);
    delete t;
}

TEST_F(FsTreeTest, NodeCountReturnsToBaselineAfter1000CreateDeleteCycles) {
    size_t baseline = tree.node_count();
    EXPECT_EQ(baseline, 2u);  // the root and /tmp
    for (int i = 0; i < 1000; i++) {
        std::string dir = "/tmp/d" + std::to_string(i % 7);
        std::string file = dir + "/f" + std::to_string(i);
        ASSERT_EQ(tree.mkdir(dir.c_str()), Error::None);
        Node* f = open(file.c_str(), kCreateWrite | kOpenExclusive);
        ASSERT_NE(f, nullptr);
        ASSERT_FALSE(tree.write(f, 0, file.data(), file.size()).is_error());
        EXPECT_EQ(tree.node_count(), baseline + 2);
        tree.release(f);
        ASSERT_EQ(tree.remove(file.c_str()), Error::None);
        ASSERT_EQ(tree.remove(dir.c_str()), Error::None);
        ASSERT_EQ(tree.node_count(), baseline);
    }
}


// ---- Rename ---------------------------------------------------------------------

// The names in a directory, in order.
std::vector<std::string> names(Tree& tree, const char* dir) {
    std::vector<std::string> out;
    for (size_t i = 0;; i++) {
        auto e = tree.entry(dir, i);
        if (e.is_error()) break;
        out.push_back(e.value().name);
    }
    return out;
}
using Names = std::vector<std::string>;

TEST_F(FsTreeTest, RenameMovesAFileAndKeepsItsBytes) {
    make_file("/tmp/a", "alpha");
    ASSERT_EQ(tree.mkdir("/d"), Error::None);
    EXPECT_EQ(tree.rename("/tmp/a", "/d/b"), Error::None);
    EXPECT_EQ(stat_error("/tmp/a"), Error::NotFound);
    Node* f = open("/d/b", kOpenRead);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(read_all(f), "alpha");
    tree.release(f);
    EXPECT_EQ(names(tree, "/d"), Names{"b"});
}

TEST_F(FsTreeTest, RenameWithinADirectoryKeepsTheEntriesSorted) {
    for (const char* n : {"/tmp/b", "/tmp/d", "/tmp/f"}) make_file(n, n);
    EXPECT_EQ(tree.rename("/tmp/f", "/tmp/a"), Error::None);
    EXPECT_EQ(names(tree, "/tmp"), (Names{"a", "b", "d"}));
    EXPECT_EQ(tree.rename("/tmp/a", "/tmp/c"), Error::None);
    EXPECT_EQ(names(tree, "/tmp"), (Names{"b", "c", "d"}));
}

TEST_F(FsTreeTest, RenameOverAFileReplacesIt) {
    size_t baseline = tree.node_count();
    make_file("/tmp/new", "new");
    make_file("/tmp/old", "old");
    EXPECT_EQ(tree.rename("/tmp/new", "/tmp/old"), Error::None);
    Node* f = open("/tmp/old", kOpenRead);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(read_all(f), "new");
    tree.release(f);
    EXPECT_EQ(names(tree, "/tmp"), Names{"old"});
    EXPECT_EQ(tree.node_count(), baseline + 1);
}

TEST_F(FsTreeTest, ReplacedFileStillOpenStaysReadableUntilReleased) {
    size_t baseline = tree.node_count();
    make_file("/tmp/old", "old bytes");
    make_file("/tmp/new", "new");
    Node* held = open("/tmp/old", kOpenRead);
    ASSERT_NE(held, nullptr);
    EXPECT_EQ(tree.rename("/tmp/new", "/tmp/old"), Error::None);
    EXPECT_EQ(read_all(held), "old bytes");
    EXPECT_EQ(tree.node_count(), baseline + 2);
    tree.release(held);
    EXPECT_EQ(tree.node_count(), baseline + 1);
}

TEST_F(FsTreeTest, OpenFileFollowsItsRename) {
    make_file("/tmp/a", "x");
    Node* f = open("/tmp/a", kOpenRead | kOpenWrite);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(tree.rename("/tmp/a", "/tmp/b"), Error::None);
    ASSERT_FALSE(tree.write(f, 1, "y", 1).is_error());
    tree.release(f);
    Node* g = open("/tmp/b", kOpenRead);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(read_all(g), "xy");
    tree.release(g);
}

TEST_F(FsTreeTest, RenameMovesAWholeDirectory) {
    ASSERT_EQ(tree.mkdir("/a"), Error::None);
    ASSERT_EQ(tree.mkdir("/a/b"), Error::None);
    make_file("/a/b/f", "deep");
    EXPECT_EQ(tree.rename("/a", "/tmp/z"), Error::None);
    EXPECT_EQ(stat_error("/a"), Error::NotFound);
    Node* f = open("/tmp/z/b/f", kOpenRead);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(read_all(f), "deep");
    tree.release(f);
}

TEST_F(FsTreeTest, RenameOfADirectoryOntoAnEmptyDirectoryReplacesIt) {
    ASSERT_EQ(tree.mkdir("/a"), Error::None);
    make_file("/a/f", "x");
    ASSERT_EQ(tree.mkdir("/b"), Error::None);
    EXPECT_EQ(tree.rename("/a", "/b"), Error::None);
    EXPECT_EQ(names(tree, "/b"), Names{"f"});
    EXPECT_EQ(stat_error("/a"), Error::NotFound);
}

TEST_F(FsTreeTest, RenameRefusesKindMismatchesAndFullDirectories) {
    ASSERT_EQ(tree.mkdir("/a"), Error::None);
    ASSERT_EQ(tree.mkdir("/full"), Error::None);
    make_file("/full/x", "x");
    make_file("/f", "f");
    EXPECT_EQ(tree.rename("/a", "/full"), Error::NotEmpty);
    EXPECT_EQ(tree.rename("/a", "/f"), Error::NotDirectory);
    EXPECT_EQ(tree.rename("/f", "/a"), Error::IsDirectory);
    EXPECT_EQ(tree.rename("/f", "/new/"), Error::NotDirectory);
    EXPECT_EQ(tree.rename("/missing", "/b"), Error::NotFound);
    EXPECT_EQ(tree.rename("/f", "/missing/b"), Error::NotFound);
    EXPECT_EQ(tree.rename("/f", "/f/b"), Error::NotDirectory);
    // Nothing moved.
    EXPECT_EQ(names(tree, "/"), (Names{"a", "f", "full", "tmp"}));
    EXPECT_EQ(names(tree, "/full"), Names{"x"});
}

TEST_F(FsTreeTest, ADirectoryCannotMoveIntoItself) {
    ASSERT_EQ(tree.mkdir("/a"), Error::None);
    ASSERT_EQ(tree.mkdir("/a/b"), Error::None);
    EXPECT_EQ(tree.rename("/a", "/a/c"), Error::BadArgument);
    EXPECT_EQ(tree.rename("/a", "/a/b/c"), Error::BadArgument);
    EXPECT_EQ(tree.rename("/a/b/..", "/a/b/x"), Error::BadArgument);
    EXPECT_EQ(names(tree, "/a"), Names{"b"});
}

TEST_F(FsTreeTest, RenameOfTheRootOrOntoItIsBadArgument) {
    make_file("/f", "f");
    EXPECT_EQ(tree.rename("/", "/tmp/r"), Error::BadArgument);
    EXPECT_EQ(tree.rename("/f", "/"), Error::BadArgument);
    EXPECT_EQ(tree.rename("/tmp", "/"), Error::BadArgument);
}

TEST_F(FsTreeTest, RenameOntoItselfChangesNothing) {
    size_t baseline = tree.node_count();
    make_file("/tmp/a", "same");
    EXPECT_EQ(tree.rename("/tmp/a", "/tmp/a"), Error::None);
    EXPECT_EQ(tree.rename("/tmp/a", "/tmp/./a"), Error::None);
    EXPECT_EQ(names(tree, "/tmp"), Names{"a"});
    EXPECT_EQ(tree.node_count(), baseline + 1);
}

TEST_F(FsTreeTest, RenameChecksBothPaths) {
    make_file("/tmp/a", "a");
    EXPECT_EQ(tree.rename("tmp/a", "/tmp/b"), Error::BadArgument);
    EXPECT_EQ(tree.rename("/tmp/a", "b"), Error::BadArgument);
    std::string long_name = "/tmp/" + std::string(rvos::kMaxFileNameLength + 1, 'n');
    EXPECT_EQ(tree.rename("/tmp/a", long_name.c_str()), Error::TooLong);
    EXPECT_EQ(names(tree, "/tmp"), Names{"a"});
}

// ---- Links, symbolic links, times and modes ----------------------------------------

TEST_F(FsTreeTest, AHardLinkIsAnotherNameForTheSameData) {
    make_file("/tmp/a", "shared");
    ASSERT_EQ(tree.mkdir("/tmp/d"), Error::None);
    ASSERT_EQ(tree.link("/tmp/a", "/tmp/d/b"), Error::None);
    auto a = tree.attributes("/tmp/a", true);
    auto b = tree.attributes("/tmp/d/b", true);
    ASSERT_FALSE(a.is_error() || b.is_error());
    EXPECT_EQ(a.value().inode, b.value().inode);
    EXPECT_EQ(a.value().links, 2u);
    Node* f = open("/tmp/d/b", kOpenWrite);
    ASSERT_NE(f, nullptr);
    ASSERT_FALSE(tree.write(f, 0, "SH", 2).is_error());
    tree.release(f);
    Node* g = open("/tmp/a", kOpenRead);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(read_all(g), "SHared");
    tree.release(g);
    // The data lives until its last name goes.
    size_t nodes = tree.node_count();
    EXPECT_EQ(tree.remove("/tmp/a"), Error::None);
    EXPECT_EQ(tree.attributes("/tmp/d/b", true).value().links, 1u);
    EXPECT_EQ(tree.node_count(), nodes);
    EXPECT_EQ(tree.remove("/tmp/d/b"), Error::None);
    EXPECT_EQ(tree.node_count(), nodes - 1);
    EXPECT_EQ(tree.store().pages_in_use(), 0u);
}

TEST_F(FsTreeTest, LinkRefusesDirectoriesExistingNamesAndMissingSources) {
    make_file("/tmp/a", "a");
    EXPECT_EQ(tree.link("/tmp", "/tmp/t2"), Error::AccessDenied);
    EXPECT_EQ(tree.link("/tmp/a", "/tmp/a"), Error::AlreadyExists);
    EXPECT_EQ(tree.link("/tmp/none", "/tmp/b"), Error::NotFound);
    EXPECT_EQ(tree.link("/tmp/a", "/tmp/none/b"), Error::NotFound);
    EXPECT_EQ(names(tree, "/tmp"), Names{"a"});
}

TEST_F(FsTreeTest, RenameOntoAnotherNameOfTheSameFileChangesNothing) {
    make_file("/tmp/a", "a");
    ASSERT_EQ(tree.link("/tmp/a", "/tmp/b"), Error::None);
    EXPECT_EQ(tree.rename("/tmp/a", "/tmp/b"), Error::None);
    EXPECT_EQ(names(tree, "/tmp"), (Names{"a", "b"}));
    // Renaming another file over one name leaves the data under the other.
    make_file("/tmp/c", "c");
    EXPECT_EQ(tree.rename("/tmp/c", "/tmp/a"), Error::None);
    Node* b = open("/tmp/b", kOpenRead);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(read_all(b), "a");
    tree.release(b);
}

TEST_F(FsTreeTest, ALinkedFileRemovedWhileOpenIsFreedAtItsLastRelease) {
    make_file("/tmp/a", "data");
    ASSERT_EQ(tree.link("/tmp/a", "/tmp/b"), Error::None);
    size_t nodes = tree.node_count();
    Node* f = open("/tmp/a", kOpenRead);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(tree.remove("/tmp/a"), Error::None);
    EXPECT_EQ(tree.remove("/tmp/b"), Error::None);
    EXPECT_EQ(read_all(f), "data");
    EXPECT_EQ(tree.node_count(), nodes);
    tree.release(f);
    EXPECT_EQ(tree.node_count(), nodes - 1);
}

TEST_F(FsTreeTest, SymbolicLinksAreFollowedInPathsButNotWhenRemovedOrRead) {
    make_file("/tmp/f", "target data");
    ASSERT_EQ(tree.mkdir("/tmp/d"), Error::None);
    ASSERT_EQ(tree.symlink("../f", "/tmp/d/rel"), Error::None);
    ASSERT_EQ(tree.symlink("/tmp/d", "/tmp/abs"), Error::None);
    Node* f = open("/tmp/abs/rel", kOpenRead);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(read_all(f), "target data");
    tree.release(f);
    EXPECT_EQ(tree.attributes("/tmp/abs", false).value().kind, Kind::Symlink);
    EXPECT_EQ(tree.attributes("/tmp/abs", true).value().kind, Kind::Directory);
    EXPECT_EQ(tree.attributes("/tmp/abs", false).value().size, 6u);
    EXPECT_EQ(std::string(tree.read_link("/tmp/d/rel").value()), "../f");
    EXPECT_EQ(tree.read_link("/tmp/f").error(), Error::BadArgument);
    EXPECT_EQ(tree.remove("/tmp/abs"), Error::None);  // the link, not the directory
    EXPECT_EQ(names(tree, "/tmp"), (Names{"d", "f"}));
    EXPECT_EQ(names(tree, "/tmp/d"), Names{"rel"});
}

TEST_F(FsTreeTest, SymbolicLinkLoopsAndBadTargetsAreErrors) {
    ASSERT_EQ(tree.symlink("/tmp/b", "/tmp/a"), Error::None);
    ASSERT_EQ(tree.symlink("/tmp/a", "/tmp/b"), Error::None);
    EXPECT_EQ(tree.stat("/tmp/a").error(), Error::Overflow);
    EXPECT_EQ(tree.open("/tmp/a/x", kOpenRead).error(), Error::Overflow);
    EXPECT_EQ(tree.symlink("", "/tmp/c"), Error::BadArgument);
    EXPECT_EQ(tree.symlink("x", "/tmp/a"), Error::AlreadyExists);
    // A component past the name limit in a target is TooLong, never a copy past the name buffer.
    std::string long_target = "/tmp/" + std::string(rvos::kMaxFileNameLength + 5, 'n');
    ASSERT_EQ(tree.symlink(long_target.c_str(), "/tmp/long"), Error::None);
    EXPECT_EQ(tree.stat("/tmp/long").error(), Error::TooLong);
}

TEST_F(FsTreeTest, CreatingThroughADanglingLinkMakesItsTarget) {
    ASSERT_EQ(tree.symlink("made", "/tmp/link"), Error::None);
    Node* f = open("/tmp/link", kCreateWrite);
    ASSERT_NE(f, nullptr);
    tree.release(f);
    EXPECT_EQ(names(tree, "/tmp"), (Names{"link", "made"}));
}

TEST_F(FsTreeTest, TimesComeFromTheClockAndFollowChanges) {
    struct timespec before {};
    clock_gettime(CLOCK_REALTIME, &before);
    make_file("/tmp/a", "x");
    auto a = tree.attributes("/tmp/a", true).value();
    EXPECT_GE(a.modified.seconds, before.tv_sec);
    EXPECT_LE(a.modified.seconds, before.tv_sec + 5);
    Time old{1000, 5};
    EXPECT_EQ(tree.set_times("/tmp/a", &old, nullptr), Error::None);
    a = tree.attributes("/tmp/a", true).value();
    EXPECT_EQ(a.accessed.seconds, 1000);
    EXPECT_EQ(a.accessed.nanoseconds, 5u);
    EXPECT_GE(a.modified.seconds, before.tv_sec);
    EXPECT_EQ(tree.set_times("/tmp/a", nullptr, &old), Error::None);
    EXPECT_EQ(tree.attributes("/tmp/a", true).value().modified.seconds, 1000);
    // A write makes the modification time now again; so does a new entry for its directory.
    Node* f = open("/tmp/a", kOpenWrite);
    ASSERT_NE(f, nullptr);
    ASSERT_FALSE(tree.write(f, 1, "y", 1).is_error());
    tree.release(f);
    EXPECT_GE(tree.attributes("/tmp/a", true).value().modified.seconds, before.tv_sec);
    ASSERT_EQ(tree.set_times("/tmp", nullptr, &old), Error::None);
    make_file("/tmp/b", "b");
    EXPECT_GE(tree.attributes("/tmp", true).value().modified.seconds, before.tv_sec);
    EXPECT_EQ(tree.set_times("/tmp/none", &old, &old), Error::NotFound);
}

TEST_F(FsTreeTest, ModesAreKeptAndInodesAreDistinct) {
    make_file("/tmp/a", "x");
    make_file("/tmp/b", "y");
    EXPECT_EQ(tree.attributes("/tmp/a", true).value().mode, 0644u);
    EXPECT_EQ(tree.attributes("/tmp", true).value().mode, 0755u);
    EXPECT_EQ(tree.set_mode("/tmp/a", 0600), Error::None);
    EXPECT_EQ(tree.attributes("/tmp/a", true).value().mode, 0600u);
    EXPECT_NE(tree.attributes("/tmp/a", true).value().inode, tree.attributes("/tmp/b", true).value().inode);
}

}  // namespace
