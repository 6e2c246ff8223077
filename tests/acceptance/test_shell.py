"""Acceptance tests for the shell's command language (issue 11, item 6):
quoting, variables and $?, the environment programs get, pipes carrying
more than a pipe holds, redirections, scripts with `sh`, programs by name,
Ctrl-C on a pipeline, and errors that say what is wrong. The parser itself
is host-tested (tests/unit/test_shell_parse.cpp)."""

from pathlib import Path

import pytest
from harness.shell import lines  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
HAVE_LUA = (REPO / "build" / "user" / "lua.elf").is_file()
SLOW = 120


def test_quoting_keeps_blanks_and_special_characters_as_typed(machine):
    assert machine.run("echo 'a  b'  \"c  d\"  e\\ \\ f") == "a  b c  d e  f"
    assert machine.run("echo '$HOME | > &' \"x\\\"y\" \\$HOME") == "$HOME | > & x\"y $HOME"
    out = machine.run("hello 'one arg' two\\ words \"\"")
    assert lines(out)[1:] == ["argv[1] = one arg", "argv[2] = two words", "argv[3] ="], out


def test_variables_expand_and_dollar_question_is_the_last_status(machine):
    assert machine.run("X='a  b'") == ""
    assert machine.run("echo [$X] [${X}] \"[$X]\" '[$X]'") == "[a  b] [a  b] [a  b] [$X]"
    assert machine.run("echo [$UNSET_VARIABLE]") == "[]"
    machine.run("hello fail")
    assert machine.run("echo $?") == "3"
    assert machine.run("echo $?") == "0"
    machine.run("no-such-program")
    assert machine.run("echo $?") == "127"


def test_only_exported_variables_reach_programs(machine):
    assert machine.run("Y=7") == ""
    assert machine.run("libc child env-is Y 7") == "libc: exited with status 1"
    assert machine.run("export Y") == ""
    assert machine.run("libc child env-is Y 7") == ""
    assert machine.run("Z=9 libc child env-is Z 9") == ""  # for that command only
    assert machine.run("libc child env-is Z '(unset)'") == ""
    assert machine.run("echo $PATH") == "/bin"


def test_a_three_stage_pipe_carries_more_than_a_pipe_holds_without_loss(machine):
    # 300000 bytes: more than a channel queues (256 KiB), so the writer waits.
    out = machine.run("libc child produce 300000 | libc child count | libc child count", timeout=SLOW)
    assert out == "libc child count: 40 bytes on stdin", out
    out = machine.run("libc child produce 300000 | libc child count", timeout=SLOW)
    assert out == "libc child count: 300000 bytes on stdin", out


@pytest.mark.skipif(not HAVE_LUA, reason="lua was not built (its Debian sources could not be fetched)")
def test_lua_writing_200_kib_through_three_stages_arrives_whole(machine):
    # 2048 lines of 101 bytes: 206848 bytes.
    out = machine.run("lua -e 'io.write(string.rep(string.rep(\"ab\", 50) .. \"\\n\", 2048))' | "
                      "lua -e 'for l in io.lines() do io.write(l:upper(), \"\\n\") end' | libc child count",
                      timeout=SLOW)
    assert out == "libc child count: 206848 bytes on stdin", out


def test_redirections_round_trip_through_files(machine):
    assert machine.run("echo one > /tmp/r") == ""
    assert machine.run("echo two >> /tmp/r") == ""
    assert machine.run("cat /tmp/r") == "one\ntwo"
    assert machine.run("libc child count < /tmp/r") == "libc child count: 8 bytes on stdin"
    assert machine.run("hello x > /tmp/h") == ""
    assert lines(machine.run("cat /tmp/h"))[1:] == ["argv[1] = x"]
    assert machine.run("libc child to-stderr oops 2> /tmp/e") == ""
    assert machine.run("cat /tmp/e") == "oops"
    assert machine.run("libc child to-stderr both > /tmp/b 2>&1") == ""
    assert machine.run("cat /tmp/b") == "both"
    assert machine.run("libc child count < /tmp/missing") == "shell: /tmp/missing: No such file or directory"


def test_sh_runs_a_script_file_and_exit_ends_it(machine):
    for line in ["echo 'N=4' > /tmp/s", "echo 'echo script sees $N' >> /tmp/s", "echo 'exit 5' >> /tmp/s",
                 "echo 'echo not reached' >> /tmp/s"]:
        assert machine.run(line) == ""
    assert machine.run("sh /tmp/s") == "script sees 4"
    assert machine.run("echo $?") == "5"
    assert machine.run("sh -c 'echo from -c'") == "from -c"
    assert machine.run("sh /tmp/none") == "sh: /tmp/none: No such file or directory"


def test_a_program_runs_by_its_name_and_run_stays_an_alias(machine):
    assert lines(machine.run("hello a"))[1:] == ["argv[1] = a"]
    assert lines(machine.run("run hello a"))[1:] == ["argv[1] = a"]
    assert machine.run("nosuchprog") == "unknown command: nosuchprog (type 'help')"
    assert machine.run("run nosuchprog") == "run: nosuchprog: not found"


