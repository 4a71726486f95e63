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
pub fn folded_lines(
    prep: &Prepared<'_>,
    after: &Stacks,
    before: Option<&Stacks>,
) -> (Vec<String>, usize) {
    let names = frame_names(prep);
    let nodes = prep.table.len();
    let line = |key: &[u32], values: &[i64]| {
        let mut text = String::with_capacity(key.len() * 24);
        stack_text(&names, nodes, key, &mut text);
        for v in values {
            text.push(' ');
            text.push_str(&v.to_string());
        }
        text
    };
    let mut negative = 0;
    let mut lines: Vec<String> = Vec::new();
    match before {
        None => {
            lines.reserve(after.len());
            for (key, &v) in after {
                if v < 0 {
                    negative += 1;
                    continue;
                }
                lines.push(line(key, &[v]));
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
                    continue;
                }
                lines.push(line(key, &[b, a]));
            }
        }
    }
    lines.sort_unstable();
    (lines, negative)
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

/// The default title and subtitle: sample type and total in human units,
/// the file and time.
pub fn labels(prep: &Prepared<'_>, total: i64, opts: &FlameOptions, what: &str) -> Labels {
    let unit = prep.sample_unit();
    let amount = if unit == "bytes" {
        units::human_bytes(total)
    } else {
        format!("{total} {}", count_name(&unit))
    };
    let title = opts
        .title
        .clone()
        .unwrap_or_else(|| format!("{what}{}: {amount}", prep.sample_type()));
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
