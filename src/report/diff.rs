//! `diff`: what changed between two snapshots, node by node — pprof's
//! `-diff_base` numbers (AFTER − BEFORE, percentages of BEFORE's total),
//! with signs kept and nodes that appeared or vanished marked. Owns its
//! setup: BEFORE and AFTER read into one profile, BEFORE scaled
//! (`-normalize`) and negated, and BEFORE's total as the report's.

use std::io::{self, Write};
use std::ops::Range;

use anyhow::{anyhow, Context};
use serde_json::{json, Value};

use super::header::{report_header, Trimming};
use super::prepare;
use super::table::{inline_mark, TopRow, TOP_LEGEND};
use super::{Format, Prepared, Selection};
use crate::input::combine::{self, BeforeAfter, Relation};
use crate::input::InputSpec;
use crate::profile::graph::{self, InlineMark, NodeIndex, Overflow, TrimOptions};
use crate::support::escape;
use crate::units;
use crate::units::select_output_unit;

/// Options of the `diff` report.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    pub trim: TrimOptions,
    pub unit: String,
    pub format: Format,
}

impl Default for DiffOptions {
    /// Trimmed, sorted and shown as `top` is by default.
    fn default() -> Self {
        let top = super::top::TopOptions::default();
        DiffOptions {
            trim: top.trim,
            unit: top.unit,
            format: top.format,
        }
    }
}

/// Where BEFORE and AFTER sit in the combined profile. BEFORE's values are
/// negated there, as pprof combines a `-diff_base`.
#[derive(Debug, Clone)]
pub struct DiffInputs {
    pub before: Range<usize>,
    pub after: Range<usize>,
    pub before_name: String,
    pub after_name: String,
    /// BEFORE was scaled to AFTER's total first (`-normalize`).
    pub normalized: bool,
    /// Sum of |value| over BEFORE's samples.
    pub base_total: i64,
    /// Whether BEFORE and AFTER are snapshots of one process.
    pub relation: Relation,
}

/// A node's change and its BEFORE values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    pub node: NodeIndex,
    /// AFTER − BEFORE.
    pub flat: i64,
    pub cum: i64,
    pub base_flat: i64,
    pub base_cum: i64,
    pub inline: InlineMark,
}

impl DiffRow {
    fn after_cum(&self) -> i64 {
        self.base_cum.saturating_add(self.cum)
    }
    fn after_flat(&self) -> i64 {
        self.base_flat.saturating_add(self.flat)
    }

    /// "new" when the node has nothing in BEFORE, "gone" when nothing is
    /// left of it in AFTER.
    pub fn status(&self) -> Option<&'static str> {
        let before = self.base_flat != 0 || self.base_cum != 0;
        let after = self.after_flat() != 0 || self.after_cum() != 0;
        match (before, after) {
            (false, true) => Some("new"),
            (true, false) => Some("gone"),
            _ => None,
        }
    }
}

/// The computed report.
#[derive(Debug, Clone)]
pub struct Diff {
    pub rows: Vec<DiffRow>,
    /// Sum of |value| over BEFORE's samples: pprof's total for a diff.
    pub base_total: i64,
    pub after_total: i64,
    pub dropped_nodes: usize,
    pub orig_count: usize,
    pub output_unit: String,
}

fn abs_sum(prep: &Prepared<'_>, range: Range<usize>) -> Result<i64, Overflow> {
    let p = prep.profile();
    let mut total: i64 = 0;
    for i in range {
        let v = p
            .samples
            .value(i, prep.value_index)
            .checked_abs()
            .ok_or(Overflow)?;
        total = total.checked_add(v).ok_or(Overflow)?;
    }
    Ok(total)
}

