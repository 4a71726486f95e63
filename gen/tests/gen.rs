//! `heapscope-gen`, the synthetic profile generator of the benchmarks: what
//! it writes decodes, holds exactly what was asked for, with Go's value
//! relations, and is the same for the same seed.

use std::collections::HashSet;
use std::io::Read;
use std::process::{Command, Output, Stdio};

use heapscope::profile::Profile;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs heapscope's `args` in process (as its binary would run them) and
/// returns what the report wrote.
fn heapscope(args: &[&str]) -> anyhow::Result<String> {
    let argv = std::iter::once("heapscope").chain(args.iter().copied());
    let heapscope::cli::Action::Run(request) = heapscope::cli::parse(argv.map(Into::into))
        .map_err(|e| anyhow::anyhow!("{args:?}: bad arguments: {e}"))?
    else {
        anyhow::bail!("{args:?}: not a report");
    };
    let mut out = Vec::new();
    heapscope::run(&request, &mut out, &mut std::io::sink())?;
    Ok(String::from_utf8(out)?)
}

/// The function every generated profile holds, which the benchmark's
/// `list` and `peek` use.
const HUB: &str = "example.com/shop/internal/store.(*Tx).Query";

fn gen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heapscope-gen"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("heapscope-gen runs")
}

/// The gzipped profile written to stdout.
fn gen_ok(args: &[&str]) -> Vec<u8> {
    let out = gen(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    out.stdout
}

fn decode(gz: &[u8]) -> Profile {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut raw)
        .expect("the output is gzip");
    heapscope::input::decode(&raw).expect("the output is a pprof profile")
}

/// Go's estimate of all allocations from `count` sampled objects of `size`
/// bytes at `runtime.MemProfileRate` 524288 (`scaleHeapSample`).
fn go_scaled(count: i64, size: i64) -> (i64, i64) {
    let scale = 1.0 / (1.0 - (-(size as f64) / 524288.0).exp());
    (
        (count as f64 * scale) as i64,
        ((count * size) as f64 * scale) as i64,
    )
}

#[test]
fn a_profile_holds_what_was_asked_with_gos_types_and_value_relations() {
    let p = decode(&gen_ok(&["--samples", "2000", "--seed", "7"]));
    assert_eq!(p.samples.len(), 2000);
    let types: Vec<(&str, &str)> = p
        .sample_types
        .iter()
        .map(|t| (p.str(t.kind), p.str(t.unit)))
        .collect();
    assert_eq!(
        types,
        [
            ("alloc_objects", "count"),
            ("alloc_space", "bytes"),
            ("inuse_objects", "count"),
            ("inuse_space", "bytes")
        ]
    );
    let period = p.period_type.expect("a period type");
    assert_eq!((p.str(period.kind), p.str(period.unit)), ("space", "bytes"));
    assert_eq!(p.period, 524288);
    // Seed N is N minutes after Nov 22, 2026 at 0:00 UTC.
    assert_eq!(p.time_nanos, 1_795_305_600_000_000_000 + 7 * 60_000_000_000);
    assert_eq!(p.mappings.len(), 3);
    assert_eq!(p.main_binary(), Some("/usr/local/bin/shopd"));
    assert!(p.is_symbolized());
    assert!(p.locations.iter().all(|l| (1..=3).contains(&l.lines.len())));
    assert!(p.locations.iter().any(|l| l.lines.len() == 3));

    let mut buckets = HashSet::new();
    let mut in_use = 0;
    for i in 0..p.samples.len() {
        let v: Vec<i64> = p.samples.values(i).collect();
        let labels = p.samples.labels(i);
        assert_eq!(labels.len(), 1, "sample {i}");
        assert_eq!(p.str(labels[0].key), "bytes");
        let size = labels[0].num;
        // Every value is Go's scaling of a whole number of sampled objects
        // of the label's size: allocated ones, and at most as many in use.
        let count = (1..10_000)
            .find(|&c| go_scaled(c, size) == (v[0], v[1]))
            .unwrap_or_else(|| panic!("sample {i}: {v:?} is no count of {size}-byte objects"));
        if v[2] != 0 {
            in_use += 1;
            let inuse = (1..=count)
                .find(|&c| go_scaled(c, size) == (v[2], v[3]))
                .unwrap_or_else(|| panic!("sample {i}: in use {v:?} is no count up to {count}"));
            assert!(inuse <= count);
        }
        assert!(v[2] <= v[0] && v[3] <= v[1], "sample {i}: {v:?}");
        let stack = p.samples.stack(i);
        assert!(!stack.is_empty() && stack.len() <= 30, "sample {i}");
        // One sample per (stack, size), as Go keeps one bucket for each.
        assert!(
            buckets.insert((stack.to_vec(), size)),
            "sample {i} repeats a bucket"
        );
    }
    // The first three samples are the runtime's own, all in use; of the
    // rest, --inuse-share (0.0034 by default) are: a handful here.
    assert!((3..=30).contains(&in_use), "{in_use} samples in use");
}

