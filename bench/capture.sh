#!/bin/sh
# make bench-capture: what capturing costs, as a ratio to plain qemu-user on
# the same command (gzip -6 of a generated text), best of 3 interleaved
# rounds; and the replay rate of the shipped captured gzip trace beside the
# rate at which the machine merely decodes it. Skips (exit 0) with the
# reason where qemu-x86_64 is missing.
set -eu
build=${1:-build/rel}
virtlab=$build/virtlab
command -v qemu-x86_64 >/dev/null 2>&1 || {
	echo "bench-capture: skipped: qemu-x86_64 is not installed (Debian package qemu-user)"
	exit 0
}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$virtlab" trace gen cpu --events 20000 --seed 1 -o "$t/in.txt"
gzip_=$(command -v gzip)
secs() { # CMD...: wall seconds of one run
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b) ? a : b }'; }
best_q=999999 best_c=999999
for round in 1 2 3; do
	q=$(secs qemu-x86_64 "$gzip_" -6 -c "$t/in.txt")
	c=$(secs "$virtlab" trace capture --zstd -o "$t/gz.vlb" -- "$gzip_" -6 -c "$t/in.txt")
	best_q=$(min "$q" "$best_q")
	best_c=$(min "$c" "$best_c")
done
echo "capture: gzip -6 of 270 KB of text, best of 3 interleaved rounds"
printf '  qemu-x86_64 alone          %8.3f s\n' "$best_q"
printf '  virtlab trace capture      %8.3f s  (%.1fx plain qemu-user)\n' "$best_c" \
	"$(awk -v c="$best_c" -v q="$best_q" 'BEGIN { print c / q }')"
echo "replay of traces/captured/gzip.vlb (native model; decode-only rate in make bench's part 1)"
r=$(secs "$virtlab" run -t traces/captured/gzip.vlb -m native -q --no-db)
ev=$("$virtlab" trace stats traces/captured/gzip.vlb | awk '/^events/{gsub(",","",$2); print $2}')
printf '  %s events in %.3f s: %.1f M events/s\n' "$ev" "$r" \
	"$(awk -v n="$ev" -v t="$r" 'BEGIN { print n / t / 1e6 }')"
