//! Runs a parsed request: hands it to the report that owns it, and says
//! where the report's bytes go. Knows nothing of command-line syntax, nor
//! how any report reads its input.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::goruntime::{gctrace, memstats};
use crate::input::combine::{load_merged, load_shared};
use crate::input::{InputSpec, Source};
use crate::report::diff::{self, DiffOptions};
use crate::report::doctor::{self, DoctorOptions};
use crate::report::flame::{self, FlameOptions};
use crate::report::graph::{self, GraphOptions};
use crate::report::heap::{self, HeapOptions};
use crate::report::list::{self, ListOptions};
use crate::report::peek::{self, PeekOptions};
use crate::report::prepare::for_report as prepare;
use crate::report::source::SourceSearch;
use crate::report::tags::{self, TagsOptions};
use crate::report::top::{self, TopOptions};
use crate::report::traces::{self, TracesOptions};
use crate::report::trend::{self, TrendOptions};
use crate::report::{info, raw, Format, Prepared, Selection};
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
        output: Option<PathBuf>,
    },
    Info {
        input: InputSpec,
        format: Format,
        output: Option<PathBuf>,
    },
    Tags {
        input: InputSpec,
        selection: Selection,
        options: TagsOptions,
        output: Option<PathBuf>,
    },
    Heap {
        input: InputSpec,
        selection: Selection,
        options: HeapOptions,
        output: Option<PathBuf>,
    },
    /// `doctor`: findings from any mix of evidence.
    Doctor {
        input: InputSpec,
        options: DoctorOptions,
        output: Option<PathBuf>,
    },
    List {
        input: InputSpec,
        selection: Selection,
        options: ListOptions,
        search: SourceSearch,
        output: Option<PathBuf>,
    },
    Peek {
        input: InputSpec,
        selection: Selection,
        options: PeekOptions,
        output: Option<PathBuf>,
    },
    Diff {
        before: InputSpec,
        after: InputSpec,
        normalize: bool,
        selection: Selection,
        options: DiffOptions,
        output: Option<PathBuf>,
    },
    Trend {
        input: InputSpec,
        keep_order: bool,
        selection: Selection,
        options: TrendOptions,
        output: Option<PathBuf>,
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
        output: Option<PathBuf>,
    },
    GcTrace {
        input: InputSpec,
        format: Format,
        /// Where to write the SVG chart, if asked.
        svg: Option<PathBuf>,
        /// `-limit`: the memory limit growth is projected onto, bytes.
        limit: Option<u64>,
        output: Option<PathBuf>,
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
    /// The file the report is written to (`-o`), if any.
    fn output(&self) -> Option<&Path> {
        match self {
            Request::Top { output, .. }
            | Request::Info { output, .. }
            | Request::Tags { output, .. }
            | Request::Heap { output, .. }
            | Request::Doctor { output, .. }
            | Request::List { output, .. }
            | Request::Peek { output, .. }
            | Request::Diff { output, .. }
            | Request::Trend { output, .. }
            | Request::Flame { output, .. }
            | Request::Graph { output, .. }
            | Request::Traces { output, .. }
            | Request::Raw { output, .. }
            | Request::MemStats { output, .. }
            | Request::GcTrace { output, .. } => output.as_deref(),
            Request::Shell { .. } | Request::Web { .. } => None,
        }
    }

    /// Every source the request reads, bases included.
    fn inputs(&self) -> Vec<&Source> {
        match self {
            Request::Diff { before, after, .. } => {
                before.all_sources().chain(after.all_sources()).collect()
            }
            Request::Flame { input, base, .. } => input
                .all_sources()
                .chain(base.iter().flat_map(InputSpec::all_sources))
                .collect(),
            Request::Top { input, .. }
            | Request::Info { input, .. }
            | Request::Tags { input, .. }
            | Request::Heap { input, .. }
            | Request::Doctor { input, .. }
            | Request::List { input, .. }
            | Request::Peek { input, .. }
            | Request::Trend { input, .. }
            | Request::Graph { input, .. }
            | Request::Traces { input, .. }
            | Request::Raw { input, .. }
            | Request::MemStats { input, .. }
            | Request::GcTrace { input, .. }
            | Request::Shell { input, .. }
            | Request::Web { input, .. } => input.all_sources().collect(),
        }
    }

    /// The files the request writes, with the flag naming each.
    fn written(&self) -> Vec<(&'static str, &Path)> {
        let mut files: Vec<(&'static str, &Path)> =
            self.output().map(|p| ("-o", p)).into_iter().collect();
        if let Request::GcTrace {
            svg: Some(path), ..
        } = self
        {
            files.push(("--svg", path));
        }
        if let Request::Web { options, .. } = self {
            files.extend(options.html.as_deref().map(|p| ("--html", p)));
        }
        files
    }
}

/// Loads `input`, prepares it as `selection` asks and hands it to `write`
/// (with the notes writer); an error of `write` is named by the profile.
fn with_prepared(
    input: &InputSpec,
    selection: &Selection,
    notes: &mut dyn Write,
    write: impl FnOnce(&Prepared<'_>, &mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let loaded = load_shared(input, notes)?;
    let prep = prepare(&loaded, selection, notes)?;
    write(&prep, notes).with_context(|| loaded.name.clone())
}

/// Runs a request, writing the report to `out` and notes (diagnostics) to `notes`.
pub fn run(request: &Request, out: &mut dyn Write, notes: &mut dyn Write) -> anyhow::Result<()> {
    let inputs = request.inputs();
    let what = match request {
        Request::MemStats { .. } | Request::GcTrace { .. } => "the input file",
        Request::Traces { input, .. } | Request::Raw { input, .. } if input.base.is_none() => {
            "the input profile"
        }
        _ => "one of the input profiles",
    };
    for (flag, path) in request.written() {
        output::refuse_input(flag, path, &inputs, what)?;
    }
    let to = request.output();
    match request {
        Request::Top {
            input,
            selection,
            options,
            ..
        } => output::write_to(to, out, |w| {
            with_prepared(input, selection, notes, |prep, _| {
                top::write(w, prep, options)
            })
        }),
        Request::Tags {
            input,
            selection,
            options,
            ..
        } => output::write_to(to, out, |w| {
            with_prepared(input, selection, notes, |prep, _| {
                tags::write(w, prep, options)
            })
        }),
        Request::Heap {
            input,
            selection,
            options,
            ..
        } => output::write_to(to, out, |w| {
            with_prepared(input, selection, notes, |prep, _| {
                heap::write(w, prep, options)
            })
        }),
        Request::Doctor { input, options, .. } => {
            output::write_to(to, out, |w| doctor::run(w, notes, input, options))
        }
        Request::Info { input, format, .. } => output::write_to(to, out, |w| {
            let loaded = load_merged(input, notes)?;
            Ok(info::write(w, &loaded, *format)?)
        }),
        Request::List {
            input,
            selection,
            options,
            search,
            ..
        } => output::write_to(to, out, |w| {
            list::run(w, notes, input, selection, options, search)
        }),
        Request::Peek {
            input,
            selection,
            options,
            ..
        } => output::write_to(to, out, |w| {
            with_prepared(input, selection, notes, |prep, _| {
                peek::write(w, prep, options)
            })
        }),
        Request::Diff {
            before,
            after,
            normalize,
            selection,
            options,
            ..
        } => output::write_to(to, out, |w| {
            diff::run(w, notes, before, after, *normalize, selection, options)
        }),
        Request::Trend {
            input,
            keep_order,
            selection,
            options,
            ..
        } => output::write_to(to, out, |w| {
            trend::run(w, notes, input, *keep_order, selection, options)
        }),
        Request::Flame {
            input,
            base,
            normalize,
            selection,
            options,
            ..
        } => output::write_to(to, out, |w| {
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
            ..
        } => output::write_to(to, out, |w| {
            with_prepared(input, selection, notes, |prep, notes| {
                graph::write(w, notes, prep, options)
            })
        }),
        Request::Traces {
            input,
            selection,
            options,
            ..
        } => output::write_to(to, out, |w| {
            with_prepared(input, selection, notes, |prep, _| {
                traces::write(w, prep, options)
            })
        }),
        Request::Raw {
            input, selection, ..
        } => output::write_to(to, out, |w| raw::run(w, notes, input, selection)),
        Request::MemStats { input, format, .. } => {
            output::write_to(to, out, |w| memstats::run(w, notes, input, *format))
        }
        Request::GcTrace {
            input,
            format,
            svg,
            limit,
            ..
        } => {
            let options = gctrace::Options { limit: *limit };
            output::write_to(to, out, |w| {
                gctrace::run(w, notes, input, *format, svg.as_deref(), &options)
            })
        }
        Request::Shell { input, settings } => shell::run(out, notes, input, settings),
        Request::Web {
            input,
            settings,
            options,
        } => web::run(out, notes, input, settings, options),
    }
}
