//! `flame`: flame graphs of a heap profile drawn with inferno (memory
//! palette, human units in tooltips, search and zoom), differential flame
//! graphs of two snapshots, and folded stacks (`root;...;leaf VALUE`).

use std::io::{self, Write};
use std::ops::Range;

use inferno::flamegraph::{self, color::Palette, Direction};
use regex::{Captures, Regex};
use rustc_hash::FxHashMap;

use super::{format_time, Prepared};
use crate::profile::graph::Overflow;
use crate::units;

/// Marks an inlined frame in a folded stack key.
const INLINE: u32 = 1 << 31;

/// Options of the `flame` report.
#[derive(Debug, Clone)]
pub struct FlameOptions {
    pub title: Option<String>,
    pub width: Option<usize>,
    /// Frames narrower than this many pixels are left out.
    pub min_width: f64,
    /// Icicle graph: roots at the top.
    pub reverse: bool,
    /// An inferno palette name ("mem", "hot", …).
    pub colors: String,
    /// Folded stacks instead of SVG.
    pub folded: bool,
}

/// Distinct stacks with their summed values: node ids from root to leaf,
/// each with [`INLINE`] set when the frame is an inlined call.
pub type Stacks = FxHashMap<Vec<u32>, i64>;

/// Folds the samples in `range` that the filters keep into distinct stacks.
pub fn fold(prep: &Prepared<'_>, range: Range<usize>) -> Result<Stacks, Overflow> {
    let p = prep.profile();
    let mut stacks: Stacks = FxHashMap::default();
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
                key.push(if k > 0 { node | INLINE } else { node });
            }
        }
        if key.is_empty() {
            continue;
        }
        match stacks.get_mut(key.as_slice()) {
            Some(v) => *v = v.checked_add(w).ok_or(Overflow)?,
            None => {
                stacks.insert(key.clone(), w);
            }
        }
    }
    Ok(stacks)
}

/// Every node's name as a folded-stack frame: ';' (the separator)
/// replaced, control characters escaped; index `n + len` holds the inlined
/// variant with " (inline)" appended.
fn frame_names(prep: &Prepared<'_>) -> Vec<String> {
    let plain: Vec<String> = prep
        .table
        .names
        .iter()
        .map(|n| super::display_name(n).replace(';', ":"))
        .collect();
    let inline = plain.iter().map(|n| format!("{n} (inline)"));
    plain.iter().cloned().chain(inline).collect()
}

fn stack_text(names: &[String], nodes: usize, key: &[u32], out: &mut String) {
    for (i, &id) in key.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        let node = (id & !INLINE) as usize;
        out.push_str(&names[if id & INLINE != 0 { node + nodes } else { node }]);
    }
}

/// Folded lines `stack VALUE` (or `stack BEFORE AFTER` with a base), sorted
/// by stack text. Stacks whose value is negative are left out (flame graphs
/// draw only non-negative widths) and counted in the second result.
///
/// With `prune_below` (a share of the total, in percent), frames that
/// narrow are cut from the stacks first, their values kept by the frame
/// above: inferno would not draw them, and a big profile's hundreds of
/// thousands of stacks shrink to the few hundred that show. Every frame
/// drawn keeps its width and tooltip; its position can move by the width of
/// cut neighbours (inferno orders sibling frames by the text of the lines).
pub fn folded_lines(
    prep: &Prepared<'_>,
    after: &Stacks,
    before: Option<&Stacks>,
    prune_below: Option<f64>,
) -> (Vec<String>, usize) {
    let mut negative = 0;
    // (stack, before, after), sorted by stack ids so that stacks sharing a
    // prefix are next to each other.
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
    rows.sort_unstable_by(|x, y| x.0.cmp(y.0));
    let rows = match prune_below {
        Some(pct) => prune(&rows, pct),
        None => rows
            .into_iter()
            .map(|(k, b, a)| (k.to_vec(), b, a, false))
            .collect(),
    };

    let names = frame_names(prep);
    let nodes = prep.table.len();
    let mut lines: Vec<String> = rows
        .iter()
        .map(|(key, b, a, _)| {
            let mut text = String::with_capacity(key.len() * 24);
            stack_text(&names, nodes, key, &mut text);
            if before.is_some() {
                text.push_str(&format!(" {b}"));
            }
            text.push_str(&format!(" {a}"));
            text
        })
        .collect();
    lines.sort_unstable();
    (lines, negative)
}

