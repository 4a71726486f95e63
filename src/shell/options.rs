//! The shell's options, pprof's configuration (`internal/driver/config.go`
//! and the assignments of `interactive.go`): `name=value`, the bare names
//! of a group's choices (`cum`, `lines`) and of sample types
//! (`alloc_space`), `:` to clear the filters; what `options` prints; and
//! the flags they give each report command.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::cli::ReportInfo;
use crate::support::escape;

/// pprof's configuration options: name, whether it is a switch, its
/// default as `options` shows it, and its help (`configHelp`, first line).
pub(super) const PPROF_OPTIONS: &[(&str, bool, &str, &str)] = &[
    (
        "call_tree",
        true,
        "false",
        "Create a context-sensitive call tree",
    ),
    ("compact_labels", true, "false", "Show minimal headers"),
    (
        "divide_by",
        false,
        "1",
        "Ratio to divide all samples before visualization",
    ),
    (
        "drop_negative",
        true,
        "false",
        "Ignore negative differences",
    ),
    ("edgefraction", false, "0.001", "Hide edges below <f>*total"),
    (
        "focus",
        false,
        "",
        "Restricts to samples going through a node matching regexp",
    ),
    ("hide", false, "", "Skips nodes matching regexp"),
    (
        "ignore",
        false,
        "",
        "Skips paths going through any nodes matching regexp",
    ),
    (
        "intel_syntax",
        true,
        "false",
        "Show assembly in Intel syntax",
    ),
    (
        "mean",
        true,
        "false",
        "Average sample value over first value (count)",
    ),
    ("nodecount", false, "-1", "Max number of nodes to show"),
    ("nodefraction", false, "0.005", "Hide nodes below <f>*total"),
    ("noinlines", true, "false", "Ignore inlines."),
    (
        "normalize",
        true,
        "false",
        "Scales profile based on the base profile.",
    ),
    (
        "output",
        false,
        "",
        "Output filename for file-based outputs",
    ),
    (
        "prune_from",
        false,
        "",
        "Drops any functions below the matched frame.",
    ),
    (
        "relative_percentages",
        true,
        "false",
        "Show percentages relative to focused subgraph",
    ),
    (
        "sample_index",
        false,
        "",
        "Sample value to report (0-based index or name)",
    ),
    ("show", false, "", "Only show nodes matching regexp"),
    (
        "show_from",
        false,
        "",
        "Drops functions above the highest matched frame.",
    ),
    (
        "showcolumns",
        true,
        "false",
        "Show column numbers at the source code line level.",
    ),
    ("source_path", false, "", "Search path for source files"),
    (
        "tagfocus",
        false,
        "",
        "Restricts to samples with tags in range or matched by regexp",
    ),
    ("taghide", false, "", "Skip tags matching this regexp"),
    (
        "tagignore",
        false,
        "",
        "Discard samples with tags in range or matched by regexp",
    ),
    (
        "tagleaf",
        false,
        "",
        "Adds pseudo stack frames for labels key/value pairs at the callstack leaf.",
    ),
    (
        "tagroot",
        false,
        "",
        "Adds pseudo stack frames for labels key/value pairs at the callstack root.",
    ),
    (
        "tagshow",
        false,
        "",
        "Only consider tags matching this regexp",
    ),
    (
        "trim",
        true,
        "true",
        "Honor nodefraction/edgefraction/nodecount defaults",
    ),
    (
        "trim_path",
        false,
        "",
        "Path to trim from source paths before search",
    ),
    ("unit", false, "minimum", "Measurement units to display"),
];

/// pprof's option groups: only one choice of each is set at a time, each
/// choice a bare word of its own.
pub(super) const GROUPS: &[(&str, &[&str], &str)] = &[
    (
        "granularity",
        &["functions", "filefunctions", "files", "lines", "addresses"],
        "",
    ),
    ("sort", &["cum", "flat"], "flat"),
];

/// What `:` clears (pprof's shortcut).
const CLEARED_BY_COLON: &[&str] = &["focus", "ignore", "hide", "tagfocus", "tagignore"];

/// The options set so far, by pprof's names; an option not set leaves each
/// command its own default.
#[derive(Debug, Clone, Default)]
pub struct Options {
    set: BTreeMap<String, String>,
    /// The long flags of each report command.
    reports: Vec<ReportInfo>,
    /// The profile's sample types, for `sample_index` and the bare names.
    sample_types: Vec<String>,
}

/// What an option is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Switch,
    Value,
    /// A group: its value is one of its choices.
    Group,
}

