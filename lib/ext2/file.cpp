// File data: read, write and truncate of regular files through the block
// map and the cache. Reads of blocks not cached fetch the physically
// adjacent ones the same read needs in one device request. Bytes past the
// end of file inside its last block are kept zero, so growing a file
// always reveals zeros.
#include "base/string.h"
#include "ext2/volume.h"

namespace ext2 {

namespace {

constexpr int64_t kRelatimeSeconds = 24 * 60 * 60;
constexpr uint64_t kLargeFileSize = 0x7FFFFFFFull;  // past this the large_file feature is needed

ErrorOr<void> check_regular(const Inode& inode) {
    if (inode.is_directory()) return Error::IsDirectory;
    if (!inode.is_regular()) return Error::BadArgument;
    return {};
}

}  // namespace

// Zeroes the bytes from `from` to the end of its block, if it is mapped.
ErrorOr<void> Volume::zero_tail(Inode& inode, uint64_t from) {
    uint32_t within = static_cast<uint32_t>(from % layout_.block_size);
    if (within == 0) return {};
    uint32_t block = TRY(map_block(inode, static_cast<uint32_t>(from / layout_.block_size)));
    if (block == 0) return {};
    BlockRef ref = TRY(cache_.get(block));
    base::mem_set(ref.data() + within, 0, layout_.block_size - within);
    ref.mark_dirty();
    return {};
}

// Makes room in the format for a file of `size` bytes before anything is
// allocated: the large_file feature goes on the first time a file passes
// 2 GiB (revision 0 volumes have no feature fields: FileTooBig).
ErrorOr<void> Volume::allow_size(uint64_t size) {
    if (size <= kLargeFileSize || layout_.large_file) return {};
    if (!layout_.dynamic) return Error::FileTooBig;
    super_.feature_ro_compat |= kRoCompatLargeFile;
    layout_.large_file = true;
    return store_super();
}

ErrorOr<size_t> Volume::read(uint32_t ino, uint64_t offset, void* buffer, size_t length, bool access_time) {
    if (!mounted_) return Error::BadArgument;
    Inode inode = TRY(read_inode(ino));
    TRY(check_regular(inode));
    uint64_t size = inode.size();
    if (offset >= size || length == 0) return size_t{0};
    if (length > size - offset) length = static_cast<size_t>(size - offset);
    auto* out = static_cast<uint8_t*>(buffer);
    uint32_t bs = layout_.block_size;
    uint64_t last_logical = (offset + length - 1) / bs;
    // Read-ahead: a read from the start of a file, or on from where the last
    // read of it ended, fetches the blocks after it too (as many as one
    // prefetch carries), so a file read in order costs one batch of device
    // requests per kMaxRunBytes rather than one request per read call.
    bool sequential = offset == 0 || (ino == read_ahead_.ino && offset == read_ahead_.next);
    read_ahead_ = {ino, offset + length};
    for (size_t done = 0; done < length;) {
        uint64_t pos = offset + done;
        uint32_t logical = static_cast<uint32_t>(pos / bs);
        uint32_t within = static_cast<uint32_t>(pos % bs);
        size_t n = base::min<size_t>(bs - within, length - done);
        uint32_t block = TRY(map_block(inode, logical));
        if (block == 0) {
            base::mem_set(out + done, 0, n);
        } else {
            if (!cache_.contains(block)) {
                // The run of this read's blocks that lie next to each other,
                // and for a sequential read the file's blocks after them.
                uint32_t run = 1;
                uint32_t most = cache_.max_run_blocks();
                uint64_t last = sequential ? (size - 1) / bs : last_logical;
                while (run < most && logical + run <= last) {
                    uint32_t next = TRY(map_block(inode, logical + run));
                    if (next != block + run) break;
                    run++;
                }
                TRY(cache_.prefetch(block, run));
            }
            BlockRef ref = TRY(cache_.get(block));
            base::mem_copy(out + done, ref.data() + within, n);
        }
        done += n;
    }
    // relatime: atime moves when it is older than the last change or a day old.
    if (!options_.read_only && access_time) {
        Timestamp t = now();
        int64_t atime = get_atime(inode).seconds;
        if (atime <= get_mtime(inode).seconds || atime <= get_ctime(inode).seconds ||
            t.seconds - atime >= kRelatimeSeconds) {
            stamp_times(inode, t, true, false, false);
            TRY(write_inode(inode));
        }
    }
    return length;
}

ErrorOr<size_t> Volume::write(uint32_t ino, uint64_t offset, const void* data, size_t length) {
    TRY(check_writable());
    Inode inode = TRY(read_inode(ino));
    TRY(check_regular(inode));
    if (length == 0) return size_t{0};
    uint64_t max = layout_.max_file_size();
    if (offset >= max) return Error::FileTooBig;
    if (length > max - offset) length = static_cast<size_t>(max - offset);
    TRY(allow_size(offset + length));
    uint64_t old_size = inode.size();
    if (offset > old_size) TRY(zero_tail(inode, old_size));

    const auto* in = static_cast<const uint8_t*>(data);
    uint32_t bs = layout_.block_size;
    size_t done = 0;
    ErrorOr<void> status;
    while (done < length) {
        uint64_t pos = offset + done;
        uint32_t within = static_cast<uint32_t>(pos % bs);
        size_t n = base::min<size_t>(bs - within, length - done);
        bool fresh = false;
        auto block = map_or_allocate(inode, static_cast<uint32_t>(pos / bs), &fresh);
        if (block.is_error()) {
            status = block.error();
            break;
        }
        // A block written whole, or new, is not read first; a new one
        // written in part is zeros around the data.
        auto ref = n == bs ? cache_.get_zeroed(block.value())
                   : fresh ? cache_.get_cleared(block.value())
                           : cache_.get(block.value());
        if (ref.is_error()) {
            status = ref.error();
            break;
        }
        base::mem_copy(ref.value().data() + within, in + done, n);
        ref.value().mark_dirty();
        done += n;
    }
    if (done > 0) {
        if (offset + done > old_size) inode.set_size(offset + done);
        stamp_times(inode, now(), false, true, true);
    }
    // Written even after an error: blocks may have been mapped.
    TRY(write_inode(inode));
    if (done == 0 && status.is_error()) return status.error();
    return done;
}

ErrorOr<void> Volume::truncate(uint32_t ino, uint64_t size) {
    TRY(check_writable());
    Inode inode = TRY(read_inode(ino));
    TRY(check_regular(inode));
    if (size > layout_.max_file_size()) return Error::FileTooBig;
    TRY(allow_size(size));
    uint64_t old_size = inode.size();
    if (size == old_size) return {};
    auto resized = [&]() -> ErrorOr<void> {
        if (size < old_size) {
            TRY(free_blocks_from(inode, (size + layout_.block_size - 1) / layout_.block_size));
            return zero_tail(inode, size);
        }
        return zero_tail(inode, old_size);
    }();
    // On an error the size stays (the blocks left are inside it), but the
    // pointers already cleared are written: they match the bitmap.
    if (!resized.is_error()) {
        inode.set_size(size);
        stamp_times(inode, now(), false, true, true);
    }
    TRY(write_inode(inode));
    return resized;
}

}  // namespace ext2
