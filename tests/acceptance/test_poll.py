"""poll() over a pipe, a socket and the console together (issue 13):
user/tests/polltest polls a pipe's read end, a UDP socket on the stack's
loopback and stdin, makes each ready in turn and prints what poll
reported. The same program built for the host (Linux) gives the lines
the guest's must match; a line is typed on the console while the
program polls stdin with a timeout. Then a TCP connection on loopback:
bytes poll reported are received once each and in order, and a close
with such bytes unread resets the connection, as on Linux."""

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from harness import Machine, Network, default_kernel_path

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "user" / "tests" / "polltest" / "main.cpp"
PROGRAMS = REPO / "build" / "programs.list"
NET_BUILT = PROGRAMS.is_file() and "net" in PROGRAMS.read_text().split()
pytestmark = pytest.mark.skipif(not NET_BUILT, reason="the network stack was not built")

TYPED = "hello there"


def guest_lines(tmp_path):
    m = Machine(kernel=default_kernel_path(), network=Network.forwarding())
    try:
        m.boot()
        m.expect(r"\[net\] en0: 10\.0\.2\.15 by DHCP", timeout=30)
        m.send_raw("run polltest\r")
        first = m.expect(r"polltest: type a line", timeout=30)
        first = m.before + first
        time.sleep(1.0)  # poll is waiting on stdin by now
        m.send_raw(TYPED + "\r")
        out = m.expect(r"polltest: done", timeout=30)
        out = first + m.before + out
    finally:
        m.close()
    return [line.strip() for line in out.replace("\r", "").split("\n") if line.startswith("polltest:")]


def host_lines(tmp_path):
    compiler = shutil.which("g++") or shutil.which("c++")
    if not compiler:
        return None
    binary = tmp_path / "polltest-host"
    subprocess.run([compiler, "-O2", "-o", str(binary), str(SOURCE)], check=True, timeout=120)
    child = subprocess.Popen([str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in child.stdout:
            lines.append(line.strip())
            if "type a line" in line:
                time.sleep(1.0)
                child.stdin.write(TYPED + "\n")
                child.stdin.flush()
            if "done" in line:
                break
    finally:
        child.kill()
        child.wait(timeout=10)
    return lines


def test_poll_reports_pipe_socket_and_console_each_for_its_own_reason(tmp_path):
    guest = guest_lines(tmp_path)
    expected = [
        "polltest: quiet: returned 0 pipe=- sock=- stdin=-",
        "polltest: pipe: returned 1 pipe=IN sock=- stdin=-",
        "polltest: socket: returned 1 pipe=- sock=IN stdin=-",
        "polltest: writable: returned 1 OUT",
        "polltest: hangup: returned 1 HUP",
        "polltest: noreader: returned 1 OUT|ERR",
        "polltest: type a line",
        "polltest: stdin: returned 1 pipe=- sock=- stdin=IN",
        f"polltest: read {TYPED}",
        "polltest: after: returned 0 pipe=- sock=- stdin=-",
        # TCP bytes a poll reported arrive once each, in order, whatever
        # the reads' sizes (the stack hands them over with the poll).
        "polltest: stream: returned 1 IN",
        'polltest: stream peek 3: 3 "abc"',
        'polltest: stream read 2: 2 "ab"',
        "polltest: stream rest: returned 1 IN",
        'polltest: stream read: 4 "cdef"',
        "polltest: stream empty: returned 0 -",
        # Closing with bytes poll reported but never read resets the peer.
        "polltest: unread: returned 1 IN",
        "polltest: unread peer: -1 ECONNRESET",
        "polltest: done",
    ]
    assert guest == expected
    host = host_lines(tmp_path)
    if host is not None:
        assert guest == host
