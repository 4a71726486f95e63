//! The `memstats` report: each figure with its line of explanation, then
//! the findings, as text or JSON.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::diagnose::{diagnose, percent, thresholds, Diagnosis};
use super::parse::MemStats;
use crate::report::Format;
use crate::support::escape;
use crate::support::time::format_time;
use crate::units::{human_bytes, human_duration};

/// A row of a section: label, value, explanation.
type Row = (String, String, String);

fn bytes_or_missing(v: Option<u64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| human_bytes(v as i64))
}

fn signed_bytes(v: Option<i64>) -> String {
    v.map_or_else(|| "—".to_string(), human_bytes)
}

fn count_or_missing(v: Option<u64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| v.to_string())
}

fn write_section(w: &mut dyn Write, title: &str, rows: &[Row]) -> io::Result<()> {
    writeln!(w, "{title}")?;
    let label = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let value = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    for (l, v, e) in rows {
        let line = format!("  {l:<label$}  {v:>value$}  {e}");
        writeln!(w, "{}", line.trim_end())?;
    }
    writeln!(w)
}

fn share_of(part: Option<u64>, whole: Option<u64>) -> String {
    match (part, whole) {
        (Some(p), Some(t)) if t != 0 => percent(p as f64 / t as f64),
        _ => String::new(),
    }
}

/// Writes the report for `source` (a file name or `<stdin>`).
pub fn write(w: &mut dyn Write, source: &str, m: &MemStats, format: Format) -> io::Result<()> {
    let d = diagnose(m);
    match format {
        Format::Text => write_text(w, source, m, &d),
        Format::Json => write_json(w, source, m, &d),
    }
}

