//! heapscope against `go tool pprof`'s own outputs on the same real Go
//! profiles (testdata/golden, made by testdata/regen.sh): the text byte for
//! byte, and node-by-node values through `--format json`.

use serde_json::Value;

use crate::util::{self, bytes_value, manifest, top_rows, GoldenCase};

/// heapscope's `top` arguments for a pprof `-top` invocation. pprof's
/// non-interactive `-top` shows all nodes; heapscope's default is 10, as
/// pprof's interactive `top`, so the count is passed when pprof had none.
fn top_args(case: &GoldenCase, profile: &str) -> Vec<String> {
    let mut args = vec!["top".to_string()];
    // -symbolize=none also turns off pprof's demangling, as heapscope's.
    args.extend(case.args.iter().filter(|a| *a != "-top").cloned());
    if !case.args.iter().any(|a| a.starts_with("-nodecount")) {
        args.push("-nodecount=0".to_string());
    }
    // Several profiles (merged by both tools) are listed with commas.
    args.extend(profile.split(',').map(str::to_string));
    args
}

/// The paths of a manifest's profile column (comma-separated names).
fn profiles_of(case: &GoldenCase) -> String {
    case.profile
        .split(',')
        .map(util::profile)
        .collect::<Vec<_>>()
        .join(",")
}

fn top_cases() -> Vec<GoldenCase> {
    let cases: Vec<_> = manifest()
        .into_iter()
        .filter(|c| c.args.first().map(String::as_str) == Some("-top"))
        .filter(|c| !c.args.iter().any(|a| a.starts_with("-diff_base=")))
        .collect();
    assert!(
        cases.len() >= 100,
        "manifest lists {} top goldens",
        cases.len()
    );
    cases
}

/// Every `-top` golden (but `-diff_base`'s, which `diff` reports in its own
/// words): heapscope's `top` prints pprof's bytes, printf widths and all.
#[test]
fn top_text_equals_pprof_byte_for_byte() {
    let mut failures = util::Mismatches::default();
    for case in top_cases() {
        let args = top_args(&case, &profiles_of(&case));
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
        if got != want {
            failures.add(&case.golden, &args, &want, &got);
        }
    }
    failures.assert_none();
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
    let mut merged = 0;
    for case in &cases {
        let n = check_json_values(std::slice::from_ref(case), &profiles_of(case));
        checked += n;
        if case.profile.contains(',') {
            merged += n;
        }
    }
    // 5 profiles × 4 sample types × 3 granularities, the leak snapshots,
    // and two snapshots merged (pprof sums them as heapscope does).
    assert!(checked >= 60 + 4, "{checked}");
    assert_eq!(merged, 4);
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
    let all = util::manifest_in("big");
    let cases: Vec<_> = all
        .iter()
        .filter(|c| c.args.first().map(String::as_str) == Some("-top"))
        .cloned()
        .collect();
    assert_eq!(check_json_values(&cases, &big.to_string_lossy()), 12);
    for case in &cases {
        let mut args = top_args(case, "");
        *args.last_mut().unwrap() = big.to_string_lossy().into_owned();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = util::run(&args);
        assert!(
            out.status.success(),
            "{}: {}",
            case.golden,
            util::stderr(&out)
        );
        assert_eq!(util::stdout(&out), case.expected(), "{}", case.golden);
    }

    let lists: Vec<_> = all
        .iter()
        .filter(|c| c.args[0].starts_with("-list="))
        .collect();
    assert_eq!(lists.len(), 4);
    // pprof was given a file of 20,000 blank lines as bigheap/main.go.
    let src = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(src.path().join("bigheap")).unwrap();
    std::fs::write(src.path().join("bigheap/main.go"), "\n".repeat(20_000)).unwrap();
    for case in lists {
        let mut args = symbol_args(case, "list");
        for a in args.iter_mut().filter(|a| a.starts_with("-source_path=")) {
            *a = format!("-source_path={}", src.path().display());
        }
        *args.last_mut().unwrap() = big.to_string_lossy().into_owned();
        check_list(case, args);
    }

    let peeks: Vec<_> = all
        .iter()
        .filter(|c| c.args[0].starts_with("-peek="))
        .collect();
    assert_eq!(peeks.len(), 4);
    for case in peeks {
        let mut args = symbol_args(case, "peek");
        *args.last_mut().unwrap() = big.to_string_lossy().into_owned();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = util::run(&args);
        assert!(
            out.status.success(),
            "{}: {}",
            case.golden,
            util::stderr(&out)
        );
        assert_eq!(util::stdout(&out), case.expected(), "{}", case.golden);
    }
}

