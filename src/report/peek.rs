//! `peek`: for every node whose name matches a regex, who calls it and with
//! how much, its own flat and cum, and what it calls — pprof's `-peek`, on
//! the untrimmed graph.

use std::io::{self, Write};

use regex::Regex;
use serde_json::{json, Value};

use super::header::{report_header, Trimming};
use super::prepare::MatchError;
use super::table::{align_pprof_columns, plain_table};
use super::{Format, Prepared};
use crate::profile::graph::{self, Edge, NodeIndex, TrimOptions};
use crate::support::escape;
use crate::units;
use crate::units::select_output_unit;

/// Options of the `peek` report.
#[derive(Debug, Clone)]
pub struct PeekOptions {
    /// Nodes whose printable name matches are shown.
    pub regex: Regex,
    pub cum_sort: bool,
    /// pprof's `-unit`.
    pub unit: String,
    pub format: Format,
}

/// A caller or callee and the value that flows along the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub node: NodeIndex,
    pub value: i64,
    pub inline: bool,
}

/// One block of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub node: NodeIndex,
    pub flat: i64,
    pub cum: i64,
    pub callers: Vec<Link>,
    pub callees: Vec<Link>,
}

/// The computed report.
#[derive(Debug, Clone)]
pub struct Peek {
    pub blocks: Vec<Block>,
    /// Sum of flat over all nodes of the graph (for the header).
    pub flat_sum: i64,
    pub node_count: usize,
    pub output_unit: String,
}

/// Edges sorted as pprof sorts them: by |weight|, then caller name, then
/// callee name.
fn sorted<'a>(edges: impl Iterator<Item = &'a Edge>, names: &[String]) -> Vec<&'a Edge> {
    let mut v: Vec<&Edge> = edges.collect();
    v.sort_by(|a, b| {
        b.weight
            .unsigned_abs()
            .cmp(&a.weight.unsigned_abs())
            .then_with(|| names[a.src.index()].cmp(&names[b.src.index()]))
            .then_with(|| names[a.dst.index()].cmp(&names[b.dst.index()]))
    });
    v
}

/// Computes the report.
pub fn compute(prep: &Prepared<'_>, opts: &PeekOptions) -> Result<Peek, MatchError> {
    let trim = TrimOptions {
        node_count: 0,
        node_fraction: 0.0,
        edge_fraction: 0.0,
        cum_sort: opts.cum_sort,
    };
    // Only the edges of the nodes shown are needed.
    let shown: Vec<bool> = prep
        .table
        .names
        .iter()
        .map(|name| opts.regex.is_match(name))
        .collect();
    let t = graph::trimmed(
        prep.profile(),
        &prep.table,
        &prep.view,
        prep.value_index,
        &trim,
        graph::EdgeSet::Touching(&shown),
    )
    .map_err(MatchError::Overflow)?;
    let g = &t.graph;
    let edges = g.edges.as_ref().map_or(&[][..], |e| e.list.as_slice());
    let names = &prep.table.names;
    let blocks: Vec<Block> = t
        .nodes
        .iter()
        .filter(|&&n| opts.regex.is_match(&names[n.index()]))
        .map(|&n| {
            let link = |e: &Edge, other: NodeIndex| Link {
                node: other,
                value: e.weight,
                inline: e.inline,
            };
            Block {
                node: n,
                flat: g.flat[n.index()],
                cum: g.cum[n.index()],
                callers: sorted(edges.iter().filter(|e| e.dst == n), names)
                    .into_iter()
                    .map(|e| link(e, e.src))
                    .collect(),
                callees: sorted(edges.iter().filter(|e| e.src == n), names)
                    .into_iter()
                    .map(|e| link(e, e.dst))
                    .collect(),
            }
        })
        .collect();
    if blocks.is_empty() {
        return Err(MatchError::NoMatch(opts.regex.as_str().to_string()));
    }
    let flat_sum = t
        .nodes
        .iter()
        .map(|&n| g.flat[n.index()])
        .fold(0i64, i64::saturating_add);
    let output_unit = select_output_unit(
        t.nodes
            .iter()
            .map(|&n| (prep.shown(g.flat[n.index()]), prep.shown(g.cum[n.index()]))),
        prep.shown(prep.total),
        &prep.sample_unit(),
        &opts.unit,
    );
    Ok(Peek {
        blocks,
        flat_sum,
        node_count: t.nodes.len(),
        output_unit,
    })
}

