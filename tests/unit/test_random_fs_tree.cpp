// Randomized, model-based test of the fs server's in-memory tree: random
// open / create / write / read / truncate / stat / mkdir / remove / release /
// entry / rename / link calls on fs::Tree, each checked against a small reference model (a
// tree of std::map directories and std::string files) for results, errors,
// contents, sizes, directory order and node_count().
//
// Every run is seeded and deterministic. A failure names its seed and op;
// rerun just that seed with
//     RVOS_RANDOM_SEED=<seed> ./build/host/unit_tests --gtest_filter='RandomFsTree*'
// scale the number of ops with RVOS_RANDOM_SCALE=<factor>, and print the
// outcomes exercised with RVOS_RANDOM_VERBOSE=1.
//
// The model resolves paths by the rules in tree.h: "." is skipped, ".."
// pops (BadArgument above the root), every component before the last must
// be an existing directory (NotFound / NotDirectory), the whole path is at
// most kMaxPathLength bytes and every component at most kMaxFileNameLength
// (TooLong), and a trailing '/' demands a directory.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../../user/fs/tree.h"
#include "random_support.h"
#include "test_support.h"

using fs::DirEntry;
using fs::Kind;
using fs::Node;
using fs::Stat;
using fs::Tree;
using rvos::Error;
using rvos::kMaxFileSize;
using namespace rvos::proto;

namespace {

using random_support::Rng;
using random_support::scaled;
using random_support::seeds;

// ---- The model ---------------------------------------------------------------------

struct MNode {
    bool dir = false;
    std::string data;                                       // files
    std::map<std::string, std::shared_ptr<MNode>> children;  // directories, in strcmp order
    int links = 1;  // names leading here; 0: removed (an orphan while open)
    int open = 0;
    Node* real = nullptr;  // the tree's node, once an open has shown it
};
using MPtr = std::shared_ptr<MNode>;

struct Resolved {
    Error error = Error::None;
    MPtr node;    // null when only the last component is missing
    MPtr parent;  // where it would be created / where it is linked (null for the root)
    std::string name;
    bool trailing_slash = false;
};

struct OpenFile {
    Node* real;
    MPtr model;
};

constexpr uint32_t kAllFlags =
    kOpenRead | kOpenWrite | kOpenCreate | kOpenTruncate | kOpenExclusive | kOpenAppend | kOpenNoAccessTime;
constexpr uint32_t kFileOnly = kOpenWrite | kOpenCreate | kOpenTruncate | kOpenAppend;
constexpr size_t kMaxOpen = 16;
constexpr size_t kModelFileCap = 48 * 1024;  // keep files small enough to compare often

enum Op { kOpen, kRelease, kWrite, kRead, kStatPath, kStatNode, kMkdir, kRemove, kTruncate, kEntry, kRename, kLink, kOpCount };
const char* const kOpNames[kOpCount] = {"open",  "release", "write",    "read",  "stat",
                                        "fstat", "mkdir",   "remove",   "truncate", "entry", "rename", "link"};

using Coverage = std::map<std::string, uint64_t>;

class FsWorld {
public:
    FsWorld(uint64_t seed, Coverage& coverage) : rng_(seed), coverage_(coverage) {
        root_ = std::make_shared<MNode>();
        root_->dir = true;
        auto tmp = std::make_shared<MNode>();
        tmp->dir = true;
        root_->children["tmp"] = tmp;
        nodes_ = 2;
        for (size_t& w : weights_) w = 1 + rng_.below(10);
        weights_[kTruncate] = rng_.below(3);
    }

