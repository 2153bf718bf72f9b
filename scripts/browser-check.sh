#!/bin/sh
# Opens every report under a directory in headless Chromium, as a reader
# would: each DIR/**/index.html must load with every image and no console
# error, and each plot's SVG must show every series its gnuplot script
# declares. A screenshot of each page lands beside it (screenshot.png).
#
#   scripts/browser-check.sh [DIR]        (default out)
#
# Exit status: 0 all pages good, 1 a page failed (each failure printed),
# 2 bad usage, 77 Chromium not installed (Debian: chromium).
set -u
DIR=${1:-out}
[ -d "$DIR" ] || { echo "browser-check: $DIR: no such directory" >&2; exit 2; }
CHROMIUM=${VIRTLAB_CHROMIUM:-}
if [ -z "$CHROMIUM" ]; then
	for c in chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then CHROMIUM=$c; break; fi
	done
fi
[ -n "$CHROMIUM" ] || { echo "browser-check: skipped: Chromium not installed (Debian: chromium)" >&2; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
profile=$tmp/profile
fail=0
pages=0

# chromium ARGS...: headless, isolated, bounded in time; stderr to $tmp/log
browse() {
	timeout 300 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$profile" --enable-logging=stderr --v=0 \
		--virtual-time-budget=5000 "$@" 2>"$tmp/log"
}

abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }

for page in $(find "$DIR" -name index.html | sort); do
	pages=$((pages + 1))
	url="file://$(abs "$page")"
	shot="$(dirname "$page")/screenshot.png"
	rm -f "$shot"
	# every image the page refers to exists: a page that lacks one has
	# failed, and needs no browser to say so
	missing=0
	for img in $(grep -o '<img src="[^"]*"' "$page" | sed 's/<img src="//; s/"$//'); do
		[ -s "$(dirname "$page")/$img" ] || {
			echo "browser-check: $page: image $img does not load" >&2; missing=1; }
	done
	[ $missing -eq 0 ] || { fail=1; continue; }
	browse --window-size=1200,1600 --screenshot="$shot" "$url" >/dev/null
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "browser-check: $page: chromium exited $rc" >&2
		fail=1
		continue
	fi
	# console errors, failed loads (a missing image is ERR_FILE_NOT_FOUND)
	if grep -E 'CONSOLE|Failed to load|ERR_FILE_NOT_FOUND|Uncaught' "$tmp/log" \
	   | grep -v 'Fontconfig' > "$tmp/errors"; [ -s "$tmp/errors" ]; then
		sed "s|^|browser-check: $page: |" "$tmp/errors" >&2
		fail=1
	fi
	[ -s "$shot" ] || { echo "browser-check: $page: no screenshot" >&2; fail=1; }
	# each plot's SVG, as the browser renders it, shows every declared series:
	# all of a page's plots inline in one document, so one browser start
	# renders them (each start costs seconds)
	n=0
	: > "$tmp/svgs.html"
	for gp in "$(dirname "$page")"/*.svg.gp; do
		[ -e "$gp" ] || continue
		n=$((n + 1))
		{ printf '<div id="vl-svg-%d">\n' $n; grep -v '^<?xml\|^<!DOCTYPE' "${gp%.gp}"
		  printf '</div>\n'; } >> "$tmp/svgs.html"
	done
	[ $n -gt 0 ] || continue
	{ echo '<!DOCTYPE html><html><body>'; cat "$tmp/svgs.html"; echo '</body></html>'; } > "$tmp/all.html"
	browse --dump-dom "file://$tmp/all.html" > "$tmp/dom" || {
		echo "browser-check: $page: chromium could not render its plots" >&2; fail=1; continue; }
	n=0
	for gp in "$(dirname "$page")"/*.svg.gp; do
		[ -e "$gp" ] || continue
		n=$((n + 1))
		svg=${gp%.gp}
		# this plot's part of the rendered document
		awk -v a="id=\"vl-svg-$n\"" -v b="id=\"vl-svg-$((n + 1))\"" \
			'index($0, a) { on = 1 } index($0, b) { on = 0 } on' "$tmp/dom" > "$tmp/part"
		[ -s "$tmp/part" ] || { echo "browser-check: $svg: not rendered" >&2; fail=1; continue; }
		grep -o "title '[^']*'" "$gp" | sed "s/^title '//; s/'\$//" | sort -u |
		while IFS= read -r t; do
			[ -n "$t" ] || continue
			grep -qF -- "$t" "$tmp/part" || {
				echo "browser-check: $svg: series '$t' not shown"; exit 1; }
		done >&2 || fail=1
	done
done
[ $pages -gt 0 ] || { echo "browser-check: no index.html under $DIR" >&2; exit 1; }
[ $fail -eq 0 ] && echo "browser-check: $pages pages good (screenshots beside them)"
exit $fail
