//! pprof's own command line as data, and what heapscope makes of it before
//! clap parses: `go tool pprof -top -cum FILE` spelled `heapscope -top -cum
//! FILE` (a report flag naming the command), `heapscope [FLAGS] PROFILE…`
//! (no command: the shell), and the refusals of flags heapscope does not
//! have, each naming the whole flag. The lists are pprof's, from its
//! `internal/driver/cli.go`, `commands.go` and `config.go` (Go 1.25.5).

use std::ffi::OsString;

use clap::Command;

use crate::support::usage::UsageError;

/// One of pprof's report commands (`-top`, `-list=RE`, …): whether it takes
/// a regex, and the heapscope command that makes the same report, with the
/// flags that make it the same (`None`: heapscope has no such report).
pub(crate) struct PprofCommand {
    pub name: &'static str,
    pub has_param: bool,
    pub heapscope: Option<(&'static str, &'static [&'static str])>,
}

const fn command(
    name: &'static str,
    has_param: bool,
    heapscope: Option<(&'static str, &'static [&'static str])>,
) -> PprofCommand {
    PprofCommand {
        name,
        has_param,
        heapscope,
    }
}

/// pprof's report commands (`pprofCommands` in `commands.go`). A command
/// mapped to a heapscope command that does not exist in this build is
/// refused as one that is not in heapscope yet.
pub(crate) const PPROF_COMMANDS: &[PprofCommand] = &[
    command("callgrind", false, None),
    command("comments", false, None),
    command("disasm", true, None),
    command("dot", false, Some(("graph", &["--format=dot"]))),
    command("eog", false, None),
    command("evince", false, None),
    command("gif", false, None),
    command("gv", false, None),
    command("kcachegrind", false, None),
    command("list", true, Some(("list", &[]))),
    command("pdf", false, None),
    command("peek", true, Some(("peek", &[]))),
    command("png", false, None),
    command("proto", false, None),
    command("ps", false, None),
    command("raw", false, Some(("raw", &[]))),
    command("svg", false, Some(("graph", &["--format=svg"]))),
    command("tags", false, Some(("tags", &[]))),
    command("text", false, Some(("top", &[]))),
    command("top", false, Some(("top", &[]))),
    command("topproto", false, None),
    command("traces", false, Some(("traces", &[]))),
    command("tree", false, None),
    command("web", false, None),
    command("weblist", true, None),
];

/// pprof's report command called `name`.
pub(crate) fn pprof_command(name: &str) -> Option<&'static PprofCommand> {
    PPROF_COMMANDS.iter().find(|c| c.name == name)
}

/// pprof's other flags, with whether each takes a value: the options of its
/// configuration (`configFields`, the choices of `granularity` and `sort`
/// as flags of their own), the source and legacy flags of `cli.go`, and
/// the TLS flags Go's `cmd/pprof` adds.
pub(crate) const PPROF_FLAGS: &[(&str, bool)] = &[
    // Configuration.
    ("call_tree", false),
    ("compact_labels", false),
    ("divide_by", true),
    ("drop_negative", false),
    ("edgefraction", true),
    ("focus", true),
    ("hide", true),
    ("ignore", true),
    ("intel_syntax", false),
    ("mean", false),
    ("nodecount", true),
    ("nodefraction", true),
    ("noinlines", false),
    ("normalize", false),
    ("output", true),
    ("prune_from", true),
    ("relative_percentages", false),
    ("sample_index", true),
    ("show", true),
    ("show_from", true),
    ("showcolumns", false),
    ("source_path", true),
    ("tagfocus", true),
    ("taghide", true),
    ("tagignore", true),
    ("tagleaf", true),
    ("tagroot", true),
    ("tagshow", true),
    ("trim", false),
    ("trim_path", true),
    ("unit", true),
    ("functions", false),
    ("filefunctions", false),
    ("files", false),
    ("lines", false),
    ("addresses", false),
    ("cum", false),
    ("flat", false),
    // Sources and comparisons.
    ("add_comment", true),
    ("base", true),
    ("buildid", true),
    ("diff_base", true),
    ("seconds", true),
    ("symbolize", true),
    ("timeout", true),
    ("tls_ca", true),
    ("tls_cert", true),
    ("tls_key", true),
    ("tools", true),
    // Legacy sample types.
    ("alloc_objects", false),
    ("alloc_space", false),
    ("contentions", false),
    ("inuse_objects", false),
    ("inuse_space", false),
    ("mean_delay", false),
    ("total_delay", false),
    // The web UI.
    ("http", true),
    ("no_browser", false),
];

/// Whether pprof has a flag `name`, and if so whether it takes a value.
pub(crate) fn pprof_flag(name: &str) -> Option<bool> {
    PPROF_FLAGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, v)| v)
        .or_else(|| pprof_command(name).map(|c| c.has_param))
}

/// The name of the hidden command the shell's invocation is rewritten to.
pub(super) const SHELL: &str = "shell";

/// A flag as written: its name (no dashes, no `=value`) and its value
/// when given with `=`.
fn flag_parts(arg: &str) -> Option<(&str, Option<&str>)> {
    let body = arg
        .strip_prefix("--")
        .or_else(|| arg.strip_prefix('-'))
        .filter(|b| !b.is_empty() && !b.starts_with('-'))?;
    Some(match body.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (body, None),
    })
}

