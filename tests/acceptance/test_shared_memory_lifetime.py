"""Acceptance test for issue 10: shared memory stays alive while it is
mapped.

`shmkeep` plays it through: a creator makes a 1 MiB memory object, writes
a pattern in it and hands the object's only handle to a reader, then
exits; the reader maps it and closes the handle, so only its mapping keeps
the object; then the coordinator takes every free frame there is and
writes over each. The reader must still find the pattern intact, and once
it exits the object's frames come back. (A frame freed twice would now
stop the kernel with a panic instead of being ignored: unit tests
FrameAllocatorTest.*BadFree*; no user program can make the kernel do it.)
"""

from harness.shell import lines, search
from test_reliability import assert_back_to_baseline, baseline


def test_shared_memory_stays_intact_while_mapped_after_its_creator_exits_and_every_handle_closes(machine):
    before = baseline(machine)
    out = machine.run("run shmkeep", timeout=60)
    got = lines(out)
    assert "PANIC" not in out, out
    assert "shmkeep: the creator has exited; only the reader's mapping keeps the object" in got, out
    took = int(search(r"^shmkeep: took and overwrote (\d+) free frames$", out, "frames taken")[1])
    # Every frame not in use: the object's would be among them had it been freed.
    assert took > before["free_frames"] - 1024, f"shmkeep took only {took} of {before['free_frames']} free frames"
    assert got[-1] == "shmkeep: the pattern is intact", f"the mapped object changed:\n{out}"
    assert_back_to_baseline(machine, before, "after shmkeep")
