#!/bin/sh
# Every shipped report as a reader sees it: each experiment of
# experiments/papers and experiments/labs run into DIR and reported, each
# capacity plan of experiments/capacity planned there, and every page then
# opened in headless Chromium (scripts/browser-check.sh): each loads with
# every image and no console error, and each plot shows every series its
# experiment declares. About two minutes on two cores.
#
#   scripts/check-shipped-reports.sh [VIRTLAB] [DIR]   (./virtlab, out/shipped)
#
# Exit status: browser-check's (0 all pages good, 1 a page failed, 77
# Chromium not installed); 1 when an experiment, report or plan fails.
set -eu
V=${1:-./virtlab}
DIR=${2:-out/shipped}
rm -rf "$DIR"
mkdir -p "$DIR"
for f in experiments/papers/*.ini experiments/labs/*.ini; do
	n=$(basename "$f" .ini)
	echo "check-shipped-reports: $f"
	"$V" experiment run "$f" --jobs 2 --quiet --db "$DIR/$n.db" >/dev/null
	"$V" report "$DIR/$n.db" --out "$DIR/$n" >/dev/null
done
for f in experiments/capacity/*.ini; do
	n=$(basename "$f" .ini)
	echo "check-shipped-reports: $f"
	# the plan as shipped, its report written under DIR
	awk -v out="$DIR/$n" '{ print } /^\[plan\]/ { print "output = " out }' "$f" > "$DIR/$n.ini"
	"$V" plan "$DIR/$n.ini" --jobs 2 --quiet >/dev/null
done
exec sh scripts/browser-check.sh "$DIR"
