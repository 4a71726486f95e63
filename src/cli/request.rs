//! From parsed arguments to a [`Request`]: each flag group checked and
//! turned into plain values once (ranges, regexes, conflicting flags, where
//! input comes from), whichever commands share it.

use std::io::IsTerminal;
use std::ops::RangeInclusive;
use std::path::PathBuf;

use regex::Regex;

use super::args::{
    BaseArgs, DiffArgs, FetchArgs, FlameArgs, FormatArg, FormatArgs, GctraceArgs, GranularityArg,
    GraphArgs, GraphFormatArg, LimitArgs, ListArgs, PaletteArg, PeekArgs, ProfileArgs, RawArgs,
    RendererArg, Report, SelectArgs, ShellArgs, SourceArgs, TextArgs, TopArgs, TracesArgs,
    TrendArgs, TrimArgs, WebArgs,
};
use super::args::{FrameArgs, UnitArgs};
use crate::app::Request;
use crate::input::{Base, FetchOptions, InputSpec, Source};
use crate::profile::filter::{Filters, TagFilter};
use crate::profile::frames::FrameOptions;
use crate::profile::graph::{Granularity, NodeOptions, TrimOptions};
use crate::report::diff::DiffOptions;
use crate::report::doctor::DoctorOptions;
use crate::report::flame::{FlameOptions, Palette};
use crate::report::graph::{GraphFormat, GraphOptions, Renderer};
use crate::report::heap::HeapOptions;
use crate::report::list::ListOptions;
use crate::report::peek::PeekOptions;
use crate::report::source::SourceSearch;
use crate::report::tags::TagsOptions;
use crate::report::top::TopOptions;
use crate::report::traces::TracesOptions;
use crate::report::trend::TrendOptions;
use crate::report::{Format, Selection};
use crate::support::usage::UsageError;
use crate::web::WebOptions;

/// The request of a report command.
pub(super) fn request(report: Report) -> Result<Request, UsageError> {
    Ok(match report {
        Report::Top(a) => top(a)?,
        Report::List(a) => list(a)?,
        Report::Peek(a) => peek(a)?,
        Report::Diff(a) => diff(a)?,
        Report::Trend(a) => trend(a)?,
        Report::Flame(a) => flame(a)?,
        Report::Graph(a) => graph(a)?,
        Report::Tags(a) => Request::Tags {
            input: with_base(&a.input, &a.base)?,
            selection: based_selection(&a.select, &a.base, &a.unit)?,
            options: TagsOptions {
                unit: a.unit.unit,
                format: format(&a.format),
            },
            output: a.output.output,
        },
        Report::Heap(a) if a.select.sample.mean => {
            return Err(usage(
                "-mean: heap already shows each node's average object size beside its four values",
            ));
        }
        Report::Heap(a) => Request::Heap {
            input: profiles(&a.input.profiles, &[], &a.input.source)?,
            selection: selection(&a.select, None)?,
            options: HeapOptions {
                node_count: a.count.nodecount,
                sizes: a.sizes,
                format: format(&a.format),
            },
            output: a.output.output,
        },
        Report::Traces(a) => traces(a)?,
        Report::Raw(a) => raw(a)?,
        Report::Info(a) => Request::Info {
            input: profiles(&a.input.profiles, &[], &a.input.source)?,
            format: format(&a.format),
            output: a.output.output,
        },
        Report::Memstats(a) => Request::MemStats {
            input: text_input(&a, "memstats")?,
            format: format(&a.format),
            output: a.output.output,
        },
        Report::Gctrace(GctraceArgs { svg, text, limit }) => Request::GcTrace {
            input: text_input(&text, "gctrace")?,
            format: format(&text.format),
            svg,
            limit: memory_limit(limit)?,
            output: text.output.output,
        },
        Report::Doctor(a) => {
            let names: Vec<&str> = a.evidence.iter().map(String::as_str).collect();
            Request::Doctor {
                input: inputs(&names, &a.source)?,
                options: DoctorOptions {
                    format: format(&a.format),
                    limit: memory_limit(a.limit)?,
                },
                output: a.output.output,
            }
        }
        Report::Shell(a) => shell(a, Vec::new())?,
        Report::Web(a) => web(a, Vec::new())?,
    })
}

