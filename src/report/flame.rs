//! `flame`: flame graphs of a heap profile drawn with inferno (memory
//! palette, human units in tooltips, search and zoom), differential flame
//! graphs of two snapshots, and folded stacks (`root;...;leaf VALUE`).
//! Stacks deeper than [`MAX_DEPTH`] frames lose their middle frames to one
//! marked frame, as Go elides the middle of long tracebacks.

use std::io::{self, Write};
use std::ops::Range;

use inferno::flamegraph::{self, color::Palette, Direction};
use rustc_hash::FxHashMap;

use super::Prepared;
use crate::support::escape;
use crate::support::time::format_time;
use crate::profile::graph::Overflow;
use crate::units;

/// Options of the `flame` report.
#[derive(Debug, Clone)]
pub struct FlameOptions {
    pub title: Option<String>,
    pub width: Option<usize>,
    /// Frames narrower than this percentage of the total are left out
    /// (inferno's `min_width`).
    pub min_width: f64,
    /// Icicle graph: roots at the top.
    pub reverse: bool,
    /// An inferno palette name ("mem", "hot", …).
    pub colors: String,
    /// Folded stacks instead of SVG.
    pub folded: bool,
}

/// Distinct stacks as inferno sees them, with their summed values: the
/// text numbers of their frames ([`FrameTexts`]), root to leaf.
pub type Stacks = FxHashMap<Vec<u32>, i64>;

/// The deepest stack drawn, in frames (inlined calls count as frames). Go
/// records at most 128 frames of a heap sample by default, and 1024 with
/// `GODEBUG=profstackdepth=1024`; a deeper stack is drawn as its
/// [`ROOT_FRAMES`] root-most frames, one [`ELIDED`] frame and its
/// [`LEAF_FRAMES`] leaf-most frames (where the allocation is). Each frame
/// drawn costs a box in the SVG (about 200 bytes), so a 10-million-frame
/// stack would take gigabytes.
pub const MAX_DEPTH: usize = 1024;
pub const ROOT_FRAMES: usize = 512;
pub const LEAF_FRAMES: usize = MAX_DEPTH - ROOT_FRAMES - 1;
/// The frame that stands for the middle of a stack deeper than
/// [`MAX_DEPTH`]. It says no count, so that stacks of a recursion that
/// differ only in how deep they went merge into one call path, as a
/// shallower recursion's do.
pub const ELIDED: &str = "[… frames elided …]";

/// Stacks cut to [`MAX_DEPTH`] frames while folding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DepthCut {
    /// Samples whose stack was cut.
    pub stacks: usize,
    /// The most frames elided from one stack.
    pub most_elided: usize,
}

impl DepthCut {
    /// Counts a stack of `depth` frames.
    fn count(&mut self, depth: usize) {
        if depth > MAX_DEPTH {
            self.stacks += 1;
            self.most_elided = self.most_elided.max(depth - ROOT_FRAMES - LEAF_FRAMES);
        }
    }

    pub fn add(&mut self, other: DepthCut) {
        self.stacks += other.stacks;
        self.most_elided = self.most_elided.max(other.most_elided);
    }

    /// The note for the user, if any stack was cut.
    pub fn note(&self) -> Option<String> {
        let (what, elided) = match self.stacks {
            0 => return None,
            1 => (
                "1 stack is".to_string(),
                format!("{} frames", self.most_elided),
            ),
            n => (
                format!("{n} stacks are"),
                format!("up to {} frames of one", self.most_elided),
            ),
        };
        Some(format!(
            "{what} deeper than {MAX_DEPTH} frames: drawn as their {ROOT_FRAMES} \
             root-most frames, one \"{ELIDED}\" frame and their {LEAF_FRAMES} leaf-most \
             frames ({elided} elided)"
        ))
    }
}

/// Replaces the middle of a stack deeper than [`MAX_DEPTH`] frames with
/// the frame `marker`.
fn elide(key: &mut Vec<u32>, marker: u32) {
    if key.len() > MAX_DEPTH {
        let end = key.len() - LEAF_FRAMES;
        key.splice(ROOT_FRAMES..end, [marker]);
    }
}

/// Folds the samples in `range` that the filters keep into distinct stacks,
/// each cut to [`MAX_DEPTH`] frames.
pub fn fold(prep: &Prepared<'_>, range: Range<usize>) -> Result<(Stacks, DepthCut), Overflow> {
    let p = prep.profile();
    let texts = FrameTexts::new(prep);
    let marker = texts.elided();
    let of = texts.of;
    let nodes = prep.table.len();
    let mut stacks: Stacks = FxHashMap::default();
    let mut cut = DepthCut::default();
    let mut key: Vec<u32> = Vec::new();
    for i in range {
        if !prep.view.sample_kept(i) {
            continue;
        }
        let w = p.samples.value(i, prep.value_index);
        if w == 0 {
            continue;
        }
        key.clear();
        for &loc in p.samples.stack(i).iter().rev() {
            for (k, &node) in prep.table.slots(loc).iter().enumerate() {
                let inline = if k > 0 { nodes } else { 0 };
                key.push(of[node as usize + inline]);
            }
        }
        if key.is_empty() {
            continue;
        }
        cut.count(key.len());
        elide(&mut key, marker);
        match stacks.get_mut(key.as_slice()) {
            Some(v) => *v = v.checked_add(w).ok_or(Overflow)?,
            None => {
                stacks.insert(key.clone(), w);
            }
        }
    }
    Ok((stacks, cut))
}