    void run(size_t ops) {
        ASSERT_EQ(tree_.node_count(), nodes_) << "a fresh tree holds the root and /tmp";
        for (size_t i = 0; i < ops; i++) {
            Op op = choose_op();
            step(op);
            if (!::testing::Test::HasFatalFailure()) {
                if (tree_.node_count() != nodes_) ADD_FAILURE() << "node_count " << tree_.node_count() << " != " << nodes_;
                // The store never holds much more than the pages in use.
                // The store never holds much more than the pages in use: at
                // most one empty arena, and under an arena and a half free
                // in the others.
                const fs::PageStore& store = tree_.store();
                size_t used_arenas = store.arena_count() - store.empty_arenas();
                size_t spare = used_arenas * kArenaPages - store.pages_in_use();
                if (store.empty_arenas() > 1 || (used_arenas > 1 && spare >= kArenaPages + kArenaPages / 2))
                    ADD_FAILURE() << store.arena_count() << " arenas (" << store.empty_arenas() << " empty) hold "
                                  << spare << " free pages";
            }
            if (!::testing::Test::HasFailure() && i % 64 == 63) compare_everything();
            if (::testing::Test::HasFailure()) {
                ADD_FAILURE() << "the failure above happened in op " << i << " (" << kOpNames[op] << ")";
                return;
            }
        }
    }

    // Releases everything, removes everything, and expects the node count of
    // a fresh tree again; or (leave_to_destructor) leaves open and linked
    // nodes for ~Tree, which LeakSanitizer then audits at exit.
    void finish(bool leave_to_destructor) {
        compare_everything();
        if (::testing::Test::HasFailure() || leave_to_destructor) return;
        while (!open_.empty()) {
            release_at(open_.size() - 1);
            ASSERT_EQ(tree_.node_count(), nodes_);
        }
        ASSERT_EQ(nodes_, count_linked(root_)) << "model: orphans left after releasing everything";
        remove_below("", root_);
        if (::testing::Test::HasFailure()) return;
        ASSERT_EQ(tree_.node_count(), 1u) << "only the root is left";
        ASSERT_EQ(tree_.store().pages_in_use(), 0u) << "every page went back";
        ASSERT_LE(tree_.store().arena_count(), 1u) << "every arena went back but the spare";
        ASSERT_EQ(tree_.mkdir("/tmp"), Error::None);
        Tree fresh;
        ASSERT_EQ(tree_.node_count(), fresh.node_count()) << "back to a fresh tree's count";
        auto e = tree_.entry("/", 0);
        ASSERT_FALSE(e.is_error());
        ASSERT_STREQ(e.value().name, "tmp");
        ASSERT_EQ(tree_.entry("/", 1).error(), Error::NotFound);
    }

private:
    void count(const char* op, Error e) { coverage_[std::string(op) + ":" + rvos::error_name(e)]++; }

    Op choose_op() { return static_cast<Op>(rng_.weighted(weights_)); }

    // ---- Paths ------------------------------------------------------------------
    // Distinct nodes with a name (a file with two names counts once).
    static size_t count_linked(const MPtr& n) {
        std::set<const MNode*> seen;
        std::vector<const MNode*> todo{n.get()};
        while (!todo.empty()) {
            const MNode* m = todo.back();
            todo.pop_back();
            if (!seen.insert(m).second) continue;
            for (auto& [name, child] : m->children) todo.push_back(child.get());
        }
        return seen.size();
    }

    void collect(const std::string& path, const MPtr& n, std::vector<std::pair<std::string, MPtr>>& out) {
        out.emplace_back(path.empty() ? "/" : path, n);
        for (auto& [name, child] : n->children) collect(path + "/" + name, child, out);
    }

    std::string component() {
        static const char* const kNames[] = {"a", "b", "c", "B", "a0"};
        unsigned r = static_cast<unsigned>(rng_.below(100));
        if (r < 66) return kNames[rng_.below(5)];
        if (r < 71) return "tmp";
        if (r < 77) return ".";
        if (r < 83) return "..";
        if (r < 95) return "L" + std::string(rvos::kMaxFileNameLength - 1, static_cast<char>('a' + rng_.below(3)));
        return std::string(rvos::kMaxFileNameLength + 1, 'X');  // one byte too long
    }

