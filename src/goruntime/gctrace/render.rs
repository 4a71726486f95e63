//! The `gctrace` report: each run's summary and findings as text or JSON,
//! and the heap per cycle of the last run as an SVG chart.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::diagnose::{
    human_seconds, runs, scavenge_summary, summarize, thresholds, Options, Span, Summary,
};
use super::parse::{Cycle, Scavenge, Trace};
use crate::goruntime::chart::{self, Chart, Marker, Series};
use crate::report::Format;
use crate::support::escape;
use crate::units::human_bytes;

/// Writes the report for `source`.
pub fn write(
    w: &mut dyn Write,
    source: &str,
    t: &Trace,
    format: Format,
    options: &Options,
) -> io::Result<()> {
    match format {
        Format::Text => write_text(w, source, t, options),
        Format::Json => write_json(w, source, t, options),
    }
}

/// The scavenger lines of each run: those before the next run's first
/// cycle (the first run also takes those before its own).
fn scavenges_of<'a>(t: &'a Trace, runs: &[&[Cycle]], i: usize) -> &'a [Scavenge] {
    let from = if i == 0 { 0 } else { runs[i][0].line };
    let to = runs.get(i + 1).map_or(usize::MAX, |r| r[0].line);
    let a = t.scavenges.partition_point(|s| s.line() < from);
    let b = t.scavenges.partition_point(|s| s.line() < to);
    &t.scavenges[a..b]
}

fn list_numbers(v: &[impl ToString], max: usize) -> String {
    list_some_numbers(v, v.len(), max)
}

