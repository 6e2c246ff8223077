"""Acceptance tests for Lua 5.4 as a program (issue 11, item 5): Debian's
lua5.4 source package built unmodified as `lua`, running the scripts in
tests/acceptance/lua/ with the same output as the host's lua5.4 (the
Debian package).

Each test writes its script (and the files it needs) into the guest under
/tmp/lua/ and on the host under <tmp>/tmp/lua/, runs it as
`lua tmp/lua/<script>.lua` from "/" in the guest and from <tmp> on the
host, so relative paths name the same files, and requires identical
output. The scripts print derived properties, not raw times or addresses.
The host runs with an empty environment but for TZ=UTC (the guest has no
time zone), PATH (a `lua` for os.execute) and the variables a test sets,
line-buffered (as the guest's console is), stdout and stderr together (as
on the console).

Documented differences, none of which the scripts print:
  - strerror texts the two C libraries word differently (EBADF: "Bad file
    number" in picolibc, "Bad file descriptor" in glibc), and errno numbers
    that differ (ENOTEMPTY, ENAMETOOLONG);
  - package.cpath's multiarch directory (riscv64-rvos on rvOS);
  - io.popen: there are no pipes yet ("'popen' not supported");
  - os.execute runs a program directly, not through a shell (see
    lib/rvos/process.cpp): only simple commands with quotes work.

If Debian's sources could not be fetched at build time, `lua` is not in
the image and these tests skip with the reason the build gave.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "lua"
UNAVAILABLE = REPO_ROOT / "build" / "third_party" / "lua5.4.unavailable"
LUA_IMAGE = REPO_ROOT / "build" / "user" / "lua.elf"
GUEST_DIR = "/tmp/lua"
HOST_LUA = shutil.which("lua5.4")

# Writes arg[3] (hex) into arg[1], opened with mode arg[2]: how the test puts
# files into the guest, one shell line each. Written with the shell's
# `write`, so it has no quotes a shell might one day interpret.
PUT = ("local o=assert(io.open(arg[1],arg[2])) local h=arg[3] "
       "for i=1,#h,2 do o:write(string.char(tonumber(h:sub(i,i+1),16))) end o:close()")
CHUNK = 6000  # bytes per line: 12,000 hex digits, well within a spawn's arguments


@pytest.fixture(autouse=True)
def lua_is_built():
    if UNAVAILABLE.exists():
        pytest.skip(f"lua is not in the image: Debian's lua5.4 sources were not available at build time "
                    f"({UNAVAILABLE.read_text().strip()})")
    if not LUA_IMAGE.exists():
        pytest.fail("build/user/lua.elf is missing, and the build did not say why (no "
                    "build/third_party/lua5.4.unavailable): run `make build`", pytrace=False)
    if not HOST_LUA:
        pytest.fail("the host has no lua5.4 to compare with: run harness/ensure-deps.sh", pytrace=False)


def put_files(machine, names):
    """Writes tests/acceptance/lua/<name> to /tmp/lua/<name> in the guest."""
    assert machine.run(f"mkdir {GUEST_DIR}") == ""
    assert machine.run(f"write /tmp/put.lua {PUT}") == ""
    for name in names:
        data = (SCRIPTS / name).read_bytes()
        for start in range(0, max(len(data), 1), CHUNK):
            mode = "w" if start == 0 else "a"
            out = machine.type_line(f"run lua /tmp/put.lua {GUEST_DIR}/{name} {mode} {data[start:start + CHUNK].hex()}")
            assert out == "", f"writing {name} into the guest failed:\n{out}"


def guest_output(machine, script, names, timeout=60, command=None):
    put_files(machine, [script + ".lua", *names])
    return machine.run(command or f"run lua tmp/lua/{script}.lua", timeout=timeout)


def host_output(tmp_path, script, names, env=None):
    directory = tmp_path / "tmp" / "lua"
    directory.mkdir(parents=True)
    for name in [script + ".lua", *names]:
        shutil.copy(SCRIPTS / name, directory / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "lua").symlink_to(HOST_LUA)  # os.execute("lua ...") and argv[0] "lua", as in the guest
    environment = {"PATH": f"{bin_dir}:/usr/bin:/bin", "TZ": "UTC", **(env or {})}
    command = ["lua", f"tmp/lua/{script}.lua"]
    if shutil.which("stdbuf"):
        command = ["stdbuf", "-oL", "-eL", *command]
    done = subprocess.run(command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=60)
    return done.stdout.decode("utf-8", errors="replace").replace("\r\n", "\n").strip()


def assert_same(script, guest, host):
    g, h = guest.split("\n"), host.split("\n")
    if g != h:
        width = max((len(line) for line in g), default=0)
        rows = [f"{'=' if a == b else '!'} {a:<{width}} | {b}" for a, b in
                zip(g + [""] * (len(h) - len(g)), h + [""] * (len(g) - len(h)))]
        pytest.fail(f"{script}.lua: the guest's lua (left) and the host's lua5.4 (right) differ:\n" + "\n".join(rows),
                    pytrace=False)


# Script, and the other files it reads.
SCRIPTS_AND_FILES = {
    "strings": [],
    "patterns": [],
    "math": [],
    "tables": [],
    "coroutines": [],
    "errors": [],
    "metatables": [],
    "utf8": [],
    "io": ["numbers.txt"],
    "require": ["mymodule.lua"],
}


@pytest.mark.parametrize("script", SCRIPTS_AND_FILES)
def test_lua_script_prints_what_the_hosts_lua_prints(machine, tmp_path, script):
    names = SCRIPTS_AND_FILES[script]
    assert_same(script, guest_output(machine, script, names), host_output(tmp_path, script, names))


def test_lua_os_library_and_os_execute_match_the_host(machine, tmp_path):
    # The libc test program starts lua with one more variable in its
    # environment (the shell passes its own, which is empty).
    guest = guest_output(machine, "os", ["child.lua"],
                         command="run libc child with-env RVOS_LUA_TEST=hello lua tmp/lua/os.lua")
    host = host_output(tmp_path, "os", ["child.lua"], env={"RVOS_LUA_TEST": "hello"})
    assert_same("os", guest, host)


def test_deep_lua_recursion_ends_in_lua_stack_overflow(machine, tmp_path):
    guest = guest_output(machine, "recursion", [], timeout=60)  # a hang check: the host takes 0.3 s
    host = host_output(tmp_path, "recursion", [])
    assert "stack overflow" in host, host
    assert_same("recursion", guest, host)


def test_deep_c_recursion_ends_in_lua_c_stack_overflow(machine, tmp_path):
    guest = guest_output(machine, "cstack", [])
    host = host_output(tmp_path, "cstack", [])
    assert "C stack overflow" in host, host
    assert_same("cstack", guest, host)
