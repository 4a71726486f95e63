//! The call graph: nodes at a chosen granularity (functions, files, lines),
//! their flat and cum values, caller→callee edges, and pprof's trimming
//! (node fraction, node count, edge fraction) with its exact rules.
//!
//! The hot loop walks every frame of every sample once per pass. Frames map
//! to nodes through a dense table built once per location line, so a pass
//! does array indexing only: a per-node "seen in this sample" stamp replaces
//! a set, and hashing happens only for edges, and only when a report asks for
//! them.

use std::fmt;

use rustc_hash::FxHashMap;

use super::filter::View;
use super::{Frame, FrameVec, FramesPass, LocationIndex, Profile};
use crate::support::id::dense_id;
use crate::support::parallel;
use crate::support::paths::{go_base, go_clean, trim_path};

/// "No entry" in a node table's keys: no function key, no object file.
const NO_KEY: u32 = u32::MAX;

dense_id! {
    /// A node's position in a [`NodeTable`] and in a [`Graph`]'s per-node
    /// arrays, or `NONE`.
    pub struct NodeIndex(NONE);
}

/// How frames are grouped into nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Granularity {
    #[default]
    Functions,
    Files,
    Lines,
    /// A node per location address and line, as pprof's `-addresses`.
    Addresses,
}

impl Granularity {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "functions" => Some(Granularity::Functions),
            "files" => Some(Granularity::Files),
            "lines" => Some(Granularity::Lines),
            "addresses" => Some(Granularity::Addresses),
            _ => None,
        }
    }
}

/// What a node stands for, as pprof's `NodeInfo`: the fields not used by the
/// granularity are empty or zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NodeInfo {
    pub name: String,
    /// The location's address, with `-addresses` only.
    pub address: u64,
    pub file: String,
    pub line: i64,
    /// Set only for nodes without a function name (pprof keys those by
    /// the function's start line and the binary).
    pub start_line: i64,
    pub objfile: String,
}

impl NodeInfo {
    /// The name pprof prints: `func`, `func file:line`, `file`, `[binary]`
    /// or `<unknown>`.
    pub fn printable_name(&self) -> String {
        let mut out = String::new();
        let mut part = |text: &str| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(text);
        };
        if self.address != 0 {
            part(&format!("{:016x}", self.address));
        }
        if !self.name.is_empty() {
            part(&self.name);
        }
        if self.line != 0 {
            part(&format!("{}:{}", self.file, self.line));
        } else if !self.file.is_empty() {
            part(&self.file);
        } else if !self.name.is_empty() {
        } else if !self.objfile.is_empty() {
            part(&format!("[{}]", go_base(&self.objfile)));
        } else {
            part("<unknown>");
        }
        out
    }

    /// Go's `fmt.Sprint` of pprof's NodeInfo, its last tie-breaker in sorts.
    pub(crate) fn go_sprint(&self) -> String {
        format!(
            "{{{}  {} {} {} {} {}}}",
            self.name, self.address, self.file, self.start_line, self.line, self.objfile
        )
    }
}

/// Options that decide what a node is.
#[derive(Debug, Clone, Default)]
pub struct NodeOptions {
    pub granularity: Granularity,
    /// Prefixes stripped from recorded file paths (`-trim_path`).
    pub trim_path: Vec<String>,
    /// Key every node also by its binary and its function's start line, as
    /// pprof does for source listings (`list`).
    pub object_names: bool,
    /// Leave out of the graph every node whose flat is negative, or whose
    /// flat is zero and cum negative (pprof's `-drop_negative`).
    pub drop_negative: bool,
}

/// The nodes of one (profile, filter, granularity), and for every location
/// the nodes of its visible lines, outermost first.
#[derive(Debug, Clone)]
pub struct NodeTable {
    pub infos: Vec<NodeInfo>,
    /// Printable names, parallel to `infos`.
    pub names: Vec<String>,
    /// Per location, `slots[slot_starts[l]..slot_starts[l+1]]`.
    slot_starts: Vec<u32>,
    slots: Vec<NodeIndex>,
    /// [`NodeOptions::drop_negative`].
    pub drop_negative: bool,
}

impl NodeTable {
    /// Builds the node table; this interns each distinct location line once,
    /// and copies a string only into the node it names.
    pub fn new(p: &Profile, view: &View, opts: &NodeOptions) -> Self {
        let g = opts.granularity;
        // Cleaned file names, once per distinct recorded one (0 is "").
        let mut files: Vec<String> = vec![String::new()];
        let mut file_ids: FxHashMap<&str, u32> = FxHashMap::default();
        // Per-function part of the key (name, file, start line), computed
        // once per function.
        let mut func_keys: FxHashMap<(&str, u32, i64), u32> = FxHashMap::default();
        let mut func_key_of = Vec::with_capacity(p.functions.len());
        let mut func_parts: Vec<(&str, u32, i64)> = Vec::new();
        for f in &p.functions {
            let name = if g == Granularity::Files {
                ""
            } else {
                p.str(f.name)
            };
            let file = match (g, p.str(f.filename)) {
                (Granularity::Functions, _) | (_, "") => 0,
                (_, raw) => {
                    let next = files.len() as u32;
                    *file_ids.entry(raw).or_insert_with(|| {
                        files.push(go_clean(&trim_path(raw, &opts.trim_path)));
                        next
                    })
                }
            };
            let start_line = if name.is_empty() || opts.object_names {
                f.start_line
            } else {
                0
            };
            let key = (name, file, start_line);
            let next = func_keys.len() as u32;
            let id = *func_keys.entry(key).or_insert_with(|| {
                func_parts.push(key);
                next
            });
            func_key_of.push(id);
        }
        drop(func_keys);
        // Binaries, interned by file name, for nodes without a function name.
        let mut objfiles: FxHashMap<&str, u32> = FxHashMap::default();
        let mut objfile_names: Vec<String> = Vec::new();
        let objfile_of: Vec<u32> = p
            .mappings
            .iter()
            .map(|m| {
                let file = p.str(m.file);
                let next = objfile_names.len() as u32;
                *objfiles.entry(file).or_insert_with(|| {
                    objfile_names.push(file.to_string());
                    next
                })
            })
            .collect();

        let mut nodes: FxHashMap<(u32, i64, u32, u64), NodeIndex> = FxHashMap::default();
        let mut infos: Vec<NodeInfo> = Vec::new();
        let mut slot_starts = Vec::with_capacity(p.locations.len() + 1);
        let mut slots = Vec::with_capacity(p.lines.len() + 16);
        slot_starts.push(0);
        for (li, loc) in p.locations.iter().enumerate() {
            let hidden = view.hidden_locations.as_ref().is_some_and(|h| h[li]);
            let objfile = match loc.mapping.to_option() {
                None => NO_KEY,
                Some(m) => objfile_of[m.index()],
            };
            let address = if g == Granularity::Addresses {
                loc.address
            } else {
                0
            };
            let mut intern = |func_key: u32, line: i64| -> NodeIndex {
                let named = func_key != NO_KEY && !func_parts[func_key as usize].0.is_empty();
                let obj = if named && !opts.object_names {
                    NO_KEY
                } else {
                    objfile
                };
                let next = NodeIndex::from_index(infos.len());
                *nodes
                    .entry((func_key, line, obj, address))
                    .or_insert_with(|| {
                        let (name, file, start_line) = match func_key {
                            NO_KEY => ("", 0, 0),
                            k => func_parts[k as usize],
                        };
                        infos.push(NodeInfo {
                            name: name.to_string(),
                            address,
                            file: files[file as usize].clone(),
                            line,
                            start_line,
                            objfile: match obj {
                                NO_KEY => String::new(),
                                o => objfile_names[o as usize].clone(),
                            },
                        });
                        next
                    })
            };
            if !hidden {
                let range = loc.lines.start as usize..loc.lines.end as usize;
                if range.is_empty() {
                    slots.push(intern(NO_KEY, 0));
                } else {
                    for i in range.rev() {
                        if view.lines.as_ref().is_some_and(|v| !v[i]) {
                            continue;
                        }
                        let line = &p.lines[i];
                        let node = match line.function.to_option() {
                            None => intern(NO_KEY, 0),
                            Some(f) => {
                                let number =
                                    if matches!(g, Granularity::Lines | Granularity::Addresses) {
                                        line.line
                                    } else {
                                        0
                                    };
                                intern(func_key_of[f.index()], number)
                            }
                        };
                        slots.push(node);
                    }
                }
            }
            slot_starts.push(slots.len() as u32);
        }
        let names = infos.iter().map(NodeInfo::printable_name).collect();
        NodeTable {
            infos,
            names,
            slot_starts,
            slots,
            drop_negative: opts.drop_negative,
        }
    }

