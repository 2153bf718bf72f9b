#!/bin/sh
# Fetches Debian's cloud kernel package (small: serial console and
# initramfs support built in) with apt-get download and unpacks it, once,
# into out/kernel-paths/kernel/ (or $1). Prints the unpacked directory.
# kernel-paths.sh and `virtlab trace capture --system` both boot it.
#
#   testbed/tcg/fetch-kernel.sh [DIR]     (default out/kernel-paths/kernel)
#
# Exit 1 with a message naming the package when apt cannot provide it.
set -eu
DIR=${1:-out/kernel-paths/kernel}
if ls "$DIR"/boot/vmlinuz-* >/dev/null 2>&1 && ls "$DIR"/boot/System.map-* >/dev/null 2>&1; then
	echo "$DIR"
	exit 0
fi
command -v apt-get >/dev/null 2>&1 || {
	echo "fetch-kernel: no apt-get: unpack Debian's linux-image-*-cloud-amd64 into $DIR" >&2
	exit 1
}
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
[ -n "$pkg" ] || { echo "fetch-kernel: no linux-image-cloud-amd64 in apt's lists (apt-get update?)" >&2; exit 1; }
mkdir -p "$DIR"
tmp=$(mktemp -d "${DIR%/}.dl-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1) || {
	echo "fetch-kernel: apt-get download $pkg failed" >&2; exit 1; }
dpkg-deb -x "$tmp/$pkg"_*.deb "$tmp/x"
rm -rf "$DIR"
mv "$tmp/x" "$DIR"
echo "$DIR"
