#!/usr/bin/env bash
# Print the path of the first Python interpreter that can import
# pytest, pexpect and xdist (pytest-xdist). Exit 1 if there is none.
set -uo pipefail

CANDIDATES=(/usr/bin/python3 python3 python3.13 python3.12 python3.11 python3.10 python3.9)

for cand in "${CANDIDATES[@]}"; do
    if [[ "$cand" == */* ]]; then
        [[ -x "$cand" ]] || continue
        path="$cand"
    else
        path="$(command -v "$cand" 2>/dev/null)" || continue
        [[ -n "$path" ]] || continue
    fi
    if "$path" -c 'import pytest, pexpect, xdist' >/dev/null 2>&1; then
        echo "$path"
        exit 0
    fi
done

echo "find-python: no Python interpreter with pytest, pexpect and pytest-xdist found" >&2
echo "find-python: tried: ${CANDIDATES[*]}" >&2
echo "find-python: on Debian run: sudo apt-get install -y python3-pytest python3-pexpect python3-pytest-xdist" >&2
exit 1
