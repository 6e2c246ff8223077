"""The root disk image the build makes (issue "Persistent storage", item 5):
an ext2 volume that Linux's own tools accept, holding /bin/<every program>,
/etc and an empty /home, made again only when what it would hold changes,
so what a user writes on it survives one `make run` to the next.
e2fsck and debugfs (Debian's e2fsprogs) are the judges."""

import shutil
import subprocess
from pathlib import Path

import pytest

from harness.disk import debugfs, e2fsck
from harness.shell import search

REPO = Path(__file__).resolve().parents[2]
IMAGE = REPO / "build" / "disk.img"
MAKE_DISK = REPO / "harness" / "make-disk.sh"


def programs():
    """The embedded program list, as the Makefile declares it."""
    out = subprocess.run(["make", "-s", "--no-print-directory", "-f", "Makefile", "-f", "-", "print-programs"],
                         input=b"print-programs:\n\t@echo $(PROGRAMS)\n", cwd=REPO, capture_output=True, check=True)
    return out.stdout.decode().split()


def test_the_root_image_is_a_clean_ext2_volume():
    assert IMAGE.is_file(), "build/disk.img missing: run `make build`"
    status, report = e2fsck(IMAGE)
    assert status == 0, report
    assert "rvos-root" in report


def test_bin_holds_every_program_byte_for_byte_and_etc_and_home_exist():
    names = debugfs(IMAGE, "ls -p /bin").decode()
    listed = {field.split("/")[5] for field in names.split("\n") if field.count("/") >= 6} - {".", ".."}
    assert listed == set(programs()), f"/bin: {sorted(listed)}"
    for name in ("hello", "shell", "virtio-blk"):
        assert debugfs(IMAGE, f"cat /bin/{name}") == (REPO / "build" / "user" / f"{name}.elf").read_bytes(), name
    assert b"rvOS-C++" in debugfs(IMAGE, "cat /etc/motd")
    home = debugfs(IMAGE, "ls -p /home").decode()
    assert [l for l in home.split("\n") if l.count("/") >= 6 and l.split("/")[5] not in (".", "..")] == []


def test_the_image_is_made_again_only_when_what_it_holds_changes(tmp_path):
    image = tmp_path / "disk.img"
    hello = str(REPO / "build" / "user" / "hello.elf")
    subprocess.run([str(MAKE_DISK), str(image), "8M", hello], cwd=REPO, check=True, capture_output=True)
    note = tmp_path / "note"
    note.write_bytes(b"a user's note\n")
    debugfs(image, f"write {note} /home/note", write=True)  # a user's file
    # Same inputs: the image is kept, and the user's file with it.
    out = subprocess.run([str(MAKE_DISK), str(image), "8M", hello], cwd=REPO, check=True, capture_output=True)
    assert b"made from" not in out.stdout
    assert debugfs(image, "cat /home/note") == b"a user's note\n"
    # Different inputs (another program): made again from the staged tree.
    bye = str(REPO / "build" / "user" / "crash.elf")
    out = subprocess.run([str(MAKE_DISK), str(image), "8M", hello, bye], cwd=REPO, check=True, capture_output=True)
    assert b"made from" in out.stdout
    assert debugfs(image, "cat /bin/crash") == Path(bye).read_bytes()
    assert debugfs(image, "cat /home/note") == b""


def test_the_guest_finds_the_root_disk_as_blk0(disk):
    m = disk.boot()
    found = search(r"^blktest: blk0: (\d+) sectors", m.run("run blktest info"), "info")
    assert int(found[1]) * 512 == disk.path.stat().st_size
