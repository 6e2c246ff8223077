"""Acceptance tests for hardware floating point (issue 11, item 1): user
programs are built for RV64GC with the lp64d ABI and use the FPU directly;
the kernel stays integer-only and switches the FP registers lazily
(kernel/task/fpu.h), so two programs' FP registers never mix.

`fpregs` (user/tests/fpregs) fills all 32 FP registers and fcsr with its own
pattern in inline assembly, gives up the CPU (yield, a timed sleep, or
preemption while spinning), reads them back and compares, in two checkers
and a third program at once, 1000 rounds each; the parent checks its own
pattern survived its children, and a program started after an owner of the
registers was killed finds them all zero.
"""

import math
import re
from fractions import Fraction
import shutil
import struct
import subprocess

import pytest

from harness.machine import repo_root
from harness.shell import lines, search
from test_reliability import assert_back_to_baseline, baseline, kill_lines

SLOW = 120
BUILD = repo_root() / "build"
CROSS = "riscv64-unknown-elf-"


def test_two_programs_fp_registers_never_mix(machine):
    before = baseline(machine)
    out = machine.run("run fpregs", timeout=SLOW)
    got = lines(out)
    for checker in (2, 3):
        assert (f"fpregs: checker {checker}: fresh registers zero; 1000 rounds of yield, sleep and preemption, "
                "registers intact") in got, f"checker {checker}:\n{out}"
    assert "fpregs: parent: fresh registers zero; registers intact while its children ran" in got, out
    assert "fpregs: a new program after a killed owner: fresh registers zero" in got, out
    assert got[-1] == "fpregs: all registers kept apart", out
    assert not kill_lines(out), f"no program may be killed:\n{out}"
    assert_back_to_baseline(machine, before, "after fpregs")


def as_float32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def test_hardware_fp_gives_the_hosts_correctly_rounded_results(machine):
    out = machine.run("run fpregs math", timeout=SLOW)
    value = {}
    for line in lines(out):
        m = re.fullmatch(r"fpregs: math: (.+?) = (.+)", line)
        assert m, f"unexpected line {line!r}:\n{out}"
        value[m[1]] = m[2]
    # IEEE 754 rounds these exactly: the guest's bits must equal the host's.
    assert float(value["sqrt(2)"]) == math.sqrt(2.0), out
    assert float(value["1/3"]) == 1.0 / 3.0, out
    assert float(value["0.1*3"]) == 0.1 * 3.0, out
    # fma rounds once: 0.1*3 - 0.3 exactly (a separate multiply would round
    # 0.1*3 first and give 5.551115123125783e-17).
    exact = Fraction(0.1) * 3 - Fraction(0.3)
    assert float(value["fma(0.1, 3, -0.3)"]) == float(exact), out
    assert value["1e308*10"] == "inf", out
    assert as_float32(float(value["(float)1/3"])) == as_float32(1.0 / 3.0), out  # 9 digits name a float
    assert value["(long)-2.5"] == "-2, lrint(2.5) = 2", out  # truncation; ties to even
    assert value["1/0"] == "inf, divide-by-zero flag raised", out


def objdump(path):
    return subprocess.run([CROSS + "objdump", "-d", "--no-show-raw-insn", str(path)], check=True,
                          capture_output=True, text=True).stdout


def elf_flags(path):
    out = subprocess.run([CROSS + "readelf", "-h", str(path)], check=True, capture_output=True, text=True).stdout
    return search(r"^\s*Flags:\s+(.+)$", out, "ELF flags")[1]


FP_INSTRUCTION = re.compile(r"^\s*[0-9a-f]+:\s+(f[a-z]+(\.[a-z.]+)?|frcsr|fscsr|frrm|fsrm|frflags|fsflags)\s", re.M)


@pytest.mark.skipif(shutil.which(CROSS + "objdump") is None, reason="needs the cross binutils")
def test_programs_are_hard_float_and_the_kernel_touches_fp_registers_only_to_switch_them():
    programs = sorted(BUILD.glob("user/*.debug.elf"))
    assert programs, "run `make build` first"
    for program in programs:
        assert "double-float ABI" in elf_flags(program), f"{program.name} is not built for lp64d"
    # A soft-float build calls libgcc for every operation; a hard-float one
    # has none of those calls.
    bench = objdump(BUILD / "user" / "bench.debug.elf")
    assert not re.search(r"<__(add|sub|mul|div)df3>", bench), "bench calls soft-float routines"
    assert re.search(r"\bfdiv\.d\b", bench), "bench's float loop has no fdiv.d"

    kernel = BUILD / "kernel.elf"
    assert "soft-float ABI" in elf_flags(kernel), "the kernel must be built without F/D"
    function = None
    users = set()
    for line in objdump(kernel).splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            function = m[1]
        elif FP_INSTRUCTION.match(line):
            users.add(function)
    assert users == {"fpu_save", "fpu_restore", "fpu_zero"}, \
        f"FP instructions in the kernel outside the switch routines: {sorted(users)}"
