//! The drawn call tree grown straight from the samples: a counting sort by
//! frame, depth by depth, that stops at groups too narrow to draw, on two
//! threads for big profiles. Its lines are [`super::folded_lines`]'s with
//! the same cut.

use std::ops::Range;

use super::fold::FrameTexts;
use super::MAX_DEPTH;
use crate::profile::graph::{NodeTable, Overflow};
use crate::profile::{Frame, FrameVec, LocationIndex};
use crate::report::Prepared;
use crate::support::id::dense_id;
use crate::support::parallel;

/// Folded lines of the samples in `range` with frames narrower than `pct`
/// percent of the total already cut (as [`super::folded_lines`] with
/// `cut_below`, and with the same result), and the total; `None` when a
/// sample value is negative (left to [`super::folded_lines`], which reports
/// it) or a stack is deeper than [`MAX_DEPTH`] (left to [`super::fold()`],
/// which cuts it).
///
/// Instead of folding every distinct stack and then cutting, this builds
/// only the part of the call tree that will be drawn: the samples are split
/// by their frame at depth 0, 1, 2, … (a counting sort over dense node ids,
/// no hashing), and a group narrower than the threshold stops there, its
/// value kept by the frame above. A big profile's hundreds of thousands of
/// stacks end after a few levels, in a few thousand lines.
pub fn lines_cut_narrow(
    prep: &Prepared<'_>,
    range: Range<usize>,
    pct: f64,
) -> Result<Option<(Vec<String>, i64)>, Overflow> {
    split_lines(prep, range, pct, PARALLEL_ITEMS)
}

/// [`lines_cut_narrow`], on two threads once `parallel_items` samples or more
/// are still to split.
fn split_lines(
    prep: &Prepared<'_>,
    range: Range<usize>,
    pct: f64,
    parallel_items: usize,
) -> Result<Option<(Vec<String>, i64)>, Overflow> {
    match &prep.profile().samples.frames {
        FrameVec::Narrow(f) => split_lines_in(prep, f, range, pct, parallel_items),
        FrameVec::Wide(f) => split_lines_in(prep, f, range, pct, parallel_items),
    }
}

