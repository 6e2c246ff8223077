// The in-memory filesystem tree of the fs server: directories and regular
// files addressed by absolute '/'-separated paths. Hardware-free and
// independent of IPC, so the host unit tests run it under ASan/UBSan.
// Nodes come from malloc (picolibc in the server, glibc on the host); file
// data from the page store (page_store.h), so deleting or truncating a file
// gives its memory back to the system. Every allocation failure is
// reported as Error::NoMemory.
#pragma once

#include "abi/abi.h"
#include "abi/protocol.h"
#include "base/error_or.h"
#include "page_store.h"

namespace fs {

using base::ErrorOr;
using rvos::Error;
using Kind = rvos::proto::FsKind;

struct Node;  // defined in tree.cpp

struct Stat {
    Kind kind;
    uint64_t size;  // bytes for files, number of entries for directories
};

// A time since 1970-01-01 UTC (CLOCK_REALTIME).
struct Time {
    int64_t seconds;
    uint32_t nanoseconds;
};

// What the tree keeps about a node beyond Stat. A file's blocks are its
// pages in 512-byte units; links is its number of names, and for a
// directory 2 plus its subdirectories, as on disk.
struct Attributes {
    Kind kind;
    uint32_t mode;  // permission bits: 0644 for a new file, 0755 a directory, 0777 a link
    uint32_t links;
    uint64_t inode;
    uint64_t size;  // bytes; a directory's entries; a symbolic link's target length
    uint64_t blocks;
    Time accessed, modified, changed;
};

struct DirEntry {
    Kind kind;
    uint64_t size;
    const char* name;  // valid until the directory changes
};

// Pages per arena: 512 KiB, so that a server holding all of memory in
// files still has mappings to spare (rvos::kMaxMappings).
inline constexpr size_t kArenaPages = 128;

inline constexpr uint32_t kMaxSymlinkHops = 40;  // as Linux

class Tree {
public:
    // Told when a file's pages go back to the store: whose they were (the
    // file's owner, see set_owner) and how many.
    using Released = void (*)(void* context, uint32_t owner, size_t pages);

    // An empty tree with the root directory and /tmp; file data in pages
    // from `arenas`.
    explicit Tree(ArenaSource arenas = heap_arenas(), size_t arena_pages = kArenaPages);
    ~Tree();
    Tree(const Tree&) = delete;
    Tree& operator=(const Tree&) = delete;

    // Path rules, checked by every call taking a path: non-empty, absolute,
    // at most rvos::kMaxPathLength bytes (else TooLong), components at most
    // rvos::kMaxFileNameLength bytes (else TooLong); "." components are
    // ignored, ".." goes to the parent and ".." above the root is
    // BadArgument; repeated '/' are allowed. A component that is a file where
    // a directory is needed is NotDirectory; a missing one is NotFound.

    // Opens (and with kOpenCreate creates) a regular file. flags are
    // rvos::proto::kOpen*. Opening a directory with kOpenWrite is IsDirectory
    // (read-only opens of directories are allowed); kOpenCreate|kOpenExclusive
    // on an existing path is AlreadyExists; kOpenTruncate empties a file.
    // The returned node is retained: the caller must release() it.
    ErrorOr<Node*> open(const char* path, uint32_t flags);
    void release(Node* node);  // a deleted node is freed at its last release

    ErrorOr<Stat> stat(const char* path);
    Stat stat(const Node* node) const;
    Error mkdir(const char* path);    // AlreadyExists if the path exists
    // Deletes a file or an empty directory (NotEmpty otherwise; the root is
    // BadArgument). Open nodes stay usable until released.
    Error remove(const char* path);
    // Moves `from` to `to`, all or nothing (as POSIX rename): an existing
    // `to` is replaced if it is a file and `from` is one, or an empty
    // directory and `from` is a directory (NotEmpty if it has entries,
    // IsDirectory / NotDirectory for a file against a directory). `to`
    // inside `from`, or either being the root, is BadArgument; the same
    // node twice is a success that changes nothing.
    Error rename(const char* from, const char* to);

    // Reads up to `length` bytes at `offset` (0 at or past the end).
    ErrorOr<size_t> read(Node* file, uint64_t offset, void* buffer, size_t length);
    // Writes at `offset`, zero-filling any gap; FileTooBig past
    // rvos::kMaxFileSize. Returns the bytes written.
    ErrorOr<size_t> write(Node* file, uint64_t offset, const void* data, size_t length);
    uint64_t size(const Node* file) const;

    // Pages of data a file holds, and how many a file of `bytes` holds.
    size_t pages(const Node* file) const;
    static size_t pages_for(uint64_t bytes) { return static_cast<size_t>((bytes + kPageSize - 1) / kPageSize); }
    // Whom a file's pages are charged to (0, nobody, for a new file): the
    // server's business; the tree only reports it when they go back.
    uint32_t owner(const Node* file) const;
    void set_owner(Node* file, uint32_t owner);
    void on_release(Released released, void* context);
    const PageStore& store() const { return store_; }

    // A hard link: `to` becomes another name of the file (or symbolic link)
    // `from` names. A directory is AccessDenied; `to` existing AlreadyExists.
    Error link(const char* from, const char* to);
    // Symbolic links: a node holding `target` (any text, kept as given). A
    // path's components that are symbolic links are followed (an absolute
    // target from the root, a relative one from the link's directory; at
    // most kMaxSymlinkHops in all, else Overflow), the last one too except
    // where a call says it is not: attributes(.., false), remove, rename,
    // mkdir, symlink and read_link take the link itself.
    Error symlink(const char* target, const char* path);  // AlreadyExists, BadArgument for ""
    // The target of the link at `path` (valid until it changes), BadArgument
    // if it is not a link.
    ErrorOr<const char*> read_link(const char* path);
    ErrorOr<Attributes> attributes(const char* path, bool follow);
    // Sets the access and/or modification time (nullptr leaves one as it
    // is); the change time becomes now.
    Error set_times(const char* path, const Time* accessed, const Time* modified);
    // Sets the permission bits (kept, never enforced); the change time becomes now.
    Error set_mode(const char* path, uint32_t mode);

    // Entry `index` of a directory (in name order), or NotFound past the end.
    ErrorOr<DirEntry> entry(const char* directory, size_t index);
    // The same on a directory looked up once (NotFound, NotDirectory), so a
    // listing walks its path once rather than once an entry.
    ErrorOr<const Node*> directory(const char* path);
    ErrorOr<DirEntry> entry(const Node* directory, size_t index) const;

    size_t node_count() const { return node_count_; }

private:
    // Gives a file's pages back (and tells on_release's callback).
    void drop_pages(Node* file);
    // One of the node's names went: with its last, the node goes too (at
    // its last release if it is open).
    void drop_name(Node* node);
    void truncate(Node* file);
    // Pages for bytes [0, end), all or nothing.
    Error grow(Node* file, uint64_t end);

    PageStore store_;
    Node* root_ = nullptr;
    size_t node_count_ = 0;
    Released released_ = nullptr;
    void* released_context_ = nullptr;
};

}  // namespace fs
