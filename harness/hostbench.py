#!/usr/bin/env python3
"""make bench, rows against the host: each row beside the host's figure for
the same code, the ratio guest/host and the issue's target where there is
one. Appends its rows to the benchmark's report (build/bench.txt or
build/bench-quick.txt, written by harness/bench.py just before).

  - The C-library rows (user/bench/libc_rows.cpp: 100k mixed malloc/free,
    the floating-point loop, 1 MiB through fwrite and through fread): the
    guest's figures are the ones `bench` printed in the report; the host's
    come from the same source built with the host's g++ -O2
    (user/bench/host/main.cpp), its stdio file on a tmpfs as the guest's
    /tmp is in RAM.
  - The Lua rows: the scripts in user/rootfs/usr/share/bench/lua (on the
    root disk as /usr/share/bench/lua) run by the host's lua5.4 and by the
    guest's /bin/lua. Each script times itself with os.clock() (the
    process's CPU time on both) and prints its result, which must be the
    same on both. Median of three runs each (one in quick mode, with 1e5
    iterations instead of 1e7).

Speed is reported, never asserted: --quick (make check) only proves the
rows run and agree with the host.
"""
import argparse
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import Machine  # noqa: E402

SCRIPTS = ROOT / "user" / "rootfs" / "usr" / "share" / "bench" / "lua"
GUEST_SCRIPTS = "/usr/share/bench/lua"
LUA_UNAVAILABLE = ROOT / "build" / "third_party" / "lua5.4.unavailable"

# (script, iterations in full and in quick mode, row name, target ratio)
LUA_ROWS = (
    ("int-loop", "1e7", "1e5", "Lua integer loop, {} iterations", 15),
    ("float-loop", "1e7", "1e5", "Lua float loop, {} iterations", 20),
    ("deep-recursion", "", "", "Lua recursion to \"stack overflow\"", 1000),
)


def build_host_libc_rows():
    out = ROOT / "build" / "host" / "bench-libc"
    out.parent.mkdir(parents=True, exist_ok=True)
    sources = [ROOT / "user" / "bench" / "host" / "main.cpp", ROOT / "user" / "bench" / "libc_rows.cpp"]
    subprocess.run(["g++", "-std=c++20", "-O2", "-Wall", "-Wextra", "-o", str(out), *map(str, sources)], check=True)
    return out


def parse_rows(text):
    """{row name: ns per op} from lines in bench's columns."""
    rows = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 4 and words[-1] == "MB/s":
            words = words[:-2]
        if len(words) >= 4 and all(w.isdigit() for w in words[-3:]):
            rows[line[:38].strip()] = int(words[-1])
    return rows


def libc_rows(report_text, quick):
    guest = parse_rows(report_text)
    program = build_host_libc_rows()
    scratch = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(prefix="rvos-stdio-", dir=scratch) as work:
        host_text = subprocess.run([str(program), str(pathlib.Path(work) / "stdio.dat"), *(["quick"] if quick else [])],
                                   check=True, capture_output=True, text=True).stdout
    host = parse_rows(host_text)
    lines, problems = [], []
    for name, host_ns in host.items():
        if name not in guest:
            problems.append(f"the guest's table has no row {name!r}")
            continue
        lines.append(row_line(name, guest[name], host_ns, None))
    return lines, problems


def row_line(name, guest_ns, host_ns, target):
    ratio = guest_ns / host_ns if host_ns else float("inf")
    line = f"{name:<38} {guest_ns / 1e3:12.1f} {host_ns / 1e3:12.1f} {ratio:8.1f}x"
    if target:
        line += f"   target {target}x: {'met' if ratio <= target else 'missed'}"
    return line


def parse_lua(output, script):
    """(seconds, result) from a script's one line, or None."""
    for line in output.splitlines():
        words = line.split()
        if len(words) == 4 and words[0] == script:
            return float(words[2]), words[3]
    return None


def lua_rows(quick):
    if LUA_UNAVAILABLE.exists():
        return [f"Lua rows skipped: lua is not in the image ({LUA_UNAVAILABLE.read_text().strip()})"], []
    host_lua = shutil.which("lua5.4")
    runs = 1 if quick else 3
    lines, problems = [], []
    machine = Machine()
    try:
        machine.boot()
        for script, full, short, name, target in LUA_ROWS:
            iterations = short if quick else full
            guest, host = [], []
            for _ in range(runs):
                output = machine.run(f"run lua {GUEST_SCRIPTS}/{script}.lua {iterations}".strip(), timeout=900)
                parsed = parse_lua(output, script)
                if not parsed:
                    problems.append(f"{script}: the guest printed {output!r}")
                    break
                guest.append(parsed)
                if host_lua:
                    done = subprocess.run([host_lua, str(SCRIPTS / f"{script}.lua"), *([iterations] if iterations else [])],
                                          check=True, capture_output=True, text=True)
                    host.append(parse_lua(done.stdout, script))
            if not guest:
                continue
            results = {result for _, result in guest + host}
            if len(results) != 1:
                problems.append(f"{script}: guest and host disagree: {sorted(results)}")
            if script == "deep-recursion" and results != {"stack-overflow"}:
                problems.append(f"{script}: the error was not Lua's stack overflow: {sorted(results)}")
            guest_ns = statistics.median(s for s, _ in guest) * 1e9
            name = name.format(iterations)
            if host:
                lines.append(row_line(name, guest_ns, statistics.median(s for s, _ in host) * 1e9, None if quick else target))
            else:
                lines.append(f"{name:<38} {guest_ns / 1e3:12.1f}   (no host lua5.4: run harness/ensure-deps.sh)")
        machine.shutdown()
    finally:
        machine.close()
    return lines, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (make check uses this so bench cannot rot)")
    args = parser.parse_args()
    report = ROOT / "build" / ("bench-quick.txt" if args.quick else "bench.txt")
    if not report.exists():
        raise SystemExit(f"hostbench: {report.relative_to(ROOT)} is missing: run harness/bench.py first")

    libc, libc_problems = libc_rows(report.read_text(), args.quick)
    lua, lua_problems = lua_rows(args.quick)
    load = os.getloadavg()[0]
    text = "\n".join([
        f"{'against the host (guest/host)':<38} {'guest us':>12} {'host us':>12} {'ratio':>9}",
        *libc,
        *lua,
        f"host side: {platform.machine()} g++ -O2 and lua5.4; C rows in us per operation (guest: bench's row above), Lua rows os.clock() "
        f"around the work; load average {load:.1f} at the end",
    ])
    print(text)
    with report.open("a") as f:
        f.write(text + "\n")
    for problem in libc_problems + lua_problems:
        print(f"hostbench: {problem}", file=sys.stderr)
    return 1 if libc_problems or lua_problems else 0


if __name__ == "__main__":
    sys.exit(main())
