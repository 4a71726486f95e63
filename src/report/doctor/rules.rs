//! The findings of `doctor`: the kinds it knows, in the order it ranks
//! them (causes before the symptoms they bring), what each takes from the
//! evidence, the call sites it names from a heap profile, what to try and
//! the command to dig further.
//!
//! The runtime's evidence is judged by `gctrace` and `memstats` themselves
//! (their thresholds, with their reasons, are in
//! `goruntime::gctrace::thresholds` and `goruntime::memstats::thresholds`:
//! the Go GC guide, <https://go.dev/doc/gc-guide>, and `runtime.MemStats`'
//! documentation); a finding both give is one finding with both as
//! evidence. Heap profiles add what only they can: a leak, from a series
//! (`trend`'s rule, [`crate::report::trend::LEAK_RULE`]), and a dominant
//! holder, and they name the call sites of every finding.

use rustc_hash::FxHashMap;

use super::{DoctorOptions, Evidence, HeapEvidence};
use crate::goruntime::{gctrace, memstats};
use crate::report::heap::{rule, Row};
use crate::report::trend;
use crate::units::human_bytes;

/// Every kind, most important first: the rank of a finding. A leak,
/// runaway growth and a goroutine pile-up end in running out of memory;
/// fragmentation and churn waste memory or CPU by themselves; thrash, GC
/// CPU, idle memory, long marks and pauses are what those cost; a dominant
/// holder is where to look; forced cycles are a habit to drop.
pub const KINDS: [&str; 12] = [
    "leak",
    "runaway_growth",
    "goroutine_stacks",
    "fragmentation",
    "churn",
    "gc_thrash",
    "gc_cpu",
    "idle_not_released",
    "long_mark",
    "dominant_holder",
    "long_pauses",
    "forced_gc",
];

/// Levels of the findings only heap profiles give.
pub mod thresholds {
    /// A dominant holder: one node holding at least this share of the
    /// in-use heap…
    pub const HOLDER_SHARE: f64 = 0.5;
    /// …and at least this much (a small heap held in one place is a
    /// design, not a problem: the healthy story's 16 MiB cache).
    pub const HOLDER_BYTES: i64 = 64 << 20;
    /// Sites named per finding at most…
    pub const SITES: usize = 3;
    /// …each at least this share of what the finding is about.
    pub const SITE_SHARE: f64 = 0.05;
    /// Fragmentation's sites hold objects at most this large on average:
    /// the runtime's small size classes (a larger object has a span of its
    /// own, freed with it).
    pub const SMALL_OBJECT: i64 = 32 << 10;
}

/// A call site a finding names.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub function: String,
    pub file: String,
    pub line: i64,
    /// The site's share of `measure`'s total.
    pub share: f64,
    pub value: i64,
    /// The sample type the share is of.
    pub measure: &'static str,
    /// What the site's numbers say.
    pub note: String,
    /// When the site is not the program's own code: the program's call
    /// into it that carries the largest part of its value.
    pub called_from: Option<CalledFrom>,
}

/// The program's line that calls a site of the standard library.
#[derive(Debug, Clone, PartialEq)]
pub struct CalledFrom {
    pub function: String,
    pub file: String,
    pub line: i64,
    /// Its part of the site's value.
    pub share: f64,
}

/// The program's call into `function` carrying the most of one value (slot
/// in `heap::TYPES`), of the site's `value`.
fn called_from(p: &HeapEvidence, function: &str, slot: usize, value: i64) -> Option<CalledFrom> {
    let function = function.split(' ').next().unwrap_or(function);
    p.callers
        .iter()
        .filter(|c| c.allocator == function && c.values[slot] > 0)
        .max_by_key(|c| (c.values[slot], std::cmp::Reverse((&c.function, c.line))))
        .map(|c| CalledFrom {
            function: c.function.clone(),
            file: c.file.clone(),
            line: c.line,
            share: share(c.values[slot], value),
        })
}

/// A finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// One of [`KINDS`].
    pub kind: &'static str,
    pub summary: String,
    /// The figures behind it, by name (bytes, shares as fractions, seconds,
    /// counts, as the name says).
    pub numbers: Vec<(String, f64)>,
    /// (source, what it says).
    pub evidence: Vec<(String, String)>,
    /// What the sites are: "holding in-use space", …
    pub sites_of: &'static str,
    pub sites: Vec<Site>,
    pub try_: Vec<String>,
    pub dig: Vec<String>,
    pub threshold: String,
}