    pub fn len(&self) -> usize {
        self.infos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.infos.is_empty()
    }

    /// The nodes of location `loc`'s visible lines, outermost first.
    #[inline]
    pub fn slots(&self, loc: LocationIndex) -> &[NodeIndex] {
        let l = loc.index();
        &self.slots[self.slot_starts[l] as usize..self.slot_starts[l + 1] as usize]
    }
}

/// A caller→callee edge.
#[derive(Debug, Clone)]
pub struct Edge {
    pub src: NodeIndex,
    pub dst: NodeIndex,
    pub weight: i64,
    /// Goes over nodes that were trimmed away.
    pub residual: bool,
    /// The call was inlined (the callee is an inlined line of a location).
    pub inline: bool,
    stamp: usize,
}

/// The most cells of [`Edges`]' dense table (16 bytes each, 16 MiB): the
/// edges of graphs of up to 1024 nodes are found and summed in a table
/// rather than through the hash.
const DENSE_EDGE_CELLS: usize = 1 << 20;

/// A (src, dst) cell of the dense table: the edge's index plus one (0:
/// none yet) with its `residual` and `inline` flags, and, until the pass
/// ends ([`Edges::flush`]), its weight and the stamp of the last sample that
/// added to it — one small cache line instead of the table and the list.
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    weight: i64,
    stamp: u32,
    edge: u32,
}

const CELL_RESIDUAL: u32 = 1 << 31;
const CELL_INLINE: u32 = 1 << 30;
const CELL_INDEX: u32 = CELL_INLINE - 1;

/// Edges found in one pass, indexed by (src, dst).
#[derive(Debug, Clone, Default)]
pub struct Edges {
    index: FxHashMap<u64, u32>,
    /// When the nodes a pass keeps and the stamps are few enough: the cell
    /// of (src, dst) at `slot[src] * side + slot[dst]`; the hash and `last`
    /// are then unused.
    dense: Vec<Cell>,
    /// Each node's row and column in `dense`: its index among the kept
    /// nodes (empty: every node kept, its own index).
    slot: Vec<u32>,
    side: usize,
    /// The cells hold the weights, flags and stamps (the list's are stale).
    live: bool,
    /// Per callee node, the last caller seen and its edge: most frames
    /// repeat it, so they skip the hash.
    last: Vec<(NodeIndex, u32)>,
    pub list: Vec<Edge>,
}

impl Edges {
    /// Edges between `nodes` nodes, or between those of them `kept` marks,
    /// from samples stamped below `stamps`.
    fn new(nodes: usize, kept: Option<&[bool]>, stamps: usize) -> Self {
        // A few kept nodes among many get a table of their own size.
        let (slot, side) = match kept {
            Some(kept) if kept.len() == nodes => {
                let mut next = 0u32;
                let slot: Vec<u32> = kept
                    .iter()
                    .map(|&k| {
                        next += u32::from(k);
                        next.saturating_sub(1)
                    })
                    .collect();
                (slot, next as usize)
            }
            _ => (Vec::new(), nodes),
        };
        let dense = match side.checked_mul(side) {
            Some(cells) if cells <= DENSE_EDGE_CELLS && stamps < u32::MAX as usize => {
                vec![Cell::default(); cells]
            }
            _ => Vec::new(),
        };
        let last = if dense.is_empty() { nodes } else { 0 };
        Edges {
            index: FxHashMap::default(),
            live: !dense.is_empty(),
            dense,
            slot: if side == nodes { Vec::new() } else { slot },
            side,
            last: vec![(NodeIndex::NONE, 0); last],
            list: Vec::new(),
        }
    }

    /// The dense table's cell of (src, dst), both kept nodes.
    #[inline(always)]
    fn cell(&self, src: NodeIndex, dst: NodeIndex) -> usize {
        if self.slot.is_empty() {
            src.index() * self.side + dst.index()
        } else {
            self.slot[src.index()] as usize * self.side + self.slot[dst.index()] as usize
        }
    }

    /// [`add`](Edges::add) through the dense table.
    #[inline]
    fn add_dense(
        &mut self,
        src: NodeIndex,
        dst: NodeIndex,
        w: i64,
        residual: bool,
        inline: bool,
        stamp: usize,
    ) -> bool {
        let stamp32 = stamp as u32;
        let at = self.cell(src, dst);
        let cell = &mut self.dense[at];
        if cell.edge == 0 {
            let i = self.list.len();
            self.list.push(Edge {
                src,
                dst,
                weight: w,
                residual,
                inline,
                stamp,
            });
            let mut edge = i as u32 + 1;
            if residual {
                edge |= CELL_RESIDUAL;
            }
            if inline {
                edge |= CELL_INLINE;
            }
            *cell = Cell {
                weight: w,
                stamp: stamp32,
                edge,
            };
            return false;
        }
        if cell.stamp == stamp32 {
            return false;
        }
        cell.stamp = stamp32;
        let (sum, overflow) = cell.weight.overflowing_add(w);
        cell.weight = sum;
        if residual {
            cell.edge |= CELL_RESIDUAL;
        }
        if !inline {
            cell.edge &= !CELL_INLINE;
        }
        overflow
    }

