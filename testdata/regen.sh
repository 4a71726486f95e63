#!/usr/bin/env bash
# Rebuilds every heap profile in profiles/ from the programs in gen/, then
# regenerates every `go tool pprof` golden output in golden/ and
# golden/MANIFEST.tsv. See README.md.
#
# Usage: testdata/regen.sh        (from any directory)
#
# Needs only the Go toolchain (go1.19.8 was used; `go tool pprof` is the
# pprof vendored in it). Profiles contain addresses, timestamps and run-to-run
# noise, so every run produces different bytes: regenerate the profiles and
# the goldens together, never one without the other.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export TZ=UTC # stable "Time:" lines in pprof output

# Build directory. Its path ends up in the profiles' mappings (and so in the
# -raw goldens), hence a fixed name rather than mktemp.
BIN=${TMPDIR:-/tmp}/heapscope-testdata
rm -rf "$BIN"
mkdir -p "$BIN"
trap 'rm -rf "$BIN"' EXIT

die() {
	echo "regen.sh: $*" >&2
	exit 1
}

echo "using $(go version)"
case "$(go version)" in
*go1.19.8*) ;;
*) echo "regen.sh: warning: the checked-in data was made with go1.19.8" >&2 ;;
esac

rm -rf profiles golden
mkdir -p profiles golden

is_gzip() { [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = "1f8b" ]; }

# ---------------------------------------------------------------------------
# Profiles
# ---------------------------------------------------------------------------

# 1. inline: inlined frames (+ the legacy text form of the same profile).
(
	cd gen/inline
	# Fail loudly if the compiler's inlining decisions ever change.
	m=$(go build -gcflags=-m -o "$BIN/inline" . 2>&1)
	for want in 'can inline newBuf' 'can inline mid' 'can inline outer' \
		'can inline newPoint' 'inlining call to outer' \
		'inlining call to mid' 'inlining call to newBuf' \
		'inlining call to newPoint'; do
		grep -q "$want" <<<"$m" || die "inline: compiler output lacks '$want'"
	done
	# newBuf must be inlined only into mid, outer and (via both) into
	# chainWork; viaFuncValue must call it out of line, through a func value.
	ok_lines=$(grep -nE '^func (mid|outer)\(|b := outer\(' main.go | cut -d: -f1 | sort -u | tr '\n' ' ')
	got_lines=$(grep 'inlining call to newBuf' <<<"$m" | cut -d: -f2 | sort -u | tr '\n' ' ')
	[ "$got_lines" = "$ok_lines" ] ||
		die "inline: newBuf inlined at lines $got_lines, want $ok_lines"
)
"$BIN/inline" profiles/inline.pb.gz profiles/inline.heap.txt
gzip -dc profiles/inline.pb.gz >profiles/inline.pb

# 2. recursion: direct and mutual recursion.
(cd gen/recursion && go build -o "$BIN/recursion" .)
"$BIN/recursion" profiles/recursion.pb.gz

# 3. gotest: `go test -memprofile`; the test retains nothing.
# -o keeps the test binary out of the source tree; -count=1 defeats caching.
(cd gen/gotest && go test -count=1 -o "$BIN/gotest.test" \
	-memprofile="$BIN/gotest.prof" -run TestX .)
if is_gzip "$BIN/gotest.prof"; then GOTEST=gotest.pb.gz; else GOTEST=gotest.pb; fi
cp "$BIN/gotest.prof" "profiles/$GOTEST"

# 4. server: net/http service, profile fetched from /debug/pprof/heap.
(cd gen/server && go build -o "$BIN/server" .)
"$BIN/server" profiles/server.pb.gz profiles/server.heap.txt

