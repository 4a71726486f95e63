//! Runs a parsed request: loads the profile, prepares the selection and
//! writes the report. Knows nothing of command-line syntax.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, Context};

use crate::input::{self, Loaded, Source};
use crate::profile::graph::Granularity;
use crate::profile::sample_type::SampleTypeError;
use crate::report::gctrace;
use crate::report::list::{self, ListOptions};
use crate::report::memstats;
use crate::report::peek::{self, PeekOptions};
use crate::report::source::{SourceReader, SourceSearch};
use crate::report::top::{self, TopOptions};
use crate::report::{info, Format, PrepareError, Prepared, Selection};

/// A usage error: the request cannot be carried out as asked (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Where a profile comes from and how large it may be.
#[derive(Debug, Clone)]
pub struct InputSpec {
    pub source: Source,
    pub max_size: u64,
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

/// Runs a request, writing the report to `out` and notes to `warn`.
pub fn run(request: &Request, out: &mut dyn Write, warn: &mut dyn Write) -> anyhow::Result<()> {
    match request {
        Request::Top {
            input,
            selection,
            options,
        } => {
            let loaded = load(input)?;
            let prep = prepare(&loaded, selection, warn)?;
            top::write(out, &prep, options).with_context(|| loaded.source.to_string())
        }
        Request::Info { input, format } => {
            let loaded = load(input)?;
            Ok(info::write(out, &loaded, *format)?)
        }
        Request::List {
            input,
            selection,
            options,
            search,
        } => {
            let loaded = load(input)?;
            // pprof lists at line granularity, nodes keyed by binary and
            // function start line too.
            let mut selection = selection.clone();
            selection.nodes.granularity = Granularity::Lines;
            selection.nodes.object_names = true;
            let prep = prepare(&loaded, &selection, warn)?;
            let mut reader = SourceReader::new(search.clone());
            list::write(out, warn, &prep, options, &mut reader)
                .with_context(|| loaded.source.to_string())
        }
        Request::Peek {
            input,
            selection,
            options,
        } => {
            let loaded = load(input)?;
            let prep = prepare(&loaded, selection, warn)?;
            peek::write(out, &prep, options).with_context(|| loaded.source.to_string())
        }
        Request::MemStats { input, format } => {
            let text = read_text(input)?;
            let stats = crate::input::memstats::parse(&text)
                .map_err(|e| anyhow!("{}: {e}", input.source))?;
            Ok(memstats::write(
                out,
                &input.source.to_string(),
                &stats,
                *format,
            )?)
        }
        Request::GcTrace { input, format, svg } => {
            let text = read_text(input)?;
            let trace = crate::input::gctrace::parse(&text);
            let source = input.source.to_string();
            if let Some(path) = svg {
                let mut chart = Vec::new();
                gctrace::write_svg(&mut chart, &source, &trace)?;
                std::fs::write(path, chart)
                    .with_context(|| format!("cannot write the chart to {}", path.display()))?;
            }
            Ok(gctrace::write(out, &source, &trace, *format)?)
        }
    }
}

/// Reads a text input (gzip inflated), lossily as UTF-8.
fn read_text(spec: &InputSpec) -> anyhow::Result<String> {
    let bytes = input::read_bytes(&spec.source, spec.max_size)
        .map_err(|e| anyhow!("{}: {e}", spec.source))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn load(spec: &InputSpec) -> anyhow::Result<Loaded> {
    input::load(&spec.source, spec.max_size).map_err(|e| anyhow!("{}: {e}", spec.source))
}

fn prepare<'a>(
    loaded: &'a Loaded,
    selection: &Selection,
    warn: &mut dyn Write,
) -> anyhow::Result<Prepared<'a>> {
    Prepared::new(loaded, selection, warn).map_err(|e| match e {
        PrepareError::SampleType(e @ SampleTypeError::NoSampleTypes) => {
            anyhow!("{}: {e}", loaded.source)
        }
        PrepareError::SampleType(e) => {
            anyhow::Error::new(UsageError(format!("{}: {e}", loaded.source)))
        }
        PrepareError::Io(e) => anyhow::Error::new(e),
        PrepareError::Overflow(e) => anyhow!("{}: {e}", loaded.source),
    })
}
