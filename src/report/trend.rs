//! `trend`: each node's value across a series of snapshots, its change and
//! slope, and a ranking that puts likely leaks — sites whose in-use memory
//! grows in (nearly) every step, by a meaningful share — first. Owns its
//! setup: every snapshot read into one profile, in time order unless asked.

use std::io::{self, Write};

use anyhow::Context;
use comfy_table::{presets, CellAlignment, ContentArrangement, Table};
use serde_json::{json, Value};

use super::prepare;
use super::{Format, Prepared, Selection};
use crate::input::{combine, InputSpec};
use crate::profile::graph::{self, NodeIndex, Overflow};
use crate::support::escape;
use crate::support::time::format_time;
use crate::units;

/// The rule, for help text and README: a node is a likely leak when its
/// value grew in at least 3 of every 4 steps, grew overall by at least 1% of
/// the last snapshot's total, and never fell in one step by more than a
/// quarter of its overall growth.
pub const LEAK_RULE: &str =
    "A node is a likely leak when its value grew in at least 3 of every 4 steps \
between snapshots, grew overall by at least 1% of the last snapshot's total, and never fell in one \
step by more than a quarter of its overall growth. Likely leaks come first, largest growth first; \
the other nodes follow by the size of their change. Steady or oscillating nodes are never leaks.";

/// Options of the `trend` report.
#[derive(Debug, Clone)]
pub struct TrendOptions {
    /// Follow cum instead of flat.
    pub cum: bool,
    /// Rows shown; 0 shows all.
    pub node_count: usize,
    pub unit: String,
    pub format: Format,
}

impl Default for TrendOptions {
    fn default() -> Self {
        TrendOptions {
            cum: false,
            node_count: 20,
            unit: "minimum".to_string(),
            format: Format::Text,
        }
    }
}

pub use crate::input::combine::Snapshot;

/// Runs `trend`: each source read as one snapshot into one profile, the
/// snapshots put in time order unless `keep_order`, and the report written.
/// Notes go to `notes`.
pub fn run(
    out: &mut dyn Write,
    notes: &mut dyn Write,
    input: &InputSpec,
    keep_order: bool,
    selection: &Selection,
    options: &TrendOptions,
) -> anyhow::Result<()> {
    let (all, mut snapshots) = combine::load_series(input, notes)?;
    if !keep_order {
        // Stable: snapshots without a time keep their argument order.
        snapshots.sort_by_key(|s| s.time_nanos);
    }
    let prep = prepare::for_report(&all, selection, notes)?;
    write(out, &prep, &snapshots, options).with_context(|| all.name.clone())
}

/// A node's series and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub node: NodeIndex,
    pub values: Vec<i64>,
    pub change: i64,
    /// Least-squares slope per [`Trend::slope_per`].
    pub slope: f64,
    /// Steps (between consecutive snapshots) in which the value grew.
    pub grew: usize,
    pub leak: bool,
}

/// The computed report.
#[derive(Debug, Clone)]
pub struct Trend {
    pub totals: Vec<i64>,
    pub series: Vec<Series>,
    /// What the slopes are per: a unit of time that fits the series' span
    /// when every snapshot has a time of its own, else a snapshot.
    pub slope_per: SlopePer,
    pub leaks: usize,
}

/// What a slope is per: a second, a minute or an hour, chosen by the span
/// of the snapshots' times (under a minute, under an hour, longer), so that
/// the slope is a change the series has seen rather than an extrapolation;
/// or a snapshot when the snapshots have no times (or two share one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlopePer {
    Second,
    Minute,
    Hour,
    Snapshot,
}

impl SlopePer {
    /// The unit for snapshots spanning `span_nanos`.
    pub fn of_span(span_nanos: i64) -> SlopePer {
        const SECOND: i64 = 1_000_000_000;
        if span_nanos < 60 * SECOND {
            SlopePer::Second
        } else if span_nanos < 3600 * SECOND {
            SlopePer::Minute
        } else {
            SlopePer::Hour
        }
    }

    /// Nanoseconds in the unit; `None` for a snapshot.
    fn nanos(self) -> Option<f64> {
        match self {
            SlopePer::Second => Some(1e9),
            SlopePer::Minute => Some(6e10),
            SlopePer::Hour => Some(3.6e12),
            SlopePer::Snapshot => None,
        }
    }

    /// "second", "minute", "hour" or "snapshot", as the header and JSON say.
    pub fn name(self) -> &'static str {
        match self {
            SlopePer::Second => "second",
            SlopePer::Minute => "minute",
            SlopePer::Hour => "hour",
            SlopePer::Snapshot => "snapshot",
        }
    }
}

