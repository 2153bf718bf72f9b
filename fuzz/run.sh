#!/bin/sh
# make fuzz: builds the fuzz targets (the trace reader, the strace and blkio
# importers) with clang's libFuzzer plus ASan and UBSan, seeds their corpora
# (sample traces, text and binary, plain and zstd; fuzz/seeds and the logs of
# tests/data), and fuzzes each for a bounded time. Exits non-zero on a finding.
set -eu
seconds=${1:-60}
out=out/fuzz
if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: skipped: clang is not installed (apt-get install clang libclang-rt-dev)"
	exit 0
fi
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}' |
	clang -fsanitize=fuzzer -x c - -o /dev/null 2>/dev/null; then
	echo "fuzz: skipped: clang has no libFuzzer runtime (apt-get install libclang-rt-dev)"
	exit 0
fi
mkdir -p "$out/corpus"
srcs=$(make -s -f Makefile print-lib-srcs)
# the library once, instrumented for coverage; then one binary per target
mkdir -p "$out/obj"
flags="-std=c11 -D_GNU_SOURCE -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -I. -O1 -g"
objs=""
echo "fuzz: building the library"
for s in $srcs; do
	o="$out/obj/$(echo "$s" | tr / _).o"
	# shellcheck disable=SC2086
	clang $flags -fsanitize=fuzzer-no-link,address,undefined -c -o "$o" "$s"
	objs="$objs $o"
done
# the KVM guest's code, which the library's vmm.c links against (as in the Makefile)
clang -std=c11 -D_GNU_SOURCE -I. -c -o "$out/obj/guest.o" testbed/kvm/guest.S
objs="$objs $out/obj/guest.o"
for target in trace import_strace import_blkio; do
	echo "fuzz: building $out/fuzz-$target"
	# shellcheck disable=SC2086
	clang $flags -fsanitize=fuzzer,address,undefined -o "$out/fuzz-$target" \
		"fuzz/fuzz_$target.c" $objs -lgsl -lgslcblas -lsqlite3 -lzstd -lxxhash -linih -lm -ldl
done
for t in traces/samples/*.vlt; do
	b=$(basename "$t" .vlt)
	cp "$t" "$out/corpus/$b.vlt"
	./virtlab trace convert "$t" "$out/corpus/$b.vlb"
	./virtlab trace convert "$t" "$out/corpus/$b.zst.vlb" --zstd
done
# the importers: their tiny seeds and the real logs of the tests
mkdir -p "$out/corpus-strace" "$out/corpus-blkio"
cp fuzz/seeds/strace/* tests/data/strace-*.log "$out/corpus-strace/"
cp fuzz/seeds/blkio/* tests/data/*.iolog "$out/corpus-blkio/"
rc=0
for run in "trace corpus" "import_strace corpus-strace" "import_blkio corpus-blkio"; do
	target=${run% *}
	corpus=${run#* }
	echo "fuzz: running fuzz-$target for $seconds s"
	r=0
	"$out/fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/$target-" "$out/$corpus" \
		>"$out/log-$target" 2>&1 || r=$?
	tail -15 "$out/log-$target"
	if [ "$r" -eq 0 ]; then
		echo "fuzz: fuzz-$target: no finding in $seconds s"
	else
		echo "fuzz: fuzz-$target: FINDING: see $out/log-$target"
		rc=$r
	fi
done
exit "$rc"
