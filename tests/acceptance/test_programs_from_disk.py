"""Programs loaded from /bin on the root disk (issue "Persistent storage",
item 5, and item 2's driver restart). Only what it takes to reach the disk
and to work without one is embedded in the kernel (shell, fs, ext2,
virtio-blk); every other program is an ELF file in /bin that init loads
from a memory object the spawning program filled (SpawnImage). A program
put on the disk runs by name, a replaced one runs in its new version, a
missing or damaged one is a clear error; init's SpawnImage refuses what it
must, and only the shell's control channel may end any process. The disk's
driver, killed while files are in use, is started again by init and the
file server carries on. The host's e2fsprogs (debugfs, e2fsck) are the
judges of what is on the disk."""

import re
from pathlib import Path

import pytest

from harness import disk as disks
from harness.disk import e2fsck_clean
from harness.shell import lines, mem, mem_settled, ps, search

REPO = Path(__file__).resolve().parents[2]
USER = REPO / "build" / "user"
EMBEDDED = ["shell", "fs", "ext2", "virtio-blk"]


def debugfs(image, *requests):
    """Runs debugfs -w with the requests in turn; returns the output of the last."""
    for request in requests:
        out = disks.debugfs(image, request, write=True).decode()
    return out


def quiet_mem(machine):
    """`mem` once two readings in a row agree: a program that just ended
    may not have been reaped yet."""
    last = mem(machine)
    for _ in range(20):
        now = mem(machine)
        if now == last:
            return now
        last = now
    return last


def test_only_what_reaches_the_disk_is_embedded_and_a_diskless_machine_still_has_its_shell(diskless_machine):
    embedded = (REPO / "build" / "programs.list").read_text().split()
    assert {"shell", "fs", "ext2", "virtio-blk"} <= set(embedded) and "hello" not in embedded, embedded
    assert f"[boot] programs: {len(embedded)} embedded" in diskless_machine.log
    assert diskless_machine.run("run hello") == "run: hello: not found"
    assert diskless_machine.run("echo still here") == "still here"
    names = {p["name"] for p in ps(diskless_machine)}
    assert {"fs", "shell"} <= names and "ext2" not in names, names


def test_programs_run_from_bin_by_name_and_by_path(machine):
    out = lines(machine.run("run hello one two"))
    assert out[0].startswith("hello from pid") and out[1:] == ["argv[1] = one", "argv[2] = two"], out
    out = lines(machine.run("run /bin/hello three"))
    assert out[0].startswith("hello from pid") and out[1:] == ["argv[1] = three"], out


def test_a_program_the_host_puts_on_the_disk_runs_by_name(disk):
    debugfs(disk, f"write {USER / 'hello.elf'} /bin/greet")
    m = disk.boot()
    try:
        out = lines(m.run("run greet from-the-host"))
        assert out[0].startswith("hello from pid") and out[1:] == ["argv[1] = from-the-host"], out
    finally:
        m.close()


def test_a_program_copied_in_the_guest_runs_and_a_replaced_one_runs_in_its_new_version(machine):
    assert machine.run("run loader copy /bin/hello /bin/greet") == "loader: copied %d bytes" % (USER / "hello.elf").stat().st_size
    assert lines(machine.run("run greet"))[0].startswith("hello from pid")
    # Replaced by another program: the next run is the new one (nothing cached).
    machine.run("run loader copy /bin/crash /bin/greet")
    assert "usage: crash" in machine.run("run greet")
    # Replaced by text: a clear error, and the shell carries on.
    machine.run("write /bin/greet this is not a program")
    assert machine.run("run greet") == "run: greet: Exec format error"
    assert machine.run("echo still here") == "still here"


def test_a_missing_program_is_not_found_and_costs_nothing(machine):
    before = quiet_mem(machine)
    # (The shell takes program words of up to 15 bytes.)
    for name in ("no-such-program", "/bin/nosuch", "/home", "/no/such/prog"):
        assert machine.run(f"run {name}") == f"run: {name}: not found"
    after = mem_settled(machine, before)
    assert (after["free_frames"], after["heap"], after["channels"], after["handles"]) == \
        (before["free_frames"], before["heap"], before["channels"], before["handles"])


def damaged_images(tmp_path):
    hello = (USER / "hello.elf").read_bytes()
    wrong_machine = bytearray(hello)
    wrong_machine[18] = 62  # x86-64
    entry_outside = bytearray(hello)
    entry_outside[24:32] = (0x1000).to_bytes(8, "little")  # below user space
    images = {"cut": hello[:4000], "x86": bytes(wrong_machine), "noentry": bytes(entry_outside),
              "text": b"#!/bin/sh\necho not an ELF file\n", "empty": b""}
    for name, data in images.items():
        (tmp_path / name).write_bytes(data)
    return images


def test_a_damaged_program_file_is_a_clear_error_and_the_shell_survives(disk, tmp_path):
    images = damaged_images(tmp_path)
    debugfs(disk, *[f"write {tmp_path / name} /bin/bad-{name}" for name in images])
    m = disk.boot()
    try:
        m.run("run hello")  # the system as a program run leaves it
        before = quiet_mem(m)
        for name in images:
            assert m.run(f"run bad-{name}") == f"run: bad-{name}: Exec format error", name
        assert "[kernel] killed" not in m.log
        assert lines(m.run("run hello"))[0].startswith("hello from pid")
        after = mem_settled(m, before)
        assert (after["free_frames"], after["heap"], after["channels"]) == \
            (before["free_frames"], before["heap"], before["channels"])
    finally:
        m.close()


