//! `doctor`: from any mix of evidence — heap profiles (one or a series),
//! `?debug=1` texts (a profile and its MemStats), `GODEBUG=gctrace=1` logs
//! and pasted MemStats blocks, each told by its content — to ranked
//! findings: what is wrong, the numbers, the evidence, the call sites
//! responsible, what to try and the command to dig further. Reading and
//! telling the evidence apart is here; the findings are [`rules`]'.

pub mod rules;

use std::io::{self, Write};

use anyhow::anyhow;
use serde_json::{json, Value};

use super::heap::{self, Heap, HeapOptions};
use super::{Format, Prepared, Selection};
use crate::goruntime::{gctrace, memstats};
use crate::input::{self, InputSpec, NamedProfile, Source};
use crate::profile::graph::Granularity;
use crate::support::escape;

pub use rules::{Finding, Site, KINDS};

/// Options of the `doctor` report.
#[derive(Debug, Clone, Default)]
pub struct DoctorOptions {
    pub format: Format,
    /// A memory limit (bytes) a rising live heap is projected onto.
    pub limit: Option<u64>,
}

/// One heap profile, reduced to what the findings need.
#[derive(Debug, Clone)]
pub struct HeapEvidence {
    /// The source's name, escaped later.
    pub name: String,
    /// When the profile was written (ns since 1970), 0 if unknown.
    pub time_nanos: i64,
    /// Every function with a non-zero flat, by in-use space.
    pub heap: Heap,
    /// The same at line granularity: where in each function.
    pub lines: Heap,
    /// The program's own callers of allocating functions that are not.
    pub callers: Vec<Caller>,
}

/// Where the program's own code calls an allocating function of the
/// standard library or the runtime (`main.load` calling `io.ReadAll`):
/// the line to change when the allocating frame is not the program's.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// The allocating (leaf) function.
    pub allocator: String,
    /// The innermost frame of the program's own code above it.
    pub function: String,
    pub file: String,
    pub line: i64,
    /// The samples' values through this call, by `heap::TYPES` slot.
    pub values: heap::Values,
}

/// Whether a Go function belongs to the program rather than to the
/// standard library or the runtime: package `main`, or a package path whose
/// first element is a domain (`github.com/…`, `example.com/…`), as Go's
/// standard library paths never hold a dot there.
pub fn is_program_code(function: &str) -> bool {
    let first = function.split('/').next().unwrap_or("");
    let package = if function.contains('/') {
        first
    } else {
        first.split('.').next().unwrap_or("")
    };
    package == "main" || (function.contains('/') && first.contains('.'))
}

/// Every sample's call from the program's own code into an allocating
/// function that is not the program's, summed by (allocator, caller,
/// line).
fn program_callers(p: &crate::profile::Profile) -> anyhow::Result<Vec<Caller>> {
    use rustc_hash::FxHashMap;
    let indexes = heap::type_indexes(p)?;
    let program: Vec<bool> = p
        .functions
        .iter()
        .map(|f| is_program_code(p.str(f.name)))
        .collect();
    let mut sums: FxHashMap<(usize, usize, i64), heap::Values> = FxHashMap::default();
    for i in 0..p.samples.len() {
        let mut frames = p
            .samples
            .stack(i)
            .iter()
            .flat_map(|loc| p.location_lines(&p.locations[loc.index()]).iter());
        let Some(leaf) = frames.next() else {
            continue;
        };
        let leaf = leaf.function.index();
        if program.get(leaf).copied().unwrap_or(true) {
            continue;
        }
        let Some(caller) =
            frames.find(|l| program.get(l.function.index()).copied().unwrap_or(false))
        else {
            continue;
        };
        let sum = sums
            .entry((leaf, caller.function.index(), caller.line))
            .or_default();
        for (slot, &vi) in indexes.iter().enumerate() {
            sum[slot] = sum[slot].saturating_add(p.samples.value(i, vi));
        }
    }
    let mut callers: Vec<Caller> = sums
        .into_iter()
        .map(|((leaf, caller, line), values)| Caller {
            allocator: p.str(p.functions[leaf].name).to_string(),
            function: p.str(p.functions[caller].name).to_string(),
            file: p.str(p.functions[caller].filename).to_string(),
            line,
            values,
        })
        .collect();
    callers.sort_by(|a, b| {
        (&a.allocator, &a.function, &a.file, a.line).cmp(&(
            &b.allocator,
            &b.function,
            &b.file,
            b.line,
        ))
    });
    Ok(callers)
}

/// What the sources were found to hold.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Heap profiles, in time order when all have a time, else in argument
    /// order.
    pub profiles: Vec<HeapEvidence>,
    pub memstats: Vec<(String, memstats::MemStats)>,
    pub traces: Vec<(String, gctrace::Trace)>,
    /// Each source and what it was read as, in argument order.
    pub read_as: Vec<(String, String)>,
}