impl Options {
    /// No option set, for these reports.
    pub fn new(reports: Vec<ReportInfo>) -> Self {
        Options {
            reports,
            ..Options::default()
        }
    }

    /// The profile's sample types: `sample_index` takes one (or its
    /// number), and each is an assignment of its own.
    pub fn set_sample_types(&mut self, types: Vec<String>) {
        self.sample_types = types;
    }

    /// Whether some report of heapscope has the flag `name`.
    fn heapscope_has(&self, name: &str) -> bool {
        self.reports
            .iter()
            .any(|r| r.flags.iter().any(|f| f.name == name))
    }

    /// What option `name` is, when pprof has it; `Err` when heapscope has
    /// none of its flags.
    fn kind(&self, name: &str) -> Option<Result<Kind, String>> {
        if let Some(&(_, switch, _, _)) = PPROF_OPTIONS.iter().find(|o| o.0 == name) {
            let kind = if switch { Kind::Switch } else { Kind::Value };
            return Some(if self.heapscope_has(name) {
                Ok(kind)
            } else {
                Err(format!("pprof's option {name} is not in heapscope (yet)"))
            });
        }
        GROUPS
            .iter()
            .any(|g| g.0 == name)
            .then_some(Ok(Kind::Group))
    }

    /// Whether `word` names an option, a group's choice or a sample type.
    pub fn is_option(&self, word: &str) -> bool {
        self.kind(word).is_some()
            || self.group_of(word).is_some()
            || self.is_sample_type(word)
            || self.mean_shortcut(word).is_some()
    }

