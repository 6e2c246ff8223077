// The in-memory filesystem tree (see tree.h for the contract).
//
// A directory keeps its children in a malloc'd array of Node*, sorted by
// name, so lookup is a binary search and entry(i) is an index. A file keeps
// its bytes in pages from the page store (page_store.h), listed in a
// malloc'd table that grows geometrically: page i holds bytes
// [i * kPageSize, (i + 1) * kPageSize). Truncating or deleting a file gives
// its pages back, and the store gives emptied memory back to the system.
// A directory's entries are names, each leading to a node; a file may have
// several (hard links), a directory one. A node whose last name goes while
// it is open is parked on an orphan list hanging off the root, and freed
// (its pages too) by the release() that drops its last reference. Every node has the three times
// of a POSIX file, from the real-time clock (CLOCK_REALTIME); reads leave
// the access time alone (as a noatime mount does).
#include "tree.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

namespace fs {

using rvos::kMaxFileNameLength;
using rvos::kMaxFileSize;
using rvos::kMaxPathLength;
namespace proto = rvos::proto;

struct Node;

// One name in a directory, allocated to the name's length.
struct Entry {
    Node* node;
    char name[1];  // NUL-terminated, up to kMaxFileNameLength + 1 bytes
};

struct Node {
    Kind kind;
    // A directory's own name and the directory holding it (for ".."): ""
    // and nullptr for the root, nullptr once removed. A file's are those
    // of the name it was last given.
    char name[kMaxFileNameLength + 1];
    Node* parent;
    uint32_t links;  // entries leading here

    // Directories: entries sorted by name.
    Entry** children;
    size_t child_count;
    size_t child_capacity;

    // Files.
    uint8_t** pages;       // page_count pages of data, room for page_capacity
    size_t page_count;
    size_t page_capacity;
    uint64_t size;
    uint32_t owner;        // whose the pages are (set_owner); 0: nobody's

    char* target;          // symbolic links: what it holds (malloc'd)
    uint64_t ino;          // a number no other node of this tree has had
    uint32_t mode;         // permission bits
    Time atime, mtime, ctime;

    uint32_t open_count;  // open() retains, release() drops
    bool unlinked;        // its last name went while open; freed at the last release

