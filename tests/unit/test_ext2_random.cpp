// Random operations on an ext2 volume and on a model of it (maps of paths to
// bytes, directories and link targets), compared often: the library must
// give the model's answer to every call, the whole tree must match after a
// remount, e2fsck -fn must find nothing, and debugfs must read the same
// bytes. RVOS_RANDOM_SEED=N reruns one seed; RVOS_RANDOM_SCALE=K runs K
// times the operations (make unit-ext2-long).
#include <gtest/gtest.h>

#include <algorithm>
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

// The model: every path names a directory, a file object (hard links share
// one) or a symlink target.
struct Model {
    std::set<std::string> dirs{"/", "/lost+found"};  // as mke2fs leaves it
    std::map<std::string, int> files;  // path -> object
    std::map<int, std::string> objects;
    std::map<std::string, std::string> links;
    int next_object = 1;

    bool exists(const std::string& p) const { return dirs.count(p) || files.count(p) || links.count(p); }
    int link_count(int object) const {
        int n = 0;
        for (auto& [path, o] : files) n += o == object;
        return n;
    }
    std::vector<std::string> children(const std::string& dir) const {
        std::vector<std::string> out;
        auto add = [&](const std::string& p) {
            if (p != "/" && parent(p) == dir) out.push_back(p);
        };
        for (auto& d : dirs) add(d);
        for (auto& [p, o] : files) add(p);
        for (auto& [p, t] : links) add(p);
        return out;
    }
    static std::string parent(const std::string& p) {
        size_t slash = p.rfind('/');
        return slash == 0 ? "/" : p.substr(0, slash);
    }
    static std::string join(const std::string& dir, const std::string& name) {
        return dir == "/" ? "/" + name : dir + "/" + name;
    }
    // Moves everything at or below `from` to `to`.
    void move(const std::string& from, const std::string& to) {
        auto rebase = [&](const std::string& p) -> std::string {
            if (p == from) return to;
            if (p.rfind(from + "/", 0) == 0) return to + p.substr(from.size());
            return p;
        };
        std::set<std::string> d;
        for (auto& p : dirs) d.insert(rebase(p));
        dirs = d;
        std::map<std::string, int> f;
        for (auto& [p, o] : files) f[rebase(p)] = o;
        files = f;
        std::map<std::string, std::string> l;
        for (auto& [p, t] : links) l[rebase(p)] = t;
        links = l;
    }
};

class Ext2Random : public ::testing::TestWithParam<uint32_t> {
protected:
    void run_seed(uint64_t seed, size_t operations);

    std::string image;
    std::unique_ptr<Mount> m;
    Model model;
    Rng* rng = nullptr;

    ext2::Volume& v() { return m->volume; }
    uint32_t bs() const { return GetParam(); }

    template <typename T>
    const T& pick(const std::vector<T>& items) { return items[rng->below(items.size())]; }
    std::vector<std::string> all_dirs() const { return {model.dirs.begin(), model.dirs.end()}; }
    std::vector<std::string> all_files() const {
        std::vector<std::string> out;
        for (auto& [p, o] : model.files) out.push_back(p);
        return out;
    }
    std::string new_name() { return "n" + std::to_string(rng->below(40)); }
    uint32_t ino(const std::string& path) { return EXT2_OK(v().resolve(path.c_str(), false)); }

    void op_create();
    void op_write();
    void op_truncate();
    void op_read();
    void op_mkdir();
    void op_rmdir();
    void op_unlink();
    void op_link();
    void op_symlink();
    void op_rename();
    void compare_tree(const std::string& dir);
    void check_with_tools();
};

void Ext2Random::op_create() {
    std::string dir = pick(all_dirs());
    std::string name = new_name();
    std::string path = Model::join(dir, name);
    auto r = v().create(ino(dir), Name(name.c_str()), 0644);
    if (model.exists(path)) {
        EXPECT_EQ(r.error(), Error::AlreadyExists) << path;
        return;
    }
    ASSERT_FALSE(r.is_error()) << path << ": " << rvos::error_name(r.error());
    model.files[path] = model.next_object;
    model.objects[model.next_object++] = "";
}

void Ext2Random::op_write() {
    auto files = all_files();
    if (files.empty()) return;
    std::string path = pick(files);
    std::string& data = model.objects[model.files[path]];
    uint64_t offset;
    switch (rng->below(4)) {
    case 0: offset = data.size(); break;                                        // append
    case 1: offset = rng->below(data.size() + 1); break;                        // overwrite
    case 2: offset = data.size() + rng->below(20 * bs()); break;                // leave a hole
    default: offset = (12 + rng->below(bs() / 4 + 300)) * uint64_t{bs()}; break;  // indirect trees
    }
    std::string bytes = pattern(rng->below(3 * bs()) + 1, rng->next());
    size_t n = EXT2_OK(v().write(ino(path), offset, bytes.data(), bytes.size()));
    ASSERT_EQ(n, bytes.size()) << path;
    if (data.size() < offset + n) data.resize(offset + n, '\0');
    data.replace(offset, n, bytes);
}

