//! `heapscope memstats` on the runtime.MemStats blocks of real debug=1
//! profiles: raw fields as written, derived figures as arithmetic on them,
//! findings where the numbers cross the documented thresholds.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::util::{self, profile, run, run_with_stdin, stderr, stdout};

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn json(file: &str) -> Value {
    serde_json::from_str(&ok(&["memstats", "--format=json", file])).unwrap()
}

/// The `# Name = value` lines of a file, read here by splitting, not by
/// heapscope's parser.
fn raw_fields(path: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip_while(|l| !l.contains("runtime.MemStats"))
        .filter_map(|l| {
            let l = l.trim_start_matches("# ");
            let (k, v) = l.split_once(" = ")?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

fn field(f: &BTreeMap<String, String>, name: &str) -> i64 {
    f[name].parse().unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// "a / b" fields: (in use, obtained).
fn pair(f: &BTreeMap<String, String>, name: &str) -> (i64, i64) {
    let (a, b) = f[name].split_once(" / ").unwrap();
    (a.parse().unwrap(), b.parse().unwrap())
}

fn ring(f: &BTreeMap<String, String>, name: &str) -> Vec<u64> {
    f[name]
        .trim_matches(|c| c == '[' || c == ']')
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect()
}

const PROFILES: [&str; 9] = [
    "loader.heap.txt",
    "proxy.heap.txt",
    "healthy.heap.txt",
    "fragment.heap.txt",
    "churn.heap.txt",
    "thrash.heap.txt",
    "runaway.heap.txt",
    "inline.heap.txt",
    "server.heap.txt",
];

#[test]
fn derived_figures_are_arithmetic_on_the_raw_fields() {
    for name in PROFILES {
        let path = profile(name);
        let f = raw_fields(&path);
        let doc = json(&path);
        let raw = &doc["raw"];
        let d = &doc["derived"];
        for key in [
            "Alloc",
            "TotalAlloc",
            "Sys",
            "Mallocs",
            "Frees",
            "HeapAlloc",
            "HeapSys",
            "HeapIdle",
            "HeapInuse",
            "HeapReleased",
            "HeapObjects",
            "BuckHashSys",
            "GCSys",
            "OtherSys",
            "NextGC",
            "LastGC",
            "NumGC",
            "NumForcedGC",
            "MaxRSS",
        ] {
            assert_eq!(raw[key].as_i64().unwrap(), field(&f, key), "{name}: {key}");
        }
        let (stack_inuse, stack_sys) = pair(&f, "Stack");
        assert_eq!(raw["StackInuse"], stack_inuse, "{name}");
        assert_eq!(raw["StackSys"], stack_sys, "{name}");
        let (_, mspan_sys) = pair(&f, "MSpan");
        let (_, mcache_sys) = pair(&f, "MCache");
        let fraction: f64 = f["GCCPUFraction"].parse().unwrap();
        assert!((raw["GCCPUFraction"].as_f64().unwrap() - fraction).abs() < 1e-15);

        // The runtime's own invariant: Sys is the sum of the *Sys fields.
        assert_eq!(
            field(&f, "Sys"),
            field(&f, "HeapSys")
                + stack_sys
                + mspan_sys
                + mcache_sys
                + field(&f, "BuckHashSys")
                + field(&f, "GCSys")
                + field(&f, "OtherSys"),
            "{name}"
        );
        let frag = field(&f, "HeapInuse") - field(&f, "HeapAlloc");
        assert_eq!(d["fragmentation_bytes"], frag, "{name}");
        // serde_json's default float parsing may be off in the last digit.
        let share = frag as f64 / field(&f, "HeapInuse") as f64;
        assert!((d["fragmentation_share"].as_f64().unwrap() - share).abs() < 1e-12);
        assert_eq!(
            d["idle_kept_bytes"],
            field(&f, "HeapIdle") - field(&f, "HeapReleased"),
            "{name}"
        );
        assert_eq!(
            d["non_heap_bytes"],
            field(&f, "Sys") - field(&f, "HeapSys"),
            "{name}"
        );
        assert_eq!(
            d["not_returned_bytes"],
            field(&f, "Sys") - field(&f, "HeapReleased")
        );
        assert_eq!(
            d["live_objects"],
            field(&f, "Mallocs") - field(&f, "Frees"),
            "{name}"
        );
        assert_eq!(
            d["next_gc_headroom_bytes"],
            field(&f, "NextGC") - field(&f, "HeapAlloc")
        );

        // Pauses: the last min(NumGC, 256) entries of the ring.
        let pauses = ring(&f, "PauseNs");
        let ends = ring(&f, "PauseEnd");
        let num_gc = field(&f, "NumGC") as usize;
        let recorded: Vec<(usize, u64)> = (num_gc.saturating_sub(256)..num_gc)
            .map(|k| (k + 1, pauses[k % 256]))
            .collect();
        let p = &d["pauses"];
        assert_eq!(p["count"], recorded.len(), "{name}");
        let max = recorded.iter().map(|r| r.1).max().unwrap();
        assert_eq!(p["max_ns"], max, "{name}");
        assert_eq!(p["total_ns"], recorded.iter().map(|r| r.1).sum::<u64>());
        let longest = recorded.iter().rev().find(|r| r.1 == max).unwrap().0;
        assert_eq!(p["longest_cycle"], longest, "{name}");
        assert_eq!(p["longest_end_ns"], ends[(longest - 1) % 256], "{name}");
        let mut sorted: Vec<u64> = recorded.iter().map(|r| r.1).collect();
        sorted.sort_unstable();
        // Nearest rank: the ceil(n/2)-th smallest.
        assert_eq!(
            p["median_ns"],
            sorted[sorted.len().div_ceil(2) - 1],
            "{name}"
        );

        // Findings exactly where the thresholds (README) are crossed.
        let kinds: Vec<&str> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap())
            .collect();
        let idle = field(&f, "HeapIdle") - field(&f, "HeapReleased");
        let sys = field(&f, "Sys") as f64;
        let heap_alloc = field(&f, "HeapAlloc") as f64;
        let cpu = f["GCCPUFraction"].parse::<f64>().unwrap();
        // Cycles a second by the recorded pauses' end times.
        let timed: Vec<u64> = recorded
            .iter()
            .map(|r| ends[(r.0 - 1) % 256])
            .filter(|&t| t != 0)
            .collect();
        let rate = match (timed.first(), timed.last()) {
            (Some(&a), Some(&b)) if b > a => (timed.len() - 1) as f64 / ((b - a) as f64 / 1e9),
            _ => 0.0,
        };
        if rate > 0.0 {
            assert!((d["pauses"]["cycles_per_s"].as_f64().unwrap() - rate).abs() < 1e-9);
        }
        // The history: each recorded cycle's pause beside its end time.
        let history = d["pauses"]["history"].as_array().unwrap();
        assert_eq!(history.len(), recorded.len(), "{name}");
        for (h, &(cycle, ns)) in history.iter().zip(&recorded) {
            assert_eq!(
                (h["cycle"].as_u64(), h["pause_ns"].as_u64()),
                (Some(cycle as u64), Some(ns))
            );
            let end = ends[(cycle - 1) % 256];
            assert_eq!(h["end_ns"].as_u64(), (end != 0).then_some(end), "{name}");
        }
        let churn = recorded.len() >= 20
            && rate >= 20.0
            && field(&f, "TotalAlloc") as f64 >= 50.0 * heap_alloc
            && cpu >= 0.05;
        let expect = [
            (
                "fragmentation",
                frag >= 1 << 20 && frag as f64 >= 0.25 * field(&f, "HeapInuse") as f64,
            ),
            (
                "idle_not_released",
                idle >= 16 << 20 && (idle > field(&f, "HeapInuse") || idle as f64 >= 0.2 * sys),
            ),
            (
                "goroutine_stacks",
                stack_sys >= 64 << 20 && stack_sys as f64 >= 0.10 * sys,
            ),
            ("churn", churn),
            ("gc_cpu", !churn && cpu >= 0.10),
            ("long_pauses", max >= 5_000_000),
        ];
        for (kind, fires) in expect {
            assert_eq!(kinds.contains(&kind), fires, "{name}: {kind} in {kinds:?}");
        }
    }
}

#[test]
fn the_programs_show_what_they_were_written_to_show() {
    let kinds = |name: &str| -> Vec<String> {
        json(&profile(name))["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap().to_string())
            .collect()
    };
    let fragment = kinds("fragment.heap.txt");
    assert!(
        fragment.contains(&"fragmentation".to_string()),
        "{fragment:?}"
    );
    assert!(
        fragment.contains(&"idle_not_released".to_string()),
        "{fragment:?}"
    );
    assert!(kinds("thrash.heap.txt").contains(&"gc_cpu".to_string()));
    // The stories: the proxy churns, the loader keeps the idle memory of
    // its outgrown buffers, the healthy service gets nothing.
    assert!(kinds("proxy.heap.txt").contains(&"churn".to_string()));
    assert!(kinds("loader.heap.txt").contains(&"idle_not_released".to_string()));
    assert!(kinds("healthy.heap.txt").is_empty());
    // inline: a tiny heap, one GC; nothing to flag.
    assert!(kinds("inline.heap.txt").is_empty());
}

#[test]
fn text_report_states_findings_with_their_numbers() {
    let path = profile("fragment.heap.txt");
    let f = raw_fields(&path);
    let out = ok(&["memstats", &path]);
    for needle in [
        "live heap (HeapAlloc)".to_string(),
        "idle, kept".to_string(),
        format!(
            "GC pauses (stop the world; the {} recorded in PauseNs",
            field(&f, "NumGC").min(256)
        ),
        format!(
            "(HeapInuse {} − HeapAlloc {})",
            f["HeapInuse"], f["HeapAlloc"]
        ),
        format!(
            "(HeapIdle {} − HeapReleased {})",
            f["HeapIdle"], f["HeapReleased"]
        ),
        format!(
            "live objects  {:>9}",
            field(&f, "Mallocs") - field(&f, "Frees")
        ),
    ] {
        assert!(out.contains(&needle), "missing {needle:?} in\n{out}");
    }
}

#[test]
fn a_block_pasted_without_hashes_reads_the_same() {
    let mut from_profile = json(&profile("fragment.heap.txt"));
    let pasted = util::testdata()
        .join("logs/fragment.memstats.txt")
        .to_string_lossy()
        .into_owned();
    let mut from_paste = json(&pasted);
    for doc in [&mut from_profile, &mut from_paste] {
        doc["source"] = Value::Null;
        doc["first_line"] = Value::Null;
    }
    assert_eq!(from_profile, from_paste);
    // And from stdin.
    let bytes = std::fs::read(&pasted).unwrap();
    let out = run_with_stdin(&["memstats", "-"], &bytes);
    assert!(out.status.success());
    // Line 1 is the block's title, "runtime.MemStats".
    assert!(
        stdout(&out).starts_with("runtime.MemStats of <stdin> (from line 2)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn no_memstats_block_is_an_error_naming_the_file() {
    // A protobuf profile has no MemStats block.
    let path = profile("inline.pb.gz");
    let out = run(&["memstats", &path]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("inline.pb.gz: no runtime.MemStats block"),
        "{err}"
    );
    let out = run(&["memstats", "/no/such/file"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/no/such/file: cannot open"));
}
