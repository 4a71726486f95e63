//! Runs a parsed request: loads the profiles (combining several into one
//! where a report reads them together), prepares the selection and writes
//! the report. Knows nothing of command-line syntax.

use std::fmt;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};

use crate::goruntime::{gctrace, memstats};
use crate::input::{self, FetchOptions, Loaded, ReadOptions, Source};
use crate::profile::graph::{Granularity, Overflow};
use crate::profile::merge::{self, Combined};
use crate::profile::sample_type::SampleTypeError;
use crate::report::diff::{self, DiffInputs, DiffOptions};
use crate::report::flame::{self, FlameOptions};
use crate::report::graph::{self, GraphOptions};
use crate::report::list::{self, ListOptions};
use crate::report::peek::{self, PeekOptions};
use crate::report::source::{SourceReader, SourceSearch};
use crate::report::top::{self, TopOptions};
use crate::report::trend::{self, Snapshot, TrendOptions};
use crate::report::{info, Format, PrepareError, Prepared, Selection};
use crate::support::output;

/// A usage error: the request cannot be carried out as asked (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Where profiles come from, how large each may be, and how URLs are
/// fetched.
#[derive(Debug, Clone)]
pub struct InputSpec {
    /// At least one source.
    pub sources: Vec<Source>,
    pub max_size: u64,
    pub fetch: FetchOptions,
}

impl InputSpec {
    fn read_options(&self) -> ReadOptions {
        ReadOptions {
            max_size: self.max_size,
            fetch: self.fetch.clone(),
        }
    }
}

/// What the user asked for, in plain values.
// Built once per run; the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Request {
    Top {
        input: InputSpec,
        selection: Selection,
        options: TopOptions,
    },
    Info {
        input: InputSpec,
        format: Format,
    },
    List {
        input: InputSpec,
        selection: Selection,
        options: ListOptions,
        search: SourceSearch,
    },
    Peek {
        input: InputSpec,
        selection: Selection,
        options: PeekOptions,
    },
    Diff {
        before: InputSpec,
        after: InputSpec,
        normalize: bool,
        selection: Selection,
        options: DiffOptions,
    },
    Trend {
        input: InputSpec,
        keep_order: bool,
        selection: Selection,
        options: TrendOptions,
    },
    Flame {
        input: InputSpec,
        /// A differential flame graph against this earlier snapshot.
        base: Option<InputSpec>,
        normalize: bool,
        selection: Selection,
        options: FlameOptions,
        output: Option<PathBuf>,
    },
    Graph {
        input: InputSpec,
        selection: Selection,
        options: GraphOptions,
        output: Option<PathBuf>,
    },
    MemStats {
        input: InputSpec,
        format: Format,
    },
    GcTrace {
        input: InputSpec,
        format: Format,
        /// Where to write the SVG chart, if asked.
        svg: Option<PathBuf>,
    },
}

impl Request {
    /// The file the report is written to, if any, with the flag naming it,
    /// what its inputs are called and the inputs.
    fn output_file(&self) -> Option<(&'static str, &Path, &'static str, Vec<&Source>)> {
        fn inputs(spec: &InputSpec) -> Vec<&Source> {
            spec.sources.iter().collect()
        }
        match self {
            Request::Flame {
                input,
                base,
                output: Some(path),
                ..
            } => {
                let mut sources = inputs(input);
                sources.extend(base.iter().flat_map(|b| &b.sources));
                Some(("-o", path, "one of the input profiles", sources))
            }
            Request::Graph {
                input,
                output: Some(path),
                ..
            } => Some(("-o", path, "one of the input profiles", inputs(input))),
            Request::GcTrace {
                input,
                svg: Some(path),
                ..
            } => Some(("--svg", path, "the input file", inputs(input))),
            _ => None,
        }
    }
}

