//! The call graph pprof draws (its "visual mode", `-dot`/`-svg`): tags per
//! node from sample labels (Go heap profiles label every sample with its
//! block size, `bytes`), nodes in entropy order, node selection that counts
//! a node's tags as nodes, edge trimming, and removal of residual edges that
//! other paths make redundant.
//!
//! Only the graph command pays for this: the tags come from a
//! [`Visitor`] on the ordinary pass over the samples, which the other reports
//! run without one.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use crate::profile::combine::BASE_LABEL;
use crate::profile::filter::View;
use crate::profile::graph::{
    self, mask, Edge, Graph, NodeCut, NodeIndex, NodeTable, Overflow, TrimOptions, Visitor,
};
use crate::profile::{Label, Profile, StrId};
use crate::support::escape;
use crate::units;

/// pprof's `maxNodelets`: at most this many tags of a node are drawn, and
/// counted when selecting nodes.
pub const MAX_NODELETS: usize = 4;

/// The only numeric label pprof keeps for tags.
const BYTES: &str = "bytes";

/// A tag of a node: the samples through it that carry one set of string
/// labels, or one numeric label value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelWeight {
    /// The label set ("key:value" lines), or the value formatted in its unit
    /// ("1kB").
    pub name: String,
    /// The numeric label's unit; empty for string labels.
    pub unit: String,
    /// The numeric value the tag was first seen with.
    pub value: i64,
    pub flat: i64,
    pub cum: i64,
    /// With `-mean`, the sums of the first sample type over the same
    /// samples (pprof's `FlatDiv`, `CumDiv`); 0 otherwise.
    pub flat_div: i64,
    pub cum_div: i64,
}

impl LabelWeight {
    /// pprof's `FlatValue`: the flat value, over its divisor with `-mean`.
    pub fn flat_value(&self) -> i64 {
        crate::report::prepare::mean(self.flat, self.flat_div)
    }

    /// pprof's `CumValue`: the cum value, over its divisor with `-mean`.
    pub fn cum_value(&self) -> i64 {
        crate::report::prepare::mean(self.cum, self.cum_div)
    }
}

/// All tags of one node, as pprof keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeLabels {
    /// One tag per distinct set of string labels (pprof's `LabelTags`).
    pub labels: Vec<LabelWeight>,
    /// Numeric tags per label set ("" for samples without string labels),
    /// pprof's `NumericTags`.
    pub numeric: Vec<(String, Vec<LabelWeight>)>,
}

impl NodeLabels {
    /// pprof's `countTags`: tags with a flat value.
    fn count(&self) -> usize {
        let labels = self.labels.iter().filter(|t| t.flat != 0).count();
        let numeric: usize = self
            .numeric
            .iter()
            .map(|(_, ts)| ts.iter().filter(|t| t.flat != 0).count())
            .sum();
        labels + numeric
    }

    /// pprof's `TrimLowFrequencyTags` for one node.
    fn trim(&mut self, cutoff: u64) {
        let keep =
            |t: &LabelWeight| t.flat.unsigned_abs() >= cutoff || t.cum.unsigned_abs() >= cutoff;
        self.labels.retain(keep);
        for (_, ts) in &mut self.numeric {
            ts.retain(keep);
        }
    }
}

/// What each sample contributes to tags, worked out once per profile: its
/// string label set and its `bytes` values with their formatted names.
pub struct SampleLabels {
    /// Label set names; index 0 is "" (no string labels).
    label_sets: Vec<String>,
    /// LabelWeight names of numeric values, with the unit they were formatted in.
    names: Vec<String>,
    unit: String,
    /// Per sample: its label set.
    label_set: Vec<u32>,
    /// Per sample `i`: `values[value_ends[i-1]..value_ends[i]]`, each
    /// (tag name, value).
    values: Vec<(u32, i64)>,
    value_ends: Vec<usize>,
}

