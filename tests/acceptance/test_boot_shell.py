"""Acceptance tests: boot rvOS-C++ in QEMU and drive its shell over the
serial console. Each test gets a freshly booted machine."""

import re

from harness import PROMPT, abi
from harness.shell import CHANNELS, FRAMES, HANDLE_ROW, HEAP, KERNEL_STACKS, PS_HEADER, PS_ROW, lines  # noqa: E402

# ---------------------------------------------------------------- helpers

KILL_LINE = re.compile(
    r"^\[kernel\] killed pid (\d+) \(crash\): (.+) at (\S+) \(pc ([0-9a-fx]+)(?:, last syscall \w+)?\)$", re.M)


def parse_ps(out):
    rows = lines(out)
    assert rows, "ps printed nothing"
    assert PS_HEADER.match(rows[0]), f"bad ps header: {rows[0]!r}\n{out}"
    procs = []
    for row in rows[1:]:
        m = PS_ROW.match(row.strip())
        assert m, f"malformed ps row: {row!r}\n{out}"
        procs.append({"pid": int(m[1]), "name": m[2], "state": m[3], "kind": m[4]})
    return procs


def free_frames(machine):
    out = machine.run("mem")
    m = FRAMES.search(out)
    assert m, f"`mem` has no 'frames: free <n> of <total>' line:\n{out}"
    return int(m[1]), int(m[2])


def assert_prompt_still_answers(machine):
    assert machine.run("echo still here") == "still here"


# ------------------------------------------------------------------ boot

def test_boot_reaches_prompt_with_banner_and_phase_lines(machine):
    # boot() (in the fixture) already waited for the first prompt; the log
    # is everything up to and including it.
    log = machine.log.replace("\r\n", "\n")
    prompt_at = log.rfind("\n" + PROMPT)
    assert prompt_at >= 0, "no prompt at the start of a line"
    before_prompt = log[:prompt_at]
    banner = re.search(r"^rvOS-C\+\+ kernel\b.*$", before_prompt, re.M)
    assert banner, "no banner line starting with 'rvOS-C++ kernel'"
    after_banner = before_prompt[banner.end():]
    for phase in ("[boot] memory:", "[boot] paging: Sv39 enabled",
                  "[boot] traps:", "[boot] services:"):
        assert re.search(r"^" + re.escape(phase), after_banner, re.M), \
            f"missing boot phase line starting with {phase!r} after the banner"


# ------------------------------------------------------------------ shell

def test_help_lists_commands(machine):
    out = machine.run("help")
    got = lines(out)
    for cmd in ("help", "echo", "ps", "math", "run", "mem", "shutdown"):
        assert any(re.match(re.escape(cmd) + r"\b", line) for line in got), \
            f"help has no line starting with {cmd!r}:\n{out}"


def test_echo_prints_its_arguments(machine):
    assert machine.run("echo hello world") == "hello world"
    assert machine.run("echo one") == "one"
    assert machine.run("echo a b c d") == "a b c d"


def test_unknown_command_prints_error(machine):
    assert machine.run("foo") == "unknown command: foo (type 'help')"
    assert_prompt_still_answers(machine)


def test_ps_lists_every_process_with_state_and_kind(machine):
    procs = parse_ps(machine.run("ps"))
    by_name = {p["name"]: p for p in procs}
    # Idle servers wait (or are ready, when the scheduler has not yet run
    # them since the shell's last output woke them); only sysinfo runs.
    idle = ("blocked", "ready")
    expected = {
        "init": ("kernel", idle),
        "console": ("kernel", idle),
        "sysinfo": ("kernel", ("running",)),  # it is answering the `ps` request
        "math": ("kernel", idle),
        "shell": ("user", ("blocked",)),      # it waits for sysinfo's reply
    }
    for name, (kind, states) in expected.items():
        assert name in by_name, f"ps has no {name!r} row: {procs}"
        assert by_name[name]["kind"] == kind, f"{name}: {by_name[name]}"
        assert by_name[name]["state"] in states, f"{name}: {by_name[name]}"
    for name in expected:
        assert [p["name"] for p in procs].count(name) == 1, \
            f"{name!r} listed more than once: {procs}"
    pids = [p["pid"] for p in procs]
    assert len(pids) == len(set(pids)), f"duplicate pids: {procs}"


def test_math_add_sub_mul_print_results(machine):
    assert machine.run("math add 3 5") == "8"
    assert machine.run("math sub 10 4") == "6"
    assert machine.run("math mul 6 7") == "42"
    assert machine.run("math add 4294967295 0") == "4294967295"


def test_math_overflow_and_bad_numbers_are_errors(machine):
    for cmd in ("math add 4294967295 1", "math sub 3 5", "math mul 65536 65536"):
        assert machine.run(cmd) == f"math: {abi.error_name('Overflow')}", cmd
    assert machine.run("math add x 5") == "math: invalid number: x"
    assert machine.run("math add 4294967296 1") == "math: invalid number: 4294967296"
    for cmd in ("math pow 2 3", "math add 1"):
        out = machine.run(cmd)
        assert out.startswith("usage: math"), f"{cmd!r} -> {out!r}"
        assert len(lines(out)) == 1, f"{cmd!r} -> {out!r}"
    # run() returning at all proves the prompt came back after each error.
    assert machine.run("math add 1 2") == "3"


