//! A layered ("Sugiyama") layout of a call graph, so an SVG can be drawn
//! without Graphviz: callers above callees, every box and edge label given
//! its own room so nothing overlaps.
//!
//! Steps: break cycles (a depth-first search reverses back edges); rank
//! nodes by longest path, sources pulled down next to their first callee;
//! give every rank a second, in-between layer for edge labels and the boxes
//! hanging under a node, and chain long edges through one dummy per layer;
//! order each layer by barycentres, keeping the order with the fewest
//! crossings; place boxes horizontally by repeatedly moving each layer
//! towards its neighbours as far as the spacing allows (a weighted
//! isotonic regression per layer); route edges through their dummies.

/// Width and height.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Size {
    pub w: f64,
    pub h: f64,
}

/// A placed box: top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    pub fn center_x(&self) -> f64 {
        self.x + self.w / 2.0
    }

    /// Whether two boxes share any area.
    #[cfg(test)]
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
}

/// An edge to lay out.
#[derive(Debug, Clone)]
pub struct EdgeIn {
    pub from: usize,
    pub to: usize,
    /// How much it matters that the edge is short and straight (≥ 1).
    pub weight: f64,
    /// Room for its label.
    pub label: Option<Size>,
}

/// What to lay out.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub nodes: Vec<Size>,
    /// A block that hangs under each node (its nodelets), if any.
    pub attachments: Vec<Option<Size>>,
    pub edges: Vec<EdgeIn>,
}

/// A laid-out edge.
#[derive(Debug, Clone)]
pub struct EdgeOut {
    /// From the caller's box to the callee's box. Consecutive points with
    /// the same x are joined by a straight line, others by a curve that
    /// leaves and arrives vertically.
    pub points: Vec<(f64, f64)>,
    /// Where its label goes.
    pub label: Option<Rect>,
}

/// The layout: every box, block and edge, and the size of the whole.
#[derive(Debug, Clone)]
pub struct Output {
    pub nodes: Vec<Rect>,
    pub attachments: Vec<Option<Rect>>,
    pub edges: Vec<EdgeOut>,
    pub width: f64,
    pub height: f64,
}

/// Vertical space between layers.
pub const LAYER_GAP: f64 = 24.0;
/// Horizontal space around boxes and around edge dummies.
const NODE_GAP: f64 = 14.0;
const DUMMY_GAP: f64 = 6.0;
/// Width an edge takes where it passes a layer.
const DUMMY_WIDTH: f64 = 4.0;
/// An edge passes its label this far from the label's left side.
pub const LABEL_INSET: f64 = 4.0;
/// Space between the edge and its label text.
const LABEL_PAD: f64 = 6.0;
/// Most room between two edges leaving or entering a box side by side.
const PORT_SPACING: f64 = 16.0;
/// Barycentre sweeps, and placement sweeps.
const ORDER_SWEEPS: usize = 24;
const PLACE_SWEEPS: usize = 40;
/// Items and links visited by all the sweeps of one kind together, at most:
/// a huge graph (`-nodecount=0` on a profile of a million functions) gets
/// fewer sweeps, at least [`MIN_SWEEPS`], so its layout takes time in
/// proportion to its size. Graphs of up to about 40,000 items and links
/// (nodes, edge bends) get them all; the 80 lines of a 300,000-stack
/// profile, whose long edges bend 90,000 times, get 5 (80 ms, not 320 ms,
/// with no more crossings to the eye: later sweeps gain little).
const SWEEP_WORK: usize = 1_000_000;
const MIN_SWEEPS: usize = 2;

/// How many of `max` sweeps over `size` items and links fit [`SWEEP_WORK`].
fn sweeps(max: usize, size: usize) -> usize {
    (SWEEP_WORK / size.max(1)).clamp(MIN_SWEEPS, max)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Node,
    Attachment,
    /// A point an edge passes; `label` when the edge's label sits there.
    Dummy {
        label: bool,
    },
}

#[derive(Debug, Clone)]
struct Item {
    kind: Kind,
    layer: usize,
    w: f64,
    h: f64,
    /// Centre.
    x: f64,
}