impl SampleLabels {
    /// Reads the labels of every sample. Numeric tag names are the values
    /// formatted in `output_unit` (pprof's `-unit`; "minimum" picks each
    /// value's own unit), as pprof names them while building the graph. Only
    /// the labels `view` shows count (`-tagshow`, `-taghide`).
    pub fn new(p: &Profile, view: &View, output_unit: &str) -> Self {
        let samples = &p.samples;
        let is_numeric =
            |l: &Label| l.str == StrId::EMPTY && (l.num != 0 || l.num_unit != StrId::EMPTY);
        // pprof's unit of a numeric label: the first unit recorded for the
        // key, else the key itself.
        let unit = (0..samples.len())
            .flat_map(|i| samples.labels(i))
            .filter(|l| is_numeric(l) && p.str(l.key) == BYTES && view.label_shown(l))
            .map(|l| p.str(l.num_unit))
            .find(|u| !u.is_empty())
            .unwrap_or(BYTES)
            .to_string();
        let mut label_sets = vec![String::new()];
        let mut set_ids: FxHashMap<String, u32> = FxHashMap::default();
        set_ids.insert(String::new(), 0);
        let mut names = Vec::new();
        let mut name_ids: FxHashMap<String, u32> = FxHashMap::default();
        // A value's name depends on the value alone: each distinct value
        // is formatted once, not once per sample.
        let mut id_of_value: FxHashMap<i64, u32> = FxHashMap::default();
        let mut label_set = Vec::with_capacity(samples.len());
        let mut values = Vec::new();
        let mut value_ends = Vec::with_capacity(samples.len());
        let mut parts: Vec<String> = Vec::new();
        for i in 0..samples.len() {
            parts.clear();
            // pprof removes the label of a -diff_base's samples before
            // drawing, so that it is no nodelet.
            let shown = |l: &&Label| view.label_shown(l) && p.str(l.key) != BASE_LABEL;
            for l in samples.labels(i).iter().filter(shown) {
                if l.str != StrId::EMPTY {
                    // One line per label in the nodelet: the newlines
                    // between them are the only ones.
                    parts.push(format!(
                        "{}:{}",
                        escape::text(p.str(l.key)),
                        escape::text(p.str(l.str))
                    ));
                } else if is_numeric(l) && p.str(l.key) == BYTES {
                    let id = *id_of_value.entry(l.num).or_insert_with(|| {
                        let name = units::scaled_label(l.num, &unit, output_unit);
                        let next = names.len() as u32;
                        *name_ids.entry(name.clone()).or_insert_with(|| {
                            names.push(name);
                            next
                        })
                    });
                    values.push((id, l.num));
                }
            }
            value_ends.push(values.len());
            if parts.is_empty() {
                label_set.push(0);
                continue;
            }
            parts.sort();
            let joined = parts.join("\n");
            let next = label_sets.len() as u32;
            let id = *set_ids.entry(joined.clone()).or_insert_with(|| {
                label_sets.push(joined);
                next
            });
            label_set.push(id);
        }
        SampleLabels {
            label_sets,
            names,
            unit,
            label_set,
            values,
            value_ends,
        }
    }

    fn values(&self, i: usize) -> &[(u32, i64)] {
        let start = if i == 0 { 0 } else { self.value_ends[i - 1] };
        &self.values[start..self.value_ends[i]]
    }
}

#[derive(Debug, Clone, Copy)]
struct TagSum {
    value: i64,
    flat: i64,
    cum: i64,
}

/// The tag name of a label set's own tag, in [`TagCollector`]'s keys.
const OWN_TAG: u32 = u32::MAX;

/// Sums tags per node during a pass: key (node, label set, tag name), the
/// name [`OWN_TAG`] for the label set's own tag. Only the nodes of `only` are
/// looked at: a graph shows a few dozen of a profile's nodes, which may be
/// millions.
struct TagCollector<'a> {
    setup: &'a SampleLabels,
    only: &'a [bool],
    sums: FxHashMap<(NodeIndex, u32, u32), TagSum>,
}

