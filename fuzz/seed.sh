#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds from testdata/ (the corpus itself is
# not committed). Run from anywhere; safe to run again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/fuzz/corpus"
data="$root/testdata"
mkdir -p "$corpus"/{pprof,pprof_model,pprof_tables,legacy,memstats,gctrace}

# Protobuf: every profile uncompressed (so mutations reach the decoder, not
# only gzip's checksum), two still gzipped, and the malformed cases.
for f in "$data"/profiles/*.pb.gz; do
    gzip -dc "$f" > "$corpus/pprof/$(basename "$f" .gz)"
done
cp "$data"/profiles/inline.pb.gz "$data"/profiles/recursion.pb.gz "$corpus/pprof/"
# Text profiles, larger than 64 kB left out (server.heap.txt).
for f in "$data"/profiles/*.txt; do
    if [ "$(wc -c < "$f")" -le 65536 ]; then
        cp "$f" "$corpus/legacy/"
    fi
done
# MemStats blocks end every ?debug=1 profile.
cp "$data"/logs/*.memstats.txt "$corpus/memstats/"
for f in "$data"/profiles/*.heap.txt; do
    grep -A 80 '^# runtime.MemStats' "$f" > "$corpus/memstats/$(basename "$f")" || true
done
cp "$data"/logs/*.gctrace.log "$corpus/gctrace/"

# The malformed-input cases and fuzz findings, by what they are.
if [ -d "$data/bad" ]; then
    for f in "$data"/bad/*; do
        [ -f "$f" ] || continue
        [ "$(wc -c < "$f")" -le 65536 ] || continue
        case "$(basename "$f")" in
            *.py | *.md) ;;
            *.txt | *.heap) cp "$f" "$corpus/legacy/" ;;
            *memstats*) cp "$f" "$corpus/memstats/" ;;
            *gctrace*) cp "$f" "$corpus/gctrace/" ;;
            *) cp "$f" "$corpus/pprof/" ;;
        esac
    done
fi
for t in pprof pprof_model pprof_tables legacy memstats gctrace; do
    echo "$t: $(ls "$corpus/$t" | wc -l) seeds"
done
