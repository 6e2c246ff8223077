"""The small tools (user/tools; issue 11 item 7 and issue 12 item 6): each
runs in the guest on files the harness put on the disk image, and prints
what the host's GNU tool (util-linux's for hexdump) prints for the same
files, byte for byte, with the same exit status. The file tools' changes
are judged by e2fsprogs on the image afterwards (debugfs reads them back,
`e2fsck -fn` finds nothing wrong).

Guest paths are /home/t/<name>; the host runs on <tmp>/t/<name> and its
output is compared with that prefix written as the guest's."""

import os
import re
import random
import shlex
import shutil
import subprocess
import time

import pytest

from harness.disk import debugfs, e2fsck_clean, tool
from harness.machine import normalise

STATUS = re.compile(r"^(\S+): exited with status (\d+)$")


def need_host(*tools):
    for name in tools:
        if not shutil.which(name):
            pytest.skip(f"the host has no {name} to compare with")


# ---- Inputs --------------------------------------------------------------------------

def inputs():
    """name -> bytes: the files every comparison runs on."""
    rng = random.Random(11)
    words = ["alpha", "Beta", "gamma", "delta", "Alpha", "beta", "epsilon", "zeta", "eta", "theta",
             "10", "9", "-3", "2.5", "007", "x_y", "foo-bar", "\tindented", "a  b"]
    poem = []
    for i in range(120):
        n = rng.randrange(0, 7)
        poem.append(" ".join(rng.choice(words) for _ in range(n)))
        if rng.random() < 0.2:
            poem.append(poem[-1])  # runs of equal lines, for uniq
    numbers = [str(rng.randrange(-1000, 1000)) for _ in range(60)] + ["12abc", "", "3", "3", "  42", "1e3"]
    big = bytes(rng.randrange(256) for _ in range(70000)) + b"\0" * 4096 + b"end"
    binary = bytes(range(256)) * 2 + b"\0" * 64 + b"tail bytes\n"
    return {
        "poem": ("\n".join(poem) + "\n").encode(),
        "long": ("\n".join(poem) + "\n").encode() * 60,  # several of the tools' 64 KiB reads
        "numbers": ("\n".join(numbers) + "\n").encode(),
        "noeol": b"first\nsecond\nno newline at the end",
        "empty": b"",
        "binary": binary,
        "big": big,
        "one": b"just one line\n",
    }


@pytest.fixture
def files(tmp_path, disk):
    """The inputs on the host (<tmp>/t/...) and on the test's copy of the
    root disk (the `disk` fixture: e2fsck -fn after the test) as /home/t/..."""
    host = tmp_path / "t"
    host.mkdir()
    commands = ["mkdir /home/t"]
    for name, data in inputs().items():
        (host / name).write_bytes(data)
        commands.append(f"write {host / name} /home/t/{name}")
    script = tmp_path / "debugfs.cmd"
    script.write_text("\n".join(commands) + "\n")
    subprocess.run([tool("debugfs"), "-w", "-f", str(script), str(disk)], check=True, capture_output=True)
    return host, disk


def guest(m, command, timeout=60):
    """Runs a tool in the guest: (its output, its exit status)."""
    out = m.run(f"run {command}", timeout=timeout)
    lines = out.split("\n")
    status = 0
    if lines and STATUS.match(lines[-1]):
        status = int(STATUS.match(lines[-1]).group(2))
        lines = lines[:-1]
    return normalise("\n".join(lines)), status