impl TagCollector<'_> {
    #[inline]
    fn add(&mut self, node: NodeIndex, sample: usize, w: i64, flat: bool) {
        if !self.only[node.index()] {
            return;
        }
        let set = self.setup.label_set[sample];
        let mut bump = |key: (NodeIndex, u32, u32), value: i64| {
            let s = self.sums.entry(key).or_insert(TagSum {
                value,
                flat: 0,
                cum: 0,
            });
            if flat {
                s.flat = s.flat.wrapping_add(w);
            } else {
                s.cum = s.cum.wrapping_add(w);
            }
        };
        if set != 0 {
            bump((node, set, OWN_TAG), 0);
        }
        for &(name, value) in self.setup.values(sample) {
            bump((node, set, name), value);
        }
    }

    /// The tags of every node that has any, in a stable order.
    fn finish(self) -> FxHashMap<NodeIndex, NodeLabels> {
        let setup = self.setup;
        let mut entries: Vec<_> = self.sums.into_iter().collect();
        entries.sort_unstable_by_key(|&(key, _)| key);
        let mut out: FxHashMap<NodeIndex, NodeLabels> = FxHashMap::default();
        for ((node, set, name), s) in entries {
            let tags = out.entry(node).or_default();
            if name == OWN_TAG {
                tags.labels.push(LabelWeight {
                    name: setup.label_sets[set as usize].clone(),
                    unit: String::new(),
                    value: 0,
                    flat: s.flat,
                    cum: s.cum,
                    flat_div: 0,
                    cum_div: 0,
                });
                continue;
            }
            let set_name = &setup.label_sets[set as usize];
            if tags.numeric.last().is_none_or(|(k, _)| k != set_name) {
                tags.numeric.push((set_name.clone(), Vec::new()));
            }
            if let Some((_, ts)) = tags.numeric.last_mut() {
                ts.push(LabelWeight {
                    name: setup.names[name as usize].clone(),
                    unit: setup.unit.clone(),
                    value: s.value,
                    flat: s.flat,
                    cum: s.cum,
                    flat_div: 0,
                    cum_div: 0,
                });
            }
        }
        out
    }
}

impl Visitor for TagCollector<'_> {
    #[inline]
    fn cum(&mut self, node: NodeIndex, sample: usize, w: i64) {
        self.add(node, sample, w, false);
    }
    #[inline]
    fn flat(&mut self, node: NodeIndex, sample: usize, w: i64) {
        self.add(node, sample, w, true);
    }
}

/// The graph to draw: nodes in pprof's order with their values, tags and
/// the edges between them, and what was dropped.
#[derive(Debug, Clone)]
pub struct Visual {
    /// Nodes in display order (pprof's entropy order).
    pub nodes: Vec<NodeIndex>,
    /// Flat and cum per node of the table (edges are in `edges`).
    pub graph: Graph,
    /// The edges kept, in no particular order.
    pub edges: Vec<Edge>,
    /// Tags of the shown nodes that have any.
    pub tags: FxHashMap<NodeIndex, NodeLabels>,
    /// Nodes dropped for a cum below the node cutoff.
    pub dropped_nodes: usize,
    /// Nodes left after the cutoff, before the node count limit.
    pub orig_count: usize,
    /// Edges dropped under the edge cutoff in the last trimming step (what
    /// pprof reports).
    pub dropped_edges: usize,
    /// With `-mean`, the divisors of the nodes and edges (the tags' are in
    /// their [`LabelWeight`]s).
    pub mean: Option<MeanDivisors>,
}

/// pprof's `FlatDiv`, `CumDiv` and `WeightDiv`: the first sample type summed
/// over the same samples as the values, node by node and edge by edge.
#[derive(Debug, Clone)]
pub struct MeanDivisors {
    pub graph: Graph,
    pub edges: FxHashMap<(NodeIndex, NodeIndex), i64>,
}

impl MeanDivisors {
    /// An edge's value as drawn: its weight over its divisor.
    pub fn edge_value(&self, e: &Edge) -> i64 {
        let div = self.edges.get(&(e.src, e.dst)).copied().unwrap_or(0);
        crate::report::prepare::mean(e.weight, div)
    }
}

