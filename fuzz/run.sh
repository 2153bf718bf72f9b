#!/bin/sh
# make fuzz: builds the trace-reader fuzz target with clang's libFuzzer plus
# ASan and UBSan, seeds a corpus from the sample traces (text and binary, plain
# and zstd), and fuzzes for a bounded time. Exits non-zero on a finding.
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
echo "fuzz: building $out/fuzz-trace"
clang -std=c11 -D_GNU_SOURCE -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -I. -O1 -g \
	-fsanitize=fuzzer,address,undefined -o "$out/fuzz-trace" fuzz/fuzz_trace.c $srcs \
	-lgsl -lgslcblas -lsqlite3 -lzstd -lxxhash -linih -lm -ldl
for t in traces/samples/*.vlt; do
	b=$(basename "$t" .vlt)
	cp "$t" "$out/corpus/$b.vlt"
	./virtlab trace convert "$t" "$out/corpus/$b.vlb"
	./virtlab trace convert "$t" "$out/corpus/$b.zst.vlb" --zstd
done
echo "fuzz: running for $seconds s"
rc=0
"$out/fuzz-trace" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" >"$out/log" 2>&1 || rc=$?
tail -15 "$out/log"
[ "$rc" -eq 0 ] && echo "fuzz: no finding in $seconds s" || echo "fuzz: FINDING: see $out/log"
exit "$rc"
