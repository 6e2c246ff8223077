"""Acceptance test for fair scheduling (issue 10): busy loops cannot starve
a program that talks to servers, and they still share the CPU among
themselves.

The shell has no background jobs, so `spinners 3 hello-std` plays the
hostile user: it starts three busy loops that never block, lets them run
for two seconds (so the scheduler has seen them busy), runs hello-std,
reports its time and whether every loop got the CPU, then kills and reaps
the loops. Before the scheduler weighed recent CPU use, each of hello-std's
round trips to the fs server waited behind three full 10 ms slices and the
run took about 45 s instead of 0.1 s. The timeout here only catches that
hang; the speed is measured, not asserted (`make bench`'s row "spawn+run
hello-std, 3 busy loops" against "spawn+run hello-std").
"""

import re

from harness.shell import lines, search
from test_reliability import assert_back_to_baseline, baseline

HANG = 20  # seconds: 2 s of settling plus a run that takes well under 1 s


def test_busy_loops_cannot_starve_a_program_that_waits_on_servers(machine):
    # The fs server's heap grows the first time hello-std writes its files
    # (kept for reuse); the baseline is taken after that.
    machine.run("run hello-std quiet")
    before = baseline(machine)
    out = machine.run("run spinners 3 hello-std", timeout=HANG)
    got = lines(out)
    assert "spinners: 3 of 3 busy loops ran" in got, f"every busy loop should get the CPU:\n{out}"
    assert any(re.fullmatch(r"hello-std: \d+ passed, 0 failed", line) for line in got), \
        f"hello-std should pass every step beside the busy loops:\n{out}"
    search(r"^spinners: hello-std took \d+ ms with 3 busy loops, status 0$", out, "hello-std's time")
    assert got[-1] == "spinners: 3 of 3 busy loops stopped", f"every busy loop should be killed and reaped:\n{out}"
    assert_back_to_baseline(machine, before, "after spinners 3 hello-std")