    /// pprof's `mean_TYPE` and `total_TYPE`: the sample type, with `mean`
    /// on or off. `None` for any other word.
    fn mean_shortcut<'w>(&self, word: &'w str) -> Option<(&'w str, bool)> {
        [("mean_", true), ("total_", false)]
            .into_iter()
            .find_map(|(prefix, on)| Some((word.strip_prefix(prefix)?, on)))
            .filter(|(t, _)| self.is_sample_type(t))
    }

    fn group_of(&self, choice: &str) -> Option<&'static str> {
        GROUPS.iter().find(|g| g.1.contains(&choice)).map(|g| g.0)
    }

    fn is_sample_type(&self, word: &str) -> bool {
        self.sample_types.iter().any(|t| t == word)
            || matches!(
                word,
                "inuse_space" | "inuse_objects" | "alloc_space" | "alloc_objects"
            )
    }

    /// Every word that sets something: option names, choices, sample types.
    pub fn words(&self) -> Vec<String> {
        let mut words: Vec<String> = PPROF_OPTIONS
            .iter()
            .map(|o| o.0)
            .filter(|n| self.heapscope_has(n))
            .map(str::to_string)
            .collect();
        for (group, choices, _) in GROUPS {
            words.push((*group).to_string());
            words.extend(choices.iter().map(|c| (*c).to_string()));
        }
        words.extend(self.sample_types.iter().cloned());
        if self.heapscope_has("mean") {
            for t in &self.sample_types {
                words.push(format!("mean_{t}"));
                words.push(format!("total_{t}"));
            }
        }
        words.sort();
        words.dedup();
        words
    }

    /// Carries out one assignment: `name=value`, `name` alone (a switch
    /// turned on, a group's choice, a sample type), or `:`. Returns `None`
    /// when `line` is no assignment (a command, then).
    pub fn assign(&mut self, line: &str) -> Option<Result<(), String>> {
        let line = line.trim();
        if line == ":" {
            for name in CLEARED_BY_COLON {
                self.set.remove(*name);
            }
            return Some(Ok(()));
        }
        let (name, value) = match line.split_once('=') {
            Some((n, v)) => {
                // pprof's comments on options: `name = value //: comment`.
                let v = v.rfind("//:").map_or(v, |i| &v[..i]);
                (n.trim(), Some(v.trim()))
            }
            None => (line, None),
        };
        if value.is_none() && name.contains(char::is_whitespace) {
            return None;
        }
        if value.is_none() && self.is_sample_type(name) {
            return Some(self.set_sample_index(name));
        }
        if let Some((sample_type, mean)) = self.mean_shortcut(name).filter(|_| value.is_none()) {
            return Some(self.set_sample_index(sample_type).map(|()| {
                self.set.insert("mean".to_string(), mean.to_string());
            }));
        }
        if let Some(group) = self.group_of(name) {
            if value.is_none() {
                return Some(self.set_choice(group, name));
            }
        }
        let kind = match self.kind(name)? {
            Ok(kind) => kind,
            Err(e) => return Some(Err(e)),
        };
        Some(match (kind, value) {
            (Kind::Switch, None) => {
                self.set.insert(name.to_string(), "true".to_string());
                Ok(())
            }
            (_, None) => Err(format!("please specify a value, e.g. {name}=<val>")),
            (Kind::Switch, Some(v)) => match parse_bool(v) {
                Some(b) => {
                    self.set.insert(name.to_string(), b.to_string());
                    Ok(())
                }
                None => Err(format!(
                    "invalid value {v:?} for option {name}: true or false"
                )),
            },
            (Kind::Group, Some(v)) => self.set_choice(name, v),
            (Kind::Value, Some(v)) if name == "sample_index" => self.set_sample_index(v),
            (Kind::Value, Some(v)) => {
                if v.is_empty() || (name == "nodecount" && v == "-1") {
                    self.set.remove(name);
                } else {
                    self.set.insert(name.to_string(), v.to_string());
                }
                Ok(())
            }
        })
    }

    fn set_choice(&mut self, group: &str, choice: &str) -> Result<(), String> {
        let Some((_, choices, _)) = GROUPS.iter().find(|g| g.0 == group) else {
            return Err(format!("unknown option group {group}"));
        };
        if !choices.contains(&choice) {
            return Err(format!(
                "invalid \"{group}\" value {choice:?}, must be one of {}",
                choices.join(", ")
            ));
        }
        self.set.insert(group.to_string(), choice.to_string());
        Ok(())
    }

    /// `sample_index` by name or number, checked against the profile's
    /// types once they are known, and kept as the type's name.
    fn set_sample_index(&mut self, value: &str) -> Result<(), String> {
        let name = match value.parse::<usize>() {
            Ok(i) if !self.sample_types.is_empty() => match self.sample_types.get(i) {
                Some(t) => t.clone(),
                None => return Err(format!("invalid sample_index {value:?}")),
            },
            _ => value.to_string(),
        };
        if !self.sample_types.is_empty() && !self.sample_types.contains(&name) {
            return Err(format!(
                "sample_index {value:?} must be one of: {}",
                self.sample_types.join(", ")
            ));
        }
        self.set.insert("sample_index".to_string(), name);
        Ok(())
    }

    /// The value of a set option.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.set.get(name).map(String::as_str)
    }

    /// Sets an option for one command (the shell's per-command overrides).
    pub fn put(&mut self, name: &str, value: &str) {
        self.set.insert(name.to_string(), value.to_string());
    }

    /// The flags the options give report `report`: only the ones it has,
    /// as pprof's reports ignore the options that do not apply to them.
    pub fn flags(&self, report: &ReportInfo) -> Vec<String> {
        let has = |flag: &str| report.flags.iter().any(|f| f.name == flag);
        let mut flags = Vec::new();
        for (name, value) in &self.set {
            match name.as_str() {
                "sort" => {
                    if has(value) {
                        flags.push(format!("--{value}"));
                    }
                }
                // Where every report goes: the shell writes it there.
                "output" => {}
                "granularity" => {
                    if has("granularity") {
                        flags.push(format!("--granularity={value}"));
                    }
                }
                _ if !has(name) => {}
                _ if self.kind(name) == Some(Ok(Kind::Switch)) => {
                    if value == "true" {
                        flags.push(format!("--{name}"));
                    }
                }
                _ => flags.push(format!("--{name}={value}")),
            }
        }
        flags
    }

    /// The options as the web UI takes its defaults (`heapscope -http`'s
    /// report flags): `sort=cum` is `cum`, a granularity or sample type its
    /// bare name, a switch its name, the rest `name=value`; `output` has no
    /// meaning there.
    pub fn web_settings(&self) -> Vec<String> {
        let mut settings = Vec::new();
        for (name, value) in &self.set {
            match name.as_str() {
                "output" => {}
                "sort" | "granularity" => settings.push(value.clone()),
                _ if self.kind(name) == Some(Ok(Kind::Switch)) => {
                    if value == "true" {
                        settings.push(name.clone());
                    }
                }
                _ => settings.push(format!("{name}={value}")),
            }
        }
        settings
    }

    /// What `options` prints: each option heapscope has with its value, as
    /// pprof prints them (`  name = value //: comment`), sorted.
    pub fn show(&self) -> String {
        let mut rows = Vec::new();
        let row = |name: &str, value: &str, comment: &str| {
            let value = if value.is_empty() {
                "\"\"".into()
            } else {
                escape::text(value)
            };
            let comment = if comment.is_empty() {
                String::new()
            } else {
                format!("//: {}", escape::text(comment))
            };
            format!("  {name:<25} = {value:<20} {comment}")
                .trim_end()
                .to_string()
        };
        for &(name, _, default, _) in PPROF_OPTIONS {
            if !self.heapscope_has(name) || name == "source_path" {
                continue;
            }
            let value = self.get(name).unwrap_or(default);
            let comment = match name {
                "sample_index" => format!("[{}]", self.sample_types.join(" | ")),
                "nodecount" if value == "-1" => "default".to_string(),
                _ => String::new(),
            };
            let value = match (name, value) {
                ("sample_index", "") => self.sample_types.last().map_or("", String::as_str),
                _ => value,
            };
            rows.push(row(name, value, &comment));
        }
        for &(group, choices, default) in GROUPS {
            let value = self.get(group).unwrap_or(default);
            let value = if value.is_empty() { "(default)" } else { value };
            let mut sorted = choices.to_vec();
            sorted.sort_unstable();
            rows.push(row(group, value, &format!("[{}]", sorted.join(" | "))));
        }
        rows.sort();
        let mut out = String::new();
        for r in rows {
            let _ = writeln!(out, "{r}");
        }
        out
    }

    /// The help of option `name`, as `help NAME` prints it.
    pub fn help(&self, name: &str) -> Option<String> {
        if let Some(&(_, _, _, help)) = PPROF_OPTIONS.iter().find(|o| o.0 == name) {
            return Some(format!("{help}\n"));
        }
        GROUPS
            .iter()
            .find(|g| g.0 == name || g.1.contains(&name))
            .map(|g| format!("Option group {}: one of {}\n", g.0, g.1.join(", ")))
    }
}

