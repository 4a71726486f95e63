//! `heap` and `doctor` on the stories of `testdata/` (real Go 1.25.5
//! programs, see testdata/README.md): `heap`'s four values per node equal
//! pprof's `-top -sample_index=X` (testdata/golden/story.*, made by
//! `regen.sh --goldens-only`), its size histograms pprof's `-tags`; for
//! each story `doctor` names the right cause and call sites in its first
//! finding, with shares that are the profile's own arithmetic (a node's
//! flat over pprof's total), and `gctrace` and `memstats` agree with it;
//! the healthy service gets no finding.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::util::{self, bytes_value, profile, run, stderr, stdout, testdata, top_rows};

const TYPES: [&str; 4] = [
    "inuse_space",
    "inuse_objects",
    "alloc_space",
    "alloc_objects",
];

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn golden(name: &str) -> String {
    std::fs::read_to_string(testdata().join("golden").join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn log(name: &str) -> String {
    testdata()
        .join("logs")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// pprof's `-top -unit=B` rows: name (without its inline mark) → flat.
fn golden_flats(name: &str) -> BTreeMap<String, i64> {
    top_rows(&golden(name))
        .into_iter()
        .map(|r| {
            let name = r
                .name
                .trim_end_matches(" (partial-inline)")
                .trim_end_matches(" (inline)")
                .to_string();
            (name, bytes_value(&r.flat))
        })
        .filter(|(_, v)| *v != 0)
        .collect()
}

/// pprof's total: `… of 1234B total`.
fn golden_total(name: &str) -> i64 {
    let text = golden(name);
    let line = text
        .lines()
        .find(|l| l.starts_with("Showing nodes accounting for"))
        .unwrap_or_else(|| panic!("{name}: no total"));
    let total = line
        .rsplit(" of ")
        .next()
        .unwrap()
        .trim_end_matches(" total");
    bytes_value(total)
}

/// `heap`'s rows: name → the four flats.
fn heap_rows(doc: &Value) -> BTreeMap<String, [i64; 4]> {
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let v = TYPES.map(|t| r["flat"][t].as_i64().unwrap());
            (r["name"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

/// Name → flat of the sample type in `slot`, for the rows where it is not
/// zero (pprof's -top lists only those).
fn flats_of(rows: &BTreeMap<String, [i64; 4]>, slot: usize) -> BTreeMap<String, i64> {
    rows.iter()
        .map(|(n, v)| (n.clone(), v[slot]))
        .filter(|(_, v)| *v != 0)
        .collect()
}

#[test]
fn heap_values_equal_pprof_top_for_every_type() {
    let mut checked = 0;
    for story in ["cacheleak", "sparse", "stuck", "proxy", "loader", "healthy"] {
        let path = profile(&format!("{story}.pb.gz"));
        let doc = json(&["heap", "--nodecount=0", "--format", "json", &path]);
        let rows = heap_rows(&doc);
        for (slot, t) in TYPES.iter().enumerate() {
            let name = format!("story.{story}.{t}.functions.txt");
            let want = golden_flats(&name);
            let got = flats_of(&rows, slot);
            assert_eq!(got, want, "{name}");
            assert_eq!(doc["totals"][t], golden_total(&name), "{name}");
            checked += want.len();
        }
    }
    // And the Go 1.19 profiles' goldens, by function and by line.
    for (base, file) in [("inline", "inline.pb.gz"), ("server", "server.pb.gz")] {
        for (flag, granularity) in [("-functions", "functions"), ("-lines", "lines")] {
            let doc = json(&[
                "heap",
                "--nodecount=0",
                flag,
                "--format",
                "json",
                &profile(file),
            ]);
            let rows = heap_rows(&doc);
            for (slot, t) in TYPES.iter().enumerate() {
                let name = format!("{base}.{t}.{granularity}.txt");
                let want = golden_flats(&name);
                let got = flats_of(&rows, slot);
                assert_eq!(got, want, "{name}");
                checked += want.len();
            }
        }
    }
    assert!(checked > 300, "{checked} values");
}

#[test]
fn heap_average_retention_and_kind_are_the_values_arithmetic() {
    let doc = json(&[
        "heap",
        "--nodecount=0",
        "--format",
        "json",
        &profile("proxy.pb.gz"),
    ]);
    let totals = TYPES.map(|t| doc["totals"][t].as_i64().unwrap());
    for r in doc["rows"].as_array().unwrap() {
        let f = TYPES.map(|t| r["flat"][t].as_i64().unwrap());
        if f[1] > 0 {
            assert_eq!(r["average_inuse"], f[0] / f[1]);
        }
        if f[3] > 0 {
            assert_eq!(r["average_alloc"], f[2] / f[3]);
        }
        if f[2] > 0 {
            let retention = f[0] as f64 / f[2] as f64;
            assert_eq!(r["retention"].as_f64().unwrap(), retention);
            let kind = if retention < 0.05 && f[2] as f64 >= 0.05 * totals[2] as f64 {
                "churn"
            } else if retention >= 0.5 && f[0] as f64 >= 0.05 * totals[0] as f64 {
                "holds"
            } else {
                ""
            };
            assert_eq!(r["kind"], kind, "{}", r["name"]);
        }
    }
    // The proxy's per-connection buffers: allocated 64 KiB at a time, almost
    // none kept.
    let rows = heap_rows(&doc);
    for name in ["bufio.NewWriterSize", "main.handle"] {
        let row = doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap();
        assert_eq!(row["kind"], "churn", "{name}");
        // Go's unsampling of 64 KiB blocks is an estimate: within 0.1%.
        let average = row["average_alloc"].as_i64().unwrap();
        assert!((average - 65536).abs() < 66, "{name}: {average}");
        assert!(rows[name][2] > 0);
    }
}

/// pprof's `-tags -unit=B` bytes histogram: size → weight (non-zero).
fn golden_sizes(name: &str) -> BTreeMap<i64, i64> {
    golden(name)
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let (weight, size) = l.trim().split_once(" (")?;
            let size = size.rsplit(": ").next()?;
            Some((bytes_value(size), bytes_value(weight)))
        })
        .filter(|(_, w)| *w != 0)
        .collect()
}

fn sizes_of(row: &Value, t: &str) -> BTreeMap<i64, i64> {
    row["sizes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["bytes"].as_i64().unwrap(), s[t].as_i64().unwrap()))
        .filter(|(_, w)| *w != 0)
        .collect()
}

#[test]
fn heap_size_histograms_equal_pprof_tags() {
    let doc = json(&[
        "heap",
        "--nodecount=0",
        "--format",
        "json",
        &profile("cacheleak.pb.gz"),
    ]);
    let sparse = json(&[
        "heap",
        "--nodecount=0",
        "--format",
        "json",
        &profile("sparse.pb.gz"),
    ]);
    let row = |doc: &Value, name: &str| -> Value {
        doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no row {name}"))
    };
    for t in TYPES {
        // Each sample's flat goes to one node: the nodes' histograms add up
        // to the profile's.
        let mut all: BTreeMap<i64, i64> = BTreeMap::new();
        for r in doc["rows"].as_array().unwrap() {
            for (size, w) in sizes_of(r, t) {
                *all.entry(size).or_default() += w;
            }
        }
        all.retain(|_, w| *w != 0);
        assert_eq!(
            all,
            golden_sizes(&format!("story.cacheleak.tags.{t}.txt")),
            "{t}"
        );
        // A leaf function's own histogram is pprof's -tags focused on it.
        assert_eq!(
            sizes_of(&row(&doc, "main.render"), t),
            golden_sizes(&format!("story.cacheleak.tags_render.{t}.txt")),
            "main.render {t}"
        );
        assert_eq!(
            sizes_of(&row(&sparse, "main.parseRecord"), t),
            golden_sizes(&format!("story.sparse.tags_parse.{t}.txt")),
            "main.parseRecord {t}"
        );
    }
    // The records are 208 bytes: one size class.
    let sizes = sizes_of(&row(&sparse, "main.parseRecord"), "alloc_objects");
    assert_eq!(sizes.keys().copied().collect::<Vec<_>>(), [208]);
}

#[test]
fn heap_refuses_a_profile_without_the_heap_types() {
    let path = profile("gotest.cpu.pb.gz");
    let out = run(&["heap", &path]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("gotest.cpu.pb.gz") && err.contains("not a Go heap profile"),
        "{err}"
    );
}

/// `doctor --format json` on the files.
fn doctor(files: &[String]) -> Value {
    let mut args = vec!["doctor", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    json(&args)
}

/// The story's evidence: its gctrace log, debug=1 text and protobuf.
fn evidence(story: &str) -> Vec<String> {
    vec![
        log(&format!("{story}.gctrace.log")),
        profile(&format!("{story}.heap.txt")),
        profile(&format!("{story}.pb.gz")),
    ]
}

/// A finding's sites as (function, share).
fn sites(finding: &Value) -> Vec<(String, f64)> {
    finding["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["function"].as_str().unwrap().to_string(),
                s["share"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// Shares equal up to the last bit JSON's decimal may lose.
fn assert_shares(got: &[(String, f64)], want: &[(String, f64)]) {
    assert_eq!(got.len(), want.len(), "{got:?} {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.0, w.0);
        assert!((g.1 - w.1).abs() < 1e-12, "{got:?} {want:?}");
    }
}

/// The line of a story's program that holds `text` (once).
fn source_line(story: &str, text: &str) -> i64 {
    let path = testdata().join(format!("gen/{story}/main.go"));
    let source = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<usize> = source
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(text) && !l.trim_start().starts_with("//"))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "{text} in {}: {lines:?}", path.display());
    lines[0] as i64
}

/// A node's flat over pprof's total, from the story's golden.
fn golden_share(story: &str, t: &str, function: &str) -> f64 {
    let name = format!("story.{story}.{t}.functions.txt");
    golden_flats(&name)[function] as f64 / golden_total(&name) as f64
}

fn kinds(findings: &Value) -> Vec<String> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

/// The findings `gctrace` or `memstats` gives a file.
fn reader_kinds(command: &str, file: &str) -> Vec<String> {
    let doc = json(&[command, "--format", "json", file]);
    let findings = if command == "gctrace" {
        &doc["summary"]["findings"]
    } else {
        &doc["findings"]
    };
    kinds(findings)
}

#[test]
fn doctor_loader_is_runaway_growth_at_io_readall() {
    let doc = doctor(&evidence("loader"));
    let first = &doc["findings"][0];
    assert_eq!(first["kind"], "runaway_growth");
    let s = sites(first);
    assert_eq!(s[0].0, "io.ReadAll");
    // io.ReadAll's in-use space over pprof's total in-use space.
    assert_shares(
        &s[..1],
        &[(
            s[0].0.clone(),
            golden_share("loader", "inuse_space", "io.ReadAll"),
        )],
    );
    assert!(s[0].1 > 0.9, "{s:?}");
    assert_eq!(first["sites"][0]["measure"], "inuse_space");
    assert!(first["sites"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("/io/io.go"));
    assert!(first["sites"][0]["line"].as_i64().unwrap() > 0);
    // io.ReadAll is the standard library's: the site names the program's
    // line that calls it, the story's only call, so all of its value.
    let called = &first["sites"][0]["called_from"];
    assert_eq!(called["function"], "main.load", "{called}");
    assert_eq!(called["line"], source_line("loader", "io.ReadAll("));
    assert_eq!(called["share"], 1.0);
    assert!(first["try"][0]
        .as_str()
        .unwrap()
        .contains("stream instead of reading whole"));
    // With a limit, when it is reached: gctrace's own projection.
    let mut args = vec![
        "doctor".to_string(),
        "--format".into(),
        "json".into(),
        "--limit=1GiB".into(),
    ];
    args.extend(evidence("loader"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let limited = json(&args);
    let first_limited = &limited["findings"][0];
    assert_eq!(number(first_limited, "limit_bytes"), (1u64 << 30) as f64);
    let gc = json(&[
        "gctrace",
        "--format",
        "json",
        "--limit=1GiB",
        &log("loader.gctrace.log"),
    ]);
    assert_eq!(
        number(first_limited, "limit_reached_by_live_in_s"),
        gc["summary"]["projection"]["live_reaches_limit_s"]
            .as_f64()
            .unwrap()
    );
    // gctrace agrees; memstats sees the outgrown buffers' idle memory.
    assert!(reader_kinds("gctrace", &log("loader.gctrace.log")).contains(&"runaway_growth".into()));
    let all = kinds(&doc["findings"]);
    assert!(all.contains(&"long_mark".to_string()), "{all:?}");
    assert!(all.contains(&"idle_not_released".to_string()), "{all:?}");
}

#[test]
fn doctor_proxy_is_churn_at_the_per_connection_buffers() {
    let doc = doctor(&evidence("proxy"));
    let first = &doc["findings"][0];
    assert_eq!(first["kind"], "churn");
    let s = sites(first);
    // The two 64 KiB buffers of each connection, by allocated space.
    let mut want: Vec<(String, f64)> = ["bufio.NewWriterSize", "main.handle"]
        .iter()
        .map(|f| (f.to_string(), golden_share("proxy", "alloc_space", f)))
        .collect();
    want.sort_by(|a, b| b.1.total_cmp(&a.1));
    assert_shares(&s, &want);
    // bufio's buffer is made on main.handle's line; main.handle is the
    // program's own, so it names no caller.
    for site in first["sites"].as_array().unwrap() {
        match site["function"].as_str().unwrap() {
            "bufio.NewWriterSize" => {
                let called = &site["called_from"];
                assert_eq!(called["function"], "main.handle", "{called}");
                assert_eq!(called["line"], source_line("proxy", "bufio.NewWriterSize("));
                assert_eq!(called["share"], 1.0);
            }
            _ => assert!(site["called_from"].is_null(), "{site}"),
        }
    }
    // Both readers say churn, and the finding names both as evidence.
    assert!(reader_kinds("gctrace", &log("proxy.gctrace.log")).contains(&"churn".into()));
    assert!(reader_kinds("memstats", &log("proxy.memstats.txt")).contains(&"churn".into()));
    assert_eq!(first["evidence"].as_array().unwrap().len(), 2, "{first}");
    assert!(first["try"][0].as_str().unwrap().contains("sync.Pool"));
}

#[test]
fn doctor_cacheleak_series_is_a_leak_at_main_render() {
    let mut files: Vec<String> = (1..=4)
        .map(|i| profile(&format!("cacheleak.{i}.pb.gz")))
        .collect();
    files.push(profile("cacheleak.pb.gz"));
    files.push(log("cacheleak.gctrace.log"));
    let doc = doctor(&files);
    let first = &doc["findings"][0];
    assert_eq!(first["kind"], "leak");
    let s = sites(first);
    assert_eq!(s.len(), 1, "{s:?}: only the cache leaks");
    assert_eq!(s[0].0, "main.render");
    // Its share of the last snapshot's in-use space.
    assert_shares(
        &s[..1],
        &[(
            s[0].0.clone(),
            golden_share("cacheleak", "inuse_space", "main.render"),
        )],
    );
    // Its file:line is the line of main.render holding the most, as pprof's
    // -lines shows it.
    let (line, _) = golden_flats("story.cacheleak.top_lines.txt")
        .into_iter()
        .filter(|(n, _)| n.starts_with("main.render "))
        .max_by_key(|(_, v)| *v)
        .unwrap();
    let site = &first["sites"][0];
    assert_eq!(
        line,
        format!(
            "main.render {}:{}",
            site["file"].as_str().unwrap(),
            site["line"]
        )
    );
    // The steady and the oscillating sites are no leak; trend agrees.
    let trend = json(&[
        "trend", "--format", "json", &files[0], &files[1], &files[2], &files[3], &files[4],
    ]);
    let leaks: Vec<&str> = trend["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["leak"] == true)
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(leaks, ["main.render"]);
    // The log's runaway growth is evidence of the leak, not a finding of its own.
    assert!(
        reader_kinds("gctrace", &log("cacheleak.gctrace.log")).contains(&"runaway_growth".into())
    );
    assert!(!kinds(&doc["findings"]).contains(&"runaway_growth".to_string()));
    let says: Vec<&str> = first["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["says"].as_str().unwrap())
        .collect();
    assert!(
        says[1].starts_with("gctrace says: runaway growth"),
        "{says:?}"
    );
    assert!(first["dig"][0]
        .as_str()
        .unwrap()
        .starts_with("heapscope trend "));
}

/// A finding's number by name.
fn number(finding: &Value, name: &str) -> f64 {
    finding["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == name)
        .and_then(|n| n["value"].as_f64())
        .unwrap_or_else(|| panic!("no number {name}: {finding}"))
}

/// A `Name = value` field of a pasted MemStats block.
fn memstat(file: &str, name: &str) -> u64 {
    std::fs::read_to_string(log(file))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} = ")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{file}: no {name}"))
}

#[test]
fn doctor_sparse_is_fragmentation_at_main_parse_record() {
    let doc = doctor(&evidence("sparse"));
    let first = &doc["findings"][0];
    assert_eq!(first["kind"], "fragmentation");
    let (inuse, alloc) = (
        memstat("sparse.memstats.txt", "HeapInuse"),
        memstat("sparse.memstats.txt", "HeapAlloc"),
    );
    let summary = first["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!("HeapInuse {inuse} − HeapAlloc {alloc}")),
        "{summary}"
    );
    let s = sites(first);
    assert_eq!(s[0].0, "main.parseRecord");
    assert_shares(
        &s[..1],
        &[(
            s[0].0.clone(),
            golden_share("sparse", "inuse_space", "main.parseRecord"),
        )],
    );
    assert_eq!(number(first, "heap_inuse_bytes"), inuse as f64);
    assert_eq!(number(first, "fragmentation_bytes"), (inuse - alloc) as f64);
    // It keeps about one in 16 of the records it made.
    let note = first["sites"][0]["note"].as_str().unwrap();
    assert!(note.contains("objects of 208 B"), "{note}");
    // memstats agrees; the GC log sees a flat live heap, nothing wrong.
    assert!(reader_kinds("memstats", &log("sparse.memstats.txt")).contains(&"fragmentation".into()));
    assert_eq!(
        reader_kinds("gctrace", &log("sparse.gctrace.log")),
        Vec::<String>::new()
    );
}

#[test]
fn doctor_stuck_is_goroutine_stacks() {
    let doc = doctor(&evidence("stuck"));
    let first = &doc["findings"][0];
    assert_eq!(first["kind"], "goroutine_stacks");
    let stacks = memstat("stuck.memstats.txt", "Stack");
    let summary = first["summary"].as_str().unwrap();
    assert!(summary.contains(&format!("StackSys {stacks}")), "{summary}");
    assert_eq!(number(first, "stack_sys_bytes"), stacks as f64);
    let s = sites(first);
    // What the stuck workers hold: their requests, and the goroutines.
    assert_eq!(s[0].0, "main.newRequest");
    assert_shares(
        &s[..1],
        &[(
            s[0].0.clone(),
            golden_share("stuck", "inuse_space", "main.newRequest"),
        )],
    );
    assert!(s.iter().any(|(f, _)| f == "runtime.malg"), "{s:?}");
    assert!(first["dig"].as_array().unwrap().iter().any(|d| d
        .as_str()
        .unwrap()
        .contains("/debug/pprof/goroutine?debug=1")));
    assert!(
        reader_kinds("memstats", &log("stuck.memstats.txt")).contains(&"goroutine_stacks".into())
    );
    assert_eq!(
        reader_kinds("gctrace", &log("stuck.gctrace.log")),
        Vec::<String>::new()
    );
}

#[test]
fn doctor_healthy_gets_no_finding() {
    let doc = doctor(&evidence("healthy"));
    assert_eq!(doc["findings"], serde_json::json!([]));
    assert_eq!(doc["evidence"].as_array().unwrap().len(), 3);
    assert_eq!(
        reader_kinds("gctrace", &log("healthy.gctrace.log")),
        Vec::<String>::new()
    );
    assert_eq!(
        reader_kinds("memstats", &log("healthy.memstats.txt")),
        Vec::<String>::new()
    );
    let text = stdout(&run(&[
        "doctor",
        &evidence("healthy")[0],
        &evidence("healthy")[2],
    ]));
    assert!(text.contains("\nNo findings: "), "{text}");
}

#[test]
fn doctor_reads_stdin() {
    let text = std::fs::read(log("proxy.gctrace.log")).unwrap();
    let out = util::run_with_stdin(&["doctor", "--format", "json", "-"], &text);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["evidence"][0]["source"], "<stdin>");
    assert_eq!(doc["findings"][0]["kind"], "churn");
    // Without a profile, no sites.
    assert_eq!(doc["findings"][0]["sites"], serde_json::json!([]));
}

#[test]
fn doctor_tells_each_file_by_its_content() {
    let doc = doctor(&[
        log("proxy.memstats.txt"),
        profile("proxy.heap.txt"),
        log("proxy.gctrace.log"),
        profile("proxy.pb.gz"),
    ]);
    let read_as: Vec<&str> = doc["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["read_as"].as_str().unwrap())
        .collect();
    assert_eq!(
        read_as,
        [
            "runtime.MemStats block",
            "heap profile (?debug=1 text) with its runtime.MemStats",
            "gctrace log: 172 cycles in 1 run",
            "heap profile",
        ]
    );
    // Ranked: causes first.
    let kinds = kinds(&doc["findings"]);
    assert_eq!(kinds[0], "churn");
    let rank = |k: &str| heapscope_kinds().iter().position(|x| x == k).unwrap();
    assert!(
        kinds.windows(2).all(|w| rank(&w[0]) < rank(&w[1])),
        "{kinds:?}"
    );
}

/// The documented kinds, in rank order, from the README's table.
fn heapscope_kinds() -> Vec<String> {
    let readme = std::fs::read_to_string(testdata().join("../README.md")).unwrap();
    let section = readme
        .split("## `heapscope doctor EVIDENCE...`")
        .nth(1)
        .unwrap();
    section
        .lines()
        .skip_while(|l| !l.starts_with("| kind |"))
        .skip(2)
        .take_while(|l| l.starts_with("| `"))
        .map(|l| l.split('`').nth(1).unwrap().to_string())
        .collect()
}

#[test]
fn doctor_kinds_are_the_documented_ones() {
    assert_eq!(
        heapscope_kinds(),
        heapscope::report::doctor::KINDS.map(str::to_string)
    );
}

#[test]
fn doctor_refuses_what_is_no_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "just some text\n").unwrap();
    let notes = notes.to_str().unwrap();
    let out = run(&["doctor", notes]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("notes.txt") && err.contains("neither a heap profile"),
        "{err}"
    );
    // A CPU profile is no heap evidence.
    let out = run(&["doctor", &profile("gotest.cpu.pb.gz")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a Go heap profile"),
        "{}",
        stderr(&out)
    );
    // Bytes that are no profile, and a profile past the memory budget.
    let noise = dir.path().join("noise.bin");
    std::fs::write(&noise, [0x84u8, 0x8f, 0x4c, 0xe7, 0x00, 0x11, 0x90]).unwrap();
    let out = run(&["doctor", noise.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("noise.bin: not a pprof profile"),
        "{}",
        stderr(&out)
    );
    let out = run(&["doctor", "-max_size=2000000", &profile("server.pb.gz")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("server.pb.gz: the decoded") && stderr(&out).contains("-max_size"),
        "{}",
        stderr(&out)
    );
    // Nothing to read is a usage error.
    assert_eq!(run(&["doctor"]).status.code(), Some(2));
    let out = run(&["doctor", "--limit=lots", &log("loader.gctrace.log")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("-limit=lots"));
}

/// A Go 1.5 gctrace log (five clock phases) is recognised and judged like
/// a current one: godoc building its index runs away (tests/gctrace.rs).
#[test]
fn doctor_reads_a_go_1_5_gctrace_log() {
    let path = testdata()
        .join("quoted/go1.5-godoc.gctrace.log")
        .to_string_lossy()
        .into_owned();
    let doc = doctor(&[path]);
    let kinds: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["runaway_growth", "gc_cpu"]);
}

/// `heap --format json`: `file` and `line` by line, empty by function
/// (pprof's `-functions` nodes are names only).
#[test]
fn heap_json_rows_have_a_file_and_line_by_line_only() {
    let path = profile("loader.pb.gz");
    let by_function = json(&["heap", "--format", "json", &path]);
    for row in by_function["rows"].as_array().unwrap() {
        assert_eq!(
            (row["file"].as_str(), row["line"].as_i64()),
            (Some(""), Some(0))
        );
    }
    let by_line = json(&["heap", "-lines", "--format", "json", &path]);
    let rows = by_line["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let (file, line) = (row["file"].as_str().unwrap(), row["line"].as_i64().unwrap());
        assert!(line > 0 && file.ends_with(".go"), "{row}");
        let name = row["name"].as_str().unwrap();
        assert!(name.ends_with(&format!(" {file}:{line}")), "{name}");
    }
}
