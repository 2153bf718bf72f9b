#!/bin/sh
# Installs what virtlab needs to build, test and run, when it is missing.
# On Debian/Ubuntu it uses apt-get (through sudo when not root); elsewhere it
# prints the packages to install. Quiet when everything is present.
set -e

# package:what-proves-it-is-installed
NEEDS="
gcc:cmd:cc
make:cmd:make
pkg-config:cmd:pkg-config
libgsl-dev:hdr:gsl/gsl_rng.h
libsqlite3-dev:hdr:sqlite3.h
libcunit1-dev:hdr:CUnit/CUnit.h
libzstd-dev:hdr:zstd.h
libxxhash-dev:hdr:xxhash.h
libinih-dev:hdr:ini.h
gnuplot-nox:cmd:gnuplot
graphviz:cmd:dot
parallel:cmd:parallel
"
# The testbed's emulation backend (virtlab calibrate/validate) and a
# single-node Slurm for the sharding test, clang's libFuzzer for make fuzz,
# headless Chromium for the reports' browser test, Jupyter with pandas and
# matplotlib for the notebook's test (docs/notebooks/), valgrind for make
# bench's instructions an event, fio for the validation's random reads:
# installed with the rest on Debian; without them those parts are skipped,
# with the reason.
OPTIONAL="
qemu-user:cmd:qemu-x86_64
qemu-system-x86:cmd:qemu-system-x86_64
busybox-static:file:/bin/busybox
gcc-aarch64-linux-gnu:cmd:aarch64-linux-gnu-gcc
libc6-dev-arm64-cross:file:/usr/aarch64-linux-gnu/lib/libc.a
gcc-powerpc-linux-gnu:cmd:powerpc-linux-gnu-gcc
libc6-dev-powerpc-cross:file:/usr/powerpc-linux-gnu/lib/libc.a
gcc-s390x-linux-gnu:cmd:s390x-linux-gnu-gcc
libc6-dev-s390x-cross:file:/usr/s390x-linux-gnu/lib/libc.a
slurm-wlm:cmd:slurmctld
munge:cmd:munged
clang:cmd:clang
libclang-rt-14-dev:file:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
chromium:cmd:chromium
python3-pandas:file:/usr/lib/python3/dist-packages/pandas/__init__.py
python3-matplotlib:file:/usr/lib/python3/dist-packages/matplotlib/__init__.py
jupyter-nbconvert:cmd:jupyter-nbconvert
python3-ipykernel:file:/usr/share/jupyter/kernels/python3/kernel.json
valgrind:cmd:valgrind
fio:cmd:fio
"

have_header() {
	printf '#include <%s>\n' "$1" | cc -E -x c - >/dev/null 2>&1
}

absent() {
	for n in $1; do
		pkg=${n%%:*}; rest=${n#*:}; kind=${rest%%:*}; what=${rest#*:}
		case $kind in
		cmd) command -v "$what" >/dev/null 2>&1 || printf ' %s' "$pkg" ;;
		hdr) command -v cc >/dev/null 2>&1 && have_header "$what" || printf ' %s' "$pkg" ;;
		file) [ -e "$what" ] || printf ' %s' "$pkg" ;;
		esac
	done
}

# Debian's cloud kernel for full-system captures (trace capture --system,
# make kernel-paths), fetched once with apt-get download into out/.
kernel() {
	[ -f testbed/tcg/fetch-kernel.sh ] || return 0
	ls out/kernel-paths/kernel/boot/vmlinuz-* >/dev/null 2>&1 && return 0
	command -v apt-get >/dev/null 2>&1 || return 0
	if [ "$(id -u)" -eq 0 ]; then S=""; else S="sudo"; fi
	apt-cache show linux-image-cloud-amd64 >/dev/null 2>&1 || $S apt-get update -qq || true
	sh testbed/tcg/fetch-kernel.sh >/dev/null ||
		echo "virtlab: no kernel fetched; --system captures will be skipped" >&2
}

missing=$(absent "$NEEDS")
optional=$(absent "$OPTIONAL")
if [ -z "$missing" ] && [ -z "$optional" ]; then
	kernel
	exit 0
fi
if [ -z "$missing" ] && ! command -v apt-get >/dev/null 2>&1; then
	exit 0 # only optional ones: the testbed says what it skips
fi

[ -n "$missing" ] && echo "virtlab: installing missing packages:$missing"
if command -v apt-get >/dev/null 2>&1; then
	if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq || true
	# shellcheck disable=SC2086
	if [ -n "$missing" ]; then
		# shellcheck disable=SC2086
		$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
	fi
	if [ -n "$optional" ]; then
		echo "virtlab: installing the testbed's optional packages:$optional"
		# shellcheck disable=SC2086
		$SUDO apt-get install -y -qq --no-install-recommends $optional >/dev/null ||
			echo "virtlab: could not install$optional; the tests that need them will be skipped" >&2
	fi
	kernel
	exit 0
fi
echo "virtlab: this system has no apt-get. Install the equivalents of these Debian" >&2
echo "packages, then run make again:$missing" >&2
echo "(GSL, SQLite 3, CUnit, zstd and xxHash development files; gnuplot; Graphviz; GNU parallel)" >&2
exit 1
