//! pprof's base profiles (`-base`, `-diff_base`, `-normalize`,
//! `-drop_negative`) and `-sample_index` by number, against Go 1.25.5's
//! pprof on the same files (testdata/golden/base), run in pprof's own
//! spelling (`heapscope -top -diff_base=A B`).

use crate::util::{self, manifest_in, GoldenCase};

/// heapscope's arguments for a case: pprof's, with the profiles their flags
/// name found in testdata/profiles and sources in testdata/gen.
fn args(case: &GoldenCase) -> Vec<String> {
    let mut args: Vec<String> = case
        .args
        .iter()
        .map(|a| match a.split_once('=') {
            Some((flag @ ("-base" | "-diff_base"), name)) => {
                format!("{flag}={}", util::profile(name))
            }
            Some(("-source_path", _)) => {
                format!("-source_path={}", util::testdata().join("gen").display())
            }
            _ => a.clone(),
        })
        .collect();
    args.push(util::profile(&case.profile));
    args
}

/// The lines with runs of white space collapsed (pprof's printf widths and
/// heapscope's aligned columns differ), without the graph legend's help
/// line (pprof 1.25.5 links a short URL). `list` and `raw` are compared
/// byte for byte.
fn tokens(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .map(|l| {
            let help = ["\\lHow to read this graph: ", "\\lSee https://git.io/"];
            match help.iter().find_map(|h| l.find(h)) {
                Some(at) => l[..at].to_string(),
                None => l,
            }
        })
        .collect()
}

#[test]
fn base_reports_equal_pprof() {
    let cases = manifest_in("base");
    assert_eq!(cases.len(), 26, "base goldens in the manifest");
    let mut failures = util::Mismatches::default();
    for case in &cases {
        let args = args(case);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = util::run(&argv);
        assert!(
            out.status.success(),
            "{}: {}",
            case.golden,
            util::stderr(&out)
        );
        let list = case
            .args
            .iter()
            .any(|a| a.starts_with("-list=") || a == "-raw");
        let (got, want) = (util::stdout(&out), case.expected());
        let same = if list {
            got == want
        } else {
            tokens(&got) == tokens(&want)
        };
        if !same {
            failures.add(&case.golden, &args, &want, &got);
        }
    }
    failures.assert_none();
}

/// -diff_base takes the base's total: leak.6 against leak.1 is 164.60kB
/// (leak.1's in-use total), where -base takes every remaining sample's
/// |value|, after samples that cancel out are merged away (309kB, less
/// than leak.1's 164.60kB plus leak.6's 389.07kB).
#[test]
fn diff_base_and_base_totals() {
    let (one, six) = (util::profile("leak.1.pb.gz"), util::profile("leak.6.pb.gz"));
    for (flag, total) in [
        ("-diff_base", "of 164.60kB total"),
        ("-base", "of 309kB total"),
    ] {
        let arg = format!("{flag}={one}");
        let out = util::run(&["top", &arg, &six]);
        assert!(
            util::stdout(&out).contains(total),
            "{flag}: {}",
            util::stdout(&out)
        );
    }
}

#[test]
fn base_and_diff_base_together_are_a_usage_error() {
    let (one, six) = (util::profile("leak.1.pb.gz"), util::profile("leak.6.pb.gz"));
    let out = util::run(&[
        "top",
        &format!("-base={one}"),
        &format!("-diff_base={one}"),
        &six,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(util::stderr(&out).contains("-base and -diff_base"));
}

#[test]
fn drop_negative_on_flame_is_a_usage_error() {
    let (one, six) = (util::profile("leak.1.pb.gz"), util::profile("leak.6.pb.gz"));
    let out = util::run(&["flame", &format!("-base={one}"), "-drop_negative", &six]);
    assert_eq!(out.status.code(), Some(2));
    assert!(util::stderr(&out).contains("-drop_negative"));
}

#[test]
fn sample_index_out_of_range_is_a_usage_error_naming_it() {
    let six = util::profile("leak.6.pb.gz");
    let out = util::run(&["top", "-sample_index=4", &six]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        util::stderr(&out).contains("sample_index 4 is outside the range [0..3]"),
        "{}",
        util::stderr(&out)
    );
}

/// `-o` on the reports that had none: the file holds what stdout would.
#[test]
fn output_file_on_every_text_report() {
    let dir = tempfile::tempdir().unwrap();
    let six = util::profile("leak.6.pb.gz");
    let one = util::profile("leak.1.pb.gz");
    let gctrace = util::testdata().join("logs/churn.gctrace.log");
    let memstats = util::testdata().join("logs/fragment.memstats.txt");
    let (gctrace, memstats) = (gctrace.to_str().unwrap(), memstats.to_str().unwrap());
    let reports: Vec<Vec<&str>> = vec![
        vec!["top", &six],
        vec!["list", "main.handleRequest", &six],
        vec!["peek", "main.handleRequest", &six],
        vec!["tags", &six],
        vec!["info", &six],
        vec!["diff", &one, &six],
        vec!["trend", &one, &six],
        vec!["gctrace", gctrace],
        vec!["memstats", memstats],
    ];
    for argv in reports {
        let path = dir.path().join("out.txt");
        let o = format!("-o={}", path.display());
        let plain = util::run(&argv);
        let mut with_o = argv.clone();
        with_o.insert(1, &o);
        let out = util::run(&with_o);
        assert!(out.status.success(), "{argv:?}: {}", util::stderr(&out));
        assert!(out.stdout.is_empty(), "{argv:?} wrote to stdout");
        assert_eq!(std::fs::read(&path).unwrap(), plain.stdout, "{argv:?}");
    }
}

/// `-o` naming the base profile is refused: it would be overwritten.
#[test]
fn output_over_the_base_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.pb.gz");
    std::fs::copy(util::profile("leak.1.pb.gz"), &base).unwrap();
    let six = util::profile("leak.6.pb.gz");
    let out = util::run(&[
        "top",
        &format!("-base={}", base.display()),
        &format!("-o={}", base.display()),
        &six,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", util::stderr(&out));
    assert_eq!(
        std::fs::read(&base).unwrap(),
        std::fs::read(util::profile("leak.1.pb.gz")).unwrap()
    );
}

/// The shell on a difference: started with -diff_base (the session's
/// profile is the difference), or with -base typed after a command; each
/// answer equals the batch command's.
#[test]
fn shell_sessions_on_a_difference() {
    let (one, six) = (util::profile("leak.1.pb.gz"), util::profile("leak.6.pb.gz"));
    let diff_base = format!("-diff_base={one}");
    let batch = util::run(&["-top", "-nodecount=3", &diff_base, "-normalize", &six]);
    let shell = util::run_with_stdin(&[&diff_base, "-normalize", &six], b"top 3\n");
    assert!(shell.status.success(), "{}", util::stderr(&shell));
    assert_eq!(util::stdout(&shell), util::stdout(&batch));

    let base = format!("-base={one}");
    let batch = util::run(&["-top", "-nodecount=3", &base, "-drop_negative", &six]);
    let line = format!("drop_negative=true\ntop {base} 3\n");
    let shell = util::run_with_stdin(&[&six], line.as_bytes());
    assert!(shell.status.success(), "{}", util::stderr(&shell));
    assert_eq!(util::stdout(&shell), util::stdout(&batch));
}
