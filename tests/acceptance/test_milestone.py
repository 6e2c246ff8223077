"""Acceptance tests for Milestone 1, "Harden for Compositor, Networking, and
Persistent FS" (the user's milestone-1.md). One test per acceptance
criterion (test_m<N>_...) and per verification step (test_v<N>_...).

The run-time criteria are proved by test programs embedded in the image:
`limits` fills the handle, channel and service tables; `backpressure`
fills and floods one channel queue; `spawnloop N` starts and reaps N
children. The structural criteria (items 5 and 6's code shape,
verification steps 4-6) are grep-level rules checked by harness/lint.py.
"""

import re
import subprocess
import sys
from pathlib import Path
from harness import abi  # noqa: E402
from harness.shell import hello_std_steps, lines, mem, mem_settled, ps, search  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]

SLOW = 60  # seconds, for the programs that loop many times

# ---------------------------------------------------------------- helpers


# Processes at boot: name -> kind.
# The machine boots with its root disk: its driver and file server too.
BOOT_PROCESSES = {"init": "kernel", "console": "kernel", "sysinfo": "kernel",
                  "math": "kernel", "fs": "user", "virtio-blk": "user", "ext2": "user", "shell": "user"}
# Services init registers at boot: stdio, sysinfo, math, fs.
BOOT_SERVICES = 6  # and, with the root disk, blk0 and root

# Milestone minimums.
MIN_HANDLES = 32
MIN_CHANNELS = 64
MIN_SERVICES = 8
# The ABI's queue depth (the milestone asks for a bound, "e.g. 64").
MAX_QUEUE_DEPTH = abi.LIMITS["kQueueDepth"]

HANDLE_TABLE_FULL = abi.error_name("HandleTableFull")
CHANNEL_TABLE_FULL = abi.error_name("ChannelTableFull")
SERVICE_TABLE_FULL = abi.error_name("ServiceTableFull")
QUEUE_FULL = abi.error_name("QueueFull")
ALREADY_EXISTS = abi.error_name("AlreadyExists")


def assert_boot_processes_alive(machine, when):
    procs = ps(machine)
    names = [p["name"] for p in procs]
    for name, kind in BOOT_PROCESSES.items():
        assert names.count(name) == 1, f"{when}: ps should list {name!r} once: {procs}"
        proc = next(p for p in procs if p["name"] == name)
        assert proc["kind"] == kind, f"{when}: {name} should be a {kind} process: {proc}"
        assert proc["state"] != "exited", f"{when}: {name} has exited: {proc}"
    extra = [p for p in procs if p["name"] not in BOOT_PROCESSES]
    assert not extra, f"{when}: ps lists processes left over from programs: {extra}"
    pids = [p["pid"] for p in procs]
    assert len(pids) == len(set(pids)), f"{when}: duplicate pids: {procs}"


def assert_no_capability_errors(out, program):
    for error in ("NO_CAP", "no capability", HANDLE_TABLE_FULL, CHANNEL_TABLE_FULL):
        assert error.lower() not in out.lower(), f"{program} hit {error!r}:\n{out}"


def run_limits(machine):
    """Runs `limits` and parses its report."""
    out = machine.run("run limits", timeout=SLOW)
    assert "exited with status" not in out, f"limits exited with an error:\n{out}"
    h = search(r"^handles: created (\d+), table holds (\d+) of (\d+), then: (.+)$", out, "handles")
    c = search(r"^channels: created (\d+) \(system total (\d+) of (\d+)\), then: (.+)$", out,
               "channels")
    back = search(r"^channels: (\d+) in use before, (\d+) after closing$", out,
                  "channels before/after")
    s = search(r"^services: registered (\d+) test services, then: (.+)$", out, "services")
    dup = search(r"^services: registering (\S+) again: (.+)$", out, "duplicate service")
    conn = search(r"^services: connect to (\S+) by name: (.+)$", out, "connect by name")
    return {
        "out": out,
        "handles_held": int(h[2]), "handles_max": int(h[3]), "handles_stop": h[4],
        "channels_total": int(c[2]), "channels_max": int(c[3]), "channels_stop": c[4],
        "channels_before": int(back[1]), "channels_after": int(back[2]),
        "services_registered": int(s[1]), "services_stop": s[2],
        "duplicate_name": dup[1], "duplicate_result": dup[2],
        "connect_name": conn[1], "connect_result": conn[2],
    }


