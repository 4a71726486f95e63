//! `heap`: the view of a Go heap profile pprof lacks — per node all four
//! values side by side (in-use and allocated space and objects, each a
//! node's flat as pprof's `-top -sample_index=X` gives it), the average
//! object size, the retention (in-use space over allocated space: a node
//! that allocates much and keeps little churns, one that keeps most of it
//! grows or holds), and the allocation-size histogram per node from the
//! `bytes` label (pprof's `-tags`, split by the node that allocated).

use std::io::{self, Write};

use rustc_hash::FxHashMap;
use serde_json::{json, Value};

use super::{header, Format, Prepared};
use crate::profile::graph::{self, NodeIndex, Overflow};
use crate::profile::{sample_type, Profile};
use crate::support::escape;
use crate::units;

/// The four sample types of a Go heap profile, in the order the report
/// shows them.
pub const TYPES: [&str; 4] = [
    "inuse_space",
    "inuse_objects",
    "alloc_space",
    "alloc_objects",
];

/// A node's kind, by its retention.
pub mod rule {
    /// Churn: a node allocating at least this share of the profile's
    /// allocated space…
    pub const CHURN_ALLOC_SHARE: f64 = 0.05;
    /// …and keeping under this share of it: its memory is garbage almost
    /// at once, so it paces the GC (a cycle per live heap allocated) and
    /// is a candidate for a `sync.Pool` or a reused buffer.
    pub const CHURN_RETENTION: f64 = 0.05;
    /// Holds: a node holding at least this share of the in-use space…
    pub const HOLD_INUSE_SHARE: f64 = 0.05;
    /// …and keeping at least this share of what it allocated: what it
    /// allocates stays, so the heap grows with it (a leak, a cache, a
    /// buffer that keeps a whole input).
    pub const HOLD_RETENTION: f64 = 0.5;
}

/// Options of the `heap` report.
#[derive(Debug, Clone)]
pub struct HeapOptions {
    /// Rows shown; 0 shows all.
    pub node_count: usize,
    /// Allocation sizes shown per row (the largest by allocated space); 0
    /// hides the histograms.
    pub sizes: usize,
    pub format: Format,
}

impl Default for HeapOptions {
    fn default() -> Self {
        HeapOptions {
            node_count: 20,
            sizes: 4,
            format: Format::Text,
        }
    }
}

/// One value of each of the four sample types, in [`TYPES`] order.
pub type Values = [i64; 4];

/// A node's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub node: NodeIndex,
    pub name: String,
    /// The node's file and line (line 0 at function granularity).
    pub file: String,
    pub line: i64,
    /// Flat of each type.
    pub flat: Values,
    /// Cum of each type.
    pub cum: Values,
    /// The `bytes` label's values among the node's flat samples: (size,
    /// the four values of the samples of that size), largest allocated
    /// space first.
    pub sizes: Vec<(i64, Values)>,
}

impl Row {
    /// In-use space over allocated space, when anything was allocated.
    pub fn retention(&self) -> Option<f64> {
        (self.flat[2] > 0).then(|| self.flat[0] as f64 / self.flat[2] as f64)
    }

    /// Average object size of in-use (`inuse`) or allocated objects.
    pub fn average(&self, inuse: bool) -> Option<i64> {
        let (space, objects) = if inuse {
            (self.flat[0], self.flat[1])
        } else {
            (self.flat[2], self.flat[3])
        };
        (objects > 0).then(|| space / objects)
    }

    /// "churn", "holds" or "" (see [`rule`]), against the totals.
    pub fn kind(&self, totals: &Values) -> &'static str {
        let share = |v: i64, t: i64| if t > 0 { v as f64 / t as f64 } else { 0.0 };
        match self.retention() {
            Some(r)
                if r < rule::CHURN_RETENTION
                    && share(self.flat[2], totals[2]) >= rule::CHURN_ALLOC_SHARE =>
            {
                "churn"
            }
            Some(r)
                if r >= rule::HOLD_RETENTION
                    && share(self.flat[0], totals[0]) >= rule::HOLD_INUSE_SHARE =>
            {
                "holds"
            }
            _ => "",
        }
    }
}

/// The computed report.
#[derive(Debug, Clone)]
pub struct Heap {
    /// pprof's total of each type (the sum of |value| over all samples).
    pub totals: Values,
    /// Rows with any non-zero flat, by the selected type's flat.
    pub rows: Vec<Row>,
    /// Nodes with a non-zero flat in all.
    pub nodes: usize,
    /// Which of [`TYPES`] the rows are sorted by.
    pub sorted_by: usize,
}

/// Why a profile has no heap view.
#[derive(Debug)]
pub enum HeapError {
    /// The profile lacks one of the four heap sample types.
    NotHeap(String),
    Overflow(Overflow),
}