/// `--limit`, in bytes.
fn memory_limit(a: LimitArgs) -> Result<Option<u64>, UsageError> {
    a.limit
        .map(|l| {
            crate::units::parse_bytes(&l)
                .filter(|&v| v > 0)
                .ok_or_else(|| {
                    usage(format!(
                        "-limit={} is not a size: write it as 16GiB, 512MB or 1073741824",
                        crate::support::escape::text(&l)
                    ))
                })
        })
        .transpose()
}

/// The shell's request: its profiles (named: its commands come from
/// stdin) and the options its flags set.
pub(super) fn shell(a: ShellArgs, settings: Vec<String>) -> Result<Request, UsageError> {
    if a.input.profiles.is_empty() || a.input.profiles.iter().any(|p| p == "-") {
        return Err(usage(
            "the shell reads its commands from stdin: name a profile file or URL \
             (heapscope [FLAGS] PROFILE…), or give a command (heapscope top < pprof.heap)",
        ));
    }
    // The session's profile is the difference from the base, if any.
    Ok(Request::Shell {
        input: with_base(&a.input, &a.base)?,
        settings,
    })
}

/// The web UI's request: its profiles, where to serve, and the report
/// flags that set the views' defaults.
pub(super) fn web(a: WebArgs, settings: Vec<String>) -> Result<Request, UsageError> {
    if a.input.profiles.is_empty() || a.input.profiles.iter().any(|p| p == "-") {
        return Err(usage(
            "the web UI needs a profile file or URL (heapscope -http=:8080 PROFILE…), not stdin",
        ));
    }
    // The views show the difference from the base, if any; Diff and Trend
    // compare the base with the others. `-drop_negative` is a setting of
    // the views that take it (top, peek, graph).
    let mut settings = settings;
    if a.base.drop_negative {
        settings.push("drop_negative".into());
    }
    Ok(Request::Web {
        input: with_base(&a.input, &a.base)?,
        settings,
        options: WebOptions {
            http: a.http,
            open_browser: !a.no_browser,
            html: a.html,
        },
    })
}

fn top(a: TopArgs) -> Result<Request, UsageError> {
    Ok(Request::Top {
        input: with_base(&a.input, &a.base)?,
        selection: based_selection(&a.select, &a.base, &a.unit)?,
        options: TopOptions {
            trim: trim(&a.trim)?,
            unit: a.unit.unit,
            format: format(&a.format),
        },
        output: a.output.output,
    })
}

fn traces(a: TracesArgs) -> Result<Request, UsageError> {
    let mut input = one_profile(&a.input, "traces")?;
    input.base = base(&a.base, &a.input.source)?;
    Ok(Request::Traces {
        input,
        selection: based_selection(&a.select, &a.base, &a.unit)?,
        options: TracesOptions {
            unit: a.unit.unit,
            format: format(&a.format),
        },
        output: a.output.output,
    })
}

fn raw(a: RawArgs) -> Result<Request, UsageError> {
    let mut input = with_base(&a.input, &a.base)?;
    input.sources = one_profile(&a.input, "raw")?.sources;
    Ok(Request::Raw {
        input,
        selection: selection(&a.select, None)?,
        output: a.output.output,
    })
}

/// The profile of a report that shows each sample as the profile has it
/// (`traces`, `raw`): pprof merges several profiles into one first,
/// renumbering them, which these reports do not imitate.
fn one_profile(a: &ProfileArgs, command: &str) -> Result<InputSpec, UsageError> {
    let input = profiles(&a.profiles, &[], &a.source)?;
    if input.sources.len() > 1 {
        return Err(usage(format!(
            "{command} reads one profile, {} given (pprof would merge them into one first; \
             merge them with another tool, or give one)",
            input.sources.len()
        )));
    }
    Ok(input)
}

