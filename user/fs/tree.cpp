// The in-memory filesystem tree (see tree.h for the contract).
//
// A directory keeps its children in a malloc'd array of Node*, sorted by
// name, so lookup is a binary search and entry(i) is an index. A file keeps
// its bytes in one malloc'd buffer that grows geometrically. A node removed
// while open is detached from its parent, parked on an orphan list hanging
// off the root, and freed by the release() that drops its last reference.
#include "tree.h"

#include <stdlib.h>
#include <string.h>

namespace fs {

using rvos::kMaxFileNameLength;
using rvos::kMaxFileSize;
using rvos::kMaxPathLength;
namespace proto = rvos::proto;

struct Node {
    Kind kind;
    char name[kMaxFileNameLength + 1];  // "" for the root
    Node* parent;                       // nullptr for the root and removed nodes

    // Directories: children sorted by name.
    Node** children;
    size_t child_count;
    size_t child_capacity;

    // Files.
    uint8_t* data;
    uint64_t size;
    uint64_t capacity;

    uint32_t open_count;  // open() retains, release() drops
    bool unlinked;        // removed while open; freed at the last release

    // Orphans (unlinked nodes) form a list whose head is the root's `orphans`,
    // so the destructor can still free them.
    Node* orphans;
    Node* orphan_prev;
    Node* orphan_next;
};

namespace {

// ---- Nodes -------------------------------------------------------------------

Node* new_node(Kind kind, const char* name) {
    auto* node = static_cast<Node*>(malloc(sizeof(Node)));
    if (!node) return nullptr;
    memset(node, 0, sizeof(Node));
    node->kind = kind;
    strncpy(node->name, name, kMaxFileNameLength);  // callers pass checked names
    return node;
}

void free_node(Node* node) {
    free(node->children);
    free(node->data);
    free(node);
}

// Frees `node` and everything below it; returns the number of nodes freed.
// Recursion is bounded: a path of kMaxPathLength bytes reaches at most
// kMaxPathLength / 2 levels deep.
size_t free_subtree(Node* node) {
    size_t freed = 1;
    for (size_t i = 0; i < node->child_count; i++) freed += free_subtree(node->children[i]);
    free_node(node);
    return freed;
}

// ---- Directories -----------------------------------------------------------

// Binary search for `name` among dir's children: the index where it is, or
// where it would be inserted to keep the order.
size_t find_slot(const Node* dir, const char* name, bool* found) {
    size_t lo = 0, hi = dir->child_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(dir->children[mid]->name, name);
        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0) lo = mid + 1;
        else hi = mid;
    }
    *found = false;
    return lo;
}

Node* find_child(const Node* dir, const char* name) {
    bool found;
    size_t i = find_slot(dir, name, &found);
    return found ? dir->children[i] : nullptr;
}

// Makes room in `dir` for one more child.
Error reserve_child(Node* dir) {
    if (dir->child_count < dir->child_capacity) return Error::None;
    size_t capacity = dir->child_capacity ? dir->child_capacity * 2 : 8;
    auto* grown = static_cast<Node**>(realloc(dir->children, capacity * sizeof(Node*)));
    if (!grown) return Error::NoMemory;
    dir->children = grown;
    dir->child_capacity = capacity;
    return Error::None;
}

// Adds `child` (whose name is not yet in `dir`) in name order.
Error insert_child(Node* dir, Node* child) {
    if (Error e = reserve_child(dir); e != Error::None) return e;
    bool found;
    size_t i = find_slot(dir, child->name, &found);
    memmove(&dir->children[i + 1], &dir->children[i], (dir->child_count - i) * sizeof(Node*));
    dir->children[i] = child;
    dir->child_count++;
    child->parent = dir;
    return Error::None;
}

void remove_child(Node* dir, Node* child) {
    bool found;
    size_t i = find_slot(dir, child->name, &found);
    if (!found) return;
    memmove(&dir->children[i], &dir->children[i + 1], (dir->child_count - i - 1) * sizeof(Node*));
    dir->child_count--;
    child->parent = nullptr;
}

