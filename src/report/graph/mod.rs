//! `graph`: the call graph as pprof draws it — a box per node sized by its
//! flat, arrows as wide and as red as what flows through them, the block
//! sizes a node allocates as "nodelets", a legend — written as DOT, or as
//! SVG drawn by Graphviz or by heapscope's own layout.

pub mod dot;
mod graphviz;
mod layout;
mod svg;
mod text;
mod visual;

use std::io::Write;
use std::sync::LazyLock;

use regex::Regex;

use super::header::{header_with_edges, DroppedEdges, Trimming};
use super::Prepared;
use crate::profile::graph::{NodeIndex, NodeInfo, Overflow, TrimOptions};
use crate::support::escape;
use crate::support::paths::go_base;
use crate::units;
use crate::units::select_output_unit;
use visual::{LabelWeight, NodeLabels, SampleLabels, MAX_NODELETS};

/// What `graph` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GraphFormat {
    #[default]
    Svg,
    Dot,
}

/// Who lays out and draws the SVG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    /// Graphviz's `dot`, as pprof uses it.
    Graphviz,
    /// heapscope's own layered layout; needs nothing installed.
    Builtin,
}

/// Options of the `graph` report.
#[derive(Debug, Clone)]
pub struct GraphOptions {
    pub trim: TrimOptions,
    /// pprof's `-unit`.
    pub unit: String,
    pub format: GraphFormat,
    /// `None`: Graphviz when `dot` is on PATH, else the built-in layout.
    pub renderer: Option<Renderer>,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions {
            trim: TrimOptions {
                node_count: 80,
                node_fraction: 0.005,
                edge_fraction: 0.001,
                cum_sort: false,
            },
            unit: "minimum".to_string(),
            format: GraphFormat::Svg,
            renderer: None,
        }
    }
}

/// The last line of the legend.
const HELP: &str = "How to read this graph: \
https://github.com/google/pprof/blob/main/doc/README.md#interpreting-the-callgraph";

/// The graph ready to be written: every text as it is shown (not yet
/// escaped for DOT or SVG), every attribute as pprof gives it.
#[derive(Debug, Clone)]
pub struct Drawing {
    /// The graph's name (the profiled binary), may be empty.
    pub title: String,
    /// Legend lines: the profile, what is shown and what was dropped.
    pub legend: Vec<String>,
    pub nodes: Vec<Node>,
    /// In pprof's order: heaviest first.
    pub edges: Vec<Edge>,
}

/// A function (or file, or line) box.
#[derive(Debug, Clone)]
pub struct Node {
    /// Package and function name parts, then the file or line if any.
    pub name_lines: Vec<String>,
    /// "flat (flat%)" and "of cum (cum%)", or "0 of cum (cum%)".
    pub value_lines: Vec<String>,
    /// 8 to 24: grows with flat.
    pub font_size: u32,
    /// Full name and cum.
    pub tooltip: String,
    /// Border and fill colour, from cum.
    pub color: String,
    pub fill: String,
    /// Tags: the block sizes the node allocates (or its label sets).
    pub nodelets: Vec<Nodelet>,
}

impl Node {
    /// All lines of the label.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.name_lines
            .iter()
            .chain(&self.value_lines)
            .map(String::as_str)
    }
}

/// A tag drawn as a small box hanging from its node.
#[derive(Debug, Clone)]
pub struct Nodelet {
    /// DOT id ("NN1_0"), as pprof numbers them.
    pub id: String,
    /// DOT id of what it hangs from: the node ("N1") or a label tag.
    pub parent: String,
    /// Lines of the label ("1kB", "48B..8kB", or "key:value" lines).
    pub label: Vec<String>,
    /// The tag's value, formatted.
    pub weight: String,
    /// A cum value shown on an inner node (drawn dotted).
    pub dotted: bool,
}

/// A call edge between two nodes (indexes into [`Drawing::nodes`]).
#[derive(Debug, Clone)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// The value flowing along it, formatted.
    pub value: String,
    pub inline: bool,
    /// Goes over nodes that were dropped (drawn dotted).
    pub residual: bool,
    /// Graphviz's `weight` (1–101; `None` for 1), `penwidth` (1–6) and
    /// colour; `None` when the total is zero.
    pub weight: Option<i64>,
    pub penwidth: Option<i64>,
    pub color: Option<String>,
    /// "caller -> callee (value)", "..." for residual edges.
    pub tooltip: String,
    /// The caller has nodelets: keep callees further away.
    pub minlen2: bool,
}