/// Runs a request, writing the report to `out` and notes to `warn`.
pub fn run(request: &Request, out: &mut dyn Write, warn: &mut dyn Write) -> anyhow::Result<()> {
    if let Some((flag, path, what, inputs)) = request.output_file() {
        output::refuse_input(flag, path, &inputs, what)?;
    }
    match request {
        Request::Top {
            input,
            selection,
            options,
        } => {
            let loaded = load_merged(input, warn)?;
            let prep = prepare(&loaded, selection, warn)?;
            top::write(out, &prep, options).with_context(|| loaded.name.clone())
        }
        Request::Info { input, format } => {
            let loaded = load_merged(input, warn)?;
            Ok(info::write(out, &loaded, *format)?)
        }
        Request::List {
            input,
            selection,
            options,
            search,
        } => {
            let loaded = load_merged(input, warn)?;
            // pprof lists at line granularity, nodes keyed by binary and
            // function start line too.
            let mut selection = selection.clone();
            selection.nodes.granularity = Granularity::Lines;
            selection.nodes.object_names = true;
            let prep = prepare(&loaded, &selection, warn)?;
            let mut reader = SourceReader::new(search.clone());
            list::write(out, warn, &prep, options, &mut reader).with_context(|| loaded.name.clone())
        }
        Request::Peek {
            input,
            selection,
            options,
        } => {
            let loaded = load_merged(input, warn)?;
            let prep = prepare(&loaded, selection, warn)?;
            peek::write(out, &prep, options).with_context(|| loaded.name.clone())
        }
        Request::Diff {
            before,
            after,
            normalize,
            selection,
            options,
        } => run_diff(before, after, *normalize, selection, options, out, warn),
        Request::Trend {
            input,
            keep_order,
            selection,
            options,
        } => run_trend(input, *keep_order, selection, options, out, warn),
        Request::Flame {
            input,
            base,
            normalize,
            selection,
            options,
            output,
        } => {
            let flame = FlameRequest {
                input,
                base: base.as_ref(),
                normalize: *normalize,
                selection,
                options,
            };
            output::write_to(output.as_deref(), out, |w| run_flame(&flame, w, warn))
        }
        Request::Graph {
            input,
            selection,
            options,
            output,
        } => output::write_to(output.as_deref(), out, |w| {
            let loaded = load_merged(input, warn)?;
            let prep = prepare(&loaded, selection, warn)?;
            graph::write(w, warn, &prep, options).with_context(|| loaded.name.clone())
        }),
        Request::MemStats { input, format } => {
            let (source, text) = read_text(input, warn)?;
            let stats = memstats::parse(&text).map_err(|e| anyhow!("{source}: {e}"))?;
            Ok(memstats::write(out, &source, &stats, *format)?)
        }
        Request::GcTrace { input, format, svg } => {
            let (source, text) = read_text(input, warn)?;
            // The text held counts against the budget.
            let limit = input::memory_limit(input.read_options().max_size);
            let left = limit.saturating_sub(text.len() as u64);
            let trace =
                gctrace::parse_within(&text, left, limit).map_err(|e| anyhow!("{source}: {e}"))?;
            if let Some(path) = svg {
                output::write_to(Some(path), out, |w| {
                    Ok(gctrace::write_svg(w, &source, &trace)?)
                })
                .with_context(|| format!("cannot write the chart to {}", path.display()))?;
            }
            Ok(gctrace::write(out, &source, &trace, *format)?)
        }
    }
}

fn load(source: &Source, opts: &ReadOptions, notes: &mut dyn Write) -> anyhow::Result<Loaded> {
    input::load(source, opts, notes).map_err(|e| anyhow!("{source}: {e}"))
}

/// Profiles combined as they are read: each is decoded straight onto the
/// end of the combination's samples, so no sample is copied and nothing
/// but the combination is held.
#[derive(Default)]
struct Combination {
    combiner: merge::Combiner,
    names: Vec<String>,
}

impl Combination {
    /// Reads one source onto the combination; returns it as a snapshot.
    fn load(
        &mut self,
        source: &Source,
        opts: &ReadOptions,
        notes: &mut dyn Write,
    ) -> anyhow::Result<Snapshot> {
        let (samples, location_base) = self.combiner.take_samples();
        let loaded = input::load_onto(source, opts, notes, samples, location_base)
            .map_err(|e| anyhow!("{source}: {e}"))?;
        let Loaded { name, profile } = loaded;
        self.names.push(name.clone());
        let time_nanos = profile.time_nanos;
        let range = self
            .combiner
            .add_decoded(profile)
            .map_err(|e| anyhow!("{}: {e}", self.name()))?;
        Ok(Snapshot {
            name,
            time_nanos,
            range,
        })
    }

    /// Reads every source of `spec`; returns the range of samples they
    /// occupy together, and their name.
    fn load_all(
        &mut self,
        spec: &InputSpec,
        notes: &mut dyn Write,
    ) -> anyhow::Result<(Range<usize>, String)> {
        let opts = spec.read_options();
        let first = self.names.len();
        let mut range: Option<Range<usize>> = None;
        for source in &spec.sources {
            let r = self.load(source, &opts, notes)?.range;
            range = Some(range.map_or(r.clone(), |all| all.start..r.end));
        }
        let name = self.names[first..].join(" + ");
        Ok((range.unwrap_or_default(), name))
    }

    /// The name of the combination: its profiles' names joined by " + ".
    fn name(&self) -> String {
        self.names.join(" + ")
    }