/// [`split_lines`] over the stored frames of one width.
fn split_lines_in<F: Frame>(
    prep: &Prepared<'_>,
    frames: &[F],
    range: Range<usize>,
    pct: f64,
    parallel_items: usize,
) -> Result<Option<(Vec<String>, i64)>, Overflow> {
    let p = prep.profile();
    let table = &prep.table;
    if frames.len() >= u32::MAX as usize {
        // Positions would not fit the cursors; the general path copes.
        return Ok(None);
    }
    let texts = FrameTexts::new(prep);
    let of = &texts.of[..];
    // Only a stack of more locations than this can be too deep.
    let max_slots = (0..p.locations.len())
        .map(|l| table.slots(LocationIndex::from_index(l)).len())
        .max()
        .unwrap_or(0)
        .max(1);
    let first_items = |range: Range<usize>| first_cursors(prep, frames, range, max_slots, of);
    let (mut items, stopped, more) = if range.len() >= parallel_items {
        // Two halves on two threads; the sums and stops below are taken in
        // sample order, as one pass would.
        let mid = range.start + range.len() / 2;
        let (a, b) = parallel::join(
            || first_items(range.start..mid),
            || first_items(mid..range.end),
        );
        (a.0, a.1, Some(b))
    } else {
        let (items, stopped) = first_items(range);
        (items, stopped, None)
    };
    let mut total: i64 = 0;
    for item in &items {
        total = total.checked_add(item.w).ok_or(Overflow)?;
    }
    if stopped {
        return Ok(None);
    }
    // The second buffer, which every split moves items into: the second
    // half's, once copied after the first (its pages are touched already;
    // every item is written before it is read).
    let mut scratch = Vec::new();
    if let Some((more, stopped)) = more {
        for item in &more {
            total = total.checked_add(item.w).ok_or(Overflow)?;
        }
        if stopped {
            return Ok(None);
        }
        items.extend_from_slice(&more);
        scratch = more;
    }
    let threshold = pct / (100.0 / total as f64);
    if let Some(&first) = items.first() {
        scratch.resize(items.len(), first);
    }
    let mut main = Grower::new(frames, table, of, texts.texts.len(), threshold);
    let mut work = vec![Work {
        start: 0,
        end: items.len(),
        parent: DrawnNode::ABOVE_ROOTS,
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
        let wide = w.len() >= parallel_items;
        work.push(w);
        if wide {
            main.step_wide(&mut items, &mut scratch, &mut work)?;
        } else {
            main.step(&mut items, &mut scratch, 0, &mut work)?;
        }
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
        let (a, b) = parallel::join(
            || main.run(items_a, scratch_a, 0, &mut work),
            || second.run(items_b, scratch_b, cut, &mut second_work),
        );
        a?;
        b?;
        main.join(second)?;
    }
    let lines = tree_lines(&main.tree, &texts);
    Ok(Some((lines, total)))
}

/// The cursors of the samples in `range` that the drawn tree starts from
/// (those kept, of a positive value, with a frame), at their root frames;
/// and whether `range` stopped early, at a sample that the general path
/// must handle ([`lines_cut_narrow`] returns `None` then): a negative value
/// or a stack deeper than [`MAX_DEPTH`].
fn first_cursors<F: Frame>(
    prep: &Prepared<'_>,
    frames: &[F],
    range: Range<usize>,
    max_slots: usize,
    of: &[u32],
) -> (Vec<Cursor>, bool) {
    let p = prep.profile();
    let table = &prep.table;
    let mut items = Vec::new();
    for i in range {
        if !prep.view.sample_kept(i) {
            continue;
        }
        let w = p.samples.value(i, prep.value_index);
        if w < 0 {
            return (items, true);
        }
        if w == 0 {
            continue;
        }
        let stack = p.samples.stack(i);
        if stack.len() > MAX_DEPTH / max_slots
            && stack.iter().map(|l| table.slots(l).len()).sum::<usize>() > MAX_DEPTH
        {
            return (items, true);
        }
        let start = if i == 0 {
            0
        } else {
            p.samples.frame_ends[i - 1]
        };
        let mut item = Cursor {
            pos: p.samples.frame_ends[i],
            start,
            slot: 0,
            elem: END,
            w,
        };
        item.settle(frames, table, of);
        if item.elem != END {
            items.push(item);
        }
    }
    (items, false)
}

/// The folded line of every node of the drawn tree that has a value of its
/// own, in frame order: the tree walked depth first, each node's children
/// in frame order (a node's path is its parent's and one frame more, and
/// no two nodes have the same path), the path's text kept as it goes.
fn tree_lines(tree: &[TreeNode], texts: &FrameTexts) -> Vec<String> {
    // Each node's children, together, in frame order: a counting sort by
    // parent.
    let n = tree.len();
    let mut starts = vec![0usize; n + 1];
    for t in &tree[1..] {
        starts[t.parent.index() + 1] += 1;
    }
    for i in 0..n {
        starts[i + 1] += starts[i];
    }
    let mut next = starts.clone();
    let mut children = vec![0u32; n.saturating_sub(1)];
    for (i, t) in tree.iter().enumerate().skip(1) {
        let slot = &mut next[t.parent.index()];
        children[*slot] = i as u32;
        *slot += 1;
    }
    for i in 0..n {
        children[starts[i]..starts[i + 1]].sort_unstable_by_key(|&c| tree[c as usize].elem);
    }
    let below = |node: usize| children[starts[node]..starts[node + 1]].iter().rev();
    // (node, the length of its parent's path text)
    let mut todo: Vec<(u32, usize)> = below(0).map(|&c| (c, 0)).collect();
    let mut path = String::new();
    let mut lines = Vec::new();
    while let Some((node, parent_len)) = todo.pop() {
        let t = &tree[node as usize];
        path.truncate(parent_len);
        if parent_len > 0 {
            path.push(';');
        }
        path.push_str(&texts.texts[t.elem as usize]);
        if t.own > 0 {
            lines.push(format!("{path} {}", t.own));
        }
        todo.extend(below(node as usize).map(|&c| (c, path.len())));
    }
    lines
}

/// How many cursors ahead [`lines_cut_narrow`] asks for the frames it will
/// read: the cursors of a group point all over the samples' frames, so each
/// read would otherwise wait for memory.
const PREFETCH_AHEAD: usize = 16;

/// Asks the CPU to bring `frames[i]` into the cache (a hint; nothing else).
#[inline(always)]
fn prefetch<F: Frame>(frames: &[F], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(frame) = frames.get(i) {
        // SAFETY: `_mm_prefetch` only hints the cache: it reads no data, writes
        // nothing and cannot fault; the pointer comes from a live reference.
        // It needs SSE, which every x86_64 CPU has (the target's baseline).
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(frame).cast::<i8>());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (frames, i);
}

/// Below this many samples still to split, one thread does it all.
const PARALLEL_ITEMS: usize = 50_000;

/// One thread's share of [`lines_cut_narrow`]: the part of the drawn call tree
/// it has grown, and its counting-sort tables.
struct Grower<'a, F> {
    frames: &'a [F],
    table: &'a NodeTable,
    /// Each frame's text number ([`FrameTexts::of`]).
    of: &'a [u32],
    threshold: f64,
    /// The drawn call tree: node 0 is above the roots.
    tree: Vec<TreeNode>,
    /// Tree nodes below this were grown before a [`Grower::fork`].
    shared: usize,
    /// The counting sort's table (its counts and values zero between steps).
    tally: Tally,
    groups: Vec<(u32, usize, usize, i64)>,
}

