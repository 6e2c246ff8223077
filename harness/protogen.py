#!/usr/bin/env python3
"""protogen: the protocol compiler. Each service protocol is declared once,
in lib/proto/<name>.proto; this script turns a declaration into

  - a C++ header (build/gen/proto/<name>.h): request, reply and event
    structs, their encoders and validating decoders, client stubs and the
    server dispatch, all on the runtime in lib/proto/codec.h;
  - a page for readers (docs/protocols/<name>.md).

The declaration language, one item per line ('#' starts a comment; comments
right above an item document it):

    protocol <name>
    struct <Name> (<field>, ...)
    call <Name> = <ordinal> (<field>, ...) -> (<field>, ...)
    event <Name> = <ordinal> (<field>, ...)

A field is `name: type`, with type one of u8 u16 u32 u64 i32 i64 bool,
str[MAX] (text without NUL bytes), bytes[MAX], handle, handle[MAX], a
struct name, or an array <scalar>[MAX] or <Struct>[MAX]. MAX is a number
or a constant of lib/abi/abi.h or lib/abi/protocol.h.

Usage: protogen.py header <file.proto> <out.h>
       protogen.py doc <file.proto> <out.md>
       protogen.py check <file.proto> <doc.md>   (exit 1 if the doc is stale)
"""

import re
import sys
from dataclasses import dataclass, field

SCALARS = {"u8": ("uint8_t", 1), "u16": ("uint16_t", 2), "u32": ("uint32_t", 4), "u64": ("uint64_t", 8),
           "i32": ("int32_t", 4), "i64": ("int64_t", 8), "bool": ("bool", 1)}


class ProtoError(Exception):
    pass


@dataclass
class Field:
    name: str
    base: str          # scalar name, "str", "bytes", "handle" or a struct name
    bound: str = ""    # MAX for str/bytes/arrays
    array: bool = False

    @property
    def cpp(self):
        """The member's name in C++ (a keyword gets a '_'); an array's count is <name>_count."""
        return cpp_name(self.name)


@dataclass
class Item:
    kind: str          # struct, call, event
    name: str
    ordinal: int = 0
    request: list = field(default_factory=list)
    reply: list = field(default_factory=list)
    doc: list = field(default_factory=list)


@dataclass
class Protocol:
    name: str = ""
    doc: list = field(default_factory=list)
    items: list = field(default_factory=list)

    def structs(self):
        return {i.name: i for i in self.items if i.kind == "struct"}


FIELD = re.compile(r"^(\w+)\s*:\s*(\w+)(?:\[(\w+)\])?$")
ITEM = re.compile(r"^(call|event)\s+(\w+)\s*=\s*(\d+)\s*\((.*?)\)\s*(?:->\s*\((.*)\))?$")
STRUCT = re.compile(r"^struct\s+(\w+)\s*\((.*)\)$")


def carries_handles(f, structs):
    """Whether a field is or holds a handle, however deep in structs."""
    if f.base == "handle":
        return True
    return f.base in structs and any(carries_handles(x, structs) for x in structs[f.base].request)


def parse_fields(text, structs, where):
    fields = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        m = FIELD.match(part)
        if not m:
            raise ProtoError(f"{where}: bad field {part!r}")
        name, base, bound = m[1], m[2], m[3] or ""
        if base in SCALARS or base in structs:
            f = Field(name, base, bound, array=bool(bound))
        elif base in ("str", "bytes"):
            if not bound:
                raise ProtoError(f"{where}: {base} needs a bound: {part!r}")
            f = Field(name, base, bound)
        elif base == "handle":
            f = Field(name, base, bound, array=bool(bound))
        else:
            raise ProtoError(f"{where}: unknown type {base!r}")
        if f.array and base in structs and carries_handles(f, structs):
            raise ProtoError(f"{where}: structs in arrays cannot carry handles")
        fields.append(f)
    # The members the struct will have: a repeat, or a field named like an
    # array's count (x: u8[4], x_count: u32), would not compile.
    names = [f.name for f in fields] + [f.cpp for f in fields if f.cpp != f.name]
    names += [f"{f.name}_count" for f in fields if f.array]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ProtoError(f"{where}: a field name repeats: {repeated[0]}")
    return fields