    std::string random_path() {
        unsigned r = static_cast<unsigned>(rng_.below(100));
        if (r < 2) return "";
        if (r < 4) return "a/b";  // relative
        std::string path;
        if (r < 65) {
            // Start from something that exists: a random walk down the tree.
            MPtr n = root_;
            while (!n->children.empty() && !rng_.percent(25)) {
                auto it = n->children.begin();
                std::advance(it, static_cast<long>(rng_.below(n->children.size())));
                path += "/" + it->first;
                n = it->second;
            }
            if (rng_.percent(45)) path += "/" + component();
        } else {
            if (rng_.percent(50)) path = "/tmp";
            size_t depth = rng_.below(4);
            for (size_t i = 0; i < depth; i++) path += (rng_.percent(5) ? "//" : "/") + component();
        }
        if (path.empty()) path = "/";
        if (rng_.percent(8)) path += "/";
        return path;
    }

    Resolved resolve(const std::string& path) {
        Resolved out;
        if (path.empty() || path[0] != '/') {
            out.error = Error::BadArgument;
            return out;
        }
        if (path.size() > rvos::kMaxPathLength) {
            out.error = Error::TooLong;
            return out;
        }
        std::vector<std::string> parts;
        for (size_t i = 0; i < path.size();) {
            while (i < path.size() && path[i] == '/') i++;
            size_t start = i;
            while (i < path.size() && path[i] != '/') i++;
            if (i > start) parts.push_back(path.substr(start, i - start));
        }
        for (const std::string& part : parts)
            if (part.size() > rvos::kMaxFileNameLength) {
                out.error = Error::TooLong;
                return out;
            }
        std::vector<MPtr> stack{root_};  // the directories from the root down
        MPtr node = root_;
        std::string name;
        for (const std::string& part : parts) {
            if (!node) {
                out.error = Error::NotFound;
                return out;
            }
            if (!node->dir) {
                out.error = Error::NotDirectory;
                return out;
            }
            if (part == ".") continue;
            if (part == "..") {
                if (stack.size() == 1) {
                    out.error = Error::BadArgument;
                    return out;
                }
                stack.pop_back();
                node = stack.back();
                continue;
            }
            auto it = node->children.find(part);
            name = part;
            if (it == node->children.end()) {
                node = nullptr;  // stack.back() is the would-be parent
            } else {
                node = it->second;
                stack.push_back(node);
            }
        }
        out.trailing_slash = path.back() == '/';
        if (out.trailing_slash && node && !node->dir) {
            out.error = Error::NotDirectory;
            return out;
        }
        out.node = node;
        if (!node) out.parent = stack.back();
        else if (stack.size() >= 2) out.parent = stack[stack.size() - 2];
        out.name = name;
        return out;
    }

    // A node just seen through the tree: the same Node* for the same model
    // node, and never one that another live model node owns.
    void note_real(const MPtr& m, Node* real) {
        if (m->real) {
            ASSERT_EQ(real, m->real) << "the same file opened twice must be the same node";
            return;
        }
        auto it = owner_.find(real);
        ASSERT_TRUE(it == owner_.end()) << "a new node reuses the address of a live one";
        m->real = real;
        owner_[real] = m.get();
    }

    // The model node `m` is gone for good.
    void forget(const MPtr& m) {
        if (m->real) owner_.erase(m->real);
        m->real = nullptr;
    }

    // ---- Operations ------------------------------------------------------------
    void step(Op op) {
        switch (op) {
        case kOpen: open_op(); break;
        case kRelease:
            if (!open_.empty()) release_at(rng_.below(open_.size()));
            else if (rng_.percent(50)) tree_.release(nullptr);  // a no-op
            break;
        case kWrite: write_op(); break;
        case kRead: read_op(); break;
        case kStatPath: stat_op(); break;
        case kStatNode: fstat_op(); break;
        case kMkdir: mkdir_op(); break;
        case kRemove: remove_op(); break;
        case kTruncate: truncate_op(); break;
        case kEntry: entry_op(); break;
        case kRename: rename_op(); break;
        case kLink: link_op(); break;
        default: break;
        }
    }