fn write_text(w: &mut dyn Write, source: &str, m: &MemStats, d: &Diagnosis) -> io::Result<()> {
    writeln!(
        w,
        "runtime.MemStats of {} (from line {})",
        escape::text(source),
        m.first_line
    )?;
    if let Some(line) = m.next_block_line {
        writeln!(
            w,
            "(another block starts at line {line}; only the first is read)"
        )?;
    }
    writeln!(w)?;

    let frag_note = match d.fragmentation_share {
        Some(s) => format!(
            "HeapInuse − HeapAlloc: free space inside spans in use, {} of HeapInuse",
            percent(s)
        ),
        None => "HeapInuse − HeapAlloc: free space inside spans in use".to_string(),
    };
    write_section(
        w,
        "Heap",
        &[
            (
                "live heap (HeapAlloc)".into(),
                bytes_or_missing(m.heap_alloc),
                "bytes of allocated objects: reachable, or unreachable and not yet swept".into(),
            ),
            (
                "spans in use (HeapInuse)".into(),
                bytes_or_missing(m.heap_inuse),
                "bytes in spans holding at least one object".into(),
            ),
            (
                "fragmentation".into(),
                signed_bytes(d.fragmentation),
                frag_note,
            ),
            (
                "idle (HeapIdle)".into(),
                bytes_or_missing(m.heap_idle),
                "bytes in spans holding no object".into(),
            ),
            (
                "idle, kept".into(),
                signed_bytes(d.idle_kept),
                "HeapIdle − HeapReleased: free but kept from the OS; its touched pages count in RSS"
                    .into(),
            ),
            (
                "released (HeapReleased)".into(),
                bytes_or_missing(m.heap_released),
                "idle bytes returned to the OS".into(),
            ),
            (
                "heap (HeapSys)".into(),
                bytes_or_missing(m.heap_sys),
                "heap memory obtained from the OS: HeapInuse + HeapIdle".into(),
            ),
        ],
    )?;

    let inuse = |v: Option<u64>| {
        v.map(|v| format!(", {} in use", human_bytes(v as i64)))
            .unwrap_or_default()
    };
    let share = |v: Option<u64>| {
        let s = share_of(v, m.sys);
        if s.is_empty() {
            s
        } else {
            format!("{s} of Sys: ")
        }
    };
    write_section(
        w,
        "Memory from the OS",
        &[
            (
                "total (Sys)".into(),
                bytes_or_missing(m.sys),
                "everything the runtime obtained from the OS (address space; not all resident)"
                    .into(),
            ),
            (
                "heap (HeapSys)".into(),
                bytes_or_missing(m.heap_sys),
                format!("{}the heap", share(m.heap_sys)),
            ),
            (
                "stacks (StackSys)".into(),
                bytes_or_missing(m.stack_sys),
                format!(
                    "{}goroutine stacks{}",
                    share(m.stack_sys),
                    inuse(m.stack_inuse)
                ),
            ),
            (
                "span metadata (MSpanSys)".into(),
                bytes_or_missing(m.mspan_sys),
                format!(
                    "{}mspan structures{}",
                    share(m.mspan_sys),
                    inuse(m.mspan_inuse)
                ),
            ),
            (
                "per-P caches (MCacheSys)".into(),
                bytes_or_missing(m.mcache_sys),
                format!(
                    "{}mcache structures{}",
                    share(m.mcache_sys),
                    inuse(m.mcache_inuse)
                ),
            ),
            (
                "GC metadata (GCSys)".into(),
                bytes_or_missing(m.gc_sys),
                format!("{}mark bits, heap bitmaps and the like", share(m.gc_sys)),
            ),
            (
                "profiling (BuckHashSys)".into(),
                bytes_or_missing(m.buck_hash_sys),
                format!("{}the profiling bucket hash table", share(m.buck_hash_sys)),
            ),
            (
                "other (OtherSys)".into(),
                bytes_or_missing(m.other_sys),
                format!("{}other runtime allocations", share(m.other_sys)),
            ),
            (
                "non-heap".into(),
                signed_bytes(d.non_heap),
                "Sys − HeapSys: obtained for anything but the heap".into(),
            ),
            (
                "not returned".into(),
                signed_bytes(d.retained),
                "Sys − HeapReleased: obtained and not returned, the most of RSS Go accounts for"
                    .into(),
            ),
        ],
    )?;

    let heap_objects = m
        .heap_objects
        .map(|n| format!(" (HeapObjects: {n})"))
        .unwrap_or_default();
    write_section(
        w,
        "Objects",
        &[
            (
                "live objects".into(),
                d.live_objects
                    .map_or_else(|| "—".to_string(), |n| n.to_string()),
                format!("Mallocs − Frees{heap_objects}"),
            ),
            (
                "Mallocs".into(),
                count_or_missing(m.mallocs),
                "objects allocated since the program started".into(),
            ),
            (
                "Frees".into(),
                count_or_missing(m.frees),
                "objects freed since the program started".into(),
            ),
            (
                "TotalAlloc".into(),
                bytes_or_missing(m.total_alloc),
                match d.alloc_ratio {
                    Some(r) => format!(
                        "bytes allocated since the program started (never decreases); {r:.1}× \
                         HeapAlloc"
                    ),
                    None => "bytes allocated since the program started (never decreases)".into(),
                },
            ),
        ],
    )?;

    let forced = m
        .num_forced_gc
        .map(|n| format!(", {n} of them forced (runtime.GC, debug.FreeOSMemory)"))
        .unwrap_or_default();
    let last = m
        .last_gc
        .filter(|&t| t != 0)
        .map(|t| format!("; the last (LastGC) ended {}", format_time(clamp_i64(t))))
        .unwrap_or_default();
    let goal_note = match (d.goal_share, d.headroom) {
        (Some(s), Some(h)) if h >= 0 => format!(
            "the heap goal of the next cycle; HeapAlloc is {} of it, {} below",
            percent(s),
            human_bytes(h)
        ),
        (Some(s), Some(h)) => format!(
            "the heap goal of the next cycle; HeapAlloc is {} of it, {} above",
            percent(s),
            human_bytes(-h)
        ),
        _ => "the heap goal of the next cycle".to_string(),
    };
    let mut gc_rows: Vec<Row> = vec![
        (
            "cycles (NumGC)".into(),
            count_or_missing(m.num_gc),
            format!("completed GC cycles{forced}{last}"),
        ),
        (
            "GC CPU (GCCPUFraction)".into(),
            m.gc_cpu_fraction
                .map_or_else(|| "—".to_string(), |f| format!("{:.2}%", f * 100.0)),
            "share of the CPU available to the program used by the GC since it started".into(),
        ),
        (
            "next goal (NextGC)".into(),
            bytes_or_missing(m.next_gc),
            goal_note,
        ),
    ];
    if let Some(rss) = m.max_rss {
        gc_rows.push((
            "MaxRSS".into(),
            human_bytes(clamp_i64(rss)),
            "peak resident set size of the process (getrusage)".into(),
        ));
    }
    write_section(w, "GC", &gc_rows)?;

    match &d.pauses {
        Some(p) => {
            let mut when = format!("GC {}", p.longest_cycle);
            if let Some(end) = p.longest_end_ns {
                when = format!("{when}, ended {}", format_time(clamp_i64(end)));
                match m.last_gc {
                    Some(last) if last == end => when.push_str(", the last cycle"),
                    Some(last) if last > end => when.push_str(&format!(
                        ", {} before the last GC",
                        human_duration(clamp_i64(last - end))
                    )),
                    _ => {}
                }
            }
            let rate = p
                .cycles_per_s
                .map(|r| format!(", {r:.1} cycles a second by their PauseEnd times"))
                .unwrap_or_default();
            write_section(
                w,
                &format!(
                    "GC pauses (stop the world; the {} recorded in PauseNs{rate})",
                    p.count
                ),
                &[
                    ("longest".into(), human_duration(clamp_i64(p.max_ns)), when),
                    (
                        "median".into(),
                        human_duration(clamp_i64(p.median_ns)),
                        String::new(),
                    ),
                    (
                        "p99".into(),
                        human_duration(clamp_i64(p.p99_ns)),
                        "nearest rank".into(),
                    ),
                    (
                        "total".into(),
                        human_duration(clamp_i64(p.total_ns)),
                        format!("{} pauses", p.count),
                    ),
                ],
            )?;
        }
        None => {
            writeln!(w, "GC pauses: no PauseNs ring, or no NumGC to read it by")?;
            writeln!(w)?;
        }
    }
    if let Some(p) = &d.pauses {
        let shown = p.history.len().min(thresholds::HISTORY_SHOWN);
        let rows: Vec<Row> = p.history[p.history.len() - shown..]
            .iter()
            .map(|&(cycle, ns, end)| {
                let when = if end == 0 {
                    "no PauseEnd".to_string()
                } else {
                    let mut when = format!("ended {}", format_time(clamp_i64(end)));
                    if let Some(last) = m.last_gc.filter(|&l| l >= end) {
                        when.push_str(&format!(
                            ", {} before LastGC",
                            human_duration(clamp_i64(last - end))
                        ));
                    }
                    when
                };
                (format!("GC {cycle}"), human_duration(clamp_i64(ns)), when)
            })
            .collect();
        write_section(
            w,
            &format!("Latest pauses (PauseNs lined up with PauseEnd; the last {shown})"),
            &rows,
        )?;
    }

    if d.findings.is_empty() {
        writeln!(
            w,
            "Findings: none (no high fragmentation, idle memory kept, goroutine stacks, churn, \
             heavy GC CPU or long pauses)"
        )?;
    } else {
        writeln!(w, "Findings")?;
        for f in &d.findings {
            writeln!(w, "  - {}", f.message)?;
            writeln!(w, "    threshold: {}", f.threshold)?;
        }
    }
    Ok(())
}