/// One build of the graph over a set of nodes (`kept`; all when `None`):
/// values and edges, and the tags of the nodes `tagged` (indexes into the
/// node table).
struct Built {
    graph: Graph,
    edges: Vec<Edge>,
    tags: FxHashMap<NodeIndex, NodeLabels>,
}

fn build(
    p: &Profile,
    table: &NodeTable,
    view: &View,
    value_index: usize,
    kept: Option<&[bool]>,
    tagged: &[NodeIndex],
    sample_tags: &SampleLabels,
) -> Result<Built, Overflow> {
    let mut graph = graph::accumulate(p, table, view, value_index, kept, graph::EdgeSet::All)?;
    let edges = graph.edges.take().map(|e| e.list).unwrap_or_default();
    let tags = tags_of(p, table, view, value_index, kept, tagged, sample_tags)?;
    Ok(Built { graph, edges, tags })
}

/// The tags of the nodes `tagged`, from a pass over the samples with the
/// nodes `kept` (all when `None`): a pass of its own, after the one for
/// values and edges, so that it runs for the nodes that can be shown only.
fn tags_of(
    p: &Profile,
    table: &NodeTable,
    view: &View,
    value_index: usize,
    kept: Option<&[bool]>,
    tagged: &[NodeIndex],
    sample_tags: &SampleLabels,
) -> Result<FxHashMap<NodeIndex, NodeLabels>, Overflow> {
    if tagged.is_empty() {
        return Ok(FxHashMap::default());
    }
    let only = mask(table.len(), tagged);
    let mut collector = TagCollector {
        setup: sample_tags,
        only: &only,
        sums: FxHashMap::default(),
    };
    graph::accumulate_visiting(
        p,
        table,
        view,
        value_index,
        kept,
        graph::EdgeSet::None,
        &mut collector,
    )?;
    Ok(collector.finish())
}

/// Builds and trims the graph as pprof's `newTrimmedGraph` does for a
/// drawing: drop nodes under the node fraction, sort by entropy, keep the
/// top `node_count` counting each node's tags (at most
/// [`MAX_NODELETS`]) as nodes too, then drop tags under the node cutoff,
/// edges under the edge cutoff and redundant residual edges.
///
/// Each rebuild over a smaller set of nodes keeps the kept nodes' flat and
/// cum (see [`graph::trimmed`]); it is done for the edges and tags, which
/// change. Tags are summed only for the nodes that can be shown: the top
/// `node_count` in entropy order (the selection stops within them, each
/// node counting at least one).
pub fn trimmed(
    p: &Profile,
    table: &NodeTable,
    view: &View,
    value_index: usize,
    opts: &TrimOptions,
    sample_tags: &SampleLabels,
    mean: bool,
) -> Result<Visual, Overflow> {
    let values = graph::accumulate(p, table, view, value_index, None, graph::EdgeSet::None)?;
    let NodeCut {
        mut nodes,
        dropped_nodes,
        node_cutoff,
        edge_cutoff,
    } = graph::node_cut(&values, opts)?;
    let orig_count = nodes.len();
    let mut kept = (dropped_nodes > 0).then(|| mask(table.len(), &nodes));
    let mut built = build(
        p,
        table,
        view,
        value_index,
        kept.as_deref(),
        &[],
        sample_tags,
    )?;
    sort_by_entropy(&mut nodes, table, &built.graph, &built.edges);
    let can_show = match opts.node_count {
        0 => nodes.len(),
        n => n.min(nodes.len()),
    };
    built.tags = tags_of(
        p,
        table,
        view,
        value_index,
        kept.as_deref(),
        &nodes[..can_show],
        sample_tags,
    )?;

    if opts.node_count > 0 {
        for tags in built.tags.values_mut() {
            tags.trim(node_cutoff);
        }
        trim_edges(&mut built.edges, edge_cutoff);
        let count = select_top(&nodes, &built.tags, opts.node_count);
        if count != nodes.len() {
            nodes.truncate(count);
            let shown = mask(table.len(), &nodes);
            // The kept nodes' tags are those already summed: a node's tags
            // come from the samples it is on (cum) and those it is the leaf
            // of (flat), whichever other nodes are kept; and trimming them
            // again by the same cutoff changes nothing.
            let tags = std::mem::take(&mut built.tags);
            built = build(p, table, view, value_index, Some(&shown), &[], sample_tags)?;
            built.tags = tags.into_iter().filter(|(n, _)| shown[n.index()]).collect();
            kept = Some(shown);
            sort_by_entropy(&mut nodes, table, &built.graph, &built.edges);
        }
    }

    for tags in built.tags.values_mut() {
        tags.trim(node_cutoff);
    }
    let dropped_edges = trim_edges(&mut built.edges, edge_cutoff);
    remove_redundant_edges(&nodes, &mut built.edges, &table.names);
    let mean = if mean {
        // The same passes over the first sample type: what each value is
        // divided by.
        let div = build(p, table, view, 0, kept.as_deref(), &nodes, sample_tags)?;
        for (n, tags) in &mut built.tags {
            if let Some(d) = div.tags.get(n) {
                set_divisors(tags, d);
            }
        }
        Some(MeanDivisors {
            graph: div.graph,
            edges: div
                .edges
                .iter()
                .map(|e| ((e.src, e.dst), e.weight))
                .collect(),
        })
    } else {
        None
    };
    Ok(Visual {
        nodes,
        graph: built.graph,
        edges: built.edges,
        tags: built.tags,
        dropped_nodes,
        orig_count,
        dropped_edges,
        mean,
    })
}