/// heapscope's arguments for a pprof `-list=RE`/`-peek=RE` invocation:
/// the command and its regex first; `-source_path` pointed at this
/// checkout's testdata/gen.
fn symbol_args(case: &GoldenCase, command: &str) -> Vec<String> {
    let mut args = vec![command.to_string()];
    let prefix = format!("-{command}=");
    for a in &case.args {
        if let Some(re) = a.strip_prefix(&prefix) {
            args.insert(1, re.to_string());
        } else if a.starts_with("-source_path=") {
            args.push(format!(
                "-source_path={}",
                util::testdata().join("gen").display()
            ));
        } else {
            args.push(a.clone());
        }
    }
    args.push(util::profile(&case.profile));
    args
}

fn cases_of(command: &str) -> Vec<GoldenCase> {
    let prefix = format!("-{command}=");
    manifest()
        .into_iter()
        .filter(|c| c.args.iter().any(|a| a.starts_with(&prefix)))
        .collect()
}

/// pprof's `-peek` and heapscope's `peek` print the same blocks: header
/// lines, callers and callees with their values and shares, each node's
/// flat and cum, byte for byte (the legend's trailing tabs included).
#[test]
fn peek_text_equals_pprof_byte_for_byte() {
    let cases = cases_of("peek");
    assert_eq!(cases.len(), 31);
    let mut failures = util::Mismatches::default();
    for case in cases {
        let args = symbol_args(&case, "peek");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = util::run(&args);
        assert!(
            out.status.success(),
            "{}: {}",
            case.golden,
            util::stderr(&out)
        );
        let (got, want) = (util::stdout(&out), case.expected());
        if got != want {
            failures.add(&case.golden, &args, &want, &got);
        }
    }
    failures.assert_none();
}

/// One routine of pprof's `-list` output.
#[derive(Debug)]
struct Routine {
    name: String,
    file: String,
    flat: String,
    cum: String,
    /// (line, flat, cum) of lines with a value; "." is zero.
    lines: Vec<(i64, String, String)>,
    /// (line, source text) of every line shown.
    source: Vec<(i64, String)>,
}

fn parse_list(text: &str) -> (String, Vec<Routine>) {
    let mut total = String::new();
    let mut routines: Vec<Routine> = Vec::new();
    for line in text.lines() {
        if let Some(t) = line.strip_prefix("Total: ") {
            total = t.to_string();
        } else if let Some(rest) = line.strip_prefix("ROUTINE ======================== ") {
            let (name, file) = rest.split_once(" in ").unwrap();
            routines.push(Routine {
                name: name.to_string(),
                file: file.to_string(),
                flat: String::new(),
                cum: String::new(),
                lines: Vec::new(),
                source: Vec::new(),
            });
        } else if line.ends_with("of Total") {
            let r = routines.last_mut().unwrap();
            let mut f = line.split_whitespace();
            r.flat = f.next().unwrap().to_string();
            r.cum = f.next().unwrap().to_string();
        } else if let Some(r) = routines.last_mut() {
            // "%10s %10s %6d:%s"
            let (head, text) = line.split_at(line.find(':').unwrap());
            let mut f = head.split_whitespace();
            let (flat, cum) = (f.next().unwrap().to_string(), f.next().unwrap().to_string());
            let number: i64 = f.next().unwrap().parse().unwrap();
            r.source.push((number, text[1..].to_string()));
            if flat != "." || cum != "." {
                r.lines.push((number, flat, cum));
            }
        }
    }
    (total, routines)
}

/// pprof's `-list`: heapscope's `list` text equals it byte for byte (the
/// file path as pprof shows it, one range per function, source lines with
/// their trailing blanks); every routine's flat and cum, and every line's,
/// equal heapscope's JSON's (formatted in pprof's units); the source text
/// heapscope shows from testdata/gen equals pprof's.
#[test]
fn list_values_equal_pprof_line_by_line() {
    let cases = cases_of("list");
    assert_eq!(cases.len(), 27);
    for case in cases {
        let args = symbol_args(&case, "list");
        check_list(&case, args);
    }
}