/// Whether bytes begin as text (a log, a MemStats block, a debug=1
/// profile) rather than protobuf.
fn is_text(data: &[u8]) -> bool {
    let head = &data[..data.len().min(256)];
    !head.is_empty()
        && head
            .iter()
            .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r'))
}

/// The heap model of a decoded profile, by function and by line.
fn heap_evidence(named: &NamedProfile) -> anyhow::Result<HeapEvidence> {
    let mut lines = Selection::default();
    lines.nodes.granularity = Granularity::Lines;
    Ok(HeapEvidence {
        name: named.name.clone(),
        time_nanos: named.profile.time_nanos,
        heap: heap_of(named, &Selection::default())?,
        lines: heap_of(named, &lines)?,
        callers: program_callers(&named.profile).map_err(|e| anyhow!("{}: {e}", named.name))?,
    })
}

/// The heap model of a decoded profile.
fn heap_of(named: &NamedProfile, selection: &Selection) -> anyhow::Result<Heap> {
    let prep = Prepared::new(named, selection, &mut io::sink())
        .map_err(|e| anyhow!("{}: {e}", named.name))?;
    let opts = HeapOptions {
        node_count: 0,
        ..HeapOptions::default()
    };
    heap::compute(&prep, &opts).map_err(|e| anyhow!("{}: {e}", named.name))
}

/// Decodes a profile's bytes as `input::load` does: names as pprof shows
/// them, then the profile's own pruning.
fn decode_profile(source: &Source, data: &[u8], spec: &InputSpec) -> anyhow::Result<NamedProfile> {
    let mut profile =
        input::decode_within(data, spec.max_size).map_err(|e| anyhow!("{source}: {e}"))?;
    crate::profile::names::apply(&mut profile, &spec.symbolize);
    crate::profile::prune::apply(&mut profile);
    Ok(NamedProfile {
        name: source.to_string(),
        profile,
    })
}

/// Reads every source and tells what it holds.
pub fn read(spec: &InputSpec, notes: &mut dyn Write) -> anyhow::Result<Evidence> {
    let mut ev = Evidence::default();
    let opts = spec.read_options();
    let limit = input::memory_limit(spec.max_size);
    for source in &spec.sources {
        let name = source.to_string();
        let data = input::read_bytes(source, &opts, notes).map_err(|e| anyhow!("{name}: {e}"))?;
        if input::legacy::is_legacy_heap(&data) {
            let named = decode_profile(source, &data, spec)?;
            let text = String::from_utf8_lossy(&data);
            let with_stats = memstats::parse(&text).ok();
            ev.read_as.push((
                name.clone(),
                if with_stats.is_some() {
                    "heap profile (?debug=1 text) with its runtime.MemStats".to_string()
                } else {
                    "heap profile (legacy text)".to_string()
                },
            ));
            if let Some(m) = with_stats {
                ev.memstats.push((name.clone(), m));
            }
            ev.profiles.push(heap_evidence(&named)?);
        } else if is_text(&data) {
            let text = String::from_utf8_lossy(&data);
            let left = limit.saturating_sub(data.len() as u64);
            let trace =
                gctrace::parse_within(&text, left, limit).map_err(|e| anyhow!("{name}: {e}"))?;
            if !trace.cycles.is_empty() {
                let runs = gctrace::runs(&trace.cycles).len();
                ev.read_as.push((
                    name.clone(),
                    format!(
                        "gctrace log: {} cycles in {runs} run{}",
                        trace.cycles.len(),
                        if runs == 1 { "" } else { "s" }
                    ),
                ));
                ev.traces.push((name, trace));
            } else if let Ok(m) = memstats::parse(&text) {
                ev.read_as
                    .push((name.clone(), "runtime.MemStats block".to_string()));
                ev.memstats.push((name, m));
            } else {
                return Err(anyhow!(
                    "{name}: neither a heap profile, a gctrace log nor a MemStats block \
                     (no `gc N @…` line and no HeapAlloc/HeapInuse fields)"
                ));
            }
        } else {
            let named = decode_profile(source, &data, spec)?;
            ev.read_as.push((name.clone(), "heap profile".to_string()));
            ev.profiles.push(heap_evidence(&named)?);
        }
    }
    // In time order when every profile has a time (protobuf profiles do);
    // else (a debug=1 text has none) in argument order.
    if ev.profiles.iter().all(|p| p.time_nanos != 0) {
        ev.profiles.sort_by_key(|p| p.time_nanos);
    }
    Ok(ev)
}

/// Runs `doctor`: reads the evidence, judges it, writes the findings.
pub fn run(
    out: &mut dyn Write,
    notes: &mut dyn Write,
    spec: &InputSpec,
    options: &DoctorOptions,
) -> anyhow::Result<()> {
    let ev = read(spec, notes)?;
    let findings = rules::findings(&ev, options);
    match options.format {
        Format::Text => write_text(out, &ev, &findings)?,
        Format::Json => write_json(out, &ev, &findings)?,
    }
    Ok(())
}