/// The name of the web UI's command, which pprof's `-http` and
/// `-no_browser` invoke.
pub(super) const WEB: &str = "web";

/// Whether a pprof-style command line (no command word) asks for the web
/// UI: `-http=…` or `-no_browser` before any `--`.
fn asks_for_web(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .take_while(|a| *a != "--")
        .filter_map(flag_parts)
        .any(|(name, _)| matches!(name, "http" | "no_browser"))
}

/// What the command line is once pprof's forms are read.
pub(super) enum Invocation {
    /// A heapscope command line, as clap parses it.
    Command(Vec<OsString>),
    /// The shell or the web UI: `heapscope shell [source flags] PROFILE…`
    /// (or `web`) for clap, and the report flags that set their options
    /// (`-cum`, `-nodecount=20`).
    Settings {
        args: Vec<OsString>,
        settings: Vec<String>,
    },
}

/// Reads pprof's forms: a command line whose first word is a heapscope
/// command (or help, or version) is left as it is; otherwise a pprof
/// report flag (`-top`, `-list=RE`, `-list RE`) names the command, and
/// without one the shell is meant.
pub(super) fn invocation(cmd: &Command, mut args: Vec<OsString>) -> Result<Invocation, UsageError> {
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else {
        return Ok(Invocation::Command(args));
    };
    if first == SHELL || first == WEB {
        let name = if first == SHELL { SHELL } else { WEB };
        args.remove(1);
        return settings_command(cmd, name, args);
    }
    let is_help_or_version = matches!(first, "-h" | "-V" | "--help" | "--version" | "-help")
        || matches!(first, "-version");
    if cmd.find_subcommand(first).is_some() || first == "help" || is_help_or_version {
        return Ok(Invocation::Command(args));
    }
    if asks_for_web(&args) {
        return settings_command(cmd, WEB, args);
    }
    let mut rest: Vec<OsString> = Vec::with_capacity(args.len());
    let mut chosen: Option<(&'static PprofCommand, String, Option<OsString>)> = None;
    let mut iter = args.into_iter();
    let program = iter.next().unwrap_or_default();
    let mut after_dashes = false;
    while let Some(arg) = iter.next() {
        let text = arg.to_str().map(str::to_string);
        let parts = text
            .as_deref()
            .filter(|_| !after_dashes)
            .and_then(flag_parts);
        after_dashes |= text.as_deref() == Some("--");
        let Some((name, value)) = parts else {
            rest.push(arg);
            continue;
        };
        let Some(report) = pprof_command(name).filter(|_| !profile_report_long(cmd, name)) else {
            rest.push(arg);
            continue;
        };
        let written = text.clone().unwrap_or_default();
        if let Some((earlier, ..)) = &chosen {
            return Err(UsageError(format!(
                "{written}: choose one report, not -{} and -{}",
                earlier.name, report.name
            )));
        }
        let param =
            if report.has_param {
                match value {
                    Some(v) => Some(OsString::from(v)),
                    None => Some(iter.next().ok_or_else(|| {
                        UsageError(format!("{written} needs a regex: {written}=RE"))
                    })?),
                }
            } else if value.is_some() {
                return Err(UsageError(format!(
                    "{written}: -{} takes no value",
                    report.name
                )));
            } else {
                None
            };
        chosen = Some((report, written, param));
    }
    let Some((report, written, param)) = chosen else {
        rest.insert(0, program);
        return settings_command(cmd, SHELL, rest);
    };
    let Some((name, extra)) = report
        .heapscope
        .filter(|(name, _)| cmd.find_subcommand(name).is_some())
    else {
        return Err(UsageError(format!(
            "{written}: pprof's -{} report is not in heapscope (yet)",
            report.name
        )));
    };
    let mut out = vec![program, OsString::from(name)];
    out.extend(extra.iter().map(OsString::from));
    // pprof's -top and -text show every node unless -nodecount says otherwise.
    let counts_nodes = rest.iter().any(|a| {
        a.to_str()
            .and_then(flag_parts)
            .is_some_and(|(n, _)| n == "nodecount")
    });
    if matches!(report.name, "top" | "text") && !counts_nodes {
        out.push(OsString::from("--nodecount=0"));
    }
    out.extend(param);
    out.extend(rest);
    Ok(Invocation::Command(out))
}

/// The invocation of the shell or the web UI (the command `name`),
/// `args` being the program and its arguments.
fn settings_command(
    cmd: &Command,
    name: &str,
    args: Vec<OsString>,
) -> Result<Invocation, UsageError> {
    let mut args = args.into_iter();
    let mut out = vec![args.next().unwrap_or_default(), OsString::from(name)];
    let settings = split_settings(cmd, name, args.collect(), &mut out)?;
    Ok(Invocation::Settings {
        args: out,
        settings,
    })
}

/// Splits the flags of the shell or the web UI (the command `name`): its
/// own (where profiles come from, `-http`) stay on its command line, given
/// to `out`; those of the reports become settings (`nodecount=20`, `cum`);
/// any other is refused by [`check_flags`] later, so it is left for it.
fn split_settings(
    cmd: &Command,
    name: &str,
    args: Vec<OsString>,
    out: &mut Vec<OsString>,
) -> Result<Vec<String>, UsageError> {
    let shell = cmd.find_subcommand(name);
    let mut settings = Vec::new();
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        let parts = arg.to_str().and_then(flag_parts);
        if arg == "--" {
            out.push(arg);
            out.extend(iter.by_ref());
            break;
        }
        let Some((name, value)) = parts else {
            out.push(arg);
            continue;
        };
        if shell.is_some_and(|s| cmd_long(s, name).is_some()) {
            out.push(arg);
            continue;
        }
        let Some(takes_value) = cmd_long(cmd, name) else {
            out.push(arg);
            continue;
        };
        let setting = match (takes_value, value) {
            (false, None) => name.to_string(),
            (false, Some(_)) => {
                return Err(UsageError(format!(
                    "{}: -{name} takes no value",
                    arg.to_string_lossy()
                )))
            }
            (true, Some(v)) => format!("{name}={v}"),
            (true, None) => match iter.next().and_then(|v| v.into_string().ok()) {
                Some(v) => format!("{name}={v}"),
                None => {
                    return Err(UsageError(format!(
                        "{}: -{name} needs a value",
                        arg.to_string_lossy()
                    )))
                }
            },
        };
        settings.push(setting);
    }
    Ok(settings)
}