# ------------------------------------------------------------- programs

def test_run_user_program_passes_arguments_and_exit_status(machine):
    got = lines(machine.run("run hello a b"))
    assert len(got) == 3, got
    assert re.fullmatch(r"hello from pid \d+", got[0]), got
    assert got[1:] == ["argv[1] = a", "argv[2] = b"], got

    got = lines(machine.run("run hello fail"))
    assert len(got) == 3, got
    assert re.fullmatch(r"hello from pid \d+", got[0]), got
    assert got[1:] == ["argv[1] = fail", "hello: exited with status 3"], got


def test_run_missing_program_reports_not_found(machine):
    assert machine.run("run nosuchprog") == "run: nosuchprog: not found"
    assert_prompt_still_answers(machine)


def test_faulting_program_is_killed_and_shell_still_answers(machine):
    killed_pids = []
    for mode in ("null", "kstore", "illegal", "badsyscall"):
        out = machine.run(f"run crash {mode}")
        kills = KILL_LINE.findall(out)
        assert len(kills) == 1, \
            f"crash {mode}: expected exactly one kill line, got:\n{out}"
        pid = kills[0][0]
        killed_pids.append(pid)
        assert "crash: killed by fault" in lines(out), \
            f"crash {mode}: shell did not report the fault:\n{out}"
        assert_prompt_still_answers(machine)
        # ... and the kernel did not report the kill again later.
        log = machine.log
        assert len(re.findall(
            rf"^\[kernel\] killed pid {pid} \(crash\)", log.replace("\r", ""), re.M)) == 1
    assert len(set(killed_pids)) == len(killed_pids), killed_pids
    procs = parse_ps(machine.run("ps"))
    assert not [p for p in procs if p["name"] == "crash"], procs


# --------------------------------------------------------------- resources

def test_mem_reports_resource_counts(machine):
    out = machine.run("mem")
    frames = FRAMES.search(out)
    assert frames, out
    free, total = int(frames[1]), int(frames[2])
    assert 0 < free <= total, out
    assert HEAP.search(out), out
    channels = CHANNELS.search(out)
    assert channels, out
    used, maximum = int(channels[1]), int(channels[2])
    assert used <= maximum and used <= abi.LIMITS["kMaxChannels"], out
    stacks = KERNEL_STACKS.search(out)
    assert stacks and 0 < int(stacks[1]) < int(stacks[2]), f"`mem` should report the deepest kernel stack use:\n{out}"
    got = lines(out)
    assert "handles:" in got, out
    rows = got[got.index("handles:") + 1:]
    parsed = [HANDLE_ROW.match(r.strip()) for r in rows]
    assert rows and all(parsed), f"malformed handles rows:\n{out}"
    names = {m[2] for m in parsed}
    assert {"init", "shell"} <= names, out


def test_mem_free_frames_return_to_baseline_after_programs_exit(machine):
    # hello comes from /bin on the disk: its first run makes the disk's
    # file server keep what a first read makes (a page-table page for the
    # image's mapping); the baseline is taken after it.
    machine.run("run hello")
    baseline, total = free_frames(machine)
    for _ in range(10):
        got = lines(machine.run("run hello"))
        assert len(got) == 1 and got[0].startswith("hello from pid"), got
    after, _ = free_frames(machine)
    assert after == baseline, \
        f"free frames: {baseline} before, {after} after 10 runs of hello (of {total})"


# --------------------------------------------------------- line discipline

def test_ctrl_c_discards_line_and_ctrl_u_clears_line(machine):
    # Ctrl-C: "^C", the line is discarded and a fresh prompt is shown.
    machine.send_raw(b"echo abc")
    machine.expect(r"echo abc")
    machine.send_raw(b"\x03")
    out = machine.wait_prompt()
    assert "^C" in out, f"no ^C shown: {out!r}"
    assert "abc" not in lines(out), f"Ctrl-C'd line was executed: {out!r}"

    # Ctrl-U clears the line typed so far.
    machine.send_raw(b"echo junk")
    machine.expect(r"echo junk")
    machine.send_raw(b"\x15")
    machine.send_raw(b"echo good\r")
    out = machine.wait_prompt()
    assert out.split("\n")[1:] == ["good"], f"after Ctrl-U: {out!r}"

    # Backspace (DEL) erases the previous character.
    out = machine.run("echo abx\x7fc")
    assert out == "abc", f"after backspace: {out!r}"
    # ... and so does 0x08.
    out = machine.run("echo abx\x08c")
    assert out == "abc", f"after ^H: {out!r}"

    assert_prompt_still_answers(machine)


# -------------------------------------------------------------- shutdown

def test_shutdown_powers_off_with_exit_status_zero(machine):
    status = machine.shutdown()
    assert "Powering off." in machine.log
    assert status == 0
