"""Acceptance tests for issue 10: the kernel cannot be driven into deep
recursion, and its stacks cannot overflow silently.

`nest <mode>` nests channel endpoints as deep as the channel table allows
(two per channel, each queued inside the next: over 200 deep) and lets go
of the outermost in four places: in its own close, on its way out, as a
cycle only the collector can free, and inside a kernel service (math, which
closes the handles a request carries). Release is iterative, so the kernel
stays up, every counter comes back, and the deepest kernel stack use `mem`
reports stays well under the stack's size. (Every kernel stack also has an
unmapped guard page below it, so an overflow would be a clean panic with a
stack trace; no user program can drive a stack that deep, which is what
these tests prove.)
"""

import pytest

from harness import abi
from harness.shell import lines, mem, search
from test_reliability import assert_back_to_baseline, baseline

MODES = ("close", "exit", "cycle", "service")


def test_mem_reports_the_deepest_kernel_stack_use(machine):
    report = mem(machine)
    assert 0 < report["kernel_stack_deepest"] < report["kernel_stack_size"], report


@pytest.mark.parametrize("mode", MODES)
def test_releasing_endpoints_nested_to_the_channel_limit_keeps_kernel_stacks_shallow(machine, mode):
    before = baseline(machine)
    out = machine.run(f"run nest {mode}")
    assert "PANIC" not in out, f"nest {mode}: the kernel panicked:\n{out}"
    depth = int(search(r"^nest: (\d+) endpoints deep, each queued inside the next$", out, "nesting depth")[1])
    # Two per channel, nearly every channel the table has left.
    assert depth >= 2 * (abi.LIMITS["kMaxChannels"] - before["channels"]) - 16, f"nest {mode}: only {depth} deep"
    if mode != "exit":
        assert lines(out)[-1] == "nest: every channel back", f"nest {mode}:\n{out}"
    after = mem(machine)
    assert after["kernel_stack_deepest"] <= after["kernel_stack_size"] // 2, \
        f"nest {mode}: a kernel stack was used {after['kernel_stack_deepest']} bytes deep " \
        f"of {after['kernel_stack_size']}"
    assert_back_to_baseline(machine, before, f"after nest {mode}")