/// Whether `cmd` or one of its commands has a long flag `name`, and if
/// so whether it takes a value.
fn cmd_long(cmd: &Command, name: &str) -> Option<bool> {
    let mut stack = vec![cmd];
    while let Some(cmd) = stack.pop() {
        let found = cmd.get_arguments().find(|a| {
            a.get_long_and_visible_aliases()
                .is_some_and(|longs| longs.contains(&name))
        });
        if let Some(arg) = found {
            return Some(arg.get_action().takes_values());
        }
        stack.extend(cmd.get_subcommands());
    }
    None
}

/// Whether a command that reads a profile has the long flag `name`: such
/// a flag is heapscope's even where pprof has a report of that name. The
/// text commands' flags (gctrace's `--svg FILE`) do not count: pprof's
/// invocation never runs them, so `-svg` there is pprof's report.
fn profile_report_long(cmd: &Command, name: &str) -> bool {
    takes_long(cmd, name)
        || cmd
            .get_subcommands()
            .filter(|s| !matches!(s.get_name(), "gctrace" | "memstats"))
            .any(|s| takes_long(s, name))
}

/// Whether `cmd` itself (not its subcommands) has the long flag `name`.
fn takes_long(cmd: &Command, name: &str) -> bool {
    cmd.get_arguments().any(|a| {
        a.get_long_and_visible_aliases()
            .is_some_and(|longs| longs.contains(&name))
    })
}