def run_backpressure(machine):
    """Runs `backpressure` and parses its report."""
    out = machine.run("run backpressure", timeout=SLOW)
    assert "exited with status" not in out, f"backpressure exited with an error:\n{out}"
    q = search(r"^queue: (\d+) sends accepted, send (\d+): (.+)$", out, "queue")
    r = search(r"^queue: received message (\d+), then send: (.+), next send: (.+)$", out,
               "receive-then-send")
    f = search(r"^flood: (\d+) of (\d+) sends refused with queue full$", out, "flood")
    m = search(r"^flood: free frames (\d+) -> (\d+), kernel heap (\d+) -> (\d+) bytes$", out,
               "flood memory")
    d = search(r"^drain: (\d+) messages, (.+)$", out, "drain")
    return {
        "out": out,
        "accepted": int(q[1]), "overflow_send": int(q[2]), "overflow_result": q[3],
        "received": int(r[1]), "send_after_receive": r[2], "send_after_that": r[3],
        "refused": int(f[1]), "flood": int(f[2]),
        "frames_before": int(m[1]), "frames_after": int(m[2]),
        "heap_before": int(m[3]), "heap_after": int(m[4]),
        "drained": int(d[1]), "drain_order": d[2],
    }


# ------------------------------------------------------ acceptance criteria

def test_m1_limits_handles_channels_services_meet_milestone(machine):
    channels_at_boot = mem(machine)["channels"]
    for attempt in (1, 2):          # dead test services must free their names
        r = run_limits(machine)
        where = f"run {attempt} of limits:\n{r['out']}"

        assert r["handles_max"] >= MIN_HANDLES, \
            f"handle table holds {r['handles_max']}, milestone needs >= {MIN_HANDLES}; {where}"
        assert r["handles_held"] >= MIN_HANDLES, \
            f"a process could only hold {r['handles_held']} handles; {where}"
        assert r["handles_stop"] == HANDLE_TABLE_FULL, \
            f"a full handle table should say {HANDLE_TABLE_FULL!r}; {where}"

        assert r["channels_max"] >= MIN_CHANNELS, \
            f"channel table holds {r['channels_max']}, milestone needs >= {MIN_CHANNELS}; {where}"
        assert r["channels_total"] == r["channels_max"], \
            f"the channel table stopped at {r['channels_total']} of {r['channels_max']}; {where}"
        assert r["channels_stop"] == CHANNEL_TABLE_FULL, \
            f"a full channel table should say {CHANNEL_TABLE_FULL!r}; {where}"
        assert r["channels_after"] == r["channels_before"], \
            f"channels in use did not return to their count before filling; {where}"

        services = BOOT_SERVICES + r["services_registered"]
        assert services >= MIN_SERVICES, \
            f"{BOOT_SERVICES} boot services + {r['services_registered']} test services = " \
            f"{services}, milestone needs >= {MIN_SERVICES}; {where}"
        assert r["services_stop"] == SERVICE_TABLE_FULL, \
            f"a full service table should say {SERVICE_TABLE_FULL!r}; {where}"
        assert r["duplicate_result"] != "accepted", \
            f"registering {r['duplicate_name']} twice was accepted; {where}"

    assert mem(machine)["channels"] == channels_at_boot, \
        "channels in use after two runs of limits differ from boot"


