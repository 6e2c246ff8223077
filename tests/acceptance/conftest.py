"""pytest configuration for the rvOS-C++ acceptance tests.

Each test gets a freshly booted machine (`machine` fixture) with a fresh
copy of the root disk (build/disk.img) as its disk, so the programs in its
/bin are there and no test sees another's files; `diskless_machine` boots
one without a disk (the kernel's embedded programs only). When a test
fails, the complete serial console log is written to
build/test-logs/<test-name>.log and the path is added to the failure report.
"""

import os
import re
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from harness import Machine, default_kernel_path  # noqa: E402

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
