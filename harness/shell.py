"""The shell's output formats, parsed once for every test: `ps` rows, the
counters `mem` prints, and a helper that splits command output into lines.
Keep these in step with user/shell/main.cpp."""

import re

PS_HEADER = re.compile(r"^PID\s+NAME\s+STATE\s+KIND$")
PS_ROW = re.compile(r"^(\d+)\s+(\S+)\s+(ready|running|blocked|exited)\s+(kernel|user)$")
FRAMES = re.compile(r"^frames: free (\d+) of (\d+)$", re.M)
HEAP = re.compile(r"^heap: (\d+) bytes in use$", re.M)
CHANNELS = re.compile(r"^channels: (\d+) of (\d+)$", re.M)
HANDLE_ROW = re.compile(r"^(\d+)\s+(\S+)\s+(\d+)$")  # "<pid> <name> <count>", columns padded


def lines(text):
    """The non-blank lines of a command's output, right-stripped."""
    return [line.rstrip() for line in text.split("\n") if line.strip()]
