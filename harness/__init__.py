"""Test harness for rvOS-C++: boots the kernel image in QEMU and drives its
serial console (see harness.machine.Machine)."""

from .machine import (
    PROMPT,
    Machine,
    MachineError,
    MachineTimeout,
    Network,
    default_disk_path,
    default_kernel_path,
    fresh_disk,
    repo_root,
)

__all__ = [
    "PROMPT",
    "Machine",
    "MachineError",
    "MachineTimeout",
    "Network",
    "default_disk_path",
    "default_kernel_path",
    "fresh_disk",
    "repo_root",
]
