//! The command line: clap definitions in flag groups each declared once
//! (`args`), pprof's single-dash spelling derived from them (`spelling`),
//! their translation into a plain [`Request`] (`request`), and the
//! completion scripts and manual pages made from them (`generate`). No
//! other module sees clap.

mod args;
mod generate;
mod help;
mod pprof;
mod request;
mod spelling;

use std::ffi::OsString;
use std::fmt;

use clap::{CommandFactory, FromArgMatches};

use crate::app::Request;
use crate::support::usage::UsageError;
use args::{Cli, Command, Report};

/// What a command line asks for.
// Made once per run; the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Action {
    /// A report to run.
    Run(Request),
    /// Bytes for stdout made from the command line's own definition: a
    /// completion script or the manual pages.
    Print(Vec<u8>),
}

/// Why the command line could not be turned into a request.
#[derive(Debug)]
pub enum ParseError {
    /// clap's own errors, help and version (it knows how to print them).
    Clap(clap::Error),
    Usage(UsageError),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Clap(e) => write!(f, "{e}"),
            ParseError::Usage(e) => write!(f, "{e}"),
        }
    }
}

/// Parses a full command line (program name first): heapscope's own, or
/// pprof's forms (`-top FILE`, the shell's `[FLAGS] PROFILE…`).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Action, ParseError> {
    let mut cmd = command();
    let args: Vec<OsString> = args.into_iter().collect();
    let (args, settings) = match pprof::invocation(&cmd, args).map_err(ParseError::Usage)? {
        pprof::Invocation::Command(args) => (args, None),
        pprof::Invocation::Settings { args, settings } => (args, Some(settings)),
    };
    pprof::check_flags(&cmd, &args).map_err(ParseError::Usage)?;
    let args = spelling::normalize_args(&cmd, args);
    let mut matches = cmd
        .try_get_matches_from_mut(args)
        .map_err(ParseError::Clap)?;
    let cli = Cli::from_arg_matches_mut(&mut matches)
        .map_err(|e| ParseError::Clap(e.format(&mut cmd)))?;
    Ok(match cli.command {
        Command::Completions(a) => Action::Print(generate::completions(a.shell, &mut cmd)),
        Command::Man => Action::Print(generate::man(Cli::command())),
        Command::Report(Report::Shell(a)) => {
            Action::Run(request::shell(a, settings.unwrap_or_default()).map_err(ParseError::Usage)?)
        }
        Command::Report(Report::Web(a)) => {
            Action::Run(request::web(a, settings.unwrap_or_default()).map_err(ParseError::Usage)?)
        }
        Command::Report(report) => {
            Action::Run(request::request(report).map_err(ParseError::Usage)?)
        }
    })
}

/// A report command's long flag, as the shell needs to know it.
#[derive(Debug, Clone)]
pub struct FlagInfo {
    /// The name, without dashes.
    pub name: String,
    /// Whether it takes a value (else it is a switch).
    pub takes_value: bool,
    /// Its one-line help.
    pub help: String,
}

/// A report command, as the shell needs to know it.
#[derive(Debug, Clone)]
pub struct ReportInfo {
    pub name: String,
    /// Its one-line description.
    pub about: String,
    /// Whether it takes a regex first (`list RE`, `peek RE`).
    pub takes_regex: bool,
    pub flags: Vec<FlagInfo>,
}

/// The report commands of this build and their flags, from the same
/// definitions that parse the command line: what the shell offers.
pub fn reports() -> Vec<ReportInfo> {
    let cmd = command();
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .filter(|s| !matches!(s.get_name(), "completions" | "man"))
        .map(|s| ReportInfo {
            name: s.get_name().to_string(),
            about: s.get_about().map(ToString::to_string).unwrap_or_default(),
            takes_regex: s.get_positionals().any(|p| p.get_id() == "regex"),
            flags: s
                .get_arguments()
                .filter_map(|a| {
                    Some(FlagInfo {
                        name: a.get_long()?.to_string(),
                        takes_value: a.get_action().takes_values(),
                        help: a.get_help().map(ToString::to_string).unwrap_or_default(),
                    })
                })
                .filter(|f| !matches!(f.name.as_str(), "help" | "version"))
                .collect(),
        })
        .collect()
}

