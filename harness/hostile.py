"""Hostile programs that need more driving than `run <program>`: typing
while they run, Ctrl-C, running them in the background. Each driver starts
one on a booted machine sitting at the prompt, asserts it was defeated, and
leaves the machine at the prompt with nothing of it still running.
`make fuzz` (harness/fuzz.py) and the soak test in
tests/acceptance/test_reliability.py run every entry of HOSTILE; the
acceptance tests use the same drivers and check more."""

import re

from .shell import lines

BACKGROUND_JOB = re.compile(rb"\[(\d+)\] (\S+)\r*\n")


def since(machine, start):
    """The console output after byte `start` of the log (CRs dropped)."""
    return machine.log_bytes[start:].decode("utf-8", errors="replace").replace("\r", "")


def start_in_background(machine, command, ready):
    """Runs `run <command> &`, waits until the program prints `ready`, and
    gets a clean prompt back; returns the program's pid."""
    start = len(machine.log_bytes)
    machine.send_raw(f"run {command} &\r".encode())
    machine.expect(BACKGROUND_JOB)
    pid = int(BACKGROUND_JOB.search(machine.child.after)[1])
    # The program may print before the shell announces the job, or after.
    if ready not in since(machine, start):
        machine.expect(re.escape(ready))
    # The program wrote after the prompt: an empty line gives a fresh one.
    machine.send_raw(b"\r")
    machine.wait_prompt()
    return pid


def start_in_foreground(machine, command, ready):
    """Types `run <command>` and waits until the program prints `ready`."""
    machine.send_raw(f"run {command}\r".encode())
    machine.expect(re.escape(ready))


def keylogger_in_the_background(machine, typed=("typed-at-the-shell-1", "typed-at-the-shell-2")):
    """`reader hold 16` in the background: 16 console connections each
    waiting for a line. Lines typed at the shell are the shell's; the
    keylogger gets none. Returns everything the console showed meanwhile."""
    start = len(machine.log_bytes)
    pid = start_in_background(machine, "reader hold 16 bg", "reader: in the background")
    for text in typed:
        assert machine.run(f"echo {text}") == text, "the shell did not get its line"
    out = machine.run(f"kill {pid}")
    assert f"[{pid}] reader: stopped" in lines(out), out
    shown = since(machine, start)
    assert "holding 16 reads; a second read on one connection: busy" in shown, shown
    assert "reader: connection" not in shown, f"a program in the background got a line:\n{shown}"
    return shown


def reads_held_in_the_foreground_stopped_by_ctrl_c(machine):
    """`reader hold 16` in the foreground: Ctrl-C still reaches the shell,
    which stops it."""
    start_in_foreground(machine, "reader hold 16", "reader: in the foreground")
    machine.send_raw(b"\x03")
    out = machine.wait_prompt()
    assert "reader: stopped" in lines(out), f"Ctrl-C did not stop a program holding reads:\n{out}"
    return out


def read_loop_stopped_by_ctrl_c(machine):
    """`for (;;) read(0, ...)` in the foreground: Ctrl-C stops it; it never
    reads Ctrl-C as an empty line."""
    start_in_foreground(machine, "reader loop", "reader: in the foreground")
    machine.send_raw(b"\x03")
    out = machine.wait_prompt()
    got = lines(out)
    assert "reader: stopped" in got, f"Ctrl-C did not stop a program reading stdin:\n{out}"
    assert not [l for l in got if l.startswith("reader: got")], f"Ctrl-C was read as input:\n{out}"
    for l in got:
        if l.startswith("reader: read failed"):
            assert l == "reader: read failed: Interrupted system call", out
    return out


def runs_to(command, last, timeout=120):
    """A driver for a hostile program that needs only `run`: it must end
    with the line `last` (a regular expression)."""
    def drive(machine):
        out = machine.run(command, timeout=timeout)
        got = lines(out)
        assert got and re.fullmatch(last, got[-1]), f"`{command}` did not end with {last!r}:\n{out}"
        return out
    return drive


# Where `park` parks a handle (user/tests/park/main.cpp); `park all` runs them in this order.
PARK_MODES = ("self", "held", "late", "pair", "chain", "cycle", "orphan", "full", "init", "service", "busy")


def parked_handles_leave_nothing_behind(machine, rounds=2):
    """`park all <rounds>`: every way of parking a handle; the program itself
    checks the counters after each round of each mode."""
    out = machine.run(f"run park all {rounds}", timeout=600)
    got = re.findall(rf"^park: (\w+): {rounds} rounds, back at the baseline after each$", out, re.M)
    assert got == list(PARK_MODES) and "FAILED" not in out, f"park:\n{out}"
    return out


def says(command, verdict, timeout=600):
    """A driver for a hostile program whose output must include `verdict`."""
    def drive(machine):
        out = machine.run(command, timeout=timeout)
        assert verdict in lines(out), f"`{command}` did not say {verdict!r}:\n{out}"
        return out
    return drive


HOSTILE = {
    "parked handles": parked_handles_leave_nothing_behind,
    "file server memory filled and given back": says("run fshog memory 1", "fshog: memory: ok"),
    "one client takes all the file server allows": says("run fshog hoard", "fshog: hoard: ok"),
    "console keylogger in the background": keylogger_in_the_background,
    "console reads held in the foreground": reads_held_in_the_foreground_stopped_by_ctrl_c,
    "stdin read loop": read_loop_stopped_by_ctrl_c,
    # Busy loops beside a program (a short settle), endpoints nested inside
    # each other released four ways, shared memory outliving its creator.
    "busy loops": runs_to("run spinners -s 50 3 hello", r"spinners: 3 of 3 busy loops stopped"),
    "nested endpoints closed": runs_to("run nest close", r"nest: every channel back"),
    "nested endpoints at exit": runs_to("run nest exit", r"nest: \d+ endpoints deep, each queued inside the next"),
    "nested endpoint cycle": runs_to("run nest cycle", r"nest: every channel back"),
    "nested endpoints at a kernel service": runs_to("run nest service", r"nest: every channel back"),
    "shared memory kept by a mapping": runs_to("run shmkeep", r"shmkeep: the pattern is intact"),
    # Damaged copies of a program started from memory (init's SpawnImage):
    # each refused as a bad executable, or run and ended.
    "damaged program images": runs_to("run loader hostile 7 40",
                                      r"loader: hostile: 40 images, \d+ refused as bad executables, \d+ started, 0 other"),
}
