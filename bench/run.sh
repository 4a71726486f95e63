#!/usr/bin/env bash
# Benchmarks heapscope on big heap profiles against `gzip -dc` of the same
# files (the floor: reading them), with hyperfine, and prints the targets of
# issue 9 as a markdown table: time as a ratio to gzip, peak RSS, linear
# growth from a 1x to a 4x profile (the two sizes run in turn), and `top`
# on a 2 KB profile. Then the floor of issue 23: each command and
# heapscope-inflate (inflating the same files into a sink, with heapscope's
# inflate library, on both cores when there are several) in turn, one run
# of each per round, as ratios.
#
#   bench/run.sh                  # everything: big.pb.gz, synthetic 1x and 4x
#   bench/run.sh --quick          # 3 runs per command instead of 10
#   bench/run.sh --sizes 1,4      # only the synthetic profiles (big, 1, 4, small)
#   bench/run.sh --pprof          # also go tool pprof -top, one run each (slow)
#   bench/run.sh --floor-only     # only the inflate-only ratios (no gzip tables)
#
# Needs hyperfine, gzip and python3 (Debian: apt-get install hyperfine);
# `go` only for --pprof. See bench/README.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac

runs=10
sizes=big,1,4,small
pprof=${BENCH_PPROF:-0}
big=${BENCH_BIG:-$(dirname "$root")/shared/profiles/big.pb.gz}
out=
floor_only=0
heapscope_bin=${BENCH_HEAPSCOPE:-}

