"""harness/abi.py reads the real lib/abi/abi.h correctly, and a small fake
header shows it copes with what the header may grow: new constants and
errors, expressions, and lines it cannot understand (skipped, not fatal)."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "harness"))
import abi  # noqa: E402

FAKE = r"""
// inline constexpr size_t kInComment = 1;
/* inline constexpr size_t kInBlockComment = 2; */
namespace rvos {
inline constexpr size_t kSmall = 8;            // a comment = 99;
inline constexpr size_t kBig = 64 * 1024;
inline constexpr uint64_t kBase = 0x4000'0000;
inline constexpr uint64_t kEnd = kBase + 2 * rvos::kBig;
inline constexpr uint64_t kMask = (kSmall << 4) | 0xfull;
inline constexpr size_t kLines =
    kSmall * 3;
inline constexpr int32_t kNegative = -1000;
inline constexpr int32_t kDivided = -7 / 2;
inline constexpr uint64_t kCast = static_cast<uint64_t>(1);
inline constexpr uint64_t kBraced = uint64_t{1} << 40;
inline constexpr const char* kText = "text";
inline constexpr size_t kAfterSkipped = kCast + 1;
inline constexpr size_t kZero = 1 / 0;
inline constexpr size_t kLast = 1'000'000;

enum class Error : int32_t {
    None = 0,
    First = 1,      // one
    Implicit,       // two, by counting
    Jump = kSmall,  // = 8
    AfterJump,
    NoText = 20,
};

inline constexpr const char* error_name(Error e) {
    switch (e) {
    case Error::None: return "ok";
    case Error::First: return "first error";
    case Error::Implicit: return "implicit \"quoted\"";
    case Error::Jump: return "jump";
    case Error::AfterJump: return "after jump";
    }
    return "unknown error";
}
}  // namespace rvos
"""


def test_real_header_limits():
    text = abi.HEADER.read_text()
    for name in ("kMaxHandles", "kMaxChannels", "kMaxServices", "kQueueDepth", "kMaxProcesses"):
        literal = re.search(rf"\b{name}\s*=\s*(\d+)\s*;", text)
        assert literal, name
        assert abi.LIMITS[name] == int(literal[1]), name
        assert getattr(abi, name) == int(literal[1]), name


def test_real_header_expressions():
    assert abi.LIMITS["kMaxFileSize"] == 8 * 1024 * 1024
    assert abi.LIMITS["kUserBase"] == 0x4000_0000
    assert abi.kUserStackSize % abi.kPageSize == 0 and abi.kUserStackSize >= 64 * 1024
    assert abi.kDeadlineNow == 0 and abi.kNoHandle == -1


def test_real_header_errors():
    assert abi.ERRORS["None"] == (0, "ok")
    assert abi.ERRORS["QueueFull"] == (8, "queue full")
    assert abi.error_name("ProcessTableFull") == "process table full"
    # Every enumerator has its own value and its own text.
    values = [value for value, _ in abi.ERRORS.values()]
    assert len(values) == len(set(values)) and len(values) >= 26
    assert all(text for _, text in abi.ERRORS.values())


def test_unknown_attribute_is_an_attribute_error():
    try:
        abi.kNoSuchConstant
    except AttributeError as error:
        assert "kNoSuchConstant" in str(error)
    else:
        raise AssertionError("abi.kNoSuchConstant did not raise")


def test_fake_header_constants():
    parsed = abi.parse(FAKE)
    assert parsed.limits == {
        "kSmall": 8,
        "kBig": 65536,
        "kBase": 0x4000_0000,
        "kEnd": 0x4000_0000 + 2 * 65536,
        "kMask": (8 << 4) | 0xF,
        "kLines": 24,
        "kNegative": -1000,
        "kDivided": -3,  # C truncates toward zero
        "kLast": 1_000_000,
    }


def test_fake_header_lines():
    parsed = abi.parse(FAKE)
    lines = FAKE.split("\n")
    for name, line in parsed.lines.items():
        assert name in lines[line - 1], name


def test_fake_header_errors():
    assert abi.parse(FAKE).errors == {
        "None": (0, "ok"),
        "First": (1, "first error"),
        "Implicit": (2, 'implicit "quoted"'),
        "Jump": (8, "jump"),
        "AfterJump": (9, "after jump"),
        "NoText": (20, None),
    }


def test_header_without_errors_or_constants():
    assert abi.parse("") == abi.Abi({}, {}, {})
    assert abi.parse("enum class Error : int32_t { Odd = sizeof(int), Next };").errors == {}


def test_evaluate():
    assert abi.evaluate("0x10'00 + 1u", {}) == 4097
    assert abi.evaluate("kA * (kA - 1)", {"kA": 5}) == 20
    assert abi.evaluate("kUnknown + 1", {}) is None
    assert abi.evaluate("1 << 1000", {}) is None
    assert abi.evaluate("'a'", {}) is None
    assert abi.evaluate("2 ** 8", {}) is None  # not C
