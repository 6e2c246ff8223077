#!/usr/bin/env python3
"""make fuzz: the long syscall-fuzzing run (millions of calls).

Boots one machine, records `mem`, runs `fuzz <seed> <calls>` for several
seeds, and checks after each that the kernel is still up and that free
frames, kernel heap, channels and every process's handle count are back at
the baseline. `make check` runs a bounded version of this in
tests/acceptance/test_reliability.py.
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import Machine  # noqa: E402

COUNTERS = re.compile(r"^(frames: free \d+|heap: \d+ bytes in use|channels: \d+)", re.M)
HANDLES = re.compile(r"^\s*\d+\s+(\S+)\s+(\d+)$", re.M)


def counters(machine):
    out = machine.run("mem")
    handles = out.split("handles:", 1)[1] if "handles:" in out else ""
    return COUNTERS.findall(out) + [f"{name} {count}" for name, count in HANDLES.findall(handles)]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=500000, help="calls per seed")
    args = parser.parse_args()

    machine = Machine()
    try:
        machine.boot()
        baseline = counters(machine)
        total = refused = 0
        for seed in range(1, args.seeds + 1):
            out = machine.run(f"run fuzz {seed} {args.calls}", timeout=1200)
            made = re.search(r"fuzz: (\d+) calls made, (\d+) refused with an error, kernel still up", out)
            if not made or "6 of 6 unknown syscall numbers killed only the caller" not in out:
                print(out)
                print(f"fuzz: seed {seed} did not finish cleanly", file=sys.stderr)
                return 1
            total += int(made[1])
            refused += int(made[2])
            now = counters(machine)
            if now != baseline:
                print(f"fuzz: seed {seed}: counters moved\n  before: {baseline}\n  after:  {now}", file=sys.stderr)
                return 1
            print(f"seed {seed}: {made[1]} calls, {made[2]} refused; counters at baseline", flush=True)
        print(f"fuzz: {total} calls in all, {refused} refused with an error, "
              f"{args.seeds * 6} unknown-number callers killed; kernel up, counters at baseline: {baseline}")
        machine.shutdown()
        return 0
    finally:
        machine.close()


if __name__ == "__main__":
    sys.exit(main())
