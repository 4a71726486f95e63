//! The shell, pprof's interactive mode (`internal/driver/interactive.go`):
//! `heapscope [FLAGS] PROFILE…` loads the profile once and reads commands
//! at a `(heapscope)` prompt, or line by line from a pipe with no prompt.
//! Each report command is turned into heapscope's own command line
//! (`parse`), parsed by `cli` and run by `app` on the profile already
//! loaded, so its answer is the batch command's; options persist between
//! commands (`options`); line editing, history and completion are
//! rustyline's (`complete`).

mod complete;
mod options;
mod parse;

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::rc::Rc;

use anyhow::anyhow;

use crate::cli::{self, ReportInfo};
use crate::input::combine::{load_merged, with_loaded};
use crate::input::{InputSpec, NamedProfile, Source};
use crate::report::{header, prepare, Selection};
use crate::support::{escape, output};
use crate::units;
use crate::web::{self, WebOptions};
use crate::UsageError;
pub use options::Options;

/// Runs the shell on `input`, its options first set by `settings`
/// (assignments, from the command line's flags). Answers go to `out`,
/// errors and notes to `notes`; commands come from stdin.
pub fn run(
    out: &mut dyn Write,
    notes: &mut dyn Write,
    input: &InputSpec,
    settings: &[String],
) -> anyhow::Result<()> {
    let reports = cli::reports();
    let mut options = Options::new(reports.clone());
    let loaded = load_merged(input, notes)?;
    options.set_sample_types(
        loaded
            .profile
            .sample_types
            .iter()
            .map(|t| loaded.profile.strings.get(t.kind).to_string())
            .collect(),
    );
    for setting in settings {
        match options.assign(setting) {
            Some(Ok(())) => {}
            Some(Err(e)) => return Err(UsageError(format!("-{setting}: {e}")).into()),
            None => return Err(UsageError(format!("-{setting}: not an option")).into()),
        }
    }
    let mut session = Session {
        functions: function_names(&loaded),
        loaded: Rc::new(loaded),
        sources: input.sources.clone(),
        input: input.clone(),
        options,
        reports,
    };
    if io::stdin().is_terminal() {
        complete::interactive(&mut session, out, notes)
    } else {
        session.script(io::stdin().lock(), out, notes)
    }
}

/// What the shell holds between commands.
pub struct Session {
    loaded: Rc<NamedProfile>,
    sources: Vec<Source>,
    /// The sources with how they are read, for the web UI.
    input: InputSpec,
    options: Options,
    reports: Vec<ReportInfo>,
    /// The profile's function names, for completion.
    functions: Vec<String>,
}

/// Whether to read another line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

impl Session {
    /// Runs the commands of a script (stdin not a terminal), one a line,
    /// with no prompt; a failed command is reported and the next one runs,
    /// and the script's failure is the exit status.
    fn script(
        &mut self,
        input: impl BufRead,
        out: &mut dyn Write,
        notes: &mut dyn Write,
    ) -> anyhow::Result<()> {
        let mut failed = 0;
        for line in input.lines() {
            let line = line?;
            match self.execute(&line, out, notes) {
                Ok(Flow::Continue) => {}
                Ok(Flow::Quit) => break,
                Err(e) if is_broken_pipe(&e) => return Err(e),
                Err(e) => {
                    failed += 1;
                    report_error(notes, &e);
                }
            }
            out.flush()?;
        }
        if failed > 0 {
            return Err(anyhow!(
                "{failed} command(s) of the script failed (see above)"
            ));
        }
        Ok(())
    }

    /// Carries out one line: an assignment, a shell command or a report.
    pub fn execute(
        &mut self,
        line: &str,
        out: &mut dyn Write,
        notes: &mut dyn Write,
    ) -> anyhow::Result<Flow> {
        let line = line.trim();
        if line.is_empty() {
            return Ok(Flow::Continue);
        }
        if let Some(assigned) = self.options.assign(line) {
            assigned.map_err(|e| anyhow!(e))?;
            return Ok(Flow::Continue);
        }
        let tokens: Vec<&str> = line.split_whitespace().collect();
        match tokens[0] {
            "o" | "options" => {
                out.write_all(self.options.show().as_bytes())?;
                return Ok(Flow::Continue);
            }
            "q" | "quit" | "exit" => return Ok(Flow::Quit),
            "help" => {
                out.write_all(self.help(&tokens[1..].join(" "))?.as_bytes())?;
                return Ok(Flow::Continue);
            }
            "web" | "weblist" => {
                self.web(out, notes)?;
                return Ok(Flow::Continue);
            }
            _ => {}
        }
        let command =
            parse::parse(&tokens, &self.options, &self.reports).map_err(|e| anyhow!(e))?;
        self.run_report(&command, out, notes)?;
        Ok(Flow::Continue)
    }

    /// Serves the web UI on the loaded profile, its views set as the
    /// session's options are, until Ctrl-C; then the session goes on.
    fn web(&self, out: &mut dyn Write, notes: &mut dyn Write) -> anyhow::Result<()> {
        let settings = self.options.web_settings();
        let options = WebOptions::default();
        with_loaded(&self.sources, &self.loaded, || {
            web::run(out, notes, &self.input, &settings, &options)
        })
    }