/// Runs `list` with `args` and checks its text byte for byte, then
/// `--format=json` and every routine and line of it, against the pprof
/// `-list` golden of `case`.
fn check_list(case: &GoldenCase, mut args: Vec<String>) {
    {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = util::run(&argv);
        assert!(
            out.status.success(),
            "{}: {}",
            case.golden,
            util::stderr(&out)
        );
        assert_eq!(
            util::stdout(&out),
            case.expected(),
            "{} ({})",
            case.golden,
            argv.join(" ")
        );
    }
    {
        let (total, routines) = parse_list(&case.expected());
        let exact = case.args.iter().any(|a| a == "-unit=B");
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
        let unit = doc["unit"].as_str().unwrap().to_string();
        let fmt = |v: &Value| {
            let v = v.as_i64().unwrap();
            heapscope::units::scaled_label(v, &unit, if exact { "B" } else { "minimum" })
        };
        let dot = |v: &Value| {
            if v.as_i64() == Some(0) {
                ".".to_string()
            } else {
                fmt(v)
            }
        };
        assert_eq!(fmt(&doc["total"]), total, "{}: total", case.golden);
        let functions = doc["functions"].as_array().unwrap();
        assert_eq!(functions.len(), routines.len(), "{}: routines", case.golden);
        for (got, want) in functions.iter().zip(&routines) {
            let what = format!("{}: {}", case.golden, want.name);
            assert_eq!(got["name"], want.name.as_str(), "{what}");
            assert!(
                got["file"].as_str().unwrap().ends_with(&want.file),
                "{what}: {}",
                got["file"]
            );
            assert_eq!(
                (fmt(&got["flat"]), fmt(&got["cum"])),
                (want.flat.clone(), want.cum.clone()),
                "{what}"
            );
            let lines: Vec<(i64, String, String)> = got["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| (l["line"].as_i64().unwrap(), dot(&l["flat"]), dot(&l["cum"])))
                .collect();
            assert_eq!(lines, want.lines, "{what}: lines");
            // Source text, where heapscope found it, equals pprof's.
            for l in got["lines"].as_array().unwrap() {
                let number = l["line"].as_i64().unwrap();
                if let (Some(src), Some((_, text))) = (
                    l["source"].as_str(),
                    want.source.iter().find(|(n, _)| *n == number),
                ) {
                    assert_eq!(src, text, "{what}: source of line {number}");
                }
            }
        }
    }
}

/// pprof's `-top -diff_base=BEFORE AFTER` and heapscope's `diff BEFORE
/// AFTER`: the same nodes in the same order with the same flat and cum
/// changes (`-unit=B` goldens, exact); on the default-format goldens the
/// same printed values and names (heapscope adds a `+` to growth and keeps
/// the sign of percentages, pprof prints their absolute value).
#[test]
fn diff_equals_pprof_diff_base() {
    let cases: Vec<_> = manifest()
        .into_iter()
        .filter(|c| c.args.iter().any(|a| a.starts_with("-diff_base=")))
        .collect();
    assert_eq!(cases.len(), 36);
    let mut exact = 0;
    for case in &cases {
        let mut args = vec!["diff".to_string()];
        let mut before = String::new();
        for a in case.args.iter().filter(|a| *a != "-top") {
            match a.strip_prefix("-diff_base=") {
                Some(b) => before = util::profile(b),
                None => args.push(a.clone()),
            }
        }
        if !case.args.iter().any(|a| a.starts_with("-nodecount")) {
            args.push("-nodecount=0".to_string());
        }
        let is_exact = args.iter().any(|a| a == "-unit=B");
        if is_exact {
            args.retain(|a| a != "-unit=B");
            args.insert(1, "--format=json".to_string());
        }
        args.push(before);
        args.push(util::profile(&case.profile));
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = util::run(&argv);
        assert!(
            out.status.success(),
            "{}: {}",
            case.golden,
            util::stderr(&out)
        );
        let want = top_rows(&case.expected());
        if is_exact {
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            let nodes = doc["nodes"].as_array().unwrap();
            assert_eq!(nodes.len(), want.len(), "{}: node count", case.golden);
            let lines = case.args.iter().any(|a| a == "-lines");
            for (got, want) in nodes.iter().zip(&want) {
                let mut name = got["name"].as_str().unwrap().to_string();
                if let Some(mark) = got["inline"].as_str() {
                    name = format!("{name} ({mark})");
                }
                assert_eq!(name, want.name, "{} (lines: {lines})", case.golden);
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
            exact += 1;
        } else {
            let got = top_rows(&util::stdout(&out));
            assert_eq!(got.len(), want.len(), "{}", case.golden);
            for (g, w) in got.iter().zip(&want) {
                let name = g
                    .name
                    .trim_end_matches(" [new]")
                    .trim_end_matches(" [gone]");
                assert_eq!(
                    (
                        g.flat.trim_start_matches('+'),
                        g.cum.trim_start_matches('+'),
                        name
                    ),
                    (w.flat.as_str(), w.cum.as_str(), w.name.as_str()),
                    "{}",
                    case.golden
                );
            }
        }
    }
    // 4 pairs × 4 sample types × 2 granularities.
    assert_eq!(exact, 32);
}

/// The text report states the leak rule for the number of steps it has:
/// 3 of every 4 steps is 4 of 5, and 2 of 2.
#[test]
fn trend_states_the_leak_rule_for_its_steps() {
    let leak = |i: usize| util::profile(&format!("leak.{i}.pb.gz"));
    let rule = |snapshots: Vec<String>| {
        let mut args = vec!["trend".to_string()];
        args.extend(snapshots);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = util::run(&args);
        assert!(out.status.success(), "{}", util::stderr(&out));
        util::stdout(&out)
            .lines()
            .find(|l| l.starts_with("Likely leaks:"))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        rule((1..=6).map(leak).collect()),
        "Likely leaks: 2 (grew in at least 4 of 5 steps, by at least 1% of the last total)"
    );
    assert_eq!(
        rule((1..=3).map(leak).collect()),
        "Likely leaks: 2 (grew in at least 2 of 2 steps, by at least 1% of the last total)"
    );
}

/// `trend` over the six leak snapshots: every node's value in every
/// snapshot equals pprof's flat for that snapshot; the two leaking sites
/// are ranked first and flagged, and no steady or oscillating site is.
#[test]
fn trend_values_equal_pprof_per_snapshot_and_leaks_come_first() {
    let snapshots: Vec<String> = (1..=6)
        .map(|i| util::profile(&format!("leak.{i}.pb.gz")))
        .collect();
    // Given out of order: trend orders them by the profiles' own times.
    let mut args = vec!["trend", "--format=json", "-nodecount=0", "-inuse_space"];
    let shuffled = [3, 0, 5, 1, 4, 2];
    for i in shuffled {
        args.push(&snapshots[i]);
    }
    let out = util::run(&args);
    assert!(out.status.success(), "{}", util::stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = doc["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        snapshots.iter().map(String::as_str).collect::<Vec<_>>()
    );
    // The snapshots span 5 s: slopes are per second, the least-squares
    // slope of each value over its snapshot's seconds since the first.
    assert_eq!(doc["slope_per"], "second");
    let nanos: Vec<i64> = doc["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["time_nanos"].as_i64().unwrap())
        .collect();
    let seconds: Vec<f64> = nanos.iter().map(|t| (t - nanos[0]) as f64 / 1e9).collect();
    for node in doc["nodes"].as_array().unwrap() {
        let ys: Vec<f64> = node["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap() as f64)
            .collect();
        let n = ys.len() as f64;
        let (mx, my) = (seconds.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
        let num: f64 = seconds
            .iter()
            .zip(&ys)
            .map(|(x, y)| (x - mx) * (y - my))
            .sum();
        let den: f64 = seconds.iter().map(|x| (x - mx) * (x - mx)).sum();
        let slope = node["slope"].as_f64().unwrap();
        assert!(
            (slope - num / den).abs() <= 1e-6 * slope.abs().max(1.0),
            "{node}"
        );
    }

    for (i, _) in snapshots.iter().enumerate() {
        let golden = std::fs::read_to_string(
            util::testdata().join(format!("golden/leak.{}.inuse_space.functions.txt", i + 1)),
        )
        .unwrap();
        for row in top_rows(&golden).into_iter().filter(|r| r.flat != "0") {
            let node = doc["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| {
                    n["name"]
                        == row
                            .name
                            .trim_end_matches(" (inline)")
                            .trim_end_matches(" (partial-inline)")
                })
                .unwrap_or_else(|| panic!("{} missing", row.name));
            assert_eq!(
                node["values"][i].as_i64().unwrap(),
                bytes_value(&row.flat),
                "snapshot {}: {}",
                i + 1,
                row.name
            );
        }
    }

    let nodes = doc["nodes"].as_array().unwrap();
    let leaks: Vec<&str> = nodes
        .iter()
        .filter(|n| n["leak"] == true)
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(leaks, ["main.(*SessionStore).Add", "main.recordEvent"]);
    assert_eq!(nodes[0]["name"], "main.(*SessionStore).Add");
    assert_eq!(nodes[1]["name"], "main.recordEvent");
    // The per-snapshot values of the leak, as pprof reports them.
    assert_eq!(
        nodes[0]["values"],
        serde_json::json!([43520, 87040, 130560, 174080, 217600, 261120])
    );
    assert_eq!(nodes[0]["grew_steps"], 5);
    let batch = nodes
        .iter()
        .find(|n| n["name"] == "main.loadBatch")
        .unwrap();
    assert_eq!(
        batch["values"],
        serde_json::json!([42240, 8448, 42240, 8448, 42240, 8448])
    );
    assert_eq!(batch["leak"], false);
    for steady in [
        "main.fetchProfile",
        "main.(*LRU).Put",
        "main.NewLRU",
        "main.NewSessionStore",
    ] {
        let n = nodes.iter().find(|n| n["name"] == steady).unwrap();
        assert_eq!(n["change"], 0, "{steady}");
        assert_eq!(n["leak"], false, "{steady}");
    }
}

/// `diff` calls an alloc change "allocated during the interval" only for
/// two snapshots of one process (the same mappings and build IDs, AFTER
/// later): leak.1 and leak.6 are one process's; leak_build2 is another
/// build (another file, `[vdso]` elsewhere), server and churn other
/// programs. In-use changes are retained growth either way.
#[test]
fn diff_says_interval_only_for_one_process() {
    let change = |before: &str, after: &str, sample: &str| {
        let (b, a) = (util::profile(before), util::profile(after));
        let out = util::run(&["diff", sample, &b, &a]);
        assert!(out.status.success(), "{}", util::stderr(&out));
        let text = util::stdout(&out);
        let line = text.lines().find(|l| l.starts_with("Change: ")).unwrap();
        line.to_string()
    };
    let interval = "Change: allocated during the interval: alloc values count from process \
                    start, so the change is what was allocated between the snapshots";
    let two_runs = "Change: two runs, not snapshots of one process (their mappings or build \
                    IDs differ, or a time is missing): alloc values count from each \
                    process's start, so the change compares the two runs' totals";
    let reversed = "Change: minus what was allocated between the snapshots: AFTER was taken \
                    before BEFORE in one process, and alloc values count from its start";
    assert_eq!(
        change("leak.1.pb.gz", "leak.6.pb.gz", "-alloc_space"),
        interval
    );
    assert_eq!(
        change("leak.3.pb.gz", "leak.4.pb.gz", "-alloc_objects"),
        interval
    );
    assert_eq!(
        change("leak.6.pb.gz", "leak.1.pb.gz", "-alloc_space"),
        reversed
    );
    assert_eq!(
        change("leak.6.pb.gz", "leak_build2.pb.gz", "-alloc_space"),
        two_runs
    );
    assert_eq!(
        change("server.pb.gz", "churn.pb.gz", "-alloc_space"),
        two_runs
    );
    for (b, a) in [
        ("leak.1.pb.gz", "leak.6.pb.gz"),
        ("server.pb.gz", "churn.pb.gz"),
    ] {
        assert!(change(b, a, "-inuse_space").starts_with("Change: retained growth"));
    }
    let json = |before: &str, after: &str| {
        let (b, a) = (util::profile(before), util::profile(after));
        let out = util::run(&["diff", "--format=json", &b, &a]);
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["one_process"].clone()
    };
    assert_eq!(json("leak.1.pb.gz", "leak.6.pb.gz"), true);
    assert_eq!(json("leak.6.pb.gz", "leak_build2.pb.gz"), false);
}