/// Gives each tag of `tags` its divisors: the same tag's values in `div`.
fn set_divisors(tags: &mut NodeLabels, div: &NodeLabels) {
    let find = |ts: &[LabelWeight], name: &str| {
        ts.iter().find(|t| t.name == name).map(|t| (t.flat, t.cum))
    };
    for t in &mut tags.labels {
        (t.flat_div, t.cum_div) = find(&div.labels, &t.name).unwrap_or((0, 0));
    }
    for (set, ts) in &mut tags.numeric {
        let divs = div
            .numeric
            .iter()
            .find(|(s, _)| s == set)
            .map_or(&[][..], |(_, d)| &d[..]);
        for t in ts {
            (t.flat_div, t.cum_div) = find(divs, &t.name).unwrap_or((0, 0));
        }
    }
}

/// pprof's `TrimLowFrequencyEdges`; returns how many were dropped.
fn trim_edges(edges: &mut Vec<Edge>, cutoff: u64) -> usize {
    let before = edges.len();
    edges.retain(|e| e.weight.unsigned_abs() >= cutoff);
    before - edges.len()
}

/// pprof's `selectTopNodes` in visual mode: how many nodes to keep when
/// each counts as one plus its tags with a flat value (at most
/// [`MAX_NODELETS`]).
fn select_top(
    nodes: &[NodeIndex],
    tags: &FxHashMap<NodeIndex, NodeLabels>,
    max_nodes: usize,
) -> usize {
    let mut max_nodes = max_nodes;
    let mut count = 0usize;
    for (i, n) in nodes.iter().enumerate() {
        let tag_count = tags.get(n).map_or(0, NodeLabels::count).min(MAX_NODELETS);
        count += tag_count + 1;
        if count >= max_nodes {
            max_nodes = i + 1;
            break;
        }
    }
    max_nodes.min(nodes.len())
}

/// Go's `math.Log2`: exact for powers of two, else through the natural
/// logarithm of the mantissa.
fn go_log2(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || x.is_infinite() {
        return x.log2();
    }
    // frexp: x = frac × 2^exp with frac in [0.5, 1).
    let (mut frac, mut exp) = (x, 0i32);
    if x.is_subnormal() {
        frac = x * (1u64 << 52) as f64;
        exp = -52;
    }
    let bits = frac.to_bits();
    exp += ((bits >> 52) & 0x7ff) as i32 - 1022;
    frac = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    if frac == 0.5 {
        return (exp - 1) as f64;
    }
    frac.ln() * std::f64::consts::LOG2_E + exp as f64
}

