//! `list`: which source lines of the matching functions allocate — pprof's
//! `-list`, with each line's flat and cum, the source text when it can be
//! found, and only the lines that matter (plus context) unless asked for the
//! whole function.

use std::io::{self, Write};

use anyhow::Context;
use regex::Regex;
use serde_json::{json, Value};

use super::prepare::{self, MatchError};
use super::source::{display_path, function_end, SourceReader, SourceSearch};
use super::{Format, Prepared, Selection};
use crate::input::{combine, InputSpec};
use crate::profile::graph;
use crate::profile::graph::{Granularity, NodeIndex};
use crate::support::escape;
use crate::units;

/// Options of the `list` report.
#[derive(Debug, Clone)]
pub struct ListOptions {
    /// Functions whose name matches are listed.
    pub regex: Regex,
    /// Lines of context around lines with values, runs of them joined by
    /// `...` (heapscope's `-context=N`); `None` is pprof's layout: one
    /// range per function, from its start to 5 lines after its last value.
    pub context: Option<usize>,
    /// Print the whole function instead.
    pub full: bool,
    /// pprof's `-unit` ("minimum": each value in its own best unit).
    pub unit: String,
    pub format: Format,
}

/// Runs `list`: reads the input at line granularity, nodes keyed by binary
/// and function start line too (as pprof lists), and writes the listing,
/// with source text found by `search`. Notes go to `notes`.
pub fn run(
    out: &mut dyn Write,
    notes: &mut dyn Write,
    input: &InputSpec,
    selection: &Selection,
    options: &ListOptions,
    search: &SourceSearch,
) -> anyhow::Result<()> {
    let loaded = combine::load_shared(input, notes)?;
    let mut selection = selection.clone();
    selection.nodes.granularity = Granularity::Lines;
    selection.nodes.object_names = true;
    let prep = prepare::for_report(&loaded, &selection, notes)?;
    let mut reader = SourceReader::new(search.clone());
    write(out, notes, &prep, options, &mut reader).with_context(|| loaded.name.clone())
}

/// One line of a function and what it allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineValue {
    pub line: i64,
    pub flat: i64,
    pub cum: i64,
}

/// A function's lines in one source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routine {
    pub name: String,
    pub file: String,
    /// The function's first line, when the profile records it.
    pub start_line: i64,
    /// The first line pprof lists: the function's start line, else 5
    /// lines before its first value (the smallest over its nodes).
    pub first_shown: i64,
    /// Sums over the lines, as pprof's routine header.
    pub flat: i64,
    pub cum: i64,
    /// Lines with a value, in line order.
    pub lines: Vec<LineValue>,
}

/// The computed report.
#[derive(Debug, Clone)]
pub struct Listing {
    pub routines: Vec<Routine>,
    /// Matching functions without any file name.
    pub no_source_info: Vec<String>,
}

/// Lines pprof lists after a function's last value (and before its first,
/// when the profile records no start line).
const PPROF_MARGIN: i64 = 5;

/// The nodes a sample with a non-zero value passes through (the pass
/// skips the others).
struct Touched(Vec<bool>);

impl graph::Visitor for Touched {
    fn cum(&mut self, node: NodeIndex, _: usize, _: i64) {
        self.0[node.index()] = true;
    }
    fn flat(&mut self, _: NodeIndex, _: usize, _: i64) {}
}

