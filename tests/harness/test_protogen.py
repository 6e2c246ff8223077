"""harness/protogen.py, the protocol compiler: it refuses every malformed
declaration with a message naming the line, escapes C++ keywords, keeps
handles findable however deeply a struct nests them, `check` tells a stale
doc from a fresh one, and every real lib/proto/*.proto compiles — to a
header the host C++ compiler accepts, when one is installed."""
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "harness"))
import protogen  # noqa: E402

PROTOGEN = ROOT / "harness" / "protogen.py"
REAL_PROTOS = sorted((ROOT / "lib" / "proto").glob("*.proto"))
CXX = shutil.which("g++")


def proto(body):
    return "protocol t\n" + body + "\n"


# ---- Malformed declarations -------------------------------------------------------

BAD = {
    "unknown type": ("call A = 1 (x: u31) -> ()", "unknown type"),
    "unknown struct": ("call A = 1 (x: Later) -> ()\nstruct Later (y: u8)", "unknown type"),
    "str without a bound": ("call A = 1 (s: str) -> ()", "needs a bound"),
    "bytes without a bound": ("call A = 1 () -> (b: bytes)", "needs a bound"),
    "repeated ordinal": ("call A = 1 () -> ()\ncall B = 1 () -> ()", "ordinal 1"),
    "repeated ordinal, call and event": ("call A = 7 () -> ()\nevent B = 7 ()", "ordinal 7"),
    "ordinal 0": ("call A = 0 () -> ()", "ordinal 0"),
    "ordinal 2^31": ("call A = 2147483648 () -> ()", "ordinal 2147483648"),
    "ordinal far past 2^31": ("event A = 99999999999 ()", "ordinal 99999999999"),
    "negative ordinal": ("call A = -1 () -> ()", "cannot parse"),
    "event with a reply": ("event E = 1 () -> ()", "an event has no reply"),
    "call without a reply": ("call C = 1 (a: u8)", "needs '-> (...)'"),
    "repeated request field": ("call A = 1 (x: u8, x: u32) -> ()", "repeats"),
    "repeated reply field": ("call A = 1 () -> (x: u8, x: str[4])", "repeats"),
    "repeated struct field": ("struct S (x: u8, x: u8)", "repeats"),
    "struct with a handle in an array": ("struct S (h: handle)\ncall A = 1 (s: S[4]) -> ()", "cannot carry handles"),
    "struct with a handle array in an array": ("struct S (h: handle[2])\ncall A = 1 () -> (s: S[4])",
                                               "cannot carry handles"),
    "struct nesting a handle in an array": ("struct In (h: handle)\nstruct Out (i: In)\ncall A = 1 (o: Out[4]) -> ()",
                                            "cannot carry handles"),
    "bad field syntax": ("call A = 1 (x u8) -> ()", "bad field"),
    "garbage line": ("whatever this is", "cannot parse"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_malformed_construct_is_a_parse_error_naming_its_line(name):
    body, message = BAD[name]
    with pytest.raises(protogen.ProtoError) as error:
        protogen.parse(proto(body), "t.proto")
    assert message in str(error.value)
    assert str(error.value).startswith("t.proto:")


def test_a_declaration_before_the_protocol_line_is_an_error():
    with pytest.raises(protogen.ProtoError, match="must come first"):
        protogen.parse("call A = 1 () -> ()\nprotocol t\n", "t.proto")
    with pytest.raises(protogen.ProtoError, match="no 'protocol' line"):
        protogen.parse("# just a comment\n", "t.proto")


def test_the_edges_of_the_valid_ordinals_are_accepted():
    parsed = protogen.parse(proto("call A = 1 () -> ()\nevent B = 2147483647 ()"))
    assert [i.ordinal for i in parsed.items] == [1, 2147483647]


@pytest.mark.parametrize("name", ["A", "B", "Item"])
def test_a_repeated_message_or_struct_name_is_an_error(name):
    bodies = {
        "A": "call A = 1 () -> ()\ncall A = 2 () -> ()",
        "B": "struct B (x: u8)\nstruct B (y: u8)",
        # ItemRequest would be defined twice in the header.
        "Item": "struct ItemRequest (x: u8)\ncall Item = 1 () -> ()",
    }
    with pytest.raises(protogen.ProtoError, match="repeats"):
        protogen.parse(proto(bodies[name]), "t.proto")


@pytest.mark.parametrize("fields", ["x: u8[4], x_count: u32", "hs: handle[2], hs_count: u8", "class: u8, class_: u8"])
def test_fields_whose_cpp_members_collide_are_an_error(fields):
    with pytest.raises(protogen.ProtoError, match="repeats"):
        protogen.parse(proto(f"call A = 1 ({fields}) -> ()"), "t.proto")


def test_structs_with_handles_are_allowed_outside_arrays():
    protogen.parse(proto("struct S (h: handle)\ncall A = 1 (s: S) -> (t: S)"))


# ---- Names ------------------------------------------------------------------------------

@pytest.mark.parametrize("message,function", [
    ("Register", "register_"), ("Delete", "delete_"), ("New", "new_"), ("Default", "default_"),
    ("Switch", "switch_"), ("Export", "export_"), ("Private", "private_"), ("Typename", "typename_"),
    ("Mkdir", "mkdir"), ("ReadDir", "read_dir"), ("WatchInterrupts", "watch_interrupts"), ("Open", "open"),
])
def test_message_functions_are_snake_case_and_keywords_get_an_underscore(message, function):
    assert protogen.snake(message) == function


def test_the_stubs_and_the_dispatch_use_the_escaped_name():
    header = protogen.header(protogen.parse(proto("call Register = 1 () -> ()\ncall Delete = 2 () -> ()")), "t.proto")
    assert "inline base::ErrorOr<RegisterReply> register_(" in header
    assert "inline Error register_send(" in header
    assert "register_receive(" in header
    assert "handler.register_(client, request, reply)" in header
    assert "handler.delete_(client, request, reply)" in header
    assert " register(" not in header and " delete(" not in header


def test_keyword_field_names_get_an_underscore_in_cpp_only():
    parsed = protogen.parse(proto("call A = 1 (class: u8, new: str[4], default: handle, int: u8[2]) -> ()"))
    header = protogen.header(parsed, "t.proto")
    for member in ("uint8_t class_{};", "Str new_;", "Handle default_ = kNoHandle;", "uint8_t int_[2]",
                   "uint32_t int_count = 0;"):
        assert member in header
    assert "codec.u8(m.class_);" in header
    assert "visit(m.default_);" in header
    # The wire format and the doc keep the declared names.
    assert "`class: u8`" in protogen.doc(parsed, "t.proto")


# ---- Handles inside structs ---------------------------------------------------------------

def test_handles_nested_in_structs_are_visited():
    header = protogen.header(protogen.parse(proto(
        "struct In (h: handle, n: u32)\nstruct Out (i: In, hs: handle[2])\ncall A = 1 (o: Out) -> (i: In)")), "t.proto")
    request = header[header.index("struct ARequest"):header.index("struct AReply")]
    assert "for_each_handle(m.o, visit);" in request
    reply = header[header.index("struct AReply"):]
    assert "for_each_handle(m.i, visit);" in reply
    out = header[header.index("struct Out"):header.index("struct ARequest")]
    assert "for_each_handle(m.i, visit);" in out
    # A struct without handles is not visited.
    plain = protogen.header(protogen.parse(proto("struct P (n: u32)\ncall A = 1 (p: P, q: P[3]) -> ()")), "t.proto")
    assert "for_each_handle(m.p" not in plain and "for_each_handle(m.q" not in plain


# ---- The command line ---------------------------------------------------------------

def run(*args):
    return subprocess.run([sys.executable, str(PROTOGEN), *map(str, args)], capture_output=True, text=True)


def test_check_fails_on_a_stale_doc_and_passes_on_a_fresh_one(tmp_path):
    source = tmp_path / "t.proto"
    doc = tmp_path / "t.md"
    source.write_text(proto("# Adds.\ncall Add = 1 (a: u32) -> (b: u32)"))
    assert run("check", source, doc).returncode == 1  # missing
    assert run("doc", source, doc).returncode == 0
    result = run("check", source, doc)
    assert result.returncode == 0, result.stderr
    source.write_text(proto("# Adds.\ncall Add = 1 (a: u32, c: u32) -> (b: u32)"))
    result = run("check", source, doc)
    assert result.returncode == 1
    assert "out of date" in result.stderr
    assert run("doc", source, doc).returncode == 0
    assert run("check", source, doc).returncode == 0
    doc.write_text(doc.read_text() + "\nhand edit\n")
    assert run("check", source, doc).returncode == 1


def test_a_bad_proto_exits_1_and_bad_usage_2(tmp_path):
    source = tmp_path / "t.proto"
    source.write_text(proto("call A = 0 () -> ()"))
    result = run("header", source, tmp_path / "t.h")
    assert result.returncode == 1
    assert "protogen:" in result.stderr and "ordinal 0" in result.stderr
    assert not (tmp_path / "t.h").exists()
    assert run("header", source).returncode == 2
    assert run("frobnicate", source, tmp_path / "x").returncode == 2


@pytest.mark.parametrize("path", REAL_PROTOS, ids=lambda p: p.name)
def test_every_real_proto_compiles_and_its_doc_is_current(path, tmp_path):
    parsed = protogen.parse(path.read_text(), str(path))
    assert parsed.name == path.stem
    assert any(i.kind in ("call", "event") for i in parsed.items)
    out = tmp_path / f"{path.stem}.h"
    result = run("header", path, out)
    assert result.returncode == 0, result.stderr
    assert f"namespace rvos::proto::{path.stem}" in out.read_text()
    result = run("check", path, ROOT / "docs" / "protocols" / f"{path.stem}.md")
    assert result.returncode == 0, result.stderr


# ---- The generated C++ (needs the host compiler) ------------------------------------------

def compile_and_run(tmp_path, proto_text, main_text):
    if CXX is None:
        pytest.skip("g++ is not installed")
    (tmp_path / "proto").mkdir(exist_ok=True)
    (tmp_path / "proto" / "t.h").write_text(protogen.header(protogen.parse(proto_text), "t.proto"))
    program = tmp_path / "main.cpp"
    program.write_text('#include "proto/t.h"\n' + main_text)
    binary = tmp_path / "main"
    build = subprocess.run([CXX, "-std=c++20", "-DRVOS_HOSTED", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'lib'}",
                            f"-I{tmp_path}", str(program), str(ROOT / "lib" / "base" / "string.cpp"), "-o", str(binary)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    return subprocess.run([str(binary)], capture_output=True, text=True)


def test_real_headers_are_valid_cpp(tmp_path):
    if CXX is None:
        pytest.skip("g++ is not installed")
    for path in REAL_PROTOS:
        (tmp_path / "proto").mkdir(exist_ok=True)
        (tmp_path / "proto" / f"{path.stem}.h").write_text(protogen.header(protogen.parse(path.read_text()), path.name))
    program = tmp_path / "all.cpp"
    program.write_text("".join(f'#include "proto/{p.stem}.h"\n' for p in REAL_PROTOS))
    result = subprocess.run([CXX, "-std=c++20", "-DRVOS_HOSTED", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
                             f"-I{ROOT / 'lib'}", f"-I{tmp_path}", str(program)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_keyword_names_compile(tmp_path):
    result = compile_and_run(tmp_path, proto(
        "struct Default (class: u8, new: str[8])\n"
        "call Register = 1 (delete: Default, switch: u32[2], this: handle) -> (operator: bytes[4])\n"
        "event New = 2 (private: bool)"),
        "int main() { rvos::proto::t::RegisterRequest r; r.delete_.class_ = 1; r.this_ = 3;\n"
        "  int n = 0; for_each_handle(r, [&](rvos::Handle& h) { n += h; }); return n == 3 ? 0 : 1; }\n")
    assert result.returncode == 0


def test_a_handle_nested_in_a_struct_is_closed_with_its_message(tmp_path):
    # The dispatcher and the client stubs find a message's handles with
    # for_each_handle; one it misses is never closed.
    result = compile_and_run(tmp_path, proto(
        "struct In (h: handle, n: u32)\nstruct Out (i: In, hs: handle[2])\ncall A = 1 (o: Out) -> (i: In)"),
        "#include <cstdio>\n"
        "int main() { rvos::proto::t::ARequest r; r.o.i.h = 5; r.o.hs_count = 2; r.o.hs[0] = 6; r.o.hs[1] = 7;\n"
        "  int sum = 0; for_each_handle(r, [&](rvos::Handle& h) { sum += h; });\n"
        "  const rvos::proto::t::ARequest& c = r; for_each_handle(c, [&](rvos::Handle h) { sum += h; });\n"
        "  rvos::proto::t::AReply p; p.i.h = 9; for_each_handle(p, [&](rvos::Handle& h) { sum += h; });\n"
        "  std::printf(\"%d\\n\", sum); return sum == 2 * 18 + 9 ? 0 : 1; }\n")
    assert result.returncode == 0, result.stdout


def test_arrays_of_scalars_round_trip_and_are_validated(tmp_path):
    # u32[N] and bool[N] parse, so they must encode and decode too.
    result = compile_and_run(tmp_path, proto("call A = 1 (xs: u32[3], flags: bool[2]) -> ()"), r"""
#include <cstring>
using namespace rvos::proto;
int main() {
    t::ARequest a;
    a.xs_count = 3; a.xs[0] = 1; a.xs[1] = 0xdeadbeef; a.xs[2] = 7;
    a.flags_count = 2; a.flags[1] = true;
    InlineBuffer<64> buffer;
    Encoder encoder(buffer);
    encode(encoder, a);
    if (!encoder.ok() || buffer.length != 4 + 12 + 4 + 2) return 1;
    t::ARequest b;
    Decoder decoder(buffer);
    decode(decoder, b);
    if (!decoder.finish() || b.xs_count != 3 || b.xs[1] != 0xdeadbeef || b.flags_count != 2 || !b.flags[1] || b.flags[0])
        return 2;
    buffer.data[buffer.length - 1] = 2;  // a bool of 2
    t::ARequest c;
    Decoder strict(buffer);
    decode(strict, c);
    if (strict.finish()) return 3;
    return 0;
}
""")
    assert result.returncode == 0


RUNTIME_NAMES = ["Call", "SendRequest", "ReceiveReply", "SendEvent", "ServeCall", "ServeEvent", "SendReply",
                 "ReplyStatus", "CloseAll", "CloseHandles", "Dispatch", "Encode", "Decode", "ForEachHandle"]


def test_messages_named_like_the_runtime_compile(tmp_path):
    # A stub named send_event or reply_status must not hide the runtime
    # function the generated code calls.
    text = "".join(f"call {n} = {i + 1} (h: handle, s: str[4]) -> (r: handle)\n" for i, n in enumerate(RUNTIME_NAMES))
    text += "event SendEventToo = 100 (h: handle)\n"
    fns = [protogen.snake(n) for n in RUNTIME_NAMES]
    methods = "".join(f"  template <class A, class B> rvos::Error {f}(rvos::Handle, A&, B&) {{ return rvos::Error::None; }}\n"
                      for f in fns)
    uses = "".join(f"  (void){f}<Ipc>(1, {n}Request{{}}, b); (void){f.rstrip('_')}_send<Ipc>(1, {n}Request{{}});\n"
                   f"  (void){f.rstrip('_')}_receive<Ipc>(1, b);\n" for n, f in zip(RUNTIME_NAMES, fns))
    result = compile_and_run(tmp_path, proto(text), f"""
using namespace rvos::proto::t;
struct Ipc {{
  static rvos::Error write(rvos::Handle, const rvos::proto::Buffer&) {{ return rvos::Error::None; }}
  static rvos::Error read(rvos::Handle, rvos::proto::Buffer&) {{ return rvos::Error::PeerClosed; }}
  static void close(rvos::Handle) {{}}
}};
struct Server {{
  using Ipc = ::Ipc;
  rvos::proto::InlineBuffer<256> o;
  rvos::Error reply(rvos::Handle, const rvos::proto::Buffer&) {{ return rvos::Error::None; }}
  rvos::proto::Buffer& out() {{ return o; }}
}};
struct Handler {{
{methods}  template <class A> void send_event_too(rvos::Handle, A&) {{}}
}};
int main() {{
  rvos::proto::InlineBuffer<256> b;
  Server server;
  Handler handler;
  dispatch(server, 1, b, handler);
{uses}  (void)send_send_event_too<Ipc>(1, SendEventToo{{}});
  return 0;
}}
""")
    assert result.returncode == 0