fn rank(kind: &str) -> usize {
    KINDS.iter().position(|&k| k == kind).unwrap_or(KINDS.len())
}

/// A file name as a shell word.
fn sh(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:=@%,".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A regex matching exactly a function name.
fn exact(name: &str) -> String {
    format!("^{}$", regex::escape(name))
}

fn share(v: i64, total: i64) -> f64 {
    if total > 0 {
        v as f64 / total as f64
    } else {
        0.0
    }
}

/// Sites by one of the four values (slot in `heap::TYPES`), the largest
/// first, among rows `keep` accepts.
fn sites_by(
    p: &HeapEvidence,
    slot: usize,
    keep: impl Fn(&Row) -> bool,
    note: impl Fn(&Row) -> String,
) -> Vec<Site> {
    let total = p.heap.totals[slot];
    let mut rows: Vec<&Row> = p
        .heap
        .rows
        .iter()
        .filter(|r| keep(r) && share(r.flat[slot], total) >= thresholds::SITE_SHARE)
        .collect();
    rows.sort_by(|a, b| b.flat[slot].cmp(&a.flat[slot]).then(a.name.cmp(&b.name)));
    rows.iter()
        .take(thresholds::SITES)
        .map(|r| {
            let (file, line) = where_in(p, &r.name, slot);
            Site {
                function: r.name.clone(),
                file,
                line,
                share: share(r.flat[slot], total),
                value: r.flat[slot],
                measure: crate::report::heap::TYPES[slot],
                note: note(r),
                called_from: called_from(p, &r.name, slot, r.flat[slot]),
            }
        })
        .collect()
}

/// The file and line of a function's largest share of one value (slot in
/// `heap::TYPES`), from the profile's line granularity.
fn where_in(p: &HeapEvidence, function: &str, slot: usize) -> (String, i64) {
    p.lines
        .rows
        .iter()
        .filter(|r| r.name.split(' ').next() == Some(function) || r.name == function)
        .max_by_key(|r| (r.flat[slot], std::cmp::Reverse(r.line)))
        .map(|r| (r.file.clone(), r.line))
        .unwrap_or_default()
}

fn retention_note(r: &Row) -> String {
    format!(
        "holds {} of the {} it allocated ({:.1}% kept), objects of {} on average",
        human_bytes(r.flat[0]),
        human_bytes(r.flat[2]),
        r.retention().unwrap_or(0.0) * 100.0,
        human_bytes(r.average(false).unwrap_or(0))
    )
}

/// The in-use holders.
fn holders(p: &HeapEvidence) -> Vec<Site> {
    sites_by(p, 0, |_| true, retention_note)
}

/// The allocators: churning nodes first, by allocated space.
fn allocators(p: &HeapEvidence) -> Vec<Site> {
    let churning = sites_by(p, 2, |r| r.kind(&p.heap.totals) == "churn", retention_note);
    if churning.is_empty() {
        sites_by(p, 2, |_| true, retention_note)
    } else {
        churning
    }
}

/// Fragmentation's sites: nodes holding some of many small objects, else
/// the allocators of many small objects.
fn sparse_holders(p: &HeapEvidence) -> Vec<Site> {
    let sites = sites_by(
        p,
        0,
        |r| {
            r.average(true)
                .is_some_and(|a| a <= thresholds::SMALL_OBJECT)
                && r.retention().is_some_and(|k| k < rule::HOLD_RETENTION)
        },
        |r| {
            format!(
                "keeps {} of the {} objects of {} on average it allocated ({:.1}%): \
                 each survivor pins its span",
                r.flat[1],
                r.flat[3],
                human_bytes(r.average(false).unwrap_or(0)),
                share(r.flat[1], r.flat[3]) * 100.0
            )
        },
    );
    if !sites.is_empty() {
        return sites;
    }
    // None held in the (sampled) profile: the allocators of many small
    // objects, by allocated objects.
    let sites = sites_by(
        p,
        3,
        |r| {
            r.average(false)
                .is_some_and(|a| a <= thresholds::SMALL_OBJECT)
        },
        |r| {
            format!(
                "allocated {} objects of {} on average, keeps {} of them",
                r.flat[3],
                human_bytes(r.average(false).unwrap_or(0)),
                r.flat[1]
            )
        },
    );
    if sites.is_empty() {
        holders(p)
    } else {
        sites
    }
}

/// What to try and how to dig, per kind.
fn advice(kind: &str) -> &'static [&'static str] {
    match kind {
        "leak" => &[
            "bound the cache (a size or age limit, an LRU) or evict what is no longer used",
            "drop references to what a request is done with (maps and slices that only grow)",
        ],
        "runaway_growth" => &[
            "stream instead of reading whole (io.Copy, a bufio.Reader, json.Decoder) where one input is read into memory",
            "bound what grows (caches, queues, buffers); set GOMEMLIMIT so the GC works harder before the limit",
        ],
        "goroutine_stacks" => &[
            "give every blocking receive, lock and I/O a way out (a context with a deadline, a select with a timeout)",
            "bound the goroutines started per request (a worker pool, a semaphore)",
        ],
        "fragmentation" => &[
            "copy the survivors into a fresh, compact structure and drop the batch they came from",
            "allocate long-lived objects apart from short-lived ones of the same size (or in one slice)",
        ],
        "churn" | "gc_cpu" | "gc_thrash" => &[
            "pool or reuse the buffers (sync.Pool, a buffer kept per worker), preallocate with make(T, 0, n)",
            "raise GOGC (fewer cycles for more memory) or set GOMEMLIMIT with GOGC=off when the live heap is known",
        ],
        "idle_not_released" => &[
            "set GOMEMLIMIT: the scavenger returns memory sooner as the heap nears it; debug.FreeOSMemory() returns it at once",
            "avoid the peak: stream or bound what briefly grew the heap",
        ],
        "long_mark" | "long_pauses" => &[
            "shrink the live heap the GC must mark (fewer pointers, smaller caches)",
            "keep GOMAXPROCS within the CPU quota; raise GOGC so that marks are rarer",
        ],
        "dominant_holder" => &[
            "check that this site is meant to hold that much; bound it or stream through it",
        ],
        "forced_gc" => &["remove the runtime.GC() calls; let GOGC and GOMEMLIMIT pace the GC"],
        _ => &[],
    }
}

