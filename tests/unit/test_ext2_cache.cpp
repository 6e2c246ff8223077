// The ext2 block cache: bounded slots, hits without device reads, pinned
// blocks never evicted, dirty blocks written only by write-back (sorted,
// adjacent ones in one request) or before their slot is reused, device
// errors reported with the blocks kept dirty, and the age of the oldest
// unwritten change, and the checked mark a directory check leaves.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "ext2/cache.h"
#include "ext2_support.h"

using namespace ext2_test;
using ext2::BlockCache;
using ext2::BlockRef;

namespace {

constexpr uint32_t kBlock = 1024;
constexpr uint32_t kBlocks = 256;

class Ext2Cache : public ::testing::Test {
protected:
    void SetUp() override {
        std::vector<uint8_t> bytes(kBlock * kBlocks);
        for (uint32_t b = 0; b < kBlocks; b++) std::memset(&bytes[b * kBlock], static_cast<int>(b & 0xFF), kBlock);
        device = std::make_unique<MemoryDevice>(std::move(bytes));
        memory.resize(BlockCache::bytes_for(32, kBlock));
        ASSERT_FALSE(cache.init(*device, clock, kBlock, kBlocks, memory.data(), memory.size()).is_error());
    }
    uint8_t on_disk(uint32_t block) { return device->bytes[block * kBlock]; }