/// The frames of folded stacks as inferno sees them, by their text: every
/// node's name with ';' (the separator) replaced and control characters
/// escaped, its inlined variant with " (inline)" appended, and [`ELIDED`].
/// Texts are numbered in byte order, equal texts once.
///
/// Stacks are ordered by these numbers, frame by frame (a stack before the
/// ones it is a prefix of): inferno, which merges neighbouring lines frame
/// by frame, then draws every call path once. Plain text order would not:
/// "f 5" < "f.func1 3" < "f;g 2" puts f's lines apart, and f would be
/// drawn twice.
struct FrameTexts {
    /// Each text, in byte order.
    texts: Vec<String>,
    /// The text of node `n` at `of[n]`, of its inlined variant at
    /// `of[n + nodes]`, and [`ELIDED`]'s last.
    of: Vec<u32>,
}

impl FrameTexts {
    fn new(prep: &Prepared<'_>) -> Self {
        let mut all: Vec<String> = prep
            .table
            .names
            .iter()
            .map(|n| escape::text(n).replace(';', ":"))
            .collect();
        let inline: Vec<String> = all.iter().map(|n| format!("{n} (inline)")).collect();
        all.extend(inline);
        all.push(ELIDED.to_string());
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_unstable_by(|&a, &b| all[a].cmp(&all[b]));
        let mut texts: Vec<String> = Vec::new();
        let mut of = vec![0; all.len()];
        for i in order {
            if texts.last() != Some(&all[i]) {
                texts.push(std::mem::take(&mut all[i]));
            }
            of[i] = texts.len() as u32 - 1;
        }
        FrameTexts { texts, of }
    }

    /// The text number of [`ELIDED`].
    fn elided(&self) -> u32 {
        self.of.last().copied().unwrap_or(0)
    }

    /// Appends the stack of text numbers `path` (root first), ';'-separated.
    fn write(&self, path: &[u32], out: &mut String) {
        for (i, &t) in path.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            out.push_str(&self.texts[t as usize]);
        }
    }
}

/// Folded lines `stack VALUE` (or `stack BEFORE AFTER` with a base), in
/// frame order (see [`FrameTexts`]). Stacks whose value is negative are left out (flame graphs
/// draw only non-negative widths) and counted in the second result.
///
/// With `prune_below` (a share of the total, in percent), frames that
/// narrow are cut from the stacks first, their values kept by the frame
/// above: inferno would not draw them, and a big profile's hundreds of
/// thousands of stacks shrink to the few hundred that show. Every frame
/// drawn keeps its width and tooltip; its position can move by the width of
/// cut neighbours (their value goes to the frame above, drawn first).
pub fn folded_lines(
    prep: &Prepared<'_>,
    after: &Stacks,
    before: Option<&Stacks>,
    prune_below: Option<f64>,
) -> (Vec<String>, usize) {
    let mut negative = 0;
    // (stack, before, after)
    let mut rows: Vec<(&[u32], i64, i64)> = Vec::with_capacity(after.len());
    match before {
        None => {
            for (key, &a) in after {
                if a < 0 {
                    negative += 1;
                } else {
                    rows.push((key, 0, a));
                }
            }
        }
        Some(before) => {
            let mut keys: Vec<&Vec<u32>> = after.keys().chain(before.keys()).collect();
            keys.sort_unstable();
            keys.dedup();
            for key in keys {
                let (b, a) = (
                    *before.get(key).unwrap_or(&0),
                    *after.get(key).unwrap_or(&0),
                );
                if a < 0 || b < 0 {
                    negative += 1;
                } else {
                    rows.push((key, b, a));
                }
            }
        }
    }
    // In frame order (see FrameTexts).
    rows.sort_unstable_by(|x, y| x.0.cmp(y.0));
    let rows = match prune_below {
        Some(pct) => prune(&rows, pct),
        None => rows
            .into_iter()
            .map(|(k, b, a)| (k.to_vec(), b, a, false))
            .collect(),
    };
    let texts = FrameTexts::new(prep);
    let lines = rows
        .iter()
        .map(|(path, b, a, _)| {
            let mut text = String::with_capacity(path.len() * 24);
            texts.write(path, &mut text);
            if before.is_some() {
                text.push_str(&format!(" {b}"));
            }
            text.push_str(&format!(" {a}"));
            text
        })
        .collect();
    (lines, negative)
}