def test_path_is_searched_before_the_embedded_programs(disk):
    debugfs(disk, "mkdir /home/tools", f"write {USER / 'hello.elf'} /home/tools/greet")
    m = disk.boot()
    try:
        # The shell's environment is empty: PATH unset means /bin.
        assert m.run("run greet") == "run: greet: not found"
        out = m.run("run libc child with-env PATH=/nowhere:/home/tools greet")
        assert lines(out)[0].startswith("hello from pid"), out
        # hello is only in /bin, and not embedded: with PATH elsewhere it is nowhere.
        out = m.run("run libc child with-env PATH=/home/tools hello")
        assert "with-env: hello: ENOENT" in out and "exited with status 127" in out, out
    finally:
        m.close()


def test_starting_programs_never_writes_to_the_disk(disk):
    def access_time():
        return search(r"atime: (0x[0-9a-f:]+)", debugfs(disk, "stat /bin/hello"), "atime")[1]
    # An access time older than the file's change: a read the relatime way
    # would move it.
    debugfs(disk, "set_inode_field /bin/hello atime 20000101000000")
    before = access_time()
    m = disk.boot()
    for _ in range(3):
        assert lines(m.run("run hello"))[0].startswith("hello from pid")
    disk.shut_down(m)
    e2fsck_clean(disk)
    assert access_time() == before


def test_init_refuses_bad_spawn_images_and_kill_without_the_control_channel(machine):
    # (The one image that starts is hello: it may greet before it is ended.)
    out = [l for l in lines(machine.run("run loader rights")) if not l.startswith("hello from pid")]
    assert out == [
        "loader: an image without the map right: access denied",
        "loader: a channel as the image: wrong handle type",
        "loader: a size of 0: bad argument",
        "loader: a size past the object: bad argument",
        "loader: a name with a space: bad argument",
        "loader: the image itself: ok",
        "loader: kill of pid 1 on the boot channel: access denied",
        "loader: kill of this program on the boot channel: access denied",
    ], out


def test_damaged_images_started_from_memory_are_refused_or_run_harmlessly(machine):
    machine.run("run loader hostile 1 1")  # the system as a loader run leaves it
    before = quiet_mem(machine)
    out = machine.run("run loader hostile 3 200", timeout=120)
    found = search(r"^loader: hostile: 200 images, (\d+) refused as bad executables, (\d+) started, 0 other$",
                   out, "the hostile summary")
    assert int(found[1]) > 0, out
    after = mem_settled(machine, before)
    assert (after["free_frames"], after["heap"], after["channels"], after["handles"]) == \
        (before["free_frames"], before["heap"], before["channels"], before["handles"])
    assert {p["name"] for p in ps(machine)} == {"init", "console", "sysinfo", "math", "fs", "virtio-blk", "ext2",
                                               "shell"}


def test_shell_kill_ends_any_process_but_not_the_kernels_own(machine):
    assert machine.run("kill 1") == "kill: 1: access denied"
    assert machine.run("kill 9999") == "kill: 9999: no such process"
    machine.send_raw(b"run loader churn /tmp 60000 &\r")
    job = int(machine.expect(r"\[(\d+)\] loader").split("]")[0][1:])
    machine.wait_prompt()
    assert machine.run(f"kill {job}") == f"[{job}] loader: stopped"


def test_the_disk_driver_killed_while_files_are_in_use_is_restarted_and_files_work_again(disk):
    m = disk.boot()
    try:
        driver = next(p["pid"] for p in ps(m) if p["name"] == "virtio-blk")
        m.send_raw(b"run loader churn /home 4000 &\r")
        m.expect(r"\[\d+\] loader")
        m.wait_prompt()
        m.send_raw(f"kill {driver}\r".encode())
        m.expect(r"\[init\] driver virtio-blk 0 ended; restarting it")
        m.expect(r"loader: churn: \d+ rounds.*\n", timeout=30)
        m.send_raw(b"\r")
        m.wait_prompt()
        churn = search(r"loader: churn: (\d+) rounds, (\d+) failed with EIO, (\d+) failed otherwise, "
                       r"(\d+) read back wrong", m.log, "the churn summary")
        # Every round either worked or reported EIO; none read back wrong data.
        assert int(churn[1]) > 0 and churn[3] == "0" and churn[4] == "0", churn[0]
        # The kernel and the other programs kept running; a new driver serves.
        names = [p["name"] for p in ps(m)]
        assert sorted(names) == sorted(["init", "console", "sysinfo", "math", "fs", "virtio-blk", "ext2", "shell"])
        assert next(p["pid"] for p in ps(m) if p["name"] == "virtio-blk") != driver
        # Files can be written and read again, and reach the disk.
        m.run("write /home/after written after the restart")
        assert m.run("cat /home/after") == "written after the restart"
        disk.shut_down(m)
        e2fsck_clean(disk)
        assert debugfs(disk, "cat /home/after") == "written after the restart\n"
        # Each churn file on the disk is one round's bytes throughout (byte i
        # is round * 31 + i): no piece of a write in flight when the driver
        # died was lost (an older round's bytes would show through).
        for k in range(4):
            data = disks.debugfs(disk, f"cat /home/churn-{k}")
            assert len(data) == 256 * 1024, (k, len(data))
            assert len({(b - i) % 256 for i, b in enumerate(data)}) == 1, f"churn-{k} mixes rounds"
    finally:
        m.close()