/// The evidence's files, grouped for the dig commands.
struct Files<'a> {
    last_profile: Option<&'a HeapEvidence>,
    profiles: Vec<&'a str>,
    trace: Option<&'a str>,
    memstats: Option<&'a str>,
}

fn dig(kind: &str, f: &Files<'_>, sites: &[Site]) -> Vec<String> {
    let mut out = Vec::new();
    let top_site = sites.first().map(|s| exact(&s.function));
    if let Some(p) = f.last_profile {
        let name = sh(&p.name);
        match kind {
            "leak" if f.profiles.len() >= 2 => {
                let all: Vec<String> = f.profiles.iter().map(|n| sh(n)).collect();
                out.push(format!("heapscope trend {}", all.join(" ")));
            }
            "churn" | "gc_cpu" | "gc_thrash" | "idle_not_released" => {
                out.push(format!("heapscope heap -alloc_space {name}"));
            }
            "fragmentation" => out.push(format!("heapscope heap -inuse_objects {name}")),
            _ => out.push(format!("heapscope heap {name}")),
        }
        if let Some(re) = &top_site {
            let index = if matches!(kind, "churn" | "gc_cpu" | "gc_thrash") {
                "-alloc_space"
            } else {
                "-inuse_space"
            };
            out.push(format!("heapscope peek {index} {} {name}", sh(re)));
            out.push(format!("heapscope list {index} {} {name}", sh(re)));
        }
    }
    match kind {
        "runaway_growth" | "churn" | "gc_cpu" | "gc_thrash" | "long_mark" | "forced_gc" => {
            if let Some(t) = f.trace {
                out.push(format!("heapscope gctrace --svg=gc.svg {}", sh(t)));
            }
        }
        "goroutine_stacks" => out.push(
            "curl -s 'http://HOST/debug/pprof/goroutine?debug=1' (the goroutines, grouped by stack)"
                .to_string(),
        ),
        _ => {}
    }
    if matches!(
        kind,
        "fragmentation" | "idle_not_released" | "goroutine_stacks" | "long_pauses"
    ) {
        if let Some(m) = f.memstats {
            out.push(format!("heapscope memstats {}", sh(m)));
        }
    }
    out
}

