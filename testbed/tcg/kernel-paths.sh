#!/bin/sh
# Counts the Linux kernel instructions one operation costs - a system call,
# a page fault, fork+exit+wait, exec, a 4 KiB file write and read, a pipe
# round trip, an HTTP-sized loopback TCP exchange - by running vl-probe in a
# Debian kernel under QEMU's TCG with the insncount plugin (the hardware
# counters that would give these are not available on our hosts).
#
#   testbed/tcg/kernel-paths.sh [BUILD_DIR]      (default build/rel)
#
# Needs qemu-system-x86, busybox-static, gcc; fetches Debian's cloud kernel
# package with apt-get download (cached in out/kernel-paths/). Writes
# out/kernel-paths/kernel-paths.tsv and prints it. About a minute.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build/rel}
OUT=out/kernel-paths
mkdir -p "$OUT"

for need in qemu-system-x86_64 busybox gcc gzip; do
	command -v "$need" >/dev/null 2>&1 || {
		echo "kernel-paths: $need not found (Debian: qemu-system-x86 busybox-static gcc gzip)" >&2
		exit 1
	}
done
make --no-print-directory -s "$BUILD/vl-probe"
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o "$OUT/insncount.so" testbed/tcg/insncount.c

# the kernel: Debian's cloud flavour (testbed/tcg/fetch-kernel.sh, shared with --system captures)
sh testbed/tcg/fetch-kernel.sh "$OUT/kernel" >/dev/null
KERNEL=$(ls "$OUT"/kernel/boot/vmlinuz-* | head -1)

# the initramfs: busybox, vl-probe, and an init that runs the workloads
IR=$OUT/initramfs
rm -rf "$IR"
mkdir -p "$IR/bin" "$IR/proc" "$IR/tmp" "$IR/dev" "$IR/sys"
cp "$(command -v busybox)" "$IR/bin/busybox"
cp "$BUILD/vl-probe" "$IR/vl-probe"
WORKS="syscall:20000 rw1:10000 mapunmap:1000 pgfault:4000 forkwait:200 exec:100 fileio:1000 ctxsw:1000 tcp:100"
{
	echo '#!/bin/busybox sh'
	echo '/bin/busybox --install -s /bin'
	echo 'mount -t proc proc /proc; mount -t tmpfs tmp /tmp; mount -t devtmpfs dev /dev'
	echo 'ifconfig lo 127.0.0.1 up'
	for w in $WORKS; do echo "VL_PROBE_MARK=1 /vl-probe work ${w%%:*} ${w#*:}"; done
	echo 'poweroff -f'
} > "$IR/init"
chmod +x "$IR/init"
(cd "$IR" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 > "$OUT/initrd.gz"

timeout 600 qemu-system-x86_64 -accel tcg -cpu qemu64 -m 512 -smp 1 -nographic -no-reboot \
	-kernel "$KERNEL" -initrd "$OUT/initrd.gz" -append "console=ttyS0 quiet panic=-1" \
	-plugin "$OUT/insncount.so,out=$OUT/marks.txt" > "$OUT/console.log" 2>&1

# two marks a workload: before and after its N operations
{
	printf 'op\tn\tuser_insns_per_op\tkernel_insns_per_op\n'
	i=0
	for w in $WORKS; do
		a=$(sed -n "s/^mark $i \(.*\)/\1/p" "$OUT/marks.txt")
		b=$(sed -n "s/^mark $((i + 1)) \(.*\)/\1/p" "$OUT/marks.txt")
		[ -n "$a" ] && [ -n "$b" ] || { echo "kernel-paths: no marks for ${w%%:*} (see $OUT/console.log)" >&2; exit 1; }
		echo "${w%%:*} ${w#*:} $a $b" |
			awk '{ printf "%s\t%d\t%.0f\t%.0f\n", $1, $2, ($5 - $3) / $2, ($6 - $4) / $2 }'
		i=$((i + 2))
	done
} > "$OUT/kernel-paths.tsv"
echo "kernel: $(basename "$KERNEL"), QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}') TCG, -cpu qemu64"
column -t "$OUT/kernel-paths.tsv" 2>/dev/null || cat "$OUT/kernel-paths.tsv"
