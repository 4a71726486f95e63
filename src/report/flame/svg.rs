//! Drawing folded lines as an SVG with inferno: the title and subtitle,
//! inferno's options, and tooltips rewritten in human units.

use std::io::{self, Write};

use inferno::flamegraph::{self, color::Palette, Direction};

use super::FlameOptions;
use crate::report::Prepared;
use crate::support::escape;
use crate::support::time::format_time;
use crate::units;

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
fn write_humanized(
    w: &mut dyn Write,
    svg: &[u8],
    count: &str,
    fmt: &dyn Fn(i64) -> String,
) -> io::Result<()> {
    let mut done = 0;
    for close in memchr::memmem::find_iter(svg, b")</title>") {
        let Some(open) = memchr::memrchr3(b'(', b')', b'<', &svg[done..close]) else {
            continue;
        };
        let open = done + open;
        if svg[open] != b'(' {
            continue;
        }
        if let Some((count, rest)) = tooltip_count(&svg[open + 1..close], count) {
            w.write_all(&svg[done..=open])?;
            write!(w, "{}, ", fmt(count))?;
            w.write_all(rest)?;
            done = close;
        }
    }
    w.write_all(&svg[done..])
}

/// The count and the rest of a tooltip's "1,234,567 bytes, 12.34%": digits
/// in groups of three after the first one to three, " COUNT, " (inferno's
/// count name: "bytes", "objects"), and text ending in `%`.
fn tooltip_count<'t>(text: &'t [u8], count: &str) -> Option<(i64, &'t [u8])> {
    let space = memchr::memchr(b' ', text)?;
    let (number, rest) = text.split_at(space);
    let rest = rest.strip_prefix(b" ")?;
    let rest = rest.strip_prefix(count.as_bytes())?;
    let rest = rest.strip_prefix(b", ")?;
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

/// A frame drawn in an SVG: its depth (0 for "all", above the roots), its
/// left edge in counts (`fg:x`) and its name as the tooltip shows it.
pub(super) struct Drawn<'a> {
    pub depth: usize,
    pub x: u64,
    pub name: &'a str,
}

/// How each drawn frame is restyled.
pub(super) type Style<'s> = dyn FnMut(&Drawn<'_>) -> Restyled + 's;

/// What to change in a drawn frame: the tooltip's text inside its
/// parentheses, the fill colour.
#[derive(Debug, Default)]
pub(super) struct Restyled {
    pub detail: Option<String>,
    pub fill: Option<String>,
}

/// One frame of inferno's SVG: `<g><title>NAME (DETAIL)</title><rect …
/// y="Y" … fill="FILL" fg:x="X" …/>`, as spans of the SVG.
struct FrameSpans {
    /// The tooltip's text inside its parentheses.
    detail: std::ops::Range<usize>,
    name: std::ops::Range<usize>,
    fill: std::ops::Range<usize>,
    y: u64,
    x: u64,
}

/// The value of attribute `name` in `tag` (an offset range into it).
fn attr(tag: &[u8], name: &[u8]) -> Option<std::ops::Range<usize>> {
    let mut key = Vec::with_capacity(name.len() + 3);
    key.push(b' ');
    key.extend_from_slice(name);
    key.extend_from_slice(b"=\"");
    let start = memchr::memmem::find(tag, &key)? + key.len();
    let len = memchr::memchr(b'"', &tag[start..])?;
    Some(start..start + len)
}

fn number(text: &[u8]) -> Option<u64> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// The frames of an SVG inferno drew.
fn frame_spans(svg: &[u8]) -> Vec<FrameSpans> {
    let mut out = Vec::new();
    for open in memchr::memmem::find_iter(svg, b"<g><title>") {
        let start = open + b"<g><title>".len();
        let Some(len) = memchr::memmem::find(&svg[start..], b"</title>") else {
            continue;
        };
        let title = start..start + len;
        let rect = title.end + b"</title>".len();
        if !svg[rect..].starts_with(b"<rect ") {
            continue;
        }
        let Some(rect_len) = memchr::memmem::find(&svg[rect..], b"/>") else {
            continue;
        };
        let tag = &svg[rect..rect + rect_len];
        let (Some(y), Some(fill), Some(x)) =
            (attr(tag, b"y"), attr(tag, b"fill"), attr(tag, b"fg:x"))
        else {
            continue;
        };
        let (Some(y_value), Some(x_value)) = (number(&tag[y.clone()]), number(&tag[x])) else {
            continue;
        };
        let text = &svg[title.clone()];
        // "NAME (DETAIL)": the last " (" opens the detail.
        let Some(paren) = memchr::memmem::rfind(text, b" (") else {
            continue;
        };
        if !text.ends_with(b")") {
            continue;
        }
        out.push(FrameSpans {
            name: title.start..title.start + paren,
            detail: title.start + paren + 2..title.end - 1,
            fill: rect + fill.start..rect + fill.end,
            y: y_value,
            x: x_value,
        });
    }
    out
}