def host_run(args, host_dir, stdin=None):
    """Runs the host's tool on the same files: (its output as the guest's
    console would show it, its exit status)."""
    env = dict(os.environ, LC_ALL="C", TZ="UTC")
    result = subprocess.run(args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    text = result.stdout.decode("utf-8", "replace").replace(f"{host_dir}/", "/home/t/")
    return normalise(text), result.returncode


def compare(m, host_dir, command):
    """`command` (with paths /home/t/...) in the guest and on the host."""
    words = command.split(" ")
    host_args = [w.replace("/home/t/", f"{host_dir}/") for w in words]
    want = host_run(host_args, host_dir)
    # The guest's shell parses quotes, pipes and $: each word goes quoted.
    got = guest(m, " ".join(shlex.quote(w) for w in words))
    assert got == want, f"{command}\n--- guest (status {got[1]}) ---\n{got[0]}\n--- host (status {want[1]}) ---\n{want[0]}"


# ---- Text tools ------------------------------------------------------------------------

TEXT_COMMANDS = [
    "cat /home/t/poem /home/t/noeol /home/t/one",
    "cat /home/t/missing /home/t/one",
    "wc /home/t/poem",
    "wc /home/t/poem /home/t/numbers /home/t/noeol /home/t/empty",
    "wc -l /home/t/poem",
    "wc -w /home/t/poem /home/t/one",
    "wc -c /home/t/big",
    "wc -lc /home/t/binary",
    "wc /home/t/one /home/t/missing",
    "head /home/t/poem",
    "head -n 3 /home/t/poem /home/t/noeol /home/t/empty",
    "head -c 100 /home/t/poem",
    "head -n 0 /home/t/poem",
    "head -5 /home/t/numbers",
    "head -n 3 /home/t/long",
    "head -c 20 /home/t/long /home/t/one",
    "tail /home/t/poem",
    "tail -n 2 /home/t/noeol /home/t/one",
    "tail -n +115 /home/t/poem",
    "tail -c 30 /home/t/poem /home/t/one",
    "tail -n 1 /home/t/missing",
    "sort /home/t/poem",
    "sort -r /home/t/poem",
    "sort -u /home/t/poem",
    "sort -f /home/t/poem",
    "sort -n /home/t/numbers",
    "sort -rn /home/t/numbers",
    "sort -nu /home/t/numbers",
    "sort /home/t/noeol /home/t/numbers",
    "uniq /home/t/poem",
    "uniq -c /home/t/poem",
    "uniq -d /home/t/poem",
    "uniq -u /home/t/poem",
    "uniq -ci /home/t/poem",
    "sha256sum /home/t/poem /home/t/big /home/t/empty /home/t/binary",
    "sha256sum /home/t/missing",
    "hexdump -C /home/t/binary",
    "hexdump -C /home/t/noeol",
    "hexdump /home/t/binary",
    "hexdump /home/t/noeol /home/t/one",
    "hexdump -C /home/t/empty",
]


def test_text_tools_print_exactly_what_gnu_tools_print_for_the_same_files(files):
    need_host("wc", "head", "tail", "sort", "uniq", "sha256sum", "hexdump", "cat")
    host_dir, disk = files
    m = disk.boot()
    for command in TEXT_COMMANDS:
        compare(m, host_dir, command)


GREP_COMMANDS = [
    "grep alpha /home/t/poem",
    "grep -i alpha /home/t/poem",
    "grep -v a /home/t/poem",
    "grep -c beta /home/t/poem /home/t/numbers",
    "grep -n ^gamma /home/t/poem",
    "grep -E (zeta|theta)$ /home/t/poem",
    "grep [0-9][0-9]* /home/t/numbers",
    "grep -x 3 /home/t/numbers",
    "grep -w eta /home/t/poem",
    "grep -F a.b /home/t/poem",
    "grep -F x_y /home/t/poem",
    "grep -l alpha /home/t/poem /home/t/numbers /home/t/one",
    "grep -L alpha /home/t/poem /home/t/numbers /home/t/one",
    "grep -h -e one -e first /home/t/one /home/t/noeol",
    "grep -H line /home/t/one",
    "grep nothing-matches-this /home/t/poem",
    "grep alpha /home/t/missing",
    "grep -s alpha /home/t/missing /home/t/poem",
    "grep -q Beta /home/t/poem",
    "grep -E a{2,} /home/t/poem",
    "grep -E ^-?[0-9]+$ /home/t/numbers",
]


def test_grep_selects_the_lines_gnu_grep_selects_and_exits_0_1_or_2(files):
    need_host("grep")
    host_dir, disk = files
    m = disk.boot()
    for command in GREP_COMMANDS:
        compare(m, host_dir, command)


def type_input(m, command, lines):
    """Runs `command` with the lines typed at the console, then Ctrl-D."""
    m.send_raw(f"run {command}\r".encode())
    time.sleep(1.0)  # the program is reading
    for line in lines:
        m.send_raw(line.encode() + b"\r")
        time.sleep(0.2)
    m.send_raw(b"\x04")
    raw = m.wait_prompt(timeout=30)
    # What the console echoed of the typed lines comes first, then the output.
    return normalise(raw)


def test_tools_read_standard_input_when_no_file_is_given(files):
    need_host("wc", "sort", "sha256sum")
    host_dir, disk = files
    typed = ["pear apple", "fig", "apple"]
    stdin = ("\n".join(typed) + "\n").encode()
    m = disk.boot()
    for command in (["wc"], ["sort"], ["sha256sum"]):
        out = type_input(m, " ".join(command), typed)
        want, _ = host_run(command, host_dir, stdin=stdin)
        # The echo of the typed lines comes before the tool's output.
        assert out.endswith(want), f"{command}: guest printed\n{out}\nhost printed\n{want}"
    # cat writes each line as it reads it: after its echo.
    out = type_input(m, "cat -", typed)
    assert out == "\n".join(["run cat -"] + [line for line in typed for _ in (0, 1)]), out


# ---- File tools on the disk ---------------------------------------------------------------

def test_file_tools_copy_move_and_remove_within_and_across_volumes(files):
    host_dir, disk = files
    big_sum = subprocess.run(["sha256sum", str(host_dir / "big")], capture_output=True, text=True).stdout.split()[0]
    m = disk.boot()
    assert guest(m, "mkdir -p /home/w/deep/er /tmp/w") == ("", 0)
    assert guest(m, "mkdir /home/w")[1] == 1
    assert "File exists" in guest(m, "mkdir /home/w")[0]
    assert guest(m, "cp /home/t/big /home/t/poem /home/w") == ("", 0)
    assert guest(m, "cp /home/t/big /tmp/w/big") == ("", 0)          # disk -> RAM
    assert guest(m, "mv /tmp/w/big /home/w/deep/moved") == ("", 0)    # RAM -> disk: copy, then unlink
    assert guest(m, "mv /home/w/poem /home/w/deep/er/poem") == ("", 0)  # a rename within the disk
    assert guest(m, "cp -r /home/w/deep /tmp/w/tree") == ("", 0)
    assert guest(m, "mv /tmp/w/tree /home/w/tree") == ("", 0)         # a directory across volumes
    out, status = guest(m, "cp /home/w /tmp/x")
    assert status == 1 and "-r not specified; omitting directory '/home/w'" in out
    assert guest(m, "ls /tmp/w") == ("", 0)
    assert guest(m, "ls /home/w /home/w/tree /home/w/tree/er") == (
        "/home/w:\nbig\ndeep\ntree\n\n/home/w/tree:\ner\nmoved\n\n/home/w/tree/er:\npoem", 0)
    out, status = guest(m, "sha256sum /home/w/big /home/w/deep/moved /home/w/tree/moved")
    assert status == 0 and [line.split()[0] for line in out.split("\n")] == [big_sum] * 3, out
    assert guest(m, "rm /home/w/big") == ("", 0)
    out, status = guest(m, "rm /home/w/deep")
    assert status == 1 and out == "rm: cannot remove '/home/w/deep': Is a directory"
    assert guest(m, "rm -r /home/w/deep") == ("", 0)
    assert guest(m, "rm -f /home/w/not-there") == ("", 0)
    out, status = guest(m, "rm /home/w/not-there")
    assert status == 1 and out == "rm: cannot remove '/home/w/not-there': No such file or directory"
    disk.shut_down(m)
    e2fsck_clean(disk)
    listing = debugfs(disk, "ls -l /home/w").decode()
    assert " tree" in listing and " deep" not in listing and " big" not in listing, listing
    assert debugfs(disk, "cat /home/w/tree/er/poem") == (host_dir / "poem").read_bytes()
    assert debugfs(disk, "cat /home/w/tree/moved") == (host_dir / "big").read_bytes()


def debugfs_times(disk, path):
    """(atime, mtime, ctime, links) of a path as debugfs reads the image."""
    out = debugfs(disk, f"stat {path}").decode()
    times = {}
    for key in ("atime", "mtime", "ctime"):
        m = re.search(rf"\b{key}: (0x[0-9a-f]+)(?::([0-9a-f]+))?", out)
        assert m, out
        times[key] = int(m.group(1), 16)
    links = int(re.search(r"Links: (\d+)", out).group(1))
    return times["atime"], times["mtime"], times["ctime"], links


def test_links_symlinks_and_times_made_in_the_guest_are_what_e2fsprogs_reads(files):
    host_dir, disk = files
    m = disk.boot()
    assert guest(m, "ln /home/t/one /home/t/hard") == ("", 0)
    assert guest(m, "ln -s one /home/t/soft") == ("", 0)
    assert guest(m, "ln -s /home/t/poem /home/t/absolute") == ("", 0)
    assert guest(m, "ln -s " + "x" * 100 + " /home/t/slow") == ("", 0)  # a target kept in a block
    assert guest(m, "touch -d @1000000000.5 /home/t/one") == ("", 0)
    assert guest(m, "touch -m -d @1234567890 /home/t/poem") == ("", 0)
    assert guest(m, "touch /home/t/new") == ("", 0)
    assert guest(m, "readlink /home/t/soft /home/t/absolute") == ("one\n/home/t/poem", 0)
    assert guest(m, "stat -c %h:%F:%s /home/t/hard /home/t/soft /home/t/slow /home/t/new") == (
        "2:regular file:14\n1:symbolic link:3\n1:symbolic link:100\n1:regular empty file:0", 0)
    assert guest(m, "stat -L -c %F /home/t/soft") == ("regular file", 0)
    assert guest(m, "stat -c %X.%Y /home/t/one /home/t/hard") == ("1000000000.1000000000\n1000000000.1000000000", 0)
    # Reading it makes the access time now (relatime: it was older than the modification).
    assert guest(m, "cat /home/t/soft") == ("just one line", 0)
    assert int(guest(m, "stat -c %X /home/t/one")[0]) > 1000000000
    out, status = guest(m, "ln /home/t/one /home/t/hard")
    assert status == 1 and "File exists" in out
    out, status = guest(m, "ln /home/t/one /tmp/cross")
    assert status == 1 and "Cross-device link" in out  # picolibc words EXDEV without "Invalid"
    guest_times, _ = guest(m, "stat -c %X:%Y:%Z /home/t/poem /home/t/new")
    guest_now, _ = guest(m, "date +%s")
    disk.shut_down(m)
    e2fsck_clean(disk)
    assert debugfs(disk, "cat /home/t/hard") == b"just one line\n"
    assert b"Fast link dest: \"one\"" in debugfs(disk, "stat /home/t/soft")
    assert debugfs(disk, "cat /home/t/slow") == b"x" * 100  # debugfs cat reads a slow link's block
    _, mtime, _, links = debugfs_times(disk, "/home/t/one")
    assert (mtime, links) == (1000000000, 2)
    poem, new = guest_times.split("\n")
    p_atime, p_mtime, p_ctime, _ = debugfs_times(disk, "/home/t/poem")
    n_atime, n_mtime, n_ctime, _ = debugfs_times(disk, "/home/t/new")
    assert poem == f"{p_atime}:{p_mtime}:{p_ctime}" and p_mtime == 1234567890
    assert new == f"{n_atime}:{n_mtime}:{n_ctime}"
    assert abs(n_mtime - int(guest_now)) <= 5 and abs(n_mtime - time.time()) < 600


def test_ls_long_form_and_stat_match_gnu_for_the_same_files_and_times(files):
    need_host("ls", "touch")
    host_dir, disk = files
    now = int(time.time())
    # Every time compared is set on both sides (a time of creation could
    # fall in different minutes).
    stamps = {"one": now - 3600, "poem": now - 400 * 86400, "numbers": now + 86400 * 30,
              "big": now - 7200, "empty": now - 60}
    for name, when in stamps.items():
        os.utime(host_dir / name, (when, when))
    (host_dir / "link").symlink_to("poem")
    m = disk.boot()
    for name, when in stamps.items():
        assert guest(m, f"touch -d @{when} /home/t/{name}") == ("", 0)
    assert guest(m, "ln -s poem /home/t/link") == ("", 0)
    compare(m, host_dir, "ls -l /home/t/one /home/t/poem /home/t/numbers /home/t/empty /home/t/big")
    # A link's own times cannot be set (no lutimes): all but its time.
    out, status = guest(m, "ls -l /home/t/link")
    assert status == 0 and out.startswith("lrwxrwxrwx 1 root root 4 ") and out.endswith(" /home/t/link -> poem"), out
    compare(m, host_dir, "stat -c %n:%s:%F:%a:%A:%h:%N /home/t/one /home/t/poem /home/t/link /home/t/empty")
    compare(m, host_dir, "stat -c %Y:%y /home/t/one /home/t/poem /home/t/numbers")
    compare(m, host_dir, "stat -L -c %n:%F:%s /home/t/link")
    compare(m, host_dir, "stat /home/t/missing")
    compare(m, host_dir, "ls /home/t/")
    compare(m, host_dir, "ls -d /home/t/ /home/t/one")
    compare(m, host_dir, "ls /home/t/one /home/t/nothing")


def test_df_reports_the_volume_sizes_dumpe2fs_reads(files):
    host_dir, disk = files
    m = disk.boot()
    out, status = guest(m, "df")
    assert status == 0, out
    assert guest(m, "df /tmp/nothing")[1] == 1
    # The shell wrote its history (/home/.history) before `df` ran; the
    # volume is read after the shutdown, with everything written back.
    disk.shut_down(m)
    header = subprocess.run([tool("dumpe2fs"), "-h", str(disk)], capture_output=True, text=True).stdout
    field = lambda name: int(re.search(rf"^{name}:\s+(\d+)", header, re.M).group(1))
    block = field("Block size")
    total, free, reserved = field("Block count"), field("Free blocks"), field("Reserved block count")
    rows = out.split("\n")
    assert rows[0].split() == ["Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted", "on"]
    root = rows[1].split()
    assert root[0] == "root" and root[-1] == "/", out
    assert int(root[1]) == total * block // 1024
    assert int(root[2]) == (total - free) * block // 1024
    assert int(root[3]) == (free - reserved) * block // 1024
    tmp = rows[2].split()
    assert tmp[0] == "fs" and tmp[-1] == "/tmp" and int(tmp[1]) > 0, out


# ---- /tmp (the RAM file system) ------------------------------------------------------------

def test_the_ram_file_system_keeps_links_symlinks_times_and_modes(files):
    host_dir, disk = files
    m = disk.boot()
    assert guest(m, "mkdir /tmp/r") == ("", 0)
    assert guest(m, "cp /home/t/one /tmp/r/f") == ("", 0)
    assert guest(m, "ln -s f /tmp/r/rel") == ("", 0)
    assert guest(m, "ln -s /tmp/r /tmp/dirlink") == ("", 0)
    assert guest(m, "ln -s nowhere /tmp/r/dangling") == ("", 0)
    assert guest(m, "cat /tmp/r/rel /tmp/dirlink/rel") == ("just one line\njust one line", 0)
    assert guest(m, "readlink /tmp/dirlink") == ("/tmp/r", 0)
    out, status = guest(m, "cat /tmp/r/dangling")
    assert status == 1 and "No such file or directory" in out
    assert guest(m, "touch -d @1500000000 /tmp/r/f") == ("", 0)
    assert guest(m, "stat -c %X:%Y:%F /tmp/r/f /tmp/r/rel") == ("1500000000:1500000000:regular file\n"
                                                                + guest(m, "stat -c %X:%Y /tmp/r/rel")[0]
                                                                + ":symbolic link", 0)
    assert guest(m, "chmod 600 /tmp/r/f") == ("", 0)
    assert guest(m, "stat -c %a:%A /tmp/r/f") == ("600:-rw-------", 0)
    now, _ = guest(m, "date +%s")
    assert guest(m, "touch /tmp/r/g") == ("", 0)
    mtime, _ = guest(m, "stat -c %Y /tmp/r/g")
    assert abs(int(mtime) - int(now)) <= 10  # touch made it now (a loaded host may delay the next command)
    assert guest(m, "ln /tmp/r/f /tmp/r/h") == ("", 0)  # a hard link: one file, two names
    assert guest(m, "stat -c %h:%i /tmp/r/f")[0] == guest(m, "stat -c %h:%i /tmp/r/h")[0]
    assert guest(m, "stat -c %h /tmp/r/h") == ("2", 0)
    assert guest(m, "ls /tmp/r") == ("dangling\nf\ng\nh\nrel", 0)
    assert guest(m, "rm /tmp/r/f") == ("", 0)
    assert guest(m, "cat /tmp/r/h") == ("just one line", 0)
    assert guest(m, "stat -c %h /tmp/r/h") == ("1", 0)
    out, status = guest(m, "ln /tmp/r /tmp/r2")
    assert status == 1 and "Permission denied" in out  # no hard links to directories
    assert guest(m, "rm /tmp/dirlink") == ("", 0)  # the link, not the directory
    assert guest(m, "ls /tmp") == ("r", 0)


# ---- The rest ------------------------------------------------------------------------------

def test_date_env_sleep_true_false_and_kill_behave_as_on_the_host(files):
    need_host("date")
    host_dir, disk = files
    m = disk.boot()
    assert guest(m, "true") == ("", 0)
    assert guest(m, "false") == ("", 1)
    for command in ("date -d @0", "date -u -d @1795866973", "date -d @86399 +%Y-%m-%d.%H:%M:%S.%j.%a.%Z"):
        compare(m, host_dir, command)
    out, _ = guest(m, "date +%s")
    assert abs(int(out) - time.time()) < 120
    default, _ = guest(m, "date")
    assert re.fullmatch(r"\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}", default), default
    assert guest(m, "env") == ("PATH=/bin\nHOME=/home", 0)  # what the shell exports
    assert guest(m, "env A=1 B=two env") == ("PATH=/bin\nHOME=/home\nA=1\nB=two", 0)
    assert guest(m, "env -i C=3 env") == ("C=3", 0)
    out, status = guest(m, "env no-such-program")
    assert status == 127 and "No such file or directory" in out
    assert guest(m, "env false") == ("", 1)
    start = time.monotonic()
    assert guest(m, "sleep 1.5") == ("", 0)
    assert time.monotonic() - start >= 1.5
    out, status = guest(m, "sleep x")
    assert status == 1 and out == "sleep: invalid time interval 'x'"
    assert "TERM" in guest(m, "kill -l")[0].split("\n")
    out, status = guest(m, "kill 31")
    assert status == 1 and out in ("kill: 31: No such process", "kill: 31: Operation not permitted"), out
    out, status = guest(m, "kill -s NOPE 1")
    assert status == 1 and out == "kill: NOPE: invalid signal specification"
