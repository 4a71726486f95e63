//! The `gctrace` report: the summary and findings as text or JSON, and the
//! heap per cycle as an SVG chart.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::diagnose::{runs, scavenge_summary, summarize, thresholds, Span};
use super::parse::{Cycle, Trace};
use crate::goruntime::chart::{self, Chart, Marker, Series};
use crate::report::Format;
use crate::support::escape;
use crate::units::human_bytes;

/// Writes the report for `source`.
pub fn write(w: &mut dyn Write, source: &str, t: &Trace, format: Format) -> io::Result<()> {
    match format {
        Format::Text => write_text(w, source, t),
        Format::Json => write_json(w, source, t),
    }
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

fn write_text(w: &mut dyn Write, source: &str, t: &Trace) -> io::Result<()> {
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
    let Some(run) = runs.last() else {
        writeln!(
            w,
            "\nNo GC cycles: expected lines like `gc 1 @0.012s 2%: ... MB goal, ... P` from a \
             program run with GODEBUG=gctrace=1 (the runtime writes them to stderr)."
        )?;
        return Ok(());
    };
    if runs.len() > 1 {
        writeln!(
            w,
            "The log holds {} runs of the program (cycle numbers start over); this is the last, \
             from line {}.",
            runs.len(),
            run[0].line
        )?;
    }
    let s = summarize(run);
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
    let sc = scavenge_summary(&t.scavenges);
    if sc.lines > 0 {
        let total = sc
            .last_total_bytes
            .map(|b| {
                format!(
                    "; {} released in all at the last report",
                    human_bytes(b as i64)
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
        writeln!(w, "Findings: none (no runaway growth, no GC thrash)")?;
    } else {
        writeln!(w, "Findings")?;
        for f in &s.findings {
            writeln!(w, "  - {}", f.message)?;
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
    })
}

fn span_json(s: &Span) -> Value {
    json!({"first": s.first, "last": s.last, "peak": s.peak, "peak_cycle": s.peak_cycle})
}

fn write_json(w: &mut dyn Write, source: &str, t: &Trace) -> io::Result<()> {
    let runs = runs(&t.cycles);
    let summary = runs.last().map(|run| {
        let s = summarize(run);
        json!({
            "cycles": s.cycles,
            "first_cycle": s.first_number,
            "last_cycle": s.last_number,
            "missing_cycles": s.missing,
            "span_s": s.span_s,
            "procs": s.procs,
            "gc_cpu_percent": span_json(&s.cpu_percent),
            "heap_start_mb": span_json(&s.heap_start),
            "heap_end_mb": span_json(&s.heap_end),
            "live_mb": span_json(&s.live),
            "goal_mb": span_json(&s.goal),
            "live_growth_mb": s.live_growth_mb,
            "total_stw_ms": s.total_stw_ms,
            "median_stw_ms": s.median_stw_ms,
            "longest_pauses": s.longest.iter().map(|(n, v)| json!({"cycle": n, "stw_ms": v})).collect::<Vec<_>>(),
            "forced_cycles": s.forced,
            "median_interval_ms": s.median_interval_ms,
            "median_reclaimed_share": s.median_reclaimed,
            "findings": s.findings.iter().map(|f| json!({"kind": f.kind, "message": f.message})).collect::<Vec<_>>(),
        })
    });
    let sc = scavenge_summary(&t.scavenges);
    let doc = json!({
        "source": source,
        "lines": t.total_lines,
        "malformed_lines": t.malformed,
        "malformed_count": t.malformed_count,
        "other_lines": t.other_lines,
        "runs": runs.len(),
        "summary": summary,
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

    #[test]
    fn an_empty_log_says_what_it_expected() {
        let mut out = Vec::new();
        write(&mut out, "x.log", &parse("hello\n"), Format::Text).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("No GC cycles"), "{text}");
        let mut svg = Vec::new();
        write_svg(&mut svg, "x.log", &parse("")).unwrap();
        assert!(String::from_utf8(svg)
            .unwrap()
            .contains("no GC cycles in the log"));
    }
}
