#!/usr/bin/env python3
"""Grep-level checks for the structural milestone criteria.

Each rule prints `file:line: what is wrong` for every violation; the run
fails if any rule fires. Rules take the repository root so the tests in
tests/lint can feed them small bad trees.
"""
import pathlib
import os
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import abi as abi_header  # noqa: E402  (harness/abi.py: the one parser of lib/abi/abi.h)
import protogen  # noqa: E402  (harness/protogen.py: the protocol compiler)

SOURCE_SUFFIXES = {".cpp", ".h", ".c", ".S", ".s", ".rs"}
SKIP_DIRS = {"build", ".git", "tests", "harness", "__pycache__"}


def sources(root, under="."):
    base = root / under
    if not base.exists():
        return
    # os.walk, pruned: build/ may hold what no walk should enter (test
    # images with symbolic links whose targets are too long to stat).
    found = []
    for directory, dirs, files in os.walk(base):
        here = pathlib.Path(directory)
        if any(part in SKIP_DIRS for part in here.relative_to(root).parts):
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        found += [here / f for f in files if pathlib.Path(f).suffix in SOURCE_SUFFIXES and (here / f).is_file()]
    yield from sorted(found)


def rel(root, path):
    return str(path.relative_to(root))


def code_lines(path):
    """Lines with // and # comments stripped (enough for grep-level rules)."""
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        stripped = re.sub(r"//.*", "", line)
        if path.suffix in {".S", ".s"}:
            stripped = re.sub(r"#.*", "", stripped)
        yield number, stripped


def rule_ecall_only_in_kernel_and_rvos(root):
    """Milestone 5: lib/rvos is the only user-space syscall layer."""
    problems = []
    for path in sources(root):
        r = rel(root, path)
        if r.startswith("kernel/") or r.startswith("lib/rvos/"):
            continue
        for number, line in code_lines(path):
            if re.search(r"\becall\b", line):
                problems.append(f"{r}:{number}: ecall outside kernel/ and lib/rvos (use lib/rvos)")
    return problems


def rule_no_syscall_wrapper_files_in_user(root):
    """Milestone 5: no program carries its own syscall wrappers."""
    problems = []
    user = root / "user"
    if user.exists():
        for path in sorted(user.rglob("*")):
            if path.is_file() and re.match(r"syscalls?[._]", path.name):
                problems.append(f"{rel(root, path)}:1: syscall wrapper file in a user program (use lib/rvos)")
    return problems


# Directories under user/ that build a library for programs, not a program.
USER_LIBRARY_DIRS = {"user/tests/kit"}


def program_makefiles(root):
    """The Makefile of every user program: user/<name> and user/tests/<name>."""
    user = root / "user"
    if not user.exists():
        return []
    return [m for m in sorted(user.rglob("Makefile")) if rel(root, m.parent) not in USER_LIBRARY_DIRS]


def rule_programs_link_rvos(root):
    """Milestone 5: every user program's Makefile links lib/rvos."""
    problems = []
    for makefile in program_makefiles(root):
        text = makefile.read_text()
        libs = re.search(r"^LIBS\s*:?=\s*(.*)$", text, re.M)
        if not libs or "rvos" not in libs.group(1).split():
            problems.append(f"{rel(root, makefile)}:1: program does not link lib/rvos (LIBS := rvos)")
        includes = re.findall(r"^include\s+(\S*program\.mk)\s*$", text, re.M)
        if not any((makefile.parent / inc).resolve() == (root / "user/program.mk").resolve() for inc in includes):
            problems.append(f"{rel(root, makefile)}:1: program does not use user/program.mk")
    return problems


def rule_page_table_frees_only_explicitly(root):
    """Milestone 6: the page-table destructor frees nothing, free() is explicit,
    and no code works around a destructor."""
    problems = []
    header = root / "kernel/mm/page_table.h"
    if not header.exists():
        return ["kernel/mm/page_table.h:1: page-table header missing"]
    text = header.read_text()
    destructor = re.search(r"~PageTable\(\)\s*(=\s*default\s*;|\{\s*\})", text)
    if not destructor:
        problems.append("kernel/mm/page_table.h:1: ~PageTable() must be `= default` or empty (it frees nothing)")
    if not re.search(r"\bvoid\s+free\(\)\s*;", text):
        problems.append("kernel/mm/page_table.h:1: PageTable needs an explicit `void free();`")
    workaround = re.compile(
        r"(PageTable[^;\n]*\b(release|leak|into_raw|forget)\s*\()"
        r"|(\b(release|leak|into_raw|forget)\w*\s*\([^)]*PageTable)"
        r"|(new\s*\([^)]*\)\s*(mm::)?PageTable)"
        r"|(new\s+(mm::)?PageTable\b)"
        r"|(mem::forget)"
    )
    for path in sources(root, "kernel"):
        for number, line in code_lines(path):
            if workaround.search(line):
                problems.append(f"{rel(root, path)}:{number}: works around the PageTable destructor")
    return problems