fn list(a: ListArgs) -> Result<Request, UsageError> {
    let dirs = split_paths(&a.source_path).map(PathBuf::from).collect();
    // pprof's source listing does not drop negative lines: -drop_negative
    // changes nothing here.
    let selection = selection(&a.select, Some(&a.unit))?;
    Ok(Request::List {
        input: with_base(&a.input, &a.base)?,
        output: a.output.output,
        search: SourceSearch {
            dirs,
            trim: selection.nodes.trim_path.clone(),
            goroot: std::env::var_os("GOROOT")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        },
        selection,
        options: ListOptions {
            regex: symbol_regex("list", &a.regex)?,
            context: a.context,
            full: a.full,
            unit: a.unit.unit,
            format: format(&a.format),
        },
    })
}

fn peek(a: PeekArgs) -> Result<Request, UsageError> {
    Ok(Request::Peek {
        input: with_base(&a.input, &a.base)?,
        selection: based_selection(&a.select, &a.base, &a.unit)?,
        output: a.output.output,
        options: PeekOptions {
            regex: symbol_regex("peek", &a.regex)?,
            cum_sort: a.sort.cum && !a.sort.flat,
            matches: a.matches,
            unit: a.unit.unit,
            format: format(&a.format),
        },
    })
}

fn diff(a: DiffArgs) -> Result<Request, UsageError> {
    let both = inputs(&[&a.before, &a.after], &a.source)?;
    let (before, after) = (single(&both, 0), single(&both, 1));
    Ok(Request::Diff {
        before,
        after,
        normalize: a.normalize,
        selection: selection(&a.select, Some(&a.unit))?,
        options: DiffOptions {
            trim: trim(&a.trim)?,
            unit: a.unit.unit,
            format: format(&a.format),
        },
        output: a.output.output,
    })
}

fn trend(a: TrendArgs) -> Result<Request, UsageError> {
    let names: Vec<&str> = a.snapshots.iter().map(String::as_str).collect();
    Ok(Request::Trend {
        input: inputs(&names, &a.source)?,
        keep_order: a.keep_order,
        selection: selection(&a.select, Some(&a.unit))?,
        options: TrendOptions {
            cum: a.sort.cum && !a.sort.flat,
            node_count: a.count.nodecount,
            unit: a.unit.unit,
            format: format(&a.format),
        },
        output: a.output.output,
    })
}

fn flame(a: FlameArgs) -> Result<Request, UsageError> {
    if a.colors
        .parse::<inferno::flamegraph::color::Palette>()
        .is_err()
    {
        return Err(usage(format!(
            "unknown palette {:?} for --colors",
            a.colors
        )));
    }
    if !(a.min_width.is_finite() && (0.0..=100.0).contains(&a.min_width)) {
        return Err(usage(format!(
            "--min-width={:?} must be between 0 and 100 (a percentage of the total)",
            a.min_width
        )));
    }
    if let Some(w) = a.width {
        in_range(
            "width",
            u64::try_from(w).unwrap_or(u64::MAX),
            WIDTH_RANGE,
            "pixels",
        )?;
    }
    if a.base.drop_negative {
        return Err(usage(
            "-drop_negative: a differential flame graph shows what shrank; \
             flame does not drop it",
        ));
    }
    let (input, base) = match with_base(&a.input, &a.base)?.split_base() {
        (input, Some((base, _))) => (input, Some(base)),
        (input, None) => (input, None),
    };
    if a.select.sample.mean && base.is_some() {
        return Err(usage(
            "-mean: a differential flame graph's tooltips are changes in bytes or objects, \
             not averages; draw -mean on each profile",
        ));
    }
    Ok(Request::Flame {
        base,
        input,
        normalize: a.base.normalize,
        selection: selection(&a.select, None)?,
        options: FlameOptions {
            title: a.title,
            width: a.width,
            min_width: a.min_width,
            reverse: a.reverse,
            colors: a.colors,
            folded: a.folded,
            inverted: a.inverted,
            palette: match a.palette {
                PaletteArg::Memory => Palette::Memory,
                PaletteArg::Package => Palette::Package,
            },
        },
        output: a.output.output,
    })
}

