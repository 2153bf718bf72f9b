#!/bin/sh
# make traces: regenerate the captured corpus (traces/captured/) by running
# real programs under `virtlab trace capture`. Each file carries its
# provenance (command, date, QEMU and host kernel) in its metadata.
#   scripts/capture-corpus.sh BUILD_DIR [OUT_DIR]
# SCALE=N multiplies every iteration count (the shipped corpus is SCALE=1;
# Adams & Agesen's forkwait ran 40,000 children: SCALE=40 for forkwait).
# ONLY="NAME ..." captures only those files (e.g. ONLY="gzip compile").
set -eu
build=${1:?usage: capture-corpus.sh BUILD_DIR [OUT_DIR]}
out=${2:-traces/captured}
scale=${SCALE:-1}
SYSFW=50 # forkwait children of the full-system capture (0.8 MB)
virtlab=$build/virtlab
probe=$(cd "$build" && pwd)/vl-probe
probe_dyn=$(cd "$build" && pwd)/vl-probe-dyn

command -v qemu-x86_64 >/dev/null 2>&1 || {
	echo "capture-corpus: qemu-x86_64 not found (Debian package qemu-user)" >&2
	exit 1
}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

cap() { # NAME CMD...: capture into OUT/NAME.vlb, markers from vl-probe on
	name=$1
	shift
	case " ${ONLY:-$name} " in *" $name "*) ;; *) return 0 ;; esac
	ops=
	if [ "$2" = work ]; then ops="--ops $4"; fi # vl-probe work OP N: N operations
	echo "  CAPTURE $out/$name.vlb"
	# shellcheck disable=SC2086
	VL_PROBE_MARK=1 TMPDIR=$work "$virtlab" trace capture --zstd-max $ops -o "$out/$name.vlb" \
		-- "$@" >/dev/null
}

# lmbench's operations (src/lat_syscall.c, lat_proc.c, lat_ctx.c,
# lat_pagefault.c, lat_mmap.c), as vl-probe implements them
cap null "$probe" work syscall $((10000 * scale))
cap fork "$probe_dyn" work forkwait $((1000 * scale))
cap exec "$probe" work exec $((200 * scale))
cap sh "$probe" work sh $((100 * scale))
cap ctx "$probe" work ctxsw $((2000 * scale))
cap pagefault "$probe" work pagefault $((4096 * scale))
cap mmap "$probe" work mmap $((100 * scale))
# Adams & Agesen 2006's forkwait: a small static parent forking children
# that exit at once (they forked 40,000; SCALE=40 gives as many)
cap forkwait "$probe" work forkwait $((1000 * scale))
# real programs: gzip of a deterministic text (a generated trace), a
# compile, fio's 4 KiB random reads (O_DIRECT, queue depth 1), and a
# loopback request/response loop of HTTP sizes
"$virtlab" trace gen cpu --events $((20000 * scale)) --seed 1 -o "$work/gzin.txt"
cap gzip gzip -6 -c "$work/gzin.txt"
cp sim/err.c "$work/unit.c"
cap compile gcc -O2 -c -I. -o "$work/unit.o" "$work/unit.c"
cap fio-randread fio --name=randread --rw=randread --bs=4k --size=4m --ioengine=psync \
	--direct=1 --iodepth=1 --filename="$work/fio.dat" --output=/dev/null
cap http "$probe" work tcp $((200 * scale))
# The whole machine: forkwait in a Linux guest under qemu-system TCG, kernel
# included (docs/trace-format.md, "Full-system captures"); few children, as
# every kernel block is an event (about 25,000 a child): keep it a few MiB.
# Skipped with the reason where qemu-system-x86, busybox-static or the
# kernel (make kernel) is missing.
syscap() { # NAME N CMD...
	name=$1
	ops=$2
	shift 2
	case " ${ONLY:-$name} " in *" $name "*) ;; *) return 0 ;; esac
	echo "  CAPTURE $out/$name.vlb (--system)"
	TMPDIR=$work "$virtlab" trace capture --system --zstd-max --ops "$ops" -o "$out/$name.vlb" \
		-- "$@" >/dev/null || echo "  SKIP    $out/$name.vlb: see the message above"
}
syscap system-forkwait $((SYSFW * scale)) "$probe" work forkwait $((SYSFW * scale))
# lmbench's operations in the guest too, few of each for the same reason;
# experiments replay them as one warm pass (steady = yes). fork is lmbench's
# (a dynamically linked parent, as fork.vlb: its loader and libc are copied
# into the guest); the others are the static vl-probe's, as their user-mode
# captures are
syscap system-fork $((20 * scale)) "$probe_dyn" work forkwait $((20 * scale))
syscap system-null $((1000 * scale)) "$probe" work syscall $((1000 * scale))
syscap system-exec $((20 * scale)) "$probe" work exec $((20 * scale))
syscap system-sh $((10 * scale)) "$probe" work sh $((10 * scale))
syscap system-ctx $((200 * scale)) "$probe" work ctxsw $((200 * scale))
syscap system-pagefault $((512 * scale)) "$probe" work pagefault $((512 * scale))
syscap system-mmap $((10 * scale)) "$probe" work mmap $((10 * scale))