// Creates a `kind` node called `name` in `dir`, or NoMemory.
ErrorOr<Node*> create_child(Node* dir, const char* name, Kind kind) {
    Node* node = new_node(kind, name);
    if (!node) return Error::NoMemory;
    if (Error e = insert_child(dir, node); e != Error::None) {
        free_node(node);
        return e;
    }
    return node;
}

// ---- Orphans ---------------------------------------------------------------

void orphan_push(Node* root, Node* node) {
    node->unlinked = true;
    node->orphan_prev = nullptr;
    node->orphan_next = root->orphans;
    if (root->orphans) root->orphans->orphan_prev = node;
    root->orphans = node;
}

void orphan_remove(Node* root, Node* node) {
    if (node->orphan_prev) node->orphan_prev->orphan_next = node->orphan_next;
    else root->orphans = node->orphan_next;
    if (node->orphan_next) node->orphan_next->orphan_prev = node->orphan_prev;
}

// ---- Files -------------------------------------------------------------------

// Makes room for `needed` bytes (<= kMaxFileSize). Grows geometrically so a
// file written in small chunks costs amortised O(1) per byte; if the doubled
// buffer cannot be had, retries with exactly `needed` bytes.
Error reserve(Node* file, uint64_t needed) {
    if (needed <= file->capacity) return Error::None;
    uint64_t capacity = file->capacity ? file->capacity : 64;
    while (capacity < needed) capacity *= 2;
    if (capacity > kMaxFileSize) capacity = kMaxFileSize;
    void* grown = realloc(file->data, capacity);
    if (!grown) {
        capacity = needed;
        grown = realloc(file->data, capacity);
        if (!grown) return Error::NoMemory;
    }
    file->data = static_cast<uint8_t*>(grown);
    file->capacity = capacity;
    return Error::None;
}

void truncate(Node* file) {
    free(file->data);
    file->data = nullptr;
    file->size = 0;
    file->capacity = 0;
}

// ---- Paths -------------------------------------------------------------------

// The next '/'-separated component at or after *cursor (skipping repeated
// '/'); false at the end of the path. Advances *cursor past the component.
bool next_component(const char** cursor, const char** start, size_t* length) {
    const char* p = *cursor;
    while (*p == '/') p++;
    if (!*p) return false;
    *start = p;
    while (*p && *p != '/') p++;
    *length = static_cast<size_t>(p - *start);
    *cursor = p;
    return true;
}

// The syntax rules, checked before the path is walked so that a malformed
// path is reported as such whatever the tree holds.
Error check_path(const char* path) {
    if (!path || !path[0] || path[0] != '/') return Error::BadArgument;
    size_t n = 0;  // strlen bounded at kMaxPathLength + 1 (no strnlen in strict C++ mode)
    while (n <= kMaxPathLength && path[n]) n++;
    if (n > kMaxPathLength) return Error::TooLong;
    const char* start;
    size_t length;
    while (next_component(&path, &start, &length))
        if (length > kMaxFileNameLength) return Error::TooLong;
    return Error::None;
}

// Where a path leads. When the target exists, `node` is it and `parent` and
// `name` describe it (nullptr and "" for the root); when only its last
// component is missing, `node` is nullptr and it would be created as `name`
// in `parent`.
struct Lookup {
    Node* parent;
    Node* node;
    char name[kMaxFileNameLength + 1];
    bool trailing_slash;  // "/a/b/": the target must be a directory
};

bool is_dot(const char* s, size_t n) { return n == 1 && s[0] == '.'; }
bool is_dot_dot(const char* s, size_t n) { return n == 2 && s[0] == '.' && s[1] == '.'; }