/// Computes the report.
pub fn compute(
    prep: &Prepared<'_>,
    inputs: &DiffInputs,
    opts: &DiffOptions,
) -> Result<Diff, Overflow> {
    let p = prep.profile();
    let base_total = inputs.base_total;
    let after_total = abs_sum(prep, inputs.after.clone())?;
    let (a, b) = (&inputs.after, &inputs.before);
    let before_view = prep.view.restricted(p, b.clone());
    let together = (a.start == 0 && a.end == b.start && b.end == p.samples.len())
        || (b.start == 0 && b.end == a.start && a.end == p.samples.len());
    let (t, marks, base) = if together {
        // AFTER's and BEFORE's samples, each summed once: BEFORE's graph,
        // and with AFTER's the whole profile's (BEFORE's values negated).
        let after_view = prep.view.restricted(p, a.clone());
        let (_, base, both) =
            graph::accumulate_split(p, &prep.table, &after_view, &before_view, prep.value_index)?;
        let (t, marks) = prepare::trimmed_with_marks_from(prep, &opts.trim, both)?;
        (t, marks, base)
    } else {
        let (t, marks) = prepare::trimmed_with_marks(prep, &opts.trim)?;
        let base = graph::accumulate(
            p,
            &prep.table,
            &before_view,
            prep.value_index,
            None,
            graph::EdgeSet::None,
        )?;
        (t, marks, base)
    };
    let rows = t
        .nodes
        .iter()
        .map(|&n| {
            let n_ = n.index();
            DiffRow {
                node: n,
                flat: t.graph.flat[n_],
                cum: t.graph.cum[n_],
                base_flat: base.flat[n_].saturating_neg(),
                base_cum: base.cum[n_].saturating_neg(),
                inline: marks[n_],
            }
        })
        .collect::<Vec<_>>();
    let output_unit = select_output_unit(
        rows.iter().map(|r| (prep.shown(r.flat), prep.shown(r.cum))),
        prep.shown(prep.total),
        &prep.sample_unit(),
        &opts.unit,
    );
    Ok(Diff {
        rows,
        base_total,
        after_total,
        dropped_nodes: t.dropped_nodes,
        orig_count: t.orig_count,
        output_unit,
    })
}

/// Runs `diff`: AFTER's and BEFORE's sources read into one profile as
/// pprof combines a `-diff_base` — BEFORE scaled to AFTER's total first if
/// `normalize` (`-normalize`), then negated and marked — and the report
/// written with BEFORE's total as pprof's total. Notes go to `notes`.
pub fn run(
    out: &mut dyn Write,
    notes: &mut dyn Write,
    before: &InputSpec,
    after: &InputSpec,
    normalize: bool,
    selection: &Selection,
    options: &DiffOptions,
) -> anyhow::Result<()> {
    let mut both = combine::load_before_after(before, after, notes)?;
    // As pprof's -diff_base: BEFORE negated and marked, which makes its
    // total the report's (`prepare`).
    if normalize {
        both.normalize()?;
    }
    both.subtract(false, true)?;
    let BeforeAfter {
        loaded,
        after,
        before,
        after_name,
        before_name,
        relation,
    } = both;

    let prep = prepare::for_report(&loaded, selection, notes)?;
    let base_total = abs_sum(&prep, before.clone()).map_err(|e| anyhow!("{}: {e}", loaded.name))?;
    let inputs = DiffInputs {
        before,
        after,
        before_name,
        after_name,
        normalized: normalize,
        base_total,
        relation,
    };
    write(out, &prep, &inputs, options).with_context(|| loaded.name.clone())
}

/// Writes the report. `prep.total` must be BEFORE's total (pprof's
/// `-diff_base` percentages) unless that is 0.
pub fn write(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    inputs: &DiffInputs,
    opts: &DiffOptions,
) -> anyhow::Result<()> {
    let diff = compute(prep, inputs, opts)?;
    match opts.format {
        Format::Text => write_text(w, prep, inputs, &diff, opts)?,
        Format::Json => write_json(w, prep, inputs, &diff)?,
    }
    Ok(())
}

/// What a change of the selected sample type means; alloc values count
/// from process start, so their change is an interval's allocations only
/// between two snapshots of one process.
fn meaning(sample_type: &str, relation: Relation) -> &'static str {
    if sample_type.starts_with("inuse") {
        "retained growth: what AFTER holds minus what BEFORE held (in-use values are gauges)"
    } else if !sample_type.starts_with("alloc") {
        "AFTER minus BEFORE"
    } else if relation == Relation::OneProcess {
        "allocated during the interval: alloc values count from process start, so the change is what was allocated between the snapshots"
    } else if relation == Relation::OneProcessReversed {
        "minus what was allocated between the snapshots: AFTER was taken before BEFORE in one process, and alloc values count from its start"
    } else {
        "two runs, not snapshots of one process (their mappings or build IDs differ, or a time is missing): alloc values count from each process's start, so the change compares the two runs' totals"
    }
}