impl std::fmt::Display for HeapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeapError::NotHeap(types) => write!(
                f,
                "not a Go heap profile: the heap view needs the sample types {} \
                 (this profile has {})",
                TYPES.join(", "),
                escape::text(types)
            ),
            HeapError::Overflow(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for HeapError {}

impl From<Overflow> for HeapError {
    fn from(e: Overflow) -> Self {
        HeapError::Overflow(e)
    }
}

/// The value indexes of the four types in the profile.
pub fn type_indexes(p: &Profile) -> Result<[usize; 4], HeapError> {
    let mut out = [0; 4];
    for (slot, name) in TYPES.iter().enumerate() {
        out[slot] = sample_type::resolve(p, Some(name))
            .ok()
            .filter(|&i| p.sample_type_names().get(i) == Some(name))
            .ok_or_else(|| HeapError::NotHeap(p.sample_type_names().join(", ")))?;
    }
    Ok(out)
}

/// Collects each flat sample's `bytes` label by node.
struct Sizes<'a> {
    p: &'a Profile,
    slot: usize,
    by: FxHashMap<(u32, i64), Values>,
    overflow: bool,
}

impl graph::Visitor for Sizes<'_> {
    fn cum(&mut self, _: NodeIndex, _: usize, _: i64) {}

    fn flat(&mut self, node: NodeIndex, sample: usize, w: i64) {
        let size = self
            .p
            .samples
            .labels(sample)
            .iter()
            .find(|l| l.is_numeric() && self.p.str(l.key) == "bytes")
            .map(|l| l.num);
        if let Some(size) = size {
            let v = &mut self.by.entry((node.index() as u32, size)).or_default()[self.slot];
            let (sum, o) = v.overflowing_add(w);
            *v = sum;
            self.overflow |= o;
        }
    }
}

/// Computes the report: four passes over the samples (one per type), the
/// rows sorted by the prepared sample type (in-use space unless asked).
pub fn compute(prep: &Prepared<'_>, opts: &HeapOptions) -> Result<Heap, HeapError> {
    let p = prep.profile();
    let indexes = type_indexes(p)?;
    let n = prep.table.len();
    let mut flat = vec![[0i64; 4]; n];
    let mut cum = vec![[0i64; 4]; n];
    let mut totals = [0i64; 4];
    let mut sizes: FxHashMap<(u32, i64), Values> = FxHashMap::default();
    for (slot, &vi) in indexes.iter().enumerate() {
        let mut visitor = Sizes {
            p,
            slot,
            by: std::mem::take(&mut sizes),
            overflow: false,
        };
        let g = graph::accumulate_visiting(
            p,
            &prep.table,
            &prep.view,
            vi,
            None,
            graph::EdgeSet::None,
            &mut visitor,
        )?;
        if visitor.overflow {
            return Err(Overflow.into());
        }
        sizes = visitor.by;
        for i in 0..n {
            flat[i][slot] = g.flat[i];
            cum[i][slot] = g.cum[i];
        }
        for i in 0..p.samples.len() {
            totals[slot] = totals[slot]
                .checked_add(p.samples.value(i, vi).checked_abs().ok_or(Overflow)?)
                .ok_or(Overflow)?;
        }
    }
    let mut per_node: FxHashMap<u32, Vec<(i64, Values)>> = FxHashMap::default();
    for ((node, size), v) in sizes {
        per_node.entry(node).or_default().push((size, v));
    }
    let sorted_by = indexes
        .iter()
        .position(|&i| i == prep.value_index)
        .unwrap_or(0);
    let mut rows: Vec<Row> = (0..n)
        .filter(|&i| flat[i].iter().any(|&v| v != 0))
        .map(|i| {
            let info = &prep.table.infos[i];
            let mut sizes = per_node.remove(&(i as u32)).unwrap_or_default();
            sizes.sort_by(|a, b| {
                b.1[2]
                    .cmp(&a.1[2])
                    .then(b.1[0].cmp(&a.1[0]))
                    .then(a.0.cmp(&b.0))
            });
            Row {
                node: NodeIndex::from_index(i),
                name: prep.table.names[i].clone(),
                file: info.file.clone(),
                line: info.line,
                flat: flat[i],
                cum: cum[i],
                sizes,
            }
        })
        .collect();
    let nodes = rows.len();
    rows.sort_by(|a, b| {
        b.flat[sorted_by]
            .unsigned_abs()
            .cmp(&a.flat[sorted_by].unsigned_abs())
            .then_with(|| b.flat[2].cmp(&a.flat[2]))
            .then_with(|| a.name.cmp(&b.name))
    });
    if opts.node_count > 0 {
        rows.truncate(opts.node_count);
    }
    Ok(Heap {
        totals,
        rows,
        nodes,
        sorted_by,
    })
}

/// A space value as pprof's `-unit=minimum` shows it.
fn space(v: i64) -> String {
    units::scaled_label(v, "bytes", "minimum")
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "-".to_string(), |s| format!("{:.1}%", s * 100.0))
}

