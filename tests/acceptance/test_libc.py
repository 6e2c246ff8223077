"""Acceptance tests for the C library (issue 11, item 4): processes and
their parent, signals, clocks and CPU time, rename, the working directory,
the environment, posix_spawn/waitpid/system, temporary files, isatty and the
errors of wrong-direction and directory I/O.

user/tests/libc is one C source built twice: for rvOS (picolibc + lib/rvos)
and for the host (glibc, build/host/libc). Each check runs in both, in an
empty directory of its own, and must print the same lines. Differences that
are not the C library's, and are therefore allowed:
  - `raw ` lines carry values that change from run to run (the time); the
    guest's real time is compared with the host's clock instead;
  - system() of a missing program: rvOS's system() (which runs programs
    directly, not through a shell) prints "<program>: not found" on the
    console, where a host shell prints its own words on stderr.
"""

import subprocess
import time
from pathlib import Path

import pytest
from harness.shell import lines  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST_LIBC = REPO_ROOT / "build" / "host" / "libc"
NOT_FOUND = "no-such-program: not found"
SLOW = 120  # the checks sleep and spin for a few seconds in all


def host_lines(check, tmp_path):
    if not HOST_LIBC.is_file():
        pytest.fail(f"{HOST_LIBC.relative_to(REPO_ROOT)} not found: run `make test` (or make build/host/libc)",
                    pytrace=False)
    directory = tmp_path / check
    directory.mkdir()
    done = subprocess.run([str(HOST_LIBC), check, str(directory.resolve())], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path, timeout=SLOW)
    assert done.returncode == 0, f"host run of `libc {check}` failed:\n{done.stdout}\n{done.stderr}"
    return lines(done.stdout)


def guest_lines(machine, check):
    assert machine.run(f"mkdir /tmp/{check}") == ""
    out = machine.run(f"run libc {check} /tmp/{check}", timeout=SLOW)
    ended_badly = [line for line in lines(out) if line.startswith(("libc: exited with status", "libc: killed by fault",
                                                                   "libc: stopped", "[kernel] killed"))]
    assert not ended_badly, f"`run libc {check}` ended badly:\n{out}"
    return lines(out)


def without_raw(got):
    return [line for line in got if not line.startswith("raw ")]


@pytest.mark.parametrize("check", ["pid", "signal", "rename", "cwd", "env", "tmp", "io", "stdio", "pipe"])
def test_c_library_answers_as_the_hosts_does(machine, check, tmp_path):
    guest = guest_lines(machine, check)
    host = host_lines(check, tmp_path)
    assert guest[-1] == f"{check}: done", f"the guest's `libc {check}` did not finish:\n" + "\n".join(guest)
    assert guest == host, f"`libc {check}`: the guest (left) and the host (right) differ:\n" + \
        "\n".join(f"{g!r:70} {h!r}" for g, h in zip(guest + [""] * len(host), host + [""] * len(guest)))


def test_clocks_and_cpu_time_answer_as_the_hosts_do_and_real_time_is_the_hosts(machine, tmp_path):
    before = time.time()
    guest = guest_lines(machine, "time")
    after = time.time()
    host = host_lines("time", tmp_path)
    raw = [line for line in guest if line.startswith("raw realtime: ")]
    assert len(raw) == 1, f"no 'raw realtime' line:\n" + "\n".join(guest)
    real = int(raw[0].split(": ")[1])
    # The RTC is the host's clock; allow for the seconds the check itself takes.
    assert before - 5 <= real <= after + 5, \
        f"the guest's CLOCK_REALTIME {real} is not the host's time ({before:.0f}..{after:.0f})"
    assert without_raw(guest) == without_raw(host), "`libc time`: guest and host differ:\n" + \
        "\n".join(f"{g!r:70} {h!r}" for g, h in zip(without_raw(guest), without_raw(host)))


def test_spawn_waitpid_and_system_answer_as_the_hosts_do(machine, tmp_path):
    guest = guest_lines(machine, "spawn")
    host = host_lines("spawn", tmp_path)
    assert NOT_FOUND in guest, f"system() of a missing program should say {NOT_FOUND!r}:\n" + "\n".join(guest)
    guest.remove(NOT_FOUND)
    assert guest == host, "`libc spawn`: guest and host differ:\n" + \
        "\n".join(f"{g!r:70} {h!r}" for g, h in zip(guest, host))


def test_system_refuses_shell_syntax_it_cannot_run(machine):
    # system() runs programs directly: what needs a shell fails (ENOTSUP,
    # or EINVAL for a broken quote) rather than running something else.
    got = guest_lines(machine, "no-shell")
    assert got == [
        "no-shell: libc child exit 3 | libc: -1 ENOTSUP",
        "no-shell: libc child exit 3 > out: -1 ENOTSUP",
        "no-shell: X=1 libc child exit 3: -1 ENOTSUP",
        "no-shell: libc child env-is HOME $HOME: -1 ENOTSUP",
        "no-shell: libc child exit 'unterminated: -1 EINVAL",
        'no-shell: system(""): exit 0',
        'no-shell: system("  # only a comment"): exit 0',
        "no-shell: done",
    ], "\n".join(got)
