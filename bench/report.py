#!/usr/bin/env python3
"""Turns the results bench/run.sh leaves in a directory into markdown tables:
each command's time beside gzip -dc of the same files, peak RSS, linear
growth from the 1x to the 4x synthetic profile, and issue 9's targets; then
each command against inflating its inputs alone (heapscope-inflate, run in
turn with it), and issue 23's targets.

    bench/report.py target/bench/results/DATE
"""

import json
import os
import sys

# command: (its baseline, most time as a multiple of it, peak RSS as a
# multiple of the uncompressed input when there is a target for it)
TARGETS = {
    "top -alloc_space": ("gzip -dc", 1.0, 3.0),
    "top -inuse_space": ("gzip -dc", 1.0, 3.0),
    "info": ("gzip -dc", 1.0, 3.0),
    "flame -alloc_space": ("gzip -dc", 1.5, None),
    "list": ("gzip -dc", 1.5, None),
    "peek": ("gzip -dc", 1.5, None),
    "diff": ("gzip -dc (2 files)", 2.0, None),
    "trend": ("gzip -dc (5 files)", 2.0, None),
}
# The uncompressed size of what each baseline reads (keys of <set>.meta).
RAW = {"gzip -dc": "raw1", "gzip -dc (2 files)": "raw2", "gzip -dc (5 files)": "raw5"}
LINEAR_MAX = 4.4

# Issue 23: command: (most wall time as a multiple of inflating its inputs
# alone, peak RSS as a multiple of the uncompressed input when there is a
# target for it). The commands not named have no target.
FLOOR_TARGETS = {
    "top -alloc_space": (1.15, 1.5),
    "top -inuse_space": (1.15, 1.5),
    "flame -alloc_space": (1.3, None),
    "diff": (1.2, None),
    "trend": (1.2, None),
}
# The uncompressed size of each command's inputs (keys of <set>.meta).
FLOOR_RAW = {"diff": "raw2", "trend": "raw5"}
SMALL_MAX_S = 0.010

TITLES = {
    "big": "`big.pb.gz` (shared, real Go heap profile)",
    "x1": "synthetic 1x (`heapscope-gen --scale 1`)",
    "x4": "synthetic 4x (`heapscope-gen --scale 4`)",
}
INPUTS = {
    "big": "one file: `diff` compares it with itself, `trend` reads it five times",
    "x1": "`--seed 1`; `diff` seeds 1 and 2, `trend` seeds 1 to 5",
    "x4": "`--seed 1`; `diff` seeds 1 and 2, `trend` seeds 1 to 5",
}


def read_kv(path):
    with open(path) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def load_set(out, label):
    with open(os.path.join(out, label + ".json")) as f:
        results = {r["command"]: r for r in json.load(f)["results"]}
    rss = {name: int(kb) * 1024 for name, kb in read_tsv(os.path.join(out, label + ".rss.tsv"))}
    meta = read_kv(os.path.join(out, label + ".meta"))
    pprof = read_tsv(os.path.join(out, label + ".pprof.tsv"))
    return results, rss, meta, pprof


def fmt_time(s):
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def fmt_mean(r):
    if r.get("stddev") is None:  # a single run
        return fmt_time(r["mean"])
    if r["mean"] < 0.1:
        return f"{r['mean'] * 1000:.1f} ± {r['stddev'] * 1000:.1f} ms"
    if r["mean"] < 1:
        return f"{r['mean'] * 1000:.0f} ± {r['stddev'] * 1000:.0f} ms"
    return f"{r['mean']:.2f} ± {r['stddev']:.2f} s"


def fmt_mb(b):
    return f"{b / 1e6:.0f} MB" if b >= 10e6 else f"{b / 1e6:.1f} MB"


