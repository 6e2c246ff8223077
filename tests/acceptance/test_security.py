"""Acceptance tests for issue 6, security: a process gets nowhere it holds
no capability for.

`security` (user/security) runs every check and prints one line each,
"security: <check>: ok" or "... FAILED (<detail>)"; it is run once per
module on one machine and each check is a test of its own.
"""

import re

import pytest

from harness import Machine, default_kernel_path
from test_reliability import assert_back_to_baseline, baseline, kill_lines, lines, search

SLOW = 60

CHECKS = {
    "handles": "handle numbers never given, closed, or sent away as a capability are refused",
    "sender": "sender_pid is written by the kernel: forged on our own channel and by a child",
    "names": "fs, stdio, sysinfo and math cannot be registered again; invalid names are refused",
    "kill": "only a process handle from spawn can end a process",
    "kernel": "loads and stores to kernel text, kernel RAM, OpenSBI and the UART kill the child",
    "pointers": "kernel, MMIO, null and read-only pointers given to syscalls are BadAddress; nothing lost",
    "unmap": "munmap cannot take away the program's code, its stack or the kernel",
    "stale": "a page is unreachable as soon as it is unmapped, by the program and by syscalls",
    "forge": "a freed page reused as a page table cannot be written from user mode",
    "isolation": "the same address in another process is that process's own memory",
    "fresh": "a new program's pages hold its image and zeroes, not what an earlier program left in the frames",
}

class SecurityRun:
    """One boot, one `run security`, and the machine's state around it."""

    def __init__(self):
        self.machine = Machine(kernel=default_kernel_path())
        self.machine.boot()
        self.before = baseline(self.machine)
        self.out = self.machine.run("run security", timeout=SLOW)


@pytest.fixture(scope="module")
def security_run():
    run = SecurityRun()
    try:
        yield run
    finally:
        run.machine.close()


@pytest.fixture
def security(request, security_run):
    request.node._rvos_machine = security_run.machine  # conftest saves its log on failure
    return security_run


@pytest.mark.parametrize("check", [
    name for name in CHECKS])
def test_security_check(security, check):
    """One line of `security`'s report per check (see CHECKS)."""
    m = search(rf"^security: {check}: (.+)$", security.out, f"'{check}' check")
    assert m[1] == "ok", f"{CHECKS[check]}: {m[1]}\n{security.out}"


def test_security_reports_every_check_and_its_children_faulted_where_expected(security):
    out = security.out
    reported = re.findall(r"^security: (\w+): (?:ok|FAILED.*)$", out, re.M)
    assert sorted(reported) == sorted(CHECKS), f"checks reported: {reported}\n{out}"
    assert re.search(r"^security: \d+ checks failed$", out, re.M), out
    # Each child that touched memory it may not was killed for exactly that.
    kills = {address: (name, cause) for _pid, name, cause, address, _pc in kill_lines(out)}
    for address, cause in (("0x80200000", "load page fault"), ("0x87000000", "store page fault"),
                           ("0x80000000", "load page fault"), ("0x10000000", "store page fault")):
        assert kills.get(address) == ("security", cause), \
            f"a child touching {address} should be killed with {cause!r}: {kills}\n{out}"


def test_security_leaves_the_system_as_it_found_it(security):
    assert_back_to_baseline(security.machine, security.before, "after security")
    # The names it tried to take are still served by their owners.
    assert security.machine.run("math add 2 3") == "5"
    assert security.machine.run("stat /tmp").startswith("/tmp: directory")


def test_another_process_memory_is_unreachable(machine):
    """A child peeks at the parent's secret (a static and an mmapped page)
    at the same virtual addresses: it sees its own memory or faults; and a
    program that loads from or stores to kernel memory dies alone."""
    before = baseline(machine)
    out = machine.run("run security", timeout=SLOW)
    assert "security: isolation: ok" in lines(out), out
    assert "security: kernel: ok" in lines(out), out
    assert_back_to_baseline(machine, before, "after security")


def test_capability_cycle_does_not_leak_channels(machine):
    before = baseline(machine)
    out = machine.run("run security cycle")
    m = search(r"^security: capability cycle \(sends: (.+), (.+)\): channels in use (\d+) before, "
               r"(\d+) after closing$", out, "cycle")
    assert (m[1], m[2]) == ("ok", "ok"), out
    assert m[3] == m[4], out
    assert_back_to_baseline(machine, before, "after security cycle")
