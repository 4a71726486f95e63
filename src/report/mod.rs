//! Reports over a loaded profile. Each report writes to any `io::Write` and
//! never prints directly; warnings go to a second writer. This module holds
//! what they share: sample selection and filtering ([`Prepared`]), pprof's
//! header lines and times.

pub mod chart;
pub mod diff;
pub mod flame;
pub mod gctrace;
pub mod graph;
pub mod info;
pub mod json;
pub mod list;
pub mod memstats;
pub mod peek;
pub mod source;
pub mod top;
pub mod trend;

use std::io::{self, Write};

use crate::escape;
use crate::input::Loaded;
use crate::profile::filter::{self, Filters, View};
use crate::profile::graph::{Granularity, NodeOptions, NodeTable, Overflow};
use crate::profile::sample_type::{self, SampleTypeError};
use crate::profile::Profile;
use crate::units;

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// What every graph report selects before it runs: the sample type, the
/// filters and what a node is.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `-sample_index` (a name or number); `None` for the default.
    pub sample_index: Option<String>,
    pub filters: Filters,
    pub nodes: NodeOptions,
    /// pprof's `-relative_percentages`: the total counts only the samples
    /// the filters keep, instead of all samples.
    pub relative_percentages: bool,
}

/// A profile ready for a graph report: the value to read, the filtered
/// view, the node table and the report total.
pub struct Prepared<'a> {
    pub loaded: &'a Loaded,
    pub value_index: usize,
    pub view: View,
    pub table: NodeTable,
    /// Sum of |value| over all samples before filtering, as pprof's total.
    pub total: i64,
    pub filters: Vec<String>,
    pub granularity: Granularity,
}

impl<'a> Prepared<'a> {
    /// Selects the sample type, applies the filters and builds the node
    /// table. Notes for the user (a filter that matched nothing, an all-zero
    /// sample type) go to `warn`.
    pub fn new(
        loaded: &'a Loaded,
        selection: &Selection,
        warn: &mut dyn Write,
    ) -> Result<Self, PrepareError> {
        let p = &loaded.profile;
        let value_index = sample_type::resolve(p, selection.sample_index.as_deref())
            .map_err(PrepareError::SampleType)?;
        let view = filter::apply(p, &selection.filters);
        let total = if selection.relative_percentages {
            view.total(p, value_index)
        } else {
            p.total(value_index)
        }
        .ok_or(PrepareError::Overflow(Overflow))?;
        if let Some(better) =
            sample_type::better_choice(p, value_index, |i| view.sample_visible(p, i))
        {
            let name = escape::text(p.str(p.sample_types[value_index].kind));
            let other = escape::text(p.str(p.sample_types[better].kind));
            let scope = if selection.filters.is_empty() {
                "every sample"
            } else {
                "every sample the filters keep"
            };
            writeln!(
                warn,
                "heapscope: {}: {name} is zero in {scope} (`go test -memprofile` profiles hold \
                 allocations, little in use); try -{other}",
                loaded.name
            )
            .map_err(PrepareError::Io)?;
        }
        for name in &view.unmatched {
            let title = match *name {
                "focus" => "Focus",
                "ignore" => "Ignore",
                "hide" => "Hide",
                _ => "Show",
            };
            writeln!(warn, "heapscope: {title} expression matched no samples")
                .map_err(PrepareError::Io)?;
        }
        let table = NodeTable::new(p, &view, &selection.nodes);
        Ok(Prepared {
            loaded,
            value_index,
            view,
            table,
            total,
            filters: selection.filters.describe(),
            granularity: selection.nodes.granularity,
        })
    }

    pub fn profile(&self) -> &Profile {
        &self.loaded.profile
    }

    /// The selected sample type's name ("inuse_space"), safe to show
    /// ([`escape::text`]).
    pub fn sample_type(&self) -> String {
        escape::text(self.sample_type_raw()).into_owned()
    }