    /// Moves the weights, flags and stamps from the dense table's cells to
    /// the list, which holds them from then on.
    fn flush(&mut self) {
        if !self.live {
            return;
        }
        self.live = false;
        for i in 0..self.list.len() {
            let cell = self.dense[self.cell(self.list[i].src, self.list[i].dst)];
            let e = &mut self.list[i];
            e.weight = cell.weight;
            e.stamp = cell.stamp as usize;
            e.residual = cell.edge & CELL_RESIDUAL != 0;
            e.inline = cell.edge & CELL_INLINE != 0;
        }
    }

    #[inline]
    fn add(
        &mut self,
        src: NodeIndex,
        dst: NodeIndex,
        w: i64,
        residual: bool,
        inline: bool,
        stamp: usize,
    ) -> bool {
        if self.live {
            return self.add_dense(src, dst, w, residual, inline, stamp);
        }
        let last = self.last[dst.index()];
        let i = if last.0 == src {
            last.1 as usize
        } else {
            let edge = Edge {
                src,
                dst,
                weight: w,
                residual,
                inline,
                stamp,
            };
            let (i, new) = self.find_or_push(edge);
            self.last[dst.index()] = (src, i as u32);
            if new {
                return false;
            }
            i
        };
        let e = &mut self.list[i];
        if e.stamp == stamp {
            return false;
        }
        e.stamp = stamp;
        let (sum, overflow) = e.weight.overflowing_add(w);
        e.weight = sum;
        e.residual |= residual;
        e.inline &= inline;
        overflow
    }

    /// The index of the edge from `edge.src` to `edge.dst`, pushing `edge`
    /// if there is none yet (then the second result is true).
    #[inline]
    fn find_or_push(&mut self, edge: Edge) -> (usize, bool) {
        debug_assert!(!self.live, "the cells are flushed first");
        let next = self.list.len();
        let i = if self.dense.is_empty() {
            let key = (u64::from(edge.src.raw()) << 32) | u64::from(edge.dst.raw());
            *self.index.entry(key).or_insert(next as u32) as usize
        } else {
            let at = self.cell(edge.src, edge.dst);
            let cell = &mut self.dense[at];
            if cell.edge == 0 {
                cell.edge = next as u32 + 1;
            }
            ((cell.edge & CELL_INDEX) - 1) as usize
        };
        if i == next {
            self.list.push(edge);
        }
        (i, i == next)
    }

    /// Drops the lookup tables once the list is final.
    fn seal(&mut self) {
        self.flush();
        self.index = FxHashMap::default();
        self.dense = Vec::new();
        self.slot = Vec::new();
        self.last = Vec::new();
    }
}

/// Which edges a pass records.
#[derive(Debug, Clone, Copy)]
pub enum EdgeSet<'a> {
    None,
    All,
    /// Only edges with at least one end among these nodes (a mask over the
    /// node table): a report that looks at a few nodes pays for those.
    Touching(&'a [bool]),
}

impl EdgeSet<'_> {
    #[inline(always)]
    fn wants(&self, src: NodeIndex, dst: NodeIndex) -> bool {
        match self {
            EdgeSet::None => false,
            EdgeSet::All => true,
            EdgeSet::Touching(mask) => mask[src.index()] || mask[dst.index()],
        }
    }
}

/// The nodes that some location holds as an inlined line (not its first
/// slot): the only ones an inlined call can reach, so the only ones whose
/// [`InlineMark`] needs edges.
pub fn inline_targets(table: &NodeTable) -> Vec<bool> {
    let mut mask = vec![false; table.len()];
    for l in 0..table.slot_starts.len().saturating_sub(1) {
        for &node in table.slots(LocationIndex::from_index(l)).iter().skip(1) {
            mask[node.index()] = true;
        }
    }
    mask
}

/// Arithmetic overflow while summing values: the profile's numbers are too
/// large to add up exactly in 64 bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow;

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sample values are too large: their sum overflows a 64-bit integer"
        )
    }
}

impl std::error::Error for Overflow {}

/// Flat and cum per node of the table, from one pass over the samples.
#[derive(Debug, Clone)]
pub struct Graph {
    pub flat: Vec<i64>,
    pub cum: Vec<i64>,
    /// Present when the pass was asked for edges.
    pub edges: Option<Edges>,
}

impl Graph {
    /// The nodes pprof would list: those with a non-zero flat or cum.
    pub fn present(&self) -> Vec<NodeIndex> {
        (0..self.flat.len())
            .filter(|&n| self.flat[n] != 0 || self.cum[n] != 0)
            .map(NodeIndex::from_index)
            .collect()
    }
}

/// One pass over the samples: flat goes to the innermost visible frame (if
/// kept), cum once per sample to every distinct kept node on the stack, edges
/// once per sample per distinct (caller, callee) pair.
pub fn accumulate(
    p: &Profile,
    table: &NodeTable,
    view: &View,
    value_index: usize,
    kept: Option<&[bool]>,
    edge_set: EdgeSet<'_>,
) -> Result<Graph, Overflow> {
    let plain = kept.is_none() && matches!(edge_set, EdgeSet::None);
    let part = |range| {
        if plain {
            values_pass(p, table, view, value_index, range)
        } else {
            pass(
                p,
                table,
                view,
                value_index,
                kept,
                edge_set,
                None,
                range,
                &mut (),
            )
        }
    };
    in_halves(p, part)?
        .sealed()
        .map(|g| g.without_negative(table))
}

/// The edges of [`accumulate`] alone, for a graph whose values are known:
/// samples with no location holding a node `edge_set` wants are skipped, so
/// the graph's flat and cum count only the others (its edges are whole).
fn accumulate_edges(
    p: &Profile,
    table: &NodeTable,
    view: &View,
    value_index: usize,
    kept: Option<&[bool]>,
    edge_set: EdgeSet<'_>,
) -> Result<Graph, Overflow> {
    let touching: Option<Vec<bool>> = match edge_set {
        EdgeSet::Touching(mask) => Some(
            (0..table.slot_starts.len().saturating_sub(1))
                .map(|l| {
                    table
                        .slots(LocationIndex::from_index(l))
                        .iter()
                        .any(|n| mask[n.index()])
                })
                .collect(),
        ),
        _ => None,
    };
    let part = |range| {
        pass(
            p,
            table,
            view,
            value_index,
            kept,
            edge_set,
            touching.as_deref(),
            range,
            &mut (),
        )
    };
    in_halves(p, part)?.sealed()
}