/// Whose sites a finding names, and which.
fn sites_for(kind: &str, p: &HeapEvidence) -> (&'static str, Vec<Site>) {
    match kind {
        "churn" | "gc_cpu" | "gc_thrash" | "idle_not_released" => {
            ("allocating the most, churning first", allocators(p))
        }
        "fragmentation" => ("keeping a few of many small objects", sparse_holders(p)),
        "forced_gc" => ("", Vec::new()),
        _ => ("holding the most", holders(p)),
    }
}

/// The leak finding of a series, if a node's in-use space grows as
/// `trend`'s rule says.
fn leak(profiles: &[HeapEvidence]) -> Option<Finding> {
    if profiles.len() < 2 {
        return None;
    }
    let last = &profiles[profiles.len() - 1];
    let mut series: FxHashMap<&str, Vec<i64>> = FxHashMap::default();
    for (i, p) in profiles.iter().enumerate() {
        for r in &p.heap.rows {
            series
                .entry(r.name.as_str())
                .or_insert_with(|| vec![0; profiles.len()])[i] = r.flat[0];
        }
    }
    let last_total = last.heap.totals[0];
    let mut leaks: Vec<(&str, &Vec<i64>)> = series
        .iter()
        .filter(|(_, v)| trend::is_leak(v, last_total))
        .map(|(n, v)| (*n, v))
        .collect();
    if leaks.is_empty() {
        return None;
    }
    let growth = |v: &[i64]| v[v.len() - 1] - v[0];
    leaks.sort_by(|a, b| growth(b.1).cmp(&growth(a.1)).then(a.0.cmp(b.0)));
    let total_growth: i64 = leaks.iter().map(|l| growth(l.1)).sum();
    let sites: Vec<Site> = leaks
        .iter()
        .take(thresholds::SITES)
        .map(|(name, v)| {
            let (file, line) = where_in(last, name, 0);
            let steps = v.len() - 1;
            let grew = v.windows(2).filter(|w| w[1] > w[0]).count();
            Site {
                function: name.to_string(),
                file,
                line,
                share: share(v[steps], last_total),
                value: v[steps],
                measure: "inuse_space",
                note: format!(
                    "grew {} → {} (+{}) in {grew} of {steps} steps; {:.1}% of the growth of all leaks",
                    human_bytes(v[0]),
                    human_bytes(v[steps]),
                    human_bytes(growth(v)),
                    share(growth(v), total_growth) * 100.0
                ),
                called_from: called_from(last, name, 0, v[steps]),
            }
        })
        .collect();
    let first = &profiles[0];
    let span_s = if first.time_nanos > 0 && last.time_nanos > first.time_nanos {
        Some((last.time_nanos - first.time_nanos) as f64 / 1e9)
    } else {
        None
    };
    let over = span_s.map_or(String::new(), |s| format!(" over {s:.1} s"));
    let top = &sites[0];
    Some(Finding {
        kind: "leak",
        summary: format!(
            "{} site{} keep{} growing across {} snapshots{over}: {} holds {} ({:.1}% of the last \
             snapshot's {} in use), up {} since the first. Memory it allocates is never let go.",
            leaks.len(),
            if leaks.len() == 1 { "" } else { "s" },
            if leaks.len() == 1 { "s" } else { "" },
            profiles.len(),
            top.function,
            human_bytes(top.value),
            top.share * 100.0,
            human_bytes(last_total),
            human_bytes(growth(leaks[0].1)),
        ),
        numbers: named(&[
            ("snapshots", profiles.len() as f64),
            ("leaking_sites", leaks.len() as f64),
            ("leak_growth_bytes", total_growth as f64),
            ("last_inuse_bytes", last_total as f64),
            ("span_s", span_s.unwrap_or(0.0)),
        ]),
        evidence: vec![(
            profiles
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            format!(
                "a series of {} heap profiles; in-use space {} → {}",
                profiles.len(),
                human_bytes(first.heap.totals[0]),
                human_bytes(last_total)
            ),
        )],
        sites_of: "growing across the snapshots; shares of the last one",
        sites,
        try_: Vec::new(),
        dig: Vec::new(),
        threshold: trend::LEAK_RULE.to_string(),
    })
}

