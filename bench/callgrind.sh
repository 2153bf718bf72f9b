#!/bin/sh
# make bench's instruction counts: what replaying one event costs each model,
# in host instructions counted by valgrind's callgrind, which repeats exactly
# on a shared, noisy machine where times do not: replays of 1M and 0.5M
# events of the cpu generator (binary, decoded from the file), their
# difference over 0.5M, so start-up cancels. The goals:
# native at most 40 instructions an event, the heaviest model at most 80.
# Exit status 1 where a goal is missed; skips (exit 0) without valgrind.
set -eu
build=${1:-build/rel}
virtlab=$build/virtlab
command -v valgrind >/dev/null 2>&1 || {
	echo "bench-callgrind: skipped: valgrind is not installed (Debian package valgrind)"
	exit 0
}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
n=500000
"$virtlab" trace gen cpu --events $n --seed 1 -o "$t/a.vlb" 2>/dev/null
"$virtlab" trace gen cpu --events $((2 * n)) --seed 1 -o "$t/b.vlb" 2>/dev/null
ir() { # TRACE MODEL: instructions of one replay
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$virtlab" run -t "$1" -m "$2" \
		--no-db --no-baseline -q 2>&1 >/dev/null | sed -n 's/.*Collected : //p'
}
echo "6. instructions per event (callgrind: a replay of $((2 * n)) events less one of $n, over $n)"
fail=0 worst=0 worst_model=
for m in $("$virtlab" models | awk 'NR > 1 && /^[a-z]/ { print $1 }'); do
	per=$(awk -v a="$(ir "$t/a.vlb" "$m")" -v b="$(ir "$t/b.vlb" "$m")" -v n=$n \
		'BEGIN { printf "%.1f", (b - a) / n }')
	printf '  %-10s %8s instructions an event\n' "$m" "$per"
	if awk -v p="$per" -v w="$worst" 'BEGIN { exit !(p > w) }'; then
		worst=$per worst_model=$m
	fi
	[ "$m" = native ] && native=$per
done
verdict() { # WHAT VALUE BAR
	if awk -v v="$2" -v b="$3" 'BEGIN { exit !(v <= b) }'; then ok=ok; else ok=MISSED fail=1; fi
	printf '  %-52s %8s  (bar <= %s) %s\n' "$1" "$2" "$3" "$ok"
}
verdict "native replay: instructions an event" "$native" 40
verdict "heaviest model ($worst_model): instructions an event" "$worst" 80
exit $fail