    /// The selected sample type's name as the profile holds it, for JSON.
    pub fn sample_type_raw(&self) -> &str {
        let p = self.profile();
        p.str(p.sample_types[self.value_index].kind)
    }

    /// The selected sample type's unit, lower-cased as pprof does ("bytes"),
    /// safe to show ([`escape::text`]): values are printed with it.
    pub fn sample_unit(&self) -> String {
        escape::text(&self.sample_unit_raw()).into_owned()
    }

    /// The selected sample type's unit, lower-cased, as the profile holds
    /// it, for JSON.
    pub fn sample_unit_raw(&self) -> String {
        let p = self.profile();
        p.str(p.sample_types[self.value_index].unit).to_lowercase()
    }
}

/// Why a profile could not be prepared for a report.
#[derive(Debug)]
pub enum PrepareError {
    SampleType(SampleTypeError),
    Overflow(Overflow),
    Io(io::Error),
}

impl std::fmt::Display for PrepareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrepareError::SampleType(e) => write!(f, "{e}"),
            PrepareError::Overflow(e) => write!(f, "{e}"),
            PrepareError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for PrepareError {}

/// The lines pprof puts above a report: File, Build ID, comments, Type,
/// Time, Duration.
pub fn profile_labels(
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
            labels.push(format!(
                "File: {}",
                escape::text(crate::profile::graph::go_base(file))
            ));
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

/// pprof's header lines of a graph report: the profile's labels, active
/// filters, "Showing nodes accounting for …", "Dropped N nodes …",
/// "Showing top N nodes out of M".
pub fn report_labels(
    prep: &Prepared<'_>,
    t: &Trimming,
    fmt: &dyn Fn(i64) -> String,
) -> Vec<String> {
    labels_with_edges(prep, t, None, fmt)
}

/// Edges dropped under the edge fraction, for a call graph's legend.
pub struct DroppedEdges {
    pub count: usize,
    pub edge_fraction: f64,
}

/// [`report_labels`] with pprof's "Dropped N edges (freq <= X)" line, as
/// the call graph's legend shows it.
pub fn labels_with_edges(
    prep: &Prepared<'_>,
    t: &Trimming,
    edges: Option<&DroppedEdges>,
    fmt: &dyn Fn(i64) -> String,
) -> Vec<String> {
    let unit = prep.sample_unit();
    let total = prep.total;
    let mut labels = profile_labels(prep.profile(), &prep.sample_type(), &unit, total, fmt);
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
        if t.dropped_nodes > 0 {
            let cutoff = ((total as f64) * t.node_fraction) as i64;
            labels.push(format!(
                "Dropped {} node{} (cum <= {})",
                t.dropped_nodes,
                if t.dropped_nodes > 1 { "s" } else { "" },
                fmt(cutoff.saturating_abs())
            ));
        }
        if let Some(e) = edges.filter(|e| e.count > 0) {
            let cutoff = ((total as f64) * e.edge_fraction) as i64;
            labels.push(format!(
                "Dropped {} edge{} (freq <= {})",
                e.count,
                if e.count > 1 { "s" } else { "" },
                fmt(cutoff.saturating_abs())
            ));
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

/// pprof's `selectOutputUnit`: with "minimum", the unit of the smallest
/// non-zero value shown (flat, else cum), moved up a unit when that value is
/// under 1% of the total. Any other request is used as given.
pub fn select_output_unit(
    values: impl Iterator<Item = (i64, i64)>,
    total: i64,
    sample_unit: &str,
    requested: &str,
) -> String {
    if requested != "minimum" {
        return requested.to_string();
    }
    let mut any = false;
    let mut min: i64 = 0;
    for (flat, cum) in values {
        any = true;
        let v = if flat != 0 {
            flat.saturating_abs()
        } else {
            cum.saturating_abs()
        };
        if v > 0 && (min == 0 || v < min) {
            min = v;
        }
    }
    if !any {
        return requested.to_string();
    }
    let max = total;
    if min == 0 {
        min = max;
    }
    let (_, min_unit) = units::scale(min, sample_unit, "minimum");
    let (_, max_unit) = units::scale(max, sample_unit, "minimum");
    let mut unit = min_unit.clone();
    if min_unit != max_unit && min.saturating_mul(100) < max {
        unit = units::scale(min.saturating_mul(100), sample_unit, "minimum").1;
    }
    if unit.is_empty() {
        sample_unit.to_string()
    } else {
        unit
    }
}

/// The graph trimmed for display, as `top` and `diff` show it, with each
/// node's inline mark from the edges that survive trimming.
pub fn trimmed_with_marks(
    prep: &Prepared<'_>,
    trim: &crate::profile::graph::TrimOptions,
) -> Result<
    (
        crate::profile::graph::Trimmed,
        Vec<crate::profile::graph::InlineMark>,
    ),
    Overflow,
> {
    use crate::profile::graph;
    // Marks come from the edges into nodes that are inlined somewhere.
    let targets = graph::inline_targets(&prep.table);
    let edge_set = if targets.contains(&true) {
        graph::EdgeSet::Touching(&targets)
    } else {
        graph::EdgeSet::None
    };
    let t = graph::trimmed(
        prep.profile(),
        &prep.table,
        &prep.view,
        prep.value_index,
        trim,
        edge_set,
    )?;
    let marks = match &t.graph.edges {
        Some(edges) => graph::inline_marks(prep.table.len(), edges),
        None => vec![graph::InlineMark::None; prep.table.len()],
    };
    Ok((t, marks))
}

/// A borderless table without wrapping, as every text report prints one.
pub fn plain_table<const N: usize>(header: [&str; N]) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header);
    table
}

/// Lays out pprof's numeric columns: the first `widths.len()` columns
/// right-aligned, each at least its width (one space of padding included);
/// the column after them (the names) gets `name_padding`.
pub fn align_pprof_columns(
    table: &mut comfy_table::Table,
    widths: &[u16],
    name_padding: (u16, u16),
) {
    use comfy_table::{CellAlignment, ColumnConstraint, Width};
    for (i, &width) in widths.iter().enumerate() {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
            col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(width)));
            col.set_padding((0, 1));
        }
    }
    if let Some(col) = table.column_mut(widths.len()) {
        col.set_padding(name_padding);
    }
}