    std::unique_ptr<MemoryDevice> device;
    TestClock clock;
    std::vector<uint8_t> memory;
    BlockCache cache;
};

TEST_F(Ext2Cache, HoldsAsManyBlocksAsItsMemoryAllowsAndRefusesTooLittle) {
    EXPECT_EQ(cache.slot_count(), 32u);
    BlockCache small;
    std::vector<uint8_t> tiny(BlockCache::bytes_for(BlockCache::kMinSlots, kBlock) - kBlock);
    EXPECT_EQ(small.init(*device, clock, kBlock, kBlocks, tiny.data(), tiny.size()).error(), Error::NoMemory);
}

TEST_F(Ext2Cache, ASecondGetIsAHitWithoutADeviceRead) {
    {
        BlockRef a = EXT2_OK(cache.get(7));
        EXPECT_EQ(a.data()[0], 7);
    }
    uint64_t reads = device->reads;
    BlockRef again = EXT2_OK(cache.get(7));
    EXPECT_EQ(device->reads, reads);
    EXPECT_EQ(cache.stats().hits, 1u);
}

TEST_F(Ext2Cache, BlocksPastTheVolumeAreRefusedWithoutADeviceRequest) {
    EXPECT_EQ(cache.get(kBlocks).error(), ext2::kCorrupt);
    EXPECT_EQ(cache.get_zeroed(~0u).error(), ext2::kCorrupt);
    EXPECT_FALSE(device->out_of_range);
    EXPECT_EQ(device->reads, 0u);
}

TEST_F(Ext2Cache, ChangesReachTheDeviceOnlyAtWriteBackInOneRequestPerRun) {
    for (uint32_t b : {12u, 10u, 11u, 40u}) {
        BlockRef ref = EXT2_OK(cache.get(b));
        ref.data()[0] = 0xEE;
        ref.mark_dirty();
    }
    EXPECT_EQ(on_disk(10), 10);
    EXPECT_EQ(cache.dirty_count(), 4u);
    EXT2_OK(cache.write_back());
    for (uint32_t b : {10u, 11u, 12u, 40u}) EXPECT_EQ(on_disk(b), 0xEE) << b;
    EXPECT_EQ(device->writes, 2u) << "blocks 10-12 in one request, 40 in another";
    EXPECT_EQ(cache.dirty_count(), 0u);
    EXT2_OK(cache.write_back());
    EXPECT_EQ(device->writes, 2u) << "nothing left to write";
}

TEST_F(Ext2Cache, ReusingADirtySlotWritesItBackFirstAndTheCacheStaysBounded) {
    {
        BlockRef ref = EXT2_OK(cache.get(3));
        ref.data()[0] = 0xAB;
        ref.mark_dirty();
    }
    for (uint32_t b = 100; b < 100 + 64; b++) EXT2_OK(cache.get(b));  // twice the slots
    EXPECT_EQ(on_disk(3), 0xAB);
    EXPECT_GT(cache.stats().evictions, 0u);
    BlockRef back = EXT2_OK(cache.get(3));
    EXPECT_EQ(back.data()[0], 0xAB);
}

TEST_F(Ext2Cache, PinnedBlocksAreNeverEvicted) {
    std::vector<BlockRef> pinned;
    for (uint32_t b = 0; b < 31; b++) pinned.push_back(EXT2_OK(cache.get(b)));
    for (uint32_t b = 0; b < 31; b++) pinned[b].data()[1] = static_cast<uint8_t>(b + 1);
    for (uint32_t b = 200; b < 230; b++) EXT2_OK(cache.get(b));  // all through the one free slot
    for (uint32_t b = 0; b < 31; b++) EXPECT_EQ(pinned[b].data()[1], b + 1);
    BlockRef last = EXT2_OK(cache.get(231));
    EXPECT_EQ(cache.get(232).error(), Error::NoMemory) << "every slot pinned";
    EXPECT_EQ(cache.pinned_count(), 32u);
    pinned.clear();
    last.reset();
    EXPECT_EQ(cache.pinned_count(), 0u);
    EXT2_OK(cache.get(232));
}

TEST_F(Ext2Cache, ADeviceErrorOnWriteBackIsReportedAndTheBlocksStayDirty) {
    {
        BlockRef ref = EXT2_OK(cache.get(5));
        ref.data()[0] = 0x55;
        ref.mark_dirty();
    }
    device->healthy_requests = 0;
    EXPECT_EQ(cache.write_back().error(), ext2::kDeviceError);
    EXPECT_EQ(cache.dirty_count(), 1u);
    EXPECT_EQ(cache.get(77).error(), ext2::kDeviceError) << "a read fails too";
    device->healthy_requests = -1;
    EXT2_OK(cache.write_back());
    EXPECT_EQ(on_disk(5), 0x55);
    BlockRef fine = EXT2_OK(cache.get(77));
    EXPECT_EQ(fine.data()[0], 77);
}

TEST_F(Ext2Cache, GetZeroedDoesNotReadAndDiscardDropsAFreedBlocksChanges) {
    uint64_t reads = device->reads;
    {
        BlockRef ref = EXT2_OK(cache.get_zeroed(9));
        EXPECT_EQ(ref.data()[0], 0);
        ref.data()[0] = 0x99;
        ref.mark_dirty();
    }
    EXPECT_EQ(device->reads, reads);
    cache.discard(9);
    EXPECT_FALSE(cache.has_dirty());
    EXT2_OK(cache.write_back());
    EXPECT_EQ(on_disk(9), 9);
}

TEST_F(Ext2Cache, PrefetchReadsAnUncachedRunInOneRequest) {
    EXT2_OK(cache.get(52));
    uint64_t reads = device->reads;
    EXT2_OK(cache.prefetch(48, 8));  // stops at the cached 52
    EXPECT_EQ(device->reads, reads + 1);
    for (uint32_t b = 48; b < 53; b++) EXPECT_TRUE(cache.contains(b)) << b;
    EXPECT_FALSE(cache.contains(53));
    for (uint32_t b = 48; b < 52; b++) EXPECT_EQ(EXT2_OK(cache.get(b)).data()[0], b);
    EXPECT_EQ(device->reads, reads + 1);
}

TEST_F(Ext2Cache, DirtySinceIsTheTimeOfTheOldestUnwrittenChange) {
    clock.monotonic = 1000;
    EXPECT_FALSE(cache.has_dirty());
    EXT2_OK(cache.get(1)).mark_dirty();
    clock.monotonic = 2000;
    EXT2_OK(cache.get(2)).mark_dirty();
    EXPECT_EQ(cache.dirty_since_ns(), 1000u);
    EXT2_OK(cache.write_back());
    EXPECT_FALSE(cache.has_dirty());
    clock.monotonic = 3000;
    EXT2_OK(cache.get(1)).mark_dirty();
    EXPECT_EQ(cache.dirty_since_ns(), 3000u);
}

// The volume's write-back policy on top: nothing reaches the image until the
// oldest change is old enough (or sync), then everything does.
TEST(Ext2WriteBack, AChangeReachesTheImageWithinTheDelayOrAtSync) {
    std::string dir = work_dir();
    std::string image = dir + "/disk.img";
    make_image(image, 8u << 20, 1024);
    auto m = mount_file(image);
    m->clock.monotonic = 10'000'000'000;
    put_file(m->volume, "/late", "written back later");
    EXPECT_TRUE(m->volume.has_unwritten());
    EXPECT_EQ(debugfs_cat(image, "/late"), "") << "not on disk yet";
    m->clock.monotonic += ext2::kWriteBackDelayNs - 1;
    EXPECT_FALSE(EXT2_OK(m->volume.flush_if_older_than(m->clock.monotonic - ext2::kWriteBackDelayNs)));
    m->clock.monotonic += 1;
    EXPECT_EQ(m->volume.dirty_since_ns() + ext2::kWriteBackDelayNs, m->clock.monotonic);
    EXPECT_TRUE(EXT2_OK(m->volume.flush_if_older_than(m->clock.monotonic - ext2::kWriteBackDelayNs)));
    EXPECT_FALSE(m->volume.has_unwritten());
    EXPECT_EQ(debugfs_cat(image, "/late"), "written back later");
    EXPECT_EQ(fsck_problems(image), "") << "consistent while still mounted";
    put_file(m->volume, "/synced", "at once");
    EXT2_OK(m->volume.fsync(resolve(m->volume, "/synced")));
    EXPECT_EQ(debugfs_cat(image, "/synced"), "at once");
}

TEST(Ext2WriteBack, ASmallCacheStillWritesLargeFilesCorrectly) {
    std::string dir = work_dir();
    std::string image = dir + "/disk.img";
    make_image(image, 16u << 20, 4096);
    auto m = mount_file(image, ext2::BlockCache::kMinSlots);
    std::string data = pattern(3 << 20, 11);
    put_file(m->volume, "/big", data);
    EXPECT_LE(m->volume.cache().slot_count(), 20u);
    EXPECT_SAME_BYTES(get_file(m->volume, "/big"), data);
    EXT2_OK(m->volume.unmount());
    EXPECT_EQ(fsck_problems(image), "");
    EXPECT_SAME_BYTES(debugfs_cat(image, "/big"), data);
}

// A device that moves blocks to and from their own addresses (the server's
// block client): a prefetched run and a written-back run are one call each,
// straight between the slots and the device, with the same bytes.
class BlockMovingDevice final : public ext2::BlockDevice {
public:
    explicit BlockMovingDevice(std::vector<uint8_t> image) : disk(std::move(image)) {}
    uint64_t sector_count() override { return disk.sector_count(); }
    ErrorOr<void> read(uint64_t s, uint32_t c, void* b) override { return disk.read(s, c, b); }
    ErrorOr<void> write(uint64_t s, uint32_t c, const void* d) override { return disk.write(s, c, d); }
    ErrorOr<void> flush() override { return disk.flush(); }
    ErrorOr<bool> read_blocks(uint64_t sector, uint32_t block_sectors, uint32_t count, uint8_t* const* blocks) override {
        block_reads++;
        for (uint32_t i = 0; i < count; i++) TRY(disk.read(sector + uint64_t{i} * block_sectors, block_sectors, blocks[i]));
        return true;
    }
    ErrorOr<bool> write_blocks(uint64_t sector, uint32_t block_sectors, uint32_t count,
                               const uint8_t* const* blocks) override {
        block_writes++;
        for (uint32_t i = 0; i < count; i++) TRY(disk.write(sector + uint64_t{i} * block_sectors, block_sectors, blocks[i]));
        return true;
    }
    MemoryDevice disk;
    int block_reads = 0, block_writes = 0;
};

TEST(Ext2CacheBlocks, RunsMoveStraightBetweenSlotsAndADeviceThatOffersIt) {
    std::vector<uint8_t> bytes(kBlock * kBlocks);
    for (uint32_t b = 0; b < kBlocks; b++) std::memset(&bytes[b * kBlock], static_cast<int>(b & 0xFF), kBlock);
    BlockMovingDevice device(std::move(bytes));
    TestClock clock;
    std::vector<uint8_t> memory(BlockCache::bytes_for(64, kBlock));
    BlockCache cache;
    ASSERT_FALSE(cache.init(device, clock, kBlock, kBlocks, memory.data(), memory.size()).is_error());
    ASSERT_GE(cache.max_run_blocks(), 8u);
    EXT2_OK(cache.prefetch(20, 8));
    EXPECT_EQ(device.block_reads, 1);
    EXPECT_EQ(device.disk.reads, 8u) << "the test device reads block by block";
    for (uint32_t b = 20; b < 28; b++) EXPECT_EQ(EXT2_OK(cache.get(b)).data()[kBlock - 1], b) << b;
    for (uint32_t b : {41u, 40u, 42u}) {
        BlockRef ref = EXT2_OK(cache.get(b));
        std::memset(ref.data(), 0xC0 + static_cast<int>(b - 40), kBlock);
        ref.mark_dirty();
    }
    EXT2_OK(cache.write_back());
    EXPECT_EQ(device.block_writes, 1) << "blocks 40-42 in one call";
    for (uint32_t b = 40; b < 43; b++) {
        EXPECT_EQ(device.disk.bytes[b * kBlock], 0xC0 + (b - 40)) << b;
        EXPECT_EQ(device.disk.bytes[b * kBlock + kBlock - 1], 0xC0 + (b - 40)) << b;
    }
}

// Read-ahead: a file read in order from its start comes from the device in
// requests of the largest run the cache fetches (256 KiB here), not one per
// read call; reads that jump about fetch only the blocks they need.
TEST(Ext2ReadAhead, ASequentialReadFetchesLargeRunsAndARandomOneOnlyWhatItReads) {
    std::string dir = work_dir();
    std::string image = dir + "/disk.img";
    make_image(image, 16u << 20, 4096);
    std::string data = pattern(1 << 20, 12);
    {
        auto m = mount_file(image);
        put_file(m->volume, "/big", data);
        EXT2_OK(m->volume.unmount());
    }
    auto fresh = [&] { return EXT2_OK(mount_memory(read_file(image), 512)); };
    auto m = fresh();
    ASSERT_EQ(m->volume.cache().max_run_blocks() * 4096u, ext2::BlockCache::kMaxRunBytes);
    uint32_t ino = resolve(m->volume, "/big");
    std::string got(data.size(), '\0');
    uint64_t before = m->memory_device->reads;
    for (size_t at = 0; at < data.size(); at += 16384) EXT2_OK(m->volume.read(ino, at, got.data() + at, 16384));
    EXPECT_SAME_BYTES(got, data);
    // 1 MiB in 256 KiB runs; the indirect block's run may split one.
    EXPECT_LE(m->memory_device->reads - before, 6u) << "64 read calls";

    auto r = fresh();
    ino = resolve(r->volume, "/big");
    before = r->memory_device->reads;
    char block[4096];
    for (uint64_t at : {uint64_t{512} << 10, uint64_t{100} << 10, uint64_t{900} << 10}) {
        EXT2_OK(r->volume.read(ino, at, block, sizeof block));
        EXPECT_EQ(std::string(block, sizeof block), data.substr(at, sizeof block));
    }
    EXPECT_LE(r->memory_device->reads - before, 4u) << "three blocks (and the indirect block)";
    EXPECT_LE(r->volume.cache_stats().misses, 8u) << "nothing fetched ahead of reads that jump";
}

}  // namespace

// The mark a directory's check leaves on a block lasts only while the block
// is unchanged: a change, or the block read again from the device, clears it.
TEST_F(Ext2Cache, ACheckedMarkLastsUntilTheBlockChangesOrIsReadAgain) {
    {
        BlockRef ref = EXT2_OK(cache.get(3));
        EXPECT_FALSE(ref.checked());
        ref.set_checked();
    }
    {
        BlockRef ref = EXT2_OK(cache.get(3));
        EXPECT_TRUE(ref.checked());
        ref.data()[0] = 0x55;
        ref.mark_dirty();
        EXPECT_FALSE(ref.checked());
        ref.set_checked();
        ref.data()[1] = 0x66;
        ref.mark_dirty();  // already dirty: still a change
        EXPECT_FALSE(ref.checked());
        ref.set_checked();
    }
    ASSERT_FALSE(cache.write_back().is_error());
    cache.discard(3);
    BlockRef again = EXT2_OK(cache.get(3));
    EXPECT_FALSE(again.checked());
}
