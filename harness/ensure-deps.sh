#!/usr/bin/env bash
# Ensure the Debian packages needed to build and test rvOS-C++ are installed.
# Quiet when everything is present. As root, installs what is missing;
# otherwise prints the apt-get command to run and exits 1.
set -euo pipefail

PACKAGES=(
    gcc-riscv64-unknown-elf
    picolibc-riscv64-unknown-elf
    qemu-system-misc
    python3-pytest
    python3-pexpect
    python3-pytest-xdist
    libgtest-dev
    e2fsprogs
    g++
    make
    dpkg-dev   # dpkg-source: unpacks the Debian source packages (harness/fetch-source.sh)
    lua5.4     # the reference the Lua acceptance tests compare the guest's lua with
    curl       # the host's HTTP client the network acceptance tests fetch from the guest's httpd with
)

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "ensure-deps: dpkg-query not found; this script supports Debian/Ubuntu only." >&2
    echo "ensure-deps: install these packages (or equivalents) manually: ${PACKAGES[*]}" >&2
    exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
    echo "ensure-deps: installing missing packages: ${missing[*]}" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
else
    echo "Missing packages. Run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
