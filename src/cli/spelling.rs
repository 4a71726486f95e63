//! pprof's spelling of long flags with one dash (`-inuse_space`,
//! `-nodecount=5`): rewritten to clap's `--inuse_space` before clap parses.
//! Which words are flags is read from the clap `Command` itself, so every
//! long flag, present and future, takes both spellings.

use std::collections::BTreeSet;
use std::ffi::OsString;

use clap::Command;

/// Rewrites `-flag` and `-flag=value` to `--flag…` for every long flag of
/// `cmd` and its subcommands; arguments after `--` are left alone.
pub(super) fn normalize_args(
    cmd: &Command,
    args: impl IntoIterator<Item = OsString>,
) -> Vec<OsString> {
    let longs = long_names(cmd);
    let mut out = Vec::new();
    let mut rest = false;
    for arg in args {
        if rest {
            out.push(arg);
            continue;
        }
        let rewritten = arg.to_str().and_then(|s| {
            if s == "--" {
                rest = true;
                return None;
            }
            let body = s.strip_prefix('-').filter(|b| !b.starts_with('-'))?;
            let name = body.split('=').next().unwrap_or(body);
            longs
                .contains(name)
                .then(|| OsString::from(format!("-{s}")))
        });
        out.push(rewritten.unwrap_or(arg));
    }
    out
}

/// The long names of every argument of `cmd` and its subcommands (with
/// `help` and `version` once `cmd` is built).
fn long_names(cmd: &Command) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    let mut stack = vec![cmd];
    while let Some(cmd) = stack.pop() {
        names.extend(
            cmd.get_arguments()
                .filter_map(clap::Arg::get_long_and_visible_aliases)
                .flatten(),
        );
        stack.extend(cmd.get_subcommands());
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;
    use clap::Arg;

    fn norm(args: &[&str]) -> Vec<String> {
        normalize_args(&crate::cli::command(), args.iter().map(OsString::from))
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn single_dash_long_flags_become_double_dash() {
        assert_eq!(
            norm(&[
                "heapscope",
                "top",
                "-inuse_space",
                "-nodecount=5",
                "-focus",
                "x",
                "p.heap"
            ]),
            [
                "heapscope",
                "top",
                "--inuse_space",
                "--nodecount=5",
                "--focus",
                "x",
                "p.heap"
            ]
        );
    }

    #[test]
    fn other_arguments_are_left_alone() {
        assert_eq!(
            norm(&[
                "heapscope",
                "top",
                "-",
                "--cum",
                "-nodefraction",
                "-0.1",
                "--",
                "-cum"
            ]),
            [
                "heapscope",
                "top",
                "-",
                "--cum",
                "--nodefraction",
                "-0.1",
                "--",
                "-cum"
            ]
        );
    }

    /// A value `arg` accepts: its first possible value, else "1" (a number,
    /// a name and a path alike).
    fn value(arg: &Arg) -> String {
        arg.get_possible_values()
            .first()
            .map_or_else(|| "1".to_string(), |v| v.get_name().to_string())
    }

    /// How clap parses `args` after the pprof spelling is rewritten.
    fn parsed(args: &[String]) -> Result<clap::ArgMatches, ErrorKind> {
        let mut cmd = crate::cli::command();
        let args = normalize_args(&cmd, args.iter().map(OsString::from));
        cmd.try_get_matches_from_mut(args).map_err(|e| e.kind())
    }

    /// Every long flag of every command, spelled `-flag` (and `-flag=v`),
    /// parses as `--flag` does.
    #[test]
    fn every_long_flag_takes_one_dash() {
        let root = crate::cli::command();
        let mut commands: Vec<(Vec<String>, &Command)> = vec![(vec![], &root)];
        commands.extend(
            root.get_subcommands()
                .map(|sub| (vec![sub.get_name().to_string()], sub)),
        );
        let mut parsed_ok = 0;
        for (words, cmd) in commands {
            // Required positionals, so that the flag alone is what varies.
            let positionals: Vec<String> = cmd
                .get_positionals()
                .filter(|a| a.is_required_set())
                .flat_map(|a| {
                    let n = a.get_num_args().map_or(1, |r| r.min_values().max(1));
                    vec![value(a); n]
                })
                .collect();
            for arg in cmd.get_arguments() {
                let Some(long) = arg.get_long() else { continue };
                let spelled = |dashes: &str| {
                    let flag = if arg.get_action().takes_values() {
                        format!("{dashes}{long}={}", value(arg))
                    } else {
                        format!("{dashes}{long}")
                    };
                    let mut argv = vec!["heapscope".to_string()];
                    argv.extend(words.iter().cloned());
                    argv.push(flag);
                    argv.extend(positionals.iter().cloned());
                    argv
                };
                let (one, two) = (spelled("-"), spelled("--"));
                match (parsed(&one), parsed(&two)) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a, b, "{one:?} and {two:?}");
                        parsed_ok += 1;
                    }
                    (Err(a), Err(b)) => {
                        assert_eq!(a, b, "{one:?} and {two:?}");
                        assert_ne!(a, ErrorKind::UnknownArgument, "{one:?}");
                    }
                    (a, b) => panic!("{one:?} gave {a:?}, {two:?} gave {b:?}"),
                }
            }
        }
        assert!(parsed_ok > 100, "only {parsed_ok} flags parsed");
    }
}
