//! Runs a parsed request: hands it to the report that owns it, and says
//! where the report's bytes go. Knows nothing of command-line syntax, nor
//! how any report reads its input.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::goruntime::{gctrace, memstats};
use crate::input::combine::load_merged;
use crate::input::{InputSpec, Source};
use crate::report::diff::{self, DiffOptions};
use crate::report::flame::{self, FlameOptions};
use crate::report::graph::{self, GraphOptions};
use crate::report::list::{self, ListOptions};
use crate::report::peek::{self, PeekOptions};
use crate::report::prepare::for_report as prepare;
use crate::report::source::SourceSearch;
use crate::report::tags::{self, TagsOptions};
use crate::report::top::{self, TopOptions};
use crate::report::traces::{self, TracesOptions};
use crate::report::trend::{self, TrendOptions};
use crate::report::{info, raw, Format, Selection};
use crate::shell;
use crate::support::output;
use crate::web::{self, WebOptions};

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
    Tags {
        input: InputSpec,
        selection: Selection,
        options: TagsOptions,
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
    Traces {
        input: InputSpec,
        selection: Selection,
        options: TracesOptions,
        output: Option<PathBuf>,
    },
    Raw {
        input: InputSpec,
        selection: Selection,
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
    /// The shell on the profile read from `input`, its options first set
    /// by `settings` (`nodecount=20`, `cum`).
    Shell {
        input: InputSpec,
        settings: Vec<String>,
    },
    /// The web UI on the profile read from `input`, the views' defaults set
    /// by `settings` (as the shell's).
    Web {
        input: InputSpec,
        settings: Vec<String>,
        options: WebOptions,
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
            Request::Traces {
                input,
                output: Some(path),
                ..
            }
            | Request::Raw {
                input,
                output: Some(path),
                ..
            } => Some(("-o", path, "the input profile", inputs(input))),
            Request::GcTrace {
                input,
                svg: Some(path),
                ..
            } => Some(("--svg", path, "the input file", inputs(input))),
            _ => None,
        }
    }
}

/// Runs a request, writing the report to `out` and notes (diagnostics) to `notes`.
pub fn run(request: &Request, out: &mut dyn Write, notes: &mut dyn Write) -> anyhow::Result<()> {
    if let Some((flag, path, what, inputs)) = request.output_file() {
        output::refuse_input(flag, path, &inputs, what)?;
    }
    match request {
        Request::Top {
            input,
            selection,
            options,
        } => {
            let loaded = load_merged(input, notes)?;
            let prep = prepare(&loaded, selection, notes)?;
            top::write(out, &prep, options).with_context(|| loaded.name.clone())
        }
        Request::Tags {
            input,
            selection,
            options,
        } => {
            let loaded = load_merged(input, notes)?;
            let prep = prepare(&loaded, selection, notes)?;
            tags::write(out, &prep, options).with_context(|| loaded.name.clone())
        }
        Request::Info { input, format } => {
            let loaded = load_merged(input, notes)?;
            Ok(info::write(out, &loaded, *format)?)
        }
        Request::List {
            input,
            selection,
            options,
            search,
        } => list::run(out, notes, input, selection, options, search),
        Request::Peek {
            input,
            selection,
            options,
        } => {
            let loaded = load_merged(input, notes)?;
            let prep = prepare(&loaded, selection, notes)?;
            peek::write(out, &prep, options).with_context(|| loaded.name.clone())
        }
        Request::Diff {
            before,
            after,
            normalize,
            selection,
            options,
        } => diff::run(out, notes, before, after, *normalize, selection, options),
        Request::Trend {
            input,
            keep_order,
            selection,
            options,
        } => trend::run(out, notes, input, *keep_order, selection, options),
        Request::Flame {
            input,
            base,
            normalize,
            selection,
            options,
            output,
        } => output::write_to(output.as_deref(), out, |w| {
            flame::run(
                w,
                notes,
                input,
                base.as_ref(),
                *normalize,
                selection,
                options,
            )
        }),
        Request::Graph {
            input,
            selection,
            options,
            output,
        } => output::write_to(output.as_deref(), out, |w| {
            let loaded = load_merged(input, notes)?;
            let prep = prepare(&loaded, selection, notes)?;
            graph::write(w, notes, &prep, options).with_context(|| loaded.name.clone())
        }),
        Request::Traces {
            input,
            selection,
            options,
            output,
        } => output::write_to(output.as_deref(), out, |w| {
            let loaded = load_merged(input, notes)?;
            let prep = prepare(&loaded, selection, notes)?;
            traces::write(w, &prep, options).with_context(|| loaded.name.clone())
        }),
        Request::Raw {
            input,
            selection,
            output,
        } => output::write_to(output.as_deref(), out, |w| {
            let loaded = load_merged(input, notes)?;
            let prep = prepare(&loaded, selection, notes)?;
            Ok(raw::write(w, &prep)?)
        }),
        Request::MemStats { input, format } => memstats::run(out, notes, input, *format),
        Request::GcTrace { input, format, svg } => {
            gctrace::run(out, notes, input, *format, svg.as_deref())
        }
        Request::Shell { input, settings } => shell::run(out, notes, input, settings),
        Request::Web {
            input,
            settings,
            options,
        } => web::run(out, notes, input, settings, options),
    }
}
