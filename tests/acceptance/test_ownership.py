"""Acceptance tests for issue 10, "nothing outlives its owner": when a
program exits or is killed, everything it created and everything reachable
only through it is reclaimed — processes, channels, memory, service names —
wherever it parked a handle.

`park <mode> <rounds>` (user/tests/park) starts, in each round, a program
that starts children which block for ever, parks their process handles
(or endpoints leading to them) in one place, and exits. Inside the guest it
checks after every round that the process list (every pid and its handle
count), free frames, kernel heap, channels, queued bytes and init's names
are back where they were; from outside, `mem` and `ps` must be at the
baseline after each mode.
"""

from harness.shell import search
from test_reliability import PARK_MODES, assert_back_to_baseline, baseline

ROUNDS = 30
SLOW = 120


def run_park(machine, mode, rounds):
    """Runs `park <mode> <rounds>`; fails unless every round came back to the baseline."""
    out = machine.run(f"run park {mode} {rounds}", timeout=SLOW)
    verdict = search(rf"^park: {mode}: (\d+ rounds, back at the baseline after each|FAILED.*)$", out,
                     f"'park {mode}' verdict")
    assert verdict[1] == f"{rounds} rounds, back at the baseline after each", f"park {mode}:\n{out}"
    assert "exited with status" not in out and "killed" not in out, out
    return out


def test_nothing_outlives_its_owner_wherever_a_handle_is_parked(machine):
    """A process handle parked in the process's own queue or handle table
    (also with a copy kept by its owner past a collection, so the copy's
    close at exit is the only cut), in a pair of processes holding each other, at the end of a chain of 24
    endpoints, in an endpoint cycle (held by the child, or by nobody), in a
    full queue, behind a service registered with init (whose name must be
    free again: the next round registers it anew), or sent to kernel
    services: once the program that did it exits, the children end and
    every counter is back, 30 times over. And while the owner lives on,
    64 children parked one after another in their own queues do not fill
    the process table for good: a full table is collected."""
    before = baseline(machine)
    for mode in PARK_MODES:
        run_park(machine, mode, ROUNDS)
        assert_back_to_baseline(machine, before, f"after park {mode}")