/// Computes the graph.
pub fn compute(prep: &Prepared<'_>, opts: &GraphOptions) -> Result<Drawing, Overflow> {
    let p = prep.profile();
    let sample_tags = SampleLabels::new(p, &prep.view, &opts.unit);
    let v = visual::trimmed(
        p,
        &prep.table,
        &prep.view,
        prep.value_index,
        &opts.trim,
        &sample_tags,
        prep.mean,
    )?;
    let g = &v.graph;
    // With -mean, every value drawn is over its divisor, as pprof's
    // FlatValue, CumValue and WeightValue; selection and order use the sums.
    let div = v.mean.as_ref();
    let values = |n: NodeIndex| {
        super::prepare::node_values(
            div.map(|d| &d.graph),
            n,
            g.flat[n.index()],
            g.cum[n.index()],
        )
    };
    let edge_value = |e: &crate::profile::graph::Edge| div.map_or(e.weight, |d| d.edge_value(e));
    let unit = prep.sample_unit();
    let output_unit = select_output_unit(
        v.nodes.iter().map(|&n| {
            let (flat, cum) = values(n);
            (prep.shown(flat), prep.shown(cum))
        }),
        prep.shown(prep.total),
        &unit,
        &opts.unit,
    );
    let fmt = |x: i64| units::scaled_label(prep.shown(x), &unit, &output_unit);
    let total = prep.total;

    let flat_sum = v
        .nodes
        .iter()
        .map(|&n| values(n).0)
        .fold(0i64, i64::saturating_add);
    let mut legend = header_with_edges(
        prep,
        &Trimming {
            flat_sum,
            dropped_nodes: v.dropped_nodes,
            node_fraction: opts.trim.node_fraction,
            shown: v.nodes.len(),
            orig_count: v.orig_count,
        },
        Some(&DroppedEdges {
            count: v.dropped_edges,
            edge_fraction: opts.trim.edge_fraction,
        }),
        &fmt,
    );
    legend.push(String::new());
    legend.push(HELP.to_string());

    let names = &prep.table.names;
    let mut index = vec![usize::MAX; prep.table.len()];
    for (i, &n) in v.nodes.iter().enumerate() {
        index[n.index()] = i;
    }
    let mut has_out = vec![false; v.nodes.len()];
    for e in &v.edges {
        has_out[index[e.src.index()]] = true;
    }
    let max_flat = v
        .nodes
        .iter()
        .map(|&n| values(n).0.unsigned_abs())
        .max()
        .unwrap_or(0) as f64;
    // As pprof divides: over a zero total, 0/0 is NaN and x/0 infinite.
    let share = |x: i64| x as f64 / total.unsigned_abs() as f64;

    let no_tags = NodeLabels::default();
    let nodes: Vec<Node> = v
        .nodes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let (flat, cum) = values(n);
            let flat_value = fmt(flat);
            let mut value_lines = Vec::new();
            let pct = |x: i64| units::percentage(x, total).trim().to_string();
            if flat != 0 {
                value_lines.push(format!("{flat_value} ({})", pct(flat)));
            } else {
                value_lines.push("0".to_string());
            }
            let mut cum_value = flat_value.clone();
            if cum != flat {
                cum_value = fmt(cum);
                let of = format!("of {cum_value} ({})", pct(cum));
                if flat != 0 {
                    value_lines.push(of);
                } else {
                    value_lines[0] = format!("0 {of}");
                }
            }
            let mut font_size = 8;
            let abs_flat = flat.unsigned_abs() as f64;
            if max_flat != 0.0 && flat != 0 && abs_flat <= max_flat {
                font_size += (16.0 * (abs_flat / max_flat).sqrt()).ceil() as u32;
            }
            let tags = v.tags.get(&n).unwrap_or(&no_tags);
            Node {
                name_lines: name_lines(&prep.table.infos[n.index()]),
                value_lines,
                font_size,
                tooltip: format!("{} ({cum_value})", escape::text(&names[n.index()])),
                color: dot_color(share(cum), false),
                fill: dot_color(share(cum), true),
                nodelets: nodelets(tags, i + 1, has_out[i], &fmt),
            }
        })
        .collect();

    let mut edges: Vec<&crate::profile::graph::Edge> = v.edges.iter().collect();
    edges.sort_by(|a, b| visual::edge_order(a, b, names));
    let edges = edges
        .into_iter()
        .map(|e| {
            let (from, to) = (index[e.src.index()], index[e.dst.index()]);
            let drawn = edge_value(e);
            let value = fmt(drawn);
            let arrow = if e.residual { "..." } else { "->" };
            let w = drawn as i128;
            let (weight, penwidth, color) = if total == 0 {
                (None, None, None)
            } else {
                let t = total as i128;
                let weight = 1 + (w * 100 / t).abs().min(100) as i64;
                let penwidth = 1 + (w * 5 / t).abs().min(5) as i64;
                (
                    (weight > 1).then_some(weight),
                    (penwidth > 1).then_some(penwidth),
                    Some(dot_color(share(drawn), false)),
                )
            };
            Edge {
                from,
                to,
                tooltip: format!(
                    "{} {arrow} {} ({value})",
                    escape::text(&names[e.src.index()]),
                    escape::text(&names[e.dst.index()])
                ),
                value,
                inline: e.inline,
                residual: e.residual,
                weight,
                penwidth,
                color,
                minlen2: !nodes[from].nodelets.is_empty(),
            }
        })
        .collect();

    Ok(Drawing {
        title: p
            .mappings
            .first()
            .map(|m| p.str(m.file))
            .filter(|f| !f.is_empty())
            .map(|f| escape::text(go_base(f)).into_owned())
            .unwrap_or_default(),
        legend,
        nodes,
        edges,
    })
}

