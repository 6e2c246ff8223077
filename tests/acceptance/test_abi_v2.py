"""Acceptance tests for ABI v2: the properties its objects, rights, waits and
messages promise, one test per property.

`abi` (user/tests/abi) checks each property inside the guest: `run abi
<check>` prints its figures and then "abi: <check>: ok" or "abi: <check>:
FAILED (<what went wrong>)". Each test runs one check on a fresh machine,
asserts the ok line, and checks from outside what only the host can see:
the kernel's kill lines, the shell's `mem` and `ps`, that the machine is
still running. Constants and error texts come from lib/abi/abi.h through
harness/abi.py.
"""

import pytest
import re

from harness import abi
from harness.shell import lines, search
from test_reliability import assert_back_to_baseline, baseline, kill_lines

SLOW = 60  # seconds for one check (the queue check moves 8 MiB)


def run_check(machine, check):
    """Runs `abi <check>`; fails unless it reported ok and exited 0."""
    out = machine.run(f"run abi {check}", timeout=SLOW)
    verdict = search(rf"^abi: {re.escape(check)}: (ok|FAILED.*)$", out, f"'abi {check}' verdict")
    assert verdict[1] == "ok", f"abi {check}: {verdict[1]}\n{out}"
    for bad in ("abi: exited with status", "abi: killed by fault", "abi: stopped"):
        assert bad not in out, f"abi {check}: the shell reports {bad!r}\n{out}"
    return out


def error_text(name):
    """What the guest prints for Error::<name>."""
    return abi.error_name(name)


# ------------------------------------------------------------ 1. rights

def test_rights_cannot_be_raised_by_duplicate(machine):
    """A duplicate with any right its source lacks is AccessDenied; a subset
    works and handle_info shows exactly it; without kRightDuplicate nothing
    can be duplicated; the rights a handle lacks are enforced."""
    out = run_check(machine, "rights")
    m = search(r"^abi: rights: (\d+) supersets refused, (\d+) allowed$", out, "superset figures")
    assert int(m[1]) > 0 and int(m[2]) == 0, out


# ---------------------------------------------------------- 2. transfer

def test_handle_without_transfer_right_cannot_be_sent_and_stays(machine):
    """Sending a handle without kRightTransfer is AccessDenied (alone or next
    to a transferable one), queues nothing and leaves it in the sender's
    table; with the right it moves and arrives with exactly its rights."""
    run_check(machine, "transfer")


# ----------------------------------------------------------- 3. process

def test_process_handle_carries_no_messages_and_exit_reason_is_apart_from_code(machine):
    """chan_write/chan_send/chan_read on a process handle are WrongType; a
    child that exits with the codes the test kit uses for fault and kill
    (-1000, -1001) is still Exited with that code; a killed child is Killed,
    a faulting one Fault."""
    out = run_check(machine, "process")
    wrong = error_text("WrongType")
    assert f"abi: process: on a process handle: chan_write {wrong}, chan_send {wrong}, chan_read {wrong}" \
        in lines(out), out
    for code in (-1000, -1001, 3):
        search(rf"^abi: process: exit {code} \(pid \d+\): exited, code {code}$", out, f"exit {code} status")
    search(r"^abi: process: abi sleep, killed \(pid \d+\): killed, code 0$", out, "killed child status")
    crash = search(r"^abi: process: crash null \(pid (\d+)\): fault, code 0$", out, "faulting child status")
    kills = {int(pid): (name, cause) for pid, name, cause, _address, _pc in kill_lines(out)}
    assert kills.get(int(crash[1])) == ("crash", "load page fault"), f"kill lines: {kills}\n{out}"
    # Only the crash child was killed by the kernel: exit codes are not faults.
    assert len(kills) == 1, f"kill lines: {kills}\n{out}"


def test_kill_names_a_signal_the_status_reports_and_bad_signals_or_clocks_are_refused(machine):
    """process_kill(h, 15) ends a child as Killed with code 15; a signal out
    of range (for kill or exit) and an unknown clock are BadArgument and
    change nothing; a process's status reports the CPU time it used."""
    out = run_check(machine, "killcodes")
    bad = error_text("BadArgument")
    assert f"abi: killcodes: refused kills {bad} and {bad}, killed child code 15" in lines(out), out
    search(r"^abi: process: abi sleep, killed with 15 \(pid \d+\): killed, code 15$", out, "killed child status")


