"""Acceptance tests for the device seam (issue "Persistent storage", item 1):
the kernel reads the machine from the device tree OpenSBI hands it, so
nothing about the board is hard-coded and `-m 256M` just works."""

import re

import pytest

from harness import Machine, abi, default_kernel_path
from harness.shell import mem, search

PAGE = 4096
SLOW = 120  # a hang check only


def boot_with(memory):
    m = Machine(kernel=default_kernel_path(), memory=memory)
    m.boot()
    return m


def boot_line(machine):
    return search(r"\[boot\] machine: (\d+) MiB RAM at (0x[0-9a-f]+), timebase (\d+) Hz, "
                  r"UART (0x[0-9a-f]+), PLIC (0x[0-9a-f]+), (\d+) virtio-mmio slots",
                  machine.log, "the boot line describing the machine")


def test_the_boot_log_describes_the_machine_from_its_device_tree(machine):
    found = boot_line(machine)
    assert found.groups() == ("128", "0x80000000", "10000000", "0x10000000", "0xc000000", "8")


@pytest.mark.parametrize("memory, mib", [("64M", 64), ("256M", 256)])
def test_the_ram_the_machine_has_is_the_ram_the_kernel_uses(memory, mib, request):
    m = boot_with(memory)
    request.node._rvos_machine = m
    try:
        assert boot_line(m).group(1) == str(mib)
        frames = mem(m)["total_frames"]
        # Everything but the kernel image, its 16 MiB heap, the DMA pool
        # and the bitmap.
        ram_frames = mib * 1024 * 1024 // PAGE
        reserved = (16 << 20) // PAGE + abi.LIMITS["kDmaPoolSize"] // PAGE
        assert ram_frames - reserved - 1500 < frames < ram_frames - reserved, \
            f"{memory}: {frames} frames of {ram_frames}"
        # The memory is really there: a program can map nearly all of it.
        free = mem(m)["free_frames"]
        out = m.run("run hog mem", timeout=SLOW)
        got = int(search(r"^hog: mmap refused after (\d+) pages", out, "hog's mmap count")[1])
        assert got >= 0.95 * free, f"{memory}: mmap got {got} of {free} free frames:\n{out}"
        assert mem(m)["free_frames"] == free, f"{memory}: hog did not give every frame back"
    finally:
        m.close()
