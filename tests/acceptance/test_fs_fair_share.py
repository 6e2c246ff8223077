"""Acceptance tests for issue 10, fair shares at the file server: file data
lives in memory that goes back to the system when files are deleted, and
one client cannot deny the others service, whatever it takes.

`fshog` (user/tests/fshog) runs the hostile clients: `fshog memory` fills
memory with 8 MiB files from several writers and deletes them, round after
round; `fshog hoard` has one client take every connection, open file and
byte of file data the server lets it while another is served. The quotas
(kFsMaxOpenFiles, kFsMaxConnections, kFsMaxBytesHeld) come from
lib/abi/abi.h through harness/abi.py.

The first run of either is a warm-up: the server keeps the heap its page
tables grew into, and the kernel the page-table pages of its mappings, for
reuse (a few hundred frames at most, which `fshog memory` bounds); after
it every counter must come back exactly.
"""

from harness import abi
from harness.shell import lines, search
from test_reliability import assert_back_to_baseline, baseline

SLOW = 120


def run_fshog(machine, what):
    out = machine.run(f"run fshog {what}", timeout=SLOW)
    check = what.split()[0]
    verdict = search(rf"^fshog: {check}: (ok|FAILED.*)$", out, f"'fshog {check}' verdict")
    assert verdict[1] == "ok", f"fshog {what}: {verdict[1]}\n{out}"
    assert "exited with status" not in out and "killed" not in out, out
    return out


def test_file_data_goes_back_to_the_system_when_files_are_deleted(machine):
    """Writers fill memory with 8 MiB files until it runs out; once every
    file is deleted, free frames are back: within the warm-up bound after
    the first round, exactly after every later one."""
    # The warm-up: two runs, since its writers are read from /bin and the
    # servers' first uses settle over two (measured: -1 frame in the second
    # run, none after).
    run_fshog(machine, "memory 1")
    run_fshog(machine, "memory 1")
    before = baseline(machine)
    out = run_fshog(machine, "memory 2")
    rounds = [line for line in lines(out) if line.startswith("fshog: memory: round ")]
    assert len(rounds) == 2, out
    for line in rounds:
        m = search(r"^fshog: memory: round \d+: (\d+) writers wrote (\d+) MiB in (\d+) files, then: out of memory; "
                   r"(\d+) deleted; free frames (\d+)", line, "round figures")
        # Memory ran out: the files held (nearly) all of it.
        assert int(m[2]) * (1 << 20) // abi.kPageSize >= 0.9 * before["free_frames"], line
        assert m[3] == m[4], line
    assert_back_to_baseline(machine, before, "after filling memory with files and deleting them")


def test_one_client_cannot_deny_the_others_the_file_server(machine):
    """A client that takes all it can — connections, open files, bytes of
    file data — is held to its quotas (the server closes connections past
    kFsMaxConnections, open says EMFILE past kFsMaxOpenFiles, write says
    EDQUOT past kFsMaxBytesHeld); meanwhile another client still connects,
    opens, writes, reads and deletes a file."""
    run_fshog(machine, "hoard")  # the warm-up
    before = baseline(machine)
    out = run_fshog(machine, "hoard")
    m = search(r"^fshog: hoard: the hostile client made (\d+) connections \((\d+) served\), opened (\d+) files, "
               r"then: (\S+); wrote (\d+) MiB, then: (\S+)$", out, "hoard figures")
    assert int(m[1]) > abi.kFsMaxConnections and int(m[2]) < abi.kFsMaxConnections, out  # its C library has one
    assert (int(m[3]), m[4]) == (abi.kFsMaxOpenFiles, "EMFILE"), out
    assert (int(m[5]), m[6]) == (abi.kFsMaxBytesHeld >> 20, "EDQUOT"), out
    assert "fshog: hoard: meanwhile another client opened, wrote, read and deleted a file: ok" in lines(out), out
    assert_back_to_baseline(machine, before, "after a client took all it could from the file server")
