#!/bin/sh
# make bench-peers: the hold-model benchmark of our event queues beside
# ns-3's schedulers, built from Debian's libns3-dev when it is installed.
# Skips (exit 0) with the reason when it is not.
set -eu
build=${1:-build/rel}
if [ ! -f /usr/include/ns3/heap-scheduler.h ] || ! command -v g++ >/dev/null 2>&1; then
	echo "bench-peers: skipped: ns-3 is not installed (apt-get install libns3-dev g++)"
	exit 0
fi
mkdir -p "$build"
if [ ! -x "$build/ns3-hold" ] || [ bench/ns3_hold.cc -nt "$build/ns3-hold" ]; then
	g++ -O2 -std=c++17 -o "$build/ns3-hold" bench/ns3_hold.cc -lns3-core
fi
echo "event queue, hold model: 1M pending, 5M holds, exponential increments"
echo "(best of 3 rounds each; the two programs alternate twice)"
ours=$(mktemp) theirs=$(mktemp)
trap 'rm -f "$ours" "$theirs"' EXIT
for round in 1 2; do
	"$build/virtlab-bench" --hold-only >>"$ours"
	"$build/ns3-hold" >>"$theirs"
done
best() { sort -k1,1 -k2,2nr "$1" | awk '!seen[$1]++'; }
best "$ours" | awk '{printf "  %-22s %8.2f M holds/s\n", $1, $2 / 1e6}'
best "$theirs" | awk '{printf "  %-22s %8.2f M holds/s\n", $1, $2 / 1e6}'
ours_best=$(best "$ours" | sort -k2,2nr | head -1)
theirs_best=$(best "$theirs" | sort -k2,2nr | head -1)
echo "$ours_best $theirs_best" | awk '{
	r = $2 / $4
	verdict = "MISSED"
	if (r >= 1) verdict = "ok"
	printf "  %-52s %8.3f  (bar >= 1.000) %s\n", $1 " / " $3 " (ns-3 fastest)", r, verdict
	if (r < 1) exit 1
}'
