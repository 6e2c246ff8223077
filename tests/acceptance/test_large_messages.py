"""Acceptance tests for the limits large messages opened up (issue "ABI v2",
item 4): program arguments, paths and names as long as lib/abi/abi.h
declares, reachable exactly to the limit and refused one byte past it, typed
at the shell like a user would."""

from harness import abi  # noqa: E402
from harness.shell import lines  # noqa: E402

SLOW = 120


def type_line(machine, line):
    return machine.type_line(line, timeout=SLOW)


def words_of(total_bytes, width=9):
    """Distinct words of `width` characters, separated by single spaces, so
    that the arguments come to `total_bytes` bytes as the program receives
    them (each word plus its NUL)."""
    count = total_bytes // (width + 1)
    return [f"w{i:0{width - 1}d}" for i in range(count)]


def test_two_thousand_bytes_of_arguments_reach_the_program(machine):
    words = words_of(2000)
    out = type_line(machine, "run hello " + " ".join(words))
    got = [line for line in lines(out) if line.startswith("argv[")]
    expected = [f"argv[{i + 1}] = {word}" for i, word in enumerate(words)]
    assert got == expected, f"hello printed {len(got)} of {len(words)} arguments:\n{out[-500:]}"
    assert sum(len(w) + 1 for w in words) >= 2000


def test_arguments_up_to_the_spawn_limit_run_and_past_it_say_too_long(machine):
    limit = abi.kMaxSpawnBytes
    # The limit holds the arguments and the environment together: empty
    # the shell's environment (PATH and HOME) first.
    assert machine.run("unset PATH HOME") == ""
    # argv[0] "hello" and its NUL count too.
    fits = words_of(limit - len("hello") - 1)
    out = type_line(machine, "run hello " + " ".join(fits))
    got = [line for line in lines(out) if line.startswith("argv[")]
    assert len(got) == len(fits) and got[-1] == f"argv[{len(fits)}] = {fits[-1]}", \
        f"{len(got)} of {len(fits)} arguments arrived:\n{out[-300:]}"
    past = fits + ["w" * 20]
    out = type_line(machine, "run hello " + " ".join(past))
    assert lines(out) == [f"run: hello: {abi.error_name('TooLong')}"], out[-300:]
    assert machine.run("echo still here") == "still here"


def test_a_four_thousand_byte_path_round_trips_through_write_and_cat(machine):
    # Directories of 200-byte names down to a path of about 4000 bytes.
    component = "d" * 200
    path = "/tmp"
    while len(path) + 1 + len(component) + 1 + 20 < 4000:
        path += "/" + component
        assert machine.run(f"mkdir {path}") == "", f"mkdir at depth {path.count('/')}"
    target = path + "/" + "f" * (4000 - len(path) - 1)
    assert len(target) == 4000
    assert machine.run(f"write {target} four thousand") == ""
    assert machine.run(f"cat {target}") == "four thousand"
    out = machine.run(f"stat {target}")
    assert "file" in out and "14" in out, out[-200:]


def test_a_name_of_the_maximum_length_is_listed_whole(machine):
    name = "n" * abi.kMaxFileNameLength
    assert machine.run(f"write /tmp/{name} x") == ""
    rows = lines(machine.run("ls /tmp"))
    assert len(rows) == 1 and rows[0].split()[-1] == name, rows
    assert machine.run(f"cat /tmp/{name}") == "x"
