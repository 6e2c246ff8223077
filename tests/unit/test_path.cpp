// base::path_join and base::path_normalize: relative paths against the
// working directory, and the canonical form getcwd reports.
#include <gtest/gtest.h>

#include <string>

#include "base/path.h"

namespace {

std::string join(const char* directory, const char* path, size_t size = 256) {
    char out[256];
    if (!base::path_join(directory, path, out, size)) return "<too long>";
    return out;
}

std::string normal(std::string path) {
    base::path_normalize(path.data());
    return path.c_str();
}

TEST(PathJoin, AbsolutePathsStayAsTheyAre) {
    EXPECT_EQ(join("/tmp", "/a/b"), "/a/b");
    EXPECT_EQ(join("/tmp", "/"), "/");
}

TEST(PathJoin, RelativePathsGoUnderTheDirectory) {
    EXPECT_EQ(join("/tmp", "x.txt"), "/tmp/x.txt");
    EXPECT_EQ(join("/", "x.txt"), "/x.txt");
    EXPECT_EQ(join("/a/b/", "c"), "/a/b/c");
    EXPECT_EQ(join("/a", "../c"), "/a/../c");  // the server resolves ".."
    EXPECT_EQ(join("/a", ""), "/a/");
}

TEST(PathJoin, RefusesWhatDoesNotFit) {
    EXPECT_EQ(join("/tmp", "abc", 9), "/tmp/abc");
    EXPECT_EQ(join("/tmp", "abcd", 9), "<too long>");
    EXPECT_EQ(join("/tmp", "/abcdefgh", 9), "<too long>");
    EXPECT_EQ(join("/tmp", "/abcdefg", 9), "/abcdefg");
}

TEST(PathNormalize, DropsDotsAndRepeatedSlashes) {
    EXPECT_EQ(normal("/"), "/");
    EXPECT_EQ(normal("//"), "/");
    EXPECT_EQ(normal("/a//b/"), "/a/b");
    EXPECT_EQ(normal("/a/./b/."), "/a/b");
    EXPECT_EQ(normal("/./"), "/");
}

TEST(PathNormalize, DotDotGoesToTheParentAndStopsAtTheRoot) {
    EXPECT_EQ(normal("/a/b/.."), "/a");
    EXPECT_EQ(normal("/a/b/../.."), "/");
    EXPECT_EQ(normal("/a/../../.."), "/");
    EXPECT_EQ(normal("/.."), "/");
    EXPECT_EQ(normal("/a/b/../c/./d/.."), "/a/c");
    EXPECT_EQ(normal("/tmp/../tmp/x"), "/tmp/x");
    EXPECT_EQ(normal("/ab/../cd"), "/cd");
    EXPECT_EQ(normal("/..a/b.."), "/..a/b..");  // only whole components are special
}

}  // namespace