/// Writes the report.
pub fn write(w: &mut dyn Write, prep: &Prepared<'_>, opts: &HeapOptions) -> anyhow::Result<()> {
    let heap = compute(prep, opts)?;
    match opts.format {
        Format::Text => write_text(w, prep, &heap, opts)?,
        Format::Json => write_json(w, &heap)?,
    }
    Ok(())
}

fn write_text(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    h: &Heap,
    opts: &HeapOptions,
) -> io::Result<()> {
    let type_name = format!("all four heap values, by {}", TYPES[h.sorted_by]);
    for line in header::profile_header(prep.profile(), &type_name, "bytes", 0, &|v| v.to_string()) {
        writeln!(w, "{line}")?;
    }
    writeln!(
        w,
        "Totals: inuse {} in {} objects, allocated {} in {} objects",
        space(h.totals[0]),
        h.totals[1],
        space(h.totals[2]),
        h.totals[3]
    )?;
    writeln!(
        w,
        "Showing {} of {} nodes (flat values); retained = inuse_space / alloc_space",
        h.rows.len(),
        h.nodes
    )?;
    writeln!(
        w,
        "{:>11} {:>10} {:>11} {:>10} {:>9} {:>9} {:>8}  {:<5}  name",
        "inuse", "objects", "alloc", "objects", "avg inuse", "avg alloc", "retained", "kind"
    )?;
    for r in &h.rows {
        writeln!(
            w,
            "{:>11} {:>10} {:>11} {:>10} {:>9} {:>9} {:>8}  {:<5}  {}",
            space(r.flat[0]),
            r.flat[1],
            space(r.flat[2]),
            r.flat[3],
            r.average(true).map_or("-".to_string(), space),
            r.average(false).map_or("-".to_string(), space),
            percent(r.retention()),
            r.kind(&h.totals),
            escape::text(&r.name)
        )?;
        if opts.sizes > 0 && !r.sizes.is_empty() {
            let shown: Vec<String> = r
                .sizes
                .iter()
                .take(opts.sizes)
                .map(|(size, v)| format!("{} ×{} ({} kept)", space(*size), v[3], v[1]))
                .collect();
            let more = r.sizes.len().saturating_sub(opts.sizes);
            writeln!(
                w,
                "{:>11} sizes: {}{}",
                "",
                shown.join(", "),
                if more > 0 {
                    format!(", and {more} more")
                } else {
                    String::new()
                }
            )?;
        }
    }
    Ok(())
}

fn values_json(v: &Values) -> Value {
    json!({
        "inuse_space": v[0],
        "inuse_objects": v[1],
        "alloc_space": v[2],
        "alloc_objects": v[3],
    })
}

/// JSON: every row shown, each with its whole size histogram.
fn write_json(w: &mut dyn Write, h: &Heap) -> io::Result<()> {
    let rows: Vec<Value> = h
        .rows
        .iter()
        .map(|r| {
            let sizes: Vec<Value> = r
                .sizes
                .iter()
                .map(|(size, v)| {
                    let mut o = values_json(v);
                    o["bytes"] = json!(size);
                    o
                })
                .collect();
            json!({
                "name": r.name,
                "file": r.file,
                "line": r.line,
                "flat": values_json(&r.flat),
                "cum": values_json(&r.cum),
                "average_inuse": r.average(true),
                "average_alloc": r.average(false),
                "retention": r.retention(),
                "kind": r.kind(&h.totals),
                "sizes": sizes,
            })
        })
        .collect();
    super::json::write_pretty(
        w,
        &json!({
            "totals": values_json(&h.totals),
            "sorted_by": TYPES[h.sorted_by],
            "nodes": h.nodes,
            "rows": rows,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(flat: Values) -> Row {
        Row {
            node: NodeIndex::from_index(0),
            name: "f".to_string(),
            file: String::new(),
            line: 0,
            flat,
            cum: flat,
            sizes: Vec::new(),
        }
    }

    #[test]
    fn kind_follows_retention_and_share() {
        let totals = [1000, 10, 100_000, 1000];
        // Allocates 10% of all and keeps 1%: churn.
        assert_eq!(row([100, 1, 10_000, 100]).kind(&totals), "churn");
        // Keeps 5% exactly: not churn any more.
        assert_eq!(row([500, 1, 10_000, 100]).kind(&totals), "");
        // Allocates under 5% of all: too small to matter.
        assert_eq!(row([10, 1, 4_000, 40]).kind(&totals), "");
        // Keeps 60% and holds 30% of the in-use space: holds.
        assert_eq!(row([300, 3, 500, 5]).kind(&totals), "holds");
        // Nothing allocated: no retention, no kind.
        assert_eq!(row([0, 0, 0, 0]).kind(&totals), "");
        assert_eq!(row([0, 0, 0, 0]).retention(), None);
        assert_eq!(row([300, 3, 500, 5]).average(true), Some(100));
        assert_eq!(row([300, 0, 500, 5]).average(true), None);
    }
}