/// Cuts frames narrower than `pct` percent of the total (after values)
/// from sorted stacks, as inferno leaves them out (the same comparison);
/// stacks that become equal are merged and marked as cut.
fn prune(rows: &[(&[u32], i64, i64)], pct: f64) -> Vec<(Vec<u32>, i64, i64, bool)> {
    let total: i64 = rows.iter().fold(0i64, |t, r| t.saturating_add(r.2));
    let threshold = pct / (100.0 / total as f64);
    // Depth at which each stack is cut; frames at that depth and deeper go.
    let mut cut: Vec<usize> = rows.iter().map(|r| r.0.len()).collect();
    // Open frames of the current stack: (first row, width so far).
    let mut open: Vec<(usize, i64)> = Vec::new();
    let close = |open: &mut Vec<(usize, i64)>, keep: usize, end: usize, cut: &mut [usize]| {
        while open.len() > keep {
            let depth = open.len() - 1;
            let (start, width) = open.pop().expect("non-empty");
            if (width as f64) < threshold {
                for c in &mut cut[start..end] {
                    *c = (*c).min(depth);
                }
            }
        }
    };
    for (i, (key, _, a)) in rows.iter().enumerate() {
        let common = if i == 0 {
            0
        } else {
            let prev = rows[i - 1].0;
            prev.iter()
                .zip(key.iter())
                .take_while(|(x, y)| x == y)
                .count()
        };
        let keep = common.min(open.len());
        close(&mut open, keep, i, &mut cut);
        while open.len() < key.len() {
            open.push((i, 0));
        }
        for frame in open.iter_mut() {
            frame.1 = frame.1.saturating_add(*a);
        }
    }
    close(&mut open, 0, rows.len(), &mut cut);

    // Keep at least the root frame, so the total stays whole.
    let mut merged: FxHashMap<&[u32], (i64, i64, bool)> = FxHashMap::default();
    for ((key, b, a), &c) in rows.iter().zip(&cut) {
        let len = c.max(1).min(key.len());
        let e = merged.entry(&key[..len]).or_insert((0, 0, false));
        e.0 = e.0.saturating_add(*b);
        e.1 = e.1.saturating_add(*a);
        e.2 |= len < key.len();
    }
    let mut out: Vec<(Vec<u32>, i64, i64, bool)> = merged
        .into_iter()
        .map(|(k, (b, a, cut))| (k.to_vec(), b, a, cut))
        .collect();
    out.sort_unstable_by(|x, y| x.0.cmp(&y.0));
    out
}

/// Folded lines of the samples in `range` with frames narrower than `pct`
/// percent of the total already cut (as [`folded_lines`] with
/// `prune_below`, and with the same result), and the total; `None` when a
/// sample value is negative (left to [`folded_lines`], which reports it) or
/// a stack is deeper than [`MAX_DEPTH`] (left to [`fold`], which cuts it).
///
/// Instead of folding every distinct stack and then cutting, this builds
/// only the part of the call tree that will be drawn: the samples are split
/// by their frame at depth 0, 1, 2, … (a counting sort over dense node ids,
/// no hashing), and a group narrower than the threshold stops there, its
/// value kept by the frame above. A big profile's hundreds of thousands of
/// stacks end after a few levels, in a few thousand lines.
pub fn pruned_lines(
    prep: &Prepared<'_>,
    range: Range<usize>,
    pct: f64,
) -> Result<Option<(Vec<String>, i64)>, Overflow> {
    split_lines(prep, range, pct, PARALLEL_ITEMS, PARALLEL_NODES)
}

/// [`pruned_lines`], on two threads once `parallel_items` samples or more
/// are still to split, and lines written on two threads once the drawn tree
/// has `parallel_nodes` nodes.
fn split_lines(
    prep: &Prepared<'_>,
    range: Range<usize>,
    pct: f64,
    parallel_items: usize,
    parallel_nodes: usize,
) -> Result<Option<(Vec<String>, i64)>, Overflow> {
    let p = prep.profile();
    let table = &prep.table;
    let frames = &p.samples.frames;
    if frames.len() >= u32::MAX as usize {
        // Positions would not fit the cursors; the general path copes.
        return Ok(None);
    }
    let texts = FrameTexts::new(prep);
    let of = &texts.of[..];
    // Only a stack of more locations than this can be too deep.
    let max_slots = (0..p.locations.len())
        .map(|l| table.slots(l as u32).len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut items = Vec::new();
    let mut total: i64 = 0;
    for i in range {
        if !prep.view.sample_kept(i) {
            continue;
        }
        let w = p.samples.value(i, prep.value_index);
        if w < 0 {
            return Ok(None);
        }
        if w == 0 {
            continue;
        }
        let stack = p.samples.stack(i);
        if stack.len() > MAX_DEPTH / max_slots
            && stack.iter().map(|&l| table.slots(l).len()).sum::<usize>() > MAX_DEPTH
        {
            return Ok(None);
        }
        let start = if i == 0 {
            0
        } else {
            p.samples.frame_ends[i - 1]
        };
        let mut item = Cursor {
            pos: p.samples.frame_ends[i] as u32,
            start: start as u32,
            slot: 0,
            elem: END,
            w,
        };
        item.settle(frames, table, of);
        if item.elem != END {
            total = total.checked_add(w).ok_or(Overflow)?;
            items.push(item);
        }
    }
    let threshold = pct / (100.0 / total as f64);

    let mut scratch = items.clone();
    let mut main = Grower::new(frames, table, of, texts.texts.len(), threshold);
    let mut work = vec![Work {
        start: 0,
        end: items.len(),
        parent: 0,
        depth: 0,
        in_scratch: false,
    }];
    // Alone while one group holds most of the samples (splitting it first:
    // the order of the work does not change the tree), then the pending
    // groups in two halves of about as many samples, one per thread.
    loop {
        let pending: usize = work.iter().map(Work::len).sum();
        let Some(largest) = (0..work.len()).max_by_key(|&i| work[i].len()) else {
            break;
        };
        if work.len() > 1 && work[largest].len() * 5 <= pending * 3 {
            break;
        }
        let w = work.swap_remove(largest);
        work.push(w);
        main.step(&mut items, &mut scratch, 0, &mut work)?;
    }
    work.sort_unstable_by_key(|w| w.start);
    let pending: usize = work.iter().map(Work::len).sum();
    if pending < parallel_items {
        main.run(&mut items, &mut scratch, 0, &mut work)?;
    } else {
        // The pending ranges are in ascending order: split them where the
        // items before are about half.
        let mut before = 0;
        let mut m = 0;
        while m < work.len() - 1 && before + work[m].len() <= pending / 2 {
            before += work[m].len();
            m += 1;
        }
        let m = m.max(1);
        let cut = work[m].start;
        let mut second_work = work.split_off(m);
        let mut second = main.fork();
        let (items_a, items_b) = items.split_at_mut(cut);
        let (scratch_a, scratch_b) = scratch.split_at_mut(cut);
        let (a, b) = std::thread::scope(|scope| {
            let b = scope.spawn(|| second.run(items_b, scratch_b, cut, &mut second_work));
            let a = main.run(items_a, scratch_a, 0, &mut work);
            let b = b
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (a, b)
        });
        a?;
        b?;
        main.join(second)?;
    }
    let lines = tree_lines(&main.tree, &texts, parallel_nodes);
    Ok(Some((lines, total)))
}

/// The folded line of every node of the drawn tree that has a value of its
/// own, in frame order; built in two halves on two threads (and merged)
/// once the tree has `parallel_nodes` nodes.
fn tree_lines(tree: &[TreeNode], texts: &FrameTexts, parallel_nodes: usize) -> Vec<String> {
    let build = |nodes: Range<usize>| {
        let mut lines: Vec<(Vec<u32>, String)> = Vec::new();
        for node in tree[nodes].iter().filter(|t| t.own > 0) {
            let mut path: Vec<u32> = Vec::new();
            let mut t = node;
            loop {
                path.push(t.elem);
                if t.parent == 0 {
                    break;
                }
                t = &tree[t.parent as usize];
            }
            path.reverse();
            let mut text = String::with_capacity(path.len() * 24);
            texts.write(&path, &mut text);
            text.push(' ');
            text.push_str(&node.own.to_string());
            lines.push((path, text));
        }
        lines.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        lines
    };
    let n = tree.len();
    if n < parallel_nodes {
        return build(1..n).into_iter().map(|(_, text)| text).collect();
    }
    let mid = n / 2;
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| build(mid..n));
        let first = build(1..mid);
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    });
    let mut lines = Vec::with_capacity(first.len() + second.len());
    let mut second = second.into_iter().peekable();
    for (path, text) in first {
        while let Some((_, earlier)) = second.next_if(|s| s.0 < path) {
            lines.push(earlier);
        }
        lines.push(text);
    }
    lines.extend(second.map(|(_, text)| text));
    lines
}