def test_m2_full_queue_returns_queue_full_and_kernel_memory_is_unchanged(machine):
    before = mem(machine)
    r = run_backpressure(machine)
    out = r["out"]
    assert 1 <= r["accepted"] <= MAX_QUEUE_DEPTH, \
        f"a queue should take between 1 and {MAX_QUEUE_DEPTH} messages:\n{out}"
    assert r["overflow_send"] == r["accepted"] + 1 and r["overflow_result"] == QUEUE_FULL, \
        f"the send after a full queue should return {QUEUE_FULL!r}:\n{out}"
    # Backpressure: the caller sees the error and can retry after a receive.
    assert r["received"] == 1, f"the first message received should be message 1:\n{out}"
    assert r["send_after_receive"] == "ok", f"one receive should make room for one send:\n{out}"
    assert r["send_after_that"] == QUEUE_FULL, \
        f"one receive should make room for exactly one send:\n{out}"
    assert r["refused"] == r["flood"] and r["flood"] >= 1000, \
        f"every send into the full queue should be refused with queue full:\n{out}"
    assert r["frames_after"] == r["frames_before"], \
        f"free frames changed while flooding a full queue:\n{out}"
    assert r["heap_after"] == r["heap_before"], \
        f"kernel heap changed while flooding a full queue:\n{out}"
    after = mem_settled(machine, before, keys=("free_frames", "heap", "channels"))
    assert (after["free_frames"], after["heap"]) == (before["free_frames"], before["heap"]), \
        f"`mem` before backpressure: {before['free_frames']} free frames, {before['heap']} " \
        f"heap bytes; after: {after['free_frames']}, {after['heap']}"
    assert after["channels"] == before["channels"], "backpressure left channels behind"


def test_m3_fs_handle_count_returns_to_baseline_after_many_files(machine):
    before = mem(machine)
    baseline = before["handles"].get("fs")
    assert baseline is not None, "`mem` lists no handles for the fs server"
    for attempt in (1, 2, 3):
        out = machine.run("run hello-std", timeout=SLOW)
        steps = hello_std_steps(out)
        assert_no_capability_errors(out, "hello-std")
        after = mem_settled(machine, before, keys=("handles",))["handles"].get("fs")
        assert after == baseline, \
            f"fs holds {baseline} handles before hello-std, {after} after run {attempt} " \
            f"(steps: {steps[9][0]}; {steps[10][0]})"


def test_m4_service_added_at_run_time_is_reachable_through_generic_handler(machine):
    # Every boot service answers through init's one handler ...
    assert machine.run("echo via stdio") == "via stdio", "stdio service"
    assert machine.run("math add 2 3") == "5", "math service"
    assert any(p["name"] == "sysinfo" for p in ps(machine)), "sysinfo service"
    assert machine.run("stat /tmp").startswith("/tmp: directory"), "fs service"
    # ... and so does a service registered at run time, by name.
    r = run_limits(machine)
    assert r["services_registered"] >= 1, f"limits registered no service:\n{r['out']}"
    assert r["connect_result"] == "ok", \
        f"connecting to {r['connect_name']} (registered at run time) by name failed:\n{r['out']}"
    assert r["duplicate_result"] == ALREADY_EXISTS, \
        f"a second registration of {r['duplicate_name']} should say {ALREADY_EXISTS!r}:\n{r['out']}"
    # The boot services still answer after the table was filled and emptied.
    assert machine.run("math mul 6 7") == "42"
    assert machine.run("stat /tmp").startswith("/tmp: directory")


def test_m5_v4_v5_v6_structural_criteria_pass_lint():
    lint = REPO_ROOT / "harness" / "lint.py"
    result = subprocess.run([sys.executable, str(lint)], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60)
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"harness/lint.py exited {result.returncode}:\n{report}"
    assert re.search(r"\b0 problem\(s\)", report), f"lint reported problems:\n{report}"