/// The most work (see [`GraphvizWork`]) a graph may give Graphviz when
/// heapscope picks the renderer: on graphs like pprof's, Graphviz needs well
/// under a second up to here, while the cost of its crossing minimisation
/// grows steeply past it (80 densely connected nodes: about 1,200 units take
/// 0.6 s, 2,500 take 4 s, 4,800 over a minute).
pub const GRAPHVIZ_MAX_WORK: usize = 2_000;

/// What Graphviz has to lay out: boxes (nodes and nodelets), edges, and
/// the bends of edges that span several ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphvizWork {
    pub boxes: usize,
    pub edges: usize,
    pub bends: usize,
}

impl GraphvizWork {
    pub fn of(d: &Drawing) -> Self {
        let nodelets: usize = d.nodes.iter().map(|n| n.nodelets.len()).sum();
        let edges: Vec<layout::EdgeIn> = d
            .edges
            .iter()
            .map(|e| layout::EdgeIn {
                from: e.from,
                to: e.to,
                weight: 1.0,
                label: None,
            })
            .collect();
        GraphvizWork {
            boxes: d.nodes.len() + nodelets,
            // Every nodelet hangs from an edge of its own.
            edges: d.edges.len() + nodelets,
            bends: layout::bends(d.nodes.len(), &edges),
        }
    }

    pub fn total(&self) -> usize {
        self.boxes
            .saturating_add(self.edges)
            .saturating_add(self.bends)
    }
}