void Ext2Random::op_truncate() {
    auto files = all_files();
    if (files.empty()) return;
    std::string path = pick(files);
    std::string& data = model.objects[model.files[path]];
    uint64_t size = rng->percent(70) ? rng->below(data.size() + 1) : data.size() + rng->below(5 * bs());
    EXT2_OK(v().truncate(ino(path), size));
    data.resize(size, '\0');
}

void Ext2Random::op_read() {
    auto files = all_files();
    if (files.empty()) return;
    std::string path = pick(files);
    const std::string& data = model.objects[model.files[path]];
    uint64_t offset = rng->below(data.size() + 10);
    std::string buffer(rng->below(4 * bs()) + 1, '\0');
    size_t n = EXT2_OK(v().read(ino(path), offset, buffer.data(), buffer.size()));
    std::string expected = offset < data.size() ? data.substr(offset, buffer.size()) : "";
    EXPECT_SAME_BYTES(buffer.substr(0, n), expected) << path << " at " << offset;
}

void Ext2Random::op_mkdir() {
    std::string dir = pick(all_dirs());
    std::string name = new_name();
    std::string path = Model::join(dir, name);
    auto r = v().mkdir(ino(dir), Name(name.c_str()), 0755);
    if (model.exists(path)) {
        EXPECT_EQ(r.error(), Error::AlreadyExists) << path;
        return;
    }
    ASSERT_FALSE(r.is_error()) << path << ": " << rvos::error_name(r.error());
    model.dirs.insert(path);
}

void Ext2Random::op_rmdir() {
    auto dirs = all_dirs();
    std::string path = pick(dirs);
    if (path == "/") return;
    std::string name = path.substr(path.rfind('/') + 1);
    auto r = v().rmdir(ino(Model::parent(path)), Name(name.c_str()));
    if (!model.children(path).empty()) {
        EXPECT_EQ(r.error(), Error::NotEmpty) << path;
        return;
    }
    ASSERT_FALSE(r.is_error()) << path << ": " << rvos::error_name(r.error());
    model.dirs.erase(path);
}

void Ext2Random::op_unlink() {
    std::vector<std::string> names = all_files();
    for (auto& [p, t] : model.links) names.push_back(p);
    if (names.empty()) return;
    std::string path = pick(names);
    std::string name = path.substr(path.rfind('/') + 1);
    EXT2_OK(v().unlink(ino(Model::parent(path)), Name(name.c_str())));
    if (model.files.count(path)) {
        int object = model.files[path];
        model.files.erase(path);
        if (model.link_count(object) == 0) model.objects.erase(object);
    } else {
        model.links.erase(path);
    }
}

void Ext2Random::op_link() {
    auto files = all_files();
    if (files.empty()) return;
    std::string from = pick(files);
    std::string dir = pick(all_dirs());
    std::string name = new_name();
    std::string path = Model::join(dir, name);
    auto r = v().link(ino(dir), Name(name.c_str()), ino(from));
    if (model.exists(path)) {
        EXPECT_EQ(r.error(), Error::AlreadyExists) << path;
        return;
    }
    ASSERT_FALSE(r.is_error()) << path << ": " << rvos::error_name(r.error());
    model.files[path] = model.files[from];
}

void Ext2Random::op_symlink() {
    std::string dir = pick(all_dirs());
    std::string name = new_name();
    std::string path = Model::join(dir, name);
    // Short (in the inode), around the 60-byte edge, or long (a block).
    size_t lengths[] = {1 + rng->below(20), 58 + rng->below(4), 61 + rng->below(bs() - 62)};
    std::string target(lengths[rng->below(3)], 'a');
    for (auto& c : target) c = static_cast<char>('a' + rng->below(26));
    auto r = v().symlink(ino(dir), Name(name.c_str()), target.data(), target.size());
    if (model.exists(path)) {
        EXPECT_EQ(r.error(), Error::AlreadyExists) << path;
        return;
    }
    ASSERT_FALSE(r.is_error()) << path << ": " << rvos::error_name(r.error());
    model.links[path] = target;
}