fn graph(a: GraphArgs) -> Result<Request, UsageError> {
    if a.renderer.is_some() && a.format == GraphFormatArg::Dot {
        return Err(usage(
            "--renderer applies to SVG output; --format dot writes DOT text",
        ));
    }
    Ok(Request::Graph {
        input: with_base(&a.input, &a.base)?,
        selection: based_selection(&a.select, &a.base, &a.unit)?,
        options: GraphOptions {
            trim: trim(&a.trim)?,
            unit: a.unit.unit,
            format: match a.format {
                GraphFormatArg::Svg => GraphFormat::Svg,
                GraphFormatArg::Dot => GraphFormat::Dot,
            },
            renderer: a.renderer.map(|r| match r {
                RendererArg::Dot => Renderer::Graphviz,
                RendererArg::Builtin => Renderer::Builtin,
            }),
        },
        output: a.output.output,
    })
}

fn usage(msg: impl Into<String>) -> UsageError {
    UsageError(msg.into())
}

fn format(a: &FormatArgs) -> Format {
    match a.format {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
    }
}

/// The profiles named on the command line, or stdin when none is named and
/// stdin is piped; then the `extra` ones (flame's base).
fn profiles(
    names: &[String],
    extra: &[&str],
    source: &SourceArgs,
) -> Result<InputSpec, UsageError> {
    let mut all: Vec<&str> = names.iter().map(String::as_str).collect();
    if all.is_empty() {
        if std::io::stdin().is_terminal() {
            return Err(usage(
                "no profile given and stdin is a terminal: name a profile file, or pipe one in \
                 (heapscope top < pprof.heap)",
            ));
        }
        all.push("-");
    }
    all.extend_from_slice(extra);
    inputs(&all, source)
}

/// pprof's `-base` or `-diff_base` profiles, if any; not both.
fn base(a: &BaseArgs, source: &SourceArgs) -> Result<Option<Base>, UsageError> {
    let (names, diff) = match (&a.base[..], &a.diff_base[..]) {
        ([], []) => return Ok(None),
        (names, []) => (names, false),
        ([], names) => (names, true),
        _ => {
            return Err(usage(
                "-base and -diff_base cannot both be given (as pprof)",
            ))
        }
    };
    // Given twice, the last one counts, as in Go's pprof (a Go flag).
    let last: Vec<&str> = names.last().map(String::as_str).into_iter().collect();
    Ok(Some(Base {
        sources: inputs(&last, source)?.sources,
        diff,
        normalize: a.normalize,
    }))
}

/// The profiles of a report that takes a base (`-base`, `-diff_base`),
/// with it; stdin read at most once among them.
fn with_base(a: &ProfileArgs, b: &BaseArgs) -> Result<InputSpec, UsageError> {
    let mut input = profiles(&a.profiles, &[], &a.source)?;
    input.base = base(b, &a.source)?;
    let stdin = input.all_sources().filter(|s| **s == Source::Stdin).count();
    if stdin > 1 {
        return Err(usage("stdin (-) can be read only once"));
    }
    Ok(input)
}

/// [`selection`] with `-drop_negative`, which decides which nodes a graph has.
fn based_selection(a: &SelectArgs, b: &BaseArgs, unit: &UnitArgs) -> Result<Selection, UsageError> {
    let mut s = selection(a, Some(unit))?;
    s.nodes.drop_negative = b.drop_negative;
    Ok(s)
}

/// The one file of `memstats` and `gctrace`, or stdin when it is piped.
fn text_input(a: &TextArgs, command: &str) -> Result<InputSpec, UsageError> {
    match &a.file {
        Some(name) => inputs(&[name], &a.source),
        None if std::io::stdin().is_terminal() => Err(usage(format!(
            "no file given and stdin is a terminal: name a file, or pipe one in \
             (heapscope {command} < file)"
        ))),
        None => inputs(&["-"], &a.source),
    }
}

/// Where the named inputs come from and how they are read. Stdin can be
/// read once: this is the one place that says so.
fn inputs(names: &[&str], source: &SourceArgs) -> Result<InputSpec, UsageError> {
    let sources: Vec<Source> = names.iter().map(|n| Source::parse(n)).collect();
    if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
        return Err(usage("stdin (-) can be read only once"));
    }
    Ok(InputSpec {
        sources,
        base: None,
        max_size: in_range("max_size", source.max_size, MAX_SIZE_RANGE, "bytes")?,
        fetch: fetch_options(&source.fetch)?,
        symbolize: crate::profile::names::Symbolize::parse(&source.symbolize)
            .map_err(|e| usage(format!("-symbolize: {e}")))?,
        keep_allocator_frames: source.keep_allocator_frames,
    })
}