/// Writes the graph in the chosen format. Notes (the graph too big for
/// Graphviz, or Graphviz failing, so the built-in layout is used) go to
/// `notes`.
pub fn write(
    w: &mut dyn Write,
    notes: &mut dyn Write,
    prep: &Prepared<'_>,
    opts: &GraphOptions,
) -> anyhow::Result<()> {
    let drawing = compute(prep, opts)?;
    match opts.format {
        GraphFormat::Dot => {
            dot::write(w, &drawing)?;
        }
        GraphFormat::Svg => {
            let mut renderer = opts.renderer.unwrap_or(if graphviz::available() {
                Renderer::Graphviz
            } else {
                Renderer::Builtin
            });
            // Chosen by heapscope, Graphviz is used only when it can finish
            // in seconds; asked for, it gets its time limit.
            let work = GraphvizWork::of(&drawing);
            if opts.renderer.is_none()
                && renderer == Renderer::Graphviz
                && work.total() > GRAPHVIZ_MAX_WORK
            {
                writeln!(
                    notes,
                    "heapscope: the graph is too big for Graphviz to draw in seconds \
                     ({} boxes, {} edges, {} bends: over {GRAPHVIZ_MAX_WORK}); drawing it \
                     with the built-in layout (--renderer dot insists)",
                    work.boxes, work.edges, work.bends
                )?;
                renderer = Renderer::Builtin;
            }
            if renderer == Renderer::Graphviz {
                let mut text = Vec::new();
                dot::write(&mut text, &drawing)?;
                match graphviz::render(&text, graphviz::TIMEOUT) {
                    Ok(svg) => {
                        w.write_all(&svg)?;
                        return Ok(());
                    }
                    Err(e) => writeln!(
                        notes,
                        "heapscope: Graphviz could not draw the graph ({}); \
                         drawing it with the built-in layout",
                        escape::text_lines(&e.to_string())
                    )?,
                }
            }
            svg::write(w, &drawing)?;
        }
    }
    Ok(())
}

/// A node's name as pprof splits it over lines: the address (with
/// `-addresses`), the function name
/// shortened (no package path) and split at dots, then the file (base name)
/// or file:line.
fn name_lines(info: &NodeInfo) -> Vec<String> {
    let mut lines = Vec::new();
    if info.address != 0 {
        lines.push(format!("{:016x}", info.address));
    }
    if !info.name.is_empty() {
        let short = shorten_function_name(&escape::text(&info.name));
        for part in short.split("::") {
            let part = part.replace("[...]", "[…]");
            lines.extend(part.split('.').map(str::to_string));
        }
    }
    let file = escape::text(if info.file.is_empty() {
        ""
    } else {
        go_base(&info.file)
    })
    .into_owned();
    if info.line != 0 {
        lines.push(format!("{file}:{}", info.line));
    } else if !info.file.is_empty() {
        lines.push(file);
    } else if !info.name.is_empty() {
    } else if !info.objfile.is_empty() {
        lines.push(format!("[{}]", escape::text(go_base(&info.objfile))));
    } else {
        lines.push("<unknown>".to_string());
    }
    lines
}

/// pprof's `ShortenFunctionName`: drops the package path of Go names (and
/// module versions), the namespaces of C++ names and the package of Java
/// names.
pub fn shorten_function_name(name: &str) -> String {
    // Patterns equivalent to pprof's, with ASCII word characters as Go's
    // regexp has them.
    static CPP_ANON: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\(anonymous namespace\)::").expect("valid regex"));
    static GO_VERSION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$").expect("valid regex")
    });
    static SHORTENERS: LazyLock<[Regex; 3]> = LazyLock::new(|| {
        let w = "[0-9A-Za-z_]";
        [
            // Go: the package path up to its last slash.
            Regex::new(r"^(?:[0-9A-Za-z_\-.]+/)+(.+)").expect("valid regex"),
            // Java: Class.method, without package and arguments.
            Regex::new(&format!(
                r"^(?:[a-z]{w}*\.)*([A-Z][0-9A-Za-z_$]*\.(?:<init>|[a-z][0-9A-Za-z_$]*(?:\$[0-9]+)?))(?:\(|$)"
            ))
            .expect("valid regex"),
            // C++: Class::method, without namespaces.
            Regex::new(&format!(
                r"^(?:[_a-zA-Z]{w}*::)+(_*[A-Z]{w}*::~?[_a-zA-Z]{w}*(?:<.*>)?)"
            ))
            .expect("valid regex"),
        ]
    });
    let name = CPP_ANON.replace_all(name, "");
    let name = GO_VERSION.replace_all(&name, "${1}${2}");
    for re in SHORTENERS.iter() {
        if let Some(c) = re.captures(&name) {
            return c
                .iter()
                .skip(1)
                .map(|m| m.map_or("", |m| m.as_str()))
                .collect();
        }
    }
    name.into_owned()
}

