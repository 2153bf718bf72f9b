#!/bin/sh
# Regenerates the parameter and profile tables of every model README from
# the models' own tables (virtlab models show M --markdown), between the
# markers "<!-- tables: begin -->" and "<!-- tables: end -->". The tests
# check that the READMEs match.
set -eu
for m in $(./virtlab models --names); do
	f=models/$m/README.md
	[ -f "$f" ] || continue
	tables=$(./virtlab models show "$m" --markdown)
	awk -v tables="$tables" '
		/<!-- tables: begin -->/ { print; print tables; skip = 1; next }
		/<!-- tables: end -->/ { skip = 0 }
		!skip { print }' "$f" >"$f.tmp"
	mv "$f.tmp" "$f"
done
