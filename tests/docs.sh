#!/bin/sh
# Runs the documentation's command blocks, so that the docs cannot drift
# from the program. In README.md, docs/*.md and docs/labs/*.md:
#   - a block with "$ " prompts (console) runs each command and compares its
#     output (stdout and stderr) with the lines shown, numbers included; a
#     line "..." stands for any number of lines;
#   - a ```sh block runs as one script (set -e) and must succeed;
#   - a block right after "<!-- docs-test: skip REASON -->" is skipped, and
#     the reason printed; one after "<!-- docs-test: slow -->" runs in mode
#     "all" only.
# Commands run in a scratch directory holding links to the tree (so out/ and
# generated files land there), with ./virtlab and virtlab the binary under
# test. Mode "quick" (make test) runs the console blocks and states the sh
# blocks it leaves to mode "all" (make test-docs).
#   tests/docs.sh VIRTLAB quick|all [FILE.md ...]
# Exit 0 when every block ran as shown, 1 otherwise.
set -u
# a make inside a block runs as a reader's would, not as a sub-make of ours
unset MAKELEVEL MAKEFLAGS MFLAGS
VIRTLAB=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
MODE=$2
shift 2
[ $# -gt 0 ] || set -- README.md docs/*.md docs/labs/*.md
ROOT=$(pwd)

T=$(mktemp -d /tmp/virtlab-docs.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/run" "$T/blocks"
for f in "$ROOT"/*; do
	case ${f##*/} in out|virtlab) ;; *) ln -s "$f" "$T/run/${f##*/}" ;; esac
done
ln -s "$VIRTLAB" "$T/run/virtlab"
# out/ starts empty, but for the kernel `make kernel` fetched (a download)
if [ -d "$ROOT/out/kernel-paths" ]; then
	mkdir -p "$T/run/out"
	ln -s "$ROOT/out/kernel-paths" "$T/run/out/kernel-paths"
fi
PATH=$T/run:$PATH
export PATH

# Each block into $T/blocks/N.*: where (file:line), kind (console, sh,
# skip), reason, and for console blocks the steps N.cmd.K and N.exp.K.
n=0
for md in "$@"; do
	n=$(awk -v md="$md" -v dir="$T/blocks" -v n="$n" '
	function out(name, text) { printf "%s\n", text >> (dir "/" n "." name); close(dir "/" n "." name) }
	/^ *<!-- docs-test: skip/ { skip = $0; sub(/^ *<!-- docs-test: skip */, "", skip);
	                            sub(/ *-->.*$/, "", skip); skipline = NR; next }
	/^ *<!-- docs-test: slow/ { slowline = NR; next }
	/^ *```/ {
		if (!inb) {
			inb = 1; indent = match($0, /[^ ]/) - 1; lang = $0; sub(/^ *```/, "", lang)
			n++; step = 0; kind = ""
			out("where", md ":" NR)
			if (slowline == NR - 1) out("slow", "")
			if (skipline == NR - 1) { kind = "skip"; out("reason", skip) }
			else if (lang == "sh" || lang == "bash") kind = "sh"
			else kind = "text"   # becomes console at its first prompt
			next
		}
		inb = 0; out("kind", kind); next
	}
	inb {
		line = substr($0, indent + 1)
		if (kind == "text" && line ~ /^\$ /) kind = "console"
		if (kind == "console") {
			if (line ~ /^\$ /) { step++; out("cmd." step, substr(line, 3)); out("exp." step, "") }
			else if (step) out("exp." step, line)
		} else if (kind == "sh") out("sh", line)
	}
	END { print n }' "$md")
done

# Whether the output file $2 matches the expected lines $1 ("..." = any lines).
matches() {
	awk 'function m(i, j,   k) {
		if (i > ne) return j > na
		if (e[i] == "...") { for (k = j; k <= na + 1; k++) if (m(i + 1, k)) return 1; return 0 }
		return j <= na && e[i] == a[j] && m(i + 1, j + 1) }
	function trim(s) { sub(/[ \t]+$/, "", s); return s }
	FNR == NR { if (FNR > 1) { x = trim($0); if (x ~ /^ *\.\.\.$/) x = "..."; e[++ne] = x }; next }
	{ a[++na] = trim($0) }
	END { exit m(1, 1) ? 0 : 1 }' "$1" "$2"
}

ran=0 failed=0 skipped=0 left=0
i=0
while [ $i -lt "$n" ]; do
	i=$((i + 1))
	b=$T/blocks/$i
	[ -f "$b.kind" ] || continue
	where=$(cat "$b.where") kind=$(cat "$b.kind")
	if [ "$MODE" != all ] && { [ -f "$b.slow" ] || [ "$kind" = sh ]; }; then
		left=$((left + 1))
		continue
	fi
	case $kind in
	skip)
		echo "docs: skipped $where: $(cat "$b.reason")"
		skipped=$((skipped + 1)) ;;
	sh)
		ran=$((ran + 1))
		if ! (cd "$T/run" && sh -e "$b.sh") >"$T/log" 2>&1; then
			echo "docs: FAILED $where: a command of the block failed:"
			tail -n 15 "$T/log" | sed 's/^/    /'
			failed=$((failed + 1))
		fi ;;
	console)
		ran=$((ran + 1))
		k=0
		while [ -f "$b.cmd.$((k + 1))" ]; do
			k=$((k + 1))
			cmd=$(cat "$b.cmd.$k")
			(cd "$T/run" && sh -c "$cmd") >"$T/out" 2>&1
			if ! matches "$b.exp.$k" "$T/out"; then
				echo "docs: FAILED $where: \$ $cmd"
				echo "  shown:"
				tail -n +2 "$b.exp.$k" | sed 's/^/    /'
				echo "  printed:"
				sed 's/^/    /' "$T/out" | head -40
				failed=$((failed + 1))
				break
			fi
		done ;;
	esac
done
echo "docs: $ran blocks ran as shown, $failed differ, $skipped skipped (reasons above)$(
	[ $left -gt 0 ] && echo ", $left slow or sh blocks left to 'make test-docs'")"
[ $failed -eq 0 ]