for f in profiles/*.pb.gz; do is_gzip "$f" || die "$f is not gzipped"; done

# The goldens must not depend on pprof finding the binaries: remove them.
rm -f "$BIN"/inline "$BIN"/recursion "$BIN"/server "$BIN"/gotest.test

# ---------------------------------------------------------------------------
# Goldens
# ---------------------------------------------------------------------------

MANIFEST=golden/MANIFEST.tsv
printf 'golden\tprofile\targs\n' >"$MANIFEST"

# golden NAME PROFILE ARGS... : run `go tool pprof ARGS... profiles/PROFILE`,
# store stdout as golden/NAME and add a manifest line. Any stderr output is
# treated as an error.
golden() {
	local name=$1 prof=$2
	shift 2
	local err="$BIN/stderr"
	[ ! -e "golden/$name" ] || die "duplicate golden name $name"
	if ! go tool pprof "$@" "profiles/$prof" >"golden/$name" 2>"$err"; then
		cat "$err" >&2
		die "go tool pprof $* profiles/$prof failed"
	fi
	if [ -s "$err" ]; then
		cat "$err" >&2
		die "go tool pprof $* profiles/$prof wrote to stderr"
	fi
	local IFS=' '
	printf '%s\t%s\t%s\n' "$name" "$prof" "$*" >>"$MANIFEST"
}

SAMPLES=(alloc_objects alloc_space inuse_objects inuse_space)

# Every value of every node: one golden per (profile, sample index,
# granularity).
for pair in inline:inline.pb.gz inline_plain:inline.pb recursion:recursion.pb.gz \
	gotest:$GOTEST server:server.pb.gz; do
	base=${pair%%:*} prof=${pair#*:}
	for s in "${SAMPLES[@]}"; do
		all=(-top -unit=B -nodecount=1000000 -nodefraction=0 -sample_index=$s)
		golden "$base.$s.functions.txt" "$prof" "${all[@]}"
		golden "$base.$s.lines.txt" "$prof" "${all[@]}" -lines
		golden "$base.$s.files.txt" "$prof" "${all[@]}" -files
	done
done

# Default text output (units, headers, dropping, sorting, filters).
# Regexes are matched by pprof against function names AND file names.
text_goldens() {
	local base=$1 prof=$2 focus=$3 ignore=$4 hide=$5 show=$6 s
	for s in inuse_space alloc_space; do
		golden "$base.$s.top.txt" "$prof" -top -sample_index=$s
		golden "$base.$s.cum.txt" "$prof" -top -sample_index=$s -cum
		golden "$base.$s.nodecount5.txt" "$prof" -top -sample_index=$s -nodecount=5
		golden "$base.$s.nodefraction.txt" "$prof" -top -sample_index=$s -nodefraction=0.05
		golden "$base.$s.focus.txt" "$prof" -top -sample_index=$s "-focus=$focus"
		golden "$base.$s.ignore.txt" "$prof" -top -sample_index=$s "-ignore=$ignore"
		golden "$base.$s.hide.txt" "$prof" -top -sample_index=$s "-hide=$hide"
		golden "$base.$s.show.txt" "$prof" -top -sample_index=$s "-show=$show"
		golden "$base.$s.lines8.txt" "$prof" -top -sample_index=$s -lines -nodecount=8
		golden "$base.$s.top_files.txt" "$prof" -top -sample_index=$s -files
	done
}
# text_goldens BASE PROFILE FOCUS IGNORE HIDE SHOW
text_goldens inline inline.pb.gz 'newBuf' 'makeTable' '^main\.(mid|outer)$' '^main\.'
text_goldens server server.pb.gz 'handlePut' 'encoding/json' '^reflect\.' '^main\.'

# gotest: the test's own allocations are all freed. With
# -relative_percentages the total is computed after -focus, giving a real
# "0 of 0 total" report.
golden gotest.inuse_space.focus.txt "$GOTEST" -top -sample_index=inuse_space -focus=TestX
golden gotest.inuse_space.focus_relative.txt "$GOTEST" -top -sample_index=inuse_space -relative_percentages -focus=TestX
golden gotest.alloc_space.focus_relative.txt "$GOTEST" -top -sample_index=alloc_space -relative_percentages -focus=TestX

# Raw dumps of the decoded profiles (after pprof's merge, which drops samples
# whose values are all zero).
golden inline.raw.txt inline.pb.gz -raw
golden recursion.raw.txt recursion.pb.gz -raw

# ---------------------------------------------------------------------------
# Sanity checks on what the goldens show
# ---------------------------------------------------------------------------
grep -q 'main.newBuf (partial-inline)' golden/inline.alloc_space.functions.txt ||
	die "inline: main.newBuf is not (partial-inline)"
grep -q 'main.mid (inline)' golden/inline.alloc_space.functions.txt ||
	die "inline: main.mid is not (inline)"
cmp -s golden/inline.alloc_space.lines.txt golden/inline_plain.alloc_space.lines.txt ||
	die "inline.pb and inline.pb.gz give different output"
grep -q 'of 0 total' golden/gotest.inuse_space.focus_relative.txt ||
	die "gotest: TestX retains memory"
if grep -q 'of 0 total' golden/gotest.alloc_space.functions.txt; then
	die "gotest: no allocations recorded"
fi
body() { sed -n '/ flat%/,$p' "$1"; } # the table, without the header lines
for base in inline server; do
	for s in inuse_space alloc_space; do
		for v in focus ignore hide show; do
			if [ "$(body "golden/$base.$s.top.txt")" = "$(body "golden/$base.$s.$v.txt")" ]; then
				die "$base.$s: -$v does not change the output"
			fi
		done
	done
done

n=$(($(wc -l <"$MANIFEST") - 1))
[ "$n" -eq "$(ls golden | grep -cv '^MANIFEST.tsv$')" ] ||
	die "MANIFEST.tsv and golden/ disagree"
echo "wrote $(ls profiles | wc -l) profiles and $n goldens; testdata is $(du -sh . | cut -f1)"
