"""The network part of `make fuzz`: hostile peers against the guest's
stack, at larger counts than tests/acceptance/test_network.py's hostile
test, each round bounded in count and time and on the host's loopback
only (QEMU forwards free ports on 127.0.0.1 to the guest).

One machine boots with /www on its disk, runs `httpd /www` and a UDP echo
(`nc -u -l --echo 7`), and records `netstat` once the first request's
TIME_WAIT is over. Each round then sends, from a seeded random source:
malformed requests (random bytes, broken request lines, NULs),
oversized headers, clients that connect and never send, clients that
vanish mid-transfer (reset with most of 8 MiB unread), a connection
flood beyond the stack's 128 sockets, and random datagrams to the UDP
port. After each kind the guest still serves a file byte for byte;
after each round netstat's counts (sockets, lwIP's control blocks,
clients, heap bytes, pool buffers, bytes queued) return to the baseline.
"""
import os
import random
import socket
import struct
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import Machine, Network, default_kernel_path
from harness import disk as disks
from harness.network import TIME_WAIT, Failure, back_to, netstat, settle, start

HTTP, UDP_ECHO = 80, 7
ROUND_SECONDS = 600  # one round may take no longer than this


class Peer:
    """The host side: requests to the guest's forwarded ports."""

    def __init__(self, m, files, rng):
        self.m, self.files, self.rng = m, files, rng
        self.port = m.network.tcp[HTTP]
        self.udp = m.network.udp[UDP_ECHO]

    def serves(self, name):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{name}", timeout=30) as r:
            body = r.read()
        if r.status != 200 or body != self.files[name]:
            raise Failure(f"GET /{name}: status {r.status}, {len(body)} bytes, not the file")

    def raw(self, payload, read=True):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=20)
        try:
            s.sendall(payload)
            answer = b""
            while read:
                try:
                    piece = s.recv(65536)
                except (socket.timeout, ConnectionResetError):
                    break
                if not piece:
                    break
                answer += piece
                if b"\r\n\r\n" in answer and b"Connection: close" in answer:
                    break
            return answer
        finally:
            s.close()

    def malformed(self, count):
        shapes = (b"garbage\r\n\r\n", b"GET\r\n\r\n", b"GET /x HTTP/9\r\n\r\n", b"GET / HTTP/1.1\x00\r\n\r\n",
                  b"GET /%zz HTTP/1.1\r\n\r\n")
        for i in range(count):
            if i % 2:
                payload = shapes[i % len(shapes)]
                answer = self.raw(payload)
                if not answer.startswith(b"HTTP/1.1 400"):
                    raise Failure(f"{payload!r} was answered {answer[:40]!r}, not 400")
            else:  # random bytes ending a request: any answer or none, the guest must go on
                junk = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 2000)))
                self.raw(junk + b"\r\n\r\n")
        for size in (9_000, 100_000, 1_000_000):
            answer = self.raw(b"GET /" + b"a" * size + b" HTTP/1.1\r\n\r\n")
            if not answer.startswith(b"HTTP/1.1 431"):
                raise Failure(f"a {size}-byte request line was answered {answer[:40]!r}, not 431")
        self.serves("one")

    def idle(self, count):
        held = [socket.create_connection(("127.0.0.1", self.port), timeout=10) for _ in range(count)]
        try:
            self.serves("64k")
        finally:
            for s in held:
                s.close()

    def vanish(self, count):
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            s.sendall(b"GET /8m HTTP/1.1\r\n\r\n")
            s.recv(self.rng.randrange(1, 200_000))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        self.serves("64k")

    def flood(self, count):
        held = []
        for _ in range(count):
            try:
                held.append(socket.create_connection(("127.0.0.1", self.port), timeout=5))
            except OSError:
                pass
        for s in held:
            s.close()
        self.serves("one")

    def datagrams(self, count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for _ in range(count):
                s.sendto(os.urandom(self.rng.randrange(1, 1473)), ("127.0.0.1", self.udp))
        finally:
            s.close()
        self.serves("64k")


def make_disk(directory):
    root = Path(directory) / "netroot"
    (root / "www").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "etc" / "hosts").write_text("127.0.0.1\tlocalhost\n")
    files = {"one": os.urandom(1), "64k": os.urandom(64 * 1024), "8m": os.urandom(8 * 1024 * 1024)}
    for name, data in files.items():
        (root / "www" / name).write_bytes(data)
    image = Path(directory) / "net.img"
    disks.make_image(image, trees=(root,), size="64M")
    return image, files


def network_fuzz(rounds, scale=4, seed=1):
    """Runs `rounds` rounds of hostile peers, `scale` times the acceptance
    test's counts. Returns a list of lines, one per round; raises Failure."""
    report = []
    with tempfile.TemporaryDirectory(prefix="rvos-netfuzz-") as directory:
        image, files = make_disk(directory)
        m = Machine(kernel=default_kernel_path(), disks=(image,),
                    network=Network.forwarding(tcp_ports=[HTTP], udp_ports=[UDP_ECHO]))
        try:
            m.boot()
            m.expect(r"\[net\] en0: 10\.0\.2\.15 by DHCP", timeout=30)
            settle(m)
            start(m, "run httpd /www", "httpd: serving /www on port 80")
            start(m, f"run nc -u -l --echo {UDP_ECHO}", f"nc: listening on udp port {UDP_ECHO}")
            peer = Peer(m, files, random.Random(seed))
            peer.serves("one")
            time.sleep(TIME_WAIT + 1)  # that connection's TIME_WAIT is over
            baseline = netstat(m)
            for n in range(1, rounds + 1):
                began = time.monotonic()
                kinds = (("malformed", peer.malformed, 10 * scale), ("idle", peer.idle, 10 * scale),
                         ("vanish", peer.vanish, 3 * scale), ("flood", peer.flood, 150 * scale),
                         ("datagrams", peer.datagrams, 200 * scale))
                for name, drive, count in kinds:
                    try:
                        drive(count)
                    except (OSError, Failure) as failure:
                        raise Failure(f"round {n}: {name} x{count}: {failure}") from failure
                    if time.monotonic() - began > ROUND_SECONDS:
                        raise Failure(f"round {n}: past {ROUND_SECONDS} s at {name}")
                now = back_to(m, baseline, seconds=60)
                if now != baseline:
                    raise Failure(f"round {n}: netstat moved\n  before: {baseline}\n  after:  {now}")
                report.append(f"network round {n}: {' '.join(f'{k} x{c}' for k, _, c in kinds)}; "
                              f"served after each, netstat at baseline ({time.monotonic() - began:.0f} s)")
        finally:
            m.close()
    return report