/// The `i`th input of `all`, read on its own.
fn single(all: &InputSpec, i: usize) -> InputSpec {
    InputSpec {
        sources: vec![all.sources[i].clone()],
        base: None,
        max_size: all.max_size,
        fetch: all.fetch.clone(),
        symbolize: all.symbolize,
        keep_allocator_frames: all.keep_allocator_frames,
    }
}

/// Fetch options from the flags and the environment: fetched profiles are
/// saved in -save_dir, else $HEAPSCOPE_SAVE_DIR, else $HOME/pprof (as pprof
/// saves in $PPROF_TMPDIR or $HOME/pprof), unless -no_save.
fn fetch_options(a: &FetchArgs) -> Result<FetchOptions, UsageError> {
    if let Some(s) = a.seconds {
        in_range("seconds", s, SECONDS_RANGE, "seconds")?;
    }
    if let Some(s) = a.timeout {
        in_range("timeout", s, SECONDS_RANGE, "seconds")?;
    }
    if a.no_save && a.save_dir.is_some() {
        return Err(usage("choose -save_dir or -no_save, not both"));
    }
    let env_dir = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let save_dir = if a.no_save {
        None
    } else {
        a.save_dir
            .clone()
            .or_else(|| env_dir("HEAPSCOPE_SAVE_DIR").map(PathBuf::from))
            .or_else(|| env_dir("HOME").map(|h| PathBuf::from(h).join("pprof")))
    };
    Ok(FetchOptions {
        seconds: a.seconds,
        timeout: a.timeout.map(std::time::Duration::from_secs),
        save_dir,
        progress: std::io::stderr().is_terminal(),
    })
}

/// The range of -seconds and -timeout: up to a day.
const SECONDS_RANGE: RangeInclusive<u64> = 1..=86_400;

/// The range of -max_size: up to 1 TiB, far above any real profile, low enough
/// that budgets derived from it cannot overflow.
const MAX_SIZE_RANGE: RangeInclusive<u64> = 1..=1 << 40;

/// The range of --width, in pixels: room for the flame graph's margins, and
/// no more than a browser can draw.
const WIDTH_RANGE: RangeInclusive<u64> = 100..=100_000;

/// `v` when it is in `range`, else the usage error naming the flag (`-flag=v
/// must be between lo and hi unit`).
fn in_range(flag: &str, v: u64, range: RangeInclusive<u64>, unit: &str) -> Result<u64, UsageError> {
    if range.contains(&v) {
        Ok(v)
    } else {
        Err(usage(format!(
            "-{flag}={v} must be between {} and {} {unit}",
            range.start(),
            range.end()
        )))
    }
}

fn regex(flag: &str, value: &Option<String>) -> Result<Option<Regex>, UsageError> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(|v| Regex::new(v).map_err(|e| usage(format!("invalid -{flag} regex: {e}"))))
        .transpose()
}

/// A `-tagfocus`/`-tagignore` value; empty is no filter, as in pprof.
fn tag_filter(flag: &str, value: &Option<String>) -> Result<Option<TagFilter>, UsageError> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(|v| TagFilter::parse(v).map_err(|e| usage(format!("-{flag}={v:?}: {e}"))))
        .transpose()
}

fn symbol_regex(command: &str, value: &str) -> Result<Regex, UsageError> {
    Regex::new(value).map_err(|e| usage(format!("invalid {command} regex: {e}")))
}

fn fraction(flag: &str, v: f64) -> Result<f64, UsageError> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(usage(format!("-{flag}={v:?} must be between 0 and 1")))
    }
}

/// The trimming of `top`, `diff` and `graph`.
fn trim(a: &TrimArgs) -> Result<TrimOptions, UsageError> {
    Ok(TrimOptions {
        node_count: a.count.nodecount,
        node_fraction: fraction("nodefraction", a.fractions.nodefraction)?,
        edge_fraction: fraction("edgefraction", a.fractions.edgefraction)?,
        cum_sort: a.sort.cum && !a.sort.flat,
    })
}

