"""Disk images for the storage tests, with Linux's e2fsprogs as the judge.

make_image() builds an ext2 image with `mke2fs -d` from staged trees (the
build's root tree, build/root, plus whatever a test adds); e2fsck(),
e2fsck_clean() and debugfs() run the real tools on it; damage() flips bytes, chosen by a seed,
in one kind of metadata (superblock, group descriptors, inode table,
bitmaps, directory blocks) for the hostile-image tests. The acceptance
tests' `disk` fixture (tests/acceptance/conftest.py) and `make fuzz`
(harness/fuzz.py) use these."""

from __future__ import annotations

import random
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROOT_IMAGE = ROOT / "build" / "disk.img"
ROOT_TREE = ROOT / "build" / "root"


def tool(name: str) -> str:
    """The path of an e2fsprogs tool (they live in /sbin on Debian)."""
    for d in ("/usr/sbin", "/sbin"):
        if Path(d, name).exists():
            return str(Path(d, name))
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found (Debian package e2fsprogs; `make deps` installs it)")
    return found


def e2fsck(image, fix: bool = False) -> tuple[int, str]:
    """`e2fsck -fn` (or `-fy` with fix): its exit status and output."""
    result = subprocess.run([tool("e2fsck"), "-fy" if fix else "-fn", str(image)],
                            capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def e2fsck_clean(image) -> None:
    """Asserts that `e2fsck -fn` finds nothing wrong with the image."""
    status, report = e2fsck(image)
    assert status == 0, report


def debugfs(image, request: str, write: bool = False) -> bytes:
    """The output of one debugfs request on the image (read-only unless `write`)."""
    args = [tool("debugfs")] + (["-w"] if write else []) + ["-R", request, str(image)]
    return subprocess.run(args, capture_output=True, check=True).stdout


def make_image(path, trees=(), size: str = "16M", block_size: int = 4096, inodes: int | None = None,
               with_root: bool = True) -> Path:
    """An ext2 image at `path` holding the build's root tree (unless
    with_root is false) and every directory of `trees` copied over it."""
    path = Path(path)
    stage = path.with_name(path.name + ".tree")
    shutil.rmtree(stage, ignore_errors=True)
    if with_root:
        shutil.copytree(ROOT_TREE, stage, symlinks=True)
    else:
        stage.mkdir(parents=True)
    for tree in trees:
        shutil.copytree(tree, stage, symlinks=True, dirs_exist_ok=True)
    args = [tool("mke2fs"), "-q", "-F", "-t", "ext2", "-b", str(block_size), "-L", "rvos-test", "-d", str(stage)]
    if inodes:
        args += ["-N", str(inodes)]
    subprocess.run(args + [str(path), size], check=True, capture_output=True)
    shutil.rmtree(stage)
    return path


# ---- Damage -----------------------------------------------------------------------------------

KINDS = ("superblock", "group descriptors", "inode table", "block bitmap", "inode bitmap", "directory blocks")


def regions(image, directories=("/",)) -> dict[str, list[tuple[int, int]]]:
    """Byte ranges (offset, length) of each kind of metadata in the image,
    read from dumpe2fs (group 0; directory blocks of `directories`)."""
    out = subprocess.run([tool("dumpe2fs"), str(image)], capture_output=True, text=True, check=True).stdout
    block = int(re.search(r"^Block size:\s+(\d+)", out, re.M)[1])
    inode_size = int(re.search(r"^Inode size:\s+(\d+)", out, re.M)[1])
    used_inodes = int(re.search(r"^Inode count:\s+(\d+)", out, re.M)[1]) - \
        int(re.search(r"^Free inodes:\s+(\d+)", out, re.M)[1])
    blocks = int(re.search(r"^Block count:\s+(\d+)", out, re.M)[1])
    per_group = int(re.search(r"^Blocks per group:\s+(\d+)", out, re.M)[1])
    inodes_per_group = int(re.search(r"^Inodes per group:\s+(\d+)", out, re.M)[1])
    groups = -(-blocks // per_group)

    def at(pattern):
        m = re.search(pattern, out, re.M)
        return int(m[1]), int(m[2] or m[1])

    gd_first, gd_last = at(r"Group descriptors at (\d+)(?:-(\d+))?")
    table_first, _ = at(r"Inode table at (\d+)(?:-(\d+))?")
    block_bitmap, _ = at(r"Block bitmap at (\d+)()")
    inode_bitmap, _ = at(r"Inode bitmap at (\d+)()")
    dir_blocks = []
    for d in directories:
        for number in debugfs(image, f"blocks {d}").split():
            dir_blocks.append((int(number) * block, block))
    # Only the bytes that mean something: the superblock's fields, the
    # descriptors of the groups there are, the inodes in use, the bitmaps'
    # bits for group 0, whole directory blocks.
    return {
        "superblock": [(1024, 0x108)],
        "group descriptors": [(gd_first * block, 32 * groups)],
        "inode table": [(table_first * block, (used_inodes + 1) * inode_size)],
        "block bitmap": [(block_bitmap * block, -(-min(per_group, blocks) // 8))],
        "inode bitmap": [(inode_bitmap * block, -(-inodes_per_group // 8))],
        "directory blocks": dir_blocks,
    }


def damage(image, seed: int, kind: str | None = None, directories=("/",)) -> str:
    """Flips 1 to 8 bytes (chosen by `seed`) of one kind of metadata in the
    image; returns what was done, to print when a test fails."""
    rng = random.Random(seed)
    found = regions(image, directories)
    kind = kind or rng.choice(KINDS)
    offset, length = rng.choice(found[kind])
    data = bytearray(Path(image).read_bytes())
    changes = []
    for _ in range(rng.randint(1, 8)):
        at = offset + rng.randrange(length)
        new = rng.choice((0x00, 0xff, data[at] ^ (1 << rng.randrange(8)), rng.randrange(256)))
        if new == data[at]:
            new ^= 0x80
        changes.append(f"{at}:{data[at]:#04x}->{new:#04x}")
        data[at] = new
    Path(image).write_bytes(bytes(data))
    return f"seed {seed}: {kind}: " + " ".join(changes)


# ---- Rounds shared by the acceptance tests and `make fuzz` ------------------------------------

# What the hostile-image round does on a damaged root: reads, writes,
# deletes and a sync, each of which may fail, but only with an error.
HOSTILE_COMMANDS = ("ls /", "ls /home", "ls /home/dir", "cat /home/note", "stat /home/big", "cat /home/dir/b",
                    "cat /home/link", "write /home/new written on a damaged disk", "mkdir /home/made",
                    "rm /home/dir/a", "append /home/note more", "ls /home", "sync")


def hostile_tree(path) -> Path:
    """The small tree the hostile images hold: a few files, a directory,
    a symbolic link."""
    home = Path(path) / "home"
    (home / "dir").mkdir(parents=True)
    (home / "note").write_text("a note on the damaged disk\n")
    (home / "big").write_bytes(bytes(range(256)) * 200)
    for name in "abcdefgh":
        (home / "dir" / name).write_text(f"file {name}\n" * 20)
    (home / "link").symlink_to("note")
    return Path(path)


def hostile_round(boot, seed: int) -> str:
    """Boots a damaged image (`boot` returns the booted machine) and runs
    HOSTILE_COMMANDS: the file server either refused the volume at mount
    with a named error, or answers every request (an error is fine), and
    the system stays usable (`echo`, `mem`, `ps`). Returns the verdict."""
    machine = boot()
    try:
        refused = re.search(r"ext2: cannot mount blk0: (.+)", machine.log)
        for command in HOSTILE_COMMANDS:
            machine.run(command, timeout=30)
        assert machine.run("echo still here") == "still here"
        assert "frames: free" in machine.run("mem")
        ps = machine.run("ps")
        if not refused:
            rows = [line.split() for line in ps.splitlines() if line.split()[1:2] == ["ext2"]]
            assert rows and rows[0][2] != "exited", f"the file server is gone:\n{ps}"
        assert "[kernel] killed" not in machine.log, machine.tail()
        assert machine.shutdown(timeout=60) == 0
    finally:
        machine.close()
    return f"refused at mount ({refused[1].strip()})" if refused else "mounted; every request answered"


CRASH_LINE = re.compile(rb"disktest: synced (\d+)\r*\n")


def crash_round(boot, image, seed: int, most_seconds: float = 2.0) -> tuple[int, str]:
    """Kills QEMU (SIGKILL) at a random moment (chosen by `seed`, within
    most_seconds of the first fsync) while `disktest crash` writes, repairs
    the image with `e2fsck -fy`, boots again and checks that every file
    whose fsync had returned reads back intact. Returns how many files that
    was and e2fsck's summary of the repair."""
    rng = random.Random(seed)
    machine = boot()
    try:
        machine.send_raw(f"run disktest crash /home/crash {seed}\r".encode())
        machine.expect(CRASH_LINE, timeout=60)
        time.sleep(rng.uniform(0.0, most_seconds))
        machine.child.kill(signal.SIGKILL)
        machine.close()
    finally:
        machine.close()
    synced = 1 + max(int(n) for n in CRASH_LINE.findall(machine.log_bytes))
    status, report = e2fsck(image, fix=True)
    assert status in (0, 1), f"e2fsck -fy could not repair the image (status {status}):\n{report}"
    status, after = e2fsck(image)
    assert status == 0, f"the image is not clean after e2fsck -fy:\n{after}"
    machine = boot()
    try:
        out = machine.run(f"run disktest crashcheck /home/crash {seed} {synced}", timeout=300)
        assert f"disktest: crashcheck: {synced} of {synced} synced files intact" in out, out
        assert machine.shutdown(timeout=60) == 0
    finally:
        machine.close()
    repaired = [line for line in report.splitlines() if line and not line.startswith(("Pass ", "e2fsck "))]
    return synced, "; ".join(repaired[:6])


def storage_fuzz(kill_points: int, hostile_images: int, first_seed: int = 1000) -> bool:
    """`make fuzz`'s storage part: `kill_points` crash rounds and
    `hostile_images` damaged images (seeds from first_seed on, so not the
    ones `make check` runs), each on its own QEMU. Prints one line a round;
    returns whether every round passed."""
    import tempfile

    from .machine import Machine, default_kernel_path

    ok = True
    with tempfile.TemporaryDirectory(prefix="rvos-storage-fuzz-") as work:
        work = Path(work)
        image = work / "disk.img"

        def boot():
            m = Machine(kernel=default_kernel_path(), disks=(image,))
            m.boot()
            return m

        for seed in range(first_seed, first_seed + kill_points):
            shutil.copy(ROOT_IMAGE, image)
            try:
                synced, repaired = crash_round(boot, image, seed)
                status, report = e2fsck(image)
                assert status == 0, f"e2fsck -fn after the second boot:\n{report}"
                print(f"kill point {seed}: {synced} files fsync'ed before the kill, all intact; "
                      f"e2fsck -fy: {repaired or 'nothing to repair'}", flush=True)
            except Exception as failure:  # noqa: BLE001 - report every round, keep going
                ok = False
                print(f"kill point {seed}: FAILED: {failure}", flush=True)
        tree = hostile_tree(work / "tree")
        bases = {size: make_image(work / f"base-{size}.img", trees=[tree], size="2M", block_size=size,
                                  with_root=False) for size in (1024, 4096)}
        for seed in range(first_seed, first_seed + hostile_images):
            shutil.copy(bases[(1024, 4096)[seed % 2]], image)
            what = damage(image, seed, directories=("/", "/home", "/home/dir"))
            try:
                print(f"hostile image {what}: {hostile_round(boot, seed)}", flush=True)
            except Exception as failure:  # noqa: BLE001
                ok = False
                print(f"hostile image {what}: FAILED: {failure}", flush=True)
    return ok
