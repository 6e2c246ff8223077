"""Acceptance tests for the block device path (issue "Persistent storage",
items 1 and 2): init finds the virtio-blk device in the device tree,
starts the user-space driver with the device's objects, and a program
moves sectors through the block protocol. The host's copy of the disk image
is the judge: what the guest reads is what the host put there, and what the
guest writes is in the host's file afterwards."""

import os
import random
import re

import pytest

from harness import Machine, default_disk_path, default_kernel_path, fresh_disk
from harness.shell import lines, search

SECTOR = 512
MASK = (1 << 64) - 1


def pattern(seed, sector, i):
    """blktest's pattern byte (user/tests/blktest/main.cpp)."""
    x = (seed * 0x9E3779B97F4A7C15 + sector * 0x100000001B3 + i) & MASK
    x ^= x >> 29
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    return (x >> 32) & 0xFF


def checksum(data):
    total = 0
    for b in data:
        total = (total * 31 + b) & MASK
    return total


@pytest.fixture
def disk(tmp_path):
    """An 8 MiB raw disk image with random bytes in sectors 100..199."""
    path = tmp_path / "disk.img"
    rng = random.Random(2026)
    with open(path, "wb") as f:
        f.truncate(8 << 20)
        f.seek(100 * SECTOR)
        f.write(bytes(rng.getrandbits(8) for _ in range(100 * SECTOR)))
    return path


@pytest.fixture
def machine_with_disk(disk, tmp_path, request):
    """The root disk as blk0 (blktest is in its /bin) and the test's disk as blk1."""
    root = fresh_disk(default_disk_path(), tmp_path / "root.img")
    m = Machine(kernel=default_kernel_path(), disks=(root, disk))
    request.node._rvos_machine = m
    m.boot()
    yield m
    m.close()


def blktest(machine, args):
    """Runs blktest on the test's disk (blk1)."""
    return machine.run(f"run blktest -d blk1 {args}")


def test_init_starts_a_driver_for_the_disk_the_machine_has(machine_with_disk):
    log = machine_with_disk.log
    search(r"\[boot\] virtio slot \d: virtio-blk 1 \(irq \d+\)", log, "the driver's boot line")
    out = blktest(machine_with_disk, "info")
    found = search(r"^blktest: blk1: (\d+) sectors of 512 bytes, read-only no, (\d+) in flight", out, "info")
    assert int(found[1]) == (8 << 20) // SECTOR
    assert int(found[2]) >= 4


def test_a_machine_has_a_block_service_per_disk_and_no_more(machine):
    # The default machine has one disk, the root disk: blk0 and nothing else.
    assert "blktest: blk0:" in machine.run("run blktest info")
    out = machine.run("run blktest -d blk1 info")
    assert "blktest: cannot connect to blk1: not found" in out, out


def test_sectors_read_are_the_bytes_on_the_host(machine_with_disk, disk):
    out = blktest(machine_with_disk, "sum 100 100")
    got = search(r"^blktest: sum ([0-9a-f]{16})$", out, "the checksum")
    data = disk.read_bytes()[100 * SECTOR:200 * SECTOR]
    assert int(got[1], 16) == checksum(data)


def test_sectors_written_reach_the_host_file(machine_with_disk, disk):
    # 300 sectors: several requests of the largest size and a partial one.
    out = blktest(machine_with_disk, "write 1000 300 7")
    assert "blktest: wrote 300 sectors from 1000" in out, out
    out = blktest(machine_with_disk, "verify 1000 300 7")
    assert "blktest: verified 300 sectors from 1000: 0 bad bytes" in out, out
    machine_with_disk.close()  # QEMU has written everything
    data = disk.read_bytes()
    for sector in range(1000, 1300):
        want = bytes(pattern(7, sector, i) for i in range(SECTOR))
        assert data[sector * SECTOR:(sector + 1) * SECTOR] == want, f"sector {sector}"
    # The sectors around it are untouched (zero).
    assert data[999 * SECTOR:1000 * SECTOR] == bytes(SECTOR)
    assert data[1300 * SECTOR:1301 * SECTOR] == bytes(SECTOR)


def test_replies_name_their_requests_with_every_slot_in_flight(machine_with_disk):
    out = blktest(machine_with_disk, "parallel")
    found = search(r"^blktest: (\d+) answered, (\d+) busy$", out, "the parallel summary")
    info = search(r"(\d+) in flight", blktest(machine_with_disk, "info"), "in flight")
    # One more request than slots: each is answered once, under its own tag,
    # either done or refused as busy.
    assert int(found[1]) + int(found[2]) == int(info[1]) + 1, out
    assert int(found[1]) >= int(info[1]), out


def test_requests_past_the_disk_or_the_buffer_are_refused(machine_with_disk):
    out = blktest(machine_with_disk, "bad")
    for what in ("past the end", "straddling the end", "no sectors", "too many sectors", "past the buffer",
                 "huge offset"):
        assert f"blktest: {what}: bad argument" in out, out
    # And the driver still serves.
    assert "0 bad bytes" in blktest(machine_with_disk, "write 5 3 1") + \
        blktest(machine_with_disk, "verify 5 3 1")