def set_table(label, results, rss, meta, pprof, verdicts):
    raw1 = int(meta["raw1"])
    lines = [
        f"**{TITLES.get(label, label)}**: {fmt_mb(int(meta['gz1']))} gzipped, "
        f"{fmt_mb(raw1)} raw; {INPUTS.get(label, '')}",
        "",
        "| command | time | × gzip -dc | target | peak RSS | RSS ÷ raw | target | result |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        if name.startswith("gzip"):
            raw = int(meta[RAW[name]])
            lines.append(
                f"| `{name}` | {fmt_mean(r)} | 1 | | {fmt_mb(rss.get(name, 0))} | | | "
                f"({fmt_mb(raw)} raw) |"
            )
            continue
        base, max_ratio, max_rss = TARGETS[name]
        raw = int(meta[RAW[base]])
        ratio = r["mean"] / results[base]["mean"]
        peak = rss.get(name)
        rss_ratio = peak / raw if peak else None
        ok = ratio <= max_ratio
        why = [] if ok else [f"time {ratio:.2f}× > {max_ratio:g}×"]
        if max_rss is not None and rss_ratio is not None and rss_ratio > max_rss:
            ok = False
            why.append(f"RSS {rss_ratio:.2f}× > {max_rss:g}×")
        verdicts.append((f"{label}: {name}", ok))
        result = "PASS" if ok else "FAIL: " + ", ".join(why)
        rss_cell = fmt_mb(peak) if peak else "?"
        rss_ratio_cell = f"{rss_ratio:.2f}" if rss_ratio else "?"
        rss_target = f"≤ {max_rss:g}" if max_rss is not None else ""
        lines.append(
            f"| `heapscope {name}` | {fmt_mean(r)} | {ratio:.2f} | ≤ {max_ratio:g} | "
            f"{rss_cell} | {rss_ratio_cell} | {rss_target} | {result} |"
        )
    for name, took, kb in pprof:
        took = float(took)
        peak = int(kb) * 1024
        lines.append(
            f"| `go tool {name}` (1 run) | {fmt_time(took)} | "
            f"{took / results['gzip -dc']['mean']:.1f} | | {fmt_mb(peak)} | "
            f"{peak / raw1:.1f} | | |"
        )
    return lines


def load_growth(out):
    """The runs of bench/run.sh's growth phase: for each command, a list of
    rounds, each a (1x run, 4x run) pair of hyperfine results."""
    rounds = {}
    folder = os.path.join(out, "growth")
    if not os.path.isdir(folder):
        return rounds
    for entry in sorted(os.listdir(folder)):
        with open(os.path.join(folder, entry)) as f:
            results = {r["command"]: r for r in json.load(f)["results"]}
        names = {c.rsplit("@", 1)[0] for c in results}
        for name in names:
            pair = (results.get(name + "@1x"), results.get(name + "@4x"))
            if None not in pair:
                rounds.setdefault(name, []).append(pair)
    return rounds


def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def cpu(r):
    return r["user"] + r["system"]


def linear_table(x1, x4, growth, verdicts):
    (r1, rss1, _, _), (r4, rss4, _, _) = x1, x4
    lines = [
        "**Linear growth**: the 4x synthetic profile against the 1x one (the same program, "
        f"4× the samples); target ≤ {LINEAR_MAX:g}× in time and in memory. Each command "
        "ran on the 1x and the 4x profiles in turn, one run of each per round, so that "
        "both meet the machine in the same state; the times are medians over the rounds, "
        "× is the median of the rounds' ratios. CPU time (user + system) is shown beside "
        "wall time. Peak RSS as in the tables above.",
        "",
        "| command | time 1x | time 4x | × | CPU × | peak RSS 1x | peak RSS 4x | × | result |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name in r1:
        if name not in r4:
            continue
        rounds = growth.get(name)
        if rounds:
            t1 = median(a["mean"] for a, _ in rounds)
            t4 = median(b["mean"] for _, b in rounds)
            t = median(b["mean"] / a["mean"] for a, b in rounds)
            c = median(cpu(b) / cpu(a) for a, b in rounds)
        else:
            # No growth phase: the sets' means, minutes apart.
            t1, t4 = r1[name]["mean"], r4[name]["mean"]
            t = t4 / t1
            c = cpu(r4[name]) / cpu(r1[name])
        m = rss4[name] / rss1[name] if rss1.get(name) and rss4.get(name) else None
        if name.startswith("gzip"):
            result = "(reference)"
            label = f"`{name}`"
        else:
            ok = t <= LINEAR_MAX and (m is None or m <= LINEAR_MAX)
            verdicts.append((f"linear: {name}", ok))
            result = "PASS" if ok else "FAIL"
            label = f"`heapscope {name}`"
        m_cell = f"{m:.2f}" if m is not None else "?"
        lines.append(
            f"| {label} | {fmt_time(t1)} | {fmt_time(t4)} | "
            f"{t:.2f} | {c:.2f} | {fmt_mb(rss1.get(name, 0))} | {fmt_mb(rss4.get(name, 0))} | "
            f"{m_cell} | {result} |"
        )
    return lines


def load_floor(out, label):
    """The rounds of bench/run.sh's floor phase for one set: for each
    command, a list of (inflate-only run, command run) pairs."""
    rounds = {}
    folder = os.path.join(out, "floor", label)
    if not os.path.isdir(folder):
        return rounds
    # ROUND-I.json: commands in bench/run.sh's order (I), rounds in turn.
    entries = [e for e in os.listdir(folder) if e.endswith(".json")]
    entries.sort(key=lambda e: tuple(int(x) for x in e[: -len(".json")].split("-")[::-1]))
    for entry in entries:
        with open(os.path.join(folder, entry)) as f:
            results = {r["command"]: r for r in json.load(f)["results"]}
        for name, r in results.items():
            floor = results.get("inflate@" + name)
            if floor is not None:
                rounds.setdefault(name, []).append((floor, r))
    return rounds


def floor_table(out, label, verdicts):
    rounds = load_floor(out, label)
    if not rounds:
        return []
    meta = read_kv(os.path.join(out, label + ".meta"))
    rss = {
        name: int(kb) * 1024
        for name, kb in read_tsv(os.path.join(out, "floor", label, "rss.tsv"))
    }
    n = max(len(r) for r in rounds.values())
    lines = [
        f"**{TITLES.get(label, label)} against inflate-only**: each command and "
        "`heapscope-inflate` of the same files (flate2 and zlib-rs, as heapscope inflates; "
        f"several files on two threads) in turn, {n} rounds; times are medians, × the "
        "median of the rounds' ratios, CPU × the same for user + system time. "
        f"Inflate-only's peak RSS: {fmt_mb(rss.get('inflate', 0))}.",
        "",
        "| command | inflate-only | heapscope | × | target | CPU × | peak RSS | RSS ÷ raw | target | result |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, pairs in rounds.items():
        t0 = median(a["mean"] for a, _ in pairs)
        t1 = median(b["mean"] for _, b in pairs)
        ratio = median(b["mean"] / a["mean"] for a, b in pairs)
        cpu_ratio = median(cpu(b) / cpu(a) for a, b in pairs)
        raw = int(meta[FLOOR_RAW.get(name, "raw1")])
        peak = rss.get(name)
        rss_ratio = peak / raw if peak else None
        max_ratio, max_rss = FLOOR_TARGETS.get(name, (None, None))
        if max_ratio is None:
            result, target = "", ""
        else:
            ok = ratio <= max_ratio
            why = [] if ok else [f"time {ratio:.2f}× > {max_ratio:g}×"]
            if max_rss is not None and rss_ratio is not None and rss_ratio > max_rss:
                ok = False
                why.append(f"RSS {rss_ratio:.2f}× > {max_rss:g}×")
            verdicts.append((f"{label} floor: {name}", ok))
            result = "PASS" if ok else "FAIL: " + ", ".join(why)
            target = f"≤ {max_ratio:g}"
        rss_target = f"≤ {max_rss:g}" if max_rss is not None else ""
        lines.append(
            f"| `heapscope {name}` | {fmt_time(t0)} | {fmt_time(t1)} | {ratio:.2f} | {target} | "
            f"{cpu_ratio:.2f} | {fmt_mb(peak) if peak else '?'} | "
            f"{f'{rss_ratio:.2f}' if rss_ratio else '?'} | {rss_target} | {result} |"
        )
    return lines


def small_table(out, verdicts):
    with open(os.path.join(out, "small.json")) as f:
        results = {r["command"]: r for r in json.load(f)["results"]}
    meta = read_kv(os.path.join(out, "small.meta"))
    rss = {name: int(kb) * 1024 for name, kb in read_tsv(os.path.join(out, "small.rss.tsv"))}
    top = results["top"]
    ok = top["mean"] < SMALL_MAX_S
    verdicts.append(("small: top", ok))
    name = os.path.basename(meta["profile"])
    return [
        f"**A small profile**: `testdata/profiles/{name}`, {int(meta['gz1']):,} bytes gzipped",
        "",
        "| command | time | target | peak RSS | result |",
        "|---|---:|---:|---:|---|",
        f"| `gzip -dc` | {fmt_mean(results['gzip -dc'])} | | | |",
        f"| `heapscope top` | {fmt_mean(top)} | < {SMALL_MAX_S * 1000:g} ms | "
        f"{fmt_mb(rss.get('top', 0))} | {'PASS' if ok else 'FAIL'} |",
    ]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench/report.py RESULTS_DIR (as bench/run.sh leaves it)")
    out = sys.argv[1]
    run = read_kv(os.path.join(out, "run.meta"))
    labels = run.get("sets", "").split()
    verdicts = []
    lines = [
        f"Measured {run.get('date', '?')} at commit {run.get('commit', '?')} on "
        f"{run.get('host', '?')}"
        + (f" (heapscope: {run['binary']})" if run.get("binary") else "")
        + f"; load average {run.get('load', '?')}; "
        f"hyperfine, 1 warmup + {run.get('runs', '?')} runs per command, mean ± σ; "
        "peak RSS of one more run.",
        "",
    ]
    sets = {}
    floor_only = run.get("floor_only") == "1"
    for label in labels:
        if label == "small" or floor_only:
            continue
        sets[label] = load_set(out, label)
        lines += set_table(label, *sets[label], verdicts) + [""]
    if "x1" in sets and "x4" in sets:
        growth = load_growth(out)
        lines += linear_table(sets["x1"], sets["x4"], growth, verdicts) + [""]
    for label in labels:
        if label != "small":
            lines += floor_table(out, label, verdicts) + [""]
    if "small" in labels:
        lines += small_table(out, verdicts) + [""]
    met = sum(ok for _, ok in verdicts)
    lines.append(f"Targets met: {met} of {len(verdicts)}.")
    failed = [name for name, ok in verdicts if not ok]
    if failed:
        lines.append("Not met: " + "; ".join(failed) + ".")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