/// pprof's `dotColor`: grey near 0, red towards 1 (green towards -1); a
/// light shade for backgrounds, a dark one for lines and borders.
pub fn dot_color(score: f64, background: bool) -> String {
    let (mut saturation, value) = if background { (0.1, 0.93) } else { (1.0, 0.7) };
    // A NaN score (a zero cum over a zero total) stays NaN, as in pprof:
    // its green channel becomes 0 (Go's and Rust's casts of NaN to a byte).
    let mut score = score.clamp(-1.0, 1.0);
    if score.abs() < 0.2 {
        saturation *= score.abs() / 0.2;
    }
    // pprof's shift of 0.7: scores move away from grey by a power of 0.3.
    if score > 0.0 {
        score = score.powf(0.3);
    }
    if score < 0.0 {
        score = -(-score).powf(0.3);
    }
    let (r, g) = if score < 0.0 {
        (value * (1.0 + saturation * score), value)
    } else {
        (value, value * (1.0 - saturation * score))
    };
    let b = value * (1.0 - saturation);
    let byte = |x: f64| (x * 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b))
}

/// pprof's `SortTags`: by cum (unless `flat`), then flat, both by size,
/// then name.
fn sort_label_weights(tags: &mut [LabelWeight], flat: bool) {
    tags.sort_by(|a, b| {
        if !flat && a.cum != b.cum {
            return b.cum.unsigned_abs().cmp(&a.cum.unsigned_abs());
        }
        if a.flat != b.flat {
            return b.flat.unsigned_abs().cmp(&a.flat.unsigned_abs());
        }
        a.name.cmp(&b.name)
    });
}

/// The nodelets of one node, as pprof's `addNodelets`: inner nodes (with
/// callees) show flat tag values, leaves cum values.
fn nodelets(
    tags: &NodeLabels,
    id: usize,
    has_out: bool,
    fmt: &dyn Fn(i64) -> String,
) -> Vec<Nodelet> {
    let flat_tags = has_out;
    let mut out = Vec::new();
    let mut labels = tags.labels.clone();
    sort_label_weights(&mut labels, flat_tags);
    labels.truncate(MAX_NODELETS);
    for (i, t) in labels.iter().enumerate() {
        let w = if flat_tags {
            t.flat_value()
        } else {
            t.cum_value()
        };
        if w == 0 {
            continue;
        }
        let tag_id = format!("N{id}_{i}");
        out.push(Nodelet {
            id: tag_id.clone(),
            parent: format!("N{id}"),
            label: t.name.split('\n').map(str::to_string).collect(),
            weight: fmt(w),
            dotted: false,
        });
        if let Some((_, numeric)) = tags.numeric.iter().find(|(set, _)| *set == t.name) {
            numeric_nodelets(&mut out, numeric, flat_tags, &tag_id, fmt);
        }
    }
    if let Some((_, numeric)) = tags.numeric.iter().find(|(set, _)| set.is_empty()) {
        numeric_nodelets(&mut out, numeric, flat_tags, &format!("N{id}"), fmt);
    }
    out
}

fn numeric_nodelets(
    out: &mut Vec<Nodelet>,
    tags: &[LabelWeight],
    flat_tags: bool,
    source: &str,
    fmt: &dyn Fn(i64) -> String,
) {
    for (j, t) in collapsed_tags(tags, MAX_NODELETS, flat_tags)
        .iter()
        .enumerate()
    {
        let (w, dotted) = if flat_tags || t.flat_value() == t.cum_value() {
            (t.flat_value(), false)
        } else {
            (t.cum_value(), true)
        };
        if w != 0 {
            out.push(Nodelet {
                id: format!("N{source}_{j}"),
                parent: source.to_string(),
                label: vec![t.name.clone()],
                weight: fmt(w),
                dotted,
            });
        }
    }
}