def parse(text, path="<proto>"):
    proto = Protocol()
    comment = []
    ordinals = set()
    declared = set()  # the C++ types the header will define

    def declare(names, where):
        for name in names:
            if name in declared:
                raise ProtoError(f"{where}: the name {name} repeats")
            declared.add(name)
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        where = f"{path}:{number}"
        if line.startswith("#"):
            comment.append(line[1:].strip())
            continue
        if not line:
            if not proto.name and comment:
                proto.doc, comment = comment, []
            continue
        if line.startswith("protocol "):
            proto.name = line.split()[1]
            if not proto.doc:
                proto.doc = comment
            comment = []
            continue
        if not proto.name:
            raise ProtoError(f"{where}: 'protocol <name>' must come first")
        m = STRUCT.match(line)
        if m:
            declare([m[1]], where)
            proto.items.append(Item("struct", m[1], request=parse_fields(m[2], proto.structs(), where),
                                    doc=comment))
            comment = []
            continue
        m = ITEM.match(line)
        if not m:
            raise ProtoError(f"{where}: cannot parse {line!r}")
        kind, name, ordinal = m[1], m[2], int(m[3])
        if ordinal in ordinals or ordinal <= 0 or ordinal >= 0x8000_0000:
            raise ProtoError(f"{where}: ordinal {ordinal} repeats or is out of range")
        ordinals.add(ordinal)
        declare([name, f"{name}Request", f"{name}Reply", f"{name}ReplyBuffer"] if kind == "call" else [name], where)
        if kind == "event" and m[5] is not None:
            raise ProtoError(f"{where}: an event has no reply")
        if kind == "call" and m[5] is None:
            raise ProtoError(f"{where}: a call needs '-> (...)'")
        item = Item(kind, name, ordinal, parse_fields(m[4], proto.structs(), where),
                    parse_fields(m[5] or "", proto.structs(), where), comment)
        proto.items.append(item)
        comment = []
    if not proto.name:
        raise ProtoError(f"{path}: no 'protocol' line")
    return proto


# Every C++20 keyword and alternative token, and the names a generated
# struct declares itself.
CPP_KEYWORDS = set("""
    alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t char32_t class
    compl concept const consteval constexpr constinit const_cast continue co_await co_return co_yield decltype
    default delete do double dynamic_cast else enum explicit export extern false float for friend goto if inline
    int long mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected public register
    reinterpret_cast requires return short signed sizeof static static_assert static_cast struct switch template
    this thread_local throw true try typedef typeid typename union unsigned using virtual void volatile wchar_t
    while xor xor_eq kOrdinal kMaxBytes""".split())


def cpp_name(word):
    """A name as C++ spells it: C++ keywords get a trailing '_'."""
    return word + "_" if word in CPP_KEYWORDS else word


def snake(name):
    """A message's function name: ReadDir -> read_dir; C++ keywords get a '_'."""
    return cpp_name(re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower())


def bound_expr(bound):
    return bound if bound.isdigit() else f"::rvos::proto::limit::{bound}"


# ---- C++ ----------------------------------------------------------------------------

def cpp_member(f, structs):
    if f.base == "str":
        return f"Str {f.cpp};"
    if f.base == "bytes":
        return f"Bytes {f.cpp};"
    if f.base == "handle":
        if f.array:
            return f"Handle {f.cpp}[{bound_expr(f.bound)}] = {{}};\n    uint32_t {f.name}_count = 0;"
        return f"Handle {f.cpp} = kNoHandle;"
    ctype = SCALARS[f.base][0] if f.base in SCALARS else f.base
    if f.array:
        return f"{ctype} {f.cpp}[{bound_expr(f.bound)}] = {{}};\n    uint32_t {f.name}_count = 0;"
    return f"{ctype} {f.cpp}{{}};"


def max_bytes(fields, structs):
    parts = []
    for f in fields:
        if f.base in SCALARS:
            one = str(SCALARS[f.base][1])
        elif f.base == "str":
            one = f"(4 + {bound_expr(f.bound)} + 1)"
        elif f.base == "bytes":
            one = f"(4 + {bound_expr(f.bound)})"
        elif f.base == "handle":
            one = "0"
        else:
            one = f"{f.base}::kMaxBytes"
        if f.array:
            parts.append(f"(4 + {bound_expr(f.bound)} * {one})")
        elif f.base in ("str", "bytes"):
            parts.append(one)
        else:
            parts.append(one)
    return " + ".join(parts) if parts else "0"


def fixed_parts(f, structs, prefix="m."):
    """A field as the integers it is made of, [(member, C++ type, size, scalar)], when
    its size is fixed (an integer, or a struct of them, however deep);
    None for anything else (bool, which the decoder checks, str, bytes,
    handles, arrays)."""
    if f.array:
        return None
    if f.base in SCALARS and f.base != "bool":
        return [(prefix + f.cpp, SCALARS[f.base][0], SCALARS[f.base][1], f.base)]
    if f.base in structs:
        parts = []
        for x in structs[f.base].request:
            inner = fixed_parts(x, structs, f"{prefix}{f.cpp}.")
            if inner is None:
                return None
            parts += inner
        return parts
    return None