usage() {
	sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
	cat <<EOF
Options:
  --quick         3 runs per command (default 10), for a first look
  --runs N        N runs per command (after one warmup run)
  --sizes LIST    which profiles, comma-separated: big (the shared big.pb.gz),
                  1 and 4 (synthetic, 300,000 and 1.2 million samples), small
                  (testdata/profiles/churn.pb.gz, 2 KB); default $sizes
  --big PATH      the big profile (default ../shared/profiles/big.pb.gz; or BENCH_BIG)
  --pprof         also time go tool pprof -top (or BENCH_PPROF=1); 7-45 s a run
  --floor-only    only the ratios to inflate-only (issue 23), no gzip tables
  --heapscope BIN time BIN instead of the release build (an older build, to
                  compare; or BENCH_HEAPSCOPE)
  --out DIR       where results go (default \$CARGO_TARGET_DIR/bench/results/DATE)
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--quick) runs=3 ;;
	--runs) runs=$2; shift ;;
	--runs=*) runs=${1#*=} ;;
	--sizes) sizes=$2; shift ;;
	--sizes=*) sizes=${1#*=} ;;
	--big) big=$2; shift ;;
	--big=*) big=${1#*=} ;;
	--pprof) pprof=1 ;;
	--floor-only) floor_only=1 ;;
	--heapscope) heapscope_bin=$2; shift ;;
	--heapscope=*) heapscope_bin=${1#*=} ;;
	--out) out=$2; shift ;;
	--out=*) out=${1#*=} ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

for tool in hyperfine gzip python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench/run.sh: $tool is needed (Debian: apt-get install $tool)" >&2
		exit 1
	fi
done
if [ "$pprof" = 1 ] && ! command -v go >/dev/null; then
	echo "bench/run.sh: --pprof needs go on PATH; skipping pprof" >&2
	pprof=0
fi

log() { echo "bench: $*" >&2; }
# A word quoted for hyperfine -N's and the shell's splitting.
q() { printf '%q' "$1"; }
has_size() { case ",$sizes," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "building release binaries"
(cd "$root" && nice cargo build --release --quiet -p heapscope -p heapscope-gen)
hs=$(q "${heapscope_bin:-$target/release/heapscope}")
inflate=$(q "$target/release/heapscope-inflate")
gen=$target/release/heapscope-gen

# Generated profiles are cached by the generator's source: a change to the
# generator makes new ones.
gen_hash=$(cat "$root"/gen/src/*.rs | sha1sum | cut -c1-12)
cache=$target/bench/profiles-$gen_hash
mkdir -p "$cache"
out=${out:-$target/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"

# Prints the path of a synthetic profile, generating it when missing.
synthetic() {
	local scale=$1 seed=$2 path=$cache/x$1-seed$2.pb.gz
	if [ ! -s "$path" ]; then
		log "generating $path"
		nice "$gen" --quiet --scale "$scale" --seed "$seed" -o "$path"
	fi
	echo "$path"
}

raw_size() { gzip -dc "$@" | wc -c; }

# Peak RSS in KiB of one run of a command line (words split and unquoted as
# hyperfine -N does), output discarded: GNU time (Debian package `time`) when
# installed, else a python3 wrapper (whose own ~10 MB the child inherits
# until exec, so small numbers read high).
peak_rss() {
	if [ -x /usr/bin/time ]; then
		eval "/usr/bin/time -f %M -o $(q "$out/.rss") $1" >/dev/null 2>&1
		cat "$out/.rss"
	else
		python3 - "$1" <<'EOF'
import resource, shlex, subprocess, sys
subprocess.run(shlex.split(sys.argv[1]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
	fi
}

# Sets `names` and `cmds` to the commands of one profile set: the profile,
# a second one for diff, five for trend, and the function for list and peek.
set_commands() {
	local p p2 regex five=() f
	p=$(q "$1")
	p2=$(q "$2")
	regex=$(q "$3")
	for f in "${@:4}"; do five+=("$(q "$f")"); done
	names=()
	cmds=()
	floors=()
	# A command, and what inflating its inputs alone takes (issue 23's floor).
	add() { names+=("$1"); cmds+=("$2"); floors+=("$inflate $3"); }
	add "gzip -dc" "gzip -dc $p" "$p"
	add "top -alloc_space" "$hs top -alloc_space $p" "$p"
	add "top -inuse_space" "$hs top -inuse_space $p" "$p"
	add "info" "$hs info $p" "$p"
	add "flame -alloc_space" "$hs flame -alloc_space $p" "$p"
	add "list" "$hs list $regex $p" "$p"
	add "peek" "$hs peek $regex $p" "$p"
	add "gzip -dc (2 files)" "gzip -dc $p $p2" "$p $p2"
	add "diff" "$hs diff $p $p2" "$p $p2"
	add "gzip -dc (5 files)" "gzip -dc ${five[*]}" "${five[*]}"
	add "trend" "$hs trend ${five[*]}" "${five[*]}"
}

# The floor of issue 23 for one profile set (label, then set_commands'
# arguments): each heapscope command and heapscope-inflate of the same
# files in turn, one run of each per round, so that both meet the machine
# in the same state; report.py takes the median of the rounds' ratios.
# Peak RSS of one more run of each.
floor_set() {
	local label=$1 names cmds i round dir=$out/floor/$1
	log "$label: floor, heapscope and inflate-only in turn ($runs rounds)"
	set_commands "${@:2}"
	mkdir -p "$dir"
	: >"$dir/rss.tsv"
	for round in $(seq "$runs"); do
		for i in "${!cmds[@]}"; do
			case ${names[$i]} in gzip*) continue ;; esac
			nice -n 5 hyperfine -N --style none --runs 1 \
				--export-json "$dir/$round-$i.json" \
				--command-name "inflate@${names[$i]}" "${floors[$i]}" \
				--command-name "${names[$i]}" "${cmds[$i]}" >/dev/null
		done
	done
	for i in "${!cmds[@]}"; do
		case ${names[$i]} in gzip*) continue ;; esac
		printf '%s\t%s\n' "${names[$i]}" "$(peak_rss "${cmds[$i]}")" >>"$dir/rss.tsv"
	done
	printf '%s\t%s\n' "inflate" "$(peak_rss "${floors[1]}")" >>"$dir/rss.tsv"
	{
		echo "profile=$2"
		echo "raw1=$(raw_size "$2")"
		echo "raw2=$(raw_size "$2" "$3")"
		echo "raw5=$(raw_size "${@:5}")"
		echo "gz1=$(stat -c %s "$2")"
	} >"$out/$label.meta"
}

# Benchmarks one profile set: label, then set_commands' arguments.
bench_set() {
	local label=$1 names cmds
	if [ "$floor_only" = 1 ]; then
		floor_set "$@"
		return
	fi
	log "$label: $2 (runs: $runs)"
	set_commands "${@:2}"
	local args=() i
	for i in "${!cmds[@]}"; do
		args+=(--command-name "${names[$i]}" "${cmds[$i]}")
	done
	nice -n 5 hyperfine -N --style basic --warmup 1 --runs "$runs" \
		--export-json "$out/$label.json" "${args[@]}" >"$out/$label.hyperfine.txt"
	: >"$out/$label.rss.tsv"
	for i in "${!cmds[@]}"; do
		printf '%s\t%s\n' "${names[$i]}" "$(peak_rss "${cmds[$i]}")" >>"$out/$label.rss.tsv"
	done
	{
		echo "profile=$2"
		echo "raw1=$(raw_size "$2")"
		echo "raw2=$(raw_size "$2" "$3")"
		echo "raw5=$(raw_size "${@:5}")"
		echo "gz1=$(stat -c %s "$2")"
	} >"$out/$label.meta"
	if [ "$pprof" = 1 ]; then
		: >"$out/$label.pprof.tsv"
		local t
		for t in inuse_space alloc_space; do
			log "$label: go tool pprof -top -$t (one run)"
			python3 - "pprof -top -$t" "go tool pprof -top -$t $p" >>"$out/$label.pprof.tsv" <<'EOF'
import resource, shlex, subprocess, sys, time
start = time.monotonic()
subprocess.run(shlex.split(sys.argv[2]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
took = time.monotonic() - start
print(f"{sys.argv[1]}\t{took}\t{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
EOF
		done
	fi
}

# list/peek targets: a function in every profile of the set.
big_regex='main\.router_fn418$'
gen_regex='store\.\(\*Tx\)\.Query$'
sets=()
if has_size big; then
	if [ -s "$big" ]; then
		# One shared file: diff compares it with itself, trend reads it five times.
		bench_set big "$big" "$big" "$big_regex" "$big" "$big" "$big" "$big" "$big"
		sets+=(big)
	else
		log "no $big: skipping it (--big PATH or BENCH_BIG give another)"
	fi
fi
# Sets `set_args` to set_commands' arguments for the synthetic profiles of
# one scale (seeds 1 to 5).
synthetic_set() {
	local five=() seed
	for seed in 1 2 3 4 5; do five+=("$(synthetic "$1" "$seed")"); done
	set_args=("${five[0]}" "${five[1]}" "$gen_regex" "${five[@]}")
}
for scale in 1 4; do
	has_size "$scale" || continue
	synthetic_set "$scale"
	bench_set "x$scale" "${set_args[@]}"
	sets+=("x$scale")
done
# Linear growth: each command on the 1x and on the 4x profiles in turn
# (1x, 4x, 1x, 4x, ...), one run of each per round, so that both sizes
# meet the machine in the same state; report.py takes the median of each
# round's ratio. (The sets above run minutes apart, and this machine's
# speed drifts by 20-30% over minutes.)
if [ "$floor_only" = 0 ] && has_size 1 && has_size 4; then
	log "growth: 1x and 4x in turn ($runs rounds)"
	synthetic_set 1
	set_commands "${set_args[@]}"
	x1_cmds=("${cmds[@]}")
	synthetic_set 4
	set_commands "${set_args[@]}"
	mkdir -p "$out/growth"
	for round in $(seq "$runs"); do
		for i in "${!cmds[@]}"; do
			nice -n 5 hyperfine -N --style none --runs 1 \
				--export-json "$out/growth/$round-$i.json" \
				--command-name "${names[$i]}@1x" "${x1_cmds[$i]}" \
				--command-name "${names[$i]}@4x" "${cmds[$i]}" >/dev/null
		done
	done
fi
# The floor of issue 23, after the tables above (with --floor-only, instead
# of them).
if [ "$floor_only" = 0 ]; then
	if has_size big && [ -s "$big" ]; then
		floor_set big "$big" "$big" "$big_regex" "$big" "$big" "$big" "$big" "$big"
	fi
	for scale in 1 4; do
		has_size "$scale" || continue
		synthetic_set "$scale"
		floor_set "x$scale" "${set_args[@]}"
	done
fi
if has_size small; then
	small=$root/testdata/profiles/churn.pb.gz
	log "small: $small"
	nice -n 5 hyperfine -N --style basic --warmup 3 --runs $((runs * 5)) \
		--export-json "$out/small.json" \
		--command-name "gzip -dc" "gzip -dc $(q "$small")" \
		--command-name "top" "$hs top $(q "$small")" >"$out/small.hyperfine.txt"
	printf 'top\t%s\n' "$(peak_rss "$hs top $(q "$small")")" >"$out/small.rss.tsv"
	printf 'profile=%s\nraw1=%s\ngz1=%s\n' "$small" "$(raw_size "$small")" \
		"$(stat -c %s "$small")" >"$out/small.meta"
	sets+=(small)
fi

{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "host=$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "load=$load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "runs=$runs"
	echo "commit=$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "sets=${sets[*]}"
	echo "floor_only=$floor_only"
	echo "binary=${heapscope_bin:-}"
} >"$out/run.meta"
rm -f "$out/.rss"
python3 "$root/bench/report.py" "$out" | tee "$out/report.md"
log "results in $out"