/// Flat and cum of the samples `first` keeps and of those `second` keeps,
/// two views that share no sample and together keep what `both` does, and
/// of them all: the last as [`accumulate`] of `both` gives it (values add
/// up sample by sample), for one pass over each sample instead of two.
pub fn accumulate_split(
    p: &Profile,
    table: &NodeTable,
    first: &View,
    second: &View,
    value_index: usize,
) -> Result<(Graph, Graph, Graph), Overflow> {
    let raw = |view: &View| {
        in_halves(p, |range| values_pass(p, table, view, value_index, range))?.sealed()
    };
    let (a, b) = (raw(first)?, raw(second)?);
    let both = a.clone().merge(b.clone())?;
    Ok((
        a.without_negative(table),
        b.without_negative(table),
        both.without_negative(table),
    ))
}

/// `part` over all samples: on one thread when they are few, else in two
/// halves of about the same number of frames, one per thread, merged; the
/// second half's edges first seen there go after the first half's, so the
/// edge order is the one a single pass gives.
fn in_halves(
    p: &Profile,
    part: impl Fn(std::ops::Range<usize>) -> Result<Graph, Overflow> + Sync,
) -> Result<Graph, Overflow> {
    let samples = &p.samples;
    let all = 0..samples.len();
    if samples.len() < PARALLEL_SAMPLES {
        return part(all);
    }
    let half_frames = samples.frames.len() / 2;
    let mid = samples
        .frame_ends
        .partition_point(|&end| end as usize <= half_frames);
    let (first, second) = parallel::join(|| part(0..mid), || part(mid..all.end));
    first?.merge(second?)
}

/// [`pass`] for flat and cum alone, with every node kept: the same values,
/// with a location of one node (most) looked up in one step.
fn values_pass(
    p: &Profile,
    table: &NodeTable,
    view: &View,
    value_index: usize,
    range: std::ops::Range<usize>,
) -> Result<Graph, Overflow> {
    let n = table.len();
    let flat = vec![0i64; n];
    let cum = vec![0i64; n];
    let seen = vec![usize::MAX; n];
    // Per location, its node when it has exactly one, else NONE.
    let single: Vec<NodeIndex> = table
        .slot_starts
        .windows(2)
        .map(|w| {
            if w[1] == w[0] + 1 {
                table.slots[w[0] as usize]
            } else {
                NodeIndex::NONE
            }
        })
        .collect();
    p.samples.with_frames(ValuesPass {
        p,
        table,
        view,
        value_index,
        range,
        single,
        flat,
        cum,
        seen,
    })
}

/// [`values_pass`]'s loop, for either width of stored frames.
struct ValuesPass<'a> {
    p: &'a Profile,
    table: &'a NodeTable,
    view: &'a View,
    value_index: usize,
    range: std::ops::Range<usize>,
    single: Vec<NodeIndex>,
    flat: Vec<i64>,
    cum: Vec<i64>,
    seen: Vec<usize>,
}

impl FramesPass for ValuesPass<'_> {
    type Out = Result<Graph, Overflow>;

    fn run<F: Frame>(self, frames: &[F], ends: &[u32]) -> Self::Out {
        let ValuesPass {
            p,
            table,
            view,
            value_index,
            range,
            single,
            mut flat,
            mut cum,
            mut seen,
        } = self;
        // No sum of values can pass the sum of their magnitudes: when that
        // fits, the loop needs no check of its own.
        let nv = p.samples.num_values;
        let bound = range.clone().try_fold(0i64, |sum, i| {
            let w = p.samples.values.get(i * nv + value_index);
            if view.sample_kept(i) {
                sum.checked_add(w.checked_abs()?)
            } else {
                Some(sum)
            }
        });
        let run = if bound.is_some() {
            values_loop::<F, false>
        } else {
            values_loop::<F, true>
        };
        run(
            p,
            table,
            view,
            value_index,
            range,
            &single,
            &mut flat,
            &mut cum,
            &mut seen,
            frames,
            ends,
        )?;
        Ok(Graph {
            flat,
            cum,
            edges: None,
        })
    }
}

/// The loop of [`ValuesPass`]; `CHECKED` checks every sum for overflow,
/// else each sample adds to a node without a branch on whether it did
/// already (which mispredicts where a stack repeats a node).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn values_loop<F: Frame, const CHECKED: bool>(
    p: &Profile,
    table: &NodeTable,
    view: &View,
    value_index: usize,
    range: std::ops::Range<usize>,
    single: &[NodeIndex],
    flat: &mut [i64],
    cum: &mut [i64],
    seen: &mut [usize],
    frames: &[F],
    ends: &[u32],
) -> Result<(), Overflow> {
    let mut overflow = false;
    let samples = &p.samples;
    let nv = samples.num_values;
    let mut start = range.start.checked_sub(1).map_or(0, |i| ends[i] as usize);
    for i in range {
        let end = ends[i] as usize;
        let stack = &frames[start..end];
        start = end;
        if !view.sample_kept(i) {
            continue;
        }
        let w = samples.values.get(i * nv + value_index);
        if w == 0 {
            continue;
        }
        let mut add = |node: NodeIndex| {
            let ni = node.index();
            if CHECKED {
                if seen[ni] != i {
                    seen[ni] = i;
                    let (sum, o) = cum[ni].overflowing_add(w);
                    cum[ni] = sum;
                    overflow |= o;
                }
            } else {
                let fresh = i64::from(seen[ni] != i);
                seen[ni] = i;
                cum[ni] = cum[ni].wrapping_add(w & fresh.wrapping_neg());
            }
        };
        for &f in stack {
            let loc = f.loc();
            let node = single[loc.index()];
            if node == NodeIndex::NONE {
                table.slots(loc).iter().for_each(|&node| add(node));
            } else {
                add(node);
            }
        }
        // Flat goes to the leaf: the last node of the innermost location
        // that has any.
        if let Some(&leaf) = stack.iter().find_map(|&f| table.slots(f.loc()).last()) {
            let (sum, o) = flat[leaf.index()].overflowing_add(w);
            flat[leaf.index()] = sum;
            overflow |= o;
        }
    }
    if overflow {
        return Err(Overflow);
    }
    Ok(())
}

/// Below this many samples a pass runs on one thread.
const PARALLEL_SAMPLES: usize = 20_000;