    fn finish(self) -> anyhow::Result<Loaded> {
        let name = self.name();
        let Combined { profile, .. } =
            self.combiner.finish().map_err(|e| anyhow!("{name}: {e}"))?;
        Ok(Loaded { name, profile })
    }
}

/// Loads the sources; several are merged into one profile whose values sum
/// node by node, as pprof merges them.
fn load_merged(spec: &InputSpec, notes: &mut dyn Write) -> anyhow::Result<Loaded> {
    if let [source] = &spec.sources[..] {
        return load(source, &spec.read_options(), notes);
    }
    let mut all = Combination::default();
    all.load_all(spec, notes)?;
    all.finish()
}

/// Reads a text input (gzip inflated) as UTF-8: the first source (text
/// commands take one).
fn read_text(spec: &InputSpec, notes: &mut dyn Write) -> anyhow::Result<(String, String)> {
    let source = &spec.sources[0];
    let bytes = input::read_bytes(source, &spec.read_options(), notes)
        .map_err(|e| anyhow!("{source}: {e}"))?;
    Ok((source.to_string(), into_text(bytes)))
}

/// The bytes as a string, in place: each byte of a sequence that is not
/// UTF-8 becomes `?`. (A lossy copy would hold the input twice, and up to
/// three times over in U+FFFD for input that is all invalid bytes.)
fn into_text(mut bytes: Vec<u8>) -> String {
    let mut start = 0;
    while let Err(e) = std::str::from_utf8(&bytes[start..]) {
        let bad = start + e.valid_up_to();
        let len = e.error_len().unwrap_or(bytes.len() - bad);
        bytes[bad..bad + len].fill(b'?');
        start = bad + len;
    }
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn prepare<'a>(
    loaded: &'a Loaded,
    selection: &Selection,
    warn: &mut dyn Write,
) -> anyhow::Result<Prepared<'a>> {
    Prepared::new(loaded, selection, warn).map_err(|e| match e {
        PrepareError::SampleType(e @ SampleTypeError::NoSampleTypes) => {
            anyhow!("{}: {e}", loaded.name)
        }
        PrepareError::SampleType(e) => {
            anyhow::Error::new(UsageError(format!("{}: {e}", loaded.name)))
        }
        PrepareError::Io(e) => anyhow::Error::new(e),
        PrepareError::Overflow(e) => anyhow!("{}: {e}", loaded.name),
    })
}

/// Scales the samples in `scaled` so each sample type sums to what it sums
/// to over `target` (`-normalize`), rounding as pprof does.
fn normalize_to(
    profile: &mut crate::profile::Profile,
    scaled: Range<usize>,
    target: Range<usize>,
) -> Result<(), Overflow> {
    let from = merge::sums(profile, scaled.clone())?;
    let to = merge::sums(profile, target)?;
    let ratios: Vec<f64> = from
        .iter()
        .zip(&to)
        .map(|(&f, &t)| if f == 0 { 1.0 } else { t as f64 / f as f64 })
        .collect();
    merge::scale(profile, scaled, &ratios)
}

struct FlameRequest<'a> {
    input: &'a InputSpec,
    base: Option<&'a InputSpec>,
    normalize: bool,
    selection: &'a Selection,
    options: &'a FlameOptions,
}

fn run_flame(
    r: &FlameRequest<'_>,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> anyhow::Result<()> {
    let (loaded, after_range, before_range) = match r.base {
        None => {
            let after = load_merged(r.input, warn)?;
            let n = after.profile.samples.len();
            (after, 0..n, None)
        }
        Some(base) => {
            let Both {
                mut loaded,
                after,
                before,
                ..
            } = load_both(base, r.input, warn)?;
            if r.normalize {
                normalize_to(&mut loaded.profile, before.clone(), after.clone())
                    .map_err(|e| anyhow!("{}: {e}", loaded.name))?;
            }
            (loaded, after, Some(before))
        }
    };
    let prep = prepare(&loaded, r.selection, warn)?;
    let context = || loaded.name.clone();
    if before_range.is_none() && !r.options.folded {
        let pruned = flame::pruned_lines(&prep, after_range.clone(), r.options.min_width)
            .with_context(context)?;
        if let Some((lines, total)) = pruned {
            let labels = flame::labels(&prep, total, None, r.options);
            return flame::write_svg(out, &prep, &lines, labels, r.options).with_context(context);
        }
    }
    let (after_stacks, mut cut) = flame::fold(&prep, after_range).with_context(context)?;
    let before_stacks = match before_range {
        Some(range) => {
            let (stacks, before_cut) = flame::fold(&prep, range).with_context(context)?;
            cut.add(before_cut);
            Some(stacks)
        }
        None => None,
    };
    if let Some(note) = cut.note() {
        writeln!(warn, "heapscope: {}: {note}", loaded.name)?;
    }
    // Folded output is exact; for the SVG, frames too narrow to draw go first.
    let prune = (!r.options.folded).then_some(r.options.min_width);
    let (lines, negative) =
        flame::folded_lines(&prep, &after_stacks, before_stacks.as_ref(), prune);
    if negative > 0 {
        writeln!(
            warn,
            "heapscope: {}: left out {negative} stacks with negative values",
            loaded.name
        )?;
    }
    if r.options.folded {
        for l in &lines {
            writeln!(out, "{l}")?;
        }
        return Ok(());
    }
    let total = flame::stacks_total(&after_stacks);
    let before_total = before_stacks.as_ref().map(flame::stacks_total);
    let labels = flame::labels(&prep, total, before_total, r.options);
    flame::write_svg(out, &prep, &lines, labels, r.options).with_context(context)
}

