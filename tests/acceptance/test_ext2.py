"""The disk's ext2 volume as the root of the name space (issue "Persistent
storage", items 3 and 4): files written in the guest are on the disk image
as Linux's tools read it, survive a reboot, and the image stays one that
e2fsck accepts; /tmp is the RAM file system, and a rename between the two
is refused as a cross-device link. Each test boots a copy of the image the
build made (build/disk.img): the `disk` fixture of conftest.py, which also
runs e2fsck -fn on it after the test."""

import hashlib
import subprocess
from pathlib import Path

import pytest

from harness.disk import debugfs, e2fsck_clean
from harness.shell import lines

REPO = Path(__file__).resolve().parents[2]
HAVE_LUA = (REPO / "build" / "user" / "lua.elf").is_file()


def test_the_root_is_the_disk_and_tmp_is_in_memory(disk):
    m = disk.boot()
    try:
        names = set(lines(m.run("ls /")))
        assert any("bin" in n for n in names) and any("etc" in n for n in names), names
        assert "rvOS-C++" in m.run("cat /etc/motd")
        assert "hello" in m.run("ls /bin")
    finally:
        m.close()


def test_a_file_written_on_the_disk_survives_a_reboot_and_linux_reads_it(disk):
    m = disk.boot()
    m.run("write /home/note written in the guest")
    m.run("write /tmp/scratch gone after a reboot")
    assert m.run("cat /home/note") == "written in the guest"
    disk.shut_down(m)
    e2fsck_clean(disk)
    assert debugfs(disk, "cat /home/note") == b"written in the guest\n"
    m = disk.boot()
    try:
        assert m.run("cat /home/note") == "written in the guest"
        assert "No such file or directory" in m.run("cat /tmp/scratch")
    finally:
        m.close()


def test_changes_reach_the_disk_within_seconds_without_a_shutdown(disk):
    m = disk.boot()
    try:
        m.run("write /home/late written, then left to the write-back")
        # The server writes changes back at most 5 s after they are made.
        deadline = __import__("time").monotonic() + 30
        while __import__("time").monotonic() < deadline:
            try:
                if debugfs(disk, "cat /home/late") == b"written, then left to the write-back\n":
                    break
            except subprocess.CalledProcessError:
                pass
            __import__("time").sleep(0.5)
        else:
            pytest.fail("the change did not reach the disk image")
    finally:
        m.close()


@pytest.mark.skipif(not HAVE_LUA, reason="lua was not built (its Debian sources could not be fetched)")
def test_a_megabyte_file_round_trips_and_rename_across_volumes_is_refused(disk):
    m = disk.boot()
    script = ('local f=assert(io.open("/home/big","wb")) '
              'for i=0,16383 do f:write(string.rep(string.char(i%251),64)) end f:close() '
              'print(os.rename("/home/big","/home/big2")) '
              'local g=assert(io.open("/tmp/t","w")) g:write("x") g:close() '
              'print(os.rename("/tmp/t","/home/t"))')
    m.run(f"write /tmp/t.lua {script}")
    out = m.run("run lua /tmp/t.lua", timeout=120)
    got = lines(out)
    assert got[0] == "true", out
    assert got[1].startswith("nil") and "Cross-device link" in got[1], out
    disk.shut_down(m)
    e2fsck_clean(disk)
    data = debugfs(disk, "cat /home/big2")
    want = b"".join(bytes([i % 251]) * 64 for i in range(16384))
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(want).hexdigest()