/// Cuts frames narrower than `pct` percent of the total (after values)
/// from stacks sorted by their ids; stacks that become equal are merged and
/// marked as cut. Half the threshold is used, so nothing inferno would draw
/// is cut.
fn prune(rows: &[(&[u32], i64, i64)], pct: f64) -> Vec<(Vec<u32>, i64, i64, bool)> {
    let total: i64 = rows.iter().fold(0i64, |t, r| t.saturating_add(r.2));
    let threshold = pct / 100.0 * total as f64 / 2.0;
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
    merged
        .into_iter()
        .map(|(k, (b, a, cut))| (k.to_vec(), b, a, cut))
        .collect()
}

/// The unit word inferno prints after counts.
fn count_name(unit: &str) -> &'static str {
    if unit == "bytes" {
        "bytes"
    } else {
        "objects"
    }
}

/// Rewrites inferno's tooltips ("f (1,234,567 bytes, 12.34%)") with human
/// units ("f (1.18 MB, 12.34%)").
fn humanize_tooltips(svg: &str) -> String {
    let re =
        Regex::new(r"\((\d{1,3}(?:,\d{3})*) bytes, ([^()<]*%)\)</title>").expect("valid regex");
    re.replace_all(svg, |c: &Captures<'_>| {
        let n: i64 = c[1].replace(',', "").parse().unwrap_or(0);
        format!("({}, {})</title>", units::human_bytes(n), &c[2])
    })
    .into_owned()
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
    let title = opts.title.clone().unwrap_or(default);
    let p = prep.profile();
    let mut parts = vec![prep.loaded.name.clone()];
    if p.time_nanos != 0 {
        parts.push(format_time(p.time_nanos));
    }
    for f in &prep.filters {
        parts.push(f.clone());
    }
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
    flamegraph::from_lines(&mut options, lines.iter().map(String::as_str), &mut svg)?;
    let svg = String::from_utf8(svg).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let svg = if prep.sample_unit() == "bytes" {
        humanize_tooltips(&svg)
    } else {
        svg
    };
    w.write_all(svg.as_bytes())?;
    Ok(())
}

/// Sum of the values of folded stacks.
pub fn stacks_total(stacks: &Stacks) -> i64 {
    stacks.values().fold(0i64, |a, &v| a.saturating_add(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_cuts_narrow_frames_and_keeps_their_value_in_the_parent() {
        // Total 1000; threshold 10% → cut below 50 (half).
        let rows: Vec<(&[u32], i64, i64)> = vec![
            (&[1, 2, 3], 0, 500),
            (&[1, 2, 4], 0, 30),
            (&[1, 2, 5, 6], 0, 20),
            (&[1, 7], 0, 449),
            (&[8], 0, 1),
        ];
        let mut got = prune(&rows, 10.0);
        got.sort();
        assert_eq!(
            got,
            vec![
                (vec![1, 2], 0, 50, true),
                (vec![1, 2, 3], 0, 500, false),
                (vec![1, 7], 0, 449, false),
                (vec![8], 0, 1, false),
            ]
        );
    }

    #[test]
    fn tooltips_get_human_units() {
        let svg =
            "<title>main.f (1,234,567 bytes, 12.34%)</title><title>all (512 bytes, 100%)</title>\
                   <title>g (2,048 bytes, 1.00%; +0.50%)</title>";
        assert_eq!(
            humanize_tooltips(svg),
            "<title>main.f (1.18 MB, 12.34%)</title><title>all (512 B, 100%)</title>\
             <title>g (2 kB, 1.00%; +0.50%)</title>"
        );
    }
}