impl Graph {
    /// Adds the values of a pass over other samples (of the same table).
    fn merge(mut self, other: Graph) -> Result<Graph, Overflow> {
        for (a, b) in self.flat.iter_mut().zip(&other.flat) {
            *a = a.checked_add(*b).ok_or(Overflow)?;
        }
        for (a, b) in self.cum.iter_mut().zip(&other.cum) {
            *a = a.checked_add(*b).ok_or(Overflow)?;
        }
        if let (Some(edges), Some(mut more)) = (self.edges.as_mut(), other.edges) {
            edges.flush();
            more.flush();
            for e in more.list {
                let (weight, residual, inline) = (e.weight, e.residual, e.inline);
                let (i, new) = edges.find_or_push(e);
                if !new {
                    let mine = &mut edges.list[i];
                    mine.weight = mine.weight.checked_add(weight).ok_or(Overflow)?;
                    mine.residual |= residual;
                    mine.inline &= inline;
                }
            }
        }
        Ok(self)
    }

    /// The graph without the negative nodes when the table says to drop
    /// them (pprof's `-drop_negative`): their flat and cum become zero, so
    /// that no report lists them nor counts them in its sums.
    fn without_negative(mut self, table: &NodeTable) -> Graph {
        if table.drop_negative {
            for (flat, cum) in self.flat.iter_mut().zip(self.cum.iter_mut()) {
                if *flat < 0 || (*flat == 0 && *cum < 0) {
                    (*flat, *cum) = (0, 0);
                }
            }
        }
        self
    }

    /// Drops the edges' lookup tables once the values are final.
    fn sealed(mut self) -> Result<Graph, Overflow> {
        if let Some(edges) = self.edges.as_mut() {
            edges.seal();
        }
        Ok(self)
    }
}

/// Sees every value a pass adds to a node, for reports that keep more per
/// node than flat and cum (the call graph's tags). The pass with `()` is
/// the plain one: its calls compile to nothing.
pub trait Visitor {
    /// Sample `sample` adds `w` to `node`'s cum (once per sample).
    fn cum(&mut self, node: NodeIndex, sample: usize, w: i64);
    /// Sample `sample` adds `w` to `node`'s flat (its leaf).
    fn flat(&mut self, node: NodeIndex, sample: usize, w: i64);
}

impl Visitor for () {
    #[inline(always)]
    fn cum(&mut self, _: NodeIndex, _: usize, _: i64) {}
    #[inline(always)]
    fn flat(&mut self, _: NodeIndex, _: usize, _: i64) {}
}

/// [`accumulate`], telling `visitor` about every value it adds.
pub fn accumulate_visiting<V: Visitor>(
    p: &Profile,
    table: &NodeTable,
    view: &View,
    value_index: usize,
    kept: Option<&[bool]>,
    edge_set: EdgeSet<'_>,
    visitor: &mut V,
) -> Result<Graph, Overflow> {
    let all = 0..p.samples.len();
    pass(
        p,
        table,
        view,
        value_index,
        kept,
        edge_set,
        None,
        all,
        visitor,
    )?
    .sealed()
    .map(|g| g.without_negative(table))
}

/// One pass over the samples in `range`; the edges keep their lookup
/// tables, for [`Graph::merge`]. With `touching` (per location), samples
/// with none of those locations are skipped.
#[allow(clippy::too_many_arguments)]
fn pass<V: Visitor>(
    p: &Profile,
    table: &NodeTable,
    view: &View,
    value_index: usize,
    kept: Option<&[bool]>,
    edge_set: EdgeSet<'_>,
    touching: Option<&[bool]>,
    range: std::ops::Range<usize>,
    visitor: &mut V,
) -> Result<Graph, Overflow> {
    let samples = &p.samples;
    let ends = &samples.frame_ends[..];
    let args = (view, value_index, kept, edge_set, touching, range);
    match &samples.frames {
        FrameVec::Narrow(f) => pass_in(p, table, f, ends, args, visitor),
        FrameVec::Wide(f) => pass_in(p, table, f, ends, args, visitor),
    }
}

/// [`pass`]'s arguments after the table, as one (view, value index, kept
/// nodes, edges wanted, locations touched, samples).
type PassArgs<'a> = (
    &'a View,
    usize,
    Option<&'a [bool]>,
    EdgeSet<'a>,
    Option<&'a [bool]>,
    std::ops::Range<usize>,
);

/// [`pass`] over the stored frames of one width (`frames`, ending at `ends`).
fn pass_in<F: Frame, V: Visitor>(
    p: &Profile,
    table: &NodeTable,
    frames: &[F],
    ends: &[u32],
    (view, value_index, kept, edge_set, touching, range): PassArgs<'_>,
    visitor: &mut V,
) -> Result<Graph, Overflow> {
    let stack = |i: usize| {
        let start = if i == 0 { 0 } else { ends[i - 1] as usize };
        &frames[start..ends[i] as usize]
    };
    let n = table.len();
    let mut flat = vec![0i64; n];
    let mut cum = vec![0i64; n];
    let mut seen = vec![0usize; n];
    let mut edges =
        (!matches!(edge_set, EdgeSet::None)).then(|| Edges::new(n, kept, range.end + 1));
    let mut overflow = false;
    let samples = &p.samples;
    for i in range {
        if !view.sample_kept(i) {
            continue;
        }
        let w = samples.value(i, value_index);
        if w == 0 {
            continue;
        }
        if touching.is_some_and(|t| !stack(i).iter().any(|l| t[l.loc().index()])) {
            continue;
        }
        let stamp = i + 1;
        let mut parent = NodeIndex::NONE;
        let mut residual = false;
        for f in stack(i).iter().rev() {
            for (k, &node) in table.slots(f.loc()).iter().enumerate() {
                if kept.is_some_and(|kept| !kept[node.index()]) {
                    residual = true;
                    continue;
                }
                let ni = node.index();
                if seen[ni] != stamp {
                    seen[ni] = stamp;
                    let (sum, o) = cum[ni].overflowing_add(w);
                    cum[ni] = sum;
                    overflow |= o;
                    visitor.cum(node, i, w);
                }
                if let Some(edges) = edges.as_mut() {
                    if parent != NodeIndex::NONE && node != parent && edge_set.wants(parent, node) {
                        overflow |= edges.add(parent, node, w, residual, k > 0, stamp);
                    }
                }
                parent = node;
                residual = false;
            }
        }
        if parent != NodeIndex::NONE && !residual {
            let (sum, o) = flat[parent.index()].overflowing_add(w);
            flat[parent.index()] = sum;
            overflow |= o;
            visitor.flat(parent, i, w);
        }
    }
    if overflow {
        return Err(Overflow);
    }
    Ok(Graph { flat, cum, edges })
}

