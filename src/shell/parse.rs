//! A shell command line in pprof's syntax (`parseCommandLine` in pprof's
//! `internal/driver/interactive.go`) turned into heapscope's command line
//! for the same report: `top10`, `top -cum 20`, `list RE`, `peek RE`,
//! `NAME RE -RE` (focus and ignore), `> FILE`; and, heapscope's own, a
//! report's flags (`graph -format=dot`, `flame -folded`) and `-o FILE`.

use std::path::PathBuf;

use super::options::Options;
use crate::cli::{self, ReportInfo};

/// The commands that read something other than one profile: not in the shell.
pub(super) const NOT_IN_SHELL: &[&str] = &["diff", "trend", "memstats", "gctrace", "web"];

/// A report command, ready for heapscope's command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// heapscope's arguments after the program name, up to the sources
    /// (which follow a `--`, after the regex of `list` and `peek`).
    pub args: Vec<String>,
    /// The regex of `list` and `peek`, given after `--`.
    pub regex: Option<String>,
    /// Where the report goes (`> FILE`, `-o FILE`), else stdout.
    pub output: Option<PathBuf>,
}

/// Parses `tokens` (the line split at whitespace, the command first) with
/// the options in force.
pub fn parse(
    tokens: &[&str],
    options: &Options,
    reports: &[ReportInfo],
) -> Result<Command, String> {
    let Some((&first, rest)) = tokens.split_first() else {
        return Err("empty command".to_string());
    };
    let mut rest: Vec<&str> = rest.to_vec();
    let mut name = first;
    if resolve(name, reports).is_none() {
        // pprof's abbreviations with a count: top10 is top 10.
        let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 && digits < name.len() {
            let (n, d) = name.split_at(name.len() - digits);
            name = n;
            rest.insert(0, d);
        }
    }
    let (report, extra) = match resolve(name, reports) {
        Some(Ok(found)) => found,
        Some(Err(e)) => return Err(e),
        None if options.is_option(first) => {
            let value = rest.first().copied().unwrap_or("<val>");
            return Err(format!("did you mean: {first}={value}"));
        }
        None => return Err(format!("unrecognized command: {first:?}")),
    };
    let has = |flag: &str| report.flags.iter().find(|f| f.name == flag);

    let mut options = options.clone();
    let mut args: Vec<String> = vec![report.name.clone()];
    args.extend(extra.iter().map(|s| (*s).to_string()));
    let mut own_flags: Vec<String> = Vec::new();
    let mut regex = None;
    if report.takes_regex {
        if rest.is_empty() {
            return Err(format!("command {name} requires an argument"));
        }
        regex = Some(rest.remove(0).to_string());
    }
    let mut output = None;
    let (mut focus, mut ignore) = (String::new(), String::new());
    let mut i = 0;
    while i < rest.len() {
        let t = rest[i];
        i += 1;
        if let Ok(n) = t.parse::<i32>() {
            options.put("nodecount", &n.to_string());
            continue;
        }
        if let Some(file) = t.strip_prefix('>') {
            let file = if file.is_empty() {
                let next = rest.get(i).ok_or("unexpected end of line after >")?;
                i += 1;
                *next
            } else {
                file
            };
            output = Some(PathBuf::from(file));
            continue;
        }
        let Some(body) = t.strip_prefix('-') else {
            focus = cat_regex(&focus, t);
            continue;
        };
        let body = body.strip_prefix('-').unwrap_or(body);
        let (flag, value) = match body.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (body, None),
        };
        if matches!(flag, "cum" | "flat") && value.is_none() {
            options.put("sort", flag);
            continue;
        }
        if matches!(flag, "o" | "output") {
            let file = match value {
                Some(v) => v,
                None => {
                    let next = rest
                        .get(i)
                        .ok_or_else(|| format!("{t} needs a file name"))?;
                    i += 1;
                    next
                }
            };
            output = Some(PathBuf::from(file));
            continue;
        }
        match has(flag) {
            Some(info) if info.takes_value => {
                let value = match value {
                    Some(v) => v,
                    None => {
                        let next = rest.get(i).ok_or_else(|| format!("{t} needs a value"))?;
                        i += 1;
                        next
                    }
                };
                own_flags.push(format!("--{flag}={value}"));
            }
            Some(_) if value.is_none() => own_flags.push(format!("--{flag}")),
            // pprof's meaning of any other -WORD: ignore samples matching it.
            _ => ignore = cat_regex(&ignore, &t[1..]),
        }
    }
    let (focus_option, ignore_option) = if report.name == "tags" {
        ("tagfocus", "tagignore")
    } else {
        ("focus", "ignore")
    };
    if !focus.is_empty() {
        options.put(focus_option, &focus);
    }
    if !ignore.is_empty() {
        options.put(ignore_option, &ignore);
    }
    // A report's own flag given on the line wins over the option's.
    let given = |f: &String| {
        let name = f.split('=').next().unwrap_or(f);
        own_flags
            .iter()
            .any(|o| o.split('=').next().unwrap_or(o) == name)
    };
    args.extend(options.flags(report).into_iter().filter(|f| !given(f)));
    args.extend(own_flags);
    // pprof's `output` option: every report to that file, unless the
    // command names one.
    let output = output.or_else(|| options.get("output").map(PathBuf::from));
    Ok(Command {
        args,
        regex,
        output,
    })
}

