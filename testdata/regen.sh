#!/usr/bin/env bash
# Rebuilds every heap profile in profiles/ from the programs in gen/, then
# regenerates every `go tool pprof` golden output in golden/ and
# golden/MANIFEST.tsv. See README.md.
#
# Usage: testdata/regen.sh                (from any directory) everything
#        testdata/regen.sh --text-forms   only the data of the text forms
#                                         (legacy profiles of the programs below,
#                                         tcmalloc profiles, gctrace logs, MemStats
#                                         blocks, golden/legacy/); the protobuf
#                                         profiles and their goldens are left alone
#
# Needs the Go toolchain (go1.19.8 was used; `go tool pprof` is the pprof
# vendored in it) and, for the tcmalloc profiles, g++ and gperftools
# (Debian: libgoogle-perftools-dev). Profiles contain addresses, timestamps
# and run-to-run noise, so every run produces different bytes: regenerate the
# profiles and the goldens together, never one without the other.
set -euo pipefail

MODE=all
case "${1:-}" in
"") ;;
--text-forms) MODE=text-forms ;;
*)
	echo "usage: testdata/regen.sh [--text-forms]" >&2
	exit 2
	;;
esac

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

is_gzip() { [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = "1f8b" ]; }

# ---------------------------------------------------------------------------
# The text forms: legacy heap profiles, runtime.MemStats blocks, gctrace logs
# ---------------------------------------------------------------------------

# Files the text-forms section owns, besides logs/ and golden/legacy/.
TEXT_PROFILES=(churn.pb.gz churn.heap.txt runaway.heap.txt thrash.heap.txt
	fragment.heap.txt cxx.heapprofile.txt cxx.heap_v2.txt)

# golden_legacy NAME PROFILE ARGS... : like golden (below) into
# golden/legacy/, except that pprof's note on Go's legacy profiles, which name
# no binary ("Main binary filename not available."), is expected on stderr.
golden_legacy() {
	local name=$1 prof=$2
	shift 2
	local err="$BIN/stderr"
	[ ! -e "golden/legacy/$name" ] || die "duplicate golden name legacy/$name"
	if ! go tool pprof "$@" "profiles/$prof" >"golden/legacy/$name" 2>"$err"; then
		cat "$err" >&2
		die "go tool pprof $* profiles/$prof failed"
	fi
	if grep -v '^Main binary filename not available\.$' "$err" | grep -q .; then
		cat "$err" >&2
		die "go tool pprof $* profiles/$prof wrote to stderr"
	fi
	local IFS=' '
	printf '%s\t%s\t%s\n' "$name" "$prof" "$*" >>golden/legacy/MANIFEST.tsv
}