    uint32_t random_flags() {
        uint32_t flags = static_cast<uint32_t>(rng_.below(kAllFlags + 1));
        if (rng_.percent(50)) flags |= kOpenCreate;
        if (rng_.percent(50)) flags &= ~kOpenExclusive;
        if (rng_.percent(3)) flags |= rng_.percent(50) ? 128u : 0x80000000u;  // unknown bits
        return flags;
    }

    // The error open() must give, and the node it must return (creating it
    // in the model if it is created).
    Error model_open(const std::string& path, uint32_t flags, MPtr& out, bool& created) {
        created = false;
        if (flags & ~kAllFlags) return Error::BadArgument;
        Resolved at = resolve(path);
        if (at.error != Error::None) return at.error;
        if (!at.node) {
            if (!(flags & kOpenCreate)) return Error::NotFound;
            if (at.trailing_slash) return Error::IsDirectory;
            out = std::make_shared<MNode>();
            created = true;
            at.parent->children[at.name] = out;
            nodes_++;
            return Error::None;
        }
        if ((flags & kOpenCreate) && (flags & kOpenExclusive)) return Error::AlreadyExists;
        if (at.node->dir && (flags & kFileOnly)) return Error::IsDirectory;
        if (flags & kOpenTruncate) at.node->data.clear();
        out = at.node;
        return Error::None;
    }

    void open_op() {
        if (open_.size() >= kMaxOpen) return release_at(rng_.below(open_.size()));
        std::string path = random_path();
        uint32_t flags = random_flags();
        bool null_path = rng_.percent(1);
        MPtr m;
        bool created = false;
        // A null path is BadArgument, and so are unknown flags.
        Error expect = null_path ? Error::BadArgument : model_open(path, flags, m, created);
        auto got = tree_.open(null_path ? nullptr : path.c_str(), flags);
        count(created ? "create" : "open", got.error());
        ASSERT_EQ(got.error(), expect) << "open(\"" << path << "\", " << flags << ")";
        if (got.is_error()) return;
        note_real(m, got.value());
        m->open++;
        open_.push_back(OpenFile{got.value(), m});
    }

    void release_at(size_t i) {
        OpenFile f = open_[i];
        open_.erase(open_.begin() + static_cast<long>(i));
        tree_.release(f.real);
        count("release", Error::None);
        ASSERT_GT(f.model->open, 0);
        if (--f.model->open == 0 && f.model->links == 0) {
            forget(f.model);
            nodes_--;
            count("release frees orphan", Error::None);
        }
    }

    void write_op() {
        if (open_.empty()) return open_op();
        if (rng_.percent(2)) {
            uint8_t byte = 0;
            auto got = tree_.write(nullptr, 0, &byte, 1);
            count("write", got.error());
            ASSERT_EQ(got.error(), Error::BadArgument) << "write to no node";
            return;
        }
        OpenFile& f = open_[rng_.below(open_.size())];
        MNode& m = *f.model;
        uint64_t size = m.data.size();
        uint64_t offset;
        size_t length = rng_.percent(5) ? rng_.below(5000) : rng_.below(300);
        unsigned r = static_cast<unsigned>(rng_.below(100));
        if (r < 55 || size > kModelFileCap) offset = rng_.below(size + 1);
        else if (r < 80) offset = size + rng_.below(200);
        else if (r < 88) offset = size + rng_.below(20000);
        else if (r < 94) {
            offset = kMaxFileSize - rng_.below(100);  // ends past the limit
            length = static_cast<size_t>(kMaxFileSize - offset) + 1 + rng_.below(50);
        } else if (r < 98) {
            offset = kMaxFileSize + 1 + rng_.below(10);
        } else {
            offset = UINT64_MAX - rng_.below(5);
        }
        bool null_data = rng_.percent(2);
        std::unique_ptr<uint8_t[]> data(length ? new uint8_t[length] : nullptr);  // exact size, for ASan
        for (size_t i = 0; i < length; i++) data[i] = static_cast<uint8_t>(rng_.next());

        Error expect = Error::None;
        size_t expect_n = 0;
        if (m.dir) expect = Error::IsDirectory;
        else if (length == 0) expect_n = 0;
        else if (null_data) expect = Error::BadArgument;
        else if (offset > kMaxFileSize || length > kMaxFileSize - offset) expect = Error::FileTooBig;
        else expect_n = length;

        auto got = tree_.write(f.real, offset, null_data ? nullptr : data.get(), length);
        count(length == 0 && expect == Error::None ? "write empty" : "write", got.error());
        ASSERT_EQ(got.error(), expect) << "write at " << offset << " length " << length;
        if (got.is_error()) return;
        ASSERT_EQ(got.value(), expect_n);
        if (length == 0) return;
        if (offset > m.data.size()) m.data.resize(offset, '\0');  // the gap reads as zeros
        if (offset + length > m.data.size()) m.data.resize(offset + length);
        std::memcpy(&m.data[offset], data.get(), length);
        ASSERT_EQ(tree_.size(f.real), m.data.size());
    }