impl Item {
    fn gap(&self) -> f64 {
        match self.kind {
            Kind::Dummy { label: false } => DUMMY_GAP,
            _ => NODE_GAP,
        }
    }
}

/// A link between items of adjacent layers, upper first.
#[derive(Debug, Clone, Copy)]
struct Link {
    upper: usize,
    lower: usize,
    weight: f64,
}

/// Lays out the graph.
pub fn layout(input: &Input) -> Output {
    let n = input.nodes.len();
    let reversed = break_cycles(n, &input.edges);
    let ranks = rank(n, &input.edges, &reversed);
    let layer_count = ranks.iter().map(|&r| 2 * r + 2).max().unwrap_or(0);

    // Items: nodes, attachments, then the dummies of each edge.
    let mut items: Vec<Item> = Vec::new();
    let mut links: Vec<Link> = Vec::new();
    for (size, &r) in input.nodes.iter().zip(&ranks) {
        items.push(Item {
            kind: Kind::Node,
            layer: 2 * r,
            w: size.w,
            h: size.h,
            x: 0.0,
        });
    }
    let mut attachment_item = vec![None; n];
    for (i, a) in input.attachments.iter().enumerate() {
        if let Some(size) = a {
            attachment_item[i] = Some(items.len());
            links.push(Link {
                upper: i,
                lower: items.len(),
                weight: 8.0,
            });
            items.push(Item {
                kind: Kind::Attachment,
                layer: 2 * ranks[i] + 1,
                w: size.w,
                h: size.h,
                x: 0.0,
            });
        }
    }
    // Per edge: the items it passes, top to bottom, endpoints included.
    // Edges longer than `max_span` ranks get only their label's dummy (under
    // the caller) and then run straight to the callee.
    let max_span = max_routed_span(&input.edges, &reversed, &ranks);
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(input.edges.len());
    let mut label_item: Vec<Option<usize>> = Vec::with_capacity(input.edges.len());
    for (k, e) in input.edges.iter().enumerate() {
        let (top, bottom) = if reversed[k] {
            (e.to, e.from)
        } else {
            (e.from, e.to)
        };
        let (a, b) = (2 * ranks[top], 2 * ranks[bottom]);
        let routed = ranks[bottom] - ranks[top] <= max_span;
        let mut chain = vec![top];
        // Odd layers between the two ranks; the label takes the middle one.
        let odd: Vec<usize> = (a + 1..b).filter(|l| l % 2 == 1).collect();
        let label_layer = if routed {
            odd.get(odd.len().saturating_sub(1) / 2).copied()
        } else {
            Some(a + 1)
        };
        let last = if routed { b } else { a + 2 };
        let mut label_at = None;
        for layer in a + 1..last {
            let is_label = Some(layer) == label_layer && e.label.is_some();
            let (w, h) = match (is_label, e.label) {
                (true, Some(s)) => (LABEL_INSET + LABEL_PAD + s.w, s.h),
                _ => (DUMMY_WIDTH, 0.0),
            };
            if is_label {
                label_at = Some(items.len());
            }
            chain.push(items.len());
            items.push(Item {
                kind: Kind::Dummy { label: is_label },
                layer,
                w,
                h,
                x: 0.0,
            });
        }
        chain.push(bottom);
        let weight = e.weight.max(1.0);
        for pair in chain.windows(2) {
            if items[pair[1]].layer != items[pair[0]].layer + 1 {
                continue;
            }
            let dummies = pair.iter().filter(|&&i| i >= n).count();
            let omega = [1.0, 2.0, 8.0][dummies];
            links.push(Link {
                upper: pair[0],
                lower: pair[1],
                weight: omega * weight,
            });
        }
        chains.push(chain);
        label_item.push(label_at);
    }

    let mut ups: Vec<Vec<(usize, f64)>> = vec![Vec::new(); items.len()];
    let mut downs: Vec<Vec<(usize, f64)>> = vec![Vec::new(); items.len()];
    for l in &links {
        downs[l.upper].push((l.lower, l.weight));
        ups[l.lower].push((l.upper, l.weight));
    }

    let mut layers = initial_order(n, &items, &chains, &attachment_item, layer_count);
    order(&mut layers, &items, &ups, &downs);
    place(&mut items, &layers, &ups, &downs);

    // Vertical bands.
    let mut band_top = vec![0.0; layer_count];
    let mut band_h = vec![0.0f64; layer_count];
    for it in &items {
        band_h[it.layer] = band_h[it.layer].max(it.h);
    }
    let mut y = 0.0;
    for l in 0..layer_count {
        band_top[l] = y;
        y += band_h[l] + LAYER_GAP;
    }
    let height = (y - LAYER_GAP).max(0.0);
    let min_x = items
        .iter()
        .map(|it| it.x - it.w / 2.0)
        .fold(f64::INFINITY, f64::min);
    let shift = if min_x.is_finite() { -min_x } else { 0.0 };
    for it in &mut items {
        it.x += shift;
    }
    let width = items.iter().map(|it| it.x + it.w / 2.0).fold(0.0, f64::max);

    let rect = |it: &Item, top_aligned: bool| {
        let top = band_top[it.layer];
        let y = if top_aligned {
            top
        } else {
            top + (band_h[it.layer] - it.h) / 2.0
        };
        Rect {
            x: it.x - it.w / 2.0,
            y,
            w: it.w,
            h: it.h,
        }
    };
    let nodes: Vec<Rect> = (0..n).map(|i| rect(&items[i], false)).collect();
    let attachments = attachment_item
        .iter()
        .map(|a| a.map(|i| rect(&items[i], true)))
        .collect();

    // Ports: where edges leave the bottom and enter the top of a node,
    // spread in the order of where they go.
    let mut bottom_ports: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n];
    let mut top_ports: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n];
    let pass_x = |i: usize| {
        let it = &items[i];
        match it.kind {
            Kind::Dummy { label: true } => it.x - it.w / 2.0 + LABEL_INSET,
            _ => it.x,
        }
    };
    for (k, chain) in chains.iter().enumerate() {
        let (top, bottom) = (chain[0], chain[chain.len() - 1]);
        bottom_ports[top].push((pass_x(chain[1]), k));
        top_ports[bottom].push((pass_x(chain[chain.len() - 2]), k));
    }
    let spread = |ports: &mut Vec<(f64, usize)>, r: &Rect| -> Vec<(usize, f64)> {
        ports.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let m = ports.len() as f64;
        // Spread over most of the box, but not further apart than needed.
        let usable = (r.w * 0.8).min(PORT_SPACING * (m - 1.0));
        ports
            .iter()
            .enumerate()
            .map(|(j, &(_, k))| {
                let x = if ports.len() == 1 {
                    r.center_x()
                } else {
                    r.center_x() - usable / 2.0 + usable * j as f64 / (m - 1.0)
                };
                (k, x)
            })
            .collect()
    };
    let mut start_x = vec![0.0; chains.len()];
    let mut end_x = vec![0.0; chains.len()];
    for i in 0..n {
        for (k, x) in spread(&mut bottom_ports[i], &nodes[i]) {
            start_x[k] = x;
        }
        for (k, x) in spread(&mut top_ports[i], &nodes[i]) {
            end_x[k] = x;
        }
    }

    let edges = chains
        .iter()
        .enumerate()
        .map(|(k, chain)| {
            let (top, bottom) = (chain[0], chain[chain.len() - 1]);
            // Straight down to the bottom of the caller's band, through
            // each dummy's band, straight into the callee: curves stay in
            // the gaps between bands, where no box is.
            let mut points = vec![(start_x[k], nodes[top].bottom())];
            let below = band_top[items[top].layer] + band_h[items[top].layer];
            if below > nodes[top].bottom() {
                points.push((start_x[k], below));
            }
            for &d in &chain[1..chain.len() - 1] {
                let l = items[d].layer;
                let x = pass_x(d);
                points.push((x, band_top[l]));
                points.push((x, band_top[l] + band_h[l]));
            }
            let above = band_top[items[bottom].layer];
            if above < nodes[bottom].y {
                points.push((end_x[k], above));
            }
            points.push((end_x[k], nodes[bottom].y));
            if reversed[k] {
                points.reverse();
            }
            let label = label_item[k].map(|i| {
                let it = &items[i];
                let r = rect(it, false);
                Rect {
                    x: r.x + LABEL_INSET + LABEL_PAD,
                    w: r.w - LABEL_INSET - LABEL_PAD,
                    ..r
                }
            });
            EdgeOut { points, label }
        })
        .collect();

    Output {
        nodes,
        attachments,
        edges,
        width,
        height,
    }
}

