"""harness/abi.py reads the syscall table (the RVOS_SYSCALLS X-macro in
lib/abi/syscalls.h): the real one is dense, named and shaped as the kernel
and the fuzzer expect, and a small fake header shows the parser copes with
comments, backslashes inside them and text around the macro."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "harness"))
import abi  # noqa: E402

FAKE = r"""
// X(99, InComment, in_comment, nowhere, "h")
#define RVOS_SYSCALLS(X)                                             \
    X(0, Exit, exit, process, "v")          /* (code) */              \
    X(1, Send, send, ipc, "hpn")            /* a comment that runs   \
                                               over two lines */      \
    /* X(98, Hidden, hidden, nowhere, "") */                          \
    X(2, Tick, tick, clock, "")
X(3, AfterTheMacro, after, nowhere, "v")
#define RVOS_SYSCALL_ENUM(number, Name, name, group, args) Name = number,
"""


def test_fake_table():
    assert abi.parse_syscalls(FAKE) == [
        abi.Syscall(0, "Exit", "exit", "process", "v"),
        abi.Syscall(1, "Send", "send", "ipc", "hpn"),
        abi.Syscall(2, "Tick", "tick", "clock", ""),
    ]


def test_no_table():
    assert abi.parse_syscalls("int x;\n") == []


def test_real_table_is_dense_and_named():
    table = abi.SYSCALLS
    assert table, "no syscalls read from lib/abi/syscalls.h"
    assert [s.number for s in table] == list(range(len(table)))
    names = [s.name for s in table]
    assert len(set(names)) == len(names), names
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names), names
    # The fuzzer has a generator for each of these shape letters, no more.
    assert all(re.fullmatch(r"[hpnrdv]{0,6}", s.args) for s in table), table
    for name in ("exit", "chan_send", "chan_recv", "wait", "shutdown"):
        assert name in names, name


def test_real_table_matches_the_kernel_groups():
    for s in abi.SYSCALLS:
        group = ROOT / "kernel" / "syscall" / f"{s.group}.cpp"
        assert group.is_file(), f"{s.name}: no {group.relative_to(ROOT)}"
        assert f"sys_{s.name}(" in group.read_text(), f"sys_{s.name} is not in {group.relative_to(ROOT)}"
