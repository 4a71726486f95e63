//! `top`: the nodes that hold or allocate the most, with pprof's columns
//! (flat, flat%, sum%, cum, cum%), header lines, trimming and units.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::header::{report_header, Trimming};
use super::table::{inline_mark, TopRow, TOP_LEGEND};
use super::{Format, Prepared};
use crate::profile::graph::{Granularity, InlineMark, NodeIndex, Overflow, TrimOptions};
use crate::support::escape;
use crate::units;
use crate::units::select_output_unit;

/// Options of the `top` report.
#[derive(Debug, Clone)]
pub struct TopOptions {
    pub trim: TrimOptions,
    /// pprof's `-unit`: "minimum" (default) picks one unit for the table.
    pub unit: String,
    pub format: Format,
}

impl Default for TopOptions {
    fn default() -> Self {
        TopOptions {
            trim: TrimOptions {
                node_count: 10,
                node_fraction: 0.005,
                edge_fraction: 0.001,
                cum_sort: false,
            },
            unit: "minimum".to_string(),
            format: Format::Text,
        }
    }
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub node: NodeIndex,
    pub flat: i64,
    pub cum: i64,
    pub inline: InlineMark,
}

/// The computed report, before formatting.
#[derive(Debug, Clone)]
pub struct Top {
    pub rows: Vec<Row>,
    pub total: i64,
    pub dropped_nodes: usize,
    pub orig_count: usize,
    /// The unit values are shown in (pprof's `-unit` after "minimum" is
    /// resolved).
    pub output_unit: String,
}

/// Computes the report.
pub fn compute(prep: &Prepared<'_>, opts: &TopOptions) -> Result<Top, Overflow> {
    let (t, marks) = super::prepare::trimmed_with_marks(prep, &opts.trim)?;
    // With -mean, nodes are trimmed and ordered by their sums, as pprof
    // does, and shown as means.
    let div = prep.mean_divisors()?;
    let shown = |values: &[i64], divs: Option<&[i64]>, n: NodeIndex| {
        let v = values[n.index()];
        divs.map_or(v, |d| super::prepare::mean(v, d[n.index()]))
    };
    let rows: Vec<Row> = t
        .nodes
        .iter()
        .map(|&n| Row {
            node: n,
            flat: shown(&t.graph.flat, div.as_ref().map(|d| &d.flat[..]), n),
            cum: shown(&t.graph.cum, div.as_ref().map(|d| &d.cum[..]), n),
            inline: marks[n.index()],
        })
        .collect();
    let output_unit = select_output_unit(
        rows.iter().map(|r| (prep.shown(r.flat), prep.shown(r.cum))),
        prep.shown(prep.total),
        &prep.sample_unit(),
        &opts.unit,
    );
    Ok(Top {
        rows,
        total: prep.total,
        dropped_nodes: t.dropped_nodes,
        orig_count: t.orig_count,
        output_unit,
    })
}

/// Writes the report in the chosen format.
pub fn write(w: &mut dyn Write, prep: &Prepared<'_>, opts: &TopOptions) -> anyhow::Result<()> {
    let top = compute(prep, opts)?;
    match opts.format {
        Format::Text => write_text(w, prep, &top, opts)?,
        Format::Json => write_json(w, prep, &top)?,
    }
    Ok(())
}

fn write_text(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    top: &Top,
    opts: &TopOptions,
) -> io::Result<()> {
    let unit = prep.sample_unit();
    let fmt = |v: i64| units::scaled_label(prep.shown(v), &unit, &top.output_unit);
    let flat_sum = top
        .rows
        .iter()
        .map(|r| r.flat)
        .fold(0i64, i64::saturating_add);
    let labels = report_header(
        prep,
        &Trimming {
            flat_sum,
            dropped_nodes: top.dropped_nodes,
            node_fraction: opts.trim.node_fraction,
            shown: top.rows.len(),
            orig_count: top.orig_count,
        },
        &fmt,
    );
    for l in &labels {
        writeln!(w, "{l}")?;
    }

    writeln!(w, "{TOP_LEGEND}")?;
    let mut sum: i64 = 0;
    for r in &top.rows {
        sum = sum.saturating_add(r.flat);
        TopRow {
            flat: &fmt(r.flat),
            flat_pct: &units::percentage(r.flat, top.total),
            sum_pct: &units::percentage(sum, top.total),
            cum: &fmt(r.cum),
            cum_pct: &units::percentage(r.cum, top.total),
            name: &escape::text(&prep.table.names[r.node.index()]),
            mark: inline_mark(r.inline),
        }
        .write(w)?;
    }
    Ok(())
}

fn write_json(w: &mut dyn Write, prep: &Prepared<'_>, top: &Top) -> io::Result<()> {
    let granularity = prep.granularity;
    let nodes: Vec<Value> = top
        .rows
        .iter()
        .map(|r| {
            let info = &prep.table.infos[r.node.index()];
            let mut node = serde_json::Map::new();
            let name = match granularity {
                Granularity::Lines if !info.name.is_empty() => info.name.clone(),
                _ => prep.table.names[r.node.index()].clone(),
            };
            node.insert("name".into(), json!(name));
            if granularity == Granularity::Lines {
                node.insert("file".into(), json!(info.file));
                node.insert("line".into(), json!(info.line));
            }
            node.insert("flat".into(), json!(r.flat));
            node.insert("cum".into(), json!(r.cum));
            if let Some(label) = r.inline.label() {
                node.insert(
                    "inline".into(),
                    json!(label.trim_start_matches('(').trim_end_matches(')')),
                );
            }
            Value::Object(node)
        })
        .collect();
    let doc = json!({
        "sample_type": prep.sample_type_raw(),
        "unit": prep.sample_unit_raw(),
        "total": top.total,
        "dropped_nodes": top.dropped_nodes,
        "nodes": nodes,
    });
    super::json::write_pretty(&mut *w, &doc)?;
    writeln!(w)
}