/// How many cursors ahead [`pruned_lines`] asks for the frames it will
/// read: the cursors of a group point all over the samples' frames, so each
/// read would otherwise wait for memory.
const PREFETCH_AHEAD: usize = 16;

/// Asks the CPU to bring `frames[i]` into the cache (a hint; nothing else).
#[inline(always)]
fn prefetch(frames: &[u32], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(frame) = frames.get(i) {
        // SAFETY: `_mm_prefetch` only hints the cache: it reads no data, writes
        // nothing and cannot fault; the pointer comes from a live reference.
        // It needs SSE, which every x86_64 CPU has (the target's baseline).
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>((frame as *const u32).cast::<i8>());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (frames, i);
}

/// Below this many samples still to split, one thread does it all.
const PARALLEL_ITEMS: usize = 50_000;
/// Below this many nodes in the drawn tree, one thread writes the lines.
const PARALLEL_NODES: usize = 4_096;

/// One thread's share of [`pruned_lines`]: the part of the drawn call tree
/// it has grown, and its counting-sort tables.
struct Grower<'a> {
    frames: &'a [u32],
    table: &'a crate::profile::graph::NodeTable,
    /// Each frame's text number ([`FrameTexts::of`]).
    of: &'a [u32],
    threshold: f64,
    /// The drawn call tree: node 0 is above the roots.
    tree: Vec<TreeNode>,
    /// Tree nodes below this were grown before a [`Grower::fork`].
    shared: usize,
    count: Vec<u32>,
    weight: Vec<i64>,
    touched: Vec<u32>,
    groups: Vec<(u32, usize, usize, i64)>,
}

/// Items still to split: a range (absolute), the tree node above them, the
/// depth of their frames, and which of the two buffers holds them (each
/// split moves a range's items from one buffer to the other).
#[derive(Clone, Copy)]
struct Work {
    start: usize,
    end: usize,
    parent: u32,
    depth: usize,
    in_scratch: bool,
}

impl Work {
    fn len(&self) -> usize {
        self.end - self.start
    }
}

impl<'a> Grower<'a> {
    /// A grower of frames whose text numbers (`of`) are below `texts`.
    fn new(
        frames: &'a [u32],
        table: &'a crate::profile::graph::NodeTable,
        of: &'a [u32],
        texts: usize,
        threshold: f64,
    ) -> Self {
        Grower {
            frames,
            table,
            of,
            threshold,
            tree: vec![TreeNode {
                parent: NONE_NODE,
                elem: END,
                own: 0,
            }],
            shared: 0,
            count: vec![0; texts],
            weight: vec![0; texts],
            touched: Vec::new(),
            groups: Vec::new(),
        }
    }

