//! Profiles of the other producers (testdata/gen: Go 1.25 generics, Rust's
//! jemalloc_pprof with and without debug info, Node's @datadog/pprof,
//! Python's pypprof; google/pprof's own Java heapz and tcmalloc test data)
//! against Go 1.25.5 pprof's outputs in golden/producers, heapscope's
//! default of dropping the allocator's leaf frames, which pprof keeps, and
//! jemalloc's own dump text, which pprof does not read.

use std::collections::HashMap;

use serde_json::Value;

use crate::util::{self, bytes_value, manifest_in, top_rows, GoldenCase};

const PROFILES: [&str; 5] = [
    "generics.pb.gz",
    "jemalloc.pb.gz",
    "jemalloc_nodebug.pb.gz",
    "node.pb.gz",
    "python.pb.gz",
];

fn is_jemalloc(case: &GoldenCase) -> bool {
    case.profile.starts_with("jemalloc")
}

/// heapscope's command line for a pprof one: `-top`, `-peek=RE` and
/// `-list=RE` as the commands, `-source_path` pointed at this checkout's
/// testdata/gen, and `--keep_allocator_frames` when asked (pprof keeps
/// them).
fn args_for(case: &GoldenCase, keep: bool) -> Vec<String> {
    let mut args = Vec::new();
    let mut rest = Vec::new();
    for a in &case.args {
        if a == "-top" {
            args.push("top".to_string());
        } else if a == "-dot" {
            args.extend(["graph".to_string(), "--format=dot".to_string()]);
        } else if let Some(command @ ("traces" | "raw" | "tags")) = a.strip_prefix('-') {
            args.push(command.to_string());
        } else if let Some(re) = a.strip_prefix("-peek=") {
            args.extend(["peek".to_string(), re.to_string()]);
        } else if let Some(re) = a.strip_prefix("-list=") {
            args.extend(["list".to_string(), re.to_string()]);
        } else if a.starts_with("-source_path=") {
            rest.push(format!(
                "-source_path={}",
                util::testdata().join("gen").display()
            ));
        } else {
            rest.push(a.clone());
        }
    }
    // pprof's non-interactive -top shows every node.
    if args[0] == "top" && !case.args.iter().any(|a| a.starts_with("-nodecount")) {
        rest.push("-nodecount=0".to_string());
    }
    if keep {
        rest.push("--keep_allocator_frames".to_string());
    }
    args.extend(rest);
    args.push(util::profile(&case.profile));
    args
}

fn run_ok(args: &[String]) -> String {
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = util::run(&argv);
    assert!(
        out.status.success(),
        "{}: {}",
        args.join(" "),
        util::stderr(&out)
    );
    util::stdout(&out)
}

/// Every golden: top at functions and lines granularity for every sample
/// type, the default top, graph (DOT), traces, raw, peek, list and tags,
/// byte for byte. The jemalloc
/// profiles with --keep_allocator_frames; the others need no flag (no frame
/// of theirs is an allocator's) and are compared both ways.
#[test]
fn every_producer_equals_pprof_byte_for_byte() {
    let cases = manifest_in("producers");
    assert_eq!(cases.len(), 63);
    for p in PROFILES {
        assert!(
            cases
                .iter()
                .any(|c| c.profile == p && c.args.contains(&"-lines".to_string())),
            "{p}: no -lines golden"
        );
    }
    let mut failures = util::Mismatches::default();
    for case in &cases {
        let modes: &[bool] = if is_jemalloc(case) {
            &[true]
        } else {
            &[true, false]
        };
        for &keep in modes {
            let args = args_for(case, keep);
            let got = run_ok(&args);
            let want = util::dot_in_heapscopes_words(&case.expected());
            if got != want {
                failures.add(&case.golden, &args, &want, &got);
            }
        }
    }
    failures.assert_none();
}

/// Name → (flat, cum) of `top --format=json` with every node.
fn json_nodes(profile: &str, extra: &[&str]) -> (i64, HashMap<String, (i64, i64)>) {
    let mut args = vec![
        "top".to_string(),
        "--format=json".to_string(),
        "-nodecount=0".to_string(),
        "-nodefraction=0".to_string(),
    ];
    args.extend(extra.iter().map(ToString::to_string));
    args.push(util::profile(profile));
    let doc: Value = serde_json::from_str(&run_ok(&args)).unwrap();
    let nodes = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap().to_string(),
                (n["flat"].as_i64().unwrap(), n["cum"].as_i64().unwrap()),
            )
        })
        .collect();
    (doc["total"].as_i64().unwrap(), nodes)
}