/// `-divide_by=F` as pprof applies it: values are multiplied by 1/F when
/// that is positive and not 1 (a negative or infinite F changes nothing);
/// 0 is refused.
fn ratio(divide_by: Option<f64>) -> Result<Option<f64>, UsageError> {
    match divide_by {
        Some(d) if d == 0.0 => Err(usage(format!(
            "-divide_by={d:?}: zero divisor (values are divided by it)"
        ))),
        Some(d) => {
            let r = 1.0 / d;
            Ok((r > 0.0 && r != 1.0).then_some(r))
        }
        None => Ok(None),
    }
}

/// The frame flags; `unit` is the report's `-unit`, which numeric labels
/// made frames are written in.
fn frame_options(a: &FrameArgs, unit: Option<&UnitArgs>) -> Result<FrameOptions, UsageError> {
    let keys = |v: &Option<String>| -> Vec<String> {
        v.iter()
            .flat_map(|v| v.split(','))
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect()
    };
    Ok(FrameOptions {
        tag_root: keys(&a.tagroot),
        tag_leaf: keys(&a.tagleaf),
        show_from: regex("show_from", &a.show_from)?,
        prune_from: regex("prune_from", &a.prune_from)?,
        no_inlines: a.noinlines,
        label_unit: unit.map_or("minimum", |u| u.unit.as_str()).to_string(),
    })
}

/// Paths given as repeated flags, each possibly ':'-separated.
fn split_paths(values: &[String]) -> impl Iterator<Item = &str> {
    values
        .iter()
        .flat_map(|p| p.split(':'))
        .filter(|p| !p.is_empty())
}

fn selection(a: &SelectArgs, unit: Option<&UnitArgs>) -> Result<Selection, UsageError> {
    let s = &a.sample;
    let shorthands = [
        (s.inuse_space, "inuse_space"),
        (s.inuse_objects, "inuse_objects"),
        (s.alloc_space, "alloc_space"),
        (s.alloc_objects, "alloc_objects"),
    ];
    let mut chosen: Vec<String> = shorthands
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name.to_string())
        .collect();
    if let Some(si) = &s.sample_index {
        chosen.push(si.clone());
    }
    if chosen.len() > 1 {
        return Err(usage(format!(
            "choose one sample type, not {}",
            chosen.join(" and ")
        )));
    }

    let g = &a.granularity;
    let mut granularities: Vec<Granularity> = Vec::new();
    if let Some(named) = g.granularity {
        granularities.push(match named {
            GranularityArg::Functions => Granularity::Functions,
            GranularityArg::Files => Granularity::Files,
            GranularityArg::Lines => Granularity::Lines,
            GranularityArg::Addresses => Granularity::Addresses,
        });
    }
    for (on, each) in [
        (g.functions, Granularity::Functions),
        (g.files, Granularity::Files),
        (g.lines, Granularity::Lines),
        (g.addresses, Granularity::Addresses),
    ] {
        if on {
            granularities.push(each);
        }
    }
    granularities.dedup();
    if granularities.len() > 1 {
        return Err(usage(
            "choose one granularity: -functions, -files, -lines or -addresses",
        ));
    }

    let f = &a.filters;
    Ok(Selection {
        sample_index: chosen.pop(),
        filters: Filters {
            focus: regex("focus", &f.focus)?,
            ignore: regex("ignore", &f.ignore)?,
            hide: regex("hide", &f.hide)?,
            show: regex("show", &f.show)?,
            tag_focus: tag_filter("tagfocus", &f.tagfocus)?,
            tag_ignore: tag_filter("tagignore", &f.tagignore)?,
            tag_show: regex("tagshow", &f.tagshow)?,
            tag_hide: regex("taghide", &f.taghide)?,
        },
        frames: frame_options(&a.frames, unit)?,
        ratio: ratio(s.divide_by)?,
        mean: s.mean,
        nodes: NodeOptions {
            granularity: granularities.pop().unwrap_or_default(),
            trim_path: split_paths(&g.trim_path).map(str::to_string).collect(),
            object_names: false,
            drop_negative: false,
        },
        relative_percentages: f.relative_percentages,
    })
}