    /// A grower for another thread: the tree so far, with nothing of its
    /// own yet in it.
    fn fork(&self) -> Self {
        let mut other = Grower::new(
            self.frames,
            self.table,
            self.of,
            self.count.len(),
            self.threshold,
        );
        other.tree = self
            .tree
            .iter()
            .map(|t| TreeNode {
                parent: t.parent,
                elem: t.elem,
                own: 0,
            })
            .collect();
        other.shared = self.tree.len();
        other
    }

    /// Takes in what a fork grew: its values on the shared nodes and its
    /// own nodes.
    fn join(&mut self, other: Grower<'_>) -> Result<(), Overflow> {
        let shared = other.shared;
        for (mine, theirs) in self.tree.iter_mut().zip(&other.tree[..shared]) {
            mine.own = mine.own.checked_add(theirs.own).ok_or(Overflow)?;
        }
        let base = self.tree.len() as u32;
        let renumber = |n: u32| {
            if (n as usize) < shared {
                n
            } else {
                n - shared as u32 + base
            }
        };
        for t in &other.tree[shared..] {
            self.tree.push(TreeNode {
                parent: renumber(t.parent),
                elem: t.elem,
                own: t.own,
            });
        }
        Ok(())
    }

    /// Splits all the work (items and scratch start at item `base`).
    fn run(
        &mut self,
        items: &mut [Cursor],
        scratch: &mut [Cursor],
        base: usize,
        work: &mut Vec<Work>,
    ) -> Result<(), Overflow> {
        while !work.is_empty() {
            self.step(items, scratch, base, work)?;
        }
        Ok(())
    }

    /// Splits the last range of `work` by the items' frames, moving them to
    /// the other buffer: each group wide enough becomes a tree node and new
    /// work, the others add to the node above. While all the items go on
    /// with one frame (a chain of single callees, common in deep stacks),
    /// they stay where they are and are counted as they move down.
    fn step(
        &mut self,
        items: &mut [Cursor],
        scratch: &mut [Cursor],
        base: usize,
        work: &mut Vec<Work>,
    ) -> Result<(), Overflow> {
        let Some(mut w) = work.pop() else {
            return Ok(());
        };
        let (start, end) = (w.start - base, w.end - base);
        let (from, to) = if w.in_scratch {
            (scratch, items)
        } else {
            (items, scratch)
        };
        let Grower {
            frames,
            table,
            of,
            threshold,
            tree,
            count,
            weight,
            touched,
            groups,
            ..
        } = self;
        touched.clear();
        let mut ended = false;
        for it in &from[start..end] {
            ended |= tally(it, w.parent, tree, count, weight, touched)?;
        }
        while touched.len() == 1 && !ended {
            let e = touched[0] as usize;
            let group_weight = weight[e];
            (count[e], weight[e]) = (0, 0);
            touched.clear();
            let kept = grow(tree, w.parent, e as u32, group_weight, w.depth, *threshold)?;
            let Some(child) = kept else {
                return Ok(());
            };
            (w.parent, w.depth) = (child, w.depth + 1);
            descend(&mut from[start..end], frames, table, of, |it| {
                ended |= tally(it, child, tree, count, weight, touched)?;
                Ok(())
            })?;
        }
        let parent = w.parent;
        // Lay the groups out one after another, then move the items.
        groups.clear();
        let mut next = start;
        for &e in touched.iter() {
            let e = e as usize;
            let n = count[e] as usize;
            groups.push((e as u32, next, next + n, weight[e]));
            count[e] = next as u32;
            next += n;
        }
        for it in &from[start..end] {
            let e = it.elem;
            if e != END {
                let slot = &mut count[e as usize];
                to[*slot as usize] = *it;
                *slot += 1;
            }
        }
        for &(e, begin, stop, group_weight) in groups.iter() {
            count[e as usize] = 0;
            weight[e as usize] = 0;
            let Some(child) = grow(tree, parent, e, group_weight, w.depth, *threshold)? else {
                continue;
            };
            descend(&mut to[begin..stop], frames, table, of, |_| Ok(()))?;
            work.push(Work {
                start: begin + base,
                end: stop + base,
                parent: child,
                depth: w.depth + 1,
                in_scratch: !w.in_scratch,
            });
        }
        Ok(())
    }
}

/// A group of frame `elem` below `parent`, at `depth`, weighing `weight`:
/// a new tree node (returned) when it is wide enough to draw, else its
/// value stays with `parent`. The roots stay, so the total stays whole.
fn grow(
    tree: &mut Vec<TreeNode>,
    parent: u32,
    elem: u32,
    weight: i64,
    depth: usize,
    threshold: f64,
) -> Result<Option<u32>, Overflow> {
    if depth > 0 && (weight as f64) < threshold {
        let own = &mut tree[parent as usize].own;
        *own = own.checked_add(weight).ok_or(Overflow)?;
        return Ok(None);
    }
    tree.push(TreeNode {
        parent,
        elem,
        own: 0,
    });
    Ok(Some(tree.len() as u32 - 1))
}