#[test]
fn the_same_arguments_give_the_same_bytes_and_seeds_differ() {
    let a = gen_ok(&["--samples", "300", "--seed", "5"]);
    assert_eq!(a, gen_ok(&["--samples", "300", "--seed", "5"]));
    let b = gen_ok(&["--samples", "300", "--seed", "6"]);
    assert_ne!(a, b);
    // --scale counts in big.pb.gz's 300,000 samples.
    assert_eq!(a, gen_ok(&["--scale", "0.001", "--seed", "5"]));
}

#[test]
fn inuse_share_sets_how_many_samples_hold_objects() {
    let all = decode(&gen_ok(&["--samples", "400", "--inuse-share", "1"]));
    assert!((0..400).all(|i| all.samples.value(i, 2) > 0));
    let none = decode(&gen_ok(&["--samples", "400", "--inuse-share", "0"]));
    // Only the runtime's three background samples are in use.
    let in_use = (0..400).filter(|&i| none.samples.value(i, 2) > 0).count();
    assert_eq!(in_use, 3);
}

#[test]
fn the_hub_function_is_there_for_list_and_peek() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.pb.gz");
    let path = path.to_str().unwrap();
    let out = gen(&["--samples", "3000", "-o", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The summary line on stderr says what was written.
    assert!(
        stderr(&out).starts_with("heapscope-gen: 3000 samples, "),
        "{}",
        stderr(&out)
    );
    let regex = r"store\.\(\*Tx\)\.Query$";
    for cmd in ["list", "peek"] {
        let out = heapscope(&[cmd, regex, path]);
        let out = out.unwrap_or_else(|e| panic!("{cmd}: {e:#}"));
        assert!(out.contains(HUB), "{cmd}");
    }
}

#[test]
fn gen_refuses_bad_sizes() {
    for args in [
        &["--scale=-1"][..],
        &["--inuse-share", "2"],
        &["--scale", "nan"],
    ] {
        let out = gen(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).starts_with("heapscope-gen: "),
            "{}",
            stderr(&out)
        );
    }
}

/// `heapscope-inflate`, the benchmark's floor: the bytes it inflated, of
/// one file and of several on two threads (a file twice counts twice).
#[test]
fn inflate_counts_the_bytes_of_every_file() {
    let inflate = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_heapscope-inflate"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("heapscope-inflate runs")
    };
    let profiles = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/profiles");
    let churn = format!("{profiles}/churn.pb.gz");
    let leak = format!("{profiles}/leak.1.pb.gz");
    // `gzip -dc | wc -c`: 3741 and 12028 bytes.
    let out = inflate(&[&churn]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, b"3741\n");
    let out = inflate(&[&churn, &leak, &churn]);
    assert_eq!(out.stdout, format!("{}\n", 3741 * 2 + 12028).as_bytes());
    let out = inflate(&[&format!("{profiles}/no-such-file.gz")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no-such-file.gz"), "{}", stderr(&out));
    assert_eq!(inflate(&[]).status.code(), Some(2));
}