/// Most dummies the layout makes; past this, the longest edges are not
/// routed around boxes (huge graphs stay quick to lay out).
const MAX_DUMMIES: usize = 100_000;

/// The longest span (in ranks) of an edge routed through one dummy per
/// layer, so that all the dummies stay within [`MAX_DUMMIES`].
fn max_routed_span(edges: &[EdgeIn], reversed: &[bool], ranks: &[usize]) -> usize {
    let mut spans: Vec<usize> = edges
        .iter()
        .zip(reversed)
        .map(|(e, &r)| {
            let (top, bottom) = if r { (e.to, e.from) } else { (e.from, e.to) };
            ranks[bottom].saturating_sub(ranks[top])
        })
        .collect();
    let full: usize = spans.iter().map(|&s| (2 * s).saturating_sub(1)).sum();
    if full <= MAX_DUMMIES {
        return usize::MAX;
    }
    spans.sort_unstable();
    // Route every edge of span ≤ s; each other edge costs one dummy.
    let mut limit = 0;
    let mut routed = 0usize;
    let mut i = 0;
    while i < spans.len() {
        let s = spans[i];
        let group = spans[i..].iter().take_while(|&&x| x == s).count();
        let cost = routed + group * (2 * s).saturating_sub(1) + (spans.len() - i - group);
        if cost > MAX_DUMMIES {
            break;
        }
        routed += group * (2 * s).saturating_sub(1);
        limit = s;
        i += group;
    }
    limit
}

