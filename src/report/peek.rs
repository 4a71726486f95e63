//! `peek`: for every node whose name matches a regex, who calls it and with
//! how much, its own flat and cum, and what it calls — pprof's `-peek`, on
//! the untrimmed graph.

use std::io::{self, Write};

use regex::Regex;
use serde_json::{json, Value};

use super::header::{report_header, Trimming};
use super::prepare::MatchError;
use super::table::{write_peek_edge, PeekNode, PEEK_LEGEND, PEEK_SEPARATOR};
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
    /// Show at most the first this many matching nodes; 0 shows all.
    pub matches: usize,
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
    /// How many nodes match, `blocks` being the first of them.
    pub matched: usize,
    /// Sum of flat over all nodes of the graph (for the header).
    pub flat_sum: i64,
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
    let names = &prep.table.names;
    let mut shown: Vec<bool> = names.iter().map(|name| opts.regex.is_match(name)).collect();
    let trimmed = |edge_set| {
        graph::trimmed(
            prep.profile(),
            &prep.table,
            &prep.view,
            prep.value_index,
            &trim,
            edge_set,
        )
        .map_err(MatchError::Overflow)
    };
    let mut matched = None;
    if opts.matches > 0 && shown.iter().filter(|&&s| s).count() > opts.matches {
        // More names match than can be shown: which ones are first needs
        // the values, and only their edges are summed.
        let t = trimmed(graph::EdgeSet::None)?;
        let order: Vec<NodeIndex> = t.nodes.into_iter().filter(|n| shown[n.index()]).collect();
        shown.iter_mut().for_each(|s| *s = false);
        for n in order.iter().take(opts.matches) {
            shown[n.index()] = true;
        }
        matched = Some(order.len());
    }
    let t = trimmed(graph::EdgeSet::Touching(&shown))?;
    let g = &t.graph;
    // With -mean, nodes show means; edges their sums, as pprof's printTree.
    let div = prep.mean_divisors().map_err(MatchError::Overflow)?;
    let values = |n: NodeIndex| {
        super::prepare::node_values(div.as_ref(), n, g.flat[n.index()], g.cum[n.index()])
    };
    let mut edges = g
        .edges
        .as_ref()
        .map_or(&[][..], |e| e.list.as_slice())
        .to_vec();
    if prep.mean {
        // pprof's graph also has the edges of samples whose value is zero
        // but whose divisor is not: shown with a zero value.
        let d = graph::accumulate(
            prep.profile(),
            &prep.table,
            &prep.view,
            0,
            None,
            graph::EdgeSet::Touching(&shown),
        )
        .map_err(MatchError::Overflow)?;
        let known: std::collections::HashSet<(NodeIndex, NodeIndex)> =
            edges.iter().map(|e| (e.src, e.dst)).collect();
        for e in d.edges.iter().flat_map(|e| &e.list) {
            if !known.contains(&(e.src, e.dst)) {
                let mut zero = e.clone();
                zero.weight = 0;
                edges.push(zero);
            }
        }
    }
    // Each node's edges in and out, found by halving, not by a scan of
    // all edges per node.
    let mut by_dst: Vec<&Edge> = edges.iter().collect();
    by_dst.sort_by_key(|e| e.dst);
    let mut by_src: Vec<&Edge> = edges.iter().collect();
    by_src.sort_by_key(|e| e.src);
    let ends = |list: &[&'_ Edge], end: fn(&Edge) -> NodeIndex, n: NodeIndex| {
        list.partition_point(|e| end(e) < n)..list.partition_point(|e| end(e) <= n)
    };
    let blocks: Vec<Block> = t
        .nodes
        .iter()
        .filter(|&&n| shown[n.index()])
        .map(|&n| {
            let link = |e: &Edge, other: NodeIndex| Link {
                node: other,
                value: e.weight,
                inline: e.inline,
            };
            let (flat, cum) = values(n);
            let into = &by_dst[ends(&by_dst, |e| e.dst, n)];
            let out = &by_src[ends(&by_src, |e| e.src, n)];
            Block {
                node: n,
                flat,
                cum,
                callers: sorted(into.iter().copied(), names)
                    .into_iter()
                    .map(|e| link(e, e.src))
                    .collect(),
                callees: sorted(out.iter().copied(), names)
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
        .map(|&n| values(n).0)
        .fold(0i64, i64::saturating_add);
    let output_unit = select_output_unit(
        t.nodes.iter().map(|&n| {
            let (flat, cum) = values(n);
            (prep.shown(flat), prep.shown(cum))
        }),
        prep.shown(prep.total),
        &prep.sample_unit(),
        &opts.unit,
    );
    Ok(Peek {
        matched: matched.unwrap_or(blocks.len()),
        blocks,
        flat_sum,
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

fn write_text(w: &mut dyn Write, prep: &Prepared<'_>, peek: &Peek) -> io::Result<()> {
    let unit = prep.sample_unit();
    let fmt = |v: i64| units::scaled_label(prep.shown(v), &unit, &peek.output_unit);
    let labels = report_header(
        prep,
        &Trimming {
            flat_sum: peek.flat_sum,
            dropped_nodes: 0,
            node_fraction: 0.0,
            shown: peek.blocks.len(),
            orig_count: peek.matched,
        },
        &fmt,
    );
    for l in &labels {
        writeln!(w, "{l}")?;
    }

    writeln!(w, "{PEEK_SEPARATOR}")?;
    writeln!(w, "{PEEK_LEGEND}")?;
    let names = &prep.table.names;
    let mut sum: i64 = 0;
    for b in &peek.blocks {
        writeln!(w, "{PEEK_SEPARATOR}")?;
        let edge = |w: &mut dyn Write, l: &Link| {
            write_peek_edge(
                w,
                &fmt(l.value),
                &units::percentage(l.value, b.cum),
                &escape::text(&names[l.node.index()]),
                l.inline,
            )
        };
        for l in &b.callers {
            edge(w, l)?;
        }
        sum = sum.saturating_add(b.flat);
        PeekNode {
            flat: &fmt(b.flat),
            flat_pct: &units::percentage(b.flat, prep.total),
            sum_pct: &units::percentage(sum, prep.total),
            cum: &fmt(b.cum),
            cum_pct: &units::percentage(b.cum, prep.total),
            name: &escape::text(&names[b.node.index()]),
        }
        .write(w)?;
        for l in &b.callees {
            edge(w, l)?;
        }
    }
    // pprof closes the last block when the graph has nodes; a report
    // with no block is an error before this.
    writeln!(w, "{PEEK_SEPARATOR}")
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
        "matched": peek.matched,
        "nodes": nodes,
    });
    super::json::write_pretty(&mut *w, &doc)?;
    writeln!(w)
}