/// pprof's `edgeEntropyScore`: the entropy of the distribution of a node's
/// weight over its edges (and, for outgoing edges, its own flat).
fn edge_entropy(weights: &[i64], own: i64) -> f64 {
    let mut total = own;
    for &w in weights {
        if w > 0 {
            total = total.wrapping_add(w);
        }
    }
    let mut score = 0.0;
    if total != 0 {
        for &w in weights {
            let frac = w.unsigned_abs() as f64 / total as f64;
            score += -frac * go_log2(frac);
        }
        if own > 0 {
            let frac = own.unsigned_abs() as f64 / total as f64;
            score += -frac * go_log2(frac);
        }
    }
    score
}

/// Sorts nodes as pprof's `EntropyOrder`: nodes whose weight fans in or
/// out (or that start or end stacks) first, by a score scaled by cum.
pub fn sort_by_entropy(nodes: &mut [NodeIndex], table: &NodeTable, g: &Graph, edges: &[Edge]) {
    let ins = Adjacent::of(table.len(), edges, |e| e.dst);
    let outs = Adjacent::of(table.len(), edges, |e| e.src);
    let score = |n: NodeIndex| -> i64 {
        let (flat, cum) = (g.flat[n.index()], g.cum[n.index()]);
        let mut s = 0.0;
        match ins.weights(n) {
            [] => s += 1.0,
            w => s += edge_entropy(w, 0),
        }
        match outs.weights(n) {
            [] => s += 1.0,
            w => s += edge_entropy(w, flat),
        }
        ((s * cum as f64) as i64).wrapping_add(flat)
    };
    let mut keyed: Vec<(u64, NodeIndex)> = nodes
        .iter()
        .map(|&n| (score(n).unsigned_abs(), n))
        .collect();
    keyed.sort_unstable_by(|&(sa, a), &(sb, b)| {
        sb.cmp(&sa)
            .then_with(|| table.names[a.index()].cmp(&table.names[b.index()]))
            .then_with(|| {
                g.flat[b.index()]
                    .unsigned_abs()
                    .cmp(&g.flat[a.index()].unsigned_abs())
            })
            .then_with(|| {
                let (ia, ib) = (&table.infos[a.index()], &table.infos[b.index()]);
                ia.go_sprint().cmp(&ib.go_sprint())
            })
    });
    for (slot, (_, n)) in nodes.iter_mut().zip(keyed) {
        *slot = n;
    }
}

/// The weights of the edges at each node (in or out), in edge order: node
/// `n`'s are `weights[starts[n]..starts[n + 1]]`.
struct Adjacent {
    starts: Vec<usize>,
    weights: Vec<i64>,
}