/// How many points edges pass between ranks once the graph is layered
/// (cycles broken, nodes ranked as [`layout`] ranks them): the sum over edges
/// of their span in ranks, less one. Long edges through many ranks are what
/// makes a layered layout slow (Graphviz's crossing minimisation above all).
pub fn bends(n: usize, edges: &[EdgeIn]) -> usize {
    let reversed = break_cycles(n, edges);
    let ranks = rank(n, edges, &reversed);
    edges
        .iter()
        .map(|e| ranks[e.from].abs_diff(ranks[e.to]).saturating_sub(1))
        .fold(0usize, usize::saturating_add)
}

/// Marks the edges to reverse so that the graph has no cycles: back edges
/// of a depth-first search from the sources (in node order), then from any
/// node not yet reached.
fn break_cycles(n: usize, edges: &[EdgeIn]) -> Vec<bool> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut has_in = vec![false; n];
    for (k, e) in edges.iter().enumerate() {
        out[e.from].push(k);
        has_in[e.to] = true;
    }
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state = vec![0u8; n];
    let mut reversed = vec![false; edges.len()];
    let starts: Vec<usize> = (0..n).filter(|&i| !has_in[i]).chain(0..n).collect();
    for s in starts {
        if state[s] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(s, 0)];
        state[s] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if let Some(&k) = out[v].get(*next) {
                *next += 1;
                let w = edges[k].to;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[k] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// Ranks of the nodes: longest path from the sources, each edge one rank
/// down at least; sources then move down to just above their highest
/// callee.
fn rank(n: usize, edges: &[EdgeIn], reversed: &[bool]) -> Vec<usize> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for (k, e) in edges.iter().enumerate() {
        let (a, b) = if reversed[k] {
            (e.to, e.from)
        } else {
            (e.from, e.to)
        };
        if a == b {
            continue;
        }
        out[a].push(b);
        indegree[b] += 1;
    }
    let mut ranks = vec![0usize; n];
    let mut queue: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut remaining = indegree.clone();
    let mut head = 0;
    while head < queue.len() {
        let v = queue[head];
        head += 1;
        for &w in &out[v] {
            ranks[w] = ranks[w].max(ranks[v] + 1);
            remaining[w] -= 1;
            if remaining[w] == 0 {
                queue.push(w);
            }
        }
    }
    for v in 0..n {
        if indegree[v] == 0 {
            if let Some(lowest) = out[v].iter().map(|&w| ranks[w]).min() {
                ranks[v] = lowest.saturating_sub(1).max(ranks[v]);
            }
        }
    }
    ranks
}

