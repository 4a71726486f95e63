//! Every numeric flag at its extremes (0, u64::MAX, negative, i64::MIN, NaN,
//! inf, 1e308, empty, huge): a usage error naming the flag (exit 2) or a
//! correct report, never a panic; and no panic when stderr cannot be written.

use std::fs::OpenOptions;
use std::process::{Output, Stdio};

use crate::util::{heapscope, profile, run, stderr, stdout};

const MAX: &str = "18446744073709551615";

fn no_panic(args: &[&str], out: &Output) {
    assert_ne!(out.status.code(), Some(101), "{args:?} panicked");
    assert!(
        !stderr(out).contains("panicked"),
        "{args:?}: {}",
        stderr(out)
    );
}

/// `args` (the profile appended) exits 2 with exactly `message` on stderr.
fn usage_error(args: &[&str], message: &str) {
    let file = profile("inline.pb.gz");
    let mut args = args.to_vec();
    args.push(&file);
    let out = run(&args);
    no_panic(&args, &out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    assert_eq!(stderr(&out), format!("heapscope: {message}\n"), "{args:?}");
    assert_eq!(stdout(&out), "", "{args:?}");
}

#[test]
fn out_of_range_numbers_are_usage_errors_naming_the_flag() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["top", "-seconds=0"],
            "-seconds=0 must be between 1 and 86400 seconds",
        ),
        (
            &["top", "-seconds=86401"],
            "-seconds=86401 must be between 1 and 86400 seconds",
        ),
        (
            &["top", "-timeout=0"],
            "-timeout=0 must be between 1 and 86400 seconds",
        ),
        (
            &["diff", "-timeout=86401", "before.pb"],
            "-timeout=86401 must be between 1 and 86400 seconds",
        ),
        (
            &["top", "-max_size=0"],
            "-max_size=0 must be between 1 and 1099511627776 bytes",
        ),
        (
            &["trend", "-max_size=1099511627777", "a.pb"],
            "-max_size=1099511627777 must be between 1 and 1099511627776 bytes",
        ),
        (
            &["gctrace", "-max_size=0"],
            "-max_size=0 must be between 1 and 1099511627776 bytes",
        ),
        (
            &["memstats", "-timeout=0"],
            "-timeout=0 must be between 1 and 86400 seconds",
        ),
        (
            &["top", "-nodefraction=NaN"],
            "-nodefraction=NaN must be between 0 and 1",
        ),
        (
            &["top", "-nodefraction=inf"],
            "-nodefraction=inf must be between 0 and 1",
        ),
        (
            &["top", "-nodefraction=-inf"],
            "-nodefraction=-inf must be between 0 and 1",
        ),
        (
            &["top", "-nodefraction=1e308"],
            "-nodefraction=1e308 must be between 0 and 1",
        ),
        (
            &["top", "-nodefraction=1e400"],
            "-nodefraction=inf must be between 0 and 1",
        ),
        (
            &["diff", "-edgefraction=-0.5", "before.pb"],
            "-edgefraction=-0.5 must be between 0 and 1",
        ),
        (
            &["graph", "-edgefraction=2"],
            "-edgefraction=2.0 must be between 0 and 1",
        ),
        (
            &["flame", "--width=0"],
            "-width=0 must be between 100 and 100000 pixels",
        ),
        (
            &["flame", "--width=19"],
            "-width=19 must be between 100 and 100000 pixels",
        ),
        (
            &["flame", "-width=100001"],
            "-width=100001 must be between 100 and 100000 pixels",
        ),
        (
            &["flame", "--min-width=NaN"],
            "--min-width=NaN must be between 0 and 100 (a percentage of the total)",
        ),
        (
            &["flame", "--min-width=-1"],
            "--min-width=-1.0 must be between 0 and 100 (a percentage of the total)",
        ),
        (
            &["flame", "--min-width=1e308"],
            "--min-width=1e308 must be between 0 and 100 (a percentage of the total)",
        ),
        (
            &["flame", "--min-width=inf"],
            "--min-width=inf must be between 0 and 100 (a percentage of the total)",
        ),
    ];
    for (args, message) in cases {
        usage_error(args, message);
    }
    let max = [
        ("seconds", "seconds", "1 and 86400 seconds"),
        ("timeout", "timeout", "1 and 86400 seconds"),
        ("max_size", "max_size", "1 and 1099511627776 bytes"),
    ];
    for (flag, name, range) in max {
        // With a URL: the fetch must never start (it panicked adding the
        // timeout to the clock).
        let args = ["top", &format!("-{flag}={MAX}"), "http://127.0.0.1:9/"];
        let out = run(&args);
        no_panic(&args, &out);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            stderr(&out),
            format!("heapscope: -{name}={MAX} must be between {range}\n")
        );
    }
    usage_error(
        &["flame", &format!("--width={MAX}")],
        &format!("-width={MAX} must be between 100 and 100000 pixels"),
    );
}