/// Moves every cursor of `group` one frame down, then calls `then` on it.
#[inline(always)]
fn descend(
    group: &mut [Cursor],
    frames: &[u32],
    table: &crate::profile::graph::NodeTable,
    of: &[u32],
    mut then: impl FnMut(&Cursor) -> Result<(), Overflow>,
) -> Result<(), Overflow> {
    for j in 0..group.len() {
        if let Some(ahead) = group.get(j + PREFETCH_AHEAD) {
            // The next location's frame, where `settle` will read (or past
            // the sample's frames: a hint needs no bounds).
            prefetch(frames, (ahead.pos as usize).wrapping_sub(2));
        }
        let it = &mut group[j];
        it.slot += 1;
        it.settle(frames, table, of);
        then(it)?;
    }
    Ok(())
}

/// Counts an item into the group of its frame; an item past its leaf
/// instead adds its value to `parent` (and true is returned).
#[inline(always)]
fn tally(
    it: &Cursor,
    parent: u32,
    tree: &mut [TreeNode],
    count: &mut [u32],
    weight: &mut [i64],
    touched: &mut Vec<u32>,
) -> Result<bool, Overflow> {
    let e = it.elem;
    if e == END {
        let own = &mut tree[parent as usize].own;
        *own = own.checked_add(it.w).ok_or(Overflow)?;
        return Ok(true);
    }
    let e = e as usize;
    if count[e] == 0 {
        touched.push(e as u32);
    }
    count[e] += 1;
    weight[e] = weight[e].checked_add(it.w).ok_or(Overflow)?;
    Ok(false)
}

/// Marks the end of a sample's frames.
const END: u32 = u32::MAX;
const NONE_NODE: u32 = u32::MAX;

/// A node of the drawn call tree: its frame (a text number of
/// [`FrameTexts`]) and the value
/// of the samples that end in it or below it in frames too narrow to draw.
struct TreeNode {
    parent: u32,
    elem: u32,
    own: i64,
}

/// Where a sample is in its walk from the root: at slot `slot` of the
/// location `frames[pos - 1]` (the sample's frames are
/// `frames[start..pos_at_root]`, leaf first), whose frame is `elem` (or
/// END past the leaf); `w` is the sample's value. Successive steps of a
/// sample read neighbouring frames, so they mostly hit the cache.
#[derive(Clone, Copy)]
struct Cursor {
    pos: u32,
    start: u32,
    slot: u32,
    elem: u32,
    w: i64,
}

impl Cursor {
    /// Moves past the ends of locations (and locations without frames) and
    /// sets `elem`: the frame's text number (`of` numbers each node, and
    /// after them each node as an inlined call).
    #[inline]
    fn settle(&mut self, frames: &[u32], table: &crate::profile::graph::NodeTable, of: &[u32]) {
        while self.pos > self.start {
            let slots = table.slots(frames[self.pos as usize - 1]);
            if let Some(&node) = slots.get(self.slot as usize) {
                let inline = if self.slot > 0 { table.len() } else { 0 };
                self.elem = of[node as usize + inline];
                return;
            }
            self.pos -= 1;
            self.slot = 0;
        }
        self.elem = END;
    }
}

/// The unit word inferno prints after counts.
fn count_name(unit: &str) -> &'static str {
    if unit == "bytes" {
        "bytes"
    } else {
        "objects"
    }
}

/// Writes `svg` with inferno's tooltips ("f (1,234,567 bytes, 12.34%)")
/// in human units ("f (1.18 MB, 12.34%)"). A tooltip is the text between
/// the last `(` before `)</title>` and it, with no `(`, `)` or `<` inside.
fn write_humanized(w: &mut dyn Write, svg: &[u8]) -> io::Result<()> {
    let mut done = 0;
    for close in memchr::memmem::find_iter(svg, b")</title>") {
        let Some(open) = memchr::memrchr3(b'(', b')', b'<', &svg[done..close]) else {
            continue;
        };
        let open = done + open;
        if svg[open] != b'(' {
            continue;
        }
        if let Some((bytes, rest)) = tooltip_bytes(&svg[open + 1..close]) {
            w.write_all(&svg[done..=open])?;
            write!(w, "{}, ", units::human_bytes(bytes))?;
            w.write_all(rest)?;
            done = close;
        }
    }
    w.write_all(&svg[done..])
}

/// The count and the rest of a tooltip's "1,234,567 bytes, 12.34%": digits
/// in groups of three after the first one to three, " bytes, ", and text
/// ending in `%`.
fn tooltip_bytes(text: &[u8]) -> Option<(i64, &[u8])> {
    let space = memchr::memchr(b' ', text)?;
    let (number, rest) = text.split_at(space);
    let rest = rest.strip_prefix(b" bytes, ")?;
    if !rest.ends_with(b"%") {
        return None;
    }
    let mut groups = number.split(|&b| b == b',');
    let first = groups.next()?;
    let digits = |g: &[u8]| g.iter().all(u8::is_ascii_digit);
    if first.is_empty() || first.len() > 3 || !digits(first) {
        return None;
    }
    let mut value: i64 = 0;
    let mut add = |g: &[u8]| {
        for &d in g {
            value = value.saturating_mul(10).saturating_add(i64::from(d - b'0'));
        }
    };
    add(first);
    for g in groups {
        if g.len() != 3 || !digits(g) {
            return None;
        }
        add(g);
    }
    Some((value, rest))
}

/// Everything a flame graph shows besides the stacks.
pub struct Labels {
    pub title: String,
    pub subtitle: Option<String>,
}

