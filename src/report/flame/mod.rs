//! `flame`: flame graphs of a heap profile drawn with inferno (memory
//! palette, human units in tooltips, search and zoom), differential flame
//! graphs of two snapshots, and folded stacks (`root;...;leaf VALUE`).
//! Stacks deeper than [`MAX_DEPTH`] frames lose their middle frames to one
//! marked frame, as Go elides the middle of long tracebacks.
//!
//! A differential graph (`diff`) draws the union of both snapshots'
//! stacks, each as wide as the larger of its two values, and restyles
//! every frame by its change; an inverted graph folds stacks from the
//! allocation site up; the package palette (`palette`) colours frames as
//! pprof's web UI does.
//!
//! [`run`] is the one entry point. The lines come one of two ways, the
//! same either way: `fold` folds every sample into distinct stacks and
//! writes them (cutting narrow frames first if asked); `tree` grows only
//! the part of the call tree that will be drawn, for a plain SVG. `svg`
//! draws them.

mod diff;
mod fold;
mod mean;
mod palette;
mod svg;
mod tree;

use std::io::Write;

use anyhow::Context;

use super::prepare;
use super::Selection;
use crate::input::combine::{self, BeforeAfter};
use crate::input::InputSpec;

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
    /// Stacks start at the allocation site and grow toward their callers.
    pub inverted: bool,
    /// How frames are coloured.
    pub palette: Palette,
}

/// How the frames of a flame graph are coloured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Palette {
    /// Inferno's palette named by [`FlameOptions::colors`] (by default its
    /// memory palette); a differential graph by the change.
    #[default]
    Memory,
    /// By the function's package, as pprof's web UI colours.
    Package,
}

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

/// The folded lines a flame graph of `prep` draws, frames narrower than
/// `min_width` percent of the total cut (as the SVG's), and that total:
/// what the web UI's flame graph shows, without folding every distinct
/// stack when the drawn tree is small.
pub fn drawn_lines(
    prep: &prepare::Prepared<'_>,
    min_width: f64,
) -> anyhow::Result<(Vec<String>, i64)> {
    let range = 0..prep.profile().samples.len();
    if let Some(cut) = tree::lines_cut_narrow(prep, range.clone(), min_width)? {
        return Ok(cut);
    }
    let (stacks, _) = fold::fold(prep, range)?;
    let (lines, _) = fold::folded_lines(prep, &stacks, None, Some(min_width));
    Ok((lines, fold::stacks_total(&stacks)))
}

