//! `traces` and `raw` against Go 1.25's `go tool pprof -traces` and `-raw`
//! on the same real profiles (testdata/golden/, made by
//! `testdata/regen.sh --goldens-only`): byte for byte. Then what the JSON
//! form holds, `-o`, and what is refused.

use serde_json::Value;

use crate::util::{self, manifest_in, run, stderr, stdout, GoldenCase};

/// The golden cases of one pprof report flag (`-traces`, `-raw`).
fn cases(flag: &str) -> Vec<GoldenCase> {
    manifest_in("")
        .into_iter()
        .filter(|c| c.args.first().map(String::as_str) == Some(flag))
        .collect()
}

/// heapscope's arguments for a pprof invocation: the report as a command,
/// the rest as given (`-symbolize=none` only quiets pprof: heapscope never
/// looks for binaries).
fn args_of(case: &GoldenCase, command: &str) -> Vec<String> {
    let mut args = vec![command.to_string()];
    args.extend(
        case.args
            .iter()
            .skip(1)
            .filter(|a| *a != "-symbolize=none")
            .cloned(),
    );
    args.push(util::profile(&case.profile));
    args
}

fn run_case(case: &GoldenCase, command: &str) -> String {
    let args = args_of(case, command);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert!(out.status.success(), "{}: {}", case.golden, stderr(&out));
    stdout(&out)
}

fn check_exact(flag: &str, command: &str, at_least: usize) {
    let cases = cases(flag);
    assert!(cases.len() >= at_least, "{} {flag} goldens", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let got = run_case(case, command);
        let want = case.expected();
        if got != want {
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(got.lines().count().min(want.lines().count()));
            failures.push(format!(
                "{}: first difference at line {}:\n  pprof:     {:?}\n  heapscope: {:?}",
                case.golden,
                line + 1,
                want.lines().nth(line),
                got.lines().nth(line)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn traces_equal_pprof_byte_for_byte() {
    check_exact("-traces", "traces", 8);
}

#[test]
fn raw_equals_pprof_byte_for_byte() {
    check_exact("-raw", "raw", 4);
}

/// The blocks of a `-traces` output: each sample's frame lines (value
/// column and name).
fn blocks(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("-----------+") {
            out.push(Vec::new());
        } else if let Some(b) = out.last_mut() {
            if line.len() > 13 && line.as_bytes()[10] == b' ' && !line.contains(":  ") {
                b.push(line.to_string());
            }
        }
    }
    out.pop(); // after the closing separator
    out
}

#[test]
fn traces_json_holds_the_same_stacks_and_values_summing_to_the_total() {
    let case = cases("-traces")
        .into_iter()
        .find(|c| c.golden.ends_with("inline.traces_alloc_space.txt"))
        .unwrap();
    let mut args = args_of(&case, "traces");
    args.insert(1, "--format=json".to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let traces = doc["traces"].as_array().unwrap();
    let want = blocks(&case.expected());
    assert_eq!(traces.len(), want.len());
    let mut sum = 0i64;
    for (t, block) in traces.iter().zip(&want) {
        sum += t["value"].as_i64().unwrap().abs();
        let names: Vec<String> = t["frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let inline = if f["inline"] == true { " (inline)" } else { "" };
                format!("{}{inline}", f["name"].as_str().unwrap())
            })
            .collect();
        let want_names: Vec<String> = block.iter().map(|l| l[13..].to_string()).collect();
        assert_eq!(names, want_names);
        // Go heap samples carry their allocation size as `bytes`.
        let bytes = &t["num_labels"]["bytes"];
        if !bytes.is_null() {
            assert_eq!(bytes["unit"], "bytes");
        }
    }
    // Every sample is shown, so the values sum to the report's total, which
    // is pprof's: the golden -top of the same profile says so.
    assert_eq!(doc["total"].as_i64().unwrap(), sum);
    let top =
        std::fs::read_to_string(util::testdata().join("golden/inline.alloc_space.functions.txt"))
            .unwrap();
    assert!(
        top.contains(&format!("100% of {sum}B total")),
        "total {sum}:\n{top}"
    );
}

#[test]
fn traces_output_file_holds_what_stdout_would() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("traces.txt");
    let profile = util::profile("recursion.pb.gz");
    let out = run(&["traces", "-o", file.to_str().unwrap(), &profile]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let want =
        std::fs::read_to_string(util::testdata().join("golden/recursion.traces.txt")).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), want);

    let out = run(&["raw", "-o", &profile, &profile]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn several_profiles_and_unknown_sample_types_are_usage_errors() {
    let a = util::profile("leak.1.pb.gz");
    let b = util::profile("leak.2.pb.gz");
    for cmd in ["traces", "raw"] {
        let out = run(&[cmd, &a, &b]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(
            stderr(&out).contains(&format!("{cmd} reads one profile, 2 given")),
            "{}",
            stderr(&out)
        );
        let out = run(&[cmd, "-sample_index=nope", &a]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(stderr(&out).contains(&a), "{}", stderr(&out));
    }
}