/// The default title and subtitle: sample type and total in human units
/// (and, for a differential graph, the change since BEFORE's total), the
/// file and time.
pub fn labels(
    prep: &Prepared<'_>,
    total: i64,
    before_total: Option<i64>,
    opts: &FlameOptions,
) -> Labels {
    let unit = prep.sample_unit();
    let amount = |v: i64| {
        if unit == "bytes" {
            units::human_bytes(v)
        } else {
            format!("{v} {}", count_name(&unit))
        }
    };
    let mut default = format!("{}: {}", prep.sample_type(), amount(total));
    if let Some(before) = before_total {
        let change = total.saturating_sub(before);
        let sign = if change > 0 { "+" } else { "" };
        default.push_str(&format!(
            " ({sign}{} since before; red grew, blue shrank)",
            amount(change)
        ));
    }
    let title = match &opts.title {
        Some(t) => escape::text(t).into_owned(),
        None => default,
    };
    let p = prep.profile();
    let mut parts = vec![escape::text(&prep.loaded.name).into_owned()];
    if p.time_nanos != 0 {
        parts.push(format_time(p.time_nanos));
    }
    for f in &prep.filters {
        parts.push(escape::text(f).into_owned());
    }
    // Inferno writes these as XML text; what is escaped here holds no
    // character XML forbids.
    Labels {
        title,
        subtitle: Some(parts.join(" · ")),
    }
}

/// Draws the SVG from folded lines.
pub fn write_svg(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    lines: &[String],
    labels: Labels,
    opts: &FlameOptions,
) -> anyhow::Result<()> {
    let palette: Palette = opts
        .colors
        .parse()
        .map_err(|_| anyhow::anyhow!("unknown palette {:?}", opts.colors))?;
    let mut options = flamegraph::Options::default();
    options.colors = palette;
    options.count_name = count_name(&prep.sample_unit()).to_string();
    options.name_type = "Function:".to_string();
    options.title = labels.title;
    options.subtitle = labels.subtitle;
    options.deterministic = true;
    options.min_width = opts.min_width;
    options.image_width = opts.width;
    if opts.reverse {
        options.direction = Direction::Inverted;
    }
    let mut svg = Vec::new();
    if lines.is_empty() {
        anyhow::bail!(
            "nothing to draw: no sample has a non-zero {}",
            prep.sample_type()
        );
    }
    // Our lines come in frame order (see FrameTexts), which inferno must
    // keep: sorted again as text, some call paths would be drawn twice.
    // Inferno takes lines in the order given only for a flame chart (whose
    // one difference is that it reverses them first; `no_sort` insists on
    // text order), so it gets them reversed.
    options.flame_chart = true;
    flamegraph::from_lines(
        &mut options,
        lines.iter().rev().map(String::as_str),
        &mut svg,
    )?;
    if prep.sample_unit() == "bytes" {
        write_humanized(w, &svg)?;
    } else {
        w.write_all(&svg)?;
    }
    Ok(())
}