text_forms() {
	rm -rf logs golden/legacy
	for f in "${TEXT_PROFILES[@]}"; do rm -f "profiles/$f"; done
	mkdir -p logs golden/legacy

	local d
	for d in churn runaway thrash fragment; do
		(cd "gen/$d" && go vet . && go build -o "$BIN/$d" .)
	done

	# churn: a steady service, sampled at the default rate; the text form and,
	# right after it, the protobuf of the same moment; its stderr is the GC
	# trace with the scavenger's lines and its own output interleaved.
	GODEBUG=gctrace=1,scavtrace=1 "$BIN/churn" profiles/churn.pb.gz \
		profiles/churn.heap.txt 2>logs/churn.gctrace.log
	is_gzip profiles/churn.pb.gz || die "churn.pb.gz is not gzipped"
	# runaway: a loader whose live heap rises to the end.
	GODEBUG=gctrace=1 "$BIN/runaway" profiles/runaway.heap.txt 2>logs/runaway.gctrace.log
	# thrash: GOGC=5 over a 64 MiB live set: back-to-back cycles.
	GODEBUG=gctrace=1 "$BIN/thrash" profiles/thrash.heap.txt 2>logs/thrash.gctrace.log
	# fragment: a fragmented heap with idle memory not yet released.
	"$BIN/fragment" profiles/fragment.heap.txt 2>/dev/null

	# The MemStats block as people paste it: without the "# " of each line.
	sed -n '/^# runtime.MemStats$/,$p' profiles/fragment.heap.txt | sed 's/^# //' \
		>logs/fragment.memstats.txt
	grep -q '^HeapInuse = ' logs/fragment.memstats.txt || die "no MemStats block in fragment.heap.txt"

	# A damaged copy of churn's log, by hand-made edits: cycle 40's line cut
	# short (as when a process dies mid-write) and cycle 80's heap sizes
	# garbled. Everything else is byte for byte the real log.
	awk '/^gc 40 @/ { print substr($0, 1, 30); next }
	     /^gc 80 @/ { sub(/ MB, /, " M?, "); sub(/->/, "-#"); print; next }
	     { print }' logs/churn.gctrace.log >logs/churn.damaged.gctrace.log
	[ "$(grep -c '^gc ' logs/churn.gctrace.log)" -ge 80 ] || die "churn: fewer than 80 GC cycles"
	cmp -s logs/churn.gctrace.log logs/churn.damaged.gctrace.log && die "churn: damaging changed nothing"

	# Sanity checks on the runs' shapes.
	grep -q '(forced)$' logs/churn.gctrace.log || die "churn: no forced GC in the log"
	grep -q '^scav ' logs/churn.gctrace.log || die "churn: no scavenger lines"
	grep -q '^churn: ' logs/churn.gctrace.log || die "churn: no program output in the log"
	[ "$(grep -c '^gc ' logs/thrash.gctrace.log)" -ge 50 ] || die "thrash: fewer than 50 GC cycles"
	head -1 profiles/churn.heap.txt | grep -q '@ heap/1048576$' || die "churn: not sampled at 512 KiB"

	# tcmalloc (gperftools): the C++ forms, heapprofile and heap_v2.
	command -v g++ >/dev/null || die "g++ is needed for the tcmalloc profiles"
	g++ -O1 -g -o "$BIN/tcmalloc" gen/tcmalloc/main.cc -ltcmalloc ||
		die "cannot build gen/tcmalloc (needs libgoogle-perftools-dev)"
	TCMALLOC_SAMPLE_PARAMETER=65536 "$BIN/tcmalloc" profiles/cxx.heapprofile.txt \
		profiles/cxx.heap_v2.txt 2>/dev/null
	head -1 profiles/cxx.heapprofile.txt | grep -q '@ heapprofile$' || die "tcmalloc: no heapprofile header"
	head -1 profiles/cxx.heap_v2.txt | grep -q '@ heap_v2/65536$' || die "tcmalloc: no heap_v2 header"

	# pprof must not find the binaries (mappings name them).
	rm -f "$BIN"/churn "$BIN"/runaway "$BIN"/thrash "$BIN"/fragment "$BIN"/tcmalloc

	printf 'golden\tprofile\targs\n' >golden/legacy/MANIFEST.tsv
	# Every address of every legacy profile, per sample type: pprof cannot
	# name the frames without the binaries, so -addresses keys each location
	# by address; -symbolize=none keeps pprof from looking for them.
	local prof base s types raw
	for prof in inline.heap.txt server.heap.txt churn.heap.txt runaway.heap.txt \
		thrash.heap.txt fragment.heap.txt cxx.heapprofile.txt cxx.heap_v2.txt; do
		base=${prof%.txt}
		# Four sample types or two, as pprof decides from the header. (Its
		# output is captured first: grep -q would close the pipe early.)
		raw=$(go tool pprof -raw -symbolize=none "profiles/$prof" 2>/dev/null)
		if grep -q alloc_space <<<"$raw"; then
			types=(alloc_objects alloc_space inuse_objects inuse_space)
		else
			types=(objects space)
		fi
		for s in "${types[@]}"; do
			golden_legacy "$base.$s.addresses.txt" "$prof" -top -addresses -symbolize=none \
				-unit=B -nodecount=1000000 -nodefraction=0 -sample_index=$s
		done
	done
	# churn's protobuf, every node: heapscope on the text form of the same
	# moment must give the same functions, lines and files.
	for s in alloc_objects alloc_space inuse_objects inuse_space; do
		local all=(-top -unit=B -nodecount=1000000 -nodefraction=0 -sample_index=$s)
		golden_legacy "churn_pb.$s.functions.txt" churn.pb.gz "${all[@]}"
		golden_legacy "churn_pb.$s.lines.txt" churn.pb.gz "${all[@]}" -lines
		golden_legacy "churn_pb.$s.files.txt" churn.pb.gz "${all[@]}" -files
	done
	grep -q 'of 0B total' golden/legacy/churn_pb.inuse_space.functions.txt &&
		die "churn: nothing in use"
	local n=$(($(wc -l <golden/legacy/MANIFEST.tsv) - 1))
	[ "$n" -eq "$(find golden/legacy -maxdepth 1 -type f ! -name MANIFEST.tsv | wc -l)" ] ||
		die "golden/legacy/MANIFEST.tsv and golden/legacy/ disagree"
	echo "wrote the text forms: $(ls logs | wc -l) logs and $n legacy goldens"
}

if [ "$MODE" = text-forms ]; then
	text_forms
	exit 0
fi

rm -rf profiles golden logs
mkdir -p profiles golden

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
[ "$n" -eq "$(find golden -maxdepth 1 -type f ! -name MANIFEST.tsv | wc -l)" ] ||
	die "MANIFEST.tsv and golden/ disagree"

text_forms

echo "wrote $(ls profiles | wc -l) profiles and $n goldens; testdata is $(du -sh . | cut -f1)"