/// BEFORE and AFTER in one profile, as pprof combines a `-diff_base`
/// (AFTER's samples first), named "BEFORE vs AFTER".
struct Both {
    loaded: Loaded,
    after: Range<usize>,
    before: Range<usize>,
    after_name: String,
    before_name: String,
}

fn load_both(before: &InputSpec, after: &InputSpec, notes: &mut dyn Write) -> anyhow::Result<Both> {
    let mut both = Combination::default();
    let (after, after_name) = both.load_all(after, notes)?;
    let (before, before_name) = both.load_all(before, notes)?;
    let mut loaded = both.finish()?;
    loaded.name = format!("{before_name} vs {after_name}");
    Ok(Both {
        loaded,
        after,
        before,
        after_name,
        before_name,
    })
}

fn run_diff(
    before: &InputSpec,
    after: &InputSpec,
    normalize: bool,
    selection: &Selection,
    options: &DiffOptions,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> anyhow::Result<()> {
    let Both {
        mut loaded,
        after: after_range,
        before: before_range,
        after_name,
        before_name,
    } = load_both(before, after, warn)?;
    if normalize {
        normalize_to(
            &mut loaded.profile,
            before_range.clone(),
            after_range.clone(),
        )
        .map_err(|e| anyhow!("{}: {e}", loaded.name))?;
    }
    let k = loaded.profile.samples.num_values;
    merge::scale(&mut loaded.profile, before_range.clone(), &vec![-1.0; k])
        .map_err(|e| anyhow!("{}: {e}", loaded.name))?;

    let mut prep = prepare(&loaded, selection, warn)?;
    // pprof's total for a diff is BEFORE's (the samples marked as base).
    let p = &loaded.profile;
    let base_total = before_range
        .clone()
        .map(|i| p.samples.value(i, prep.value_index).unsigned_abs())
        .fold(0u64, u64::saturating_add);
    if base_total > 0 {
        prep.total =
            i64::try_from(base_total).map_err(|_| anyhow!("{}: {Overflow}", loaded.name))?;
    }
    let inputs = DiffInputs {
        before: before_range,
        after: after_range,
        before_name,
        after_name,
        normalized: normalize,
    };
    diff::write(out, &prep, &inputs, options).with_context(|| loaded.name.clone())
}

fn run_trend(
    input: &InputSpec,
    keep_order: bool,
    selection: &Selection,
    options: &TrendOptions,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> anyhow::Result<()> {
    let opts = input.read_options();
    let mut all = Combination::default();
    let mut snapshots = Vec::with_capacity(input.sources.len());
    for source in &input.sources {
        snapshots.push(all.load(source, &opts, warn)?);
    }
    if !keep_order {
        // Stable: snapshots without a time keep their argument order.
        snapshots.sort_by_key(|s| s.time_nanos);
    }
    let all = all.finish()?;
    let prep = prepare(&all, selection, warn)?;
    trend::write(out, &prep, &snapshots, options).with_context(|| all.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_replaces_invalid_bytes_in_place() {
        assert_eq!(into_text(b"gc 1 @0.1s".to_vec()), "gc 1 @0.1s");
        assert_eq!(into_text(b"a\xffb\xe2\x82c\xf0\x9f".to_vec()), "a?b??c??");
        assert_eq!(into_text("é 名 \u{1b}".as_bytes().to_vec()), "é 名 \u{1b}");
        let bytes = vec![0xc3; 100];
        let ptr = bytes.as_ptr();
        let text = into_text(bytes);
        assert_eq!(text, "?".repeat(100));
        assert_eq!(text.as_ptr(), ptr, "not copied");
    }
}
