"""The shell's output formats, parsed once for every test: `ps` rows, the
counters `mem` prints, hello-std's steps, and a helper that splits command
output into lines. Keep these in step with user/shell/main.cpp (and
user/hello-std)."""

import re

PS_HEADER = re.compile(r"^PID\s+NAME\s+STATE\s+KIND$")
PS_ROW = re.compile(r"^(\d+)\s+(\S+)\s+(ready|running|blocked|exited)\s+(kernel|user)$")
FRAMES = re.compile(r"^frames: free (\d+) of (\d+)$", re.M)
HEAP = re.compile(r"^heap: (\d+) bytes in use$", re.M)
CHANNELS = re.compile(r"^channels: (\d+) of (\d+)$", re.M)
KERNEL_STACKS = re.compile(r"^kernel stacks: deepest use (\d+) of (\d+) bytes$", re.M)
HANDLE_ROW = re.compile(r"^(\d+)\s+(\S+)\s+(\d+)$")  # "<pid> <name> <count>", columns padded
STEP = re.compile(r"^step (\d+): (.+): (\S+)$")  # hello-std's "step <n>: <what>: ok"
HELLO_STD_SUMMARY = "hello-std: 11 passed, 0 failed"


def lines(text):
    """The non-blank lines of a command's output, right-stripped."""
    return [line.rstrip() for line in text.split("\n") if line.strip()]


def search(pattern, out, what):
    """The first match of `pattern` in a command's output; fails the test if none."""
    m = re.search(pattern, out, re.M)
    assert m, f"no {what} line (pattern {pattern!r}) in:\n{out}"
    return m


def mem(machine):
    """`mem` as a dict: free_frames, total_frames, heap, channels,
    max_channels, kernel_stack_deepest, kernel_stack_size, handles
    ({process name: count})."""
    out = machine.run("mem")
    frames = search(FRAMES.pattern, out, "'frames: free N of M'")
    heap = search(HEAP.pattern, out, "'heap: N bytes in use'")
    channels = search(CHANNELS.pattern, out, "'channels: U of M'")
    stacks = search(KERNEL_STACKS.pattern, out, "'kernel stacks: deepest use N of M bytes'")
    got = lines(out)
    assert "handles:" in got, f"`mem` has no 'handles:' section:\n{out}"
    handles = {}
    for row in got[got.index("handles:") + 1:]:
        m = HANDLE_ROW.match(row.strip())
        assert m, f"`mem`: malformed handles row {row!r}:\n{out}"
        handles[m[2]] = int(m[3])
    return {"free_frames": int(frames[1]), "total_frames": int(frames[2]),
            "heap": int(heap[1]), "channels": int(channels[1]),
            "max_channels": int(channels[2]), "kernel_stack_deepest": int(stacks[1]),
            "kernel_stack_size": int(stacks[2]), "handles": handles}


def ps(machine):
    """`ps` as a list of {pid, name, state, kind}."""
    out = machine.run("ps")
    rows = lines(out)
    assert rows and PS_HEADER.match(rows[0]), f"bad ps header:\n{out}"
    procs = []
    for row in rows[1:]:
        m = PS_ROW.match(row.strip())
        assert m, f"malformed ps row {row!r}:\n{out}"
        procs.append({"pid": int(m[1]), "name": m[2], "state": m[3], "kind": m[4]})
    return procs


# Servers learn that a client has gone (its channels' peers closed) when
# they next run, which the scheduler may put after the shell's next command.
# A counter compared with a baseline is therefore read again, a bounded
# number of times, until it matches: a real leak never does.
SETTLE_READS = 20


def mem_settled(machine, want, keys=("free_frames", "heap", "channels", "handles")):
    """`mem` once its `keys` equal those of `want`, or the last reading after
    SETTLE_READS tries (for the caller's assertion to report)."""
    for _ in range(SETTLE_READS):
        now = mem(machine)
        if all(now[k] == want[k] for k in keys):
            break
    return now


def hello_std_steps(out):
    """hello-std's output as {step number: (what, result)}; checks that it
    reported steps 1..11, every one passed, and the summary line."""
    got = lines(out)
    steps = {int(m[1]): (m[2], m[3]) for m in map(STEP.match, got) if m}
    assert sorted(steps) == list(range(1, 12)), \
        f"hello-std should report steps 1..11, reported {sorted(steps)}:\n{out}"
    failed = {n: what for n, (what, result) in steps.items() if result != "ok"}
    assert not failed, f"hello-std steps failed: {failed}\n{out}"
    assert got[-1] == HELLO_STD_SUMMARY, \
        f"hello-std should end with {HELLO_STD_SUMMARY!r}, ended with {got[-1]!r}:\n{out}"
    assert "exited with status" not in out, f"hello-std exited with an error:\n{out}"
    return steps
