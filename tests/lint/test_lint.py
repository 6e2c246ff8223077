"""Each lint rule fires on a small bad example, so the lint cannot silently
pass everything; and the real tree is clean."""
import pathlib
import re
import shutil
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "harness"))
import lint  # noqa: E402


@pytest.fixture
def tree(tmp_path):
    """A copy of the project's sources, to break one rule at a time."""
    for part in ("kernel", "lib", "user", "docs"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def test_real_tree_is_clean():
    assert lint.run(ROOT) == []


def test_copied_tree_is_clean(tree):
    assert lint.run(tree) == []


def test_ecall_in_a_user_program_is_reported(tree):
    (tree / "user/shell/raw.cpp").write_text('void f() { asm volatile("ecall"); }\n')
    problems = lint.rule_ecall_only_in_kernel_and_rvos(tree)
    assert problems and problems[0].startswith("user/shell/raw.cpp:1:")


def test_ecall_in_a_comment_is_not_reported(tree):
    (tree / "user/shell/note.cpp").write_text("// we never ecall here\n")
    assert lint.rule_ecall_only_in_kernel_and_rvos(tree) == []


def test_syscall_wrapper_file_in_user_is_reported(tree):
    (tree / "user/fs/syscall.rs").write_text("// old wrappers\n")
    assert lint.rule_no_syscall_wrapper_files_in_user(tree) == [
        "user/fs/syscall.rs:1: syscall wrapper file in a user program (use lib/rvos)"
    ]


def test_program_not_linking_rvos_is_reported(tree):
    (tree / "user/hello/Makefile").write_text("PROGRAM := hello\nLIBS :=\ninclude ../program.mk\n")
    problems = lint.rule_programs_link_rvos(tree)
    assert any(p.startswith("user/hello/Makefile:1: program does not link lib/rvos") for p in problems)


def test_syscall_wrapper_file_in_a_test_program_is_reported(tree):
    (tree / "user/tests/limits/syscalls.cpp").write_text("// old wrappers\n")
    assert lint.rule_no_syscall_wrapper_files_in_user(tree) == [
        "user/tests/limits/syscalls.cpp:1: syscall wrapper file in a user program (use lib/rvos)"
    ]


def test_test_program_not_linking_rvos_is_reported(tree):
    (tree / "user/tests/limits/Makefile").write_text("PROGRAM := limits\nLIBS :=\ninclude ../../program.mk\n")
    assert lint.rule_programs_link_rvos(tree) == [
        "user/tests/limits/Makefile:1: program does not link lib/rvos (LIBS := rvos)"
    ]


def test_test_program_not_using_program_mk_is_reported(tree):
    # ../program.mk from user/tests/<name> is not user/program.mk.
    (tree / "user/tests/limits/Makefile").write_text("PROGRAM := limits\nLIBS := rvos\ninclude ../program.mk\n")
    assert lint.rule_programs_link_rvos(tree) == [
        "user/tests/limits/Makefile:1: program does not use user/program.mk"
    ]


def test_page_table_destructor_that_frees_is_reported(tree):
    header = tree / "kernel/mm/page_table.h"
    header.write_text(header.read_text().replace("~PageTable() = default;", "~PageTable() { free(); }"))
    assert any("must be `= default` or empty" in p for p in lint.rule_page_table_frees_only_explicitly(tree))


def test_page_table_without_explicit_free_is_reported(tree):
    header = tree / "kernel/mm/page_table.h"
    header.write_text(header.read_text().replace("void free();", "void drop_all();"))
    assert any("explicit `void free();`" in p for p in lint.rule_page_table_frees_only_explicitly(tree))


@pytest.mark.parametrize(
    "workaround",
    [
        "auto* leaked = new PageTable(table);",
        "new (&storage) mm::PageTable(table);",
        "leak_page_table(PageTable(root));",
        "PageTable(root).into_raw();",
    ],
)
def test_page_table_destructor_workarounds_are_reported(tree, workaround):
    (tree / "kernel/mm/hack.cpp").write_text(f"void f() {{ {workaround} }}\n")
    problems = lint.rule_page_table_frees_only_explicitly(tree)
    assert problems == ["kernel/mm/hack.cpp:1: works around the PageTable destructor"]


def test_per_service_handler_in_init_is_reported(tree):
    init = tree / "kernel/services/init.cpp"
    init.write_text(init.read_text() + "\nvoid handle_math_request(Handle client) {\n}\n")
    problems = lint.rule_init_has_one_service_handler(tree)
    assert any("per-service handler handle_math_request" in p for p in problems)


def test_missing_generic_handler_is_reported(tree):
    init = tree / "kernel/services/init.cpp"
    init.write_text(init.read_text().replace("handle_service_request", "connect_somehow"))
    assert any("no generic handle_service_request" in p for p in lint.rule_init_has_one_service_handler(tree))


@pytest.mark.parametrize("name,low", [("kMaxHandles", 16), ("kMaxChannels", 32), ("kMaxServices", 4)])
def test_limits_below_milestone_are_reported(tree, name, low):
    abi = tree / "lib/abi/abi.h"
    abi.write_text(re.sub(rf"\b{name}\s*=\s*\d+", f"{name} = {low}", abi.read_text()))
    problems = lint.rule_abi_limits_meet_milestone(tree)
    assert any(f"{name} = {low} is below" in p for p in problems)


def test_limit_below_milestone_as_an_expression_is_reported(tree):
    abi = tree / "lib/abi/abi.h"
    abi.write_text(re.sub(r"\bkMaxChannels\s*=\s*\d+", "kMaxChannels = 4 * 8", abi.read_text()))
    problems = lint.rule_abi_limits_meet_milestone(tree)
    assert any(p.startswith("lib/abi/abi.h:") and "kMaxChannels = 32 is below 64" in p for p in problems)


def test_missing_queue_depth_is_reported(tree):
    abi = tree / "lib/abi/abi.h"
    abi.write_text(abi.read_text().replace("kQueueDepth", "kSomethingElse"))
    assert any("kQueueDepth is not defined" in p for p in lint.rule_abi_limits_meet_milestone(tree))


def test_limit_defined_twice_is_reported(tree):
    (tree / "user/shell/limits.h").write_text("constexpr int kMaxHandles = 16;\n")
    assert any(p.startswith("user/shell/limits.h:1: limit defined outside") for p in lint.rule_abi_limits_meet_milestone(tree))


def test_stale_protocol_doc_is_reported(tree):
    proto = tree / "lib/proto/math.proto"
    proto.write_text(proto.read_text() + "call Div = 4 (a: u32, b: u32) -> (result: u32)\n")
    problems = lint.rule_protocols_declared_once(tree)
    assert problems == ["docs/protocols/math.md:1: out of date with lib/proto/math.proto (run `make protocol-docs`)"]


def test_malformed_protocol_is_reported(tree):
    (tree / "lib/proto/bad.proto").write_text("protocol bad\ncall X = 1 (a: float) -> ()\n")
    problems = lint.rule_protocols_declared_once(tree)
    assert any(p.startswith("lib/proto/bad.proto:1:") and "unknown type" in p for p in problems), problems


def test_hand_written_protocol_enum_is_reported(tree):
    (tree / "user/shell/proto.h").write_text("enum class Math : uint32_t { Add = 1 };\n")
    problems = lint.rule_protocols_declared_once(tree)
    assert problems == ["user/shell/proto.h:1: a hand-written protocol enum (declare it in lib/proto)"]