/// Items still to split: a range (absolute), the tree node above them, the
/// depth of their frames, and which of the two buffers holds them (each
/// split moves a range's items from one buffer to the other).
#[derive(Clone, Copy)]
struct Work {
    start: usize,
    end: usize,
    parent: DrawnNode,
    depth: usize,
    in_scratch: bool,
}

impl Work {
    fn len(&self) -> usize {
        self.end - self.start
    }

    /// The buffer holding the work's items, and the one they move to.
    fn buffers<'b>(
        &self,
        items: &'b mut [Cursor],
        scratch: &'b mut [Cursor],
    ) -> (&'b mut [Cursor], &'b mut [Cursor]) {
        if self.in_scratch {
            (scratch, items)
        } else {
            (items, scratch)
        }
    }
}

impl<'a, F: Frame> Grower<'a, F> {
    /// A grower of frames whose text numbers (`of`) are below `texts`.
    fn new(
        frames: &'a [F],
        table: &'a NodeTable,
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
                parent: DrawnNode::NONE,
                elem: END,
                own: 0,
            }],
            shared: 0,
            tally: Tally::new(texts),
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
            self.tally.count.len(),
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
    fn join(&mut self, other: Grower<'_, F>) -> Result<(), Overflow> {
        let shared = other.shared;
        for (mine, theirs) in self.tree.iter_mut().zip(&other.tree[..shared]) {
            mine.own = mine.own.checked_add(theirs.own).ok_or(Overflow)?;
        }
        let base = DrawnNode::from_index(self.tree.len());
        let renumber = |n: DrawnNode| {
            if n.index() < shared {
                n
            } else {
                n.unoffset(DrawnNode::from_index(shared)).offset(base)
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
        let (from, to) = w.buffers(items, scratch);
        let Grower {
            frames,
            table,
            of,
            threshold,
            tree,
            tally,
            groups,
            ..
        } = self;
        tally.clear();
        tally.all(&from[start..end])?;
        while tally.touched.len() == 1 && !tally.ended {
            let e = tally.touched[0];
            let group_weight = tally.weight[e as usize];
            tally.clear();
            let kept = grow(tree, w.parent, e, group_weight, w.depth, *threshold)?;
            let Some(child) = kept else {
                return Ok(());
            };
            (w.parent, w.depth) = (child, w.depth + 1);
            descend(&mut from[start..end], frames, table, of, |it| tally.add(it))?;
        }
        // Items past their leaf leave their values with the node above.
        let parent = w.parent;
        let own = &mut tree[parent.index()].own;
        *own = own.checked_add(tally.ended_weight).ok_or(Overflow)?;
        // Lay the groups out one after another, then move the items.
        groups.clear();
        let mut next = start;
        for &e in &tally.touched {
            let e = e as usize;
            let n = tally.count[e] as usize;
            groups.push((e as u32, next, next + n, tally.weight[e]));
            tally.count[e] = next as u32;
            next += n;
        }
        for it in &from[start..end] {
            let e = it.elem;
            if e != END {
                let slot = &mut tally.count[e as usize];
                to[*slot as usize] = *it;
                *slot += 1;
            }
        }
        for &(e, begin, stop, group_weight) in groups.iter() {
            tally.count[e as usize] = 0;
            tally.weight[e as usize] = 0;
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

impl<F: Frame> Grower<'_, F> {
    /// [`Grower::step`] of a range too big for one thread (all of it, at
    /// first, while every sample goes through the same few frames): each
    /// half of its items counted and moved down on a thread of its own, the
    /// groups' items moved to their places on this one. The tree, groups
    /// and work are those one thread makes: the halves' counts add up, a
    /// group's items keep their order (the first half's first), and the
    /// values, all positive, overflow in the sum when they do in any order.
    fn step_wide(
        &mut self,
        items: &mut [Cursor],
        scratch: &mut [Cursor],
        work: &mut Vec<Work>,
    ) -> Result<(), Overflow> {
        let Some(mut w) = work.pop() else {
            return Ok(());
        };
        let (start, end) = (w.start, w.end);
        let (from, to) = w.buffers(items, scratch);
        let Grower {
            frames,
            table,
            of,
            threshold,
            tree,
            tally,
            ..
        } = self;
        let (frames, table, of, threshold) = (*frames, *table, *of, *threshold);
        let half = (end - start) / 2;
        let texts = tally.count.len();
        let (mut a, mut b) = (Tally::new(texts), Tally::new(texts));
        {
            let (first, second) = from[start..end].split_at(half);
            let (ra, rb) = parallel::join(|| a.all(first), || b.all(second));
            ra?;
            rb?;
        }
        // Down the chain of frames every item has, both halves in step.
        loop {
            let groups = a.merged_order(&b);
            if groups.len() != 1 || a.ended || b.ended {
                break;
            }
            let e = groups[0];
            let group_weight = a.weight[e as usize]
                .checked_add(b.weight[e as usize])
                .ok_or(Overflow)?;
            a.clear();
            b.clear();
            let Some(child) = grow(tree, w.parent, e, group_weight, w.depth, threshold)? else {
                return Ok(());
            };
            (w.parent, w.depth) = (child, w.depth + 1);
            let (first, second) = from[start..end].split_at_mut(half);
            let (ra, rb) = parallel::join(
                || descend(first, frames, table, of, |it| a.add(it)),
                || descend(second, frames, table, of, |it| b.add(it)),
            );
            ra?;
            rb?;
        }
        let parent = w.parent;
        let own = &mut tree[parent.index()].own;
        *own = own
            .checked_add(a.ended_weight)
            .and_then(|o| o.checked_add(b.ended_weight))
            .ok_or(Overflow)?;
        // Each group's items: the first half's, then the second's.
        let mut groups = Vec::new();
        let mut next = start;
        for e in a.merged_order(&b) {
            let i = e as usize;
            let (na, nb) = (a.count[i] as usize, b.count[i] as usize);
            let group_weight = a.weight[i].checked_add(b.weight[i]).ok_or(Overflow)?;
            groups.push((e, next, next + na + nb, group_weight));
            (a.count[i], b.count[i]) = (next as u32, (next + na) as u32);
            next += na + nb;
        }
        let (first, second) = from[start..end].split_at(half);
        for (half, tally) in [(first, &mut a), (second, &mut b)] {
            for it in half {
                if it.elem != END {
                    let slot = &mut tally.count[it.elem as usize];
                    to[*slot as usize] = *it;
                    *slot += 1;
                }
            }
        }
        // The groups wide enough become nodes, in order; their items move
        // one frame down, the groups in two runs of about half the items.
        let mut kept = Vec::new();
        for &(e, begin, stop, group_weight) in &groups {
            if let Some(child) = grow(tree, parent, e, group_weight, w.depth, threshold)? {
                kept.push((begin, stop, child));
            }
        }
        let moved: usize = kept.iter().map(|&(begin, stop, _)| stop - begin).sum();
        let mut cut = kept.len();
        let mut before = 0;
        for (k, &(begin, stop, _)) in kept.iter().enumerate() {
            if before >= moved / 2 {
                cut = k;
                break;
            }
            before += stop - begin;
        }
        let at = kept.get(cut).map_or(end, |&(begin, _, _)| begin);
        let (low, high) = to[start..end].split_at_mut(at - start);
        let down = |part: &mut [Cursor], groups: &[(usize, usize, DrawnNode)], offset: usize| {
            for &(begin, stop, _) in groups {
                descend(
                    &mut part[begin - offset..stop - offset],
                    frames,
                    table,
                    of,
                    |_| Ok(()),
                )?;
            }
            Ok::<(), Overflow>(())
        };
        let (ra, rb) = parallel::join(
            || down(low, &kept[..cut], start),
            || down(high, &kept[cut..], at),
        );
        ra?;
        rb?;
        for &(begin, stop, child) in &kept {
            work.push(Work {
                start: begin,
                end: stop,
                parent: child,
                depth: w.depth + 1,
                in_scratch: !w.in_scratch,
            });
        }
        Ok(())
    }
}

/// A counting sort's counts (a [`Grower`]'s, or one half's in
/// [`Grower::step_wide`]): items per frame, their values, the frames in the
/// order first met, and whether any item was past its leaf, with their
/// values (which stay with the node above).
struct Tally {
    count: Vec<u32>,
    weight: Vec<i64>,
    touched: Vec<u32>,
    ended: bool,
    ended_weight: i64,
}

impl Tally {
    fn new(texts: usize) -> Tally {
        Tally {
            count: vec![0; texts],
            weight: vec![0; texts],
            touched: Vec::new(),
            ended: false,
            ended_weight: 0,
        }
    }

    /// Counts an item into the group of its frame, or among those past
    /// their leaf.
    #[inline(always)]
    fn add(&mut self, it: &Cursor) -> Result<(), Overflow> {
        if it.elem == END {
            self.ended = true;
            self.ended_weight = self.ended_weight.checked_add(it.w).ok_or(Overflow)?;
            return Ok(());
        }
        let e = it.elem as usize;
        if self.count[e] == 0 {
            self.touched.push(it.elem);
        }
        self.count[e] += 1;
        self.weight[e] = self.weight[e].checked_add(it.w).ok_or(Overflow)?;
        Ok(())
    }

    fn all(&mut self, items: &[Cursor]) -> Result<(), Overflow> {
        items.iter().try_for_each(|it| self.add(it))
    }

    /// The frames of both halves in the order one pass meets them.
    fn merged_order(&self, second: &Tally) -> Vec<u32> {
        let mut order = self.touched.clone();
        order.extend(
            second
                .touched
                .iter()
                .filter(|&&e| self.count[e as usize] == 0),
        );
        order
    }

    /// Back to no item counted.
    fn clear(&mut self) {
        for &e in &self.touched {
            (self.count[e as usize], self.weight[e as usize]) = (0, 0);
        }
        self.touched.clear();
        (self.ended, self.ended_weight) = (false, 0);
    }
}

/// A group of frame `elem` below `parent`, at `depth`, weighing `weight`:
/// a new tree node (returned) when it is wide enough to draw, else its
/// value stays with `parent`. The roots stay, so the total stays whole.
fn grow(
    tree: &mut Vec<TreeNode>,
    parent: DrawnNode,
    elem: u32,
    weight: i64,
    depth: usize,
    threshold: f64,
) -> Result<Option<DrawnNode>, Overflow> {
    if depth > 0 && (weight as f64) < threshold {
        let own = &mut tree[parent.index()].own;
        *own = own.checked_add(weight).ok_or(Overflow)?;
        return Ok(None);
    }
    tree.push(TreeNode {
        parent,
        elem,
        own: 0,
    });
    Ok(Some(DrawnNode::from_index(tree.len() - 1)))
}

/// Moves every cursor of `group` one frame down, then calls `then` on it.
#[inline(always)]
fn descend<F: Frame>(
    group: &mut [Cursor],
    frames: &[F],
    table: &NodeTable,
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

/// Marks the end of a sample's frames.
const END: u32 = u32::MAX;

dense_id! {
    /// A node's position in the drawn call tree ([`Grower`]'s `tree`);
    /// `NONE` is the parent of the node above the roots.
    struct DrawnNode(NONE);
}

impl DrawnNode {
    /// Node 0, above the roots: the parent of every root frame.
    const ABOVE_ROOTS: DrawnNode = DrawnNode::from_raw(0);
}

/// A node of the drawn call tree: its frame (a text number of
/// [`FrameTexts`]) and the value
/// of the samples that end in it or below it in frames too narrow to draw.
struct TreeNode {
    parent: DrawnNode,
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
    fn settle<F: Frame>(&mut self, frames: &[F], table: &NodeTable, of: &[u32]) {
        while self.pos > self.start {
            let slots = table.slots(frames[self.pos as usize - 1].loc());
            if let Some(&node) = slots.get(self.slot as usize) {
                let inline = if self.slot > 0 { table.len() } else { 0 };
                self.elem = of[node.index() + inline];
                return;
            }
            self.pos -= 1;
            self.slot = 0;
        }
        self.elem = END;
    }
}

#[cfg(test)]
mod tests {
    use super::super::fold::{fold, folded_lines, stacks_total};
    use super::*;

    /// The call-tree path and the fold-then-cut path give the same lines,
    /// on real profiles, every sample type, with and without inlined
    /// frames, for thresholds that cut nothing, some and most.
    #[test]
    fn cutting_while_drawing_equals_folding_then_cutting() {
        use crate::input::{self, Source};
        use crate::profile::graph::{Granularity, NodeOptions};
        use crate::report::Selection;
        let opts = input::ReadOptions {
            max_size: u64::MAX,
            fetch: Default::default(),
            symbolize: Default::default(),
            keep_allocator_frames: false,
        };
        let mut compared = 0;
        for name in [
            "inline.pb.gz",
            "recursion.pb.gz",
            "server.pb.gz",
            "churn.pb.gz",
        ] {
            let path = format!("{}/testdata/profiles/{name}", env!("CARGO_MANIFEST_DIR"));
            let mut loaded = input::load(&Source::parse(&path), &opts, &mut Vec::new()).unwrap();
            // Frames stored in 2 bytes, then the same in 4.
            for wide in [false, true] {
                if wide {
                    loaded.profile.samples.frames.widen();
                }
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
                            let (got, total) =
                                lines_cut_narrow(&prep, all.clone(), pct).unwrap().unwrap();
                            assert_eq!(got, want, "{name} {sample} {granularity:?} {pct}%");
                            assert_eq!(total, stacks_total(&stacks));
                            // The same on two threads, from the first branch.
                            let (two, _) =
                                split_lines(&prep, all.clone(), pct, 1).unwrap().unwrap();
                            assert_eq!(
                                two, want,
                                "{name} {sample} {granularity:?} {pct}%, 2 threads"
                            );
                            compared += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(compared, 4 * 3 * 2 * 4 * 2);
    }
}
