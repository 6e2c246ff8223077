#!/usr/bin/env bash
# Makes the root disk image: an ext2 volume (mke2fs -d) holding /bin/<every
# program>, the files under user/rootfs (/etc/motd, ...) and an empty /home.
# The tree is staged first and the image made again only when the staged
# tree differs from the one the image was made from, so what a user wrote
# on the disk survives `make run` after `make run` until a program or a
# file under user/rootfs changes; `make clean-disk` starts over.
#
#   harness/make-disk.sh <image> <size> <program.elf>...
set -euo pipefail

image=$1 size=$2
shift 2
build=$(dirname "$image")
stage=$build/root.new
manifest=$image.manifest

rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/home" "$stage/tmp"  # /tmp: where the RAM file system is mounted
for elf in "$@"; do
    cp "$elf" "$stage/bin/$(basename "$elf" .elf)"
done
cp -R user/rootfs/. "$stage/"
rm -f "$stage/README"

# What the image holds, by path and content.
new_manifest=$( (cd "$stage" && find . -type f -print0 | sort -z | xargs -0 sha256sum; find . -type d | sort) )
if [[ -f "$image" && -f "$manifest" && "$(cat "$manifest")" == "$new_manifest" ]]; then
    rm -rf "$stage"
    exit 0
fi

if ! command -v mke2fs >/dev/null 2>&1 && [[ ! -x /sbin/mke2fs ]]; then
    echo "make-disk: mke2fs not found (Debian package e2fsprogs; make deps installs it)" >&2
    exit 1
fi
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
rm -rf "$build/root"
mv "$stage" "$build/root"
rm -f "$image.tmp"
"$MKE2FS" -q -F -t ext2 -b 4096 -L rvos-root -d "$build/root" "$image.tmp" "$size"
mv "$image.tmp" "$image"
printf '%s' "$new_manifest" > "$manifest"
echo "make-disk: $image ($size, ext2) made from $build/root"