/// A dominant holder in the last profile.
fn dominant(p: &HeapEvidence) -> Option<Finding> {
    let total = p.heap.totals[0];
    let r = p.heap.rows.iter().max_by_key(|r| r.flat[0])?;
    let s = share(r.flat[0], total);
    if s < thresholds::HOLDER_SHARE || r.flat[0] < thresholds::HOLDER_BYTES {
        return None;
    }
    Some(Finding {
        kind: "dominant_holder",
        summary: format!(
            "{} holds {} ({:.1}%) of the {} in use.",
            r.name,
            human_bytes(r.flat[0]),
            s * 100.0,
            human_bytes(total)
        ),
        numbers: named(&[("inuse_bytes", r.flat[0] as f64), ("share", s)]),
        evidence: vec![(p.name.clone(), "heap profile".to_string())],
        sites_of: "",
        sites: Vec::new(),
        try_: Vec::new(),
        dig: Vec::new(),
        threshold: format!(
            "one node holding at least {:.0}% of the in-use space and {}: one place holds \
             most of the memory, the first to look at when memory matters",
            thresholds::HOLDER_SHARE * 100.0,
            human_bytes(thresholds::HOLDER_BYTES)
        ),
    })
}

fn named(numbers: &[(&str, f64)]) -> Vec<(String, f64)> {
    numbers
        .iter()
        .filter(|n| n.1.is_finite())
        .map(|&(k, v)| (k.to_string(), v))
        .collect()
}

/// The figures of a gctrace run behind a finding of `kind`.
fn gctrace_numbers(kind: &str, s: &gctrace::Summary) -> Vec<(String, f64)> {
    let mut n = vec![("cycles", s.cycles as f64), ("span_s", s.span_s)];
    match kind {
        "runaway_growth" => {
            if let Some(g) = &s.growth {
                n.extend([
                    ("live_floor_start_mb", g.floor_start_mb as f64),
                    ("live_floor_end_mb", g.floor_end_mb as f64),
                    ("growth_factor", g.factor),
                    ("late_rate_mb_per_s", g.late_rate_mb_s),
                ]);
            }
            n.push(("live_last_mb", s.live.last as f64));
            if let Some(p) = &s.projection {
                n.extend([
                    ("limit_bytes", p.limit_bytes as f64),
                    ("limit_reached_by_live_in_s", p.live_s),
                    ("limit_reached_by_goal_in_s", p.goal_s),
                ]);
            }
        }
        "churn" | "gc_thrash" | "gc_cpu" => {
            n.extend([
                ("cycles_per_s", s.cycles_per_s.unwrap_or(0.0)),
                ("allocated_mb", s.allocated_mb as f64),
                ("median_live_mb", s.median_live_mb),
                ("gc_cpu_share", s.gc_cpu_share.unwrap_or(0.0)),
                ("median_interval_ms", s.median_interval_ms.unwrap_or(0.0)),
                ("median_reclaimed_share", s.median_reclaimed.unwrap_or(0.0)),
            ]);
            // Go 1.19+ logs: what the pacer paces on, when stacks and
            // globals add to the live heap.
            if s.median_paced_mb > s.median_live_mb {
                n.push(("median_live_stacks_globals_mb", s.median_paced_mb));
            }
            if let Some(w) = s.gc_cpu_windows.iter().map(|w| w.2).reduce(f64::max) {
                n.push(("gc_cpu_share_peak_window", w));
            }
        }
        "long_mark" => n.extend([
            ("longest_mark_cycle", s.longest_mark.0 as f64),
            ("longest_mark_ms", s.longest_mark.1),
            ("marking_share", s.marking_share.unwrap_or(0.0)),
        ]),
        "forced_gc" => n.push(("forced_cycles", s.forced.len() as f64)),
        _ => {}
    }
    named(&n)
}