    void read_op() {
        if (open_.empty()) return open_op();
        if (rng_.percent(2)) {
            uint8_t byte;
            auto got = tree_.read(nullptr, 0, &byte, 1);
            count("read", got.error());
            ASSERT_EQ(got.error(), Error::BadArgument) << "read from no node";
            return;
        }
        OpenFile& f = open_[rng_.below(open_.size())];
        const MNode& m = *f.model;
        uint64_t size = m.data.size();
        uint64_t offset = rng_.percent(5) ? (rng_.percent(50) ? UINT64_MAX : size + rng_.below(3)) : rng_.below(size + 40);
        size_t length = rng_.percent(5) ? 0 : rng_.below(rng_.percent(10) ? 70000 : 400);
        bool null_buffer = rng_.percent(2);
        std::unique_ptr<uint8_t[]> buffer(length ? new uint8_t[length] : nullptr);

        Error expect = Error::None;
        size_t expect_n = 0;
        if (m.dir) {
            expect = Error::IsDirectory;
        } else if (offset < size) {
            expect_n = static_cast<size_t>(std::min<uint64_t>(length, size - offset));
            if (expect_n && null_buffer) expect = Error::BadArgument;  // checked only when bytes would move
        }

        auto got = tree_.read(f.real, offset, null_buffer ? nullptr : buffer.get(), length);
        count(expect_n ? "read data" : "read", got.error());
        ASSERT_EQ(got.error(), expect) << "read at " << offset << " length " << length;
        if (got.is_error()) return;
        ASSERT_EQ(got.value(), expect_n) << "read at " << offset << " length " << length << " of " << size;
        if (expect_n) {
            ASSERT_EQ(std::memcmp(buffer.get(), m.data.data() + offset, expect_n), 0) << "contents";
        }
    }

    static Stat model_stat(const MNode& m) {
        return m.dir ? Stat{Kind::Directory, m.children.size()} : Stat{Kind::File, m.data.size()};
    }

    void stat_op() {
        std::string path = random_path();
        Resolved at = resolve(path);
        Error expect = at.error != Error::None ? at.error : at.node ? Error::None : Error::NotFound;
        auto got = tree_.stat(path.c_str());
        count("stat", got.error());
        ASSERT_EQ(got.error(), expect) << "stat(\"" << path << "\")";
        if (got.is_error()) return;
        Stat want = model_stat(*at.node);
        ASSERT_EQ(got.value().kind, want.kind) << path;
        ASSERT_EQ(got.value().size, want.size) << path;
    }

    void fstat_op() {
        if (open_.empty()) return open_op();
        OpenFile& f = open_[rng_.below(open_.size())];
        Stat want = model_stat(*f.model);
        Stat got = tree_.stat(f.real);
        count(f.model->links ? "fstat" : "fstat orphan", Error::None);
        ASSERT_EQ(got.kind, want.kind);
        ASSERT_EQ(got.size, want.size);
        ASSERT_EQ(tree_.size(f.real), want.size);
    }

