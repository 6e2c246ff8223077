"""The ABI's numbers and error names for host-side code, read from
lib/abi/abi.h instead of copied: tests and harness tools ask this module
(e.g. `abi.LIMITS["kMaxProcesses"]`, `abi.kQueueDepth`,
`abi.ERRORS["QueueFull"] == (8, "queue full")`, `abi.error_name("QueueFull")`)
so a change to the header reaches them by itself.

The parser reads what the header declares today and is meant to survive it
growing:
  - `inline constexpr <type> kName = <expr>;` — integer expressions of
    literals (decimal, hex, digit separators, u/l suffixes), + - * / % << >>
    | & ^, parentheses and earlier constants (`rvos::` allowed). Anything
    else (casts, braces, strings, ...) is skipped, never an error.
  - `enum class Error` — each enumerator's value (explicit, or one past the
    previous), and its text from the `case Error::X: return "...";` lines of
    error_name (None when it has no case).

It also reads the syscall table, the RVOS_SYSCALLS X-macro in
lib/abi/syscalls.h: `abi.SYSCALLS` lists one `Syscall(number, enum, name,
group, args)` per `X(<number>, <Enum>, <name>, <group>, "<shapes>")` line,
in table order (e.g. the fuzzer's per-syscall report names each `name`).
"""

import ast
import pathlib
import re
from typing import Dict, NamedTuple, Optional, Tuple

HEADER = pathlib.Path(__file__).resolve().parent.parent / "lib" / "abi" / "abi.h"
SYSCALLS_HEADER = HEADER.parent / "syscalls.h"

_CONSTANT = re.compile(
    r"\binline\s+constexpr\s+(?P<type>[\w:\s\*&<>]+?)\s+(?P<name>\w+)\s*=\s*(?P<expr>[^;{}]+);")
_ERROR_ENUM = re.compile(r"\benum\s+class\s+Error\b[^{;]*\{(?P<body>[^}]*)\}")
_ENUMERATOR = re.compile(r"^\s*(?P<name>[A-Za-z_]\w*)\s*(?:=\s*(?P<expr>.+?))?\s*$", re.S)
_SYSCALL = re.compile(r'\bX\(\s*(?P<number>\d+)\s*,\s*(?P<enum>[A-Za-z_]\w*)\s*,\s*(?P<name>[A-Za-z_]\w*)\s*,'
                      r'\s*(?P<group>[A-Za-z_]\w*)\s*,\s*"(?P<args>[a-z]*)"\s*\)')
_ERROR_TEXT = re.compile(r"\bcase\s+Error::(?P<name>\w+)\s*:\s*return\s+\"(?P<text>(?:[^\"\\]|\\.)*)\"\s*;")

def _c_div(a, b):
    """C integer division: truncates toward zero."""
    quotient = abs(a) // abs(b)
    return quotient if (a < 0) == (b < 0) else -quotient


_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: _c_div,
    ast.Mod: lambda a, b: a - b * _c_div(a, b),
    ast.LShift: lambda a, b: a << b,
    ast.RShift: lambda a, b: a >> b,
    ast.BitOr: lambda a, b: a | b,
    ast.BitAnd: lambda a, b: a & b,
    ast.BitXor: lambda a, b: a ^ b,
}
_UNARY = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}


class Syscall(NamedTuple):
    """One row of the RVOS_SYSCALLS table."""
    number: int
    enum: str   # the Syscall enumerator, e.g. ChanSend
    name: str   # the handler and printed name, e.g. chan_send
    group: str  # the kernel/syscall/<group>.cpp that implements it
    args: str   # one shape letter per argument (h p n r d v)


class Abi(NamedTuple):
    """What one header declares."""
    limits: Dict[str, int]                       # constant name -> value
    lines: Dict[str, int]                        # constant name -> line of its definition
    errors: Dict[str, Tuple[int, Optional[str]]]  # Error enumerator -> (value, error_name text)


