#!/usr/bin/env python3
"""make bench, network rows: TCP throughput each way, connection setup,
small-file HTTP requests per second with keep-alive and the UDP round trip,
through QEMU's user network (forwarded ports on 127.0.0.1, the host as
10.0.2.2), each beside the same transfer through the host's own loopback.
Appends its rows to the benchmark's report (build/bench.txt or
build/bench-quick.txt). Speed is reported here, never asserted.

The TCP transfers also check what arrived: the 16 MiB echo (8 MiB in quick
mode) compares sha256 both ways, so `make bench` carries the issue's 16 MiB
echo, which is too slow for `make check`.
"""
import argparse
import hashlib
import http.client
import http.server
import os
import pathlib
import re
import socket
import statistics
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import Machine, Network  # noqa: E402
from harness.network import echo_through, settle, start  # noqa: E402

MiB = 1024 * 1024


def receive_all(s):
    total = 0
    while True:
        piece = s.recv(1 << 16)
        if not piece:
            return total
        total += len(piece)


class Sink:
    """A host TCP server that counts what one connection sends: bytes and
    the seconds from its first byte to its end."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.result = None
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        c, _ = self.server.accept()
        total, first = 0, None
        while True:
            piece = c.recv(1 << 16)
            if not piece:
                break
            if first is None:
                first = time.monotonic()
            total += len(piece)
        self.result = (total, time.monotonic() - (first or time.monotonic()))
        c.close()


def echo_check(port, size):
    """size bytes through an echo server; (seconds, intact)."""
    data = os.urandom(size)
    start = time.monotonic()
    got = echo_through(port, data, timeout=150)
    return time.monotonic() - start, hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


def keepalive_rate(port, path, count):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.monotonic()
    for _ in range(count):
        c.request("GET", path)
        r = c.getresponse()
        r.read()
    seconds = time.monotonic() - start
    c.close()
    return count / seconds


def setup_ms(port, path, count):
    """A new connection, a GET of a tiny file and the close: median ms."""
    times = []
    for _ in range(count):
        start = time.monotonic()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", path, headers={"Connection": "close"})
        c.getresponse().read()
        c.close()
        times.append(time.monotonic() - start)
    return statistics.median(times) * 1000


def udp_rtt_us(port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    times = []
    for i in range(count):
        payload = i.to_bytes(4, "little") * 16
        start = time.monotonic()
        s.sendto(payload, ("127.0.0.1", port))
        try:
            while s.recvfrom(2048)[0] != payload:
                pass
        except socket.timeout:
            continue
        times.append(time.monotonic() - start)
    s.close()
    return statistics.median(times) * 1e6 if times else float("nan")


# ---- The host's own loopback, for comparison ---------------------------------------


def host_echo_server():
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            c, _ = server.accept()

            def one(c=c):
                while True:
                    piece = c.recv(1 << 16)
                    if not piece:
                        break
                    c.sendall(piece)
                c.close()

            threading.Thread(target=one, daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1]


def host_udp_echo():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))

    def serve():
        while True:
            data, peer = s.recvfrom(2048)
            s.sendto(data, peer)

    threading.Thread(target=serve, daemon=True).start()
    return s.getsockname()[1]


def host_http(directory):
    handler = lambda *a, **k: Quiet(*a, directory=str(directory), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


class Quiet(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass


def host_send(port, size):
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    data = bytes(64 * 1024)
    start = time.monotonic()
    left = size
    while left:
        n = min(left, len(data))
        s.sendall(data[:n])
        left -= n
    s.shutdown(socket.SHUT_WR)
    receive_all(s)
    s.close()
    return time.monotonic() - start


# ---- The rows ---------------------------------------------------------------------


def rows(quick):
    size = (4 if quick else 16) * MiB
    requests = 200 if quick else 2000
    network = Network.forwarding(tcp_ports=[80, 7, 9], udp_ports=[7])
    m = Machine(network=network)
    out = []
    try:
        m.boot()
        m.expect(r"\[net\] en0: \S+ by DHCP", timeout=30)
        settle(m)
        m.run("write /tmp/1k " + "x" * 1023)
        start(m, "run httpd /tmp", "httpd: serving /tmp on port 80")
        start(m, "run nc -l -k --echo 7", "nc: listening on tcp port 7")
        start(m, "run nc -u -l --echo 7", "nc: listening on udp port 7")
        start(m, "run nc -l -k --discard 9", "nc: listening on tcp port 9")

        # host -> guest: the guest counts what arrives.
        host_send(network.tcp[9], size)
        got = m.expect(r"nc: received (\d+) bytes in (\d+) ms", timeout=300)
        n, ms = map(int, re.search(r"(\d+) bytes in (\d+) ms", got).groups())
        settle(m)
        inbound = n / MiB / max(ms / 1000, 1e-3)
        # guest -> host: the host counts what arrives.
        sink = Sink()
        m.run(f"run nc --bytes {size} 10.0.2.2 {sink.port}", timeout=300)
        deadline = time.monotonic() + 30
        while sink.result is None and time.monotonic() < deadline:
            time.sleep(0.1)
        total, seconds = sink.result or (0, 1)
        outbound = total / MiB / max(seconds, 1e-3)
        echo_seconds, intact = echo_check(network.tcp[7], size)
        setup = setup_ms(network.tcp[80], "/1k", 20 if quick else 100)
        rate = keepalive_rate(network.tcp[80], "/1k", requests)
        rtt = udp_rtt_us(network.udp[7], 100 if quick else 1000)
        m.shutdown()
    finally:
        m.close()

    # The same through the host's own loopback.
    echo_port, udp_port = host_echo_server(), host_udp_echo()
    directory = ROOT / "build" / "netbench-www"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "1k").write_bytes(b"x" * 1024)
    http_port = host_http(directory)
    host_seconds = host_send(Sink().port, size) or 1e-3
    host_echo, _ = echo_check(echo_port, size)
    host_setup = setup_ms(http_port, "/1k", 20 if quick else 100)
    host_rate = keepalive_rate(http_port, "/1k", requests)
    host_rtt = udp_rtt_us(udp_port, 100 if quick else 1000)

    mb = size // MiB
    out += [
        f"net: TCP host->guest, {mb} MiB (guest's clock): {inbound:.1f} MB/s",
        f"net: TCP guest->host, {mb} MiB (host's clock): {outbound:.1f} MB/s",
        f"net: TCP echo of {mb} MiB both ways, sha256 {'matches' if intact else 'DIFFERS'}: "
        f"{echo_seconds * 1000:.0f} ms (host loopback: {host_echo * 1000:.0f} ms)",
        f"net: host loopback TCP send of {mb} MiB, for comparison: {size / MiB / host_seconds:.1f} MB/s",
        f"net: connection setup + 1 KiB GET + close (median): {setup:.2f} ms (host loopback: {host_setup:.2f} ms)",
        f"net: HTTP 1 KiB GET, keep-alive, {requests} requests: {rate:.0f} requests/s "
        f"(host loopback, Python http.server: {host_rate:.0f})",
        f"net: UDP round trip, 64 bytes (median): {rtt:.0f} us (host loopback: {host_rtt:.0f} us)",
    ]
    return out, intact


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    programs = ROOT / "build" / "programs.list"  # what the kernel image embeds
    if not programs.is_file() or "net" not in programs.read_text().split():
        print("net: the network stack was not built (no lwIP sources): no network rows")
        return 0
    lines, intact = rows(args.quick)
    print("\n".join(lines))
    report = ROOT / "build" / ("bench-quick.txt" if args.quick else "bench.txt")
    with report.open("a") as f:
        f.write("\n".join(lines) + "\n")
    return 0 if intact else 1


if __name__ == "__main__":
    sys.exit(main())
