//! pprof's web URL parameters (`si`, `f`, `i`, `h`, `s`, `sf`, `tf`, `ti`,
//! `ts`, `th`, `g`, `n`, `nf`, `ef`, `unit`, `sort`, `rel`, as pprof's
//! `internal/driver/config.go` names them) turned into heapscope's command
//! line for one view, and the command line's report flags turned into the
//! parameters' defaults (`-drop_negative` as a parameter of its own, for
//! the views whose commands take it). Every view is then parsed by `cli` and run by
//! `app`, so its numbers are the batch command's.

use std::ffi::OsString;

use crate::input::Source;
use crate::UsageError;

/// A URL parameter and the heapscope flag it sets (`None`: a switch, see
/// [`Query::args`]).
const PARAMS: &[(&str, &str)] = &[
    ("si", "sample_index"),
    ("f", "focus"),
    ("i", "ignore"),
    ("h", "hide"),
    ("s", "show"),
    ("sf", "show_from"),
    ("tf", "tagfocus"),
    ("ti", "tagignore"),
    ("ts", "tagshow"),
    ("th", "taghide"),
    ("g", "granularity"),
    ("n", "nodecount"),
    ("nf", "nodefraction"),
    ("ef", "edgefraction"),
    ("unit", "unit"),
];

/// Top's nodes when `n` is not given (pprof's web UI shows 500 too), and
/// peek's matching nodes (see [`Query::flags`]).
const TOP_NODES: usize = 500;
const PEEK_NODES: usize = 100;

/// The views of the web UI, each one of heapscope's commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Top,
    Flame,
    Peek,
    Source,
    Graph,
    /// `diff BEFORE AFTER`: the first and the last profile.
    Diff,
    /// `flame --folded --base BEFORE AFTER`: the differential flame graph's stacks.
    DiffFlame,
    /// `trend` over every profile.
    Trend,
}