/// Least-squares slope of `ys` over `xs`.
fn slope(xs: &[f64], ys: &[i64]) -> f64 {
    let n = xs.len() as f64;
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().map(|&y| y as f64).sum::<f64>() / n;
    let mut num = 0.0;
    let mut den = 0.0;
    for (&x, &y) in xs.iter().zip(ys) {
        num += (x - mx) * (y as f64 - my);
        den += (x - mx) * (x - mx);
    }
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// Steps (between consecutive values) in which the value grew.
fn steps_grown(values: &[i64]) -> usize {
    values.windows(2).filter(|w| w[1] > w[0]).count()
}

/// How many of `steps` steps [`LEAK_RULE`] asks a value to grow in: 3 of
/// every 4, rounded up.
fn leak_steps(steps: usize) -> usize {
    (3 * steps).div_ceil(4)
}

/// Applies [`LEAK_RULE`] to a series.
pub fn is_leak(values: &[i64], last_total: i64) -> bool {
    let steps = values.len().saturating_sub(1);
    if steps == 0 {
        return false;
    }
    let growth = values[steps] as i128 - values[0] as i128;
    let worst_drop = values
        .windows(2)
        .map(|w| w[0] as i128 - w[1] as i128)
        .max()
        .unwrap_or(0);
    growth > 0
        && steps_grown(values) >= leak_steps(steps)
        && growth * 100 >= last_total.unsigned_abs() as i128
        && worst_drop * 4 <= growth
}

/// Computes the report over snapshots in time order.
pub fn compute(
    prep: &Prepared<'_>,
    snapshots: &[Snapshot],
    opts: &TrendOptions,
) -> Result<Trend, Overflow> {
    let p = prep.profile();
    let mut per_snapshot = Vec::with_capacity(snapshots.len());
    let mut totals = Vec::with_capacity(snapshots.len());
    for s in snapshots {
        let view = prep.view.restricted(p, s.range.clone());
        let g = graph::accumulate(
            p,
            &prep.table,
            &view,
            prep.value_index,
            None,
            graph::EdgeSet::None,
        )?;
        let mut total: i64 = 0;
        for i in s.range.clone() {
            if view.sample_visible(p, i) {
                total = total
                    .checked_add(p.samples.value(i, prep.value_index))
                    .ok_or(Overflow)?;
            }
        }
        totals.push(total);
        per_snapshot.push(if opts.cum { g.cum } else { g.flat });
    }
    let timed = snapshots.iter().all(|s| s.time_nanos != 0)
        && snapshots
            .windows(2)
            .all(|w| w[1].time_nanos > w[0].time_nanos);
    let slope_per = match (snapshots.first(), snapshots.last()) {
        (Some(first), Some(last)) if timed => {
            SlopePer::of_span(last.time_nanos.saturating_sub(first.time_nanos))
        }
        _ => SlopePer::Snapshot,
    };
    let xs: Vec<f64> = match slope_per.nanos() {
        Some(unit) => {
            let t0 = snapshots[0].time_nanos;
            snapshots
                .iter()
                .map(|s| s.time_nanos.saturating_sub(t0) as f64 / unit)
                .collect()
        }
        None => (0..snapshots.len()).map(|i| i as f64).collect(),
    };
    let last_total = *totals.last().unwrap_or(&0);
    let mut series: Vec<Series> = (0..prep.table.len())
        .filter_map(|n| {
            let values: Vec<i64> = per_snapshot.iter().map(|v| v[n]).collect();
            if values.iter().all(|&v| v == 0) {
                return None;
            }
            let change = values[values.len() - 1].saturating_sub(values[0]);
            Some(Series {
                node: NodeIndex::from_index(n),
                slope: slope(&xs, &values),
                grew: steps_grown(&values),
                leak: is_leak(&values, last_total),
                change,
                values,
            })
        })
        .collect();
    let names = &prep.table.names;
    series.sort_by(|a, b| {
        b.leak
            .cmp(&a.leak)
            .then_with(|| b.change.unsigned_abs().cmp(&a.change.unsigned_abs()))
            .then_with(|| names[a.node.index()].cmp(&names[b.node.index()]))
    });
    let leaks = series.iter().filter(|s| s.leak).count();
    if opts.node_count > 0 {
        series.truncate(opts.node_count);
    }
    Ok(Trend {
        totals,
        series,
        slope_per,
        leaks,
    })
}

/// A sparkline of a series, one block character per value, scaled between
/// the series' minimum and maximum.
pub fn sparkline(values: &[i64]) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let (min, max) = (
        values.iter().copied().min().unwrap_or(0),
        values.iter().copied().max().unwrap_or(0),
    );
    values
        .iter()
        .map(|&v| {
            if max == min {
                BLOCKS[0]
            } else {
                let f = (v as f64 - min as f64) / (max as f64 - min as f64);
                BLOCKS[((f * 7.0).round() as usize).min(7)]
            }
        })
        .collect()
}

/// Writes the report.
pub fn write(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    snapshots: &[Snapshot],
    opts: &TrendOptions,
) -> anyhow::Result<()> {
    let trend = compute(prep, snapshots, opts)?;
    match opts.format {
        Format::Text => write_text(w, prep, snapshots, &trend, opts)?,
        Format::Json => write_json(w, prep, snapshots, &trend, opts)?,
    }
    Ok(())
}

