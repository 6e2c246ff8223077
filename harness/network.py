"""What the network checks share (tests/acceptance/test_network.py, `make
fuzz`'s harness/net_fuzz.py, `make bench`'s harness/netbench.py): starting
a guest server in the background and waiting until the shell has caught
up, reading `netstat`'s counts and waiting for them to return to a
baseline, and pushing bytes through a guest echo server."""

import re
import socket
import threading
import time
from itertools import count

TIME_WAIT = 4  # seconds (2 * TCP_MSL in user/net/lwipopts.h)
NETSTAT = re.compile(r"netstat: sockets (\d+) tcp_pcbs (\d+) udp_pcbs (\d+) clients (\d+) memory (\d+) pbufs (\d+) "
                     r"queued (\d+)")
NETSTAT_KEYS = ("sockets", "tcp_pcbs", "udp_pcbs", "clients", "memory", "pbufs", "queued")
_SYNC = count()


class Failure(Exception):
    """A property of the guest's network the harness checks did not hold."""


def settle(m, timeout=30):
    """Waits until the shell has answered everything typed so far (a
    background program's line may have landed after a prompt)."""
    token = f"sync-{next(_SYNC)}"
    m.send_raw(f"echo {token}\n")
    m.expect(re.compile(rf"(?:\n|> ){token}\r"), timeout=timeout)
    m.wait_prompt()


def start(m, command, ready, timeout=30):
    """Starts a server in the background and waits for its ready line."""
    m.send_raw(command + " &\n")
    m.expect(ready, timeout=timeout)
    settle(m, timeout)


def netstat(m):
    """netstat's counts, by NETSTAT_KEYS; Failure if it printed none."""
    out = m.run("run netstat")
    got = NETSTAT.search(out)
    if not got:
        raise Failure(f"netstat printed no counts: {out!r}")
    return dict(zip(NETSTAT_KEYS, map(int, got.groups())))


def back_to(m, baseline, seconds=30):
    """netstat until it shows the baseline again (TIME_WAIT lasts 4 s), or
    `seconds` have passed: the last counts."""
    deadline = time.monotonic() + seconds
    while True:
        now = netstat(m)
        if now == baseline or time.monotonic() > deadline:
            return now
        time.sleep(1)


def echo_through(port, data, chunk=65536, timeout=60):
    """Sends `data` to the echo server on 127.0.0.1:`port`, reading the
    echo as it comes (so neither side's window fills); the bytes echoed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    got = bytearray()

    def reader():
        while True:
            piece = s.recv(1 << 16)
            if not piece:
                return
            got.extend(piece)

    t = threading.Thread(target=reader)
    t.start()
    for i in range(0, len(data), chunk):
        s.sendall(data[i:i + chunk])
    s.shutdown(socket.SHUT_WR)
    t.join(2 * timeout)
    s.close()
    return bytes(got)