/// The refusal of a flag heapscope has, given to a command without it:
/// the whole flag named, with the commands that take it.
fn not_taken(cmd: &Command, sub: &Command, text: &str, name: &str) -> UsageError {
    let command = sub.get_name();
    let takers: Vec<&str> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && takes_long(s, name))
        .map(Command::get_name)
        .collect();
    UsageError(format!(
        "{text}: heapscope {command} does not take -{name} ({} do)",
        takers.join(", ")
    ))
}

/// Refuses, before clap reads them, the flags heapscope does not know,
/// naming the whole flag (clap would read `-tagfocus` as `-t` and name one
/// letter): a flag of pprof's that heapscope lacks says so.
pub(super) fn check_flags(cmd: &Command, args: &[OsString]) -> Result<(), UsageError> {
    let sub = args
        .get(1)
        .and_then(|a| a.to_str())
        .and_then(|name| cmd.find_subcommand(name));
    let shorts: Vec<(char, bool)> = sub
        .into_iter()
        .chain([cmd])
        .flat_map(Command::get_arguments)
        .filter_map(|a| Some((a.get_short()?, a.get_action().takes_values())))
        .chain([('h', false), ('V', false)])
        .collect();
    let mut skip_value = false;
    for arg in args.iter().skip(2) {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        let Some(text) = arg.to_str() else { continue };
        if text == "--" {
            break;
        }
        let Some((name, value)) = flag_parts(text) else {
            continue;
        };
        if let Some(takes_value) = cmd_long(cmd, name) {
            if let Some(sub) = sub.filter(|sub| !takes_long(sub, name) && !takes_long(cmd, name)) {
                return Err(not_taken(cmd, sub, text, name));
            }
            skip_value = takes_value && value.is_none();
            continue;
        }
        if !text.starts_with("--") {
            let mut chars = name.chars();
            if let Some(&(_, takes_value)) =
                chars.next().and_then(|c| shorts.iter().find(|s| s.0 == c))
            {
                let attached = chars.as_str();
                if attached.is_empty() && value.is_none() {
                    skip_value = takes_value;
                    continue;
                }
                if takes_value {
                    continue;
                }
            }
            if name.parse::<f64>().is_ok() {
                // A negative number: a value, not a flag.
                continue;
            }
        }
        return Err(match pprof_flag(name) {
            Some(_) => UsageError(format!("{text}: pprof's -{name} is not in heapscope (yet)")),
            None => UsageError(format!(
                "unknown flag {text} (neither heapscope nor pprof has it; see heapscope --help)"
            )),
        });
    }
    Ok(())
}