fn info_samples(profile: &str) -> u64 {
    let info = run_ok(&["info".to_string(), util::profile(profile)]);
    info.lines()
        .find_map(|l| l.strip_prefix("Samples:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// By default the allocator's leaf frames go. Every jemalloc_pprof stack
/// starts in jemalloc's `prof_backtrace_impl` (pprof's golden: 100 % of
/// flat there), so every stack is cut and the header says how many. Cutting
/// the leaf end moves no value: the total, and the cum of every node left,
/// are pprof's; each value lands on the first frame that is not the
/// allocator's, so a node that called only the allocator gets its cum as
/// flat: `Vec::with_capacity_in` (inlined into its callers) with line
/// tables; without them (no inlined frames) `one_big`, whose 1 MiB buffer
/// (`new_buf(1 << 20)`) went straight to jemalloc.
#[test]
fn allocator_frames_are_dropped_by_default_with_pprof_numbers() {
    for (profile, leaf) in [
        ("jemalloc.pb.gz", "alloc::vec::Vec<T,A>::with_capacity_in"),
        ("jemalloc_nodebug.pb.gz", "heapscope_jemalloc_gen::one_big"),
    ] {
        let base = profile.trim_end_matches(".pb.gz");
        let golden = GoldenCase {
            golden: format!("producers/{base}.inuse_space.functions.txt"),
            profile: profile.to_string(),
            args: vec![],
        }
        .expected();
        let rows = top_rows(&golden);
        let pprof: HashMap<&str, (i64, i64)> = rows
            .iter()
            .map(|r| {
                let name = r.name.trim_end_matches(" (inline)");
                (name, (bytes_value(&r.flat), bytes_value(&r.cum)))
            })
            .collect();
        let total = pprof["prof_backtrace_impl"].0;
        assert!(golden.contains(&format!("of {total}B total")), "{base}");

        let samples = info_samples(profile);
        let info = run_ok(&["info".to_string(), util::profile(profile)]);
        assert!(
            info.contains(&format!(
                "Allocator frames: dropped from {samples} of {samples} stacks"
            )),
            "{base}:\n{info}"
        );
        let text = run_ok(&["top".to_string(), util::profile(profile)]);
        let s = if samples == 1 { "" } else { "s" };
        let line = format!(
            "Dropped allocator frames from {samples} stack{s} (--keep_allocator_frames keeps them)\n"
        );
        assert!(text.contains(&line), "{base}:\n{text}");
        let svg = run_ok(&["flame".to_string(), util::profile(profile)]);
        assert!(
            svg.contains(&format!("allocator frames dropped from {samples} stacks")),
            "{base}: the flame graph's subtitle"
        );
        let kept = run_ok(&[
            "top".to_string(),
            "--keep_allocator_frames".to_string(),
            util::profile(profile),
        ]);
        assert!(!kept.contains("Dropped allocator"), "{base}");

        let (got_total, nodes) = json_nodes(profile, &[]);
        assert_eq!(got_total, total, "{base}");
        assert_eq!(nodes.values().map(|v| v.0).sum::<i64>(), total, "{base}");
        for (name, (flat, cum)) in &nodes {
            let (_, want_cum) = pprof[name.as_str()];
            assert_eq!(*cum, want_cum, "{base}: cum of {name}");
            assert!(
                *flat == 0 || !name.contains("prof_backtrace") && !name.contains("__rust_alloc"),
                "{base}: {name} has flat"
            );
        }
        for gone in [
            "prof_backtrace_impl",
            "rjem_je_prof_backtrace",
            "__rustc::__rust_alloc",
        ] {
            assert!(!nodes.contains_key(gone), "{base}: {gone} is still there");
        }
        assert_eq!(pprof[leaf].0, 0, "{base}");
        assert_eq!(nodes[leaf], (pprof[leaf].1, pprof[leaf].1), "{base}");
        if base == "jemalloc_nodebug" {
            assert_eq!(nodes[leaf].0, 1 << 20);
        }

        // With the flag, every node is pprof's.
        let (_, kept_nodes) = json_nodes(profile, &["--keep_allocator_frames"]);
        assert_eq!(kept_nodes.len(), pprof.len(), "{base}");
        for (name, v) in &kept_nodes {
            assert_eq!(*v, pprof[name.as_str()], "{base}: {name}");
        }
    }
}

/// The other reports run on every producer's profile, in both modes.
#[test]
fn every_report_runs_on_every_producer() {
    for p in PROFILES {
        let path = util::profile(p);
        for keep in [false, true] {
            for cmd in [
                &["flame"][..],
                &["flame", "--folded"],
                &["graph"],
                &["graph", "--format=dot"],
                &["list", "."],
                &["peek", "."],
                &["info"],
                &["traces"],
                &["tags"],
                &["raw"],
                &["top", "-lines"],
                &["top", "-files"],
            ] {
                let mut args: Vec<String> = cmd.iter().map(ToString::to_string).collect();
                if keep {
                    args.push("--keep_allocator_frames".to_string());
                }
                args.push(path.clone());
                let out = run_ok(&args);
                // Only Go's and Node's profiles have labels.
                assert!(!out.is_empty() || cmd[0] == "tags", "{}", args.join(" "));
            }
        }
    }
}

/// jemalloc's own `prof.dump` text (testdata/gen/jemalloc, sampled at
/// `lg_prof_sample:12`): pprof 1.25.5 refuses it ("unrecognized profile
/// format"); heapscope reads it as pprof reads tcmalloc's `heap_v2`. Each
/// stack's `t*: objects: bytes` pair stands for 1/(1 − e^(−(bytes/objects)/4096))
/// times as much, truncated:
///
/// - `2: 32` (16-byte blocks, each recorded with probability 1 − e^(−1/256)):
///   × 256.500 → 513 objects, 8208 bytes;
/// - `55: 462652` (fill_cache's 8 KiB buffers, 8411 bytes on average):
///   × 1.14713 → 63 objects, 530724 bytes;
/// - `22: 2816` (128-byte blocks): × 32.5026 → 715 objects, 91527 bytes;
/// - `1: 1048576` (one_big's 1 MiB, always recorded): × 1 → unchanged.
///
/// No symbols are in the file, so every frame is named by its binary in the
/// memory map, as pprof names unsymbolized legacy frames.
#[test]
fn jemalloc_prof_dump_is_unsampled_as_heap_v2() {
    let path = util::profile("jemalloc.prof_dump.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    for row in [
        "  t*: 2: 32 [0: 0]",
        "  t*: 55: 462652 [0: 0]",
        "  t*: 22: 2816 [0: 0]",
    ] {
        assert!(text.lines().any(|l| l == row), "{row}");
    }
    let raw = run_ok(&["raw".to_string(), path.clone()]);
    let values: Vec<(i64, i64)> = raw
        .lines()
        .filter_map(|l| {
            let (vals, _) = l.split_once(':')?;
            let mut it = vals.split_whitespace().map(|v| v.parse::<i64>().ok());
            Some((it.next()??, it.next()??))
        })
        .collect();
    for want in [(513, 8208), (63, 530724), (715, 91527), (1, 1048576)] {
        assert!(values.contains(&want), "{want:?} not in {values:?}");
    }
    assert!(
        raw.starts_with("PeriodType: space bytes\nPeriod: 4096\n"),
        "{raw}"
    );
    assert!(
        raw.contains("inuse_objects/count inuse_space/bytes"),
        "{raw}"
    );

    let top = run_ok(&["top".to_string(), "-unit=B".to_string(), path.clone()]);
    let rows = top_rows(&top);
    let total: i64 = values.iter().map(|v| v.1).sum();
    assert_eq!(rows[0].name, "[jemalloc-gen]");
    assert_eq!(bytes_value(&rows[0].flat), total);
    assert!(
        top.starts_with("File: jemalloc-gen\nType: inuse_space\n"),
        "{top}"
    );
    assert!(rows.iter().any(|r| r.name == "[libc.so.6]"), "{top}");
    let info = run_ok(&["info".to_string(), path]);
    assert!(info.contains("Symbolized: no"), "{info}");
}

/// A jemalloc dump cut short after a stack (as when the process dies
/// mid-write) is refused with exit status 1, naming the file and the line
/// of the stack without counts; a stray line is named too.
#[test]
fn a_damaged_jemalloc_dump_names_the_file_and_line() {
    let text = std::fs::read_to_string(util::profile("jemalloc.prof_dump.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut: String = text.lines().take(4).map(|l| format!("{l}\n")).collect();
    assert!(cut.lines().nth(3).unwrap().starts_with("@ 0x"), "{cut}");
    let path = dir.path().join("cut.heap");
    std::fs::write(&path, cut).unwrap();
    let out = util::run(&["top", &path.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    let err = util::stderr(&out);
    assert!(
        err.contains(
            "cut.heap: line 4: a stack of the jemalloc heap profile without its `t*:` counts"
        ),
        "{err}"
    );
    let path = dir.path().join("stray.heap");
    std::fs::write(&path, text.replacen("  t0:", "  x0:", 1)).unwrap();
    let out = util::run(&["top", &path.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    let err = util::stderr(&out);
    assert!(err.contains("stray.heap: line "), "{err}");
    assert!(
        err.contains("in a jemalloc heap profile, found \"x0: "),
        "{err}"
    );
}
