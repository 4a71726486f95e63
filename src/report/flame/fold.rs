//! Folding samples into distinct stacks of frame texts, cut to
//! [`MAX_DEPTH`] frames, and writing them as folded lines in frame order,
//! with frames too narrow to draw cut first if asked.

use std::ops::Range;

use rustc_hash::FxHashMap;

use super::{ELIDED, LEAF_FRAMES, MAX_DEPTH, ROOT_FRAMES};
use crate::profile::graph::Overflow;
use crate::report::Prepared;
use crate::support::escape;

/// Distinct stacks as inferno sees them, with their summed values: the
/// text numbers of their frames (see `FrameTexts`), root to leaf.
pub type Stacks = FxHashMap<Vec<u32>, i64>;

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
    fold_values(prep, range, prep.value_index)
}

/// [`fold`] of the values of sample type `value_index` (`-mean`'s
/// divisors are the first type's).
pub fn fold_values(
    prep: &Prepared<'_>,
    range: Range<usize>,
    value_index: usize,
) -> Result<(Stacks, DepthCut), Overflow> {
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
        let w = p.samples.value(i, value_index);
        if w == 0 {
            continue;
        }
        key.clear();
        for loc in p.samples.stack(i).iter().rev() {
            for (k, &node) in prep.table.slots(loc).iter().enumerate() {
                let inline = if k > 0 { nodes } else { 0 };
                key.push(of[node.index() + inline]);
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
pub(super) struct FrameTexts {
    /// Each text, in byte order.
    pub(super) texts: Vec<String>,
    /// The text of node `n` at `of[n]`, of its inlined variant at
    /// `of[n + nodes]`, and [`ELIDED`]'s last.
    pub(super) of: Vec<u32>,
}

impl FrameTexts {
    pub(super) fn new(prep: &Prepared<'_>) -> Self {
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
    pub(super) fn elided(&self) -> u32 {
        self.of.last().copied().unwrap_or(0)
    }

    /// Appends the stack of text numbers `path` (root first), ';'-separated.
    pub(super) fn write(&self, path: &[u32], out: &mut String) {
        for (i, &t) in path.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            out.push_str(&self.texts[t as usize]);
        }
    }
}

/// Folded lines `stack VALUE` (or `stack BEFORE AFTER` with a base), in
/// frame order (see `FrameTexts`). Stacks whose value is negative are left
/// out (flame graphs draw only non-negative widths) and counted in the
/// second result.
///
/// With `cut_below` (a share of the total, in percent), frames that
/// narrow are cut from the stacks first, their values kept by the frame
/// above: inferno would not draw them, and a big profile's hundreds of
/// thousands of stacks shrink to the few hundred that show. Every frame
/// drawn keeps its width and tooltip; its position can move by the width of
/// cut neighbours (their value goes to the frame above, drawn first).
pub fn folded_lines(
    prep: &Prepared<'_>,
    after: &Stacks,
    before: Option<&Stacks>,
    cut_below: Option<f64>,
) -> (Vec<String>, usize) {
    let (rows, negative) = rows(after, before, |_, a| a, cut_below);
    let texts = FrameTexts::new(prep);
    let lines = rows
        .iter()
        .map(|row| {
            let mut text = String::with_capacity(row.path.len() * 24);
            texts.write(&row.path, &mut text);
            if before.is_some() {
                text.push_str(&format!(" {}", row.before));
            }
            text.push_str(&format!(" {}", row.after));
            text
        })
        .collect();
    (lines, negative)
}

/// One distinct stack (text numbers, root first) with its values before
/// and after, and the width it is drawn with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Row {
    pub path: Vec<u32>,
    pub before: i64,
    pub after: i64,
    pub width: i64,
}

/// The stacks of `after` (and of `before`, over the union of both), in
/// frame order, each drawn `width(before, after)` wide, frames narrower
/// than `cut_below` percent of the total width cut (see [`folded_lines`]).
/// Stacks with a negative value are left out and counted.
pub(super) fn rows(
    after: &Stacks,
    before: Option<&Stacks>,
    width: impl Fn(i64, i64) -> i64,
    cut_below: Option<f64>,
) -> (Vec<Row>, usize) {
    let mut negative = 0;
    let mut rows: Vec<(&[u32], i64, i64, i64)> = Vec::with_capacity(after.len());
    match before {
        None => {
            for (key, &a) in after {
                if a < 0 {
                    negative += 1;
                } else {
                    rows.push((key, 0, a, width(0, a)));
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
                    rows.push((key, b, a, width(b, a)));
                }
            }
        }
    }
    // In frame order (see FrameTexts).
    rows.sort_unstable_by(|x, y| x.0.cmp(y.0));
    let rows = match cut_below {
        Some(pct) => cut_narrow(&rows, pct),
        None => rows
            .into_iter()
            .map(|(k, b, a, w)| Row {
                path: k.to_vec(),
                before: b,
                after: a,
                width: w,
            })
            .collect(),
    };
    (rows, negative)
}

/// Cuts frames narrower than `pct` percent of the total width from sorted
/// stacks `(path, before, after, width)`, as inferno leaves them out (the
/// same comparison); stacks that become equal are merged.
fn cut_narrow(rows: &[(&[u32], i64, i64, i64)], pct: f64) -> Vec<Row> {
    let total: i64 = rows.iter().fold(0i64, |t, r| t.saturating_add(r.3));
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
    for (i, (key, _, _, a)) in rows.iter().enumerate() {
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
        for frame in &mut open {
            frame.1 = frame.1.saturating_add(*a);
        }
    }
    close(&mut open, 0, rows.len(), &mut cut);

    // Keep at least the root frame, so the total stays whole.
    let mut merged: FxHashMap<&[u32], (i64, i64, i64)> = FxHashMap::default();
    for ((key, b, a, w), &c) in rows.iter().zip(&cut) {
        let len = c.max(1).min(key.len());
        let e = merged.entry(&key[..len]).or_insert((0, 0, 0));
        e.0 = e.0.saturating_add(*b);
        e.1 = e.1.saturating_add(*a);
        e.2 = e.2.saturating_add(*w);
    }
    let mut out: Vec<Row> = merged
        .into_iter()
        .map(|(k, (before, after, width))| Row {
            path: k.to_vec(),
            before,
            after,
            width,
        })
        .collect();
    out.sort_unstable_by(|x, y| x.path.cmp(&y.path));
    out
}

/// The stacks turned around: each starts at its leaf (the allocation site)
/// and ends at its root. Distinct stacks stay distinct.
pub fn invert(stacks: Stacks) -> Stacks {
    stacks
        .into_iter()
        .map(|(mut key, v)| {
            key.reverse();
            (key, v)
        })
        .collect()
}

/// Sum of the values of folded stacks.
pub fn stacks_total(stacks: &Stacks) -> i64 {
    stacks.values().fold(0i64, |a, &v| a.saturating_add(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_frame_cut_drops_narrow_frames_and_keeps_their_value_in_the_parent() {
        // Total 1000; threshold 10% → cut below 100, as inferno leaves out.
        let rows: Vec<(&[u32], i64, i64, i64)> = vec![
            (&[1, 2, 3], 0, 500, 500),
            (&[1, 2, 4], 0, 30, 30),
            (&[1, 2, 5, 6], 0, 20, 20),
            (&[1, 7], 0, 389, 389),
            (&[1, 9], 0, 60, 60),
            (&[8], 0, 1, 1),
        ];
        let row = |path: &[u32], after| Row {
            path: path.to_vec(),
            before: 0,
            after,
            width: after,
        };
        let got = cut_narrow(&rows, 10.0);
        assert_eq!(
            got,
            vec![
                row(&[1], 60),
                row(&[1, 2], 50),
                row(&[1, 2, 3], 500),
                row(&[1, 7], 389),
                row(&[8], 1),
            ]
        );
    }
}
