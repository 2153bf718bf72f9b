#!/bin/sh
# Installs what virtlab needs to build, test and run, when it is missing.
# On Debian/Ubuntu it uses apt-get (through sudo when not root); elsewhere it
# prints the packages to install. Quiet when everything is present.
set -e

# package:what-proves-it-is-installed
NEEDS="
gcc:cmd:cc
make:cmd:make
pkg-config:cmd:pkg-config
libgsl-dev:hdr:gsl/gsl_rng.h
libsqlite3-dev:hdr:sqlite3.h
libcunit1-dev:hdr:CUnit/CUnit.h
libzstd-dev:hdr:zstd.h
libxxhash-dev:hdr:xxhash.h
libinih-dev:hdr:ini.h
gnuplot-nox:cmd:gnuplot
graphviz:cmd:dot
"

have_header() {
	printf '#include <%s>\n' "$1" | cc -E -x c - >/dev/null 2>&1
}

missing=""
for n in $NEEDS; do
	pkg=${n%%:*}; rest=${n#*:}; kind=${rest%%:*}; what=${rest#*:}
	case $kind in
	cmd) command -v "$what" >/dev/null 2>&1 || missing="$missing $pkg" ;;
	hdr) command -v cc >/dev/null 2>&1 && have_header "$what" || missing="$missing $pkg" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "virtlab: installing missing packages:$missing"
if command -v apt-get >/dev/null 2>&1; then
	if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq || true
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
	exit 0
fi
echo "virtlab: this system has no apt-get. Install the equivalents of these Debian" >&2
echo "packages, then run make again:$missing" >&2
echo "(GSL, SQLite 3, CUnit, zstd and xxHash development files; gnuplot; Graphviz)" >&2
exit 1
