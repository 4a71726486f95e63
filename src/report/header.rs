//! The lines pprof prints above a report: the profile's own (File, Build
//! ID, comments, Type, Doc, Time, Duration, and heapscope's note on dropped
//! allocator frames), the active filters, and what
//! trimming left ("Showing nodes accounting for …", "Dropped N nodes …").

use super::Prepared;
use crate::profile::Profile;
use crate::support::escape;
use crate::support::paths::go_base;
use crate::support::time::format_time;
use crate::units;

/// The lines pprof puts above a report: File, Build ID, comments, Type,
/// Doc, Time, Duration.
pub fn profile_header(
    p: &Profile,
    sample_type: &str,
    sample_unit: &str,
    total: i64,
    format_value: &dyn Fn(i64) -> String,
) -> Vec<String> {
    let mut labels = Vec::new();
    if let Some(m) = p.mappings.first() {
        let file = p.str(m.file);
        if !file.is_empty() {
            labels.push(format!("File: {}", escape::text(go_base(file))));
        }
        let build_id = p.str(m.build_id);
        if !build_id.is_empty() {
            labels.push(format!("Build ID: {}", escape::text(build_id)));
        }
    }
    for &c in &p.comments {
        let c = p.str(c);
        if !c.starts_with('#') {
            labels.push(escape::text(c).into_owned());
        }
    }
    if !sample_type.is_empty() {
        labels.push(format!("Type: {}", escape::text(sample_type)));
    }
    let doc = p.str(p.doc_url);
    if !doc.is_empty() {
        labels.push(format!("Doc: {}", escape::text(doc)));
    }
    if p.time_nanos != 0 {
        labels.push(format!("Time: {}", format_time(p.time_nanos)));
    }
    if p.duration_nanos != 0 {
        let duration = units::scaled_label(p.duration_nanos, "nanoseconds", "auto");
        let (total_ns, unit) = units::scale(total, sample_unit, "nanoseconds");
        let ratio = if unit == "ns" && total_ns != 0.0 {
            format!("({})", units::percentage(total_ns as i64, p.duration_nanos))
        } else {
            String::new()
        };
        labels.push(format!(
            "Duration: {duration}, Total samples = {} {ratio}",
            format_value(total)
        ));
    }
    // heapscope's own line (pprof keeps these frames): see profile::allocator.
    if p.allocator_stacks_cut != 0 {
        let n = p.allocator_stacks_cut;
        labels.push(format!(
            "Dropped allocator frames from {n} stack{} (--keep_allocator_frames keeps them)",
            if n == 1 { "" } else { "s" }
        ));
    }
    labels
}

/// What trimming left of a graph, for the header lines.
pub struct Trimming {
    /// Sum of flat over the nodes shown.
    pub flat_sum: i64,
    pub dropped_nodes: usize,
    pub node_fraction: f64,
    /// Nodes shown, and nodes left before the node count limit.
    pub shown: usize,
    pub orig_count: usize,
}

/// pprof's header lines of a graph report: the profile's own lines, active
/// filters, "Showing nodes accounting for …", "Dropped N nodes …",
/// "Showing top N nodes out of M".
pub fn report_header(
    prep: &Prepared<'_>,
    t: &Trimming,
    fmt: &dyn Fn(i64) -> String,
) -> Vec<String> {
    header_with_edges(prep, t, None, fmt)
}

/// Edges dropped under the edge fraction, for a call graph's legend.
pub struct DroppedEdges {
    pub count: usize,
    pub edge_fraction: f64,
}

/// [`report_header`] with pprof's "Dropped N edges (freq <= X)" line, as
/// the call graph's legend shows it.
pub fn header_with_edges(
    prep: &Prepared<'_>,
    t: &Trimming,
    edges: Option<&DroppedEdges>,
    fmt: &dyn Fn(i64) -> String,
) -> Vec<String> {
    let unit = prep.sample_unit();
    let total = prep.total;
    let mut labels = profile_header(prep.profile(), &prep.sample_type(), &unit, total, fmt);
    if !prep.filters.is_empty() {
        labels.push("Active filters:".to_string());
        for f in &prep.filters {
            labels.push(format!("   {}", escape::text(f)));
        }
    }
    labels.push(format!(
        "Showing nodes accounting for {}, {} of {} total",
        fmt(t.flat_sum),
        units::percentage(t.flat_sum, total).trim(),
        fmt(total)
    ));
    if total != 0 {
        // "Dropped N nodes (cum <= X)", "Dropped N edges (freq <= X)".
        let dropped = |count: usize, what: &str, measure: &str, fraction: f64| {
            let cutoff = ((total as f64) * fraction) as i64;
            format!(
                "Dropped {count} {what}{} ({measure} <= {})",
                if count > 1 { "s" } else { "" },
                fmt(cutoff.saturating_abs())
            )
        };
        if t.dropped_nodes > 0 {
            labels.push(dropped(t.dropped_nodes, "node", "cum", t.node_fraction));
        }
        if let Some(e) = edges.filter(|e| e.count > 0) {
            labels.push(dropped(e.count, "edge", "freq", e.edge_fraction));
        }
        if t.shown > 0 && t.shown < t.orig_count {
            labels.push(format!(
                "Showing top {} nodes out of {}",
                t.shown, t.orig_count
            ));
        }
    }
    labels
}