def fixed_run_lines(parts, op):
    """A run of fixed-size integers moved with one bounds check (the
    codec's reserve/take) and a store or load each at its offset. When every
    field sits at an offset its size divides, one test of the run's start
    lets the compiler move each field whole, without a test a field
    (for runs of four fields or more)."""
    size = sum(p[2] for p in parts)
    out = []
    if op == "encode":
        out.append(f"if (uint8_t* at = codec.reserve({size})) {{")
    else:
        out.append(f"if (const uint8_t* at = codec.take({size})) {{")

    def moves(base, indent):
        lines, offset = [], 0
        for member, ctype, width, _ in parts:
            if op == "encode":
                lines.append(f"{indent}store_le<{ctype}>({base} + {offset}, {member});")
            else:
                lines.append(f"{indent}{member} = load_le<{ctype}>({base} + {offset});")
            offset += width
        return lines

    offsets, offset = [], 0
    for _, _, width, _ in parts:
        offsets.append((offset, width))
        offset += width
    align = max(w for _, w in offsets)
    # Only for a run of four fields or more: for two or three the second
    # copy makes a small call's stub too big for GCC to inline (math.Add's
    # client cost 3 instructions more with it).
    if len(parts) >= 4 and align > 1 and all(o % w == 0 for o, w in offsets):
        const = "" if op == "encode" else "const "
        out.append(f"    if ((reinterpret_cast<uintptr_t>(at) & {align - 1}) == 0) {{")
        out.append(f"        auto* aligned = static_cast<{const}uint8_t*>(__builtin_assume_aligned(at, {align}));")
        out += moves("aligned", "        ")
        out.append("    } else {")
        out += moves("at", "        ")
        out.append("    }")
    else:
        out += moves("at", "    ")
    out.append("}")
    return out


def codec_lines(fields, op, structs=None):
    """Encoder (op='encode') or decoder (op='decode') statements for fields of m.
    Consecutive fields of fixed size (two or more integers) are moved as one
    run: a reply of attributes checked its room 16 times, field by field."""
    out = []
    structs = structs or {}
    run = []

    def flush():
        if len(run) >= 2:
            out.extend(fixed_run_lines(run, op))
        elif run:
            out.append(f"codec.{run[0][3]}({run[0][0]});")
        run.clear()

    for f in fields:
        parts = fixed_parts(f, structs)
        if parts is not None:
            run.extend(parts)
            continue
        flush()
        if f.base == "handle":
            if f.array:
                out.append(f"codec.handles(m.{f.cpp}, m.{f.name}_count, {bound_expr(f.bound)});")
            else:
                out.append(f"codec.handle(m.{f.cpp});")
        elif f.base == "str":
            out.append(f"codec.str(m.{f.cpp}, {bound_expr(f.bound)});")
        elif f.base == "bytes":
            out.append(f"codec.bytes(m.{f.cpp}, {bound_expr(f.bound)});")
        elif f.array:
            if f.base in SCALARS:
                element = f"codec.{'bool_' if f.base == 'bool' else f.base}(m.{f.cpp}[i]);"
            else:
                element = f"{op}(codec, m.{f.cpp}[i]);"
            out.append(f"codec.count(m.{f.name}_count, {bound_expr(f.bound)});")
            out.append(f"for (uint32_t i = 0; i < m.{f.name}_count && codec.ok(); i++) {element}")
        elif f.base in SCALARS:
            method = "bool_" if f.base == "bool" else f.base
            out.append(f"codec.{method}(m.{f.cpp});")
        else:
            out.append(f"{op}(codec, m.{f.cpp});")
    flush()
    return out


def handle_lines(fields, structs):
    out = []
    for f in fields:
        if f.base in structs and carries_handles(f, structs):  # never an array (parse refuses those)
            out.append(f"for_each_handle(m.{f.cpp}, visit);")
            continue
        if f.base != "handle":
            continue
        if f.array:
            out.append(f"for (uint32_t i = 0; i < m.{f.name}_count; i++) visit(m.{f.cpp}[i]);")
        else:
            out.append(f"visit(m.{f.cpp});")
    return out