/// Runs `flame`: reads the input (and the `base` snapshot of a
/// differential graph, scaled to the input's total if `normalize`), and
/// writes folded stacks or the SVG to `out`, notes (diagnostics) to `notes`.
pub fn run(
    out: &mut dyn Write,
    notes: &mut dyn Write,
    input: &InputSpec,
    base: Option<&InputSpec>,
    normalize: bool,
    selection: &Selection,
    options: &FlameOptions,
) -> anyhow::Result<()> {
    let (loaded, after_range, before_range) = match base {
        None => {
            let after = combine::load_merged(input, notes)?;
            let n = after.profile.samples.len();
            (after, 0..n, None)
        }
        Some(base) => {
            let mut both = combine::load_before_after(base, input, notes)?;
            if normalize {
                both.normalize()?;
            }
            let BeforeAfter {
                loaded,
                after,
                before,
                ..
            } = both;
            (loaded, after, Some(before))
        }
    };
    let prep = prepare::for_report(&loaded, selection, notes)?;
    let context = || loaded.name.clone();
    let mut by_package = |frame: &svg::Drawn<'_>| palette::by_package(frame);
    let package = options.palette == Palette::Package;
    if prep.mean {
        return write_mean(out, notes, &prep, after_range, options).with_context(context);
    }
    if before_range.is_none() && !options.folded && !options.inverted {
        let cut = tree::lines_cut_narrow(&prep, after_range.clone(), options.min_width)
            .with_context(context)?;
        if let Some((lines, total)) = cut {
            let labels = svg::labels(&prep, total, None, options);
            let style = package.then_some(&mut by_package as &mut svg::Style<'_>);
            return svg::write_svg(out, &prep, &lines, labels, options, style)
                .with_context(context);
        }
    }
    let (mut after_stacks, mut cut) = fold::fold(&prep, after_range).with_context(context)?;
    let mut before_stacks = match before_range {
        Some(range) => {
            let (stacks, before_cut) = fold::fold(&prep, range).with_context(context)?;
            cut.add(before_cut);
            Some(stacks)
        }
        None => None,
    };
    if options.inverted {
        after_stacks = fold::invert(after_stacks);
        before_stacks = before_stacks.map(fold::invert);
    }
    if let Some(note) = cut.note() {
        writeln!(notes, "heapscope: {}: {note}", loaded.name)?;
    }
    // Folded output is exact; for the SVG, frames too narrow to draw go first.
    let cut_below = (!options.folded).then_some(options.min_width);
    if let (Some(before), false) = (&before_stacks, options.folded) {
        let (rows, negative) = fold::rows(&after_stacks, Some(before), diff::width, cut_below);
        note_negative(notes, &loaded.name, negative)?;
        let texts = fold::FrameTexts::new(&prep);
        let lines: Vec<String> = rows
            .iter()
            .filter(|r| r.width > 0)
            .map(|r| {
                let mut text = String::new();
                texts.write(&r.path, &mut text);
                text.push_str(&format!(" {}", r.width));
                text
            })
            .collect();
        let styler = diff::Styler::new(&rows, prep.sample_unit() == "bytes").shown_by(prep.ratio);
        let mut style = |frame: &svg::Drawn<'_>| {
            let mut restyled = styler.style(frame);
            if package {
                restyled.fill = Some(palette::package_fill(frame.name));
            }
            restyled
        };
        let total = fold::stacks_total(&after_stacks);
        let labels = svg::labels(&prep, total, Some(fold::stacks_total(before)), options);
        return svg::write_svg(out, &prep, &lines, labels, options, Some(&mut style))
            .with_context(context);
    }
    let (lines, negative) =
        fold::folded_lines(&prep, &after_stacks, before_stacks.as_ref(), cut_below);
    note_negative(notes, &loaded.name, negative)?;
    if options.folded {
        for l in &lines {
            writeln!(out, "{}", shown_line(&prep, l, before_stacks.is_some()))?;
        }
        return Ok(());
    }
    let total = fold::stacks_total(&after_stacks);
    let before_total = before_stacks.as_ref().map(fold::stacks_total);
    let labels = svg::labels(&prep, total, before_total, options);
    let style = package.then_some(&mut by_package as &mut svg::Style<'_>);
    svg::write_svg(out, &prep, &lines, labels, options, style).with_context(context)
}

/// A folded line with its values as shown: multiplied by 1/`-divide_by`
/// and truncated, as `top` shows them (the last value, and the one before
/// it with a base).
fn shown_line(prep: &prepare::Prepared<'_>, line: &str, two: bool) -> String {
    if prep.ratio.is_none() {
        return line.to_string();
    }
    let columns = if two { 3 } else { 2 };
    let parts: Vec<&str> = line.rsplitn(columns, ' ').collect();
    if parts.len() != columns {
        return line.to_string();
    }
    let mut out = parts[columns - 1].to_string();
    for v in parts[..columns - 1].iter().rev() {
        match v.parse::<i64>() {
            Ok(v) => out.push_str(&format!(" {}", prep.shown(v))),
            Err(_) => return line.to_string(),
        }
    }
    out
}

/// The `-mean` flame graph (see [`mean`]): widths from the sums, each
/// frame's average in its tooltip; with `--folded`, each stack's average.
fn write_mean(
    out: &mut dyn Write,
    notes: &mut dyn Write,
    prep: &prepare::Prepared<'_>,
    range: std::ops::Range<usize>,
    options: &FlameOptions,
) -> anyhow::Result<()> {
    let (mut values, cut) = fold::fold(prep, range.clone())?;
    let (mut divisors, _) = fold::fold_values(prep, range, 0)?;
    if options.inverted {
        values = fold::invert(values);
        divisors = fold::invert(divisors);
    }
    if let Some(note) = cut.note() {
        writeln!(notes, "heapscope: {}: {note}", prep.loaded.name)?;
    }
    let cut_below = (!options.folded).then_some(options.min_width);
    let (rows, negative) = fold::rows(&values, Some(&divisors), |_, v| v, cut_below);
    note_negative(notes, &prep.loaded.name, negative)?;
    let texts = fold::FrameTexts::new(prep);
    let line = |r: &fold::Row, value: i64| {
        let mut text = String::new();
        texts.write(&r.path, &mut text);
        text.push_str(&format!(" {value}"));
        text
    };
    if options.folded {
        writeln!(
            notes,
            "heapscope: {}: -mean: each folded value is its stack's {} over its {} \
             (an average: the values do not add up)",
            prep.loaded.name,
            prep.sample_type().trim_start_matches("mean_"),
            first_type(prep)
        )?;
        for r in rows.iter().filter(|r| r.width > 0) {
            let avg = prepare::mean(r.after, r.before);
            writeln!(out, "{}", line(r, prep.shown(avg)))?;
        }
        return Ok(());
    }
    let lines: Vec<String> = rows
        .iter()
        .filter(|r| r.width > 0)
        .map(|r| line(r, r.width))
        .collect();
    let averages = mean::Averages::new(&rows, prep);
    let package = options.palette == Palette::Package;
    let mut style = |frame: &svg::Drawn<'_>| {
        let mut restyled = averages.style(frame);
        if package {
            restyled.fill = Some(palette::package_fill(frame.name));
        }
        restyled
    };
    let labels = svg::labels(prep, prep.total, None, options);
    svg::write_svg(out, prep, &lines, labels, options, Some(&mut style))
}

/// The first sample type's name: what `-mean` divides by.
fn first_type(prep: &prepare::Prepared<'_>) -> String {
    let p = prep.profile();
    p.sample_types
        .first()
        .map(|t| crate::support::escape::text(p.str(t.kind)).into_owned())
        .unwrap_or_default()
}

/// Tells of stacks left out for their negative values.
fn note_negative(notes: &mut dyn Write, name: &str, negative: usize) -> std::io::Result<()> {
    if negative > 0 {
        writeln!(
            notes,
            "heapscope: {name}: left out {negative} stacks with negative values"
        )?;
    }
    Ok(())
}