// Walks `path` from the root. Every component but the last must exist and be
// a directory; "." and ".." are resolved against the node reached so far.
Error walk(Node* root, const char* path, Lookup* out) {
    if (!root) return Error::NoMemory;  // the constructor could not build the tree
    if (Error e = check_path(path); e != Error::None) return e;

    Node* parent = nullptr;
    Node* node = root;
    out->name[0] = 0;
    const char* cursor = path;
    const char* start;
    size_t length;
    while (next_component(&cursor, &start, &length)) {
        if (!node) return Error::NotFound;  // a missing directory in the middle
        if (node->kind != Kind::Directory) return Error::NotDirectory;
        if (is_dot(start, length)) continue;
        if (is_dot_dot(start, length)) {
            if (node == root) return Error::BadArgument;
            node = node->parent;
            parent = node->parent;
            memcpy(out->name, node->name, sizeof(out->name));
            continue;
        }
        memcpy(out->name, start, length);
        out->name[length] = 0;
        parent = node;
        node = find_child(parent, out->name);
    }
    out->trailing_slash = path[strlen(path) - 1] == '/';
    if (out->trailing_slash && node && node->kind != Kind::Directory) return Error::NotDirectory;
    out->parent = parent;
    out->node = node;
    return Error::None;
}

}  // namespace

// ---- Tree ------------------------------------------------------------------

// A constructor cannot fail, so if the root or /tmp cannot be allocated the
// tree is left empty (root_ == nullptr) and every path operation answers
// NoMemory.
Tree::Tree() {
    Node* root = new_node(Kind::Directory, "");
    if (!root) return;
    auto tmp = create_child(root, "tmp", Kind::Directory);
    if (tmp.is_error()) {
        free_node(root);
        return;
    }
    root_ = root;
    node_count_ = 2;
}

// Frees every node, including ones still open: the server releases all open
// nodes before it destroys the tree, and any Node* kept past here dangles.
Tree::~Tree() {
    if (!root_) return;
    while (Node* orphan = root_->orphans) {
        orphan_remove(root_, orphan);
        free_node(orphan);
    }
    free_subtree(root_);
    root_ = nullptr;
    node_count_ = 0;
}

ErrorOr<Node*> Tree::open(const char* path, uint32_t flags) {
    constexpr uint32_t kAllFlags = proto::kOpenRead | proto::kOpenWrite | proto::kOpenCreate |
                                   proto::kOpenTruncate | proto::kOpenExclusive | proto::kOpenAppend;
    // Flags that would modify a file, or create one, are refused on a directory.
    constexpr uint32_t kFileOnly = proto::kOpenWrite | proto::kOpenCreate | proto::kOpenTruncate |
                                   proto::kOpenAppend;
    if (flags & ~kAllFlags) return Error::BadArgument;

    Lookup at;
    if (Error e = walk(root_, path, &at); e != Error::None) return e;

    Node* node = at.node;
    if (!node) {
        if (!(flags & proto::kOpenCreate)) return Error::NotFound;
        if (at.trailing_slash) return Error::IsDirectory;  // "/tmp/new/" names a directory
        node = TRY(create_child(at.parent, at.name, Kind::File));
        node_count_++;
    } else {
        bool exclusive = (flags & proto::kOpenCreate) && (flags & proto::kOpenExclusive);
        if (exclusive) return Error::AlreadyExists;
        if (node->kind == Kind::Directory && (flags & kFileOnly)) return Error::IsDirectory;
        if (flags & proto::kOpenTruncate) truncate(node);
    }
    node->open_count++;
    return node;
}

void Tree::release(Node* node) {
    if (!node || node->open_count == 0) return;
    if (--node->open_count > 0 || !node->unlinked) return;
    orphan_remove(root_, node);
    free_node(node);
    node_count_--;
}

ErrorOr<Stat> Tree::stat(const char* path) {
    Lookup at;
    if (Error e = walk(root_, path, &at); e != Error::None) return e;
    if (!at.node) return Error::NotFound;
    return stat(at.node);
}

Stat Tree::stat(const Node* node) const {
    if (node->kind == Kind::Directory) return {Kind::Directory, node->child_count};
    return {Kind::File, node->size};
}

Error Tree::mkdir(const char* path) {
    Lookup at;
    if (Error e = walk(root_, path, &at); e != Error::None) return e;
    if (at.node) return Error::AlreadyExists;
    auto created = create_child(at.parent, at.name, Kind::Directory);
    if (created.is_error()) return created.error();
    node_count_++;
    return Error::None;
}