/// Go's `strconv.ParseBool`.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        let mut o = Options::new(crate::cli::reports());
        o.set_sample_types(
            [
                "alloc_objects",
                "alloc_space",
                "inuse_objects",
                "inuse_space",
            ]
            .map(String::from)
            .to_vec(),
        );
        o
    }

    fn top(o: &Options) -> Vec<String> {
        let reports = crate::cli::reports();
        let top = reports.iter().find(|r| r.name == "top").unwrap();
        o.flags(top)
    }

    #[test]
    fn assignments_set_pprofs_options() {
        let mut o = options();
        for line in [
            "nodecount=20",
            "cum",
            "alloc_space",
            "focus = main //: why",
            "lines",
        ] {
            assert_eq!(o.assign(line), Some(Ok(())), "{line}");
        }
        assert_eq!(
            top(&o),
            [
                "--focus=main",
                "--granularity=lines",
                "--nodecount=20",
                "--sample_index=alloc_space",
                "--cum"
            ]
        );
        assert_eq!(o.assign(":"), Some(Ok(())));
        assert_eq!(o.get("focus"), None);
        assert_eq!(o.assign("sample_index=0"), Some(Ok(())));
        assert_eq!(o.get("sample_index"), Some("alloc_objects"));
    }

    #[test]
    fn mean_and_total_shortcuts_set_the_type_and_mean() {
        let mut o = options();
        assert_eq!(o.assign("mean_alloc_space"), Some(Ok(())));
        assert_eq!(top(&o), ["--mean", "--sample_index=alloc_space"]);
        assert_eq!(o.assign("total_inuse_objects"), Some(Ok(())));
        assert_eq!(top(&o), ["--sample_index=inuse_objects"]);
        assert!(o.words().contains(&"mean_inuse_space".to_string()));
        assert_eq!(o.assign("mean_bogus"), None);
        for line in [
            "show_from=main",
            "tagroot=bytes",
            "noinlines",
            "divide_by=1024",
            "addresses",
        ] {
            assert_eq!(o.assign(line), Some(Ok(())), "{line}");
        }
        assert_eq!(
            top(&o),
            [
                "--divide_by=1024",
                "--granularity=addresses",
                "--noinlines",
                "--sample_index=inuse_objects",
                "--show_from=main",
                "--tagroot=bytes"
            ]
        );
    }

    #[test]
    fn bad_assignments_say_why() {
        let mut o = options();
        assert_eq!(
            o.assign("nodecount"),
            Some(Err("please specify a value, e.g. nodecount=<val>".into()))
        );
        assert!(o.assign("sample_index=9").unwrap().is_err());
        assert!(o.assign("sample_index=cpu").unwrap().is_err());
        assert!(o.assign("granularity=bytes").unwrap().is_err());
        assert_eq!(
            o.assign("call_tree"),
            Some(Err(
                "pprof's option call_tree is not in heapscope (yet)".into()
            ))
        );
        assert_eq!(o.assign("top"), None);
        assert_eq!(o.assign("list main"), None);
    }
}
