"""pytest configuration for the rvOS-C++ acceptance tests.

Each test gets a freshly booted machine (`machine` fixture) with a fresh
copy of the root disk (build/disk.img) as its disk, so the programs in its
/bin are there and no test sees another's files; `diskless_machine` boots
one without a disk (the kernel's embedded programs only). A test of
storage takes `disk` (a fresh copy of the root image, attached as
virtio-blk to the machines it boots, and checked with `e2fsck -fn` after
the test). When a test fails, the complete serial console log is written to
build/test-logs/<test-name>.log and the path is added to the failure report.
"""

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from harness import Machine, default_kernel_path  # noqa: E402
from harness import disk as disks  # noqa: E402

LOG_DIR = REPO_ROOT / "build" / "test-logs"


def _display(path: Path) -> str:
    """Path relative to the repository root when possible."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _boot(request, **options):
    kernel = default_kernel_path()
    if not kernel.is_file():
        pytest.fail(f"{_display(kernel)} not found: run `make build` first",
                    pytrace=False)
    m = Machine(kernel=kernel, **options)
    # Keep a reference on the test item so the report hook can save the
    # console log even when boot() itself fails.
    request.node._rvos_machine = m
    try:
        m.boot()
        yield m
    finally:
        m.close()


@pytest.fixture
def machine(request):
    yield from _boot(request)


@pytest.fixture
def diskless_machine(request):
    yield from _boot(request, disks=())


class Disk:
    """A disk image for one test, attached as blk0 to each machine it boots.
    After the test, machines still running are shut down through the shell
    (so the file server writes everything back) and `e2fsck -fn` must find
    nothing wrong; a test that breaks the image on purpose repairs it
    (`e2fsck -fy`) or sets `check = False` and says why."""

    def __init__(self, path: Path, request):
        self.path = path
        self.request = request
        self.machines: list[Machine] = []
        self.check = True

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)

    def remake(self, **options) -> None:
        """Makes the image again with harness.disk.make_image (the build's
        root tree plus `trees`, another size, block size or inode count)."""
        disks.make_image(self.path, **options)

    def boot(self, timeout: float = 30) -> Machine:
        m = Machine(kernel=default_kernel_path(), disks=(self.path,))
        self.machines.append(m)
        self.request.node._rvos_machine = m
        m.boot(timeout=timeout)
        return m

    @staticmethod
    def shut_down(m: Machine, timeout: float = 60) -> None:
        """`shutdown` at the prompt: the file server syncs, QEMU exits 0."""
        status = m.shutdown(timeout=timeout)
        assert status == 0, f"QEMU exited with status {status} after shutdown"

    def finish(self) -> None:
        for m in self.machines:
            if m.child is not None and m.child.isalive():
                try:
                    m.shutdown(timeout=60)
                except Exception:
                    pass
            m.close()
        if self.check:
            status, report = disks.e2fsck(self.path)
            if status != 0:
                pytest.fail(f"e2fsck -fn found problems in the disk image after the test "
                            f"(status {status}):\n{report}", pytrace=False)


@pytest.fixture
def disk(tmp_path, request):
    """A fresh copy of build/disk.img for this test (see Disk)."""
    if not disks.ROOT_IMAGE.is_file():
        pytest.fail("build/disk.img not found: run `make build` first", pytrace=False)
    copy = tmp_path / "disk.img"
    shutil.copy(disks.ROOT_IMAGE, copy)
    d = Disk(copy, request)
    yield d
    d.finish()


def _log_name(nodename: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodename).strip("_") + ".log"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    m = getattr(item, "_rvos_machine", None)
    if m is None:
        return
    path = LOG_DIR / _log_name(item.name)
    try:
        m.save_log(path)
    except OSError as exc:
        report.sections.append(
            ("serial console", f"could not save the serial log to {path}: {exc}"))
        return
    report.sections.append(
        ("serial console",
         f"full serial log ({report.when}) saved to {_display(path)}\n"
         f"--- last 40 lines ---\n{m.tail()}"))
