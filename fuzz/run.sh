#!/bin/sh
# make fuzz: builds the fuzz targets with clang's libFuzzer plus ASan and
# UBSan, seeds their corpora, and fuzzes each for a bounded time. Exits
# non-zero on a finding. The targets:
#   trace          the trace readers (sample traces, text and binary, plain and zstd)
#   import_strace  the strace importer (fuzz/seeds/strace, the logs of tests/data)
#   import_blkio   the block-I/O importer (fuzz/seeds/blkio, tests/data)
#   experiment     experiment files (fuzz/seeds/experiment, the shipped files)
#   plan           capacity plan files (fuzz/seeds/plan, the shipped plans)
#   merge          a shard's database given to merge (two small shards made here)
#   fuzz/run.sh [SECONDS-PER-TARGET] [TARGET...]
set -eu
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-trace import_strace import_blkio experiment plan merge}
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

# seed TARGET: fills $out/corpus-TARGET
seed() {
	c="$out/corpus-$1"
	mkdir -p "$c"
	case $1 in
	trace)
		for f in traces/samples/*.vlt; do
			b=$(basename "$f" .vlt)
			cp "$f" "$c/$b.vlt"
			./virtlab trace convert "$f" "$c/$b.vlb" >/dev/null
			./virtlab trace convert "$f" "$c/$b.zst.vlb" --zstd >/dev/null
		done ;;
	import_strace)
		cp fuzz/seeds/strace/* tests/data/strace-*.log "$c"/ ;;
	import_blkio)
		cp fuzz/seeds/blkio/* tests/data/*.iolog "$c"/ ;;
	experiment)
		cp fuzz/seeds/experiment/* experiments/papers/*.ini experiments/labs/*.ini "$c"/ ;;
	plan)
		cp fuzz/seeds/plan/* experiments/capacity/*.ini "$c"/ ;;
	merge)
		rm -f "$out/seed-exp.db" "$out/seed-plan.db"
		./virtlab experiment run fuzz/seeds/experiment/tiny.ini --shard 0/2 \
			--db "$out/seed-exp.db" >/dev/null 2>&1
		./virtlab plan fuzz/seeds/plan/small.ini --shard 0/8 --db "$out/seed-plan.db" \
			>/dev/null 2>&1
		sqlite3 "$out/seed-exp.db" 'PRAGMA journal_mode=DELETE; VACUUM' >/dev/null 2>&1 || true
		sqlite3 "$out/seed-plan.db" 'PRAGMA journal_mode=DELETE; VACUUM' >/dev/null 2>&1 || true
		cp "$out/seed-exp.db" "$out/seed-plan.db" "$c"/ ;;
	*)
		echo "fuzz: no target '$1'" >&2
		exit 2 ;;
	esac
}

rc=0
for target in $targets; do
	echo "fuzz: building $out/fuzz-$target"
	# shellcheck disable=SC2086
	clang $flags -fsanitize=fuzzer,address,undefined -o "$out/fuzz-$target" \
		"fuzz/fuzz_$target.c" $objs -lgsl -lgslcblas -lsqlite3 -lzstd -lxxhash -linih -lm -ldl
	seed "$target"
	echo "fuzz: running fuzz-$target for $seconds s"
	r=0
	"$out/fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/$target-" "$out/corpus-$target" \
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