/// How to trim a graph for display, as pprof's report options.
#[derive(Debug, Clone, Copy)]
pub struct TrimOptions {
    /// Keep at most this many nodes; 0 keeps all.
    pub node_count: usize,
    /// Drop nodes whose |cum| is below this share of the total flat.
    pub node_fraction: f64,
    /// Drop edges whose |weight| is below this share of the total flat.
    pub edge_fraction: f64,
    /// Sort by cum instead of flat.
    pub cum_sort: bool,
}

/// A graph trimmed for display: nodes in report order with their values,
/// and what was dropped.
#[derive(Debug, Clone)]
pub struct Trimmed {
    /// Nodes in display order.
    pub nodes: Vec<NodeIndex>,
    pub graph: Graph,
    /// Nodes dropped for a cum below the node cutoff.
    pub dropped_nodes: usize,
    /// Nodes left after the cutoff, before the node count limit.
    pub orig_count: usize,
    /// Edges dropped under the edge cutoff (among those the pass recorded).
    pub dropped_edges: usize,
}

/// Sorts nodes as pprof's `FlatNameOrder` / `CumNameOrder`.
pub fn sort_nodes(nodes: &mut [NodeIndex], table: &NodeTable, g: &Graph, cum: bool) {
    let key = |n: NodeIndex| {
        let n = n.index();
        if cum {
            (g.cum[n].unsigned_abs(), g.flat[n].unsigned_abs())
        } else {
            (g.flat[n].unsigned_abs(), g.cum[n].unsigned_abs())
        }
    };
    nodes.sort_unstable_by(|&a, &b| {
        let (ka, kb) = (key(a), key(b));
        kb.0.cmp(&ka.0)
            .then_with(|| table.names[a.index()].cmp(&table.names[b.index()]))
            .then_with(|| kb.1.cmp(&ka.1))
            .then_with(|| {
                let (ia, ib) = (&table.infos[a.index()], &table.infos[b.index()]);
                ia.go_sprint().cmp(&ib.go_sprint())
            })
    });
}

/// What the node fraction leaves of a graph: pprof's first trimming step.
pub(crate) struct NodeCut {
    /// Nodes present whose |cum| reaches the node cutoff.
    pub nodes: Vec<NodeIndex>,
    /// Nodes present that do not.
    pub dropped_nodes: usize,
    /// The fractions of the total flat, as values.
    pub node_cutoff: u64,
    pub edge_cutoff: u64,
}

/// Drops the nodes of `graph` whose |cum| is under the node fraction of the
/// total flat, and works out both cutoffs.
pub(crate) fn node_cut(graph: &Graph, opts: &TrimOptions) -> Result<NodeCut, Overflow> {
    let mut nodes = graph.present();
    let mut total: i64 = 0;
    for &n in &nodes {
        total = total.checked_add(graph.flat[n.index()]).ok_or(Overflow)?;
    }
    let node_cutoff = (((total as f64) * opts.node_fraction) as i64).unsigned_abs();
    let edge_cutoff = (((total as f64) * opts.edge_fraction) as i64).unsigned_abs();
    let before = nodes.len();
    if node_cutoff > 0 {
        nodes.retain(|&n| graph.cum[n.index()].unsigned_abs() >= node_cutoff);
    }
    Ok(NodeCut {
        dropped_nodes: before - nodes.len(),
        nodes,
        node_cutoff,
        edge_cutoff,
    })
}

/// A membership mask of `nodes` over a table of `n` nodes.
pub(crate) fn mask(n: usize, nodes: &[NodeIndex]) -> Vec<bool> {
    let mut m = vec![false; n];
    for &node in nodes {
        m[node.index()] = true;
    }
    m
}

/// Builds the graph and trims it the way pprof's reports do: drop nodes
/// whose |cum| is under the node fraction of the total flat, sort, keep the
/// top `node_count`, then, if edges are wanted, drop edges under the edge
/// fraction.
///
/// pprof rebuilds the graph from the samples after each trimming step. The
/// flat and cum of a kept node do not change in a rebuild (flat still goes to
/// the innermost frame when it is kept, cum once per sample to every kept
/// node), so one pass gives the values; only edges, which bridge dropped
/// nodes, need a second pass over the final set of nodes.
pub fn trimmed(
    p: &Profile,
    table: &NodeTable,
    view: &View,
    value_index: usize,
    opts: &TrimOptions,
    edge_set: EdgeSet<'_>,
) -> Result<Trimmed, Overflow> {
    let values = accumulate(p, table, view, value_index, None, EdgeSet::None)?;
    trimmed_from(p, table, view, value_index, opts, edge_set, values)
}

/// [`trimmed`], the graph's flat and cum already summed (`values`, as
/// [`accumulate`] of `view` with no edges gives them).
pub fn trimmed_from(
    p: &Profile,
    table: &NodeTable,
    view: &View,
    value_index: usize,
    opts: &TrimOptions,
    edge_set: EdgeSet<'_>,
    values: Graph,
) -> Result<Trimmed, Overflow> {
    let mut graph = values;
    let NodeCut {
        mut nodes,
        dropped_nodes,
        edge_cutoff,
        ..
    } = node_cut(&graph, opts)?;
    let before = nodes.len() + dropped_nodes;
    let orig_count = nodes.len();
    sort_nodes(&mut nodes, table, &graph, opts.cum_sort);
    if opts.node_count > 0 {
        nodes.truncate(opts.node_count);
    }
    let mut dropped_edges = 0;
    // A pass records edges between kept nodes only: with none of them in
    // the mask, it would find nothing.
    let edges_possible = match edge_set {
        EdgeSet::None => false,
        EdgeSet::All => true,
        EdgeSet::Touching(m) => nodes.iter().any(|&n| m[n.index()]),
    };
    if !edges_possible && !matches!(edge_set, EdgeSet::None) {
        graph.edges = Some(Edges::default());
    }
    if edges_possible {
        let kept = (nodes.len() < before).then(|| mask(table.len(), &nodes));
        let g = accumulate_edges(p, table, view, value_index, kept.as_deref(), edge_set)?;
        let mut edges = g.edges.unwrap_or_default();
        let count = edges.list.len();
        edges
            .list
            .retain(|e| e.weight.unsigned_abs() >= edge_cutoff);
        dropped_edges = count - edges.list.len();
        graph.edges = Some(edges);
    }
    Ok(Trimmed {
        nodes,
        graph,
        dropped_nodes,
        orig_count,
        dropped_edges,
    })
}

/// How a node is reached: only through inlined calls, through both inlined
/// and ordinary calls, or otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InlineMark {
    None,
    Inline,
    Partial,
}

impl InlineMark {
    /// The text pprof appends to the name ("(inline)"), if any.
    pub fn label(self) -> Option<&'static str> {
        match self {
            InlineMark::None => None,
            InlineMark::Inline => Some("(inline)"),
            InlineMark::Partial => Some("(partial-inline)"),
        }
    }
}

