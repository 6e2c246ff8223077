"""Acceptance tests for the issue "Files": the fs server, the C library's
file API as hello-std uses it, and the shell's file commands (ls, cat,
write, stat, rm, mkdir). Each test gets a freshly booted machine, whose
/tmp starts out empty."""

import re

import pytest
from harness import abi  # noqa: E402
from harness.shell import PS_ROW, SETTLE_READS, hello_std_steps, lines, mem, mem_settled  # noqa: E402

# ---------------------------------------------------------------- helpers

LS_ROW = re.compile(r"^(dir|file)\s+(\d+)\s+(\S+)$")
STAT_FILE = re.compile(r"^(\S+): file, (\d+) bytes$")
STAT_DIR = re.compile(r"^(\S+): directory, (\d+) entries$")

# strerror(ENAMETOOLONG) reads "File name too long" in glibc and "File or
# path name too long" in newlib/picolibc; either names the error.
NAME_TOO_LONG = ("File name too long", "File or path name too long")


def run_silent(machine, command):
    """A command that succeeds quietly (write, rm, mkdir) prints nothing."""
    out = machine.run(command)
    assert out == "", f"`{command}` should succeed silently, printed:\n{out}"


def ls(machine, path="/tmp"):
    """`ls path` as {name: (kind, size)}."""
    command = f"ls {path}".rstrip()
    out = machine.run(command)
    entries = {}
    for row in lines(out):
        m = LS_ROW.match(row.strip())
        assert m, f"`{command}`: malformed row {row!r} (want 'dir|file <size> <name>'):\n{out}"
        assert m[3] not in entries, f"`{command}` lists {m[3]!r} twice:\n{out}"
        entries[m[3]] = (m[1], int(m[2]))
    return entries


def fs_handles(machine, settle_to=None):
    """The fs server's handle count; with settle_to, read again (up to
    SETTLE_READS times) until it equals that count, since the server closes
    a program's handles just after the shell reports its exit."""
    for _ in range(SETTLE_READS if settle_to is not None else 1):
        counts = mem(machine)["handles"]
        assert "fs" in counts, f"`mem` lists no handles for the fs server: {counts}"
        if counts["fs"] == settle_to:
            break
    return counts["fs"]


def processes(machine):
    """`ps` as {name: state}, each name listed once."""
    out = machine.run("ps")
    procs = {}
    for row in lines(out)[1:]:
        m = PS_ROW.match(row.strip())
        assert m, f"malformed ps row {row!r}:\n{out}"
        assert m[2] not in procs, f"{m[2]!r} listed twice by ps:\n{out}"
        procs[m[2]] = m[3]
    return procs


# --------------------------------------------------------------- hello-std

def test_hello_std_passes_all_ten_steps(machine):
    out = machine.run("run hello-std", timeout=60)
    steps = hello_std_steps(out)
    # The listing printed by step 8 shows both files it created.
    assert re.search(r"^\s*file\s+one\.txt$", out, re.M) and \
        re.search(r"^\s*file\s+two\.txt$", out, re.M), \
        f"step 8 ({steps[8][0]}) did not list one.txt and two.txt:\n{out}"


def test_hello_std_passes_twice_in_one_session_without_leaking_fs_handles(machine):
    before = fs_handles(machine)
    for attempt in (1, 2):
        out = machine.run("run hello-std", timeout=60)
        try:
            hello_std_steps(out)
        except AssertionError as exc:
            raise AssertionError(f"run {attempt} of hello-std: {exc}") from None
    after = fs_handles(machine, settle_to=before)
    assert after == before, \
        f"fs server holds {before} handles before two runs of hello-std, {after} after"


# ------------------------------------------------------------ shell commands

def test_help_lists_the_file_commands(machine):
    out = machine.run("help")
    for cmd in ("ls", "cat", "write", "stat", "rm", "mkdir"):
        assert any(re.match(re.escape(cmd) + r"\b", line) for line in lines(out)), \
            f"help has no line starting with {cmd!r}:\n{out}"


def test_write_then_cat_shows_the_text(machine):
    run_silent(machine, "write /tmp/greeting hello there")
    assert machine.run("cat /tmp/greeting") == "hello there"
    # write replaces the file's contents.
    run_silent(machine, "write /tmp/greeting goodbye")
    assert machine.run("cat /tmp/greeting") == "goodbye"