/// Computes the report. `prep` must have been built at line granularity
/// with object names, as pprof builds it for `list`.
pub fn compute(prep: &Prepared<'_>, opts: &ListOptions) -> Result<Listing, MatchError> {
    // pprof lists every line a sample with a value passes through, even
    // where values cancel out (a -base's negated samples).
    let mut touched = Touched(vec![false; prep.table.len()]);
    let g = graph::accumulate_visiting(
        prep.profile(),
        &prep.table,
        &prep.view,
        prep.value_index,
        None,
        graph::EdgeSet::None,
        &mut touched,
    )
    .map_err(MatchError::Overflow)?;
    let infos = &prep.table.infos;
    let mut matched: Vec<NodeIndex> = (0..prep.table.len())
        .map(NodeIndex::from_index)
        .filter(|&n| touched.0[n.index()] && opts.regex.is_match(&infos[n.index()].name))
        .collect();
    if matched.is_empty() {
        return Err(MatchError::NoMatch(opts.regex.as_str().to_string()));
    }
    matched.sort_by(|&a, &b| {
        let (ia, ib) = (&infos[a.index()], &infos[b.index()]);
        (&ia.name, &ia.file, ia.line, ia.start_line).cmp(&(
            &ib.name,
            &ib.file,
            ib.line,
            ib.start_line,
        ))
    });

    let mut listing = Listing {
        routines: Vec::new(),
        no_source_info: Vec::new(),
    };
    for node in matched {
        let info = &infos[node.index()];
        let (flat, cum) = (g.flat[node.index()], g.cum[node.index()]);
        if info.file.is_empty() {
            if listing.no_source_info.last() != Some(&info.name) {
                listing.no_source_info.push(info.name.clone());
            }
            continue;
        }
        let same = listing
            .routines
            .last()
            .is_some_and(|r| r.name == info.name && r.file == info.file);
        if !same {
            listing.routines.push(Routine {
                name: info.name.clone(),
                file: info.file.clone(),
                start_line: info.start_line,
                first_shown: i64::MAX,
                flat: 0,
                cum: 0,
                lines: Vec::new(),
            });
        }
        let r = listing.routines.last_mut().expect("a routine was pushed");
        r.flat = r.flat.saturating_add(flat);
        r.cum = r.cum.saturating_add(cum);
        let node_start = if info.start_line != 0 {
            info.start_line
        } else {
            info.line.saturating_sub(PPROF_MARGIN)
        };
        r.first_shown = r.first_shown.min(node_start);
        if r.start_line == 0 || (info.start_line != 0 && info.start_line < r.start_line) {
            r.start_line = info.start_line;
        }
        match r.lines.last_mut() {
            Some(last) if last.line == info.line => {
                last.flat = last.flat.saturating_add(flat);
                last.cum = last.cum.saturating_add(cum);
            }
            _ => r.lines.push(LineValue {
                line: info.line,
                flat,
                cum,
            }),
        }
    }
    Ok(listing)
}

/// Writes the report; a note goes to `notes` for each file whose source was
/// not found.
pub fn write(
    w: &mut dyn Write,
    notes: &mut dyn Write,
    prep: &Prepared<'_>,
    opts: &ListOptions,
    reader: &mut SourceReader,
) -> anyhow::Result<()> {
    let listing = compute(prep, opts)?;
    match opts.format {
        Format::Text => write_text(w, notes, prep, &listing, opts, reader)?,
        Format::Json => write_json(w, prep, &listing, reader)?,
    }
    Ok(())
}

/// The line numbers to print: pprof's one range (the function's start, else
/// 5 lines before its first value, to 5 lines after its last value), or
/// those with values and `context` lines around them, or the whole function
/// with `full`. Returns runs of consecutive lines.
fn line_ranges(
    r: &Routine,
    source: Option<&[String]>,
    context: Option<usize>,
    full: bool,
) -> Vec<(i64, i64)> {
    let first = r.lines.first().map_or(1, |l| l.line);
    let last = r.lines.last().map_or(1, |l| l.line);
    let Some(source) = source else {
        return r.lines.iter().map(|l| (l.line, l.line)).collect();
    };
    let max = source.len() as i64;
    if full {
        // pprof's span: from the function's start (else 5 lines before its
        // first value) to its end (else 5 lines after its last value).
        let start = if r.start_line > 0 {
            r.start_line.min(first)
        } else {
            first.saturating_sub(5)
        };
        let end = (r.start_line > 0)
            .then(|| function_end(source, r.start_line as usize))
            .flatten()
            .map_or(last.saturating_add(5), |e| (e as i64).max(last));
        return vec![(start.max(1), end.min(max))];
    }
    let Some(context) = context else {
        let start = r.first_shown.max(1);
        let end = last.saturating_add(PPROF_MARGIN).min(max);
        return if start <= end {
            vec![(start, end)]
        } else {
            Vec::new()
        };
    };
    // Any -context is allowed: one larger than the file shows all of it.
    let context = i64::try_from(context).unwrap_or(i64::MAX);
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for l in &r.lines {
        let (lo, hi) = (
            l.line.saturating_sub(context).max(1),
            l.line.saturating_add(context).min(max),
        );
        if lo > hi {
            continue;
        }
        match runs.last_mut() {
            Some(run) if lo <= run.1.saturating_add(1) => run.1 = run.1.max(hi),
            _ => runs.push((lo, hi)),
        }
    }
    runs
}