    void mkdir_op() {
        std::string path = random_path();
        Resolved at = resolve(path);
        Error expect = at.error != Error::None ? at.error : at.node ? Error::AlreadyExists : Error::None;
        Error got = tree_.mkdir(path.c_str());
        count("mkdir", got);
        ASSERT_EQ(got, expect) << "mkdir(\"" << path << "\")";
        if (got != Error::None) return;
        auto dir = std::make_shared<MNode>();
        dir->dir = true;
        at.parent->children[at.name] = dir;
        nodes_++;
    }

    void remove_op() {
        std::string path = random_path();
        Resolved at = resolve(path);
        Error expect = at.error;
        if (expect == Error::None) {
            if (!at.node) expect = Error::NotFound;
            else if (at.node == root_) expect = Error::BadArgument;
            else if (at.node->dir && !at.node->children.empty()) expect = Error::NotEmpty;
        }
        Error got = tree_.remove(path.c_str());
        count(expect == Error::None && at.node->open ? "remove open" : "remove", got);
        ASSERT_EQ(got, expect) << "remove(\"" << path << "\")";
        if (got != Error::None) return;
        unlink(at.parent, at.node, at.name);
        if (--at.node->links == 0 && at.node->open == 0) {
            forget(at.node);
            nodes_--;
        }
    }

    // Whether `inner` is `outer` or lies somewhere below it.
    static bool within(const MPtr& outer, const MPtr& inner) {
        if (outer == inner) return true;
        for (auto& [name, child] : outer->children)
            if (within(child, inner)) return true;
        return false;
    }

    // Unlinks `node` from `parent` in the model (found by identity: a path
    // ending in "." or ".." does not name it).
    // Takes `node`'s entry out of `parent`: a file's is the path's last
    // component (it may have other names, even there); a directory's is
    // its one name, which differs from the path's last component when
    // that was "." or "..".
    static std::string unlink(const MPtr& parent, const MPtr& node, const std::string& name_in_path) {
        auto& siblings = parent->children;
        auto it = node->dir ? std::find_if(siblings.begin(), siblings.end(), [&](auto& kv) { return kv.second == node; })
                            : siblings.find(name_in_path);
        EXPECT_TRUE(it != siblings.end()) << "model: node not under its parent";
        if (it == siblings.end()) return "";
        std::string name = it->first;
        siblings.erase(it);
        return name;
    }

    void rename_op() {
        std::string from = random_path(), to = random_path();
        if (rng_.percent(20)) to = from + "/" + component();  // into itself, often
        Resolved s = resolve(from), t = resolve(to);
        Error expect = s.error != Error::None ? s.error : t.error;
        if (expect == Error::None) {
            if (!s.node) expect = Error::NotFound;
            else if (s.node == root_ || t.node == root_) expect = Error::BadArgument;
            else if (t.node == s.node) expect = Error::None;
            else if (within(s.node, t.parent)) expect = Error::BadArgument;
            else if (t.node && s.node->dir && !t.node->dir) expect = Error::NotDirectory;
            else if (t.node && !s.node->dir && t.node->dir) expect = Error::IsDirectory;
            else if (t.node && t.node->dir && !t.node->children.empty()) expect = Error::NotEmpty;
            else if (!t.node && t.trailing_slash && !s.node->dir) expect = Error::NotDirectory;
        }
        Error got = tree_.rename(from.c_str(), to.c_str());
        count(expect == Error::None && t.node && t.node != s.node ? "rename over" : "rename", got);
        ASSERT_EQ(got, expect) << "rename(\"" << from << "\", \"" << to << "\")";
        if (got != Error::None || t.node == s.node) return;
        unlink(s.parent, s.node, s.name);
        std::string name = t.name;
        if (t.node) {
            name = unlink(t.parent, t.node, t.name);
            if (--t.node->links == 0 && t.node->open == 0) {
                forget(t.node);
                nodes_--;
            }
        }
        t.parent->children[name] = s.node;
    }