/// A view's query: pprof's parameters, the URL's over the defaults.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// The parameters of a URL's query string (`a=1&b=x%20y`), the last of
    /// a repeated name winning, over `defaults`.
    pub fn parse(query: &str, defaults: &Query) -> Query {
        let mut pairs = defaults.pairs.clone();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            pairs.retain(|(name, _)| *name != k);
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Query { pairs }
    }

    /// A parameter's value, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.pairs.retain(|(k, _)| k != name);
        self.pairs.push((name.to_string(), value.to_string()));
    }

    /// The defaults that the command line's report flags give, as the
    /// shell's settings spell them (`alloc_space`, `focus=RE`, `cum`):
    /// each becomes its URL parameter; `source_path` and `trim_path` stay
    /// flags of every view (`extra`).
    pub fn from_settings(
        settings: &[String],
        extra: &mut Vec<String>,
    ) -> Result<Query, UsageError> {
        let mut q = Query::default();
        for setting in settings {
            let (name, value) = match setting.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (setting.as_str(), None),
            };
            match (name, value) {
                ("inuse_space" | "inuse_objects" | "alloc_space" | "alloc_objects", None) => {
                    q.set("si", name);
                }
                ("functions" | "files" | "lines", None) => q.set("g", name),
                ("cum" | "flat", None) => q.set("sort", name),
                ("relative_percentages", None) => q.set("rel", "true"),
                ("drop_negative", None) => q.set("drop_negative", "true"),
                ("source_path" | "trim_path", Some(v)) => extra.push(format!("--{name}={v}")),
                (_, Some(v)) => match PARAMS.iter().find(|(_, flag)| *flag == name) {
                    Some((param, _)) => q.set(param, v),
                    None => {
                        return Err(UsageError(format!(
                            "-{setting}: not an option of the web UI"
                        )))
                    }
                },
                (_, None) => {
                    return Err(UsageError(format!(
                        "-{setting}: not an option of the web UI"
                    )))
                }
            }
        }
        Ok(q)
    }

    /// heapscope's command line for `view` as the server runs it (program
    /// name first, the sources last after `--`), with `extra` flags: the
    /// view's [`flags`](Query::flags) and a machine-readable format — JSON
    /// for top, peek and source, folded stacks for the flame graph, SVG
    /// drawn by the built-in layout for the graph.
    pub fn args(&self, view: View, extra: &[String], sources: &[Source]) -> Vec<OsString> {
        let (command, mut flags, positional) = self.flags(view, extra);
        let format = match view {
            View::Flame | View::DiffFlame => vec!["--folded"],
            View::Graph => vec!["--format=svg", "--renderer=builtin"],
            _ => vec!["--format=json"],
        };
        let mut args: Vec<String> = vec!["heapscope".into(), command.into()];
        args.extend(format.into_iter().map(String::from));
        args.append(&mut flags);
        let mut args: Vec<OsString> = args.into_iter().map(OsString::from).collect();
        let mut sources = sources;
        if let (View::DiffFlame, [base, rest @ ..]) = (view, sources) {
            args.push("--base".into());
            args.push(source_arg(base));
            sources = rest;
        }
        args.push("--".into());
        args.extend(positional.into_iter().map(OsString::from));
        args.extend(sources.iter().map(source_arg));
        args
    }

    /// The command line that prints `view` as a person would type it: the
    /// same command and flags as [`args`](Query::args) without the machine
    /// format (the graph as SVG by the built-in layout, the flame graph as
    /// heapscope's SVG), each word shell-quoted.
    pub fn command(&self, view: View, extra: &[String], sources: &[Source]) -> String {
        let (command, flags, positional) = self.flags(view, extra);
        let mut words: Vec<String> = vec!["heapscope".into(), command.into()];
        if view == View::Graph {
            words.push("--renderer=builtin".into());
        }
        words.extend(flags);
        let mut rest: Vec<String> = positional;
        rest.extend(
            sources
                .iter()
                .map(|s| source_arg(s).to_string_lossy().into_owned()),
        );
        if rest.iter().any(|w| w.starts_with('-') && w != "-") {
            words.push("--".into());
        }
        words.extend(rest);
        words
            .iter()
            .map(|w| shell_quote(w))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `view`'s command name, its flags from the parameters, and its
    /// positional arguments before the sources. As in pprof's web UI, `f`
    /// of peek and source is also the function regex, top shows 500 nodes
    /// and peek lines unless `n` and `g` say otherwise; `n`, `nf` and `ef`
    /// apply to top and the graph. Unlike pprof's, peek shows the first 100
    /// matching nodes (`--matches`) unless `n` says otherwise (`n=0`: all):
    /// a regex as broad as `main\.` can match a thousand lines, each with a
    /// thousand callers — 50 MB that no one reads and seconds to make.
    fn flags(&self, view: View, extra: &[String]) -> (&'static str, Vec<String>, Vec<String>) {
        let command = match view {
            View::Top => "top",
            View::Flame | View::DiffFlame => "flame",
            View::Peek => "peek",
            View::Source => "list",
            View::Graph => "graph",
            View::Diff => "diff",
            View::Trend => "trend",
        };
        let mut args: Vec<String> = Vec::new();
        for &(param, flag) in PARAMS {
            let Some(value) = self.get(param) else {
                continue;
            };
            let applies = match param {
                "n" => matches!(view, View::Top | View::Graph | View::Diff | View::Trend),
                "nf" | "ef" => matches!(view, View::Top | View::Graph | View::Diff),
                "unit" => !matches!(view, View::Flame | View::DiffFlame),
                _ => true,
            };
            if applies {
                args.push(format!("--{flag}={value}"));
            }
        }
        if view == View::Top && self.get("n").is_none() {
            args.push(format!("--nodecount={TOP_NODES}"));
        }
        if view == View::Peek {
            match self.get("n") {
                Some(n) => args.push(format!("--matches={n}")),
                None => args.push(format!("--matches={PEEK_NODES}")),
            }
        }
        if view == View::Peek && self.get("g").is_none() {
            args.push("--granularity=lines".into());
        }
        let sorts = matches!(view, View::Top | View::Peek | View::Diff | View::Trend);
        if sorts && self.get("sort") == Some("cum") {
            args.push("--cum".into());
        }
        let drops = matches!(view, View::Top | View::Peek | View::Graph);
        if drops && self.get("drop_negative").is_some_and(|v| v != "false") {
            args.push("--drop_negative".into());
        }
        let relative = !matches!(view, View::Diff | View::DiffFlame | View::Trend);
        if relative && self.get("rel").is_some_and(|v| v != "false") {
            args.push("--relative_percentages".into());
        }
        // `-source_path` is list's alone (the other commands refuse it).
        let lists = view == View::Source;
        args.extend(
            extra
                .iter()
                .filter(|flag| lists || !flag.starts_with("--source_path="))
                .cloned(),
        );
        let mut positional = Vec::new();
        if matches!(view, View::Peek | View::Source) {
            positional.push(self.get("f").unwrap_or_default().to_string());
        }
        (command, args, positional)
    }
}