Error Tree::remove(const char* path) {
    Lookup at;
    if (Error e = walk(root_, path, &at); e != Error::None) return e;
    Node* node = at.node;
    if (!node) return Error::NotFound;
    if (node == root_) return Error::BadArgument;
    if (node->kind == Kind::Directory && node->child_count > 0) return Error::NotEmpty;

    remove_child(node->parent, node);
    if (node->open_count > 0) {
        orphan_push(root_, node);  // freed by the last release()
        return Error::None;
    }
    free_node(node);
    node_count_--;
    return Error::None;
}

Error Tree::rename(const char* from, const char* to) {
    Lookup source, target;
    if (Error e = walk(root_, from, &source); e != Error::None) return e;
    if (Error e = walk(root_, to, &target); e != Error::None) return e;
    Node* node = source.node;
    if (!node) return Error::NotFound;
    if (node == root_ || target.node == root_) return Error::BadArgument;
    if (target.node == node) return Error::None;
    for (Node* up = target.parent; up; up = up->parent)  // a directory cannot move into itself
        if (up == node) return Error::BadArgument;
    Node* replaced = target.node;
    if (replaced) {
        if (node->kind == Kind::Directory && replaced->kind != Kind::Directory) return Error::NotDirectory;
        if (node->kind == Kind::File && replaced->kind == Kind::Directory) return Error::IsDirectory;
        if (replaced->kind == Kind::Directory && replaced->child_count > 0) return Error::NotEmpty;
    } else {
        if (target.trailing_slash && node->kind != Kind::Directory) return Error::NotDirectory;
        // The one allocation, made before anything changes: all or nothing.
        if (Error e = reserve_child(target.parent); e != Error::None) return e;
    }

    remove_child(node->parent, node);
    if (replaced) {
        remove_child(target.parent, replaced);
        if (replaced->open_count > 0) {
            orphan_push(root_, replaced);  // freed by the last release()
        } else {
            free_node(replaced);
            node_count_--;
        }
    }
    memcpy(node->name, target.name, sizeof node->name);
    (void)insert_child(target.parent, node);  // room was there or was made above
    return Error::None;
}

ErrorOr<size_t> Tree::read(Node* file, uint64_t offset, void* buffer, size_t length) {
    if (!file) return Error::BadArgument;
    if (file->kind != Kind::File) return Error::IsDirectory;
    if (offset >= file->size) return size_t{0};
    size_t n = static_cast<size_t>(base::min<uint64_t>(length, file->size - offset));
    if (n == 0) return size_t{0};
    if (!buffer) return Error::BadArgument;
    memcpy(buffer, file->data + offset, n);
    return n;
}

// All or nothing: a write that would end past kMaxFileSize writes nothing.
ErrorOr<size_t> Tree::write(Node* file, uint64_t offset, const void* data, size_t length) {
    if (!file) return Error::BadArgument;
    if (file->kind != Kind::File) return Error::IsDirectory;
    if (length == 0) return size_t{0};  // like POSIX, an empty write never extends
    if (!data) return Error::BadArgument;
    if (offset > kMaxFileSize || length > kMaxFileSize - offset) return Error::FileTooBig;

    uint64_t end = offset + length;
    if (Error e = reserve(file, end); e != Error::None) return e;
    if (offset > file->size) memset(file->data + file->size, 0, offset - file->size);
    memcpy(file->data + offset, data, length);
    if (end > file->size) file->size = end;
    return length;
}

uint64_t Tree::size(const Node* file) const { return stat(file).size; }

ErrorOr<DirEntry> Tree::entry(const char* directory, size_t index) {
    Lookup at;
    if (Error e = walk(root_, directory, &at); e != Error::None) return e;
    Node* dir = at.node;
    if (!dir) return Error::NotFound;
    if (dir->kind != Kind::Directory) return Error::NotDirectory;
    if (index >= dir->child_count) return Error::NotFound;
    const Node* child = dir->children[index];
    Stat s = stat(child);
    return DirEntry{s.kind, s.size, child->name};
}

}  // namespace fs