def _strip_comments(text):
    """Comments blanked out, keeping line numbers and string literals."""
    def blank(match):
        token = match.group(0)
        if token.startswith('"'):
            return token
        return re.sub(r"[^\n]", " ", token)
    return re.sub(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/', blank, text, flags=re.S)


def _c_literals(expr):
    """C integer syntax as Python: no digit separators, no u/l suffixes."""
    expr = re.sub(r"(?<=[0-9a-fA-F])'(?=[0-9a-fA-F])", "", expr)
    expr = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b", r"\1", expr)
    return re.sub(r"\brvos::", "", expr)


def _c_string(body):
    """The text of a C string literal's body (simple escapes only)."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def evaluate(expr, known):
    """The value of a C integer constant expression, or None if it is not one
    this parser understands. `known` maps earlier constants to values."""
    try:
        tree = ast.parse(_c_literals(expr).strip(), mode="eval")
    except (SyntaxError, ValueError):
        return None

    def value(node):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name) and node.id in known:
            return known[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = value(node.left), value(node.right)
            if isinstance(node.op, (ast.Div, ast.Mod)) and right == 0:
                raise ValueError("division by zero")
            if isinstance(node.op, (ast.LShift, ast.RShift)) and not 0 <= right < 128:
                raise ValueError("shift out of range")
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](value(node.operand))
        raise ValueError(f"not an integer constant expression: {ast.dump(node)}")

    try:
        return value(tree.body)
    except (ValueError, TypeError, RecursionError):
        return None


def parse(text):
    """The constants and errors declared in the header text `text`."""
    code = _strip_comments(text)
    limits, lines = {}, {}
    for match in _CONSTANT.finditer(code):
        result = evaluate(match.group("expr"), limits)
        if result is not None:
            limits[match.group("name")] = result
            lines[match.group("name")] = code.count("\n", 0, match.start("name")) + 1

    errors = {}
    texts = {m.group("name"): _c_string(m.group("text")) for m in _ERROR_TEXT.finditer(code)}
    enum = _ERROR_ENUM.search(code)
    if enum:
        next_value = 0
        for entry in enum.group("body").split(","):
            if not entry.strip():
                continue
            m = _ENUMERATOR.match(entry)
            if not m:
                continue
            if m.group("expr") is not None:
                value = evaluate(m.group("expr"), limits)
                if value is None:
                    next_value = None
                    continue
            elif next_value is None:
                continue  # follows a value this parser could not work out
            else:
                value = next_value
            errors[m.group("name")] = (value, texts.get(m.group("name")))
            next_value = value + 1
    return Abi(limits, lines, errors)


def load(path=HEADER):
    """The constants and errors declared in the header file at `path`."""
    return parse(pathlib.Path(path).read_text())


def parse_syscalls(text):
    """The rows of the RVOS_SYSCALLS table in the header text `text`, in
    table order (comments ignored)."""
    start = text.find("#define RVOS_SYSCALLS(")
    if start < 0:
        return []
    # The macro runs to the first line not continued by a backslash (which
    # the preprocessor splices before it sees comments, so a backslash
    # inside a comment continues the macro too).
    end = start
    while True:
        newline = text.find("\n", end)
        if newline < 0:
            end = len(text)
            break
        continued = text[end:newline].rstrip().endswith("\\")
        end = newline + 1
        if not continued:
            break
    code = _strip_comments(text[start:end].replace("\\\n", "  "))
    return [Syscall(int(m["number"]), m["enum"], m["name"], m["group"], m["args"]) for m in _SYSCALL.finditer(code)]


def load_syscalls(path=SYSCALLS_HEADER):
    """The syscall table declared in the header file at `path`."""
    return parse_syscalls(pathlib.Path(path).read_text())


_REAL = load()
# The protocols' shared values (lib/abi/protocol.h) join the limits.
PROTOCOL_HEADER = HEADER.parent / "protocol.h"
LIMITS = {**load(PROTOCOL_HEADER).limits, **_REAL.limits}
ERRORS = _REAL.errors
SYSCALLS = load_syscalls()


def error_name(name):
    """What rvos::error_name prints for Error::<name>, e.g. "queue full"."""
    return ERRORS[name][1]


def __getattr__(name):
    """Constants as attributes: abi.kMaxProcesses."""
    if name in LIMITS:
        return LIMITS[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r} (not a constant in lib/abi/abi.h)")
