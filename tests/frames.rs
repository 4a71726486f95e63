//! The frame and value flags (`-tagroot`, `-tagleaf`, `-show_from`,
//! `-prune_from`, `-noinlines`, `-addresses`, `-mean`, `-divide_by`) beyond
//! the goldens, which compare them with pprof's reports: their refusals,
//! their notes, their extremes and the reports the goldens do not cover.

use crate::util::{profile, run, stderr, stdout};

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn usage_error(args: &[&str], message: &str) {
    let out = run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    assert_eq!(stdout(&out), "", "{args:?}");
}

#[test]
fn bad_values_are_usage_errors_naming_the_flag() {
    let inline = profile("inline.pb.gz");
    usage_error(
        &["top", "-divide_by=0", &inline],
        "-divide_by=0.0: zero divisor",
    );
    usage_error(
        &["top", "-show_from=(", &inline],
        "invalid -show_from regex",
    );
    usage_error(
        &["top", "-prune_from=(", &inline],
        "invalid -prune_from regex",
    );
    usage_error(
        &["top", "-lines", "-addresses", &inline],
        "choose one granularity",
    );
}

/// pprof applies 1/F only when it is positive and not 1: a negative or
/// infinite divisor changes nothing, a tiny one saturates, none panics.
#[test]
fn divide_by_at_its_extremes() {
    let inline = profile("inline.pb.gz");
    let plain = ok(&["top", &inline]);
    for f in ["-1", "-inf", "inf", "NaN", "1"] {
        let arg = format!("-divide_by={f}");
        assert_eq!(ok(&["top", &arg, &inline]), plain, "{arg}");
    }
    for f in ["1e-300", "1e308", "-0.0001"] {
        let arg = format!("-divide_by={f}");
        ok(&["top", &arg, &inline]);
        ok(&["peek", &arg, "main", &inline]);
        ok(&["traces", &arg, &inline]);
    }
}

#[test]
fn matching_nothing_is_a_note_as_in_pprof() {
    let inline = profile("inline.pb.gz");
    let out = run(&[
        "top",
        "-show_from=nothing_matches",
        "-tagroot=nokey",
        &inline,
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        "heapscope: TagRoot expression matched no samples\n\
         heapscope: ShowFrom expression matched no samples\n"
    );
    // Every sample is gone: nothing is shown.
    assert!(stdout(&out).contains("Showing nodes accounting for 0, 0% of 87.03kB total"));
}

/// `-tagroot=bytes` on a Go heap profile: each folded stack starts with its
/// allocation size (the `bytes` label, bare as pprof writes a label without
/// a unit), and the values are unchanged.
#[test]
fn flame_stacks_start_with_the_label_frame() {
    let inline = profile("inline.pb.gz");
    let plain = ok(&["flame", "--folded", &inline]);
    let rooted = ok(&["flame", "--folded", "-tagroot=bytes", &inline]);
    let sum = |text: &str| -> i64 {
        text.lines()
            .map(|l| l.rsplit_once(' ').unwrap().1.parse::<i64>().unwrap())
            .sum()
    };
    assert_eq!(sum(&plain), sum(&rooted));
    assert!(rooted.contains("14336;runtime.main;main.main;main.makeTable 14336\n"));
    for line in rooted.lines() {
        let root = line.split(';').next().unwrap();
        assert!(
            root.chars().all(|c| c.is_ascii_digit()) || root == "<unknown>",
            "{line}"
        );
    }
    // -show_from cuts every stack at main.main: no runtime.main left.
    let from = ok(&["flame", "--folded", r"-show_from=^main\.main$", &inline]);
    assert!(from.lines().all(|l| l.starts_with("main.main")), "{from}");
}

/// `-mean` on one node: its mean flat and cum are its bytes over its
/// objects (the first sample type), from its own `top` rows.
#[test]
fn mean_is_the_sum_over_the_first_sample_types_sum() {
    let server = profile("server.pb.gz");
    let row = |args: &[&str], name: &str| -> (i64, i64) {
        let mut all = vec!["top", "--format=json", "-nodecount=0"];
        all.extend_from_slice(args);
        all.push(&server);
        let doc: serde_json::Value = serde_json::from_str(&ok(&all)).unwrap();
        let node = doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {args:?}"))
            .clone();
        (
            node["flat"].as_i64().unwrap(),
            node["cum"].as_i64().unwrap(),
        )
    };
    let name = "main.handlePut";
    let (flat, cum) = row(&["-alloc_space"], name);
    let (objects_flat, objects_cum) = row(&["-alloc_objects"], name);
    let (mean_flat, mean_cum) = row(&["-alloc_space", "-mean"], name);
    assert_eq!(mean_flat, flat / objects_flat);
    assert_eq!(mean_cum, cum / objects_cum);
}