/// Inline marks of every node, from the incoming edges of a graph.
pub fn inline_marks(n: usize, edges: &Edges) -> Vec<InlineMark> {
    let mut inline = vec![false; n];
    let mut ordinary = vec![false; n];
    for e in &edges.list {
        if e.inline {
            inline[e.dst.index()] = true;
        } else {
            ordinary[e.dst.index()] = true;
        }
    }
    (0..n)
        .map(|i| match (inline[i], ordinary[i]) {
            (true, true) => InlineMark::Partial,
            (true, false) => InlineMark::Inline,
            _ => InlineMark::None,
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::profile::{
        Function, FunctionIndex, Label, Line, Location, MappingIndex, Samples, StringTable,
        ValueType,
    };

    #[test]
    fn the_dense_table_finds_what_the_hash_finds() {
        let n = NodeIndex::from_index;
        // (src, dst, weight, residual, inline, stamp): repeats within a
        // sample count once; flags as pprof combines them.
        let adds = [
            (0, 1, 5, false, true, 1),
            (1, 2, 5, false, false, 1),
            (0, 1, 5, false, true, 1),
            (0, 1, 7, true, false, 2),
            (2, 1, 3, false, true, 2),
            (1, 2, -4, false, false, 3),
            (0, 1, i64::MAX, false, true, 4),
        ];
        type Add = (usize, usize, i64, bool, bool, usize);
        let run_adds = |mut edges: Edges, adds: &[Add]| {
            let overflows: Vec<bool> = adds
                .iter()
                .map(|&(s, d, w, r, i, stamp)| edges.add(n(s), n(d), w, r, i, stamp))
                .collect();
            edges.seal();
            let list: Vec<_> = edges
                .list
                .iter()
                .map(|e| (e.src, e.dst, e.weight, e.residual, e.inline))
                .collect();
            (overflows, list)
        };
        let run = |edges: Edges| run_adds(edges, &adds);
        let dense = Edges::new(3, None, 10);
        assert!(dense.live);
        let hashed = Edges::new(3, None, usize::MAX);
        assert!(hashed.dense.is_empty());
        // Nodes 0 to 2 kept among six: a table of their own, 3 by 3.
        let mask = [false, true, false, true, true, false];
        let kept = Edges::new(6, Some(&mask), 10);
        assert!(kept.live && kept.dense.len() == 9);
        let m = |i: usize| [1, 3, 4][i];
        let kept_adds: Vec<_> = adds
            .iter()
            .map(|&(s, d, w, r, i, stamp)| (m(s), m(d), w, r, i, stamp))
            .collect();
        let (overflows, list) = run(dense);
        assert_eq!((overflows.clone(), list.clone()), run(hashed));
        let (kept_overflows, kept_list) = run_adds(kept, &kept_adds);
        assert_eq!(kept_overflows, overflows);
        let renamed: Vec<_> = list
            .iter()
            .map(|&(s, d, w, r, i)| (n(m(s.index())), n(m(d.index())), w, r, i))
            .collect();
        assert_eq!(kept_list, renamed);
        assert_eq!(overflows, [false, false, false, false, false, false, true]);
        assert_eq!(
            list,
            [
                (n(0), n(1), 12i64.wrapping_add(i64::MAX), true, false),
                (n(1), n(2), 1, false, false),
                (n(2), n(1), 3, false, true),
            ]
        );
    }

    /// Builds a profile from stacks of function names (root last, as pprof
    /// stores them), one location per frame, no inlining unless a frame is
    /// written "outer+inner" (inner inlined into outer in one location).
    pub(crate) fn profile(stacks: &[(&[&str], i64)]) -> Profile {
        let mut strings = StringTable::new();
        strings.push("");
        let space = strings.push("space");
        let bytes = strings.push("bytes");
        let file = strings.push("/src/x.go");
        let mut p = Profile {
            sample_types: vec![ValueType {
                kind: space,
                unit: bytes,
            }],
            samples: Samples::new(1),
            ..Profile::default()
        };
        let mut funcs: FxHashMap<String, FunctionIndex> = FxHashMap::default();
        let mut locs: FxHashMap<String, LocationIndex> = FxHashMap::default();
        for (stack, value) in stacks {
            let mut ids = Vec::new();
            for frame in *stack {
                let loc = *locs.entry(frame.to_string()).or_insert_with(|| {
                    let start = p.lines.len() as u32;
                    // "outer+inner": inner is the inlined, innermost line.
                    for (depth, name) in frame.split('+').rev().enumerate() {
                        let f = *funcs.entry(name.to_string()).or_insert_with(|| {
                            let id = strings.push(name);
                            p.functions.push(Function {
                                id: p.functions.len() as u64 + 1,
                                name: id,
                                system_name: id,
                                filename: file,
                                start_line: 1,
                                synthetic: false,
                            });
                            FunctionIndex::from_index(p.functions.len() - 1)
                        });
                        p.lines.push(Line {
                            function: f,
                            line: 10 + depth as i64,
                            column: 0,
                        });
                    }
                    p.locations.push(Location {
                        id: p.locations.len() as u64 + 1,
                        mapping: MappingIndex::NONE,
                        address: 0,
                        lines: start..p.lines.len() as u32,
                        is_folded: false,
                    });
                    LocationIndex::from_index(p.locations.len() - 1)
                });
                ids.push(loc);
            }
            p.samples.push(&[*value], &ids, &[] as &[Label]);
        }
        p.strings = strings;
        p
    }

    fn values(p: &Profile) -> Vec<(String, i64, i64)> {
        let view = View::all();
        let table = NodeTable::new(p, &view, &NodeOptions::default());
        let g = accumulate(p, &table, &view, 0, None, EdgeSet::None).unwrap();
        let mut nodes = g.present();
        sort_nodes(&mut nodes, &table, &g, false);
        nodes
            .iter()
            .map(|&n| {
                (
                    table.names[n.index()].clone(),
                    g.flat[n.index()],
                    g.cum[n.index()],
                )
            })
            .collect()
    }

    /// Frames stored in 4 bytes give what 2 give, on both passes.
    #[test]
    fn frames_of_either_width_give_the_same_graph() {
        let mut p = profile(&[(&["c", "b+x", "a"], 5), (&["b", "a"], 3), (&["a"], -1)]);
        let narrow = values(&p);
        let view = View::all();
        let table = NodeTable::new(&p, &view, &NodeOptions::default());
        let edges = |p: &Profile| {
            let g = accumulate(p, &table, &view, 0, None, EdgeSet::All).unwrap();
            (g.flat, g.cum, g.edges.map(|e| e.list.len()))
        };
        let narrow_edges = edges(&p);
        assert_eq!(p.samples.frames.width(), 2);
        p.samples.frames.widen();
        assert_eq!(p.samples.frames.width(), 4);
        assert_eq!(values(&p), narrow);
        assert_eq!(edges(&p), narrow_edges);
    }

    #[test]
    fn flat_goes_to_the_leaf_and_cum_to_every_frame() {
        let p = profile(&[(&["c", "b", "a"], 5), (&["b", "a"], 3)]);
        assert_eq!(
            values(&p),
            [
                ("c".to_string(), 5, 5),
                ("b".to_string(), 3, 8),
                ("a".to_string(), 0, 8)
            ]
        );
    }

    #[test]
    fn recursion_counts_cum_once_per_sample() {
        let p = profile(&[(&["r", "r", "r", "main"], 7)]);
        assert_eq!(
            values(&p),
            [("r".to_string(), 7, 7), ("main".to_string(), 0, 7)]
        );
    }

    #[test]
    fn inlined_frames_are_nodes_and_marked_inline() {
        // One location: alloc inlined into caller.
        let p = profile(&[(&["caller+alloc", "main"], 4), (&["alloc", "other"], 1)]);
        let view = View::all();
        let table = NodeTable::new(&p, &view, &NodeOptions::default());
        let g = accumulate(&p, &table, &view, 0, None, EdgeSet::All).unwrap();
        let marks = inline_marks(table.len(), g.edges.as_ref().unwrap());
        let mark = |name: &str| marks[table.names.iter().position(|n| n == name).unwrap()];
        assert_eq!(mark("alloc"), InlineMark::Partial);
        assert_eq!(mark("caller"), InlineMark::None);
        let p = profile(&[(&["caller+alloc", "main"], 4)]);
        let table = NodeTable::new(&p, &view, &NodeOptions::default());
        let g = accumulate(&p, &table, &view, 0, None, EdgeSet::All).unwrap();
        let marks = inline_marks(table.len(), g.edges.as_ref().unwrap());
        let alloc = table.names.iter().position(|n| n == "alloc").unwrap();
        assert_eq!(marks[alloc], InlineMark::Inline);
        assert_eq!(g.flat[alloc], 4);
    }

    #[test]
    fn lines_granularity_names_file_and_line() {
        let p = profile(&[(&["b", "a"], 2)]);
        let view = View::all();
        let opts = NodeOptions {
            granularity: Granularity::Lines,
            ..Default::default()
        };
        let table = NodeTable::new(&p, &view, &opts);
        let mut names = table.names.clone();
        names.sort();
        assert_eq!(names, ["a /src/x.go:10", "b /src/x.go:10"]);
    }

    #[test]
    fn node_fraction_drops_small_nodes_and_residual_leaves_lose_flat() {
        // total flat = 100; cutoff at 0.05 → 5: "tiny" (cum 1) is dropped,
        // and its flat is not given to its caller.
        let p = profile(&[(&["big", "main"], 99), (&["tiny", "main"], 1)]);
        let view = View::all();
        let table = NodeTable::new(&p, &view, &NodeOptions::default());
        let opts = TrimOptions {
            node_count: 0,
            node_fraction: 0.05,
            edge_fraction: 0.0,
            cum_sort: false,
        };
        let t = trimmed(&p, &table, &view, 0, &opts, EdgeSet::None).unwrap();
        assert_eq!(t.dropped_nodes, 1);
        let shown: Vec<_> = t
            .nodes
            .iter()
            .map(|&n| {
                (
                    table.names[n.index()].as_str(),
                    t.graph.flat[n.index()],
                    t.graph.cum[n.index()],
                )
            })
            .collect();
        assert_eq!(shown, [("big", 99, 99), ("main", 0, 100)]);
    }

    #[test]
    fn node_count_keeps_the_top_nodes() {
        let p = profile(&[
            (&["x", "main"], 5),
            (&["y", "main"], 4),
            (&["z", "main"], 3),
        ]);
        let view = View::all();
        let table = NodeTable::new(&p, &view, &NodeOptions::default());
        let opts = TrimOptions {
            node_count: 2,
            node_fraction: 0.0,
            edge_fraction: 0.0,
            cum_sort: true,
        };
        let t = trimmed(&p, &table, &view, 0, &opts, EdgeSet::None).unwrap();
        let names: Vec<_> = t
            .nodes
            .iter()
            .map(|&n| table.names[n.index()].as_str())
            .collect();
        assert_eq!(names, ["main", "x"]);
        assert_eq!(t.orig_count, 4);
    }

    /// A stack that repeats a node counts once to its cum, whether the
    /// sums are checked one by one (their magnitudes could pass i64) or not.
    #[test]
    fn a_repeated_node_counts_once_with_sums_checked_or_not() {
        let stacks: Vec<(&[&str], i64)> =
            vec![(&["a", "b", "a"], 5), (&["b", "a", "b"], -2), (&["c"], 1)];
        let row = |n: &str, flat, cum| (n.to_string(), flat, cum);
        let want = [row("a", 5, 3), row("b", -2, 3), row("c", 1, 1)];
        assert_eq!(values(&profile(&stacks)), want);
        let mut checked = stacks.clone();
        checked.extend([(&["d"][..], i64::MAX), (&["e"][..], -1)]);
        let got = values(&profile(&checked));
        assert_eq!(got[0], row("d", i64::MAX, i64::MAX));
        assert_eq!(got[1..4], want);
        assert_eq!(got[4], row("e", -1, -1));
    }

    /// Two views that split the samples: each one's graph and the graph of
    /// both, equal to one pass over both.
    #[test]
    fn a_split_pass_adds_up_to_one_pass() {
        let p = profile(&[
            (&["c", "b", "a"], 5),
            (&["b", "a"], 3),
            (&["c", "b+x", "a"], -2),
            (&["x", "a"], 7),
        ]);
        let all = View::all();
        let table = NodeTable::new(&p, &all, &NodeOptions::default());
        let (first, second) = (all.restricted(&p, 0..2), all.restricted(&p, 2..4));
        let (a, b, both) = accumulate_split(&p, &table, &first, &second, 0).unwrap();
        let one = |view: &View| accumulate(&p, &table, view, 0, None, EdgeSet::None).unwrap();
        for (got, want) in [(a, one(&first)), (b, one(&second)), (both, one(&all))] {
            assert_eq!((got.flat, got.cum), (want.flat, want.cum));
        }
    }

    #[test]
    fn overflow_is_reported() {
        let p = profile(&[(&["a"], i64::MAX), (&["a"], 1)]);
        let view = View::all();
        let table = NodeTable::new(&p, &view, &NodeOptions::default());
        assert_eq!(
            accumulate(&p, &table, &view, 0, None, EdgeSet::None).unwrap_err(),
            Overflow
        );
    }
}