/// A figure as text: whole numbers whole, others to 4 significant digits.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        crate::units::go_g(v, 4)
    }
}

fn site_text(s: &Site) -> String {
    let at = if s.file.is_empty() {
        String::new()
    } else if s.line > 0 {
        format!("  {}:{}", escape::text(&s.file), s.line)
    } else {
        format!("  {}", escape::text(&s.file))
    };
    let called = match &s.called_from {
        Some(c) => format!(
            "; called from {} at {}:{} for {:.1}% of it",
            escape::text(&c.function),
            escape::text(&c.file),
            c.line,
            c.share * 100.0
        ),
        None => String::new(),
    };
    format!(
        "{:>6.1}% of {}  {}{}  ({}{})",
        s.share * 100.0,
        s.measure,
        escape::text(&s.function),
        at,
        escape::text(&s.note),
        called
    )
}

/// Writes the findings as text.
pub fn write_text(w: &mut dyn Write, ev: &Evidence, findings: &[Finding]) -> io::Result<()> {
    writeln!(w, "Evidence:")?;
    for (name, what) in &ev.read_as {
        writeln!(w, "  {}: {}", escape::text(name), escape::text(what))?;
    }
    if findings.is_empty() {
        writeln!(
            w,
            "\nNo findings: no leak, runaway growth, goroutine pile-up, fragmentation, churn, \
             GC thrash, heavy GC CPU, idle memory kept, long marks or pauses, dominant holder \
             or forced cycles."
        )?;
        return Ok(());
    }
    writeln!(w, "\nFindings, most important first:")?;
    for (i, f) in findings.iter().enumerate() {
        writeln!(
            w,
            "\n{}. [{}] {}",
            i + 1,
            f.kind,
            escape::text_lines(&f.summary)
        )?;
        if !f.numbers.is_empty() {
            let numbers: Vec<String> = f
                .numbers
                .iter()
                .map(|(k, v)| format!("{k}={}", number(*v)))
                .collect();
            writeln!(w, "   numbers: {}", numbers.join(", "))?;
        }
        for (name, what) in &f.evidence {
            writeln!(
                w,
                "   evidence: {}: {}",
                escape::text(name),
                escape::text(what)
            )?;
        }
        if !f.sites.is_empty() {
            writeln!(w, "   sites ({}):", f.sites_of)?;
            for s in &f.sites {
                writeln!(w, "     {}", site_text(s))?;
            }
        }
        for t in &f.try_ {
            writeln!(w, "   try: {}", escape::text(t))?;
        }
        for d in &f.dig {
            writeln!(w, "   dig: {}", escape::text(d))?;
        }
        writeln!(w, "   threshold: {}", escape::text(&f.threshold))?;
    }
    Ok(())
}

/// Writes `{"evidence": [...], "findings": [...]}`.
pub fn write_json(w: &mut dyn Write, ev: &Evidence, findings: &[Finding]) -> io::Result<()> {
    let evidence: Vec<Value> = ev
        .read_as
        .iter()
        .map(|(name, what)| json!({"source": name, "read_as": what}))
        .collect();
    let findings: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "kind": f.kind,
                "summary": f.summary,
                "numbers": f.numbers.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
                "evidence": f.evidence.iter().map(|(n, w)| json!({"source": n, "says": w})).collect::<Vec<_>>(),
                "sites_of": f.sites_of,
                "sites": f.sites.iter().map(|s| json!({
                    "function": s.function,
                    "file": s.file,
                    "line": s.line,
                    "share": s.share,
                    "value": s.value,
                    "measure": s.measure,
                    "note": s.note,
                    "called_from": s.called_from.as_ref().map(|c| json!({
                        "function": c.function,
                        "file": c.file,
                        "line": c.line,
                        "share": c.share,
                    })),
                })).collect::<Vec<_>>(),
                "try": f.try_,
                "dig": f.dig,
                "threshold": f.threshold,
            })
        })
        .collect();
    super::json::write_pretty(w, &json!({"evidence": evidence, "findings": findings}))
}

#[cfg(test)]
mod tests {
    use super::is_program_code;

    #[test]
    fn program_code_is_main_or_a_module_path() {
        for f in [
            "main.load",
            "main.(*T).M",
            "main.init.func1",
            "github.com/a/b.F",
            "example.com/x.(*T).M",
        ] {
            assert!(is_program_code(f), "{f}");
        }
        for f in [
            "io.ReadAll",
            "bufio.NewWriterSize",
            "runtime.malg",
            "net/http.(*conn).serve",
            "encoding/json.Unmarshal",
            "mainly.F",
            "",
        ] {
            assert!(!is_program_code(f), "{f}");
        }
    }
}
