"""Acceptance tests for issue 10, the console belongs to the foreground.

Input goes to the program in the foreground, or to the shell while none
is: a line is marked, when Enter is typed, with whose it is, and only that
reader ever gets it (lib/proto/console.proto). The test program is
`reader` (user/tests/reader): `reader loop` is `for (;;) read(0, ...)`,
`reader hold <n>` a would-be keylogger with n console connections each
waiting for a line. The drivers shared with `make fuzz` and the soak test
are in harness/hostile.py. Every test ends back at the baseline: `mem`,
`ps` and the shell answering."""

import re

from harness import hostile
from harness.shell import lines
from test_reliability import assert_back_to_baseline, baseline


def test_a_background_program_holding_many_reads_gets_no_line_typed_for_the_shell_or_another_program(machine):
    before = baseline(machine)
    start = len(machine.log_bytes)
    pid = hostile.start_in_background(machine, "reader hold 16 bg", "reader: in the background")
    # Lines typed at the shell are the shell's.
    for i in range(3):
        assert machine.run(f"echo typed-at-the-shell-{i}") == f"typed-at-the-shell-{i}"
    assert lines(machine.run("jobs")) == [f"[{pid}] reader"]
    # Ctrl-C at the prompt is the shell's too: it leaves the background alone.
    machine.send_raw(b"\x03")
    machine.wait_prompt()
    # A line typed for the program in the foreground is that program's.
    hostile.start_in_foreground(machine, "reader loop", "reader: in the foreground")
    machine.send_raw(b"for the foreground\r")
    machine.expect("reader: got 'for the foreground'")
    machine.send_raw(b"\x04")
    machine.expect("reader: end of file")
    machine.wait_prompt()

    out = machine.run(f"kill {pid}")
    assert lines(out) == [f"[{pid}] reader: stopped"], out
    shown = hostile.since(machine, start)
    assert "reader: holding 16 reads; a second read on one connection: busy" in shown, shown
    assert "reader: connection" not in shown, f"the program in the background got something:\n{shown}"
    assert_back_to_baseline(machine, before, "after a keylogger in the background")


def test_ctrl_c_stops_a_foreground_program_holding_many_reads_and_the_shell_answers(machine):
    before = baseline(machine)
    hostile.start_in_foreground(machine, "reader hold 16", "reader: in the foreground")
    # It is in the foreground: its oldest read gets the line.
    machine.send_raw(b"a line for it\r")
    machine.expect("reader: connection 0 got 'a line for it'")
    machine.send_raw(b"\x03")
    out = machine.wait_prompt()
    assert "reader: stopped" in lines(out), f"Ctrl-C did not stop the program:\n{out}"
    assert_back_to_baseline(machine, before, "after Ctrl-C stopped a program holding 16 reads")


def test_reading_stdin_in_a_loop_ends_at_ctrl_d_at_the_start_of_a_line(machine):
    before = baseline(machine)
    hostile.start_in_foreground(machine, "reader loop", "reader: in the foreground")
    machine.send_raw(b"first\r")
    machine.expect("reader: got 'first'")
    # Ctrl-D inside a line is ignored; at the start of one it is end of file.
    machine.send_raw(b"sec\x04ond\r")
    machine.expect("reader: got 'second'")
    machine.send_raw(b"\x04")
    out = machine.wait_prompt()
    assert lines(out) == ["reader: end of file"], f"the program should end at end of file, with status 0:\n{out}"
    # At the prompt, Ctrl-D is the shell's: it stays.
    machine.send_raw(b"\x04")
    machine.wait_prompt()
    assert machine.run("echo still here") == "still here"
    assert_back_to_baseline(machine, before, "after reading stdin to its end")


def test_ctrl_c_stops_a_program_reading_stdin_in_a_loop_and_is_never_read_as_input(machine):
    before = baseline(machine)
    hostile.read_loop_stopped_by_ctrl_c(machine)
    assert_back_to_baseline(machine, before, "after Ctrl-C stopped a read loop")


def test_a_line_typed_for_a_program_that_did_not_read_it_never_reaches_the_shell(machine):
    before = baseline(machine)
    hostile.start_in_foreground(machine, "reader sleep 1500", "reader: in the foreground")
    machine.send_raw(b"echo typed-for-the-program\r")
    out = machine.wait_prompt(timeout=10)
    assert "reader: done sleeping" in lines(out), out
    assert "typed-for-the-program" not in lines(out), \
        f"the shell ran a line typed while a program was in the foreground:\n{out}"
    assert machine.run("echo next") == "next"
    assert_back_to_baseline(machine, before, "after a line left unread")


def test_only_the_shell_can_put_a_program_in_the_foreground(machine):
    out = machine.run("run reader steal")
    assert re.search(r"^reader: putting a child in the foreground: access denied; "
                     r"the foreground is this program$", out, re.M), out