fn write_text(
    w: &mut dyn Write,
    notes: &mut dyn Write,
    prep: &Prepared<'_>,
    listing: &Listing,
    opts: &ListOptions,
    reader: &mut SourceReader,
) -> io::Result<()> {
    let unit = prep.sample_unit();
    let fmt = |v: i64| units::scaled_label(prep.shown(v), &unit, &opts.unit);
    let dot = |v: i64| if v == 0 { ".".to_string() } else { fmt(v) };
    writeln!(w, "Total: {}", fmt(prep.total))?;
    for name in &listing.no_source_info {
        writeln!(w, "No source information for {}", escape::text(name))?;
    }
    for r in &listing.routines {
        writeln!(
            w,
            "ROUTINE ======================== {} in {}",
            escape::text(&r.name),
            escape::text(&display_path(&r.file, reader.search()))
        )?;
        writeln!(
            w,
            "{:>10} {:>10} (flat, cum) {} of Total",
            fmt(r.flat),
            fmt(r.cum),
            units::percentage(r.cum, prep.total)
        )?;
        let source = reader.lines(&r.file);
        if source.is_none() {
            writeln!(
                notes,
                "heapscope: source of {} not found (looked in {}); showing line numbers only, \
                 use -source_path=DIR to point at the source",
                escape::text(&r.file),
                reader.search().describe()
            )?;
        }
        let runs = line_ranges(
            r,
            source.as_deref().map(Vec::as_slice),
            opts.context,
            opts.full,
        );
        let mut values = r.lines.iter().peekable();
        for (i, &(lo, hi)) in runs.iter().enumerate() {
            if i > 0 && source.is_some() {
                writeln!(w, "{:>10} {:>10} {:>6}", "", "", "...")?;
            }
            for line in lo..=hi {
                while values.peek().is_some_and(|v| v.line < line) {
                    values.next();
                }
                let (flat, cum) = match values.peek() {
                    Some(v) if v.line == line => (v.flat, v.cum),
                    _ => (0, 0),
                };
                let text = (line >= 1)
                    .then(|| source.as_ref().and_then(|s| s.get((line - 1) as usize)))
                    .flatten()
                    .map(|t| escape::text(t))
                    .unwrap_or_default();
                let row = format!("{:>10} {:>10} {:>6}:{}", dot(flat), dot(cum), line, text);
                if source.is_some() {
                    writeln!(w, "{row}")?;
                } else {
                    writeln!(w, "{}", row.trim_end())?;
                }
            }
        }
    }
    Ok(())
}

fn write_json(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    listing: &Listing,
    reader: &mut SourceReader,
) -> io::Result<()> {
    let functions: Vec<Value> = listing
        .routines
        .iter()
        .map(|r| {
            let source = reader.lines(&r.file);
            let lines: Vec<Value> = r
                .lines
                .iter()
                .map(|l| {
                    let mut v = json!({"line": l.line, "flat": l.flat, "cum": l.cum});
                    let text = (l.line >= 1)
                        .then(|| source.as_ref().and_then(|s| s.get((l.line - 1) as usize)))
                        .flatten();
                    if let Some(text) = text {
                        v["source"] = json!(text);
                    }
                    v
                })
                .collect();
            json!({
                "name": r.name,
                "file": r.file,
                "flat": r.flat,
                "cum": r.cum,
                "lines": lines,
            })
        })
        .collect();
    let doc = json!({
        "sample_type": prep.sample_type_raw(),
        "unit": prep.sample_unit_raw(),
        "total": prep.total,
        "functions": functions,
    });
    super::json::write_pretty(&mut *w, &doc)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routine(start_line: i64, first_shown: i64, lines: &[i64]) -> Routine {
        Routine {
            name: "main.f".to_string(),
            file: "main.go".to_string(),
            start_line,
            first_shown,
            flat: 0,
            cum: 0,
            lines: lines
                .iter()
                .map(|&line| LineValue {
                    line,
                    flat: 1,
                    cum: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn pprof_layout_is_one_range_from_the_start_to_five_after_the_last_value() {
        let source = vec![String::new(); 30];
        // A recorded start line: from it.
        let r = routine(12, 12, &[14, 17]);
        assert_eq!(line_ranges(&r, Some(&source), None, false), [(12, 22)]);
        // None recorded: 5 lines before the first value; never before 1.
        let r = routine(0, 9, &[14, 17]);
        assert_eq!(line_ranges(&r, Some(&source), None, false), [(9, 22)]);
        let r = routine(0, -2, &[3]);
        assert_eq!(line_ranges(&r, Some(&source), None, false), [(1, 8)]);
        // The file's end stops it.
        let r = routine(20, 20, &[28]);
        assert_eq!(line_ranges(&r, Some(&source), None, false), [(20, 30)]);
        // Past the end: nothing.
        let r = routine(40, 40, &[41]);
        assert!(line_ranges(&r, Some(&source), None, false).is_empty());
    }

    #[test]
    fn context_lists_runs_around_values_only_when_given() {
        let source = vec![String::new(); 30];
        let r = routine(12, 12, &[14, 17, 25]);
        assert_eq!(
            line_ranges(&r, Some(&source), Some(1), false),
            [(13, 18), (24, 26)]
        );
        assert_eq!(
            line_ranges(&r, Some(&source), Some(0), false),
            [(14, 14), (17, 17), (25, 25)]
        );
        // Without the source: the lines with values.
        assert_eq!(
            line_ranges(&r, None, None, false),
            [(14, 14), (17, 17), (25, 25)]
        );
    }
}