fn clamp_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn write_json(w: &mut dyn Write, source: &str, m: &MemStats, d: &Diagnosis) -> io::Result<()> {
    let mut raw = Map::new();
    let mut put = |k: &str, v: Value| {
        raw.insert(k.to_string(), v);
    };
    put("Alloc", json!(m.alloc));
    put("TotalAlloc", json!(m.total_alloc));
    put("Sys", json!(m.sys));
    put("Lookups", json!(m.lookups));
    put("Mallocs", json!(m.mallocs));
    put("Frees", json!(m.frees));
    put("HeapAlloc", json!(m.heap_alloc));
    put("HeapSys", json!(m.heap_sys));
    put("HeapIdle", json!(m.heap_idle));
    put("HeapInuse", json!(m.heap_inuse));
    put("HeapReleased", json!(m.heap_released));
    put("HeapObjects", json!(m.heap_objects));
    put("StackInuse", json!(m.stack_inuse));
    put("StackSys", json!(m.stack_sys));
    put("MSpanInuse", json!(m.mspan_inuse));
    put("MSpanSys", json!(m.mspan_sys));
    put("MCacheInuse", json!(m.mcache_inuse));
    put("MCacheSys", json!(m.mcache_sys));
    put("BuckHashSys", json!(m.buck_hash_sys));
    put("GCSys", json!(m.gc_sys));
    put("OtherSys", json!(m.other_sys));
    put("NextGC", json!(m.next_gc));
    put("LastGC", json!(m.last_gc));
    put("PauseNs", json!(m.pause_ns));
    put("PauseEnd", json!(m.pause_end));
    put("NumGC", json!(m.num_gc));
    put("NumForcedGC", json!(m.num_forced_gc));
    put("GCCPUFraction", json!(m.gc_cpu_fraction));
    put("DebugGC", json!(m.debug_gc));
    put("MaxRSS", json!(m.max_rss));
    let pauses = d.pauses.as_ref().map(|p| {
        json!({
            "count": p.count,
            "total_ns": p.total_ns,
            "max_ns": p.max_ns,
            "median_ns": p.median_ns,
            "p99_ns": p.p99_ns,
            "longest_cycle": p.longest_cycle,
            "longest_end_ns": p.longest_end_ns,
            "at_least_1ms": p.notable,
            "cycles_per_s": p.cycles_per_s,
            "history": p.history.iter().map(|&(cycle, ns, end)| json!({
                "cycle": cycle,
                "pause_ns": ns,
                "end_ns": (end != 0).then_some(end),
            })).collect::<Vec<_>>(),
        })
    });
    let doc = json!({
        "source": source,
        "first_line": m.first_line,
        "raw": raw,
        "derived": {
            "fragmentation_bytes": d.fragmentation,
            "fragmentation_share": d.fragmentation_share,
            "idle_kept_bytes": d.idle_kept,
            "non_heap_bytes": d.non_heap,
            "not_returned_bytes": d.retained,
            "live_objects": d.live_objects,
            "next_gc_headroom_bytes": d.headroom,
            "heap_alloc_share_of_next_gc": d.goal_share,
            "stack_share_of_sys": d.stack_share,
            "total_alloc_per_heap_alloc": d.alloc_ratio,
            "pauses": pauses,
        },
        "findings": d.findings.iter().map(|f| json!({"kind": f.kind, "message": f.message, "threshold": f.threshold})).collect::<Vec<_>>(),
    });
    crate::report::json::write_pretty(&mut *w, &doc)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    #[test]
    fn missing_fields_are_dashes_not_errors() {
        let m = parse("# HeapAlloc = 1024\n").unwrap();
        let mut out = Vec::new();
        write(&mut out, "x", &m, Format::Text).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("live heap (HeapAlloc)"), "{text}");
        let frag = text
            .lines()
            .find(|l| l.starts_with("  fragmentation "))
            .unwrap();
        assert!(frag.contains(" — "), "{text}");
        assert!(text.contains("Findings: none"), "{text}");
    }
}