fn write_text(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    snapshots: &[Snapshot],
    trend: &Trend,
    opts: &TrendOptions,
) -> io::Result<()> {
    let unit = prep.sample_unit();
    let fmt = |v: i64| units::scaled_label(prep.shown(v), &unit, &opts.unit);
    let signed = |v: i64| {
        let t = fmt(v);
        if v > 0 {
            format!("+{t}")
        } else {
            t
        }
    };
    writeln!(
        w,
        "Type: {} ({} per node)",
        prep.sample_type(),
        if opts.cum { "cum" } else { "flat" }
    )?;
    writeln!(w, "Snapshots: {}", snapshots.len())?;
    let t0 = snapshots.first().map_or(0, |s| s.time_nanos);
    for (i, (s, total)) in snapshots.iter().zip(&trend.totals).enumerate() {
        let when = if s.time_nanos != 0 {
            let offset = (s.time_nanos - t0) / 1_000_000_000;
            format!("{} (+{offset}s)", format_time(s.time_nanos))
        } else {
            "no time".to_string()
        };
        writeln!(
            w,
            "  #{:<3} {:>10}  {when}  {}",
            i + 1,
            fmt(*total),
            escape::text(&s.name)
        )?;
    }
    for l in &prep.filters {
        writeln!(w, "Active filter: {}", escape::text(l))?;
    }
    let steps = trend.totals.len().saturating_sub(1);
    writeln!(
        w,
        "Likely leaks: {} (grew in at least {} of {steps} steps, by at least 1% of the last total)",
        trend.leaks,
        leak_steps(steps),
    )?;

    let slope_head = format!("per {}", trend.slope_per.name());
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header([
            "",
            "first",
            "last",
            "change",
            &slope_head,
            "grew",
            "trend",
            "",
        ]);
    let steps = snapshots.len().saturating_sub(1);
    for s in &trend.series {
        table.add_row(vec![
            if s.leak { "LEAK" } else { "" }.to_string(),
            fmt(s.values[0]),
            fmt(s.values[s.values.len() - 1]),
            signed(s.change),
            signed(s.slope.round() as i64),
            format!("{}/{}", s.grew, steps),
            sparkline(&s.values),
            escape::text(&prep.table.names[s.node.index()]).into_owned(),
        ]);
    }
    for i in 1..6 {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    for line in table.lines() {
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

fn write_json(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    snapshots: &[Snapshot],
    trend: &Trend,
    opts: &TrendOptions,
) -> io::Result<()> {
    let snaps: Vec<Value> = snapshots
        .iter()
        .zip(&trend.totals)
        .map(|(s, t)| json!({"name": s.name, "time_nanos": s.time_nanos, "total": t}))
        .collect();
    let nodes: Vec<Value> = trend
        .series
        .iter()
        .map(|s| {
            json!({
                "name": prep.table.names[s.node.index()],
                "values": s.values,
                "change": s.change,
                "slope": s.slope,
                "grew_steps": s.grew,
                "leak": s.leak,
            })
        })
        .collect();
    let doc = json!({
        "sample_type": prep.sample_type_raw(),
        "unit": prep.sample_unit_raw(),
        "value": if opts.cum { "cum" } else { "flat" },
        "slope_per": trend.slope_per.name(),
        "snapshots": snaps,
        "leaks": trend.leaks,
        "nodes": nodes,
    });
    super::json::write_pretty(&mut *w, &doc)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leak_rule() {
        // Grows every step by 10 with a total of 1000: a leak.
        assert!(is_leak(&[10, 20, 30, 40, 50], 1000));
        // Steady: no growth.
        assert!(!is_leak(&[50, 50, 50, 50], 1000));
        // Oscillating around a level.
        assert!(!is_leak(&[10, 40, 10, 40, 12], 1000));
        // Grows, but by less than 1% of the total.
        assert!(!is_leak(&[10, 11, 12, 13, 14], 1000));
        // Grew in 3 of 4 steps, one small dip: still a leak.
        assert!(is_leak(&[10, 30, 25, 50, 70], 1000));
        // A big drop in one step: not a steady leak.
        assert!(!is_leak(&[10, 60, 20, 70, 80], 1000));
    }

    #[test]
    fn sparkline_scales_between_min_and_max() {
        assert_eq!(sparkline(&[0, 7, 14]), "▁▅█");
        assert_eq!(sparkline(&[5, 5]), "▁▁");
    }

    #[test]
    fn the_slope_is_per_the_unit_the_span_reaches() {
        let s = 1_000_000_000;
        assert_eq!(SlopePer::of_span(5 * s), SlopePer::Second);
        assert_eq!(SlopePer::of_span(60 * s - 1), SlopePer::Second);
        assert_eq!(SlopePer::of_span(60 * s), SlopePer::Minute);
        assert_eq!(SlopePer::of_span(3600 * s - 1), SlopePer::Minute);
        assert_eq!(SlopePer::of_span(3600 * s), SlopePer::Hour);
        assert_eq!(SlopePer::of_span(30 * 24 * 3600 * s), SlopePer::Hour);
    }

    #[test]
    fn slope_is_least_squares() {
        assert_eq!(slope(&[0.0, 1.0, 2.0], &[0, 10, 20]), 10.0);
        assert_eq!(slope(&[0.0, 0.0], &[1, 2]), 0.0);
    }
}