def emit_struct(name, fields, structs, ordinal=None, doc=()):
    lines = [f"// {d}" for d in doc]
    lines.append(f"struct {name} {{")
    if ordinal is not None:
        lines.append(f"    static constexpr uint32_t kOrdinal = {ordinal};")
    lines.append(f"    static constexpr size_t kMaxBytes = {max_bytes(fields, structs)};")
    for f in fields:
        lines.append("    " + cpp_member(f, structs))
    lines.append("};")
    for op, codec, const in (("encode", "Encoder", "const "), ("decode", "Decoder", "")):
        body = codec_lines(fields, op, structs)
        lines.append(f"inline void {op}([[maybe_unused]] {codec}& codec, [[maybe_unused]] {const}{name}& m) {{")
        lines += ["    " + b for b in body]
        lines.append("}")
    body = handle_lines(fields, structs)
    for const in ("", "const "):
        lines.append("template <typename Visit>")
        lines.append(f"inline void for_each_handle([[maybe_unused]] {const}{name}& m, [[maybe_unused]] Visit&& visit) {{")
        lines += ["    " + b for b in body]
        lines.append("}")
    return lines


def header(proto, source):
    structs = proto.structs()
    ns = proto.name
    out = [f"// Generated from {source} by harness/protogen.py: the {ns} protocol's",
           "// messages, validating codecs, client stubs and server dispatch. Do not edit;",
           "// change the .proto file.",
           "#pragma once", "", '#include "proto/codec.h"', "", f"namespace rvos::proto::{ns} {{", ""]
    for item in proto.items:
        if item.kind == "struct":
            out += emit_struct(item.name, item.request, structs, doc=item.doc)
        elif item.kind == "call":
            out += emit_struct(f"{item.name}Request", item.request, structs, item.ordinal, item.doc)
            out += emit_struct(f"{item.name}Reply", item.reply, structs, item.ordinal)
            out.append(f"using {item.name}ReplyBuffer = InlineBuffer<kReplyHeader + {item.name}Reply::kMaxBytes>;")
            out.append(f"static_assert(kRequestHeader + {item.name}Request::kMaxBytes <= kMaxMessageBytes);")
            out.append(f"static_assert(kReplyHeader + {item.name}Reply::kMaxBytes <= kMaxMessageBytes);")
        else:
            out += emit_struct(item.name, item.request, structs, item.ordinal, item.doc)
            out.append(f"static_assert(kRequestHeader + {item.name}::kMaxBytes <= kMaxMessageBytes);")
        out.append("")
    calls = [i for i in proto.items if i.kind == "call"]
    events = [i for i in proto.items if i.kind == "event"]
    out.append("// ---- Client stubs: send a request, wait for its reply, validate it.")
    for item in calls:
        fn = snake(item.name)
        out.append("template <typename Ipc>")
        out.append(f"inline base::ErrorOr<{item.name}Reply> {fn}(Handle channel, const {item.name}Request& request,")
        out.append(f"                                       Buffer& reply_buffer) {{")
        out.append(f"    return ::rvos::proto::call<Ipc, {item.name}Request, {item.name}Reply>(channel, request, reply_buffer);")
        out.append("}")
        out.append("// The two halves, for a client that waits on other things meanwhile.")
        out.append("template <typename Ipc>")
        out.append(f"inline Error {snake(item.name).rstrip('_')}_send(Handle channel, const {item.name}Request& request) {{")
        out.append(f"    return ::rvos::proto::send_request<Ipc, {item.name}Request>(channel, request);")
        out.append("}")
        out.append("template <typename Ipc>")
        out.append(f"inline base::ErrorOr<{item.name}Reply> {snake(item.name).rstrip('_')}_receive(Handle channel, Buffer& reply_buffer) {{")
        out.append(f"    return ::rvos::proto::receive_reply<Ipc, {item.name}Reply>(channel, reply_buffer);")
        out.append("}")
    for item in events:
        out.append("template <typename Ipc>")
        out.append(f"inline Error send_{snake(item.name).rstrip('_')}(Handle channel, const {item.name}& event) {{")
        out.append(f"    return ::rvos::proto::send_event<Ipc>(channel, event);")
        out.append("}")
    out.append("")
    out.append("// Largest request or event this protocol's servers receive, and largest reply.")
    sizes = [f"{i.name}Request::kMaxBytes" for i in calls] + [f"{i.name}::kMaxBytes" for i in events]
    expr = "0"
    for size in sizes:
        expr = f"base::max<size_t>({expr}, {size})"
    out.append(f"inline constexpr size_t kMaxRequestBytes = kRequestHeader + {expr};")
    expr = "0"
    for size in [f"{i.name}Reply::kMaxBytes" for i in calls]:
        expr = f"base::max<size_t>({expr}, {size})"
    out.append(f"inline constexpr size_t kMaxReplyBytes = kReplyHeader + {expr};")
    out.append("")
    out.append("// ---- Server dispatch: decodes a request, calls the handler's method of the")
    out.append("// same name (snake_case), sends its reply. A request that does not decode")
    out.append("// is answered with BadMessage (BadArgument for a str with a NUL inside); an")
    out.append("// unknown ordinal with Unsupported.")
    out.append("template <typename Server, typename Handler>")
    out.append("inline void dispatch(Server& server, Handle client, Buffer& in, Handler& handler) {")
    out.append("    Decoder codec(in);")
    out.append("    uint32_t ordinal = 0;")
    out.append("    codec.u32(ordinal);")
    out.append("    switch (ordinal) {")
    for item in calls:
        out.append(f"    case {item.name}Request::kOrdinal:")
        out.append(f"        return ::rvos::proto::serve_call<{item.name}Request, {item.name}Reply>(server, client, codec,")
        out.append(f"            [&](auto& request, auto& reply) {{ return handler.{snake(item.name)}(client, request, reply); }});")
    for item in events:
        out.append(f"    case {item.name}::kOrdinal:")
        out.append(f"        return ::rvos::proto::serve_event<{item.name}>(server, codec, [&](auto& event) {{ handler.{snake(item.name)}(client, event); }});")
    out.append("    default:")
    out.append("        return ::rvos::proto::reply_status(server, client, ordinal, codec.ok() ? Error::Unsupported : Error::BadMessage);")
    out.append("    }")
    out.append("}")
    out.append("")
    out.append(f"}}  // namespace rvos::proto::{ns}")
    return "\n".join(out) + "\n"