def test_stat_reports_file_size_and_directory_entries(machine):
    text = "hello world"
    run_silent(machine, f"write /tmp/note {text}")
    out = machine.run("stat /tmp/note")
    m = STAT_FILE.match(out)
    assert m, f"stat of a file should print '<path>: file, N bytes', printed {out!r}"
    assert m[1] == "/tmp/note", out
    assert int(m[2]) == len(text) + 1, \
        f"write stores the text and a newline ({len(text) + 1} bytes), stat says {m[2]}"

    out = machine.run("stat /tmp")
    m = STAT_DIR.match(out)
    assert m, f"stat of a directory should print '<path>: directory, N entries', printed {out!r}"
    assert m[1] == "/tmp", out
    assert int(m[2]) == 1, f"/tmp holds only note, stat says {m[2]} entries"


def test_ls_lists_files_with_kind_and_size(machine):
    assert ls(machine, "/tmp") == {}, "/tmp should be empty after boot"
    run_silent(machine, "write /tmp/a one")
    run_silent(machine, "write /tmp/bb three")
    assert ls(machine, "/tmp") == {"a": ("file", 4), "bb": ("file", 6)}
    root = ls(machine, "/")
    assert root.get("tmp", ("?",))[0] == "dir", f"`ls /` should list tmp as a dir: {root}"
    assert ls(machine, "") == root, "`ls` without a path should list /"


def test_mkdir_then_ls_shows_a_directory(machine):
    run_silent(machine, "mkdir /tmp/sub")
    entries = ls(machine, "/tmp")
    assert entries == {"sub": ("dir", 0)}, f"ls /tmp after mkdir: {entries}"
    assert machine.run("stat /tmp/sub") == "/tmp/sub: directory, 0 entries"
    run_silent(machine, "write /tmp/sub/inner x")
    assert ls(machine, "/tmp/sub") == {"inner": ("file", 2)}
    assert ls(machine, "/tmp") == {"sub": ("dir", 1)}, "a directory's size is its entry count"


def test_rm_of_a_file_then_cat_says_no_such_file(machine):
    run_silent(machine, "write /tmp/gone soon")
    run_silent(machine, "rm /tmp/gone")
    assert machine.run("cat /tmp/gone") == "cat: /tmp/gone: No such file or directory"
    assert machine.run("stat /tmp/gone") == "stat: /tmp/gone: No such file or directory"
    assert "gone" not in ls(machine, "/tmp")
    assert machine.run("rm /tmp/gone") == "rm: /tmp/gone: No such file or directory"


def test_rm_of_a_non_empty_directory_says_directory_not_empty(machine):
    run_silent(machine, "mkdir /tmp/d")
    run_silent(machine, "write /tmp/d/f x")
    assert machine.run("rm /tmp/d") == "rm: /tmp/d: Directory not empty"
    assert machine.run("rm /tmp") == "rm: /tmp: Directory not empty"
    assert ls(machine, "/tmp/d") == {"f": ("file", 2)}, "the refused rm deleted something"
    # Once empty, the directory can go.
    run_silent(machine, "rm /tmp/d/f")
    run_silent(machine, "rm /tmp/d")
    assert ls(machine, "/tmp") == {}


def test_mkdir_of_an_existing_path_says_file_exists(machine):
    run_silent(machine, "mkdir /tmp/x")
    assert machine.run("mkdir /tmp/x") == "mkdir: /tmp/x: File exists"
    assert machine.run("mkdir /tmp") == "mkdir: /tmp: File exists"
    run_silent(machine, "write /tmp/f data")
    assert machine.run("mkdir /tmp/f") == "mkdir: /tmp/f: File exists"
    assert machine.run("cat /tmp/f") == "data", "mkdir over a file changed it"


def test_cat_of_a_directory_says_is_a_directory(machine):
    assert machine.run("cat /tmp") == "cat: /tmp: Is a directory"
    assert machine.run("cat /") == "cat: /: Is a directory"


@pytest.mark.parametrize("what", ["name", "path"])
def test_path_over_the_maximum_length_says_file_name_too_long(machine, what):
    if what == "name":  # one component longer than kMaxFileNameLength
        long_path = "/tmp/" + "p" * (abi.kMaxFileNameLength + 1)
    else:  # short components, kMaxPathLength + 1 bytes in all
        long_path = ("/tmp" + "/p" * abi.kMaxPathLength)[:abi.kMaxPathLength + 1]
    root_before = ls(machine, "/")
    for cmd in ("cat", "stat", "ls", "rm", "mkdir"):
        out = machine.run(f"{cmd} {long_path}")
        assert out in (f"{cmd}: {long_path}: {reason}" for reason in NAME_TOO_LONG), \
            f"`{cmd}` of a {len(long_path)}-byte path should fail with 'File name too long', got {out[-200:]!r}"
    out = machine.run(f"write {long_path} text")
    assert out in (f"write: {long_path}: {reason}" for reason in NAME_TOO_LONG), \
        f"`write` to a {len(long_path)}-byte path should fail with 'File name too long', got {out[-200:]!r}"
    assert ls(machine, "/") == root_before, "a refused long path created something"
    assert ls(machine, "/tmp") == {}, "a refused long path created something"