/// A first order of each layer: items as a depth-first walk from the
/// sources meets them, so that connected items start out close.
fn initial_order(
    n: usize,
    items: &[Item],
    chains: &[Vec<usize>],
    attachment_item: &[Option<usize>],
    layer_count: usize,
) -> Vec<Vec<usize>> {
    let mut down_chains: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut has_in = vec![false; n];
    for (k, chain) in chains.iter().enumerate() {
        down_chains[chain[0]].push(k);
        has_in[chain[chain.len() - 1]] = true;
    }
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
    let mut placed = vec![false; items.len()];
    let mut place = |i: usize, layers: &mut Vec<Vec<usize>>| {
        if !placed[i] {
            placed[i] = true;
            layers[items[i].layer].push(i);
        }
    };
    let starts: Vec<usize> = (0..n).filter(|&i| !has_in[i]).chain(0..n).collect();
    let mut visited = vec![false; n];
    for s in starts {
        if visited[s] {
            continue;
        }
        let mut stack = vec![s];
        while let Some(v) = stack.pop() {
            if visited[v] {
                continue;
            }
            visited[v] = true;
            place(v, &mut layers);
            if let Some(a) = attachment_item[v] {
                place(a, &mut layers);
            }
            // Push in reverse so the first edge is walked first.
            for &k in down_chains[v].iter().rev() {
                let chain = &chains[k];
                for &d in &chain[1..chain.len() - 1] {
                    place(d, &mut layers);
                }
                stack.push(chain[chain.len() - 1]);
            }
        }
    }
    for i in 0..items.len() {
        place(i, &mut layers);
    }
    layers
}