/// The figures of a MemStats block behind a finding of `kind`.
fn memstats_numbers(
    kind: &str,
    m: &memstats::MemStats,
    d: &memstats::Diagnosis,
) -> Vec<(String, f64)> {
    let f = |v: Option<u64>| v.map_or(f64::NAN, |v| v as f64);
    let i = |v: Option<i64>| v.map_or(f64::NAN, |v| v as f64);
    let n: Vec<(&str, f64)> = match kind {
        "fragmentation" => vec![
            ("heap_inuse_bytes", f(m.heap_inuse)),
            ("heap_alloc_bytes", f(m.heap_alloc)),
            ("fragmentation_bytes", i(d.fragmentation)),
            (
                "fragmentation_share",
                d.fragmentation_share.unwrap_or(f64::NAN),
            ),
        ],
        "idle_not_released" => vec![
            ("heap_idle_bytes", f(m.heap_idle)),
            ("heap_released_bytes", f(m.heap_released)),
            ("idle_kept_bytes", i(d.idle_kept)),
            ("sys_bytes", f(m.sys)),
        ],
        "goroutine_stacks" => vec![
            ("stack_sys_bytes", f(m.stack_sys)),
            ("stack_inuse_bytes", f(m.stack_inuse)),
            ("sys_bytes", f(m.sys)),
            ("stack_share", d.stack_share.unwrap_or(f64::NAN)),
        ],
        "churn" | "gc_cpu" => vec![
            ("total_alloc_bytes", f(m.total_alloc)),
            ("heap_alloc_bytes", f(m.heap_alloc)),
            ("alloc_ratio", d.alloc_ratio.unwrap_or(f64::NAN)),
            ("num_gc", f(m.num_gc)),
            ("gc_cpu_fraction", m.gc_cpu_fraction.unwrap_or(f64::NAN)),
        ],
        "long_pauses" => match &d.pauses {
            Some(p) => vec![
                ("longest_pause_ns", p.max_ns as f64),
                ("longest_pause_cycle", p.longest_cycle as f64),
                ("median_pause_ns", p.median_ns as f64),
                ("pauses_of_1ms_or_more", p.notable as f64),
            ],
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    named(&n)
}

/// Adds a runtime finding, merging it into one of its kind already found
/// (its numbers added under names not taken yet).
fn add(
    out: &mut Vec<Finding>,
    (source, reader): (&str, &str),
    kind: &'static str,
    (message, threshold): (&str, &str),
    numbers: Vec<(String, f64)>,
) {
    // A leak found in a series is the cause of the growth the log shows.
    let kind_in = if kind == "runaway_growth" && out.iter().any(|f| f.kind == "leak") {
        "leak"
    } else {
        kind
    };
    if let Some(f) = out.iter_mut().find(|f| f.kind == kind_in) {
        f.evidence
            .push((source.to_string(), format!("{reader} says: {message}")));
        for (k, v) in numbers {
            if !f.numbers.iter().any(|n| n.0 == k) {
                f.numbers.push((k, v));
            }
        }
        return;
    }
    out.push(Finding {
        kind,
        summary: message.to_string(),
        numbers,
        evidence: vec![(source.to_string(), reader.to_string())],
        sites_of: "",
        sites: Vec::new(),
        try_: Vec::new(),
        dig: Vec::new(),
        threshold: threshold.to_string(),
    });
}

/// Judges the evidence: the findings, most important first.
pub fn findings(ev: &Evidence, options: &DoctorOptions) -> Vec<Finding> {
    let mut out: Vec<Finding> = leak(&ev.profiles).into_iter().collect();
    let gc_options = gctrace::Options {
        limit: options.limit,
    };
    for (name, trace) in &ev.traces {
        let runs = gctrace::runs(&trace.cycles);
        let count = runs.len();
        for (i, run) in runs.into_iter().enumerate() {
            let summary = gctrace::summarize(run, &gc_options);
            let source = if count == 1 {
                name.clone()
            } else {
                format!("{name} (run {} of {count})", i + 1)
            };
            for f in &summary.findings {
                let numbers = gctrace_numbers(f.kind, &summary);
                add(
                    &mut out,
                    (&source, "gctrace"),
                    f.kind,
                    (&f.message, &f.threshold),
                    numbers,
                );
            }
        }
    }
    for (name, m) in &ev.memstats {
        let d = memstats::diagnose(m);
        for f in &d.findings {
            add(
                &mut out,
                (name, "memstats"),
                f.kind,
                (&f.message, &f.threshold),
                memstats_numbers(f.kind, m, &d),
            );
        }
    }
    if let Some(f) = ev.profiles.last().and_then(dominant) {
        out.push(f);
    }
    let files = Files {
        last_profile: ev.profiles.last(),
        profiles: ev.profiles.iter().map(|p| p.name.as_str()).collect(),
        trace: ev.traces.first().map(|t| t.0.as_str()),
        memstats: ev.memstats.first().map(|m| m.0.as_str()),
    };
    for f in &mut out {
        if f.sites.is_empty() {
            if let Some(p) = files.last_profile {
                let (of, sites) = sites_for(f.kind, p);
                f.sites_of = of;
                f.sites = sites;
            }
        }
        f.try_ = advice(f.kind).iter().map(ToString::to_string).collect();
        f.dig = dig(f.kind, &files, &f.sites);
    }
    out.sort_by_key(|f| rank(f.kind));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_shell_words() {
        assert_eq!(sh("testdata/profiles/a.pb.gz"), "testdata/profiles/a.pb.gz");
        assert_eq!(sh("my heap.txt"), "'my heap.txt'");
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(sh(""), "''");
        assert_eq!(exact("main.(*T).Put"), r"^main\.\(\*T\)\.Put$");
    }

    /// A churning run beside 3 MB of stacks and 1 MB of globals: the
    /// figures name what the pacer paces on (1 + 4 MB) beside the live
    /// heap; without them, only the live heap.
    #[test]
    fn gctrace_figures_name_stacks_and_globals_when_there_are_some() {
        let log = |stacks: u64| {
            (1..=40u64)
                .map(|n| {
                    format!(
                        "gc {n} @{:.3}s 5%: 0.1+1.0+0.2 ms clock, 0.1+0.2/1.5/3.0+0.2 ms cpu, \
                         8->10->1 MB, 8 MB goal, {stacks} MB stacks, 1 MB globals, 2 P\n",
                        n as f64 * 0.01
                    )
                })
                .collect::<String>()
        };
        let figure = |stacks: u64| {
            let t = gctrace::parse(&log(stacks));
            let s = gctrace::summarize(&t.cycles, &gctrace::Options::default());
            gctrace_numbers("churn", &s)
                .into_iter()
                .find(|(k, _)| k == "median_live_stacks_globals_mb")
                .map(|(_, v)| v)
        };
        assert_eq!(figure(3), Some(5.0));
        assert_eq!(figure(0), Some(2.0));
        let t = gctrace::parse(&log(0).replace(", 1 MB globals", ", 0 MB globals"));
        let s = gctrace::summarize(&t.cycles, &gctrace::Options::default());
        assert!(gctrace_numbers("churn", &s)
            .iter()
            .all(|(k, _)| k != "median_live_stacks_globals_mb"));
    }

    #[test]
    fn every_kind_has_a_rank_and_advice() {
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(rank(k), i);
            assert!(!advice(k).is_empty(), "{k}");
        }
        assert_eq!(rank("unknown"), KINDS.len());
    }

    #[test]
    fn a_log_growth_joins_the_series_leak() {
        let mut out = vec![Finding {
            kind: "leak",
            summary: String::new(),
            numbers: Vec::new(),
            evidence: Vec::new(),
            sites_of: "",
            sites: Vec::new(),
            try_: Vec::new(),
            dig: Vec::new(),
            threshold: String::new(),
        }];
        add(
            &mut out,
            ("gc.log", "gctrace"),
            "runaway_growth",
            ("runaway growth: …", "t"),
            vec![("cycles".to_string(), 3.0)],
        );
        add(
            &mut out,
            ("m.txt", "memstats"),
            "churn",
            ("churn: …", "t"),
            Vec::new(),
        );
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].evidence,
            [(
                "gc.log".to_string(),
                "gctrace says: runaway growth: …".to_string()
            )]
        );
        assert_eq!(out[0].numbers, [("cycles".to_string(), 3.0)]);
        assert_eq!(out[1].kind, "churn");
    }
}