def test_relative_paths_are_taken_from_the_working_directory(machine):
    # The shell's working directory is "/": "tmp/x" is /tmp/x.
    run_silent(machine, "write tmp/x relative")
    assert machine.run("cat /tmp/x") == "relative"
    assert machine.run("cat tmp/./x") == "relative"
    assert machine.run("stat tmp") == "tmp: directory, 1 entries"
    run_silent(machine, "mkdir tmp/d")
    assert ls(machine, "tmp") == {"x": ("file", 9), "d": ("dir", 0)}
    run_silent(machine, "rm tmp/x")
    assert machine.run("cat tmp/x") == "cat: tmp/x: No such file or directory"


def test_dotdot_above_root_says_invalid_argument(machine):
    root_before = ls(machine, "/")
    for cmd in ("cat /../tmp", "ls /..", "write /tmp/../../x y", "mkdir /tmp/../../x", "cat ../tmp"):
        path = cmd.split()[1]
        expected = f"{cmd.split()[0]}: {path}: Invalid argument"
        assert machine.run(cmd) == expected, f"`{cmd}` should print {expected!r}"
    assert ls(machine, "/") == root_before, "a refused path created something"


def test_fs_server_still_answers_after_every_kind_of_error(machine):
    machine.run("ls /tmp")                     # the shell opens its fs session
    handles_before = fs_handles(machine)
    errors = ["cat /nope", "rm /nope", "ls /nope", "cat /tmp", "mkdir /tmp",
              "cat " + "/" + "q" * 59, "ls relative", "cat /../x"]
    run_silent(machine, "mkdir /tmp/full")
    run_silent(machine, "write /tmp/full/f x")
    errors.append("rm /tmp/full")
    for _ in range(3):
        for cmd in errors:
            out = machine.run(cmd)
            assert re.match(re.escape(cmd.split()[0]) + r": \S+: \S", out), \
                f"`{cmd}` should print '<cmd>: <path>: <error>', printed {out!r}"

    assert ls(machine, "/tmp") == {"full": ("dir", 1)}
    run_silent(machine, "write /tmp/after still works")
    assert machine.run("cat /tmp/after") == "still works"
    procs = processes(machine)
    assert "fs" in procs and procs["fs"] != "exited", f"ps should still list a live fs: {procs}"
    assert fs_handles(machine, settle_to=handles_before) == handles_before, \
        "the fs server's handle count changed across failed requests"


def test_many_files_at_once_emfile_beyond_the_limit_and_a_thousand_cycles_leak_nothing(machine):
    """25 files open together; two programs writing files at the same time
    both finish; far more than a process may hold gets EMFILE
    (not a crash or a hang) and everything works again once closed; 1000
    open/close cycles leave the fs server's and the client's handle counts
    where they started."""
    assert machine.run("stat /tmp").startswith("/tmp: directory")  # the shell's own fs session first
    before = mem(machine)["handles"]
    out = machine.run("run manyfiles 1000", timeout=120)
    got = lines(out)
    assert "manyfiles: 25 files open at once: ok" in got, out
    assert "manyfiles: two programs writing at once: ok, ok" in got, out
    limit = [line for line in got if line.startswith("manyfiles: opened ")]
    assert limit, out
    m = re.match(r"manyfiles: opened (\d+) of 200, then: (\S+) \((.+)\); after closing, open works: (\w+)$", limit[0])
    assert m, f"unexpected line {limit[0]!r}:\n{out}"
    assert int(m[1]) >= 20, f"a process should hold at least 20 open files:\n{out}"
    assert m[2] == "EMFILE" and m[4] == "yes", out
    assert "manyfiles: 1000 of 1000 open/close cycles" in got, out
    assert "exited with status" not in out, out
    after = mem_settled(machine, {"handles": before}, keys=("handles",))["handles"]
    assert after["fs"] == before["fs"], f"fs handles {before['fs']} -> {after['fs']}"
    assert after["shell"] == before["shell"], f"shell handles {before['shell']} -> {after['shell']}"