    // A hard link: another name for a file.
    void link_op() {
        std::string from = random_path(), to = random_path();
        Resolved s = resolve(from), t = resolve(to);
        Error expect = s.error;
        if (expect == Error::None) {
            if (!s.node) expect = Error::NotFound;
            else if (s.node->dir) expect = Error::AccessDenied;
            else if (t.error != Error::None) expect = t.error;
            else if (t.node) expect = Error::AlreadyExists;
            else if (t.trailing_slash) expect = Error::NotDirectory;
        }
        Error got = tree_.link(from.c_str(), to.c_str());
        count("link", got);
        ASSERT_EQ(got, expect) << "link(\"" << from << "\", \"" << to << "\")";
        if (got != Error::None) return;
        t.parent->children[t.name] = s.node;
        s.node->links++;
        auto a = tree_.attributes(to.c_str(), false);
        ASSERT_FALSE(a.is_error()) << to;
        ASSERT_EQ(a.value().links, static_cast<uint32_t>(s.node->links)) << to;
    }

    // open(kOpenWrite | kOpenTruncate) and release, as a client truncating a file.
    void truncate_op() {
        std::string path = random_path();
        uint32_t flags = kOpenWrite | kOpenTruncate | (rng_.percent(30) ? kOpenCreate : 0);
        MPtr m;
        bool created = false;
        Error expect = model_open(path, flags, m, created);
        auto got = tree_.open(path.c_str(), flags);
        count("truncate", got.error());
        ASSERT_EQ(got.error(), expect) << "truncate \"" << path << "\"";
        if (got.is_error()) return;
        note_real(m, got.value());
        ASSERT_EQ(tree_.size(got.value()), 0u);
        m->open++;
        open_.push_back(OpenFile{got.value(), m});
        release_at(open_.size() - 1);
    }

    void entry_op() {
        std::string path = random_path();
        Resolved at = resolve(path);
        Error expect = at.error;
        if (expect == Error::None && !at.node) expect = Error::NotFound;
        if (expect == Error::None && !at.node->dir) expect = Error::NotDirectory;
        size_t n = expect == Error::None ? at.node->children.size() : 0;
        size_t index = rng_.percent(15) ? n + rng_.below(3) : rng_.below(n);
        if (expect == Error::None && index >= n) expect = Error::NotFound;
        auto got = tree_.entry(path.c_str(), index);
        count("entry", got.error());
        ASSERT_EQ(got.error(), expect) << "entry(\"" << path << "\", " << index << ")";
        if (got.is_error()) return;
        auto it = at.node->children.begin();
        std::advance(it, static_cast<long>(index));
        check_entry(got.value(), it->first, *it->second);
    }

    static void check_entry(const DirEntry& e, const std::string& name, const MNode& m) {
        Stat want = model_stat(m);
        ASSERT_STREQ(e.name, name.c_str());
        ASSERT_EQ(e.kind, want.kind) << name;
        ASSERT_EQ(e.size, want.size) << name;
    }

    // ---- Whole-tree checks --------------------------------------------------------
    // Every directory lists exactly the model's children, in order; every
    // file reads back exactly the model's bytes.
    void compare_everything() {
        ASSERT_EQ(tree_.node_count(), nodes_);
        std::vector<std::pair<std::string, MPtr>> all;
        collect("", root_, all);
        for (auto& [path, m] : all) {
            auto s = tree_.stat(path.c_str());
            ASSERT_FALSE(s.is_error()) << path;
            Stat want = model_stat(*m);
            ASSERT_EQ(s.value().kind, want.kind) << path;
            ASSERT_EQ(s.value().size, want.size) << path;
            if (m->dir) {
                size_t i = 0;
                for (auto& [name, child] : m->children) {
                    auto e = tree_.entry(path.c_str(), i++);
                    ASSERT_FALSE(e.is_error()) << path << " entry " << i - 1;
                    check_entry(e.value(), name, *child);
                }
                ASSERT_EQ(tree_.entry(path.c_str(), i).error(), Error::NotFound) << path;
            } else if (!m->data.empty()) {
                auto opened = tree_.open(path.c_str(), kOpenRead);
                ASSERT_FALSE(opened.is_error()) << path;
                note_real(m, opened.value());
                std::unique_ptr<uint8_t[]> buffer(new uint8_t[m->data.size()]);
                auto r = tree_.read(opened.value(), 0, buffer.get(), m->data.size());
                tree_.release(opened.value());
                ASSERT_FALSE(r.is_error()) << path;
                ASSERT_EQ(r.value(), m->data.size()) << path;
                ASSERT_EQ(std::memcmp(buffer.get(), m->data.data(), m->data.size()), 0) << path << " contents";
            }
        }
        // Open orphans still read back their contents.
        for (const OpenFile& f : open_) {
            if (f.model->links || f.model->dir || f.model->data.empty()) continue;
            std::unique_ptr<uint8_t[]> buffer(new uint8_t[f.model->data.size()]);
            auto r = tree_.read(f.real, 0, buffer.get(), f.model->data.size());
            ASSERT_FALSE(r.is_error());
            ASSERT_EQ(r.value(), f.model->data.size());
            ASSERT_EQ(std::memcmp(buffer.get(), f.model->data.data(), f.model->data.size()), 0) << "orphan contents";
        }
    }