fn signed(text: String, v: i64) -> String {
    if v > 0 {
        format!("+{text}")
    } else {
        text
    }
}

fn write_text(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    inputs: &DiffInputs,
    diff: &Diff,
    opts: &DiffOptions,
) -> io::Result<()> {
    let unit = prep.sample_unit();
    let fmt = |v: i64| units::scaled_label(prep.shown(v), &unit, &diff.output_unit);
    let human = |v: i64| units::scaled_label(prep.shown(v), &unit, "auto");
    let flat_sum = diff
        .rows
        .iter()
        .map(|r| r.flat)
        .fold(0i64, i64::saturating_add);
    let mut labels = report_header(
        prep,
        &Trimming {
            flat_sum,
            dropped_nodes: diff.dropped_nodes,
            node_fraction: opts.trim.node_fraction,
            shown: diff.rows.len(),
            orig_count: diff.orig_count,
        },
        &fmt,
    );
    let net = diff.after_total.saturating_sub(diff.base_total);
    let header = [
        format!("Change: {}", meaning(&prep.sample_type(), inputs.relation)),
        format!(
            "Before: {} total in {}{}",
            human(diff.base_total),
            escape::text(&inputs.before_name),
            if inputs.normalized {
                " (scaled to AFTER's total by -normalize)"
            } else {
                ""
            }
        ),
        format!(
            "After:  {} total in {}",
            human(diff.after_total),
            escape::text(&inputs.after_name)
        ),
        format!(
            "Net change: {} ({} of before)",
            signed(human(net), net),
            signed(
                units::signed_percentage(net, diff.base_total)
                    .trim()
                    .to_string(),
                net
            )
        ),
    ];
    // After the profile's labels (File, Type, Time), before "Showing …".
    let at = labels
        .iter()
        .position(|l| l.starts_with("Showing nodes") || l == "Active filters:")
        .unwrap_or(labels.len());
    labels.splice(at..at, header);
    for l in &labels {
        writeln!(w, "{l}")?;
    }

    writeln!(w, "{TOP_LEGEND}")?;
    let total = prep.total;
    let mut sum: i64 = 0;
    for r in &diff.rows {
        sum = sum.saturating_add(r.flat);
        let mut mark = inline_mark(r.inline).to_string();
        if let Some(status) = r.status() {
            mark.push_str(&format!(" [{status}]"));
        }
        TopRow {
            flat: &signed(fmt(r.flat), r.flat),
            flat_pct: &units::signed_percentage(r.flat, total),
            sum_pct: &units::signed_percentage(sum, total),
            cum: &signed(fmt(r.cum), r.cum),
            cum_pct: &units::signed_percentage(r.cum, total),
            name: &escape::text(&prep.table.names[r.node.index()]),
            mark: &mark,
        }
        .write(w)?;
    }
    Ok(())
}

fn write_json(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    inputs: &DiffInputs,
    diff: &Diff,
) -> io::Result<()> {
    let nodes: Vec<Value> = diff
        .rows
        .iter()
        .map(|r| {
            let mut v = json!({
                "name": prep.table.names[r.node.index()],
                "flat": r.flat,
                "cum": r.cum,
                "base_flat": r.base_flat,
                "base_cum": r.base_cum,
            });
            if let Some(status) = r.status() {
                v["status"] = json!(status);
            }
            if let Some(label) = r.inline.label() {
                v["inline"] = json!(label.trim_start_matches('(').trim_end_matches(')'));
            }
            v
        })
        .collect();
    let doc = json!({
        "sample_type": prep.sample_type_raw(),
        "unit": prep.sample_unit_raw(),
        "base_total": diff.base_total,
        "total": diff.after_total,
        "dropped_nodes": diff.dropped_nodes,
        "one_process": inputs.relation != Relation::TwoRuns,
        "nodes": nodes,
    });
    super::json::write_pretty(&mut *w, &doc)?;
    writeln!(w)
}
