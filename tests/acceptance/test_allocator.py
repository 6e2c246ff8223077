"""Acceptance tests for lib/rvos's allocator (issue 11, item 3): malloc,
free, realloc, calloc and the aligned allocations replace picolibc's in
every program, keep the C contract, give freed memory back to the system,
and stay O(1) per call where picolibc's address-ordered free list was O(n)
(`alloc many` frees 200,000 blocks in address order; its timing is printed,
not asserted: speed is measured by `make bench`). The allocator's own
structure is tested on the host under ASan (tests/unit/test_allocator.cpp,
test_random_allocator.cpp).
"""

import re
import shutil
import subprocess

import pytest

from harness.machine import repo_root
from harness.shell import lines, search
from test_reliability import assert_back_to_baseline, baseline, kill_lines

SLOW = 120
BUILD = repo_root() / "build"
CROSS = "riscv64-unknown-elf-"


def run_check(machine, check):
    out = machine.run(f"run alloc {check}", timeout=SLOW)
    assert not kill_lines(out) and "exited with status" not in out, out
    return out


def test_malloc_family_keeps_the_c_library_contract(machine):
    before = baseline(machine)
    out = run_check(machine, "api")
    assert lines(out) == ["alloc: api: ok"], out
    assert_back_to_baseline(machine, before, "after alloc api")


def test_freed_memory_goes_back_to_the_system(machine):
    before = baseline(machine)
    out = run_check(machine, "giveback")
    m = search(r"^alloc: giveback: 8 MiB block: (\d+) frames taken, (\d+) back; "
               r"16 x 900 KiB: (\d+) of (\d+) frames back$", out, "giveback figures")
    taken, back, middle_back, middle = (int(x) for x in m.groups())
    assert taken >= 2048 and taken - back <= 8, out  # all but the page tables
    assert middle_back >= middle - 1024, out         # all but the free budget (4 MiB at most here)
    assert_back_to_baseline(machine, before, "after alloc giveback")


def test_many_blocks_freed_in_address_order(machine):
    before = baseline(machine)
    out = run_check(machine, "many")
    m = search(r"^alloc: many: ok \((\d+) blocks: malloc (\d+) ms, \d+ frees in address order (\d+) ms\)$", out,
               "many figures")
    print(f"\nalloc many: {m[1]} blocks, malloc {m[2]} ms, frees in address order {m[3]} ms")
    assert_back_to_baseline(machine, before, "after alloc many")


def nm(path):
    return subprocess.run([CROSS + "nm", "-C", str(path)], check=True, capture_output=True, text=True).stdout


@pytest.mark.skipif(shutil.which(CROSS + "nm") is None, reason="needs the cross binutils")
def test_every_program_links_lib_rvos_allocator_and_not_picolibcs():
    programs = sorted(BUILD.glob("user/*.debug.elf"))
    assert programs, "run `make build` first"
    for program in programs:
        symbols = nm(program)
        # picolibc's malloc keeps its free list and break in these.
        assert not re.search(r"\b__malloc_(free_list|sbrk_top|malloc)\b", symbols), \
            f"{program.name} links picolibc's malloc"
        assert re.search(r"^[0-9a-f]+ T malloc$", symbols, re.M), f"{program.name} has no malloc"
        assert "rvos::alloc::Allocator::allocate_slow" in symbols, f"{program.name} does not use lib/rvos's allocator"