    // Removes everything below `n` (children first), through the tree.
    void remove_below(const std::string& path, const MPtr& n) {
        for (auto& [name, child] : n->children) {
            std::string child_path = path + "/" + name;
            remove_below(child_path, child);
            if (::testing::Test::HasFailure()) return;
            ASSERT_EQ(tree_.remove(child_path.c_str()), Error::None) << child_path;
            if (--child->links > 0) continue;  // another name is still to go
            forget(child);
            nodes_--;
            ASSERT_EQ(tree_.node_count(), nodes_) << child_path;
        }
        n->children.clear();
    }

    Rng rng_;
    Coverage& coverage_;
    size_t weights_[kOpCount] = {};
    // Arenas of two pages: pages are given back and compacted all the time.
    static constexpr size_t kArenaPages = 2;
    Tree tree_{fs::heap_arenas(), kArenaPages};
    MPtr root_;
    size_t nodes_ = 0;  // what node_count() must say
    std::vector<OpenFile> open_;
    std::map<Node*, MNode*> owner_;  // live tree nodes seen so far -> their model node
};

TEST(RandomFsTree, RandomOperationsMatchTheModelAndNodeCountReturnsToBaseline) {
    Coverage coverage;
    for (uint64_t seed : seeds(1, 16)) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed << " (rerun: RVOS_RANDOM_SEED=" << seed << ")");
        FsWorld world(seed, coverage);
        world.run(scaled(2500));
        if (HasFailure()) return;
        world.finish(/*leave_to_destructor=*/seed % 4 == 0);
        if (HasFailure()) return;
    }
    if (std::getenv("RVOS_RANDOM_VERBOSE"))
        for (auto& [key, n] : coverage) std::printf("    %-32s %llu\n", key.c_str(), static_cast<unsigned long long>(n));
    if (std::getenv("RVOS_RANDOM_SEED")) return;
    for (const char* key :
         {"open:ok", "create:ok", "open:not found", "open:already exists", "open:is a directory",
          "open:not a directory", "open:too long", "open:bad argument", "release:ok", "release frees orphan:ok",
          "write:ok", "write empty:ok", "write:file too big", "write:is a directory", "write:bad argument",
          "read data:ok", "read:ok", "read:is a directory", "read data:bad argument", "stat:ok", "stat:not found",
          "stat:not a directory", "stat:too long", "stat:bad argument", "fstat:ok", "fstat orphan:ok", "mkdir:ok",
          "mkdir:already exists", "mkdir:not found", "remove:ok", "remove open:ok", "remove:directory not empty",
          "remove:not found", "remove:bad argument", "truncate:ok", "truncate:is a directory", "entry:ok",
          "entry:not found", "entry:not a directory"}) {
        auto it = coverage.find(key);
        EXPECT_TRUE(it != coverage.end() && it->second > 0) << "never exercised: " << key;
    }
}

}  // namespace