/// A word as a POSIX shell reads it back: as it is when it holds only
/// characters no shell treats specially, else in single quotes (a quote
/// itself as `'\''`; control characters, which a shell line cannot carry
/// visibly, as `\u{..}` escapes).
fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    let mut quoted = String::from("'");
    for c in word.chars() {
        match c {
            '\'' => quoted.push_str("'\\''"),
            c if c.is_control() => quoted.push_str(&c.escape_unicode().to_string()),
            c => quoted.push(c),
        }
    }
    quoted.push('\'');
    quoted
}

/// How a source is written on heapscope's command line again.
fn source_arg(source: &Source) -> OsString {
    match source {
        Source::Path(p) => p.clone().into_os_string(),
        Source::Stdin => OsString::from("-"),
        Source::Url(u) => OsString::from(u),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn strings(args: Vec<OsString>) -> Vec<String> {
        args.into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn parameters_become_flags() {
        let q = Query::parse(
            "si=alloc_space&unit=B&f=main%5C.x&sort=cum&g=",
            &Query::default(),
        );
        let args = strings(q.args(View::Top, &[], &[Source::Path(PathBuf::from("p.pb"))]));
        assert_eq!(
            args,
            [
                "heapscope",
                "top",
                "--format=json",
                "--sample_index=alloc_space",
                "--focus=main\\.x",
                "--unit=B",
                "--nodecount=500",
                "--cum",
                "--",
                "p.pb"
            ]
        );
    }

    #[test]
    fn peek_and_source_take_f_as_their_regex_too() {
        let q = Query::parse("f=a%26b", &Query::default());
        let args = strings(q.args(View::Peek, &[], &[]));
        assert_eq!(
            args,
            [
                "heapscope",
                "peek",
                "--format=json",
                "--focus=a&b",
                "--matches=100",
                "--granularity=lines",
                "--",
                "a&b"
            ]
        );
        let args = strings(q.args(View::Source, &["--source_path=/s".into()], &[]));
        assert_eq!(args[1], "list");
        assert_eq!(args[args.len() - 3..], ["--source_path=/s", "--", "a&b"]);
        // The other commands refuse -source_path; -trim_path they all take.
        let extra = ["--source_path=/s".into(), "--trim_path=/t".into()];
        let args = strings(q.args(View::Top, &extra, &[]));
        assert!(!args.contains(&"--source_path=/s".to_string()), "{args:?}");
        assert!(args.contains(&"--trim_path=/t".to_string()), "{args:?}");
    }

    #[test]
    fn settings_are_defaults_the_url_overrides() {
        let mut extra = Vec::new();
        let settings = ["alloc_space", "focus=x", "cum", "source_path=/src"].map(String::from);
        let defaults = Query::from_settings(&settings, &mut extra).unwrap();
        assert_eq!(extra, ["--source_path=/src"]);
        let q = Query::parse("f=y", &defaults);
        assert_eq!(q.get("si"), Some("alloc_space"));
        assert_eq!(q.get("f"), Some("y"));
        assert_eq!(q.get("sort"), Some("cum"));
        let cleared = Query::parse("f=", &defaults);
        assert_eq!(cleared.get("f"), None);
        let err = Query::from_settings(&["tree".into()], &mut extra).unwrap_err();
        assert_eq!(err.to_string(), "-tree: not an option of the web UI");
    }

    #[test]
    fn the_command_prints_the_view() {
        let q = Query::parse(
            "si=alloc_space&f=%5Emain%5C.x%24&n=10&ef=0.01",
            &Query::default(),
        );
        let sources = [Source::Path(PathBuf::from("my dir/p.pb"))];
        assert_eq!(
            q.command(View::Graph, &[], &sources),
            "heapscope graph --renderer=builtin --sample_index=alloc_space '--focus=^main\\.x$' \
             --nodecount=10 --edgefraction=0.01 'my dir/p.pb'"
        );
        assert_eq!(
            q.command(View::Top, &[], &sources),
            "heapscope top --sample_index=alloc_space '--focus=^main\\.x$' --nodecount=10 \
             --edgefraction=0.01 'my dir/p.pb'"
        );
        let q = Query::parse("f=-x'y", &Query::default());
        assert_eq!(
            q.command(View::Peek, &[], &[]),
            "heapscope peek '--focus=-x'\\''y' --matches=100 --granularity=lines -- '-x'\\''y'"
        );
        let graph = strings(q.args(View::Graph, &[], &[]));
        assert_eq!(
            graph[..4],
            ["heapscope", "graph", "--format=svg", "--renderer=builtin"]
        );
    }
}