/// pprof's `collapsedTags`: at most `count` numeric tags; the others join
/// the group of the nearest of the top `count`, labelled "min..max".
fn collapsed_tags(tags: &[LabelWeight], count: usize, flat: bool) -> Vec<LabelWeight> {
    let mut ts = tags.to_vec();
    sort_label_weights(&mut ts, flat);
    if ts.len() <= count {
        return ts;
    }
    let distance = |t: &LabelWeight, u: &LabelWeight| {
        let (v, _) = units::scale(u.value, &u.unit, &t.unit);
        (v - t.value as f64).abs()
    };
    let mut groups: Vec<Vec<&LabelWeight>> = ts[..count].iter().map(|t| vec![t]).collect();
    for t in &ts[count..] {
        let mut best = 0;
        let mut d = distance(t, groups[0][0]);
        for (i, g) in groups.iter().enumerate().skip(1) {
            let nd = distance(t, g[0]);
            if nd < d {
                best = i;
                d = nd;
            }
        }
        groups[best].push(t);
    }
    let label = |t: &LabelWeight| units::scaled_label(t.value, &t.unit, "auto");
    let mut out: Vec<LabelWeight> = groups
        .iter()
        .map(|g| {
            if g.len() == 1 {
                let t = g[0];
                return LabelWeight {
                    name: label(t),
                    flat: t.flat_value(),
                    cum: t.cum_value(),
                    flat_div: 0,
                    cum_div: 0,
                    ..t.clone()
                };
            }
            let (mut min, mut max) = (g[0], g[0]);
            let (mut flat, mut cum, mut flat_div, mut cum_div) = (0i64, 0i64, 0i64, 0i64);
            for (k, &t) in g.iter().enumerate() {
                if k > 0 {
                    if (units::scale(t.value, &t.unit, &min.unit).0 as i64) < min.value {
                        min = t;
                    }
                    if (units::scale(t.value, &t.unit, &max.unit).0 as i64) > max.value {
                        max = t;
                    }
                }
                flat = flat.wrapping_add(t.flat);
                cum = cum.wrapping_add(t.cum);
                flat_div = flat_div.wrapping_add(t.flat_div);
                cum_div = cum_div.wrapping_add(t.cum_div);
            }
            LabelWeight {
                name: format!("{}..{}", label(min), label(max)),
                unit: String::new(),
                value: 0,
                flat: super::prepare::mean(flat, flat_div),
                cum: super::prepare::mean(cum, cum_div),
                flat_div: 0,
                cum_div: 0,
            }
        })
        .collect();
    sort_label_weights(&mut out, flat);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{self, NamedProfile, Source};
    use crate::profile::graph::tests::profile;
    use crate::profile::graph::{Granularity, NodeOptions};
    use crate::report::Selection;

    fn drawing_of(loaded: &NamedProfile, selection: &Selection, opts: &GraphOptions) -> Drawing {
        let prep = Prepared::new(loaded, selection, &mut Vec::new()).unwrap();
        compute(&prep, opts).unwrap()
    }

    fn load(name: &str) -> NamedProfile {
        let path = format!("{}/testdata/profiles/{name}", env!("CARGO_MANIFEST_DIR"));
        let opts = input::ReadOptions {
            max_size: u64::MAX,
            fetch: Default::default(),
            symbolize: Default::default(),
            keep_allocator_frames: false,
        };
        input::load(&Source::parse(&path), &opts, &mut Vec::new()).unwrap()
    }

    #[test]
    fn builtin_layout_of_real_profiles_overlaps_nothing() {
        for name in ["inline.pb.gz", "recursion.pb.gz", "server.pb.gz"] {
            let loaded = load(name);
            for (sample, granularity, node_count) in [
                ("inuse_space", Granularity::Functions, 80),
                ("alloc_space", Granularity::Functions, 80),
                ("alloc_space", Granularity::Lines, 80),
                ("alloc_objects", Granularity::Functions, 0),
            ] {
                let selection = Selection {
                    sample_index: Some(sample.to_string()),
                    nodes: NodeOptions {
                        granularity,
                        ..Default::default()
                    },
                    ..Default::default()
                };
                let mut opts = GraphOptions::default();
                opts.trim.node_count = node_count;
                let d = drawing_of(&loaded, &selection, &opts);
                let out = svg::layout(&d);
                let mut boxes: Vec<(String, layout::Rect)> = Vec::new();
                for (i, r) in out.nodes.iter().enumerate() {
                    boxes.push((d.nodes[i].tooltip.clone(), *r));
                }
                for (i, a) in out.attachments.iter().enumerate() {
                    if let Some(r) = a {
                        boxes.push((format!("nodelets of {}", d.nodes[i].tooltip), *r));
                    }
                }
                for (k, e) in out.edges.iter().enumerate() {
                    if let Some(r) = e.label {
                        boxes.push((format!("label of {}", d.edges[k].tooltip), r));
                    }
                }
                assert!(boxes.len() > d.nodes.len(), "{name} {sample}");
                for (i, (a, ra)) in boxes.iter().enumerate() {
                    for (b, rb) in &boxes[i + 1..] {
                        assert!(!ra.overlaps(rb), "{name} {sample}: {a} overlaps {b}");
                    }
                }
            }
        }
    }

    #[test]
    fn names_are_escaped_in_dot_and_svg() {
        let weird = "main.<T>&\"q\"\\x";
        let loaded = NamedProfile {
            name: "weird".to_string(),
            profile: profile(&[(&[weird, "main.main"], 100)]),
        };
        let d = drawing_of(&loaded, &Selection::default(), &GraphOptions::default());
        let mut dot_text = Vec::new();
        dot::write(&mut dot_text, &d).unwrap();
        let dot_text = String::from_utf8(dot_text).unwrap();
        assert!(
            dot_text.contains(r#"label="main\n<T>&\"q\"\\x\n100B (100%)""#),
            "{dot_text}"
        );
        assert!(dot_text.contains(r#"tooltip="main.<T>&\"q\"\\x (100B)""#));

        let mut svg_text = Vec::new();
        svg::write(&mut svg_text, &d).unwrap();
        let mut reader = quick_xml::Reader::from_reader(svg_text.as_slice());
        let mut texts = Vec::new();
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf).expect("well-formed SVG") {
                quick_xml::events::Event::Text(t) => texts.push(t.decode().unwrap().into_owned()),
                quick_xml::events::Event::GeneralRef(r) => {
                    let resolved = match r.decode().unwrap().as_ref() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other}"),
                    };
                    if let Some(last) = texts.last_mut() {
                        last.push_str(resolved);
                    }
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        let joined = texts.concat();
        assert!(joined.contains("<T>&\"q\"\\x"), "{texts:?}");
    }

    #[test]
    fn function_names_are_shortened_as_pprof_does() {
        for (name, short) in [
            (
                "encoding/json.(*decodeState).value",
                "json.(*decodeState).value",
            ),
            ("main.main", "main.main"),
            ("github.com/x/y/v2/pkg.F", "pkg.F"),
            (
                "gopkg.in/yaml.v2.(*parser).parse",
                "yaml.v2.(*parser).parse",
            ),
            ("example.com/mod/v3.Run", "mod.Run"),
            ("java.lang.String.valueOf(int)", "String.valueOf"),
            ("std::vector<int>::push_back", "std::vector<int>::push_back"),
            ("(anonymous namespace)::Foo::bar", "Foo::bar"),
            ("ns::Foo::bar", "Foo::bar"),
        ] {
            assert_eq!(shorten_function_name(name), short, "{name}");
        }
    }

    #[test]
    fn colors_are_pprofs() {
        // Values from go tool pprof -dot on testdata/profiles/inline.pb.gz.
        assert_eq!(dot_color(85.75 / 87.03, false), "#b20000");
        assert_eq!(dot_color(60.16 / 87.03, true), "#edd7d5");
        assert_eq!(dot_color(0.0, false), "#b2b2b2");
        assert_eq!(dot_color(0.0, true), "#ededed");
        // 0 over a zero total, as pprof draws it (go tool pprof -dot -mean
        // -inuse_objects server.pb.gz, whose mean total is 0).
        assert_eq!(dot_color(f64::NAN, false), "#b20000");
        assert_eq!(dot_color(f64::NAN, true), "#ed00d5");
    }

    #[test]
    fn name_lines_split_packages_and_show_files() {
        let info = NodeInfo {
            name: "encoding/json.(*decodeState).value".to_string(),
            file: "/usr/lib/go/src/encoding/json/decode.go".to_string(),
            line: 12,
            ..Default::default()
        };
        assert_eq!(
            name_lines(&info),
            ["json", "(*decodeState)", "value", "decode.go:12"]
        );
        let generic = NodeInfo {
            name: "main.Map[...]".to_string(),
            ..Default::default()
        };
        assert_eq!(name_lines(&generic), ["main", "Map[…]"]);
        let binary = NodeInfo {
            objfile: "/usr/bin/prog".to_string(),
            ..Default::default()
        };
        assert_eq!(name_lines(&binary), ["[prog]"]);
    }
}