/// pprof's report command `name` (`text`, `dot`, `top`, …) as heapscope's
/// command and the flags that make the same report; `None` when pprof has
/// no such command, `Some(None)` when heapscope has no such report.
pub fn pprof_report(name: &str) -> Option<Option<(&'static str, &'static [&'static str])>> {
    pprof::pprof_command(name).map(|c| c.heapscope)
}

/// Whether pprof has a flag or option called `name`.
pub fn is_pprof_flag(name: &str) -> bool {
    pprof::pprof_flag(name).is_some()
}

/// The whole command line, built (help and version flags added), as
/// parsing sees it.
fn command() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::input::Source;
    use crate::profile::graph::Granularity;
    use crate::report::Format;

    fn request(args: &[&str]) -> Result<Request, ParseError> {
        match parse(args.iter().map(OsString::from))? {
            Action::Run(request) => Ok(request),
            Action::Print(_) => panic!("{args:?} is not a report"),
        }
    }

    #[test]
    fn top_flags_are_parsed() {
        let Ok(Request::Top {
            selection, options, ..
        }) = request(&[
            "heapscope",
            "top",
            "-alloc_objects",
            "-cum",
            "-nodecount",
            "3",
            "-lines",
            "-hide=runtime",
            "x.pb",
        ])
        else {
            panic!("top should parse");
        };
        assert_eq!(selection.sample_index.as_deref(), Some("alloc_objects"));
        assert_eq!(selection.nodes.granularity, Granularity::Lines);
        assert!(selection.filters.hide.is_some());
        assert!(options.trim.cum_sort);
        assert_eq!(options.trim.node_count, 3);
    }

    #[test]
    fn conflicting_sample_types_are_a_usage_error() {
        let err =
            request(&["heapscope", "top", "-inuse_space", "-alloc_space", "x.pb"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "choose one sample type, not inuse_space and alloc_space"
        );
    }

    #[test]
    fn text_commands_take_a_file_and_their_flags() {
        let Ok(Request::GcTrace {
            input,
            format,
            svg,
            limit,
            ..
        }) = request(&[
            "heapscope",
            "gctrace",
            "-svg=gc.svg",
            "-format=json",
            "-limit=1.5GiB",
            "gc.log",
        ])
        else {
            panic!("gctrace should parse");
        };
        assert_eq!(limit, Some(3 << 29));
        assert_eq!(input.sources, [Source::Path(PathBuf::from("gc.log"))]);
        assert_eq!(format, Format::Json);
        assert_eq!(svg, Some(PathBuf::from("gc.svg")));
        let Ok(Request::MemStats { input, .. }) = request(&["heapscope", "memstats", "-"]) else {
            panic!("memstats should parse");
        };
        assert_eq!(input.sources, [Source::Stdin]);
    }

    #[test]
    fn urls_and_fetch_flags_reach_the_input() {
        let Ok(Request::Top { input, .. }) = request(&[
            "heapscope",
            "top",
            "-seconds=30",
            "-timeout",
            "5",
            "-save_dir=/tmp/profiles",
            "localhost:6060",
            "http://h:1",
        ]) else {
            panic!("top should parse");
        };
        assert_eq!(
            input.sources,
            [
                Source::Url("http://localhost:6060/debug/pprof/heap".into()),
                Source::Url("http://h:1/debug/pprof/heap".into())
            ]
        );
        assert_eq!(input.fetch.seconds, Some(30));
        assert_eq!(input.fetch.total_timeout().as_secs(), 5);
        assert_eq!(input.fetch.save_dir, Some(PathBuf::from("/tmp/profiles")));
        let Ok(Request::Diff { before, .. }) =
            request(&["heapscope", "diff", "-no_save", "-seconds=10", "h:1", "h:2"])
        else {
            panic!("diff should parse");
        };
        assert_eq!(before.fetch.save_dir, None);
        assert_eq!(before.fetch.total_timeout().as_secs(), 70);
        let err = request(&["heapscope", "top", "-no_save", "-save_dir=d", "h:1"]).unwrap_err();
        assert!(matches!(err, ParseError::Usage(_)));
    }

    #[test]
    fn bad_regex_is_a_usage_error() {
        let err = request(&["heapscope", "top", "-focus=(", "x.pb"]).unwrap_err();
        assert!(matches!(err, ParseError::Usage(_)));
        assert!(
            err.to_string().starts_with("invalid -focus regex:"),
            "{err}"
        );
    }
}