/// Rewrites the frames of inferno's `svg` as `style` says. A frame's depth
/// is the rank of its `y` (from the bottom, or from the top if `icicle`).
fn restyle(svg: &[u8], icicle: bool, style: &mut Style<'_>) -> Vec<u8> {
    let frames = frame_spans(svg);
    let mut ys: Vec<u64> = frames.iter().map(|f| f.y).collect();
    ys.sort_unstable();
    ys.dedup();
    if !icicle {
        ys.reverse();
    }
    let depth_of: rustc_hash::FxHashMap<u64, usize> =
        ys.iter().enumerate().map(|(d, &y)| (y, d)).collect();
    let mut out = Vec::with_capacity(svg.len() + svg.len() / 4);
    let mut done = 0;
    for f in &frames {
        let name = String::from_utf8_lossy(&svg[f.name.clone()]);
        let drawn = Drawn {
            depth: depth_of.get(&f.y).copied().unwrap_or(0),
            x: f.x,
            name: &name,
        };
        let new = style(&drawn);
        if let Some(detail) = new.detail {
            out.extend_from_slice(&svg[done..f.detail.start]);
            out.extend_from_slice(escape::xml(&detail).as_bytes());
            done = f.detail.end;
        }
        if let Some(fill) = new.fill {
            out.extend_from_slice(&svg[done..f.fill.start]);
            out.extend_from_slice(escape::xml(&fill).as_bytes());
            done = f.fill.end;
        }
    }
    out.extend_from_slice(&svg[done..]);
    out
}

/// Everything a flame graph shows besides the stacks.
pub struct Labels {
    pub title: String,
    pub subtitle: Option<String>,
}

/// The default title and subtitle: sample type and total in human units
/// (and, for a differential graph, the change since BEFORE's total), the
/// file, time, filters and the stacks that lost their allocator frames.
pub fn labels(
    prep: &Prepared<'_>,
    total: i64,
    before_total: Option<i64>,
    opts: &FlameOptions,
) -> Labels {
    let unit = prep.sample_unit();
    let amount = |v: i64| {
        let v = prep.shown(v);
        if unit == "bytes" {
            units::human_bytes(v)
        } else {
            format!("{v} {}", count_name(&unit))
        }
    };
    let mut default = format!("{}: {}", prep.sample_type(), amount(total));
    if prep.mean {
        // `total` is the mean over every sample, as top's.
        let p = prep.profile();
        let per = p.sample_types.first().map_or("", |t| p.str(t.kind));
        default.push_str(&format!(
            " per {} (widths: sums; tooltips: each frame's mean)",
            escape::text(per)
        ));
    }
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
    if p.allocator_stacks_cut != 0 {
        parts.push(format!(
            "allocator frames dropped from {} stacks",
            p.allocator_stacks_cut
        ));
    }
    // Inferno writes these as XML text; what is escaped here holds no
    // character XML forbids.
    Labels {
        title,
        subtitle: Some(parts.join(" · ")),
    }
}

/// Draws the SVG from folded lines, each frame restyled by `style` if
/// given.
pub fn write_svg(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    lines: &[String],
    labels: Labels,
    opts: &FlameOptions,
    style: Option<&mut Style<'_>>,
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
    if let Some(style) = style {
        svg = restyle(&svg, opts.reverse, style);
    }
    // Tooltips in human units, values as shown (-divide_by).
    if prep.sample_unit() == "bytes" {
        write_humanized(w, &svg, "bytes", &|v| units::human_bytes(prep.shown(v)))?;
    } else if prep.ratio.is_some() {
        let count = count_name(&prep.sample_unit());
        write_humanized(w, &svg, count, &|v| format!("{} {count}", prep.shown(v)))?;
    } else {
        w.write_all(&svg)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fold::{fold, folded_lines};
    use super::super::tree::lines_cut_narrow;
    use super::*;

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
            symbolize: Default::default(),
            keep_allocator_frames: false,
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
                        inverted: false,
                        palette: Default::default(),
                    };
                    let svg = |lines: &[String], total| {
                        let labels = labels(&prep, total, None, &options);
                        let mut out = Vec::new();
                        write_svg(&mut out, &prep, lines, labels, &options, None).unwrap();
                        drawn_frames(&out)
                    };
                    let (every, _) = folded_lines(&prep, &stacks, None, None);
                    let (cut, total) = lines_cut_narrow(&prep, all.clone(), pct).unwrap().unwrap();
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
    fn tooltips_get_human_units() {
        let svg =
            "<title>main.f (1,234,567 bytes, 12.34%)</title><title>all (512 bytes, 100%)</title>\
                   <title>g (2,048 bytes, 1.00%; +0.50%)</title>";
        let mut out = Vec::new();
        write_humanized(&mut out, svg.as_bytes(), "bytes", &units::human_bytes).unwrap();
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
        write_humanized(&mut out, svg.as_bytes(), "bytes", &units::human_bytes).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<title>f(x) (2 kB, 1%)</title>\
             <title>g (1,23 bytes, 1%)</title><title>h (1234 bytes, 1%)</title>\
             <title>i (12 objects, 1%)</title><title>j (12 bytes, 1)</title>\
             <title>k (12 bytes, (1%)</title><title>(7 B, 5%)</title>"
        );
    }
}