/// Writes the report in the chosen format.
pub fn write(w: &mut dyn Write, prep: &Prepared<'_>, opts: &PeekOptions) -> anyhow::Result<()> {
    let peek = compute(prep, opts)?;
    match opts.format {
        Format::Text => write_text(w, prep, &peek)?,
        Format::Json => write_json(w, prep, &peek)?,
    }
    Ok(())
}

const SEPARATOR: &str = "----------------------------------------------------------+-------------";

fn write_text(w: &mut dyn Write, prep: &Prepared<'_>, peek: &Peek) -> io::Result<()> {
    let unit = prep.sample_unit();
    let fmt = |v: i64| units::scaled_label(prep.shown(v), &unit, &peek.output_unit);
    let labels = report_header(
        prep,
        &Trimming {
            flat_sum: peek.flat_sum,
            dropped_nodes: 0,
            node_fraction: 0.0,
            shown: peek.node_count,
            orig_count: peek.node_count,
        },
        &fmt,
    );
    for l in &labels {
        writeln!(w, "{l}")?;
    }

    // One table for all blocks, so columns line up across them; the
    // separators between blocks are inserted after rendering.
    let mut table = plain_table([
        "flat",
        "flat%",
        "sum%",
        "cum",
        "cum%",
        "calls",
        "calls%",
        "+ context",
    ]);
    let mut block_starts = Vec::new();
    let mut rows = 0usize;
    let mut sum: i64 = 0;
    let names = &prep.table.names;
    let link_row = |l: &Link, cum: i64| {
        let mut name = format!("  {}", escape::text(&names[l.node.index()]));
        if l.inline {
            name.push_str(" (inline)");
        }
        vec![
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            fmt(l.value),
            units::percentage(l.value, cum).trim().to_string(),
            format!("|{name}"),
        ]
    };
    for b in &peek.blocks {
        block_starts.push(rows);
        for l in &b.callers {
            table.add_row(link_row(l, b.cum));
            rows += 1;
        }
        sum = sum.saturating_add(b.flat);
        table.add_row(vec![
            fmt(b.flat),
            units::percentage(b.flat, prep.total).trim().to_string(),
            units::percentage(sum, prep.total).trim().to_string(),
            fmt(b.cum),
            units::percentage(b.cum, prep.total).trim().to_string(),
            String::new(),
            String::new(),
            format!("| {}", escape::text(&names[b.node.index()])),
        ]);
        rows += 1;
        for l in &b.callees {
            table.add_row(link_row(l, b.cum));
            rows += 1;
        }
    }
    align_pprof_columns(&mut table, &[11, 7, 7, 11, 7, 11, 7], (0, 0));
    let mut lines = table.lines();
    if let Some(header) = lines.next() {
        writeln!(w, "{SEPARATOR}")?;
        writeln!(w, "{}", header.trim_end())?;
    }
    let mut next_block = block_starts.iter().peekable();
    for (i, line) in lines.enumerate() {
        if next_block.peek() == Some(&&i) {
            next_block.next();
            writeln!(w, "{SEPARATOR}")?;
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    writeln!(w, "{SEPARATOR}")
}

fn write_json(w: &mut dyn Write, prep: &Prepared<'_>, peek: &Peek) -> io::Result<()> {
    let names = &prep.table.names;
    let links = |ls: &[Link]| -> Vec<Value> {
        ls.iter()
            .map(|l| {
                let mut v = json!({"name": names[l.node.index()], "value": l.value});
                if l.inline {
                    v["inline"] = json!(true);
                }
                v
            })
            .collect()
    };
    let nodes: Vec<Value> = peek
        .blocks
        .iter()
        .map(|b| {
            json!({
                "name": names[b.node.index()],
                "flat": b.flat,
                "cum": b.cum,
                "callers": links(&b.callers),
                "callees": links(&b.callees),
            })
        })
        .collect();
    let doc = json!({
        "sample_type": prep.sample_type_raw(),
        "unit": prep.sample_unit_raw(),
        "total": prep.total,
        "nodes": nodes,
    });
    super::json::write_pretty(&mut *w, &doc)?;
    writeln!(w)
}
