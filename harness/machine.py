"""Drive an rvOS-C++ kernel image running in QEMU over its serial console.

Typical use::

    m = Machine()          # image from $RVOS_KERNEL or build/kernel.elf,
                           # a fresh copy of build/disk.img as its disk
    m.boot()               # waits for the first "rvos> " prompt
    out = m.run("echo hi") # -> "hi"
    status = m.shutdown()  # -> QEMU exit status
    m.close()

The whole serial console is recorded in memory (``Machine.log``), so a test
can inspect or save it after a failure.

Prompt detection: the shell prompt is only recognised at the start of a line
(``"\\n" + PROMPT``). The command line typed by ``run`` is echoed on the
prompt's line, so neither the echo nor output that merely *contains* the text
"rvos> " in the middle of a line is mistaken for the next prompt. A match
that is already followed by further complete lines is skipped by run() as
well (the real prompt is followed by silence). Output that itself *begins* a line with
"rvos> " and then pauses can still be mistaken for the prompt; run() then
notices that the next command's echo is missing and raises MachineError.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional, Union

import pexpect

PROMPT = "rvos> "

BOOT_TIMEOUT = 30
COMMAND_TIMEOUT = 20
SHUTDOWN_TIMEOUT = 20
TAIL_LINES = 40

# A prompt is "rvos> " at the beginning of a line.
_PROMPT_RE = re.compile(b"\n" + re.escape(PROMPT.encode()))

# ANSI/VT100 escape sequences (CSI ... final byte, and two-byte ESC x).
_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")

Pattern = Union[str, bytes, "re.Pattern[str]", "re.Pattern[bytes]"]


def repo_root() -> Path:
    """The repository root (the parent of the harness package)."""
    return Path(__file__).resolve().parent.parent


def default_kernel_path() -> Path:
    """$RVOS_KERNEL if set, else build/kernel.elf under the repository root."""
    env = os.environ.get("RVOS_KERNEL")
    if env:
        return Path(env).expanduser().resolve()
    return repo_root() / "build" / "kernel.elf"


def default_disk_path() -> Path:
    """$RVOS_DISK if set, else build/disk.img: the root disk the build makes."""
    env = os.environ.get("RVOS_DISK")
    if env:
        return Path(env).expanduser().resolve()
    return repo_root() / "build" / "disk.img"


def fresh_disk(source: Path, target: Path) -> Path:
    """A private copy of a disk image, cheap: a reflink where the file
    system shares blocks, else a sparse copy (the image is mostly holes)."""
    try:
        subprocess.run(["cp", "--reflink=auto", "--sparse=always", str(source), str(target)],
                       check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        shutil.copyfile(source, target)
    return target


class MachineError(Exception):
    """The machine did something unexpected (exited, failed to start...)."""


class MachineTimeout(MachineError):
    """Waiting for console output timed out."""


def _fmt_seconds(t: float) -> str:
    return f"{t:g}s"


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def strip_ansi(text: str) -> str:
    return _ANSI_RE.sub("", text)


def normalise(text: str) -> str:
    """Strip ANSI escapes, turn CRLF into LF, drop stray CRs at line ends,
    and strip leading/trailing whitespace."""
    text = strip_ansi(text).replace("\r\n", "\n")
    text = "\n".join(line.strip("\r") for line in text.split("\n"))
    return text.strip()


def render_line(text: str) -> str:
    """What a terminal would show for a single line of output: handles
    backspace, carriage return and erase-to-end-of-line; ignores other
    control characters (including a raw DEL)."""
    buf: list[str] = []
    cur = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\x1b":
            m = _ANSI_RE.match(text, i)
            if m:
                seq = m.group(0)
                if seq in ("\x1b[K", "\x1b[0K"):
                    del buf[cur:]
                elif seq == "\x1b[2K":
                    buf.clear()
                i = m.end()
                continue
        if ch == "\r":
            cur = 0
        elif ch == "\b":
            cur = max(0, cur - 1)
        elif ch >= " " and ch != "\x7f":
            if cur < len(buf):
                buf[cur] = ch
            else:
                buf.append(ch)
            cur += 1
        i += 1
    return "".join(buf)


class Network:
    """QEMU's user network for one machine: the guest is 10.0.2.15 (by DHCP),
    the host's loopback is 10.0.2.2 to it, and each forwarded port listens
    on 127.0.0.1 only. `tcp` and `udp` map a guest port to the host port
    that reaches it; free_port() picks one nobody listens on."""

    def __init__(self, tcp: Optional[dict] = None, udp: Optional[dict] = None) -> None:
        self.tcp = dict(tcp or {})
        self.udp = dict(udp or {})

    @staticmethod
    def free_port(kind: int = socket.SOCK_STREAM) -> int:
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    @classmethod
    def forwarding(cls, tcp_ports=(), udp_ports=()) -> "Network":
        """A network forwarding each guest port from a free host port."""
        return cls({p: cls.free_port() for p in tcp_ports},
                   {p: cls.free_port(socket.SOCK_DGRAM) for p in udp_ports})

    def qemu_args(self) -> list:
        forwards = [f"hostfwd=tcp:127.0.0.1:{h}-:{g}" for g, h in self.tcp.items()]
        forwards += [f"hostfwd=udp:127.0.0.1:{h}-:{g}" for g, h in self.udp.items()]
        netdev = ",".join(["user", "id=n0", *forwards])
        return ["-netdev", netdev, "-device", "virtio-net-device,netdev=n0"]


class Machine:
    """One QEMU instance running the rvOS-C++ kernel, driven via pexpect."""

    def __init__(
        self,
        kernel: Optional[Union[str, os.PathLike]] = None,
        qemu: Optional[str] = None,
        memory: str = "128M",
        extra_args: tuple = (),
        disks: Optional[tuple] = None,
        network: Optional["Network"] = None,
    ) -> None:
        """disks: raw images attached as blk0, blk1, ...; by default (None)
        a fresh copy of the root disk (build/disk.img), made when QEMU
        starts and deleted when the machine is closed, so each machine
        starts from the image the build made; () boots without a disk."""
        self.kernel = Path(kernel).resolve() if kernel else default_kernel_path()
        # $RVOS_QEMU lets the harness be exercised against a stand-in.
        self.qemu = qemu or os.environ.get("RVOS_QEMU") or "qemu-system-riscv64"
        self.args = [
            "-machine", "virt",
            "-bios", "default",
            "-m", memory,
            "-smp", "1",
            "-nographic",
            "-no-reboot",
            "-kernel", str(self.kernel),
            # virtio-mmio devices speak version 2 (virtio 1.x), as the drivers need.
            "-global", "virtio-mmio.force-legacy=false",
            *extra_args,
        ]
        self._scratch: Optional[str] = None
        if disks is None:
            self._scratch = tempfile.mkdtemp(prefix="rvos-disk-")
            disks = (Path(self._scratch) / "disk.img",)
        self.disks = tuple(Path(d) for d in disks)
        # Each disk image (raw) becomes a virtio-blk device: blk0, blk1, ...
        # (QEMU fills the virtio-mmio slots from the top, so the devices are
        # added in reverse to keep blk0 the first image).
        drives = []
        for i, disk in enumerate(disks):
            drives.append(["-drive", f"file={Path(disk).resolve()},if=none,format=raw,id=disk{i}",
                           "-device", f"virtio-blk-device,drive=disk{i}"])
        for drive in reversed(drives):
            self.args += drive
        # A network card (virtio-net, the driver's net0) on QEMU's user
        # network, with the network's ports forwarded from the host.
        self.network = network
        if network is not None:
            self.args += network.qemu_args()
        self._log = io.BytesIO()
        self.child: Optional[pexpect.spawn] = None
        self.exit_status: Optional[int] = None

    # ------------------------------------------------------------------ setup

    @property
    def command_line(self) -> str:
        return shlex.join([self.qemu, *self.args])

    def start(self) -> None:
        """Start QEMU (boot() calls this if needed)."""
        if self.child is not None:
            return
        if not self.kernel.is_file():
            raise MachineError(f"kernel image not found: {self.kernel}")
        if self._scratch and not self.disks[0].exists():
            source = default_disk_path()
            if not source.is_file():
                raise MachineError(f"root disk image not found: {source} (run `make build`)")
            fresh_disk(source, self.disks[0])
        self.child = pexpect.spawn(
            self.qemu,
            self.args,
            encoding=None,          # work in bytes; decode ourselves
            echo=False,             # no pty echo of what we type
            timeout=COMMAND_TIMEOUT,
            maxread=4096,
        )
        self.child.delaybeforesend = None
        self.child.logfile_read = self._log

    def boot(self, timeout: float = BOOT_TIMEOUT) -> str:
        """Start QEMU and wait for the first shell prompt. Returns the console
        output before the prompt (normalised)."""
        self.start()
        return self.wait_prompt(timeout=timeout)

    # ------------------------------------------------------------ console log

    @property
    def log_bytes(self) -> bytes:
        """Everything QEMU wrote to the console so far (raw bytes)."""
        return self._log.getvalue()

    @property
    def log(self) -> str:
        """Everything QEMU wrote to the console so far (utf-8, errors replaced)."""
        return _decode(self.log_bytes)

    def tail(self, lines: int = TAIL_LINES) -> str:
        text = strip_ansi(self.log).replace("\r\n", "\n").replace("\r", "")
        return "\n".join(text.split("\n")[-lines:])

    def save_log(self, path: Union[str, os.PathLike]) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.log_bytes)
        return path

    # --------------------------------------------------------------- waiting

    def _require_child(self) -> pexpect.spawn:
        if self.child is None:
            raise MachineError("QEMU is not running (call boot() first)")
        return self.child

    def _fail(self, exc_type, what: str, detail: str) -> MachineError:
        return exc_type(
            f"{detail} waiting for {what}\n"
            f"--- last {TAIL_LINES} lines of console output ---\n"
            f"{self.tail()}\n"
            f"--- end of console output ---"
        )

    def _expect(self, pattern, timeout: float, what: str,
                deadline: Optional[float] = None) -> int:
        child = self._require_child()
        wait = timeout if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            return child.expect([pattern], timeout=wait)
        except pexpect.TIMEOUT:
            raise self._fail(
                MachineTimeout, what, f"timed out after {_fmt_seconds(timeout)}"
            ) from None
        except pexpect.EOF:
            self._reap()
            raise self._fail(
                MachineError, what, f"QEMU exited (status {self.exit_status})"
            ) from None

    def _wait_prompt_raw(self, timeout: float, what: str,
                         skip_followed: bool = False) -> str:
        """Wait for the prompt; return the raw text received before it.

        With skip_followed (used by run()): the shell prints nothing after its
        prompt until we type, so a line starting with "rvos> " that is already
        followed by further complete lines is command output, not the prompt;
        keep waiting."""
        deadline = time.monotonic() + timeout
        received = b""
        while True:
            self._expect(_PROMPT_RE, timeout, what, deadline)
            received += self.child.before
            if skip_followed and b"\n" in self.child.buffer:
                received += self.child.after
                continue
            return _decode(received)

    def wait_prompt(self, timeout: float = COMMAND_TIMEOUT) -> str:
        """Wait for the next prompt at the start of a line; return everything
        received since the previous match, normalised (see normalise())."""
        return normalise(
            self._wait_prompt_raw(timeout, f"the {PROMPT.strip()} prompt"))

    def expect(self, pattern: Pattern, timeout: float = COMMAND_TIMEOUT) -> str:
        """Wait for a regular expression (str or bytes, or compiled) in the
        console output. Returns the matched text. Output before the match is
        consumed."""
        if isinstance(pattern, str):
            regex = re.compile(pattern.encode())
        elif isinstance(pattern, bytes):
            regex = re.compile(pattern)
        elif isinstance(pattern.pattern, str):
            regex = re.compile(pattern.pattern.encode(), pattern.flags & ~re.UNICODE)
        else:
            regex = pattern
        self._expect(regex, timeout, f"pattern {regex.pattern!r}")
        return _decode(self.child.after)

    @property
    def before(self) -> str:
        """Output between the previous match and the last match (raw text)."""
        child = self._require_child()
        return _decode(child.before or b"")

    # --------------------------------------------------------------- sending

    def send_raw(self, data: Union[bytes, str]) -> None:
        """Write bytes to the serial console exactly as given."""
        child = self._require_child()
        if isinstance(data, str):
            data = data.encode()
        if not child.isalive():
            self._reap()
            raise MachineError(
                f"QEMU is not running (exit status {self.exit_status}); "
                f"cannot send {data!r}"
            )
        child.send(data)

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT) -> str:
        """Type a command line, press Enter and wait for the next prompt.

        Returns the command's output: the text between the echoed command
        line and the prompt, with CRLF normalised to LF and stripped."""
        if "\r" in command or "\n" in command:
            raise ValueError("run() takes a single line without CR/LF; "
                             "use send_raw() for raw input")
        self.send_raw(command.encode() + b"\r")
        raw = self._wait_prompt_raw(
            timeout, f"the {PROMPT.strip()} prompt after command {command!r}",
            skip_followed=True)
        echo_line, sep, rest = raw.partition("\n")
        if command.isprintable():
            shown = render_line(echo_line)
            if command not in shown:
                raise MachineError(
                    f"console did not echo the command line {command!r} "
                    f"(the line after the prompt was {echo_line!r})\n"
                    f"--- last {TAIL_LINES} lines of console output ---\n"
                    f"{self.tail()}"
                )
        return normalise(rest)

    def type_line(self, line: str, timeout: float = COMMAND_TIMEOUT, chunk: int = 512) -> str:
        """Type a long command line as a person pastes it, press Enter and
        wait for the prompt; return the output after the echoed line.

        The line goes in pieces, and the console's echo is read between
        them: the guest writes its terminal synchronously, so a harness that
        only wrote and never read would leave both sides waiting on a full
        pty."""
        data = line.encode()
        received = b""
        for i in range(0, len(data), chunk):
            self.send_raw(data[i:i + chunk])
            deadline = time.monotonic() + 1.0
            got = 0
            # Read the echo as it comes; past the console's line limit no
            # echo comes, and a short quiet spell is enough.
            while got < len(data[i:i + chunk]) and time.monotonic() < deadline:
                try:
                    piece = self.child.read_nonblocking(65536, timeout=0.05)
                except pexpect.TIMEOUT:
                    if got:
                        break
                    continue
                received += piece
                got += len(piece)
        self.send_raw(b"\r")
        raw = _decode(received) + self._wait_prompt_raw(
            timeout, f"the {PROMPT.strip()} prompt after a {len(data)}-byte line")
        return normalise(raw.partition("\n")[2])

    # -------------------------------------------------------------- stopping

    def _reap(self) -> None:
        """After EOF: collect QEMU's exit status and close the pty."""
        child = self.child
        if child is None or self.exit_status is not None:
            return
        try:
            child.wait()
        except Exception:
            pass
        try:
            child.close(force=True)
        except Exception:
            pass
        if child.exitstatus is not None:
            self.exit_status = child.exitstatus
        elif child.signalstatus is not None:
            self.exit_status = -child.signalstatus

    def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT) -> int:
        """Type `shutdown`, wait for QEMU to exit and return its exit status
        (negative signal number if it was killed by a signal)."""
        self.send_raw(b"shutdown\r")
        child = self._require_child()
        try:
            child.expect(pexpect.EOF, timeout=timeout)
        except pexpect.TIMEOUT:
            raise self._fail(MachineTimeout, "QEMU to exit after `shutdown`",
                             f"timed out after {_fmt_seconds(timeout)}") from None
        self._reap()
        if self.exit_status is None:
            raise MachineError("could not obtain QEMU's exit status")
        return self.exit_status

    def close(self) -> None:
        """Kill QEMU if it is still running, and delete the machine's own
        copy of the root disk. Safe to call more than once."""
        self._close_qemu()
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def _close_qemu(self) -> None:
        child = self.child
        if child is None:
            return
        try:
            if child.isalive():
                child.kill(signal.SIGTERM)
                try:
                    child.expect(pexpect.EOF, timeout=5)
                except (pexpect.TIMEOUT, pexpect.EOF):
                    pass
            child.close(force=True)
        except Exception:
            pass
        if self.exit_status is None:
            if child.exitstatus is not None:
                self.exit_status = child.exitstatus
            elif child.signalstatus is not None:
                self.exit_status = -child.signalstatus

    def __enter__(self) -> "Machine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # best effort: never leave QEMU behind
        try:
            self.close()
        except Exception:
            pass
