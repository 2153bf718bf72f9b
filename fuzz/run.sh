#!/bin/sh
# make fuzz: builds each libFuzzer target with clang plus ASan and UBSan,
# seeds its corpus (fuzz/corpus/ and files made here), and fuzzes each for
# a bounded time. Exits non-zero on a finding.
#   targets: trace (the trace readers), experiment and plan (the parsers),
#   merge (a shard database given to `virtlab merge`)
#   fuzz/run.sh [SECONDS-PER-TARGET] [TARGET...]
set -eu
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-trace experiment plan merge}
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
srcs=$(make -s -f Makefile print-lib-srcs)
seed() { # target: fills $out/corpus-target
	c="$out/corpus-$1"
	mkdir -p "$c"
	[ -d "fuzz/corpus/$1" ] && cp fuzz/corpus/"$1"/* "$c"/
	case $1 in
	trace)
		for f in traces/samples/*.vlt; do
			b=$(basename "$f" .vlt)
			cp "$f" "$c/$b.vlt"
			./virtlab trace convert "$f" "$c/$b.vlb" >/dev/null
			./virtlab trace convert "$f" "$c/$b.zst.vlb" --zstd >/dev/null
		done ;;
	experiment)
		cp experiments/papers/*.ini experiments/labs/*.ini "$c"/ ;;
	plan)
		cp experiments/capacity/*.ini "$c"/ ;;
	merge)
		# a shard of an experiment and one of a plan, small
		rm -f "$out/seed-exp.db" "$out/seed-plan.db"
		./virtlab experiment run fuzz/corpus/experiment/tiny.ini --shard 0/2 \
			--db "$out/seed-exp.db" >/dev/null 2>&1
		./virtlab plan fuzz/corpus/plan/small.ini --shard 0/8 --db "$out/seed-plan.db" \
			>/dev/null 2>&1
		sqlite3 "$out/seed-exp.db" 'PRAGMA journal_mode=DELETE; VACUUM' >/dev/null 2>&1 || true
		sqlite3 "$out/seed-plan.db" 'PRAGMA journal_mode=DELETE; VACUUM' >/dev/null 2>&1 || true
		cp "$out/seed-exp.db" "$out/seed-plan.db" "$c"/ ;;
	esac
}
rc=0
for t in $targets; do
	echo "fuzz: building $out/fuzz-$t"
	mkdir -p "$out"
	clang -std=c11 -D_GNU_SOURCE -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -I. -O1 -g \
		-fsanitize=fuzzer,address,undefined -o "$out/fuzz-$t" "fuzz/fuzz_$t.c" $srcs \
		-lgsl -lgslcblas -lsqlite3 -lzstd -lxxhash -linih -lm -ldl
	seed "$t"
	echo "fuzz: $t for $seconds s"
	r=0
	"$out/fuzz-$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/$t-" "$out/corpus-$t" >"$out/$t.log" 2>&1 || r=$?
	tail -5 "$out/$t.log"
	if [ "$r" -eq 0 ]; then
		echo "fuzz: $t: no finding in $seconds s"
	else
		echo "fuzz: $t: FINDING: see $out/$t.log"
		rc=$r
	fi
done
exit "$rc"