/// Reorders layers by barycentres, sweeping down and up, and keeps the
/// order with the fewest crossings.
fn order(
    layers: &mut [Vec<usize>],
    items: &[Item],
    ups: &[Vec<(usize, f64)>],
    downs: &[Vec<(usize, f64)>],
) {
    let mut pos = vec![0usize; items.len()];
    let index = |layers: &[Vec<usize>], pos: &mut [usize]| {
        for layer in layers {
            for (j, &i) in layer.iter().enumerate() {
                pos[i] = j;
            }
        }
    };
    index(layers, &mut pos);
    let mut best = layers.to_vec();
    let mut best_crossings = crossings(layers, &pos, downs);
    let links: usize = downs.iter().map(Vec::len).sum();
    for sweep in 0..sweeps(ORDER_SWEEPS, items.len() + links) {
        let downward = sweep % 2 == 0;
        let order: Vec<usize> = if downward {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for l in order {
            let neighbours = if downward { ups } else { downs };
            let mut keyed: Vec<(f64, usize, usize)> = layers[l]
                .iter()
                .enumerate()
                .map(|(j, &i)| {
                    let ns = &neighbours[i];
                    let key = if ns.is_empty() {
                        j as f64
                    } else {
                        let total: f64 = ns.iter().map(|&(_, w)| w).sum();
                        ns.iter().map(|&(o, w)| pos[o] as f64 * w).sum::<f64>() / total
                    };
                    (key, j, i)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            layers[l] = keyed.into_iter().map(|(_, _, i)| i).collect();
            for (j, &i) in layers[l].iter().enumerate() {
                pos[i] = j;
            }
        }
        let c = crossings(layers, &pos, downs);
        if c < best_crossings {
            best_crossings = c;
            best = layers.to_vec();
        }
        if best_crossings == 0 {
            break;
        }
    }
    layers.clone_from_slice(&best);
}

/// Number of crossings between every pair of adjacent layers.
fn crossings(layers: &[Vec<usize>], pos: &[usize], downs: &[Vec<(usize, f64)>]) -> u64 {
    let mut total = 0u64;
    for l in 0..layers.len().saturating_sub(1) {
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for &i in &layers[l] {
            for &(o, _) in &downs[i] {
                pairs.push((pos[i], pos[o]));
            }
        }
        pairs.sort_unstable();
        // Inversions among the lower positions, with a Fenwick tree.
        let size = layers[l + 1].len() + 1;
        let mut tree = vec![0u64; size + 1];
        for (seen, &(_, lower)) in pairs.iter().enumerate() {
            let mut not_greater = 0u64;
            let mut k = lower + 1;
            while k > 0 {
                not_greater += tree[k];
                k &= k - 1;
            }
            total += seen as u64 - not_greater;
            let mut k = lower + 1;
            while k <= size {
                tree[k] += 1;
                k += k & k.wrapping_neg();
            }
        }
    }
    total
}

/// Horizontal placement: pack each layer, then repeatedly move each layer
/// as close to its neighbours' positions as its spacing allows.
fn place(
    items: &mut [Item],
    layers: &[Vec<usize>],
    ups: &[Vec<(usize, f64)>],
    downs: &[Vec<(usize, f64)>],
) {
    for layer in layers {
        let mut x = 0.0;
        let mut prev: Option<usize> = None;
        for &i in layer {
            if let Some(p) = prev {
                x += separation(&items[p], &items[i]);
            }
            items[i].x = x;
            prev = Some(i);
        }
    }
    let links: usize = downs.iter().map(Vec::len).sum();
    for sweep in 0..sweeps(PLACE_SWEEPS, items.len() + links) {
        let downward = sweep % 2 == 0;
        let order: Vec<usize> = if downward {
            (0..layers.len()).collect()
        } else {
            (0..layers.len()).rev().collect()
        };
        for l in order {
            let layer = &layers[l];
            if layer.is_empty() {
                continue;
            }
            let targets: Vec<(f64, f64)> = layer
                .iter()
                .map(|&i| {
                    let mut sum = 0.0;
                    let mut weight = 0.0;
                    for &(o, w) in ups[i].iter().chain(&downs[i]) {
                        sum += items[o].x * w;
                        weight += w;
                    }
                    if weight == 0.0 {
                        // Nothing pulls it: stay, yielding to the others.
                        (items[i].x, 1e-3)
                    } else {
                        (sum / weight, weight)
                    }
                })
                .collect();
            let seps: Vec<f64> = layer
                .windows(2)
                .map(|p| separation(&items[p[0]], &items[p[1]]))
                .collect();
            let xs = constrained_fit(&targets, &seps);
            for (&i, x) in layer.iter().zip(xs) {
                items[i].x = x;
            }
        }
    }
}

/// Least space between the centres of two neighbours in a layer.
fn separation(a: &Item, b: &Item) -> f64 {
    a.w / 2.0 + b.w / 2.0 + (a.gap() + b.gap()) / 2.0
}

/// Positions x₀ < x₁ < … closest (in weighted least squares) to the
/// targets, with x_{i+1} − x_i ≥ seps[i]: an isotonic regression of the
/// targets shifted by the cumulative spacing (pool adjacent violators).
fn constrained_fit(targets: &[(f64, f64)], seps: &[f64]) -> Vec<f64> {
    let mut offsets = Vec::with_capacity(targets.len());
    let mut c = 0.0;
    for i in 0..targets.len() {
        if i > 0 {
            c += seps[i - 1];
        }
        offsets.push(c);
    }
    // Blocks of (weighted mean, total weight, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for (i, &(t, w)) in targets.iter().enumerate() {
        blocks.push((t - offsets[i], w, 1));
        while blocks.len() > 1 {
            let (m2, w2, n2) = blocks[blocks.len() - 1];
            let (m1, w1, n1) = blocks[blocks.len() - 2];
            if m1 <= m2 {
                break;
            }
            blocks.truncate(blocks.len() - 2);
            blocks.push(((m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2));
        }
    }
    let mut out = Vec::with_capacity(targets.len());
    for (m, _, count) in blocks {
        for _ in 0..count {
            out.push(m + offsets[out.len()]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(w: f64, h: f64) -> Size {
        Size { w, h }
    }

    fn edge(from: usize, to: usize) -> EdgeIn {
        EdgeIn {
            from,
            to,
            weight: 1.0,
            label: Some(size(30.0, 12.0)),
        }
    }

    fn no_overlaps(out: &Output) {
        let mut boxes: Vec<Rect> = out.nodes.clone();
        boxes.extend(out.attachments.iter().flatten());
        boxes.extend(out.edges.iter().filter_map(|e| e.label));
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn callers_are_above_callees_and_nothing_overlaps() {
        // main → a, b; a → c; b → c; c → a (a cycle); d alone.
        let input = Input {
            nodes: vec![size(80.0, 30.0); 5],
            attachments: vec![None, Some(size(60.0, 20.0)), None, None, None],
            edges: vec![edge(0, 1), edge(0, 2), edge(1, 3), edge(2, 3), edge(3, 1)],
        };
        let out = layout(&input);
        assert!(out.nodes[0].bottom() <= out.nodes[1].y);
        assert!(out.nodes[0].bottom() <= out.nodes[2].y);
        assert!(out.nodes[1].bottom() <= out.nodes[3].y);
        no_overlaps(&out);
        // The back edge c → a runs upwards: it starts below where it ends.
        let back = &out.edges[4].points;
        assert!(back[0].1 > back[back.len() - 1].1);
        // Every edge starts on its caller's box and ends on its callee's.
        for (e, o) in input.edges.iter().zip(&out.edges) {
            let (first, last) = (o.points[0], o.points[o.points.len() - 1]);
            let on = |r: &Rect, p: (f64, f64)| {
                p.0 >= r.x - 1e-6
                    && p.0 <= r.x + r.w + 1e-6
                    && ((p.1 - r.y).abs() < 1e-6 || (p.1 - r.bottom()).abs() < 1e-6)
            };
            assert!(on(&out.nodes[e.from], first), "{e:?} {first:?}");
            assert!(on(&out.nodes[e.to], last), "{e:?} {last:?}");
        }
    }

    #[test]
    fn a_wide_fan_out_keeps_its_boxes_apart() {
        let mut input = Input {
            nodes: vec![size(120.0, 40.0)],
            attachments: vec![None],
            edges: Vec::new(),
        };
        for i in 1..30 {
            input.nodes.push(size(50.0 + i as f64, 25.0));
            input.attachments.push(None);
            input.edges.push(edge(0, i));
            if i > 1 {
                input.edges.push(edge(i - 1, i));
            }
        }
        no_overlaps(&layout(&input));
    }

    #[test]
    fn constrained_fit_respects_spacing() {
        let xs = constrained_fit(&[(0.0, 1.0), (0.0, 1.0), (10.0, 1.0)], &[4.0, 4.0]);
        assert_eq!(xs, [-2.0, 2.0, 10.0]);
        let xs = constrained_fit(&[(5.0, 1.0), (0.0, 3.0)], &[2.0]);
        assert!((xs[1] - xs[0] - 2.0).abs() < 1e-9);
    }

    #[test]
    fn crossings_are_counted() {
        // Two layers, edges 0→1' and 1→0': one crossing.
        let items = vec![
            Item {
                kind: Kind::Node,
                layer: 0,
                w: 1.0,
                h: 1.0,
                x: 0.0,
            };
            4
        ];
        let layers = vec![vec![0, 1], vec![2, 3]];
        let pos = vec![0, 1, 0, 1];
        let mut downs = vec![Vec::new(); items.len()];
        downs[0].push((3, 1.0));
        downs[1].push((2, 1.0));
        assert_eq!(crossings(&layers, &pos, &downs), 1);
        downs[0] = vec![(2, 1.0)];
        downs[1] = vec![(3, 1.0)];
        assert_eq!(crossings(&layers, &pos, &downs), 0);
    }

    #[test]
    fn empty_graph() {
        let out = layout(&Input::default());
        assert!(out.nodes.is_empty());
        assert_eq!(out.width, 0.0);
    }
}