#[test]
fn numbers_that_do_not_parse_are_clap_usage_errors() {
    let huge = "9".repeat(100_000);
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["top".into(), "-nodecount=-1".into()], "error: invalid value '-1' for '--nodecount <N>': invalid digit found in string"),
        (vec!["top".into(), format!("-nodecount={MAX}6")], "error: invalid value '184467440737095516156' for '--nodecount <N>': number too large to fit in target type"),
        (vec!["top".into(), "-nodecount=".into()], "error: invalid value '' for '--nodecount <N>': cannot parse integer from empty string"),
        (vec!["top".into(), "-nodecount=1e308".into()], "error: invalid value '1e308' for '--nodecount <N>': invalid digit found in string"),
        (vec!["top".into(), "-seconds=-1".into()], "error: invalid value '-1' for '--seconds <N>': invalid digit found in string"),
        (vec!["top".into(), "-timeout=1e308".into()], "error: invalid value '1e308' for '--timeout <S>': invalid digit found in string"),
        (vec!["top".into(), "-max_size=-9223372036854775808".into()], "error: invalid value '-9223372036854775808' for '--max_size <BYTES>': invalid digit found in string"),
        (vec!["flame".into(), "--width=-1".into()], "error: invalid value '-1' for '--width <PX>': invalid digit found in string"),
        (vec!["flame".into(), "--min-width=x".into()], "error: invalid value 'x' for '--min-width <PCT>': invalid float literal"),
        (vec!["top".into(), "-nodefraction=".into()], "error: invalid value '' for '--nodefraction <F>': cannot parse float from empty string"),
        (vec!["list".into(), "-context=-1".into(), "main".into()], "error: invalid value '-1' for '--context <N>': invalid digit found in string"),
        (vec!["trend".into(), format!("-nodecount={huge}"), "a.pb".into()], ""),
    ];
    let file = profile("inline.pb.gz");
    for (args, first_line) in &cases {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.push(&file);
        let out = run(&args);
        no_panic(&args, &out);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        if first_line.is_empty() {
            assert!(
                err.contains("number too large to fit in target type"),
                "{err}"
            );
        } else {
            assert_eq!(err.lines().next(), Some(*first_line));
        }
    }
}

#[test]
fn extreme_numbers_in_range_give_the_right_report() {
    let file = profile("inline.pb.gz");
    let ok = |args: &[&str]| {
        let mut args = args.to_vec();
        args.push(&file);
        let out = run(&args);
        no_panic(&args, &out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    // A node count past any profile's shows every node, as 0 does.
    for command in ["top", "diff", "graph"] {
        let extra: &[&str] = if command == "diff" { &[&file] } else { &[] };
        let all = ok(&[&[command, "-nodecount=0"], extra].concat());
        let max = ok(&[&[command, &format!("-nodecount={MAX}")], extra].concat());
        assert_eq!(max, all, "{command}");
    }
    let all = ok(&["trend", "-nodecount=0", &file]);
    assert_eq!(ok(&["trend", &format!("-nodecount={MAX}"), &file]), all);
    // The limits themselves are accepted; -seconds and -timeout only matter
    // for URLs.
    let top = ok(&["top"]);
    assert_eq!(ok(&["top", "-seconds=86400", "-timeout=86400"]), top);
    assert_eq!(ok(&["top", "-max_size=1099511627776"]), top);
    assert!(
        ok(&["top", "-nodefraction=1", "-edgefraction=0"]).ends_with(
            "Showing nodes accounting for 0, 0% of 87.03kB total\n\
         Dropped 27 nodes (cum <= 87.03kB)\n      \
         flat  flat%   sum%        cum   cum%\n"
        )
    );
    assert!(ok(&["flame", "--width=100", "--min-width=100"]).starts_with("<?xml"));
    assert!(ok(&["flame", "--width=100000", "--min-width=0"]).starts_with("<?xml"));
    // Context past the file's length shows what there is.
    assert_eq!(
        ok(&["list", &format!("-context={MAX}"), "main"]),
        ok(&["list", "-context=1000000", "main"])
    );
    // A sample index past the types, or negative, is the profile's error.
    for index in [MAX, "-9223372036854775808"] {
        let args = ["top", &format!("-sample_index={index}"), &file];
        let out = run(&args);
        no_panic(&args, &out);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    }
}

/// heapscope with stderr on /dev/full, or None where there is no /dev/full.
fn with_full_stderr(args: &[&str]) -> Option<Output> {
    let full = OpenOptions::new().write(true).open("/dev/full").ok()?;
    Some(
        heapscope()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(full)
            .output()
            .expect("heapscope runs"),
    )
}

#[test]
fn an_unwritable_stderr_never_panics() {
    let file = profile("inline.pb.gz");
    let cases: &[(&[&str], i32)] = &[
        (&["top", "-timeout=0", &file], 2),
        (&["top", "--no-such-flag", &file], 2),
        (&["top", "/nonexistent/heap.pb.gz"], 1),
        (&["--help"], 0),
        (&["top", "--help"], 0),
        (&["--version"], 0),
    ];
    for (args, code) in cases {
        let Some(out) = with_full_stderr(args) else {
            eprintln!("skipped: no /dev/full");
            return;
        };
        assert_eq!(out.status.code(), Some(*code), "{args:?}");
    }
    // A note that cannot be written costs the note, not the report. The
    // source is at a path no machine has (a real profile's sources may be
    // found where the profile was made).
    let dir = tempfile::tempdir().unwrap();
    let names = ["main.main".to_string(), "main.f".to_string()];
    let lost = crate::malformed::stacks_profile(
        "/nonexistent/heapscope/main.go",
        &names,
        vec![(vec![2, 1], 4096)],
    );
    let lost = crate::malformed::write_profile(dir.path(), "lost.pb", &lost);
    let args = ["list", "-source_path=/nonexistent", "main", &lost];
    let normal = run(&args);
    assert!(stderr(&normal).contains("not found"), "{}", stderr(&normal));
    let out = with_full_stderr(&args).unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), stdout(&normal));
}