def rule_init_has_one_service_handler(root):
    """Milestone 4: init has one generic service handler, no per-service copies."""
    problems = []
    init = root / "kernel/services/init.cpp"
    if not init.exists():
        return ["kernel/services/init.cpp:1: init missing"]
    definitions = []
    for number, line in code_lines(init):
        match = re.match(r"^\s*(?:static\s+)?[\w:<>]+\s+(handle_\w*_request)\s*\(", line)
        if match and not line.rstrip().endswith(";"):
            definitions.append((number, match.group(1)))
    service_handlers = [d for d in definitions if d[1] != "handle_request"]
    if len(service_handlers) != 1 or service_handlers[0][1] != "handle_service_request":
        for number, name in service_handlers:
            if name != "handle_service_request":
                problems.append(f"kernel/services/init.cpp:{number}: per-service handler {name} (use the table)")
        if not any(name == "handle_service_request" for _, name in service_handlers):
            problems.append("kernel/services/init.cpp:1: no generic handle_service_request")
    return problems


# The milestone's minimums (not the ABI's values, which abi.py reads).
LIMITS = {"kMaxHandles": 32, "kMaxChannels": 64, "kMaxServices": 8, "kQueueDepth": 1}


def rule_abi_limits_meet_milestone(root):
    """Milestone 1 and 2: the limits, defined once in the ABI header."""
    problems = []
    abi = root / "lib/abi/abi.h"
    if not abi.exists():
        return ["lib/abi/abi.h:1: ABI header missing"]
    declared = abi_header.load(abi)
    for name, minimum in LIMITS.items():
        if name not in declared.limits:
            problems.append(f"lib/abi/abi.h:1: {name} is not defined")
        elif declared.limits[name] < minimum:
            problems.append(f"lib/abi/abi.h:{declared.lines[name]}: {name} = {declared.limits[name]} is below {minimum}")
    for path in sources(root):
        if rel(root, path) == "lib/abi/abi.h":
            continue
        for number, line in code_lines(path):
            if re.search(r"\b(constexpr|#define)\b.*\b(MAX_HANDLES|MAX_CHANNELS|MAX_SERVICES|QUEUE_DEPTH|kMaxHandles|kMaxChannels|kMaxServices|kQueueDepth)\b\s*=?\s*\d", line):
                problems.append(f"{rel(root, path)}:{number}: limit defined outside lib/abi/abi.h")
    return problems


def rule_protocols_declared_once(root):
    """Every service protocol is one lib/proto/<name>.proto that compiles, and
    its page in docs/protocols/ is what the compiler makes of it now. No
    source outside lib/proto defines protocol ordinals by hand."""
    problems = []
    for proto in sorted((root / "lib/proto").glob("*.proto")):
        name = proto.stem
        try:
            parsed = protogen.parse(proto.read_text(), rel(root, proto))
        except protogen.ProtoError as e:
            problems.append(f"{rel(root, proto)}:1: {e}")
            continue
        doc = root / "docs/protocols" / f"{name}.md"
        if not doc.exists() or doc.read_text() != protogen.doc(parsed, f"lib/proto/{name}.proto"):
            problems.append(f"docs/protocols/{name}.md:1: out of date with lib/proto/{name}.proto "
                            "(run `make protocol-docs`)")
    for path in sources(root):
        for number, line in code_lines(path):
            if re.search(r"\benum\s+class\s+(Init|Listen|Console|SysInfo|Math|Fs|File)\b", line):
                problems.append(f"{rel(root, path)}:{number}: a hand-written protocol enum (declare it in lib/proto)")
    return problems


RULES = [
    rule_ecall_only_in_kernel_and_rvos,
    rule_no_syscall_wrapper_files_in_user,
    rule_programs_link_rvos,
    rule_page_table_frees_only_explicitly,
    rule_init_has_one_service_handler,
    rule_abi_limits_meet_milestone,
    rule_protocols_declared_once,
]


def run(root):
    problems = []
    for rule in RULES:
        problems.extend(rule(root))
    return problems


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    problems = run(root)
    for problem in problems:
        print(problem)
    print(f"lint: {len(RULES)} rules, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
