// The in-memory filesystem tree of the fs server: directories and regular
// files addressed by absolute '/'-separated paths. Hardware-free and
// independent of IPC, so the host unit tests run it under ASan/UBSan.
// Memory comes from malloc/realloc/free (picolibc in the server, glibc on
// the host); every allocation failure is reported as Error::NoMemory.
#pragma once

#include "abi/abi.h"
#include "abi/protocol.h"
#include "base/error_or.h"

namespace fs {

using base::ErrorOr;
using rvos::Error;
using Kind = rvos::proto::FsKind;

struct Node;  // defined in tree.cpp

struct Stat {
    Kind kind;
    uint64_t size;  // bytes for files, number of entries for directories
};

struct DirEntry {
    Kind kind;
    uint64_t size;
    const char* name;  // valid until the directory changes
};

class Tree {
public:
    // An empty tree with the root directory and /tmp.
    Tree();
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

    // Entry `index` of a directory (in name order), or NotFound past the end.
    ErrorOr<DirEntry> entry(const char* directory, size_t index);

    size_t node_count() const { return node_count_; }

private:
    Node* root_;
    size_t node_count_ = 0;
};

}  // namespace fs