/// Writes a table's lines without trailing blanks.
pub fn write_table(w: &mut dyn Write, table: &comfy_table::Table) -> io::Result<()> {
    for line in table.lines() {
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

/// A time as pprof prints it, in the local time zone:
/// "Jan 2, 2006 at 3:04pm (MST)".
pub fn format_time(nanos: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = nanos.div_euclid(1_000_000_000) as libc::time_t;
    // SAFETY: `tm` is plain data that localtime_r fills in completely when it
    // returns non-null; both pointers are valid for the call, and tm_zone
    // then points at a static NUL-terminated zone abbreviation (or is null).
    let (tm, zone) = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return format!("{nanos}ns since the epoch");
        }
        let zone = if tm.tm_zone.is_null() {
            "UTC".to_string()
        } else {
            std::ffi::CStr::from_ptr(tm.tm_zone)
                .to_string_lossy()
                .into_owned()
        };
        (tm, zone)
    };
    let hour12 = match tm.tm_hour % 12 {
        0 => 12,
        h => h,
    };
    let ampm = if tm.tm_hour < 12 { "am" } else { "pm" };
    format!(
        "{} {}, {} at {}:{:02}{} ({})",
        MONTHS[tm.tm_mon.clamp(0, 11) as usize],
        tm.tm_mday,
        tm.tm_year as i64 + 1900,
        hour12,
        tm.tm_min,
        ampm,
        zone
    )
}