def test_m6_fifty_spawns_return_every_frame_and_heap_byte(machine):
    before = mem(machine)
    out = machine.run("run spawnloop 50", timeout=SLOW)
    assert lines(out) == ["spawnloop: 50 of 50 children ran and exited"], \
        f"spawnloop 50 did not run every child:\n{out}"
    after = mem_settled(machine, before, keys=("free_frames", "heap", "channels"))
    assert after["free_frames"] == before["free_frames"], \
        f"free frames: {before['free_frames']} before 50 spawns, {after['free_frames']} after"
    assert after["heap"] == before["heap"], \
        f"kernel heap: {before['heap']} bytes before 50 spawns, {after['heap']} after"
    assert after["channels"] == before["channels"], \
        f"channels: {before['channels']} before 50 spawns, {after['channels']} after"
    # The system is still sound: a program runs and ps is sane.
    got = lines(machine.run("run hello"))
    assert len(got) == 1 and re.fullmatch(r"hello from pid \d+", got[0]), \
        f"`run hello` after 50 spawns: {got}"
    assert_boot_processes_alive(machine, "after 50 spawns")


# ------------------------------------------------------ verification steps

def test_v1_boot_runs_every_program(machine):
    got = lines(machine.run("run hello"))
    assert len(got) == 1 and re.fullmatch(r"hello from pid \d+", got[0]), f"hello: {got}"

    hello_std_steps(machine.run("run hello-std", timeout=SLOW))

    r = run_limits(machine)
    assert r["connect_result"] == "ok" and "FAILED" not in r["out"], f"limits:\n{r['out']}"

    r = run_backpressure(machine)
    assert r["drain_order"] == "in order" and "OUT OF ORDER" not in r["out"], \
        f"backpressure:\n{r['out']}"

    out = machine.run("run spawnloop 5", timeout=SLOW)
    assert lines(out) == ["spawnloop: 5 of 5 children ran and exited"], f"spawnloop 5:\n{out}"

    got = lines(machine.run("run crash"))
    assert got and got[0] == "usage: crash <mode>", f"crash without a mode should print usage: {got}"
    assert got[-1] == "crash: exited with status 2", \
        f"crash without a mode should exit with status 2: {got}"
    assert not any(line.startswith("[kernel] killed") for line in got), \
        f"crash without a mode should not fault: {got}"

    assert "[kernel] killed" not in machine.log, "a program was killed by a fault"
    assert_boot_processes_alive(machine, "after running every program")


def test_v2_hello_std_opens_more_than_twenty_files(machine):
    out = machine.run("run hello-std", timeout=SLOW)
    steps = hello_std_steps(out)
    assert_no_capability_errors(out, "hello-std")
    m = re.search(r"\b(\d+) files\b", steps[9][0])
    assert m, f"step 9 should say how many files it opened: {steps[9][0]!r}"
    assert int(m[1]) > 20, f"step 9 opened only {m[1]} files, milestone needs > 20"
    m = re.search(r"\b(\d+) open/close cycles\b", steps[10][0])
    assert m and int(m[1]) > 20, \
        f"step 10 should open and close one file more than 20 times: {steps[10][0]!r}"


def test_v3_ps_shows_every_process(machine):
    assert_boot_processes_alive(machine, "at boot")
    # No regressions: still all there after programs have come and gone.
    machine.run("run hello")
    hello_std_steps(machine.run("run hello-std", timeout=SLOW))
    assert_boot_processes_alive(machine, "after hello and hello-std")


def test_v7_more_than_64_messages_is_an_error_not_growth(machine):
    r = run_backpressure(machine)
    out = r["out"]
    assert r["accepted"] <= MAX_QUEUE_DEPTH, \
        f"a channel queued {r['accepted']} messages, more than {MAX_QUEUE_DEPTH}:\n{out}"
    assert r["overflow_result"] == QUEUE_FULL, \
        f"send {r['overflow_send']} should be refused with queue full:\n{out}"
    assert r["refused"] == r["flood"] >= 10000, \
        f"{r['flood'] - r['refused']} of {r['flood']} sends into a full queue were accepted:\n{out}"
    assert (r["frames_after"], r["heap_after"]) == (r["frames_before"], r["heap_before"]), \
        f"kernel memory grew while {r['flood']} sends hit a full queue:\n{out}"
    # The queue held exactly what it accepted: draining finds no extra message.
    assert r["drained"] == r["accepted"], \
        f"drained {r['drained']} messages from a queue that accepted {r['accepted']}:\n{out}"
    assert r["drain_order"] == "in order", f"drained messages out of order:\n{out}"