def test_syntax_errors_say_what_is_wrong_and_run_nothing(machine):
    assert machine.run("echo 'abc") == "shell: unterminated single quote"
    assert machine.run("echo \"abc") == "shell: unterminated double quote"
    assert machine.run("hello |") == "shell: syntax error near '|'"
    assert machine.run("hello >") == "shell: '>' needs a file name"
    assert machine.run("hello ; hello") == "shell: ';' is not supported"
    assert machine.run("echo $?") == "2"


def test_ctrl_c_stops_every_command_of_a_pipeline(machine):
    machine.send_raw("crash loop | libc child count\r")
    machine.expect("crash loop")  # the echo of the line
    import time
    time.sleep(1)
    machine.send_raw(b"\x03")
    out = machine.wait_prompt(timeout=30)
    assert "stopped" in out, out
    ps = machine.run("ps")
    assert "crash" not in ps and "libc" not in ps, ps


# ---- The line editor, history and completion ------------------------------------

LEFT, RIGHT, UP, DOWN, HOME, END = "\x1b[D", "\x1b[C", "\x1b[A", "\x1b[B", "\x1b[H", "\x1b[F"
# QEMU's -nographic console takes Ctrl-A as its own escape: Ctrl-A twice sends one.
CTRL_A = "\x01\x01"
CTRL_E, CTRL_K, CTRL_U, CTRL_W, BACKSPACE, TAB = "\x05", "\x0b", "\x15", "\x17", "\x7f", "\t"


def keys(machine, typed, timeout=30):
    """Types keys and Enter; the lines printed after the echoed line."""
    return typed_line(machine, typed, timeout)[1]


def typed_line(machine, typed, timeout=30):
    """Types keys and Enter: the line as the terminal shows it, and the lines printed after it."""
    from harness.machine import render_line
    machine.send_raw(typed + "\r")
    out = machine.wait_prompt(timeout=timeout)
    echo, _, rest = out.partition("\n")
    return render_line(echo.rstrip("\r")), lines(rest)


def test_arrow_and_control_keys_edit_the_line(machine):
    assert keys(machine, "cho hi" + CTRL_A + "e" + CTRL_E + " there" + CTRL_W + "you") == ["hi you"]
    assert keys(machine, "echo abXd" + LEFT + BACKSPACE + "c" + END + "e" + HOME + RIGHT * 5 + "'" + END + "'") \
        == ["abcde"]
    assert keys(machine, "echo keep cut" + LEFT * 4 + CTRL_K) == ["keep"]
    assert keys(machine, "nothing of this" + CTRL_U + "echo fresh") == ["fresh"]
    assert keys(machine, "echo del" + HOME + "\x1b[3~" + "e") == ["del"], "Delete removes the byte under the cursor"


def test_up_and_down_browse_the_history(machine):
    assert machine.run("echo one") == "one"
    assert machine.run("echo two") == "two"
    assert keys(machine, UP + UP) == ["one"]
    assert keys(machine, UP + UP + UP + DOWN) == ["two"], "up three times from 'one', 'two', 'one' and down once"
    assert keys(machine, "echo draft" + UP + DOWN) == ["draft"], "down past the newest is the line being typed"


def test_tab_completes_builtins_and_paths(machine):
    assert machine.run("write /tmp/completion-target found") == ""
    assert keys(machine, "mou" + TAB) == lines(machine.run("mount"))
    assert keys(machine, "cat /tmp/completion-t" + TAB) == ["found"]
    assert machine.run("mkdir /tmp/dir-to-complete") == ""
    assert keys(machine, "ls /tmp/dir-to-c" + TAB) == [], "a directory completes with '/' (and is empty)"


def test_history_survives_a_reboot_on_the_disk_and_programs_in_bin_complete(tmp_path, request):
    import shutil

    from harness import Machine, default_kernel_path
    image = REPO / "build" / "disk.img"
    assert image.is_file(), "build/disk.img missing: run `make build`"
    disk = tmp_path / "disk.img"
    shutil.copy(image, disk)
    m = Machine(kernel=default_kernel_path(), disks=(disk,))
    request.node._rvos_machine = m
    m.boot()
    assert m.run("echo $HOME") == "/home"
    assert m.run("echo remembered across the reboot") == "remembered across the reboot"
    shown, _ = typed_line(m, "hello-" + TAB, timeout=SLOW)
    assert shown.endswith("hello-std "), f"a program in /bin completes: {shown!r}"
    m.send_raw(b"shutdown\r")
    m.child.expect(__import__("pexpect").EOF, timeout=30)
    m.close()
    m = Machine(kernel=default_kernel_path(), disks=(disk,))
    request.node._rvos_machine = m
    m.boot()
    assert keys(m, UP + UP + UP) == ["remembered across the reboot"]
    m.close()
