//! heapscope against `go tool pprof`'s own outputs on the same real Go
//! profiles (testdata/golden, made by testdata/regen.sh): the text token for
//! token, and node-by-node values through `--format json`.

use serde_json::Value;

use crate::util::{self, bytes_value, manifest, top_rows, GoldenCase};

/// heapscope's `top` arguments for a pprof `-top` invocation. pprof's
/// non-interactive `-top` shows all nodes; heapscope's default is 10, as
/// pprof's interactive `top`, so the count is passed when pprof had none.
fn top_args(case: &GoldenCase, profile: &str) -> Vec<String> {
    let mut args = vec!["top".to_string()];
    args.extend(case.args.iter().filter(|a| *a != "-top").cloned());
    if !case.args.iter().any(|a| a.starts_with("-nodecount")) {
        args.push("-nodecount=0".to_string());
    }
    args.push(profile.to_string());
    args
}

fn top_cases() -> Vec<GoldenCase> {
    let cases: Vec<_> = manifest()
        .into_iter()
        .filter(|c| c.args.first().map(String::as_str) == Some("-top"))
        .collect();
    assert!(
        cases.len() >= 100,
        "manifest lists {} top goldens",
        cases.len()
    );
    cases
}

/// The text with runs of spaces collapsed: heapscope's table (comfy-table)
/// aligns each column to its widest cell, where pprof's printf widths let a
/// long percentage push the rest of its row.
fn tokens(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn top_text_equals_pprof_token_for_token() {
    let mut failures = Vec::new();
    for case in top_cases() {
        let args = top_args(&case, &util::profile(&case.profile));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = util::run(&args);
        assert!(
            out.status.success(),
            "{}: {}",
            case.golden,
            util::stderr(&out)
        );
        let got = util::stdout(&out);
        let want = case.expected();
        if tokens(&got) != tokens(&want) {
            failures.push(format!(
                "{} ({}):\n--- pprof\n{want}\n--- heapscope\n{got}",
                case.golden,
                args.join(" ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Runs `top --format=json` for each `-unit=B` case and checks every node's
/// name, flat and cum against pprof's, in pprof's order. Returns the number
/// of cases checked.
fn check_json_values(cases: &[GoldenCase], profile: &str) -> usize {
    let mut checked = 0;
    for case in cases {
        if !case.args.iter().any(|a| a == "-unit=B") {
            continue;
        }
        let mut args = top_args(case, profile);
        args.retain(|a| a != "-unit=B");
        args.insert(1, "--format=json".to_string());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = util::run(&args);
        assert!(
            out.status.success(),
            "{}: {}",
            case.golden,
            util::stderr(&out)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let nodes = doc["nodes"].as_array().unwrap();
        let want = top_rows(&case.expected());
        assert_eq!(nodes.len(), want.len(), "{}: node count", case.golden);
        let lines = case.args.iter().any(|a| a == "-lines");
        for (got, want) in nodes.iter().zip(&want) {
            let mut name = got["name"].as_str().unwrap().to_string();
            if lines {
                name = format!("{name} {}:{}", got["file"].as_str().unwrap(), got["line"]);
            }
            if let Some(mark) = got["inline"].as_str() {
                name = format!("{name} ({mark})");
            }
            assert_eq!(name, want.name, "{}", case.golden);
            let (flat, cum) = (bytes_value(&want.flat), bytes_value(&want.cum));
            assert_eq!(
                got["flat"].as_i64().unwrap(),
                flat,
                "{}: flat of {name}",
                case.golden
            );
            assert_eq!(
                got["cum"].as_i64().unwrap(),
                cum,
                "{}: cum of {name}",
                case.golden
            );
        }
        checked += 1;
    }
    checked
}

/// With `-unit=B` pprof prints exact integers; heapscope's JSON must carry
/// the same flat and cum for the same nodes in the same order.
#[test]
fn top_json_values_equal_pprof_node_by_node() {
    let cases = top_cases();
    let mut checked = 0;
    for profile in [
        "inline.pb.gz",
        "inline.pb",
        "recursion.pb.gz",
        "gotest.pb.gz",
        "server.pb.gz",
    ] {
        let of_profile: Vec<_> = cases
            .iter()
            .filter(|c| c.profile == profile)
            .cloned()
            .collect();
        checked += check_json_values(&of_profile, &util::profile(profile));
    }
    // 5 profiles × 4 sample types × 3 granularities.
    assert_eq!(checked, 60);
}

/// The big real profile shared beside the repository (`../shared`, not made
/// by this project): 300k stacks. pprof's outputs on it are committed; the
/// profile itself is too large to commit, so the test skips without it.
#[test]
fn top_json_values_equal_pprof_on_the_shared_big_profile() {
    let big = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/profiles/big.pb.gz");
    if !big.exists() {
        eprintln!("skipped: {} is not there", big.display());
        return;
    }
    let cases: Vec<_> = util::manifest_in("big")
        .into_iter()
        .filter(|c| c.args.first().map(String::as_str) == Some("-top"))
        .collect();
    assert_eq!(check_json_values(&cases, &big.to_string_lossy()), 12);
}
