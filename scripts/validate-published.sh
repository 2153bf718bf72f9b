#!/bin/sh
# make validate-published: runs every experiment of experiments/papers/ whose
# references carry a bound (`bound = N%`: the largest error allowed, today's
# error rounded up, tightened as the models improve) and checks each error
# against it (docs/experiments.md, "Bounds"). Exit status 1 when one fails.
#   scripts/validate-published.sh VIRTLAB
set -eu
virtlab=${1:?usage: validate-published.sh VIRTLAB}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
failed=0
for f in experiments/papers/*.ini; do
	grep -q '^bound *=' "$f" || continue
	name=$(basename "$f" .ini)
	echo "== $f"
	"$virtlab" experiment run "$f" --jobs 2 --quiet --db "$work/$name.db" >/dev/null
	"$virtlab" experiment check "$f" --db "$work/$name.db" || failed=1
done
exit $failed