/// The report a shell command names: heapscope's own, or pprof's name for
/// it (`text`, `dot`, `svg`) with the flags that make it the same.
/// `Some(Err)` for a report the shell does not offer.
#[allow(clippy::type_complexity)]
fn resolve<'a>(
    name: &str,
    reports: &'a [ReportInfo],
) -> Option<Result<(&'a ReportInfo, &'static [&'static str]), String>> {
    let find = |n: &str| reports.iter().find(|r| r.name == n);
    if NOT_IN_SHELL.contains(&name) {
        return Some(Err(format!(
            "{name} reads profiles or logs of its own: run it as heapscope {name} …, outside the shell"
        )));
    }
    if let Some(report) = find(name) {
        return Some(Ok((report, &[])));
    }
    match cli::pprof_report(name)? {
        Some((heapscope, extra)) => Some(match find(heapscope) {
            Some(report) => Ok((report, extra)),
            None => Err(format!("pprof's {name} report is not in heapscope (yet)")),
        }),
        None => Some(Err(format!(
            "pprof's {name} report is not in heapscope (yet)"
        ))),
    }
}

/// pprof's `catRegex`: two regexes as one alternation.
fn cat_regex(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (false, false) => format!("{a}|{b}"),
        _ => format!("{a}{b}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str, options: &Options) -> Result<Command, String> {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        parse(&tokens, options, &cli::reports())
    }

    #[test]
    fn pprofs_syntax_becomes_heapscopes_command_line() {
        let o = Options::new(cli::reports());
        let c = parsed("top10 -cum main -runtime >out.txt", &o).unwrap();
        assert_eq!(
            c.args,
            [
                "top",
                "--focus=main",
                "--ignore=runtime",
                "--nodecount=10",
                "--cum"
            ]
        );
        assert_eq!(c.output, Some(PathBuf::from("out.txt")));
        let c = parsed("list Alloc a b -c", &o).unwrap();
        assert_eq!(c.args, ["list", "--focus=a|b", "--ignore=c"]);
        assert_eq!(c.regex.as_deref(), Some("Alloc"));
        let c = parsed("graph -format=dot -o g.dot", &o).unwrap();
        assert_eq!(c.args, ["graph", "--format=dot"]);
        assert_eq!(c.output, Some(PathBuf::from("g.dot")));
        let c = parsed("text 5", &o).unwrap();
        assert_eq!(c.args, ["top", "--nodecount=5"]);
        let c = parsed("dot", &o).unwrap();
        assert_eq!(c.args, ["graph", "--format=dot"]);
    }

    #[test]
    fn the_output_option_sends_every_report_to_its_file() {
        let mut o = Options::new(cli::reports());
        assert_eq!(o.assign("output=all.txt"), Some(Ok(())));
        let c = parsed("top", &o).unwrap();
        assert_eq!(c.args, ["top"]);
        assert_eq!(c.output, Some(PathBuf::from("all.txt")));
        let c = parsed("dot > g.dot", &o).unwrap();
        assert_eq!(c.args, ["graph", "--format=dot"]);
        assert_eq!(c.output, Some(PathBuf::from("g.dot")));
        assert_eq!(o.assign("output="), Some(Ok(())));
        assert_eq!(parsed("top", &o).unwrap().output, None);
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let o = Options::new(cli::reports());
        assert_eq!(
            parsed("list", &o).unwrap_err(),
            "command list requires an argument"
        );
        assert_eq!(
            parsed("nodecount 5", &o).unwrap_err(),
            "did you mean: nodecount=5"
        );
        assert_eq!(
            parsed("bogus", &o).unwrap_err(),
            "unrecognized command: \"bogus\""
        );
        assert_eq!(
            parsed("disasm f", &o).unwrap_err(),
            "pprof's disasm report is not in heapscope (yet)"
        );
        assert!(parsed("diff", &o)
            .unwrap_err()
            .contains("outside the shell"));
        assert_eq!(
            parsed("top >", &o).unwrap_err(),
            "unexpected end of line after >"
        );
    }
}