/// Sum of the values of folded stacks.
pub fn stacks_total(stacks: &Stacks) -> i64 {
    stacks.values().fold(0i64, |a, &v| a.saturating_add(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The call-tree path and the fold-then-cut path give the same lines,
    /// on real profiles, every sample type, with and without inlined
    /// frames, for thresholds that cut nothing, some and most.
    #[test]
    fn pruned_lines_equal_folding_then_cutting() {
        use crate::input::{self, Source};
        use crate::profile::graph::{Granularity, NodeOptions};
        use crate::report::Selection;
        let opts = input::ReadOptions {
            max_size: u64::MAX,
            fetch: Default::default(),
        };
        let mut compared = 0;
        for name in [
            "inline.pb.gz",
            "recursion.pb.gz",
            "server.pb.gz",
            "churn.pb.gz",
        ] {
            let path = format!("{}/testdata/profiles/{name}", env!("CARGO_MANIFEST_DIR"));
            let loaded = input::load(&Source::parse(&path), &opts, &mut Vec::new()).unwrap();
            for sample in ["alloc_space", "inuse_space", "alloc_objects"] {
                for granularity in [Granularity::Functions, Granularity::Lines] {
                    let selection = Selection {
                        sample_index: Some(sample.to_string()),
                        nodes: NodeOptions {
                            granularity,
                            ..Default::default()
                        },
                        ..Default::default()
                    };
                    let prep = Prepared::new(&loaded, &selection, &mut Vec::new()).unwrap();
                    let all = 0..loaded.profile.samples.len();
                    let (stacks, _) = fold(&prep, all.clone()).unwrap();
                    for pct in [0.0, 0.01, 1.0, 10.0] {
                        let (want, negative) = folded_lines(&prep, &stacks, None, Some(pct));
                        assert_eq!(negative, 0);
                        let (got, total) = pruned_lines(&prep, all.clone(), pct).unwrap().unwrap();
                        assert_eq!(got, want, "{name} {sample} {granularity:?} {pct}%");
                        assert_eq!(total, stacks_total(&stacks));
                        // The same on two threads, from the first branch.
                        let (two, _) = split_lines(&prep, all.clone(), pct, 1, 1).unwrap().unwrap();
                        assert_eq!(
                            two, want,
                            "{name} {sample} {granularity:?} {pct}%, 2 threads"
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 4 * 3 * 2 * 4);
    }

    /// The frames drawn, from an SVG, sorted: each one's tooltip (name,
    /// value, share), height and width in counts.
    fn drawn_frames(svg: &[u8]) -> Vec<String> {
        let svg = String::from_utf8(svg.to_vec()).unwrap();
        let attr = |g: &str, name: &str| -> String {
            let value = g.split(&format!(" {name}=\"")).nth(1).unwrap_or("?");
            value.split('"').next().unwrap_or("?").to_string()
        };
        let mut frames: Vec<String> = svg
            .split("<g><title>")
            .skip(1)
            .map(|g| {
                let title = g.split("</title>").next().unwrap_or("?");
                format!("{title} y={} w={}", attr(g, "y"), attr(g, "fg:w"))
            })
            .collect();
        frames.sort();
        assert!(!frames.is_empty() && !frames.iter().any(|f| f.contains('?')));
        frames
    }

    /// Cutting narrow frames before inferno draws nothing else than inferno
    /// does from every stack: the same frames, each as wide, with the same
    /// tooltip; only positions can differ.
    #[test]
    fn cut_frames_are_the_ones_inferno_leaves_out() {
        use crate::input::{self, Source};
        use crate::report::Selection;
        let opts = input::ReadOptions {
            max_size: u64::MAX,
            fetch: Default::default(),
        };
        // Other profiles (comma-separated paths) for a longer check.
        let paths = std::env::var("HEAPSCOPE_FLAME_PROFILES").unwrap_or_else(|_| {
            [
                "inline.pb.gz",
                "recursion.pb.gz",
                "server.pb.gz",
                "churn.pb.gz",
            ]
            .map(|n| format!("{}/testdata/profiles/{n}", env!("CARGO_MANIFEST_DIR")))
            .join(",")
        });
        let mut compared = 0;
        for path in paths.split(',') {
            let loaded = input::load(&Source::parse(path), &opts, &mut Vec::new()).unwrap();
            for sample in ["alloc_space", "inuse_objects"] {
                let selection = Selection {
                    sample_index: Some(sample.to_string()),
                    ..Default::default()
                };
                let prep = Prepared::new(&loaded, &selection, &mut Vec::new()).unwrap();
                let all = 0..loaded.profile.samples.len();
                let (stacks, _) = fold(&prep, all.clone()).unwrap();
                for pct in [0.01, 0.5, 5.0] {
                    let options = FlameOptions {
                        title: None,
                        width: None,
                        min_width: pct,
                        reverse: false,
                        colors: "mem".into(),
                        folded: false,
                    };
                    let svg = |lines: &[String], total| {
                        let labels = labels(&prep, total, None, &options);
                        let mut out = Vec::new();
                        write_svg(&mut out, &prep, lines, labels, &options).unwrap();
                        drawn_frames(&out)
                    };
                    let (every, _) = folded_lines(&prep, &stacks, None, None);
                    let (cut, total) = pruned_lines(&prep, all.clone(), pct).unwrap().unwrap();
                    assert!(cut.len() <= every.len());
                    assert_eq!(
                        svg(&cut, total),
                        svg(&every, total),
                        "{path} {sample} {pct}%"
                    );
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, paths.split(',').count() * 2 * 3);
    }

    #[test]
    fn prune_cuts_narrow_frames_and_keeps_their_value_in_the_parent() {
        // Total 1000; threshold 10% → cut below 100, as inferno leaves out.
        let rows: Vec<(&[u32], i64, i64)> = vec![
            (&[1, 2, 3], 0, 500),
            (&[1, 2, 4], 0, 30),
            (&[1, 2, 5, 6], 0, 20),
            (&[1, 7], 0, 389),
            (&[1, 9], 0, 60),
            (&[8], 0, 1),
        ];
        let got = prune(&rows, 10.0);
        assert_eq!(
            got,
            vec![
                (vec![1], 0, 60, true),
                (vec![1, 2], 0, 50, true),
                (vec![1, 2, 3], 0, 500, false),
                (vec![1, 7], 0, 389, false),
                (vec![8], 0, 1, false),
            ]
        );
    }

    #[test]
    fn tooltips_get_human_units() {
        let svg =
            "<title>main.f (1,234,567 bytes, 12.34%)</title><title>all (512 bytes, 100%)</title>\
                   <title>g (2,048 bytes, 1.00%; +0.50%)</title>";
        let mut out = Vec::new();
        write_humanized(&mut out, svg.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<title>main.f (1.18 MB, 12.34%)</title><title>all (512 B, 100%)</title>\
             <title>g (2 kB, 1.00%; +0.50%)</title>"
        );
    }

    /// Only inferno's exact tooltip shape is rewritten; names with
    /// parentheses keep them.
    #[test]
    fn tooltips_of_other_shapes_stay() {
        let svg = "<title>f(x) (2,048 bytes, 1%)</title>\
                   <title>g (1,23 bytes, 1%)</title><title>h (1234 bytes, 1%)</title>\
                   <title>i (12 objects, 1%)</title><title>j (12 bytes, 1)</title>\
                   <title>k (12 bytes, (1%)</title><title>(7 bytes, 5%)</title>";
        let mut out = Vec::new();
        write_humanized(&mut out, svg.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<title>f(x) (2 kB, 1%)</title>\
             <title>g (1,23 bytes, 1%)</title><title>h (1234 bytes, 1%)</title>\
             <title>i (12 objects, 1%)</title><title>j (12 bytes, 1)</title>\
             <title>k (12 bytes, (1%)</title><title>(7 B, 5%)</title>"
        );
    }
}