    // Orphans (unlinked nodes) form a list whose head is the root's `orphans`,
    // so the destructor can still free them.
    Node* orphans;
    Node* orphan_prev;
    Node* orphan_next;
};

namespace {

// ---- Nodes -------------------------------------------------------------------

Time now() {
    struct timespec ts {};
    clock_gettime(CLOCK_REALTIME, &ts);
    return {static_cast<int64_t>(ts.tv_sec), static_cast<uint32_t>(ts.tv_nsec)};
}

// The data or the entries of `node` changed.
void modified(Node* node) { node->mtime = node->ctime = now(); }

uint64_t next_ino = 1;

Node* new_node(Kind kind, const char* name) {
    auto* node = static_cast<Node*>(malloc(sizeof(Node)));
    if (!node) return nullptr;
    memset(node, 0, sizeof(Node));
    node->kind = kind;
    strncpy(node->name, name, kMaxFileNameLength);  // callers pass checked names
    node->ino = next_ino++;
    node->mode = kind == Kind::File ? 0644 : kind == Kind::Symlink ? 0777 : 0755;
    node->atime = node->mtime = node->ctime = now();
    return node;
}

// Frees the node itself; its pages must have gone back to the store (or
// the store is going away with the tree).
void free_node(Node* node) {
    free(node->target);
    free(node->children);
    free(node->pages);
    free(node);
}

// Frees `node` and everything below it that has no name elsewhere;
// returns the number of nodes freed. Recursion is bounded: a path of
// kMaxPathLength bytes reaches at most kMaxPathLength / 2 levels deep.
size_t free_subtree(Node* node) {
    size_t freed = 1;
    for (size_t i = 0; i < node->child_count; i++) {
        Node* child = node->children[i]->node;
        free(node->children[i]);
        if (--child->links == 0) freed += free_subtree(child);
    }
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

// Makes room in `dir` for one more entry.
Error reserve_child(Node* dir) {
    if (dir->child_count < dir->child_capacity) return Error::None;
    size_t capacity = dir->child_capacity ? dir->child_capacity * 2 : 8;
    auto* grown = static_cast<Entry**>(realloc(dir->children, capacity * sizeof(Entry*)));
    if (!grown) return Error::NoMemory;
    dir->children = grown;
    dir->child_capacity = capacity;
    return Error::None;
}

// Adds `entry` (whose name is not yet in `dir`, which has room: see
// reserve_child) in name order.
void attach(Node* dir, Entry* entry) {
    bool found;
    size_t i = find_slot(dir, entry->name, &found);
    memmove(&dir->children[i + 1], &dir->children[i], (dir->child_count - i) * sizeof(Entry*));
    dir->children[i] = entry;
    dir->child_count++;
    memcpy(entry->node->name, entry->name, strlen(entry->name) + 1);
    entry->node->parent = dir;
    modified(dir);
}

// Takes the entry `name` out of `dir` (it must be there) and returns it.
// `hint` is where a walk found it (checked: an earlier change may have
// moved it), which spares the search.
Entry* detach(Node* dir, const char* name, size_t hint) {
    size_t i = hint;
    if (i >= dir->child_count || strcmp(dir->children[i]->name, name) != 0) {
        bool found;
        i = find_slot(dir, name, &found);
    }
    Entry* entry = dir->children[i];
    memmove(&dir->children[i], &dir->children[i + 1], (dir->child_count - i - 1) * sizeof(Entry*));
    dir->child_count--;
    if (entry->node->kind == Kind::Directory) entry->node->parent = nullptr;
    modified(dir);
    return entry;
}

// An entry naming `node` `name` (a checked name), or nullptr.
Entry* new_entry(const char* name, Node* node) {
    size_t length = 0;  // strnlen, which strict C++ mode lacks
    while (length < kMaxFileNameLength && name[length]) length++;
    auto* entry = static_cast<Entry*>(malloc(offsetof(Entry, name) + length + 1));
    if (!entry) return nullptr;
    entry->node = node;
    memcpy(entry->name, name, length);
    entry->name[length] = 0;
    return entry;
}

// A new name for `node` in `dir`, or NoMemory.
Error add_name(Node* dir, const char* name, Node* node) {
    TRY_STATUS(reserve_child(dir));
    Entry* entry = new_entry(name, node);
    if (!entry) return Error::NoMemory;
    attach(dir, entry);
    node->links++;
    return Error::None;
}

// Creates a `kind` node called `name` in `dir`, or NoMemory.
ErrorOr<Node*> create_child(Node* dir, const char* name, Kind kind) {
    Node* node = new_node(kind, name);
    if (!node) return Error::NoMemory;
    if (Error e = add_name(dir, name, node); e != Error::None) {
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

// Compaction moved one of a file's pages.
void page_moved(void* owner, uint32_t index, uint8_t* page) { static_cast<Node*>(owner)->pages[index] = page; }

// Room in the page table for `needed` pages (at most a kMaxFileSize file's),
// growing geometrically.
Error reserve_table(Node* file, size_t needed) {
    if (needed <= file->page_capacity) return Error::None;
    size_t most = (kMaxFileSize + kPageSize - 1) / kPageSize;
    size_t capacity = file->page_capacity ? file->page_capacity * 2 : 4;
    while (capacity < needed) capacity *= 2;
    if (capacity > most) capacity = most;
    auto* grown = static_cast<uint8_t**>(realloc(file->pages, capacity * sizeof(uint8_t*)));
    if (!grown) return Error::NoMemory;
    file->pages = grown;
    file->page_capacity = capacity;
    return Error::None;
}

// Calls copy(page_bytes, at, n) for each run of the file's bytes
// [offset, offset + length) within one page, `at` counting from 0. The
// pages must exist.
template <typename Copy> void for_each_run(Node* file, uint64_t offset, size_t length, Copy&& copy) {
    for (size_t done = 0; done < length;) {
        uint64_t position = offset + done;
        size_t in_page = static_cast<size_t>(position % kPageSize);
        size_t n = base::min(length - done, kPageSize - in_page);
        copy(file->pages[position / kPageSize] + in_page, done, n);
        done += n;
    }
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
// path is reported as such whatever the tree holds. Sets *length to the
// path's length.
Error check_path(const char* path, size_t* path_length) {
    if (!path || !path[0] || path[0] != '/') return Error::BadArgument;
    size_t n = 0;  // strlen bounded at kMaxPathLength + 1 (no strnlen in strict C++ mode)
    while (n <= kMaxPathLength && path[n]) n++;
    if (n > kMaxPathLength) return Error::TooLong;
    *path_length = n;
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
    size_t slot;  // where `name` was found in parent's entries (a hint: kNoSlot if not known)
    char name[kMaxFileNameLength + 1];
    bool trailing_slash;  // "/a/b/": the target must be a directory
};

constexpr size_t kNoSlot = ~size_t{0};

bool is_dot(const char* s, size_t n) { return n == 1 && s[0] == '.'; }
bool is_dot_dot(const char* s, size_t n) { return n == 2 && s[0] == '.' && s[1] == '.'; }

// Whether only '/' is left of a path.
bool at_end(const char* cursor) {
    while (*cursor == '/') cursor++;
    return !*cursor;
}

// Walks `path` from `from` (the root for an absolute path). Every
// component but the last must exist and be a directory (a symbolic link to
// one is followed); "." and ".." are resolved against the node reached so
// far. The last component, if a symbolic link, is followed if
// `follow_last`.
Error walk_from(Node* root, Node* from, const char* path, bool follow_last, uint32_t* hops, Lookup* out) {
    Node* parent = from->parent;
    Node* node = from;
    memcpy(out->name, from->name, strlen(from->name) + 1);  // not the whole array: walks are hot
    size_t slot = kNoSlot;
    const char* cursor = path;
    const char* start;
    size_t length;
    while (next_component(&cursor, &start, &length)) {
        if (!node) return Error::NotFound;  // a missing directory in the middle
        if (node->kind != Kind::Directory) return Error::NotDirectory;
        if (length > kMaxFileNameLength) return Error::TooLong;
        if (is_dot(start, length)) continue;
        if (is_dot_dot(start, length)) {
            if (node == root) return Error::BadArgument;
            node = node->parent;
            parent = node->parent;
            memcpy(out->name, node->name, strlen(node->name) + 1);
            slot = kNoSlot;
            continue;
        }
        memcpy(out->name, start, length);
        out->name[length] = 0;
        parent = node;
        bool found;
        slot = find_slot(parent, out->name, &found);
        node = found ? parent->children[slot]->node : nullptr;
        if (!found) slot = kNoSlot;
        if (!node || node->kind != Kind::Symlink || (at_end(cursor) && !follow_last && cursor[0] != '/')) continue;
        if (++*hops > kMaxSymlinkHops) return Error::Overflow;
        Lookup target;
        TRY_STATUS(walk_from(root, node->target[0] == '/' ? root : parent, node->target, true, hops, &target));
        parent = target.parent;
        node = target.node;
        slot = target.slot;
        memcpy(out->name, target.name, sizeof(out->name));
    }
    out->parent = parent;
    out->node = node;
    out->slot = slot;
    return Error::None;
}

Error walk(Node* root, const char* path, Lookup* out, bool follow_last = true) {
    if (!root) return Error::NoMemory;  // the constructor could not build the tree
    size_t length = 0;
    if (Error e = check_path(path, &length); e != Error::None) return e;
    uint32_t hops = 0;
    TRY_STATUS(walk_from(root, root, path, follow_last, &hops, out));
    out->trailing_slash = path[length - 1] == '/';
    if (out->trailing_slash && out->node && out->node->kind != Kind::Directory) return Error::NotDirectory;
    return Error::None;
}

}  // namespace

// ---- Tree ------------------------------------------------------------------

// A constructor cannot fail, so if the root or /tmp cannot be allocated the
// tree is left empty (root_ == nullptr) and every path operation answers
// NoMemory.
Tree::Tree(ArenaSource arenas, size_t arena_pages) : store_(arenas, arena_pages, page_moved) {
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
// The store gives every arena back as it goes.
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

void Tree::on_release(Released released, void* context) {
    released_ = released;
    released_context_ = context;
}

void Tree::drop_pages(Node* file) {
    size_t pages = file->page_count;
    if (!pages) return;
    for (size_t i = 0; i < pages; i++) store_.free(file->pages[i]);
    free(file->pages);
    file->pages = nullptr;
    file->page_count = file->page_capacity = 0;
    store_.compact();
    if (released_) released_(released_context_, file->owner, pages);
}

void Tree::truncate(Node* file) {
    drop_pages(file);
    file->size = 0;
}

Error Tree::grow(Node* file, uint64_t end) {
    size_t needed = pages_for(end);
    if (needed <= file->page_count) return Error::None;
    TRY_STATUS(reserve_table(file, needed));
    for (size_t i = file->page_count; i < needed; i++) {
        auto page = store_.allocate(file, static_cast<uint32_t>(i));
        if (page.is_error()) {  // all or nothing: give back what this write took
            for (size_t k = file->page_count; k < i; k++) store_.free(file->pages[k]);
            store_.compact();
            return page.error();
        }
        file->pages[i] = page.value();
    }
    file->page_count = needed;
    return Error::None;
}

size_t Tree::pages(const Node* file) const { return file->page_count; }
uint32_t Tree::owner(const Node* file) const { return file->owner; }
void Tree::set_owner(Node* file, uint32_t owner) { file->owner = owner; }

ErrorOr<Node*> Tree::open(const char* path, uint32_t flags) {
    constexpr uint32_t kAllFlags = proto::kOpenRead | proto::kOpenWrite | proto::kOpenCreate |
                                   proto::kOpenTruncate | proto::kOpenExclusive | proto::kOpenAppend |
                                   proto::kOpenNoAccessTime;  // (no access times in memory)
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
        if ((flags & proto::kOpenTruncate) && node->kind == Kind::File) {
            truncate(node);
            modified(node);
        }
    }
    node->open_count++;
    return node;
}

void Tree::release(Node* node) {
    if (!node || node->open_count == 0) return;
    if (--node->open_count > 0 || !node->unlinked) return;
    orphan_remove(root_, node);
    drop_pages(node);
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
    if (node->kind == Kind::Symlink) return {Kind::Symlink, strlen(node->target)};
    return {Kind::File, node->size};
}

Error Tree::mkdir(const char* path) {
    Lookup at;
    if (Error e = walk(root_, path, &at, false); e != Error::None) return e;
    if (at.node) return Error::AlreadyExists;
    auto created = create_child(at.parent, at.name, Kind::Directory);
    if (created.is_error()) return created.error();
    node_count_++;
    return Error::None;
}

Error Tree::remove(const char* path) {
    Lookup at;
    if (Error e = walk(root_, path, &at, false); e != Error::None) return e;
    Node* node = at.node;
    if (!node) return Error::NotFound;
    if (node == root_) return Error::BadArgument;
    if (node->kind == Kind::Directory && node->child_count > 0) return Error::NotEmpty;
    free(detach(at.parent, at.name, at.slot));
    node->ctime = at.parent->ctime;  // the same moment: one clock read, not two
    drop_name(node);
    return Error::None;
}

void Tree::drop_name(Node* node) {
    if (--node->links > 0) return;
    if (node->open_count > 0) {
        orphan_push(root_, node);  // freed by the last release()
        return;
    }
    drop_pages(node);
    free_node(node);
    node_count_--;
}

Error Tree::rename(const char* from, const char* to) {
    Lookup source, target;
    if (Error e = walk(root_, from, &source, false); e != Error::None) return e;
    if (Error e = walk(root_, to, &target, false); e != Error::None) return e;
    Node* node = source.node;
    if (!node) return Error::NotFound;
    if (node == root_ || target.node == root_) return Error::BadArgument;
    if (target.node == node) return Error::None;
    for (Node* up = target.parent; up; up = up->parent)  // a directory cannot move into itself
        if (up == node) return Error::BadArgument;
    Node* replaced = target.node;
    if (replaced) {
        if (node->kind == Kind::Directory && replaced->kind != Kind::Directory) return Error::NotDirectory;
        if (node->kind != Kind::Directory && replaced->kind == Kind::Directory) return Error::IsDirectory;
        if (replaced->kind == Kind::Directory && replaced->child_count > 0) return Error::NotEmpty;
    } else {
        if (target.trailing_slash && node->kind != Kind::Directory) return Error::NotDirectory;
    }
    // The allocations, made before anything changes: all or nothing.
    if (!replaced)
        if (Error e = reserve_child(target.parent); e != Error::None) return e;
    Entry* renamed = new_entry(target.name, node);
    if (!renamed) return Error::NoMemory;

    free(detach(source.parent, source.name, source.slot));
    if (replaced) {
        free(detach(target.parent, target.name, target.slot));
        drop_name(replaced);  // its data goes back to the store with its last name
    }
    attach(target.parent, renamed);  // room was there or was made above
    node->ctime = now();
    return Error::None;
}

ErrorOr<size_t> Tree::read(Node* file, uint64_t offset, void* buffer, size_t length) {
    if (!file) return Error::BadArgument;
    if (file->kind != Kind::File) return Error::IsDirectory;
    if (offset >= file->size) return size_t{0};
    size_t n = static_cast<size_t>(base::min<uint64_t>(length, file->size - offset));
    if (n == 0) return size_t{0};
    if (!buffer) return Error::BadArgument;
    auto* out = static_cast<uint8_t*>(buffer);
    for_each_run(file, offset, n, [&](const uint8_t* page, size_t at, size_t run) { memcpy(out + at, page, run); });
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
    size_t had = file->page_count;
    TRY_STATUS(grow(file, end));
    // A gap in pages the file already had is zeroed; new pages are zero.
    uint64_t gap_end = base::min<uint64_t>(offset, had * kPageSize);
    if (gap_end > file->size)
        for_each_run(file, file->size, static_cast<size_t>(gap_end - file->size),
                     [](uint8_t* page, size_t, size_t run) { memset(page, 0, run); });
    auto* in = static_cast<const uint8_t*>(data);
    for_each_run(file, offset, length, [&](uint8_t* page, size_t at, size_t run) { memcpy(page, in + at, run); });
    if (end > file->size) file->size = end;
    modified(file);
    return length;
}

uint64_t Tree::size(const Node* file) const { return stat(file).size; }

ErrorOr<const Node*> Tree::directory(const char* path) {
    Lookup at;
    if (Error e = walk(root_, path, &at); e != Error::None) return e;
    if (!at.node) return Error::NotFound;
    if (at.node->kind != Kind::Directory) return Error::NotDirectory;
    return static_cast<const Node*>(at.node);
}

ErrorOr<DirEntry> Tree::entry(const Node* dir, size_t index) const {
    if (index >= dir->child_count) return Error::NotFound;
    const Entry* child = dir->children[index];
    Stat s = stat(child->node);
    return DirEntry{s.kind, s.size, child->name};
}

ErrorOr<DirEntry> Tree::entry(const char* directory, size_t index) {
    const Node* dir = TRY(this->directory(directory));
    return entry(dir, index);
}

}  // namespace fs

namespace fs {

Error Tree::symlink(const char* target, const char* path) {
    if (!target || !target[0]) return Error::BadArgument;
    size_t length = strlen(target);
    if (length > kMaxPathLength) return Error::TooLong;
    Lookup at;
    TRY_STATUS(walk(root_, path, &at, false));
    if (at.node) return Error::AlreadyExists;
    if (at.trailing_slash) return Error::NotDirectory;
    char* copy = static_cast<char*>(malloc(length + 1));
    if (!copy) return Error::NoMemory;
    memcpy(copy, target, length + 1);
    auto link = create_child(at.parent, at.name, Kind::Symlink);
    if (link.is_error()) {
        free(copy);
        return link.error();
    }
    link.value()->target = copy;
    node_count_++;
    return Error::None;
}

ErrorOr<const char*> Tree::read_link(const char* path) {
    Lookup at;
    TRY_STATUS(walk(root_, path, &at, false));
    if (!at.node) return Error::NotFound;
    if (at.node->kind != Kind::Symlink) return Error::BadArgument;
    return static_cast<const char*>(at.node->target);
}

ErrorOr<Attributes> Tree::attributes(const char* path, bool follow) {
    Lookup at;
    TRY_STATUS(walk(root_, path, &at, follow));
    const Node* node = at.node;
    if (!node) return Error::NotFound;
    Attributes a{};
    Stat st = stat(node);
    a.kind = st.kind;
    a.mode = node->mode;
    a.size = st.size;
    a.links = node->links;
    if (node->kind == Kind::Directory) {
        a.links = 2;
        for (size_t i = 0; i < node->child_count; i++) a.links += node->children[i]->node->kind == Kind::Directory;
    }
    a.inode = node->ino;
    a.blocks = node->page_count * (kPageSize / 512);
    a.accessed = node->atime;
    a.modified = node->mtime;
    a.changed = node->ctime;
    return a;
}

Error Tree::set_times(const char* path, const Time* accessed, const Time* modified) {
    Lookup at;
    TRY_STATUS(walk(root_, path, &at));
    if (!at.node) return Error::NotFound;
    if (accessed) at.node->atime = *accessed;
    if (modified) at.node->mtime = *modified;
    at.node->ctime = now();
    return Error::None;
}

Error Tree::set_mode(const char* path, uint32_t mode) {
    Lookup at;
    TRY_STATUS(walk(root_, path, &at));
    if (!at.node) return Error::NotFound;
    at.node->mode = mode & 07777;
    at.node->ctime = now();
    return Error::None;
}

Error Tree::link(const char* from, const char* to) {
    Lookup source, target;
    TRY_STATUS(walk(root_, from, &source, false));
    if (!source.node) return Error::NotFound;
    if (source.node->kind == Kind::Directory) return Error::AccessDenied;  // EPERM on Linux
    TRY_STATUS(walk(root_, to, &target, false));
    if (target.node) return Error::AlreadyExists;
    if (target.trailing_slash) return Error::NotDirectory;
    TRY_STATUS(add_name(target.parent, target.name, source.node));
    source.node->ctime = now();
    return Error::None;
}

}  // namespace fs