void Ext2Random::op_rename() {
    std::vector<std::string> sources = all_files();
    for (auto& d : model.dirs)
        if (d != "/") sources.push_back(d);
    for (auto& [p, t] : model.links) sources.push_back(p);
    if (sources.empty()) return;
    std::string from = pick(sources);
    std::string to_dir = pick(all_dirs());
    // Often onto an existing name, to replace it.
    auto existing = model.children(to_dir);
    std::string to = !existing.empty() && rng->percent(30) ? pick(existing) : Model::join(to_dir, new_name());
    std::string to_name = to.substr(to.rfind('/') + 1);
    std::string from_name = from.substr(from.rfind('/') + 1);
    auto r = v().rename(ino(Model::parent(from)), Name(from_name.c_str()), ino(to_dir), Name(to_name.c_str()));

    // The answer the library must give, in its order of checks.
    bool from_dir = model.dirs.count(from);
    Error expected = Error::None;
    bool same_inode = from == to || (model.files.count(from) && model.files.count(to) && model.files[from] == model.files[to]);
    if (model.exists(to) && !same_inode) {
        bool to_is_dir = model.dirs.count(to);
        if (from_dir && !to_is_dir) expected = Error::NotDirectory;
        else if (!from_dir && to_is_dir) expected = Error::IsDirectory;
        else if (to_is_dir && !model.children(to).empty()) expected = Error::NotEmpty;
    }
    if (expected == Error::None && !same_inode && from_dir && Model::parent(from) != to_dir &&
        (to_dir == from || to_dir.rfind(from + "/", 0) == 0))
        expected = Error::BadArgument;
    if (expected != Error::None) {
        EXPECT_EQ(r.error(), expected) << from << " -> " << to;
        return;
    }
    ASSERT_FALSE(r.is_error()) << from << " -> " << to << ": " << rvos::error_name(r.error());
    if (same_inode) return;
    if (model.files.count(to)) {
        int object = model.files[to];
        model.files.erase(to);
        if (model.link_count(object) == 0) model.objects.erase(object);
    }
    model.links.erase(to);
    model.dirs.erase(to);
    model.move(from, to);
}

// The library's tree under `dir` is the model's.
void Ext2Random::compare_tree(const std::string& dir) {
    std::vector<std::string> expected;
    for (auto& p : model.children(dir)) expected.push_back(p.substr(p.rfind('/') + 1));
    std::sort(expected.begin(), expected.end());
    ASSERT_EQ(list_dir(v(), dir), expected) << dir;
    for (auto& name : expected) {
        std::string path = Model::join(dir, name);
        ext2::Stat st = EXT2_OK(v().stat(ino(path)));
        if (model.dirs.count(path)) {
            EXPECT_EQ(st.type, ext2::FileType::Directory) << path;
            compare_tree(path);
        } else if (model.files.count(path)) {
            int object = model.files[path];
            EXPECT_EQ(st.links, model.link_count(object)) << path;
            EXPECT_SAME_BYTES(get_file(v(), path), model.objects[object]) << path;
        } else {
            char target[4096];
            size_t n = EXT2_OK(v().readlink(ino(path), target, sizeof(target)));
            EXPECT_EQ(std::string(target, n), model.links[path]) << path;
        }
    }
}

void Ext2Random::check_with_tools() {
    EXT2_OK(v().sync());
    EXPECT_EQ(fsck_problems(image), "");
    auto files = all_files();
    for (int i = 0; i < 3 && !files.empty(); i++) {
        std::string path = pick(files);
        EXPECT_SAME_BYTES(debugfs_cat(image, path), model.objects[model.files[path]]) << path;
    }
}

void Ext2Random::run_seed(uint64_t seed, size_t operations) {
    Rng generator(seed);
    rng = &generator;
    model = Model{};
    make_image(image, 32u << 20, bs());
    m = mount_file(image, 48);
    for (size_t i = 0; i < operations && !HasFatalFailure(); i++) {
        SCOPED_TRACE("seed " + std::to_string(seed) + " operation " + std::to_string(i));
        switch (rng->below(20)) {
        case 0: case 1: case 2: op_create(); break;
        case 3: case 4: case 5: case 6: op_write(); break;
        case 7: op_truncate(); break;
        case 8: case 9: op_read(); break;
        case 10: case 11: op_mkdir(); break;
        case 12: op_rmdir(); break;
        case 13: case 14: op_unlink(); break;
        case 15: op_link(); break;
        case 16: op_symlink(); break;
        default: op_rename(); break;
        }
        if (i % 150 == 149) compare_tree("/");
        if (i % 400 == 399) {
            check_with_tools();
            EXT2_OK(v().unmount());
            m = mount_file(image, 48);
            compare_tree("/");
        }
    }
    compare_tree("/");
    EXT2_OK(v().unmount());
    EXPECT_EQ(fsck_problems(image), "");
}

INSTANTIATE_TEST_SUITE_P(BlockSizes, Ext2Random, ::testing::Values(1024u, 4096u),
                         [](const auto& info) { return std::to_string(info.param); });

TEST_P(Ext2Random, RandomOperationsMatchAModelAndE2fsckAgrees) {
    image = work_dir() + "/disk.img";
    for (uint64_t seed : random_support::seeds(GetParam() == 1024 ? 100 : 200, 2))
        run_seed(seed, random_support::scaled(1200));
}

}  // namespace