/// The first `max` of `v`, the first of `all`.
fn list_some_numbers(v: &[impl ToString], all: usize, max: usize) -> String {
    let shown: Vec<String> = v.iter().take(max).map(ToString::to_string).collect();
    let more = if all > max {
        format!(", … ({all} in all)")
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 1.0 {
        format!("{v:.2} ms")
    } else {
        format!("{v:.3} ms")
    }
}

fn write_text(w: &mut dyn Write, source: &str, t: &Trace, options: &Options) -> io::Result<()> {
    writeln!(w, "GC trace: {}", escape::text(source))?;
    let runs = runs(&t.cycles);
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut skipped = format!(
        "{}: {}, {}, {} (the program's own output)",
        plural(t.total_lines, "line"),
        plural(t.cycles.len(), "GC cycle"),
        plural(t.scavenges.len(), "scavenger line"),
        plural(t.other_lines, "other line"),
    );
    if t.malformed_count > 0 {
        skipped.push_str(&format!(
            "; {} malformed line{} skipped: {}",
            t.malformed_count,
            if t.malformed_count == 1 { "" } else { "s" },
            list_some_numbers(&t.malformed, t.malformed_count, 20)
        ));
    }
    writeln!(w, "{skipped}")?;
    if runs.is_empty() {
        writeln!(
            w,
            "\nNo GC cycles: expected lines like `gc 1 @0.012s 2%: ... MB goal, ... P` from a \
             program run with GODEBUG=gctrace=1 (the runtime writes them to stderr)."
        )?;
        return Ok(());
    }
    if runs.len() > 1 {
        writeln!(
            w,
            "The log holds {} runs of the program (cycle numbers start over); each is summarised.",
            runs.len(),
        )?;
    }
    for (i, run) in runs.iter().enumerate() {
        let s = summarize(run, options);
        if runs.len() > 1 {
            writeln!(
                w,
                "\n=== Run {} of {}: lines {} to {} ===",
                i + 1,
                runs.len(),
                s.first_line,
                s.last_line
            )?;
        }
        write_run(w, &s, scavenges_of(t, &runs, i))?;
    }
    Ok(())
}

fn percent_list(windows: &[(f64, f64, f64)]) -> String {
    let v: Vec<String> = windows
        .iter()
        .map(|w| format!("{:.0}%", w.2 * 100.0))
        .collect();
    v.join(" ")
}

fn write_run(w: &mut dyn Write, s: &Summary, scavenges: &[Scavenge]) -> io::Result<()> {
    writeln!(w)?;
    let forced = if s.forced.is_empty() {
        "none forced".to_string()
    } else {
        format!("forced: {}", list_numbers(&s.forced, 10))
    };
    writeln!(
        w,
        "Cycles      {} (gc {} to {}) over {:.3} s, {} P; {forced}",
        s.cycles, s.first_number, s.last_number, s.span_s, s.procs
    )?;
    if !s.missing.is_empty() {
        writeln!(
            w,
            "            no line for cycle{} {}",
            if s.missing.len() == 1 { "" } else { "s" },
            list_numbers(&s.missing, 10)
        )?;
    }
    if let (Some(i), Some(r)) = (s.median_interval_ms, s.median_reclaimed) {
        writeln!(
            w,
            "            median {} apart, each reclaiming {:.1}% of the heap (median, heaps ≥ {} MB)",
            ms(i),
            r * 100.0,
            thresholds::THRASH_MIN_HEAP_MB
        )?;
    } else if let Some(i) = s.median_interval_ms {
        writeln!(w, "            median {} apart", ms(i))?;
    }
    if let Some(rate) = s.cycles_per_s {
        writeln!(
            w,
            "            {rate:.1} cycles a second (unforced); about {} MB allocated, {:.0}× the \
             median live heap{} ({} MB)",
            s.allocated_mb,
            s.allocated_mb as f64 / s.median_paced_mb.max(1.0),
            if s.median_paced_mb > s.median_live_mb {
                " with stacks and globals"
            } else {
                ""
            },
            s.median_paced_mb
        )?;
    }
    writeln!(
        w,
        "GC CPU      {}% after cycle {}, {}% at the end, peak {}% (cycle {}): the runtime's share \
         of CPU spent in GC since the program started",
        s.cpu_percent.first,
        s.first_number,
        s.cpu_percent.last,
        s.cpu_percent.peak,
        s.cpu_percent.peak_cycle
    )?;
    if let Some(share) = s.gc_cpu_share {
        writeln!(
            w,
            "            {:.1}% from the first cycle to the last (the cycles' CPU times, idle \
             marking left out)",
            share * 100.0
        )?;
    }
    if s.gc_cpu_windows.len() > 1 {
        let width = s.gc_cpu_windows[0].1 - s.gc_cpu_windows[0].0;
        writeln!(
            w,
            "            over time, {:.3} s at a time: {}",
            width,
            percent_list(&s.gc_cpu_windows)
        )?;
    }
    writeln!(w)?;
    writeln!(w, "Heap (MB)          first   last   peak  (cycle)")?;
    for (name, sp) in [
        ("at GC start", s.heap_start),
        ("at mark end", s.heap_end),
        ("live", s.live),
        ("goal", s.goal),
    ] {
        writeln!(
            w,
            "  {name:<15} {:>7} {:>6} {:>6}  ({})",
            sp.first, sp.last, sp.peak, sp.peak_cycle
        )?;
    }
    let sign = if s.live_growth_mb >= 0 { "+" } else { "" };
    writeln!(
        w,
        "Live heap   {sign}{} MB from the first cycle to the last ({} → {} MB); peak {} MB at cycle {}",
        s.live_growth_mb, s.live.first, s.live.last, s.live.peak, s.live.peak_cycle
    )?;
    if let Some(g) = &s.growth {
        writeln!(
            w,
            "            floor (lowest live heap from then on) {} MB at the start, {} MB from the \
             last quarter on; later half {:+.1} MB/s",
            g.floor_start_mb,
            g.floor_end_mb,
            // Rounded first, so that a tiny negative is not "-0.0".
            (g.late_rate_mb_s * 10.0).round() / 10.0 + 0.0
        )?;
    }
    if let Some(p) = &s.projection {
        writeln!(
            w,
            "            limit {}: the heap goal reaches it in {}, the live heap in {} (at the \
             later half's rate)",
            human_bytes(p.limit_bytes.min(i64::MAX as u64) as i64),
            human_seconds(p.goal_s),
            human_seconds(p.live_s)
        )?;
    }
    writeln!(w)?;
    let longest: Vec<String> = s
        .longest
        .iter()
        .map(|(n, v)| format!("{} (gc {n})", ms(*v)))
        .collect();
    writeln!(
        w,
        "Pauses      {} stopped the world in all (sweep + mark termination), median {} per cycle",
        ms(s.total_stw_ms),
        ms(s.median_stw_ms)
    )?;
    writeln!(w, "            longest: {}", longest.join(", "))?;
    let marking = s
        .marking_share
        .map(|m| format!(" ({:.1}% of the run's wall time)", m * 100.0))
        .unwrap_or_default();
    writeln!(
        w,
        "Marking     {} of concurrent mark in all{marking}, longest {} (gc {})",
        ms(s.total_mark_ms),
        ms(s.longest_mark.1),
        s.longest_mark.0
    )?;
    let sc = scavenge_summary(scavenges);
    if sc.lines > 0 {
        let total = sc
            .last_total_bytes
            .map(|b| {
                format!(
                    "; {} released in all at the last report",
                    human_bytes(b.min(i64::MAX as u64) as i64)
                )
            })
            .unwrap_or_default();
        writeln!(
            w,
            "Scavenger   {} lines, {} returned to the OS by the passes reported{total}",
            sc.lines,
            human_bytes(sc.released_bytes.min(i64::MAX as u64) as i64)
        )?;
    }
    writeln!(w)?;
    if s.findings.is_empty() {
        writeln!(
            w,
            "Findings: none (no runaway growth, GC thrash, churn, heavy GC CPU, long marks or \
             frequent forced cycles)"
        )?;
    } else {
        writeln!(w, "Findings")?;
        for f in &s.findings {
            writeln!(w, "  - {}", f.message)?;
            writeln!(w, "    threshold: {}", f.threshold)?;
        }
    }
    Ok(())
}

fn cycle_json(c: &Cycle) -> Value {
    json!({
        "number": c.number,
        "line": c.line,
        "at_s": c.at_s,
        "gc_cpu_percent": c.cpu_percent,
        "clock_ms": {
            "sweep_termination": c.clock_ms[0],
            "mark": c.clock_ms[1],
            "mark_termination": c.clock_ms[2],
        },
        "cpu_ms": {
            "sweep_termination": c.cpu_ms[0],
            "assist": c.cpu_ms[1],
            "background": c.cpu_ms[2],
            "idle": c.cpu_ms[3],
            "mark_termination": c.cpu_ms[4],
        },
        "stw_ms": c.stw_ms(),
        "heap_start_mb": c.heap_start_mb,
        "heap_end_mb": c.heap_end_mb,
        "live_mb": c.live_mb,
        "goal_mb": c.goal_mb,
        "stacks_mb": c.stacks_mb,
        "globals_mb": c.globals_mb,
        "procs": c.procs,
        "forced": c.forced,
        // Go 1.5 and 1.6: the phases folded into mark and background mark.
        "early_phases": c.early.map(|e| json!({
            "scan_ms": e.scan_ms,
            "synchronize_ps_ms": e.synchronize_ms,
            "mark_ms": e.mark_ms,
            "scan_cpu_ms": e.scan_cpu_ms,
            "synchronize_ps_cpu_ms": e.synchronize_cpu_ms,
        })),
    })
}

fn span_json(s: &Span) -> Value {
    json!({"first": s.first, "last": s.last, "peak": s.peak, "peak_cycle": s.peak_cycle})
}

fn summary_json(s: &Summary, scavenges: &[Scavenge]) -> Value {
    let sc = scavenge_summary(scavenges);
    json!({
        "cycles": s.cycles,
        "first_cycle": s.first_number,
        "last_cycle": s.last_number,
        "first_line": s.first_line,
        "last_line": s.last_line,
        "missing_cycles": s.missing,
        "span_s": s.span_s,
        "procs": s.procs,
        "gc_cpu_percent": span_json(&s.cpu_percent),
        "gc_cpu_share": s.gc_cpu_share,
        "gc_cpu_windows": s.gc_cpu_windows.iter().map(|w| json!({"from_s": w.0, "to_s": w.1, "share": w.2})).collect::<Vec<_>>(),
        "cycles_per_s": s.cycles_per_s,
        "allocated_mb": s.allocated_mb,
        "median_live_mb": s.median_live_mb,
        "median_live_stacks_globals_mb": s.median_paced_mb,
        "heap_start_mb": span_json(&s.heap_start),
        "heap_end_mb": span_json(&s.heap_end),
        "live_mb": span_json(&s.live),
        "goal_mb": span_json(&s.goal),
        "live_growth_mb": s.live_growth_mb,
        "growth": s.growth.map(|g| json!({
            "floor_start_mb": g.floor_start_mb,
            "floor_end_mb": g.floor_end_mb,
            "factor": g.factor,
            "late_rate_mb_per_s": g.late_rate_mb_s,
            "late_rise_mb": g.late_rise_mb,
            "late_mean_mb": g.late_mean_mb,
            "goal_ratio": g.goal_ratio,
        })),
        "projection": s.projection.map(|p| json!({
            "limit_bytes": p.limit_bytes,
            // JSON has no infinity: null when the heap does not rise.
            "live_reaches_limit_s": p.live_s.is_finite().then_some(p.live_s),
            "goal_reaches_limit_s": p.goal_s.is_finite().then_some(p.goal_s),
        })),
        "total_stw_ms": s.total_stw_ms,
        "median_stw_ms": s.median_stw_ms,
        "longest_pauses": s.longest.iter().map(|(n, v)| json!({"cycle": n, "stw_ms": v})).collect::<Vec<_>>(),
        "total_mark_ms": s.total_mark_ms,
        "longest_mark": {"cycle": s.longest_mark.0, "mark_ms": s.longest_mark.1},
        "marking_share": s.marking_share,
        "forced_cycles": s.forced,
        "median_interval_ms": s.median_interval_ms,
        "median_reclaimed_share": s.median_reclaimed,
        "scavenger": {
            "lines": sc.lines,
            "released_bytes": sc.released_bytes,
            "last_total_released_bytes": sc.last_total_bytes,
        },
        "findings": s.findings.iter().map(|f| json!({"kind": f.kind, "message": f.message, "threshold": f.threshold})).collect::<Vec<_>>(),
    })
}

fn write_json(w: &mut dyn Write, source: &str, t: &Trace, options: &Options) -> io::Result<()> {
    let runs = runs(&t.cycles);
    let summaries: Vec<Value> = runs
        .iter()
        .enumerate()
        .map(|(i, run)| summary_json(&summarize(run, options), scavenges_of(t, &runs, i)))
        .collect();
    let sc = scavenge_summary(&t.scavenges);
    let doc = json!({
        "source": source,
        "lines": t.total_lines,
        "malformed_lines": t.malformed,
        "malformed_count": t.malformed_count,
        "other_lines": t.other_lines,
        "runs": runs.len(),
        "summary": summaries.last(),
        "summaries": summaries,
        "cycles": runs.last().map(|r| r.iter().map(cycle_json).collect::<Vec<_>>()).unwrap_or_default(),
        "scavenger": {
            "lines": sc.lines,
            "released_bytes": sc.released_bytes,
            "last_total_released_bytes": sc.last_total_bytes,
        },
    });
    crate::report::json::write_pretty(&mut *w, &doc)?;
    writeln!(w)
}

/// Writes the chart of the last run: heap at the start of each cycle, live
/// heap after it and the goal, over time; forced cycles marked.
pub fn write_svg(w: &mut dyn Write, source: &str, t: &Trace) -> io::Result<()> {
    let runs = runs(&t.cycles);
    let run: &[Cycle] = runs.last().copied().unwrap_or(&[]);
    let points = |f: fn(&Cycle) -> u64| -> Vec<(f64, f64)> {
        run.iter().map(|c| (c.at_s, f(c) as f64)).collect()
    };
    let mut markers: Vec<Marker> = run
        .iter()
        .map(|c| Marker {
            x: c.at_s,
            y: c.live_mb as f64,
            color: if c.forced { "#d62728" } else { "#2ca02c" },
            radius: if c.forced { 4.0 } else { 1.8 },
            title: format!(
                "gc {} @{:.3}s{}: {}->{}->{} MB, goal {} MB, pause {}",
                c.number,
                c.at_s,
                if c.forced { " (forced)" } else { "" },
                c.heap_start_mb,
                c.heap_end_mb,
                c.live_mb,
                c.goal_mb,
                ms(c.stw_ms())
            ),
        })
        .collect();
    // Plenty of hover targets; past that the dots only add weight.
    if markers.len() > 5000 {
        markers.retain(|m| m.radius > 2.0);
    }
    let subtitle = match (run.first(), run.last()) {
        (Some(a), Some(b)) => format!(
            "{} cycles (gc {} to {}) over {:.2} s; red dots: forced cycles",
            run.len(),
            a.number,
            b.number,
            b.at_s - a.at_s
        ),
        _ => "no GC cycles in the log".to_string(),
    };
    let chart = Chart {
        title: format!("GC trace: {}", escape::text(source)),
        subtitle,
        x_label: "time since the program started (s)".into(),
        y_label: "heap (MB)".into(),
        series: vec![
            Series {
                name: "goal".into(),
                color: "#7f7f7f",
                dash: "6 4",
                points: points(|c| c.goal_mb),
            },
            Series {
                name: "heap at GC start".into(),
                color: "#1f77b4",
                dash: "",
                points: points(|c| c.heap_start_mb),
            },
            Series {
                name: "live heap".into(),
                color: "#2ca02c",
                dash: "",
                points: points(|c| c.live_mb),
            },
        ],
        markers,
        x_format: |v| {
            let s = format!("{v:.3}");
            let s = s.trim_end_matches('0').trim_end_matches('.');
            format!("{s} s")
        },
        y_format: |v| format!("{v:.0}"),
    };
    w.write_all(chart::render(&chart).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    /// A pasted tutorial log: two runs (gc numbers start over), a forced
    /// cycle, Go 1.12 scavenger lines. Each run is summarised, with its own
    /// scavenger lines; none of them counts as the program's output.
    #[test]
    fn every_run_is_summarised_with_its_scavenger_lines() {
        let log = "$ GODEBUG=gctrace=1 ./app\n\
            gc 1 @0.010s 1%: 0.1+1.0+0.1 ms clock, 0.2+0/0.5/0+0.2 ms cpu, 4->4->1 MB, 5 MB goal, 4 P\n\
            gc 2 @0.020s 1%: 0.1+1.0+0.1 ms clock, 0.2+0/0.5/0+0.2 ms cpu, 4->4->2 MB, 5 MB goal, 4 P (forced)\n\
            scvg-1: 2740 MB released\n\
            scvg-1: inuse: 3, idle: 2740, sys: 2743, released: 2740, consumed: 3 (MB)\n\
            $ ./app again\n\
            gc 1 @0.011s 2%: 0.1+1.0+0.1 ms clock, 0.2+0/0.5/0+0.2 ms cpu, 4->4->3 MB, 6 MB goal, 4 P\n\
            scvg0: 1 MB released\n";
        let t = parse(log);
        assert_eq!((t.other_lines, t.scavenges.len()), (2, 3));
        let mut out = Vec::new();
        write(&mut out, "t.log", &t, Format::Text, &Options::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("2 other lines (the program's own output)"),
            "{text}"
        );
        assert!(text.contains("=== Run 1 of 2: lines 2 to 3 ==="), "{text}");
        assert!(text.contains("=== Run 2 of 2: lines 7 to 7 ==="), "{text}");
        assert!(text.contains("Cycles      2 (gc 1 to 2) over 0.010 s, 4 P; forced: 2"));
        assert!(
            text.contains(
                "Scavenger   2 lines, 2.68 GB returned to the OS by the passes reported; 2.68 GB \
             released in all at the last report"
            ),
            "{text}"
        );
        assert!(
            text.contains("Scavenger   1 lines, 1 MB returned"),
            "{text}"
        );
        let mut out = Vec::new();
        write(&mut out, "t.log", &t, Format::Json, &Options::default()).unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["runs"], 2);
        assert_eq!(doc["summaries"][0]["forced_cycles"], json!([2]));
        assert_eq!(doc["summaries"][1]["live_mb"]["last"], 3);
        assert_eq!(doc["summary"], doc["summaries"][1]);
    }

    #[test]
    fn an_empty_log_says_what_it_expected() {
        let mut out = Vec::new();
        write(
            &mut out,
            "x.log",
            &parse("hello\n"),
            Format::Text,
            &Options::default(),
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("No GC cycles"), "{text}");
        let mut svg = Vec::new();
        write_svg(&mut svg, "x.log", &parse("")).unwrap();
        assert!(String::from_utf8(svg)
            .unwrap()
            .contains("no GC cycles in the log"));
    }
}
