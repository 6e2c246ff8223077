"""Acceptance tests for the region allocator of user address spaces (issue
"ABI v2", item 7), run through the `mmaploop` program: a million mmap+munmap
cycles keep working because freed addresses are reused (a bump allocator
ran out after 65,536 pages), more than 16 memory objects can be mapped at
once, and one memory object can hold 16 MiB. Also the user stack
(kUserStackSize, 8 MiB), mapped on first touch rather than at spawn (which
made spawn 1.8x slower): deep recursion works to nearly its end, syscalls
can write into stack buffers never touched, the guard gap below it still
stops both, and running past it kills only that program with a kill line
that says "stack overflow" (issue 11, item 2). Each test ends with every
frame and kernel heap byte back where it started (`mem`)."""

import re

import time

from harness import abi  # noqa: E402
from harness.shell import lines, mem, mem_settled, search  # noqa: E402

# A cycle costs ~30 us under QEMU, so a million take ~30 s; the timeout only
# catches a hang, generously, since the machine may be shared.
MILLION_TIMEOUT = 900
SLOW = 120


def assert_memory_back(machine, before, when):
    after = mem_settled(machine, before, keys=("free_frames", "heap", "handles"))
    assert after["free_frames"] == before["free_frames"], \
        f"{when}: free frames {before['free_frames']} before, {after['free_frames']} after"
    assert after["heap"] == before["heap"], \
        f"{when}: kernel heap bytes {before['heap']} before, {after['heap']} after"
    assert after["handles"] == before["handles"], \
        f"{when}: handles changed:\n before {before['handles']}\n after  {after['handles']}"


def test_a_million_mmap_munmap_cycles_work_and_give_every_frame_back(machine):
    before = mem(machine)
    started = time.monotonic()
    out = machine.run("run mmaploop cycles 1000000", timeout=MILLION_TIMEOUT)
    elapsed = time.monotonic() - started
    got = lines(out)
    assert "mmaploop: 1000000 cycles ok" in got, f"mmaploop did not finish its cycles:\n{out}"
    timing = search(r"^mmaploop: (\d+) ms, (\d+) ns per cycle, addresses below (0x[0-9a-f]+)$", out, "timing")
    # Reuse, not growth: 1..4 pages at a time never climb past a handful of
    # pages above the program's own heap.
    assert int(timing[3], 16) < 0x6000_0000 + 16 * 1024 * 1024, f"addresses kept growing:\n{out}"
    assert "exited with status" not in out and "[kernel] killed" not in out, out
    print(f"\nmmaploop: 1,000,000 cycles in {elapsed:.1f} s wall ({timing[1]} ms guest, {timing[2]} ns per cycle, addresses below {timing[3]})")
    assert_memory_back(machine, before, "after a million mmap+munmap cycles")


def test_more_than_sixteen_shared_mappings_at_once(machine):
    before = mem(machine)
    out = machine.run("run mmaploop shared", timeout=SLOW)
    assert lines(out) == ["mmaploop: 40 shared mappings ok"], f"mmaploop shared:\n{out}"
    assert_memory_back(machine, before, "after 40 shared mappings")


def test_a_sixteen_mib_memory_object_is_mapped_and_written_end_to_end(machine):
    before = mem(machine)
    out = machine.run("run mmaploop big", timeout=SLOW)
    assert lines(out) == ["mmaploop: 16 MiB memory object ok"], f"mmaploop big:\n{out}"
    assert_memory_back(machine, before, "after the 16 MiB memory object")



STACK_PAGES = abi.kUserStackSize // abi.kPageSize
STACK_RESULT = r"^mmaploop: stack: (\d+) KiB deep recursion ok, (-?\d+) stack pages mapped on first touch$"


