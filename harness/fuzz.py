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
workload, and 200 damaged disk images booted. `make check` runs a bounded version of this in
tests/acceptance/test_reliability.py.
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import Machine, abi, disk, hostile  # noqa: E402

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