# ---------------------------------------------------------- 4. readonly

def test_read_only_mapping_faults_on_store_and_map_rights_are_enforced(machine):
    """A read-only mapping reads but a store to it kills the child with a
    store page fault at that address; mem_map writable without
    kRightMapWrite, or at all without kRightMap, is AccessDenied."""
    out = run_check(machine, "readonly")
    denied = error_text("AccessDenied")
    assert f"abi: readonly: writable map without kRightMapWrite: {denied}" in lines(out), out
    assert f"abi: readonly: map without kRightMap: {denied} / {denied}" in lines(out), out
    pid = int(search(r"^abi: readonly: child pid (\d+)$", out, "child pid")[1])
    address = search(r"^abi: rostore: read \d+ bytes, storing to (0x[0-9a-f]+)$", out, "store address")[1]
    assert "store to a read-only mapping went through" not in out, out
    line = search(rf"^\[kernel\] killed pid {pid} \(abi\): store page fault at {address} \(pc 0x[0-9a-f]+(?:, last syscall \w+)?\)$",
                  out, f"kill line for pid {pid} storing to {address}")
    assert line, out


# ----------------------------------------------------------- 5. timeout

def test_timed_wait_returns_timed_out_within_one_tick(machine):
    """wait and chan_read on an empty channel with deadline now+X (1, 5,
    20 ms) end with TimedOut no earlier than X and at most one 10 ms tick
    after it (asserted in the guest, measured with clock_ns); kDeadlineNow
    returns TimedOut / WouldBlock at once."""
    out = run_check(machine, "timeout")
    for ms in (1, 5, 20):
        m = search(rf"^abi: timeout: {ms} ms: elapsed (\d+)\.\.(\d+) us, late by (\d+)\.\.(\d+) us.*$", out,
                   f"{ms} ms figures")
        print(m[0])
    now = search(r"^abi: timeout: kDeadlineNow: wait (.+), chan_read (.+), both in \d+ us$", out, "kDeadlineNow")
    assert (now[1], now[2]) == (error_text("TimedOut"), error_text("WouldBlock")), out


def test_timer_fires_once_and_periodically(machine):
    """A one-shot timer fires once at its deadline; a periodic one fires at
    least three times, each no earlier than its period; a cancelled one is
    quiet."""
    out = run_check(machine, "timer")
    search(r"^abi: timer: one-shot 5 ms fired after \d+ us, then not again", out, "one-shot figures")
    m = search(r"^abi: timer: periodic 5 ms fired (\d+) times", out, "periodic figures")
    assert int(m[1]) >= 3, out


# ----------------------------------------------------------- 6. message

def test_largest_message_round_trips_and_too_small_buffer_leaves_it_queued(machine):
    """kMaxMessageBytes bytes and kMaxMessageHandles handles go to a child and
    back byte for byte, the handles naming the same objects with the same
    rights; one byte or one handle more is BadArgument; a buffer one byte
    short is BufferTooSmall with the size needed and the message stays."""
    out = run_check(machine, "message")
    big, handles = abi.kMaxMessageBytes, abi.kMaxMessageHandles
    bad = error_text("BadArgument")
    assert f"abi: message: {big + 1} bytes: {bad}; {handles + 1} handles: {bad}" in lines(out), out
    assert (f"abi: message: {big} bytes and {handles} handles there and back: 0 bytes differ, "
            f"{handles} handles intact") in lines(out), out
    assert f"abi: message: 1000 bytes into 999: {error_text('BufferTooSmall')} (needed 1000); then read whole" \
        in lines(out), out


# ------------------------------------------------------------- 7. queue

HOLDER_COST = 1024 * 1024  # kernel heap the holder and its fillers themselves may use


