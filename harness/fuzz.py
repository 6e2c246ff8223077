#!/usr/bin/env python3
"""make fuzz: the long syscall-fuzzing run (millions of calls).

Boots one machine, records `mem`, runs `fuzz <seed> <calls>` for several
seeds, and checks after each that the kernel is still up and that free
frames, kernel heap, channels and every process's handle count are back at
the baseline. The fuzzer picks its calls from the syscall table
(lib/abi/syscalls.h); the run fails unless every syscall in it was called.
At the end it prints each syscall's calls and refusals over all seeds.
After each seed it also runs every hostile program of harness/hostile.py
before the counters are compared. Then the storage part
(harness/disk.py): QEMU killed at 30 random moments of a write-heavy
workload, and 200 damaged disk images booted. Then the network part
(harness/net_fuzz.py, when the stack was built): rounds of hostile peers
on the host's loopback against the guest's httpd and UDP echo, netstat's
counts back at the baseline after each. `make check` runs a bounded
version of this in tests/acceptance/test_reliability.py (and the network
hostile test in tests/acceptance/test_network.py).
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import Machine, abi, disk, hostile, net_fuzz  # noqa: E402

COUNTERS = re.compile(r"^(frames: free \d+|heap: \d+ bytes in use|channels: \d+)", re.M)
HANDLES = re.compile(r"^\s*\d+\s+(\S+)\s+(\d+)$", re.M)
SYSCALL_LINE = re.compile(r"^fuzz: ([a-z][a-z0-9_]*) (\d+) calls (\d+) refused\r?$", re.M)
CHILDREN_LINE = re.compile(r"^fuzz: children: \d+ spawned, \d+ exited with their code, \d+ killed, 0 wrong, ", re.M)


WARMUP_ROUNDS = 4


def counters(machine):
    out = machine.run("mem")
    handles = out.split("handles:", 1)[1] if "handles:" in out else ""
    return COUNTERS.findall(out) + [f"{name} {count}" for name, count in HANDLES.findall(handles)]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=500000, help="calls per seed")
    parser.add_argument("--kill-points", type=int, default=30, help="QEMU killed mid-write, on the root disk")
    parser.add_argument("--hostile-images", type=int, default=200, help="damaged disk images booted")
    parser.add_argument("--net-rounds", type=int, default=3, help="rounds of hostile network peers")
    parser.add_argument("--net-scale", type=int, default=4,
                        help="each round's peers, times the counts of the acceptance test's")
    args = parser.parse_args()

    machine = Machine()
    try:
        machine.boot()
        # Warm-up runs of the hostile programs first: the servers keep what
        # their first uses make (page tables, allocator slabs, the fs
        # server's tables for new arena addresses), as in the soak test.
        for _ in range(WARMUP_ROUNDS):
            for name, drive in hostile.HOSTILE.items():
                try:
                    drive(machine)
                except AssertionError as failure:
                    print(f"fuzz: warm-up: {name}: {failure}", file=sys.stderr)
                    return 1
        baseline = counters(machine)
        total = refused = 0
        per_syscall = {s.name: [0, 0] for s in abi.SYSCALLS}
        for seed in range(1, args.seeds + 1):
            out = machine.run(f"run fuzz {seed} {args.calls}", timeout=1200)
            made = re.search(r"fuzz: (\d+) calls made, (\d+) refused with an error, kernel still up", out)
            if (not made or "6 of 6 unknown syscall numbers killed only the caller" not in out
                    or not CHILDREN_LINE.search(out) or "exited with status" in out):
                print(out)
                print(f"fuzz: seed {seed} did not finish cleanly", file=sys.stderr)
                return 1
            total += int(made[1])
            refused += int(made[2])
            for name, calls, refusals in SYSCALL_LINE.findall(out):
                if name not in per_syscall:
                    print(f"fuzz: seed {seed}: {name} is not in lib/abi/syscalls.h", file=sys.stderr)
                    return 1
                per_syscall[name][0] += int(calls)
                per_syscall[name][1] += int(refusals)
            for name, drive in hostile.HOSTILE.items():
                try:
                    drive(machine)
                except AssertionError as failure:
                    print(f"fuzz: seed {seed}: {name}: {failure}", file=sys.stderr)
                    return 1
            now = counters(machine)
            if now != baseline:
                print(f"fuzz: seed {seed}: counters moved\n  before: {baseline}\n  after:  {now}", file=sys.stderr)
                return 1
            print(f"seed {seed}: {made[1]} calls, {made[2]} refused; {len(hostile.HOSTILE)} hostile programs "
                  f"defeated; counters at baseline", flush=True)
        width = max(len(name) for name in per_syscall)
        for name, (calls, refusals) in per_syscall.items():
            print(f"  {name:<{width}} {calls:>10} calls {refusals:>10} refused")
        never = [name for name, (calls, _) in per_syscall.items() if calls == 0]
        if never:
            print(f"fuzz: syscalls never called: {' '.join(never)}", file=sys.stderr)
            return 1
        print(f"fuzz: {total} calls in all, {refused} refused with an error, "
              f"{args.seeds * 6} unknown-number callers killed; kernel up, counters at baseline: {baseline}")
        machine.shutdown()
    finally:
        machine.close()
    # The storage part: each kill point and damaged image on its own QEMU.
    if not disk.storage_fuzz(args.kill_points, args.hostile_images):
        print("fuzz: a storage round failed (see above)", file=sys.stderr)
        return 1
    print(f"fuzz: {args.kill_points} kill points, every fsync'ed file intact; "
          f"{args.hostile_images} damaged images refused or answered, the system usable")
    return network_part(args)


def network_part(args):
    programs = ROOT / "build" / "programs.list"
    if args.net_rounds == 0:
        return 0
    if not programs.is_file() or "net" not in programs.read_text().split():
        print("fuzz: the network stack was not built: no network rounds")
        return 0
    try:
        for line in net_fuzz.network_fuzz(args.net_rounds, args.net_scale):
            print(f"fuzz: {line}", flush=True)
    except net_fuzz.Failure as failure:
        print(f"fuzz: network: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