    /// Runs a report on the loaded profile, through heapscope's command line.
    fn run_report(
        &self,
        command: &parse::Command,
        out: &mut dyn Write,
        notes: &mut dyn Write,
    ) -> anyhow::Result<()> {
        let mut argv: Vec<OsString> = vec!["heapscope".into()];
        argv.extend(command.args.iter().map(OsString::from));
        argv.push("--".into());
        argv.extend(command.regex.iter().map(OsString::from));
        argv.extend(self.sources.iter().map(source_arg));
        let request = match cli::parse(argv) {
            Ok(cli::Action::Run(request)) => request,
            Ok(cli::Action::Print(_)) => return Err(anyhow!("not a report")),
            Err(e) => return Err(anyhow!(clap_message(&e))),
        };
        if let Some(path) = &command.output {
            let inputs: Vec<&Source> = self.sources.iter().collect();
            output::refuse_input(">", path, &inputs, "the profile")?;
        }
        with_loaded(&self.sources, &self.loaded, || {
            output::write_to(command.output.as_deref(), out, |w| {
                crate::app::run(&request, w, notes)
            })
        })
    }

    /// `help`, `help COMMAND`, `help OPTION`.
    fn help(&self, topic: &str) -> anyhow::Result<String> {
        let mut text = String::new();
        if topic.is_empty() {
            text.push_str("  Commands:\n");
            let mut rows: Vec<(String, String)> = self
                .reports
                .iter()
                .filter(|r| !parse::NOT_IN_SHELL.contains(&r.name.as_str()))
                .map(|r| (r.name.clone(), r.about.clone()))
                .collect();
            rows.push((
                "o/options".into(),
                "List options and their current values".into(),
            ));
            rows.push((
                "web".into(),
                "Serve the web UI on this profile and these options (Ctrl-C to stop)".into(),
            ));
            rows.push(("q/quit/exit/^D".into(), "Exit heapscope".into()));
            for (name, about) in rows {
                let _ = writeln!(text, "    {name:<16} {about}");
            }
            text.push_str("\n  Options:\n");
            for (name, _, _, help) in options::PPROF_OPTIONS {
                if self.options.words().iter().any(|w| w == name) {
                    let _ = writeln!(text, "    {name:<16} {help}");
                }
            }
            text.push_str("\n  Option groups (only set one per group):\n");
            for (group, choices, _) in options::GROUPS {
                let _ = writeln!(text, "    {group:<16} {}", choices.join(", "));
            }
            text.push_str(
                "\n  :   Clear focus/ignore/hide/tagfocus/tagignore\n\n  \
                 type \"help <cmd|option>\" for more information\n",
            );
            return Ok(text);
        }
        if let Some(report) = self.reports.iter().find(|r| r.name == topic) {
            let _ = writeln!(text, "{}", report.about);
            let regex = if report.takes_regex {
                " func_regex"
            } else {
                ""
            };
            let _ = writeln!(
                text,
                "  Usage:\n    {topic}{regex} [n] [focus_regex]* [-ignore_regex]* [-cum] [-FLAG[=VALUE]]* [>f]"
            );
            for flag in &report.flags {
                let _ = writeln!(text, "    -{:<20} {}", flag.name, flag.help);
            }
            text.push('\n');
            return Ok(text);
        }
        if let Some(help) = self.options.help(topic) {
            return Ok(format!("{help}\n"));
        }
        Err(anyhow!("Unknown command: {topic}"))
    }

    /// What tab completion offers: commands and options, then the
    /// profile's function names.
    fn words(&self) -> complete::Words {
        let mut first: Vec<String> = self
            .reports
            .iter()
            .map(|r| r.name.clone())
            .filter(|n| !parse::NOT_IN_SHELL.contains(&n.as_str()))
            .collect();
        first.extend(["help", "options", "quit", "exit"].map(String::from));
        first.extend(self.options.words());
        first.sort();
        first.dedup();
        complete::Words {
            first,
            functions: self.functions.clone(),
        }
    }

    /// The banner of an interactive session: the profile's header lines.
    fn greeting(&self) -> String {
        let mut text = String::new();
        let selection = Selection {
            sample_index: self.options.get("sample_index").map(str::to_string),
            ..Selection::default()
        };
        if let Ok(prep) = prepare::for_report(&self.loaded, &selection, &mut io::sink()) {
            let unit = prep.sample_unit();
            let fmt = |v: i64| units::scaled_label(v, &unit, "minimum");
            let lines = header::profile_header(
                prep.profile(),
                &prep.sample_type(),
                &unit,
                prep.total,
                &fmt,
            );
            for line in lines {
                let _ = writeln!(text, "{line}");
            }
        }
        text.push_str(
            "Entering interactive mode (type \"help\" for commands, \"o\" for options)\n",
        );
        text
    }
}

/// How a source is written on heapscope's command line again.
fn source_arg(source: &Source) -> OsString {
    match source {
        Source::Path(p) => p.clone().into_os_string(),
        Source::Stdin => OsString::from("-"),
        Source::Url(u) => OsString::from(u),
    }
}

/// The profile's function names, sorted, each once.
fn function_names(loaded: &NamedProfile) -> Vec<String> {
    let p = &loaded.profile;
    let mut names: Vec<String> = p
        .functions
        .iter()
        .map(|f| p.strings.get(f.name).to_string())
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A command-line error's message, without clap's usage lines.
fn clap_message(e: &cli::ParseError) -> String {
    let text = e.to_string();
    let text = text.split("\n\nUsage:").next().unwrap_or(&text);
    text.trim_end().trim_start_matches("error: ").to_string()
}

/// Prints a command's error; the session goes on.
fn report_error(notes: &mut dyn Write, e: &anyhow::Error) {
    let _ = writeln!(notes, "{}", escape::text_lines(&format!("{e:#}")));
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Where the shell's history is kept: `$XDG_STATE_HOME/heapscope/history`,
/// else `~/.local/state/heapscope/history`.
fn history_path() -> Option<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let state = env("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("heapscope").join("history"))
}
