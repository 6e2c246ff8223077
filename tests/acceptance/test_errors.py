"""Acceptance tests for issue 10, every error a user sees is the right one.

Every rvos Error maps to its standard errno (picolibc's values) and
strerror gives that errno's standard text; paths with a NUL inside are
refused with EINVAL; `ls` shows names with control bytes escaped; and the
examples the issue names: `cat` through a file says "Not a directory", a
write that fails after a successful open is reported by the shell, lseek
from the end lands at the end (spawn arguments that are too long say "too
long": tests/acceptance/test_large_messages.py). The test program is
`errors` (user/tests/errors)."""

import re

from harness import abi
from harness.shell import lines

# Each Error's errno and that errno's text in picolibc (newlib's wording).
ERRNO_OF = {
    "BadSyscall": ("ENOSYS", "Function not implemented"),
    "BadAddress": ("EFAULT", "Bad address"),
    "BadArgument": ("EINVAL", "Invalid argument"),
    "BadHandle": ("EBADF", "Bad file number"),
    "HandleTableFull": ("EMFILE", "File descriptor value too large"),
    "ChannelTableFull": ("ENFILE", "Too many open files in system"),
    "NoMemory": ("ENOMEM", "Not enough space"),
    "QueueFull": ("EAGAIN", "No more processes"),
    "WouldBlock": ("EAGAIN", "No more processes"),
    "PeerClosed": ("EPIPE", "Broken pipe"),
    "NotFound": ("ENOENT", "No such file or directory"),
    "AlreadyExists": ("EEXIST", "File exists"),
    "TooLong": ("ENAMETOOLONG", "File or path name too long"),
    "Busy": ("EBUSY", "Device or resource busy"),
    "ProcessTableFull": ("EAGAIN", "No more processes"),
    "ServiceTableFull": ("ENOSPC", "No space left on device"),
    "BadMessage": ("EBADMSG", "Bad message"),
    "BadExecutable": ("ENOEXEC", "Exec format error"),
    "Overflow": ("EOVERFLOW", "Value too large for defined data type"),
    "Unsupported": ("ENOTSUP", "Not supported"),
    "IsDirectory": ("EISDIR", "Is a directory"),
    "NotDirectory": ("ENOTDIR", "Not a directory"),
    "NotEmpty": ("ENOTEMPTY", "Directory not empty"),
    "FileTooBig": ("EFBIG", "File too large"),
    "WrongType": ("EBADF", "Bad file number"),
    "AccessDenied": ("EACCES", "Permission denied"),
    "TimedOut": ("ETIMEDOUT", "Connection timed out"),
    "BufferTooSmall": ("EMSGSIZE", "Message too long"),
    "DeviceError": ("EIO", "I/O error"),
    "CrossDevice": ("EXDEV", "Cross-device link"),
    "QuotaExceeded": ("EDQUOT", "Disk quota exceeded"),
    "NoSpace": ("ENOSPC", "No space left on device"),
    "ConnectionRefused": ("ECONNREFUSED", "Connection refused"),
    "ConnectionReset": ("ECONNRESET", "Connection reset by peer"),
    "AddressInUse": ("EADDRINUSE", "Address already in use"),
    "NotConnected": ("ENOTCONN", "Socket is not connected"),
    "Unreachable": ("EHOSTUNREACH", "Host is unreachable"),
    "InProgress": ("EINPROGRESS", "Connection already in progress"),
    "IsConnected": ("EISCONN", "Socket is already connected"),
    "ConnectionAborted": ("ECONNABORTED", "Software caused connection abort"),
}


def test_every_error_maps_to_its_standard_errno_and_message(machine):
    out = machine.run("run errors table")
    got = {int(m[1]): (m[2], m[3]) for m in re.finditer(r"^errors: (\d+) (\S+) (.+)$", out, re.M)}
    errors = {name: value for name, (value, _) in abi.ERRORS.items() if name != "None"}
    assert set(ERRNO_OF) == set(errors), \
        f"every Error of lib/abi/abi.h needs its errno here: {sorted(set(errors) ^ set(ERRNO_OF))}"
    for name, value in sorted(errors.items(), key=lambda item: item[1]):
        assert got.get(value) == ERRNO_OF[name], \
            f"Error::{name} ({value}) maps to {got.get(value)}, should be {ERRNO_OF[name]}:\n{out}"
        text = abi.error_name(name)
        assert text and text != "unknown error", f"Error::{name} has no message of its own"
    assert len({abi.error_name(name) for name in errors}) == len(errors), "two errors share a message"


def test_a_path_containing_nul_is_refused_with_einval_and_nothing_is_made(machine):
    got = lines(machine.run("run errors nul"))
    for what in ("open of a path with a NUL, sent raw", "mkdir of a path with a NUL", "stat of a path with a NUL",
                 "connect to a service name with a NUL"):
        assert f"errors: {what}: bad argument (Invalid argument)" in got, got
    assert "errors: /tmp/nul afterwards: No such file or directory" in got, \
        f"a path with a NUL was cut short at the NUL and used: {got}"


def test_ls_escapes_control_and_non_ascii_bytes_in_names(machine):
    assert lines(machine.run("run errors names")) == ["errors: names made"]
    start = len(machine.log_bytes)
    out = machine.run("ls /tmp/names")
    names = [re.match(r"^file\s+0 (.*)$", l)[1] for l in lines(out)]
    assert names == [r"back\\slash", r"bell\x07", r"esc\x1b[2Jx", r"high\xff", "plain", r"tab\x09name"], out
    shown = machine.log_bytes[start:]
    assert not [b for b in shown if b < 0x20 and b not in b"\r\n"] and not [b for b in shown if b >= 0x7f], \
        f"ls wrote raw control or non-ASCII bytes: {shown!r}"


def test_cat_through_a_file_says_not_a_directory(machine):
    machine.run("write /tmp/file text")
    assert machine.run("cat /tmp/file/x") == "cat: /tmp/file/x: Not a directory"
    assert machine.run("cat /tmp/nothing/x") == "cat: /tmp/nothing/x: No such file or directory"


def test_a_write_that_fails_after_a_successful_open_is_reported_by_the_shell(machine):
    size = abi.LIMITS["kMaxFileSize"]
    out = machine.run("run errors fill /tmp/full", timeout=60)
    assert lines(out) == [f"errors: /tmp/full: {size} bytes; one more: File too large"], out
    # The open succeeds (the file exists); the write past the largest size fails.
    assert machine.run("append /tmp/full x") == "append: /tmp/full: File too large"
    assert machine.run("stat /tmp/full") == f"/tmp/full: file, {size} bytes"


def test_lseek_lands_where_asked_from_the_start_the_current_offset_and_the_end(machine):
    got = lines(machine.run("run errors lseek"))
    assert got == [
        "errors: lseek 0 from the end: 12",
        "errors: lseek -6 from the end: 6",
        "errors: read there: 'world'",
        "errors: lseek 0 from the current offset: 11",
        "errors: lseek 4 from the start: 4",
        "errors: lseek -13 from the end: Invalid argument",
        "errors: lseek with whence 7: Invalid argument",
        "errors: lseek on the console: Illegal seek",
        "errors: lseek on a closed descriptor: Bad file number",
        "errors: lseek 2 past the end: 14",
        "errors: size after writing past the end: 15",
    ], got