# ---- Documentation ---------------------------------------------------------------

def type_text(f):
    if f.base in ("str", "bytes"):
        return f"{f.base}[{f.bound}]"
    if f.array:
        return f"{f.base}[{f.bound}]"
    return f.base


def fields_text(fields):
    return ", ".join(f"`{f.name}: {type_text(f)}`" for f in fields) or "—"


def doc(proto, source):
    out = [f"# The `{proto.name}` protocol", "",
           f"Generated from [`{source}`](../../{source}) by `harness/protogen.py`; "
           "edit the `.proto` file, then `make protocol-docs`.", ""]
    out += [" ".join(proto.doc), ""] if proto.doc else []
    out += ["Every message starts with its 32-bit ordinal. A reply carries the request's",
            "ordinal with bit 31 set, then a 32-bit status (0 or an `rvos::Error`), then,",
            "on success only, the reply fields. Integers are little-endian; `str` and",
            "`bytes` are a 32-bit length and the bytes (a `str` also a NUL, and no NUL",
            "inside); arrays a 32-bit count and the elements; handles travel in the",
            "message's handle list, in field order. A message that is short, long, or",
            "carries the wrong number of handles is `BadMessage`; one with a `str` that",
            "has a NUL inside (say, a path) is `BadArgument`.", ""]
    structs = [i for i in proto.items if i.kind == "struct"]
    if structs:
        out += ["## Structures", "", "| struct | fields |", "|---|---|"]
        out += [f"| `{s.name}` | {fields_text(s.request)} |" for s in structs]
        out.append("")
    out += ["## Messages", "", "| ordinal | message | request | reply | meaning |", "|---|---|---|---|---|"]
    for item in proto.items:
        if item.kind == "struct":
            continue
        reply = fields_text(item.reply) if item.kind == "call" else "(event: none)"
        out.append(f"| {item.ordinal} | `{item.name}` | {fields_text(item.request)} | {reply} | {' '.join(item.doc)} |")
    out.append("")
    out.append("Limits named above are defined in `lib/abi/abi.h` and `lib/abi/protocol.h`.")
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) != 4 or argv[1] not in ("header", "doc", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, source, target = argv[1:]
    try:
        with open(source) as f:
            proto = parse(f.read(), source)
    except ProtoError as e:
        print(f"protogen: {e}", file=sys.stderr)
        return 1
    rel = source[source.index("lib/proto/"):] if "lib/proto/" in source else source
    if mode == "header":
        text = header(proto, rel)
    else:
        text = doc(proto, rel)
    if mode == "check":
        try:
            with open(target) as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            print(f"protogen: {target} is out of date with {source} (run `make protocol-docs`)", file=sys.stderr)
            return 1
        return 0
    with open(target, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