def recurse(machine, kib):
    """Runs `mmaploop stack <kib>` with the machine warmed up; returns its
    (depth in KiB, stack pages the recursion mapped) and `mem` before."""
    # A first run sets up what sysinfo needs once, and the shell's own
    # stack grows (on touch) to what `run` and `mem` use, once: count from
    # the second.
    machine.run("run mmaploop stack 16", timeout=SLOW)
    mem(machine)
    before = mem(machine)
    out = machine.run(f"run mmaploop stack {kib}", timeout=SLOW)
    assert "[kernel] killed" not in out and "exited with status" not in out, out
    m = search(STACK_RESULT, out, "stack result")
    return int(m[1]), int(m[2]), before, out


def test_a_program_using_900_kib_of_stack_works_and_maps_it_as_it_goes(machine):
    depth, touched, before, out = recurse(machine, 900)
    assert depth >= 900, out
    # Mapped at spawn, the whole stack was there before the recursion (0
    # new pages); mapped on touch, the recursion maps what it reaches: all
    # of 900 KiB but the top 8 pages mapped at spawn (kStackMappedAtSpawn)
    # and the few main's callers touched.
    assert 900 // 4 - 16 <= touched <= STACK_PAGES, f"{touched} stack pages mapped by 900 KiB of recursion:\n{out}"
    print(f"\nmmaploop stack: {depth} KiB deep, {touched} of {STACK_PAGES} stack pages mapped on first touch")
    assert_memory_back(machine, before, "after deep recursion")


def test_a_program_can_use_nearly_all_of_its_stack(machine):
    kib = abi.kUserStackSize // 1024 - 128  # what is left above: main's callers and the arguments
    depth, touched, before, out = recurse(machine, kib)
    assert depth >= kib and touched <= STACK_PAGES, out
    print(f"\nmmaploop stack: {depth} KiB of {abi.kUserStackSize // 1024} KiB used")
    assert_memory_back(machine, before, "after recursion through the whole stack")


KILL_LINE = re.compile(r"^\[kernel\] killed pid \d+ \((\S+)\): (.+) at (0x[0-9a-f]+) \(pc 0x[0-9a-f]+(?:, last syscall \w+)?\)$",
                       re.M)


def test_stack_overflow_kills_only_that_program_and_says_stack_overflow(machine):
    machine.run("run mmaploop overflow", timeout=SLOW)  # warm-up, as in recurse()
    mem(machine)
    before = mem(machine)
    out = machine.run("run mmaploop overflow", timeout=SLOW)
    kills = KILL_LINE.findall(out.replace("\r", ""))
    assert len(kills) == 1, f"exactly one program must be killed:\n{out}"
    name, cause, address = kills[0]
    assert (name, cause) == ("mmaploop", "stack overflow"), out
    bottom = abi.kUserStackTop - abi.kUserStackSize
    assert bottom - abi.kUserStackGuardSize <= int(address, 16) < bottom, f"{address} is not in the guard gap:\n{out}"
    # The parent, running all along, goes on and uses its own stack.
    assert "mmaploop: overflow: the child was killed by a fault; this program still runs" in lines(out), out
    assert re.search(STACK_RESULT, out, re.M), out
    assert machine.run("echo still here") == "still here"
    assert_memory_back(machine, before, "after a stack overflow")


def test_syscalls_write_into_untouched_stack_buffers_and_not_the_guard_page(machine):
    # The first file the fs server holds grows its memory once (kept for
    # later files), as does the shell's stack: count from the second run.
    machine.run("run mmaploop stackbuf", timeout=SLOW)
    mem(machine)
    before = mem(machine)
    out = machine.run("run mmaploop stackbuf", timeout=SLOW)
    assert lines(out) == [
        "mmaploop: stackbuf: guard page refused: ok; 64 KiB chan_read into an untouched stack buffer ok",
        "mmaploop: stackbuf: read() of a 64 KiB file into an untouched stack buffer ok",
    ], f"mmaploop stackbuf:\n{out}"
    assert_memory_back(machine, before, "after syscalls into untouched stack buffers")

