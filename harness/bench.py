#!/usr/bin/env python3
"""make bench: boot-time measurement plus the in-guest benchmark table.

Boots the image five times and takes the median wall time from starting
QEMU to the first `rvos> ` prompt, then boots once more, runs `run bench`
(or `run bench quick` with --quick), then the disk rows (`run bench disk`
on a copy of the root image, and `run bench disk cold` after a fresh boot),
prints the table and writes it to build/bench.txt. No timing is asserted here: speed is reported, not tested.
"""
import argparse
import pathlib
import platform
import shutil
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import Machine  # noqa: E402


def boot_seconds():
    machine = Machine()
    start = time.monotonic()
    try:
        machine.boot()
        return time.monotonic() - start
    finally:
        machine.close()


def run_table(quick):
    machine = Machine()
    try:
        machine.boot()
        output = machine.run("run bench quick" if quick else "run bench", timeout=900)
        machine.shutdown()
        return output
    finally:
        machine.close()


def disk_table(quick):
    """The rows on the disk (user/bench/disk.cpp), on a fresh copy of the
    root image: the cached rows, then a cold boot for the cold rows."""
    suffix = " quick" if quick else ""
    lines = []
    with tempfile.TemporaryDirectory(prefix="rvos-bench-") as work:
        image = pathlib.Path(work) / "disk.img"
        shutil.copy(ROOT / "build" / "disk.img", image)
        for command in (f"run bench disk{suffix}", f"run bench disk cold{suffix}"):
            machine = Machine(disks=(image,))
            try:
                machine.boot()
                output = machine.run(command, timeout=1800)
                machine.shutdown()
            finally:
                machine.close()
            if "bench: disk done" not in output:
                print(output)
                raise SystemExit(f"bench: `{command}` did not finish")
            lines += [line for line in output.splitlines() if line.strip() and line.strip() != "bench: disk done"]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (make check uses this so bench cannot rot)")
    args = parser.parse_args()

    boots = [boot_seconds() for _ in range(1 if args.quick else 5)]
    table = run_table(args.quick)
    if "bench: done" not in table:
        print(table)
        print("bench: the benchmark did not finish", file=sys.stderr)
        return 1
    lines = [line for line in table.splitlines() if line.strip() and line.strip() != "bench: done"]
    lines += disk_table(args.quick)
    report = "\n".join(
        [
            f"boot to first prompt (wall, median of {len(boots)}): {statistics.median(boots) * 1000:.0f} ms",
            *lines,
            f"host: {platform.machine()}, {platform.system()} {platform.release()}; "
            f"QEMU TCG, one hart, 128 MiB{'; quick mode' if args.quick else ''}",
        ]
    )
    print(report)
    out = ROOT / "build" / ("bench-quick.txt" if args.quick else "bench.txt")
    out.parent.mkdir(exist_ok=True)
    out.write_text(report + "\n")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