def test_queued_messages_cannot_exhaust_the_kernel_heap(machine):
    """A program that fills every channel it can with maximal messages is
    stopped by its own quota (QuotaExceeded) at kMaxQueuedBytesPerProcess;
    the fillers it then starts are stopped by the system-wide budget
    (NoMemory) once programs have queued kMaxQueuedBytes less
    kSystemQueueReserve. With all of it queued the kernel answers sysinfo
    and starts `hello`, and once the holder is gone `mem` is back to its
    baseline."""
    before = baseline(machine)
    out = run_check(machine, "queue")
    m = search(r"^abi: queue: holder pid (\d+) made \d+ channels, queued (\d+) messages of (\d+) bytes "
               r"\((\d+) bytes\) on \d+ full endpoints .*, then: (.+)$", out, "queue figures")
    assert m[5] == error_text("QuotaExceeded"), out
    assert int(m[4]) <= abi.kMaxQueuedBytesPerProcess, out
    fillers = search(r"^abi: queue: (\d+) fillers queued (\d+) bytes more, then: (.+); programs queued (\d+) bytes",
                     out, "fillers")
    assert fillers[3] == error_text("NoMemory"), out
    queued = int(fillers[4])
    assert queued <= abi.kMaxQueuedBytes - abi.kSystemQueueReserve, out
    heap = search(r"^abi: queue: kernel heap (\d+) bytes before, (\d+) with the queues full", out, "heap")
    grown = int(heap[2]) - int(heap[1])
    assert queued <= grown <= abi.kMaxQueuedBytes + HOLDER_COST, \
        f"the heap grew by {grown} bytes for {queued} queued bytes\n{out}"
    print(f"queued {queued} bytes; heap {heap[1]} -> {heap[2]} bytes")
    assert_back_to_baseline(machine, before, "after the queue holder exits")


def test_a_full_message_budget_does_not_cost_a_client_its_service_connection(machine):
    """One program cannot fill the system-wide budget: its own quota stops
    it (QuotaExceeded). When many together fill every part of it — fillers
    the programs' part, floods of unread sysinfo replies the system's
    reserve — a request whose reply cannot be queued is answered with the
    error (the status fits the small-message reserve); once the budget is
    free again the same sysinfo and fs connections answer."""
    before = baseline(machine)
    out = machine.run("run abi starve", timeout=SLOW)
    figures = search(r"^abi: starve: holder queued (\d+) bytes, then: (.+); (\d+) fillers queued \d+ bytes, "
                     r"then: (.+); floods left (\d+) sysinfo replies unread, the last refused: (yes|no)$", out, "starve figures")
    assert figures[2] == error_text("QuotaExceeded") and int(figures[1]) <= abi.kMaxQueuedBytesPerProcess, out
    assert figures[4] == error_text("NoMemory"), out
    assert figures[6] == "yes", f"the floods never filled the system's part of the budget:\n{out}"
    sysinfo = search(r"^abi: starve: sysinfo with the budget full: processes (.+), memory (.+); once it is free: "
                     r"processes (.+), memory (.+)$", out, "sysinfo figures")
    assert sysinfo[1] == error_text("NoMemory"), f"the request should have failed, not hung or been dropped:\n{out}"
    assert (sysinfo[3], sysinfo[4]) == (error_text("None"), error_text("None")), out
    assert_back_to_baseline(machine, before, "after abi starve")
    verdict = search(r"^abi: starve: (ok|FAILED.*)$", out, "'abi starve' verdict")
    assert verdict[1] == "ok", f"abi starve: {verdict[1]}\n{out}"


# ---------------------------------------------------------- 8. shutdown

def test_shutdown_without_power_capability_is_refused(machine):
    """sys::shutdown on every handle number 0..63 of a program (and a few
    outside) is refused with BadHandle, WrongType or AccessDenied and the
    machine keeps running; the shell's own `shutdown` still powers off."""
    out = run_check(machine, "shutdown")
    m = search(r"^abi: shutdown: (\d+) handle numbers refused: (\d+) bad handle, (\d+) wrong type, "
               r"(\d+) access denied, (\d+) other$", out, "shutdown figures")
    assert int(m[1]) == abi.kMaxHandles and int(m[5]) == 0, out
    assert int(m[2]) + int(m[3]) + int(m[4]) == abi.kMaxHandles, out
    assert "Powering off." not in machine.log
    assert machine.run("echo still here") == "still here"
    assert machine.shutdown() == 0
    assert "Powering off." in machine.log


def test_c_library_sleeps_and_reads_the_monotonic_clock(machine):
    out = machine.run("run abi libctime", timeout=SLOW)
    assert lines(out)[-1] == "abi: libctime: ok", out
