#!/bin/sh
# make install into a temporary DESTDIR, as a user of the installed tree
# would: build the example plugin against the installed headers with
# pkg-config, run it under the installed binary, read the man page and load
# the completion; then make uninstall and check that nothing is left.
# Exit 0 when all holds, 1 otherwise, saying what failed (the suite checks
# for pkg-config and cc first).
#   tests/install.sh [MAKE-ARGS...]    e.g. SANITIZE=1
set -u
fail() { echo "install.sh: $*"; exit 1; }

D=$(mktemp -d /tmp/virtlab-install.XXXXXX)
trap 'rm -rf "$D"' EXIT
P=/opt/virtlab-test
make --no-print-directory -s install PREFIX=$P DESTDIR="$D/root" "$@" >"$D/make.log" 2>&1 ||
	fail "make install failed: $(tail -5 "$D/make.log")"
R=$D/root$P
for f in bin/virtlab bin/vl-probe lib/virtlab/plugins/ideal.so lib/virtlab/vlcapture.so \
         lib/pkgconfig/virtlab.pc \
         include/virtlab/sim/model.h include/virtlab/sim/native.h share/man/man1/virtlab.1 \
         share/bash-completion/completions/virtlab share/virtlab/plugins/example/ideal.c \
         share/virtlab/traces/samples/hello.vlt share/virtlab/experiments/labs/1-virtualizability.ini; do
	[ -e "$R/$f" ] || fail "$P/$f not installed"
done

# the plugin, from the installed source and headers only, found by pkg-config
export PKG_CONFIG_PATH="$R/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D/root"
cflags=$(pkg-config --cflags virtlab) || fail "pkg-config --cflags virtlab failed"
[ "$(pkg-config --modversion virtlab)" = "$("$R/bin/virtlab" --version | cut -d' ' -f2)" ] ||
	fail "virtlab.pc's version is not the binary's"
cp "$R/share/virtlab/plugins/example/ideal.c" "$D/mine.c"
(cd "$D" && cc -std=c11 -Wall -Werror -shared -fPIC $cflags -o mine.so mine.c) 2>"$D/cc.log" ||
	fail "the example plugin does not build against the installed headers: $(cat "$D/cc.log")"

# the installed binary, away from the source tree, with the installed samples
cd "$D" || exit 1
out=$("$R/bin/virtlab" run --model-path ./mine.so -m ideal \
      -t "$R/share/virtlab/traces/samples/hello.vlt" --no-db 2>&1) ||
	fail "the installed virtlab failed: $out"
case $out in *"vmexit                    8,000"*) ;; *) fail "unexpected output: $out" ;; esac
"$R/bin/virtlab" help run | grep -q 'usage: virtlab run' || fail "help run"

# the man page renders without warnings and lists every command
if command -v groff >/dev/null 2>&1; then
	warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$R/share/man/man1/virtlab.1" 2>&1)
	[ -z "$warn" ] || fail "man page warnings: $warn"
fi
for c in $("$R/bin/virtlab" help --commands | cut -f1); do
	grep -q "^\.SS \"virtlab $c\"" "$R/share/man/man1/virtlab.1" || fail "man page lacks $c"
done
# completion: commands, then subcommands and options of one
got=$(bash -c '. "$1"; COMP_WORDS=(virtlab exp); COMP_CWORD=1; _virtlab; echo "${COMPREPLY[*]}";
               COMP_WORDS=(virtlab experiment r); COMP_CWORD=2; _virtlab; echo "${COMPREPLY[*]}";
               COMP_WORDS=(virtlab experiment run --pa); COMP_CWORD=3; _virtlab; echo "${COMPREPLY[*]}"' \
      _ "$R/share/bash-completion/completions/virtlab" 2>&1)
[ "$got" = "experiment export
run runs
--param" ] || fail "completion gave: $got"

cd - >/dev/null || exit 1
make --no-print-directory -s uninstall PREFIX=$P DESTDIR="$D/root" "$@" >"$D/make.log" 2>&1 ||
	fail "make uninstall failed: $(tail -5 "$D/make.log")"
left=$(find "$D/root" -type f)
[ -z "$left" ] || fail "left after uninstall: $left"
echo "installed, used and uninstalled under $P"