impl Adjacent {
    fn of(nodes: usize, edges: &[Edge], end: impl Fn(&Edge) -> NodeIndex) -> Self {
        let mut starts = vec![0usize; nodes + 1];
        for e in edges {
            starts[end(e).index() + 1] += 1;
        }
        for i in 0..nodes {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut weights = vec![0i64; edges.len()];
        for e in edges {
            let slot = &mut next[end(e).index()];
            weights[*slot] = e.weight;
            *slot += 1;
        }
        Adjacent { starts, weights }
    }

    fn weights(&self, n: NodeIndex) -> &[i64] {
        let n = n.index();
        &self.weights[self.starts[n]..self.starts[n + 1]]
    }
}

/// Orders edges as pprof's `EdgeMap.Sort`: heaviest first, then by caller
/// and callee name.
pub fn edge_order(a: &Edge, b: &Edge, names: &[String]) -> std::cmp::Ordering {
    let by_weight = if a.weight == b.weight {
        std::cmp::Ordering::Equal
    } else {
        b.weight.unsigned_abs().cmp(&a.weight.unsigned_abs())
    };
    by_weight
        .then_with(|| names[a.src.index()].cmp(&names[b.src.index()]))
        .then_with(|| names[a.dst.index()].cmp(&names[b.dst.index()]))
}

/// pprof's `RemoveRedundantEdges`: from the last node to the first, drop
/// its lightest incoming residual edges while the caller still reaches it
/// another way; stop at the first edge that is not residual.
fn remove_redundant_edges(nodes: &[NodeIndex], edges: &mut Vec<Edge>, names: &[String]) {
    let mut alive = vec![true; edges.len()];
    let mut incoming: FxHashMap<NodeIndex, Vec<usize>> = FxHashMap::default();
    for (i, e) in edges.iter().enumerate() {
        incoming.entry(e.dst).or_default().push(i);
    }
    for &n in nodes.iter().rev() {
        let Some(list) = incoming.get(&n) else {
            continue;
        };
        let mut ins: Vec<usize> = list.iter().copied().filter(|&i| alive[i]).collect();
        ins.sort_by(|&a, &b| edge_order(&edges[a], &edges[b], names));
        for &i in ins.iter().rev() {
            if !edges[i].residual {
                break;
            }
            if reaches_without(edges, &alive, &incoming, i) {
                alive[i] = false;
            }
        }
    }
    let mut keep = alive.into_iter();
    edges.retain(|_| keep.next().unwrap_or(true));
}

/// Whether edge `skip`'s caller reaches its callee over other live edges.
fn reaches_without(
    edges: &[Edge],
    alive: &[bool],
    incoming: &FxHashMap<NodeIndex, Vec<usize>>,
    skip: usize,
) -> bool {
    let (src, dst) = (edges[skip].src, edges[skip].dst);
    let mut seen: FxHashMap<NodeIndex, ()> = FxHashMap::default();
    seen.insert(dst, ());
    let mut queue = VecDeque::from([dst]);
    while let Some(n) = queue.pop_front() {
        for &i in incoming.get(&n).map_or(&[][..], Vec::as_slice) {
            if i == skip || !alive[i] {
                continue;
            }
            let from = edges[i].src;
            if seen.contains_key(&from) {
                continue;
            }
            if from == src {
                return true;
            }
            seen.insert(from, ());
            queue.push_back(from);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::graph::tests::profile;
    use crate::profile::graph::NodeOptions;

    /// Gives sample `i` a `bytes` label of `sizes[i]`.
    fn with_sizes(mut p: Profile, sizes: &[i64]) -> Profile {
        let key = p.strings.push("bytes");
        p.samples.label_sets = Default::default();
        p.samples.label_set.clear();
        for &num in sizes {
            let set = p.samples.label_sets.intern(&[Label {
                key,
                num,
                ..Label::default()
            }]);
            p.samples.label_set.push(set);
        }
        p
    }

    fn opts(node_count: usize, node_fraction: f64) -> TrimOptions {
        TrimOptions {
            node_count,
            node_fraction,
            edge_fraction: 0.0,
            cum_sort: false,
        }
    }

    fn run(p: &Profile, o: &TrimOptions) -> (NodeTable, Visual) {
        let view = View::all();
        let table = NodeTable::new(p, &view, &NodeOptions::default());
        let tags = SampleLabels::new(p, &view, "minimum");
        let v = trimmed(p, &table, &view, 0, o, &tags, false).unwrap();
        (table, v)
    }

    fn node(table: &NodeTable, name: &str) -> NodeIndex {
        NodeIndex::from_index(table.names.iter().position(|n| n == name).unwrap())
    }

    #[test]
    fn block_sizes_become_tags_with_flat_and_cum() {
        let p = with_sizes(
            profile(&[
                (&["alloc", "main"], 2048),
                (&["alloc", "main"], 96),
                (&["alloc", "main"], 1024),
            ]),
            &[1024, 16, 1024],
        );
        let (table, v) = run(&p, &opts(0, 0.0));
        let tags = &v.tags[&node(&table, "alloc")];
        assert!(tags.labels.is_empty());
        let (set, numeric) = &tags.numeric[0];
        assert_eq!(set, "");
        let mut got: Vec<_> = numeric
            .iter()
            .map(|t| (t.name.as_str(), t.value, t.flat, t.cum))
            .collect();
        got.sort();
        assert_eq!(got, [("16B", 16, 96, 96), ("1kB", 1024, 3072, 3072)]);
        // The caller sees the same sizes in its cum only.
        let main = &v.tags[&node(&table, "main")].numeric[0].1;
        assert!(main.iter().all(|t| t.flat == 0 && t.cum > 0));
    }

    #[test]
    fn tags_count_as_nodes_when_selecting() {
        let mut tags: FxHashMap<NodeIndex, NodeLabels> = FxHashMap::default();
        let tag = |flat| LabelWeight {
            flat_div: 0,
            cum_div: 0,
            name: format!("{flat}B"),
            unit: "bytes".to_string(),
            value: flat,
            flat,
            cum: flat,
        };
        tags.insert(
            NodeIndex::from_raw(7),
            NodeLabels {
                labels: Vec::new(),
                numeric: vec![(String::new(), (1..=6).map(tag).collect())],
            },
        );
        // Nodes by their numbers.
        let select_top = |nodes: &[u32], tags: &FxHashMap<NodeIndex, NodeLabels>, max| {
            let nodes: Vec<NodeIndex> = nodes.iter().map(|&n| NodeIndex::from_raw(n)).collect();
            select_top(&nodes, tags, max)
        };
        // Node 7 counts 1 + 4 (capped): with 5 slots only it is kept.
        assert_eq!(select_top(&[7, 8, 9], &tags, 5), 1);
        assert_eq!(select_top(&[8, 7, 9], &tags, 5), 2);
        assert_eq!(select_top(&[8, 9], &tags, 5), 2);
    }

    #[test]
    fn residual_edges_with_another_path_are_removed() {
        // "b" (cum 1 of 101) is dropped: a...c becomes residual, and a
        // reaches c through x anyway.
        let p = profile(&[(&["c", "b", "a"], 1), (&["c", "x", "a"], 100)]);
        let (table, v) = run(&p, &opts(0, 0.05));
        assert_eq!(v.dropped_nodes, 1);
        let mut edges: Vec<_> = v
            .edges
            .iter()
            .map(|e| {
                (
                    table.names[e.src.index()].as_str(),
                    table.names[e.dst.index()].as_str(),
                    e.weight,
                )
            })
            .collect();
        edges.sort();
        assert_eq!(edges, [("a", "x", 100), ("x", "c", 100)]);
        // Without the other path the residual edge stays.
        let p = profile(&[(&["c", "b", "a"], 1), (&["c", "e"], 10), (&["a"], 10)]);
        let (table, v) = run(&p, &opts(0, 0.1));
        assert_eq!(v.dropped_nodes, 1);
        let residual: Vec<_> = v.edges.iter().filter(|e| e.residual).collect();
        assert_eq!(residual.len(), 1);
        assert_eq!(table.names[residual[0].dst.index()], "c");
    }

    #[test]
    fn entry_and_leaf_nodes_come_first() {
        // a → b → c, one path: b is a pass-through and sorts last.
        let p = profile(&[(&["c", "b", "a"], 10)]);
        let (table, v) = run(&p, &opts(0, 0.0));
        let names: Vec<_> = v
            .nodes
            .iter()
            .map(|&n| table.names[n.index()].as_str())
            .collect();
        assert_eq!(names, ["c", "a", "b"]);
    }

    #[test]
    fn log2_is_gos() {
        assert_eq!(go_log2(0.5), -1.0);
        assert_eq!(go_log2(8.0), 3.0);
        assert!((go_log2(0.3) - 0.3f64.log2()).abs() < 1e-15);
    }
}
