//! `heapscope gctrace` on real `GODEBUG=gctrace=1` logs (and a damaged copy
//! of one): cycle counts, peaks, pauses, the live heap's floor, allocation
//! and frequency checked against the log read here by plain splitting;
//! the verdicts on the programs written to show them (runaway, thrash,
//! churn, the loader, the proxy) and none on the healthy one.

use serde_json::Value;

use crate::util::{self, run, run_with_stdin, stderr, stdout};

fn log(name: &str) -> String {
    util::testdata()
        .join("logs")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn json(file: &str) -> Value {
    serde_json::from_str(&ok(&["gctrace", "--format=json", file])).unwrap()
}

/// A cycle as read here: number, line, time, heap at mark end, live MB,
/// stop-the-world ms, mark ms.
struct Cycle {
    number: u64,
    line: usize,
    at: f64,
    end: u64,
    live: u64,
    stw: f64,
    mark: f64,
    forced: bool,
}

/// The `gc N @…` lines of a log, split by hand; lines that do not split
/// cleanly are left out.
fn cycles(path: &str) -> Vec<Cycle> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("gc "))
        .filter_map(|(i, l)| {
            let number = l.split(' ').nth(1)?.parse().ok()?;
            let clock = l.split(": ").nth(1)?.split(' ').next()?;
            let phases: Vec<f64> = clock
                .split('+')
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?;
            let heap = l.split(" ms cpu, ").nth(1)?.split(' ').next()?;
            let sizes: Vec<u64> = heap
                .split("->")
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?;
            let at = l.split(" @").nth(1)?.split("s ").next()?.parse().ok()?;
            (phases.len() == 3 && sizes.len() == 3 && l.contains(" MB goal")).then(|| Cycle {
                number,
                line: i + 1,
                at,
                end: sizes[1],
                live: sizes[2],
                stw: phases[0] + phases[2],
                mark: phases[1],
                forced: l.ends_with("(forced)"),
            })
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn check_against_log(name: &str, doc: &Value) {
    let path = log(name);
    let c = cycles(&path);
    let s = &doc["summary"];
    assert_eq!(s["cycles"], c.len(), "{name}");
    assert_eq!(doc["cycles"].as_array().unwrap().len(), c.len());
    assert_eq!(s["first_cycle"], c[0].number);
    assert_eq!(s["last_cycle"], c[c.len() - 1].number);
    let peak = c.iter().map(|c| c.live).max().unwrap();
    let peak_cycle = c.iter().find(|c| c.live == peak).unwrap().number;
    assert_eq!(s["live_mb"]["peak"], peak, "{name}");
    assert_eq!(s["live_mb"]["peak_cycle"], peak_cycle, "{name}");
    assert_eq!(
        s["live_growth_mb"],
        c[c.len() - 1].live as i64 - c[0].live as i64
    );
    let total: f64 = c.iter().map(|c| c.stw).sum();
    assert!(close(s["total_stw_ms"].as_f64().unwrap(), total), "{name}");
    let max = c.iter().map(|c| c.stw).fold(0.0, f64::max);
    let longest = &s["longest_pauses"][0];
    assert!(close(longest["stw_ms"].as_f64().unwrap(), max), "{name}");
    let max_cycle = c.iter().find(|c| c.stw == max).unwrap().number;
    assert_eq!(longest["cycle"], max_cycle, "{name}");
    let forced: Vec<u64> = c.iter().filter(|c| c.forced).map(|c| c.number).collect();
    assert_eq!(s["forced_cycles"], serde_json::json!(forced), "{name}");
    // Allocation: each cycle's heap at mark end less the live heap the
    // cycle before left.
    let allocated: u64 = c
        .windows(2)
        .map(|w| w[1].end.saturating_sub(w[0].live))
        .sum();
    assert_eq!(s["allocated_mb"], allocated, "{name}");
    let span = c[c.len() - 1].at - c[0].at;
    let unforced = c.iter().filter(|c| !c.forced).count();
    assert!(close(
        s["cycles_per_s"].as_f64().unwrap(),
        (unforced - 1) as f64 / span
    ));
    let longest_mark = c.iter().map(|c| c.mark).fold(0.0, f64::max);
    assert!(close(
        s["longest_mark"]["mark_ms"].as_f64().unwrap(),
        longest_mark
    ));
    // The floor: the lowest live heap from the first cycle on, and from the
    // first cycle of the last quarter of the run's time on.
    let quarter = c
        .iter()
        .position(|x| x.at >= c[0].at + span * 0.75)
        .unwrap();
    let floor = |from: usize| c[from..].iter().map(|c| c.live).min().unwrap();
    assert_eq!(s["growth"]["floor_start_mb"], floor(0), "{name}");
    assert_eq!(s["growth"]["floor_end_mb"], floor(quarter), "{name}");
}

fn kinds(doc: &Value) -> Vec<String> {
    doc["summary"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn churn_log_cycles_peak_and_pauses() {
    let doc = json(&log("churn.gctrace.log"));
    check_against_log("churn.gctrace.log", &doc);
    assert_eq!(doc["malformed_lines"], serde_json::json!([]));
    let text = std::fs::read_to_string(log("churn.gctrace.log")).unwrap();
    let program_lines = text.lines().filter(|l| l.starts_with("churn: ")).count();
    assert_eq!(doc["other_lines"], program_lines);
    let scav = text.lines().filter(|l| l.starts_with("scav ")).count();
    assert_eq!(doc["scavenger"]["lines"], scav);
    // A steady live heap, but 156 cycles in 1.98 s, each reclaiming half
    // the heap: churn (until the cycles and allocation were counted, this
    // log had no finding).
    assert_eq!(kinds(&doc), ["churn"]);
}

/// A copy of churn's log with cycle 40's line cut short and cycle 80's
/// garbled (testdata/README.md): both are listed by line number, the other
/// cycles read as in the intact log.
#[test]
fn damaged_lines_are_skipped_listed_and_never_fatal() {
    let intact = cycles(&log("churn.gctrace.log"));
    let damaged_doc = json(&log("churn.damaged.gctrace.log"));
    check_against_log("churn.damaged.gctrace.log", &damaged_doc);
    let lost: Vec<&Cycle> = intact
        .iter()
        .filter(|c| c.number == 40 || c.number == 80)
        .collect();
    assert_eq!(
        damaged_doc["malformed_lines"],
        serde_json::json!(lost.iter().map(|c| c.line).collect::<Vec<_>>())
    );
    let s = &damaged_doc["summary"];
    assert_eq!(s["cycles"], intact.len() - 2);
    assert_eq!(s["missing_cycles"], serde_json::json!([40, 80]));
    let total: f64 =
        intact.iter().map(|c| c.stw).sum::<f64>() - lost.iter().map(|c| c.stw).sum::<f64>();
    assert!(close(s["total_stw_ms"].as_f64().unwrap(), total));

    let out = ok(&["gctrace", &log("churn.damaged.gctrace.log")]);
    let lines = format!(
        "2 malformed lines skipped: {}, {}",
        lost[0].line, lost[1].line
    );
    assert!(out.contains(&lines), "{out}");
    assert!(out.contains("no line for cycles 40, 80"), "{out}");
}

#[test]
fn runaway_growth_is_flagged() {
    let doc = json(&log("runaway.gctrace.log"));
    check_against_log("runaway.gctrace.log", &doc);
    assert_eq!(kinds(&doc), ["runaway_growth"]);
    let g = &doc["summary"]["growth"];
    let msg = doc["summary"]["findings"][0]["message"].as_str().unwrap();
    let needle = format!(
        "rose from {} MB to {} MB",
        g["floor_start_mb"], g["floor_end_mb"]
    );
    assert!(msg.contains(&needle), "{msg}");
}

/// The loader reads a 96 MiB value whole into a growing buffer: the floor
/// of its live heap rises to the end (the sawtooth drops once, at the
/// buffer's regrowth, which step counting stumbled on), and its marks grow
/// long with the heap.
#[test]
fn the_loader_runs_away() {
    let name = "loader.gctrace.log";
    let doc = json(&log(name));
    check_against_log(name, &doc);
    assert_eq!(kinds(&doc), ["runaway_growth", "long_mark"]);
    let c = cycles(&log(name));
    let last = &c[c.len() - 1];
    let msg = doc["summary"]["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("ending at {} MB (gc {})", last.live, last.number)),
        "{msg}"
    );
    // The live heap falls somewhere on the way: not a staircase.
    assert!(c.windows(2).any(|w| w[1].live < w[0].live));
    // With a limit: when the goal (goal ÷ live of the last cycle, times the
    // live heap) reaches it, at the later half's rate.
    let doc: Value = serde_json::from_str(&ok(&[
        "gctrace",
        "--format=json",
        "-limit=16GiB",
        &log(name),
    ]))
    .unwrap();
    let s = &doc["summary"];
    let rate = s["growth"]["late_rate_mb_per_s"].as_f64().unwrap();
    let ratio = s["growth"]["goal_ratio"].as_f64().unwrap();
    let p = &s["projection"];
    assert_eq!(p["limit_bytes"], 16u64 << 30);
    let live = last.live as f64;
    assert!(close(
        p["live_reaches_limit_s"].as_f64().unwrap(),
        (16384.0 - live) / rate
    ));
    assert!(close(
        p["goal_reaches_limit_s"].as_f64().unwrap(),
        (16384.0 / ratio - live) / rate
    ));
    let text = ok(&["gctrace", "-limit=16GiB", &log(name)]);
    assert!(
        text.contains("reaches the limit of 16 GB in about"),
        "{text}"
    );
    // A limit that is not a size is a usage error naming the flag.
    let out = run(&["gctrace", "-limit=lots", &log(name)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("-limit=lots is not a size"),
        "{}",
        stderr(&out)
    );
}

/// The proxy allocates fresh 64 KiB buffers per connection: the GC runs
/// dozens of times a second over a flat live heap of a few MB.
#[test]
fn the_proxy_churns() {
    let name = "proxy.gctrace.log";
    let doc = json(&log(name));
    check_against_log(name, &doc);
    assert_eq!(kinds(&doc), ["churn"]);
    let s = &doc["summary"];
    assert!(s["cycles_per_s"].as_f64().unwrap() >= 20.0);
    let ratio = s["allocated_mb"].as_f64().unwrap() / s["median_live_mb"].as_f64().unwrap();
    assert!(ratio >= 100.0, "{ratio}");
    let msg = s["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains(&format!("{ratio:.0}× its live heap")), "{msg}");
}

/// The healthy service: a flat 16 MB live heap after warming up, a few
/// cycles a second, no finding.
#[test]
fn the_healthy_service_gets_no_finding() {
    let name = "healthy.gctrace.log";
    let doc = json(&log(name));
    check_against_log(name, &doc);
    assert_eq!(kinds(&doc), Vec::<String>::new());
    // Its floor rose while the cache filled (more than doubled), but the
    // later half is flat: warming up is not running away.
    let g = &doc["summary"]["growth"];
    assert!(g["factor"].as_f64().unwrap() >= 2.0);
    assert!(g["late_rise_mb"].as_f64().unwrap().abs() < 4.0);
    let text = ok(&["gctrace", &log(name)]);
    assert!(text.contains("Findings: none"), "{text}");
}

#[test]
fn gc_thrash_is_flagged() {
    let doc = json(&log("thrash.gctrace.log"));
    check_against_log("thrash.gctrace.log", &doc);
    assert_eq!(kinds(&doc), ["gc_thrash"]);
    assert!(doc["summary"]["median_reclaimed_share"].as_f64().unwrap() < 0.15);
    assert!(doc["summary"]["median_interval_ms"].as_f64().unwrap() < 100.0);
}

#[test]
fn svg_chart_has_the_three_lines_and_a_dot_per_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("gc.svg");
    let svg_arg = format!("--svg={}", svg.display());
    let text = ok(&["gctrace", &svg_arg, &log("churn.gctrace.log")]);
    assert!(text.starts_with("GC trace: "));
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(chart.trim_end().ends_with("</svg>"));
    assert_eq!(chart.matches("<polyline").count(), 3);
    for name in ["goal", "heap at GC start", "live heap"] {
        assert!(chart.contains(&format!(">{name}</text>")), "legend {name}");
    }
    let n = cycles(&log("churn.gctrace.log")).len();
    assert_eq!(chart.matches("<circle").count(), n);
    assert!(chart.contains("(forced)"));
    // A path that cannot be written is an error naming it.
    let out = run(&[
        "gctrace",
        "--svg=/no/such/dir/gc.svg",
        &log("churn.gctrace.log"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot write the chart to /no/such/dir/gc.svg"));
}

#[test]
fn logs_on_stdin_and_logs_without_cycles() {
    let bytes = std::fs::read(log("thrash.gctrace.log")).unwrap();
    let out = run_with_stdin(&["gctrace", "-"], &bytes);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("GC trace: <stdin>\n"));
    // Not a GC log at all: a report saying so, not an error.
    let pb = std::fs::read(util::profile("inline.pb.gz")).unwrap();
    let out = run_with_stdin(&["gctrace"], &pb);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("No GC cycles"), "{}", stdout(&out));
    assert!(!stderr(&out).contains("panicked"));
}

// Go 1.5 and 1.6 logs, quoted from public sources (testdata/README.md):
// five clock phases and seven CPU times a line, folded onto the three
// phases of later Go (scan and synchronize Ps are concurrent: marking).

fn quoted(name: &str) -> String {
    util::testdata()
        .join("quoted")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A Go 1.5 cycle as read here: time, P%, Ps, the five clock phases and
/// the seven CPU times (assist, background and idle as three).
struct Early {
    number: u64,
    at: f64,
    percent: u64,
    procs: f64,
    clock: Vec<f64>,
    cpu: Vec<f64>,
}

fn early_cycles(path: &str) -> Vec<Early> {
    let text = std::fs::read_to_string(path).unwrap();
    let floats =
        |s: &str, sep: &[char]| -> Vec<f64> { s.split(sep).map(|p| p.parse().unwrap()).collect() };
    text.lines()
        .map(|l| {
            let (head, rest) = l.split_once(": ").unwrap();
            let (clock, rest) = rest.split_once(" ms clock, ").unwrap();
            let (cpu, _) = rest.split_once(" ms cpu, ").unwrap();
            let words: Vec<&str> = head.split(' ').collect();
            let procs = l.split(" MB goal, ").nth(1).unwrap().split(' ').next();
            Early {
                number: words[1].parse().unwrap(),
                at: words[2][1..words[2].len() - 1].parse().unwrap(),
                percent: words[3].trim_end_matches('%').parse().unwrap(),
                procs: procs.unwrap().parse().unwrap(),
                clock: floats(clock, &['+']),
                cpu: floats(cpu, &['+', '/']),
            }
        })
        .collect()
}

/// The GC CPU the runtime counts for P% (Go 1.5's gcMarkTermination:
/// sweep termination, scan, synchronize Ps, assists, background marking
/// and mark termination; idle marking left out).
fn early_gc_cpu(c: &Early) -> f64 {
    c.cpu[0] + c.cpu[1] + c.cpu[2] + c.cpu[3] + c.cpu[4] + c.cpu[6]
}

/// godoc building its search index under Go 1.5, as gcvis's example log
/// (davecheney/gcvis, examples/go15_stderr.log, made by
/// examples/godoc.sh): the index only grows while it is built, so the
/// live heap's floor rises (1 → 38 MB, still rising when the log ends),
/// and the GC takes a tenth of the CPU.
#[test]
fn go_1_5_godoc_runs_away_at_a_tenth_of_the_cpu() {
    let path = quoted("go1.5-godoc.gctrace.log");
    let c = early_cycles(&path);
    let doc = json(&path);
    assert_eq!(doc["malformed_count"], 0);
    assert_eq!(kinds(&doc), ["runaway_growth", "gc_cpu"]);
    let s = &doc["summary"];
    assert_eq!(s["cycles"], 130);
    assert_eq!(s["growth"]["floor_start_mb"], 1);
    assert_eq!(s["growth"]["floor_end_mb"], 38);
    // The log starts at gc 1: all the GC's CPU since the start over the
    // CPU the 4 Ps offered until the last cycle is the runtime's own P%
    // of that cycle (10%), truncated — only with the scan phase's CPU in
    // it (without, 4.7%).
    let last = &c[c.len() - 1];
    let all: f64 = c.iter().map(early_gc_cpu).sum();
    let since_start = all / (last.at * 1000.0 * last.procs);
    assert_eq!((since_start * 100.0) as u64, last.percent);
    assert_eq!(last.percent, 10);
    let scan: f64 = c.iter().map(|c| c.cpu[1]).sum();
    assert!((all - scan) / (last.at * 4000.0) < 0.05);
    // heapscope's share runs from the first cycle to the last, the first
    // cycle's own CPU left out.
    let share = (all - early_gc_cpu(&c[0])) / ((last.at - c[0].at) * 4000.0);
    assert!(close(s["gc_cpu_share"].as_f64().unwrap(), share));
    assert!(share >= 0.10);
    // Stop-the-world: sweep termination + mark termination; marking:
    // scan + synchronize Ps + mark.
    let stw: f64 = c.iter().map(|c| c.clock[0] + c.clock[4]).sum();
    assert!(close(s["total_stw_ms"].as_f64().unwrap(), stw));
    let mark: f64 = c.iter().map(|c| c.clock[1] + c.clock[2] + c.clock[3]).sum();
    assert!(close(s["total_mark_ms"].as_f64().unwrap(), mark));
    let first = &doc["cycles"][0];
    assert_eq!(first["early_phases"]["scan_ms"], 2.3);
    assert_eq!(first["early_phases"]["synchronize_ps_ms"], 0.074);
}

/// A program on 8 Ps under Go 1.5, quoted in golang/go#15068 ("runtime:
/// efficiency of collection 1.5.3 vs 1.6", the "1.5" log): cycles 60 ms
/// apart, each ending with nearly all the heap marked live (1.8%
/// reclaimed, median), at 28% of the CPU — thrash; and cycle 554 marked
/// for 107 ms (72 ms of it the concurrent root scan), though no pause
/// passed 18.2 ms.
#[test]
fn go_1_5_back_to_back_cycles_are_thrash_with_a_long_mark() {
    let path = quoted("go1.5-thrash.gctrace.log");
    let c = early_cycles(&path);
    let doc = json(&path);
    assert_eq!(kinds(&doc), ["gc_thrash", "long_mark"]);
    let s = &doc["summary"];
    assert_eq!(s["forced_cycles"], serde_json::json!([553]));
    let gc554 = c.iter().find(|c| c.number == 554).unwrap();
    let mark = gc554.clock[1] + gc554.clock[2] + gc554.clock[3];
    assert_eq!(mark, 107.0);
    assert_eq!(s["longest_mark"]["cycle"], 554);
    assert!(close(s["longest_mark"]["mark_ms"].as_f64().unwrap(), mark));
    assert!(close(
        s["longest_pauses"][0]["stw_ms"].as_f64().unwrap(),
        gc554.clock[0] + gc554.clock[4]
    ));
    let msg = s["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("every 60.0 ms (median) and each reclaims only 1.8%"),
        "{msg}"
    );
    let last = &c[c.len() - 1];
    let cpu: f64 = c[1..].iter().map(early_gc_cpu).sum();
    let share = cpu / ((last.at - c[0].at) * 1000.0 * last.procs);
    assert!(close(s["gc_cpu_share"].as_f64().unwrap(), share));
    assert!((share - 0.284).abs() < 0.001, "{share}");
}

/// An HTTPS proxy on 32 Ps under Go 1.5.3 calling runtime.GC() every
/// second, quoted in golang/go#15068 (its first log): a live heap of
/// 29–97 MB, about 1% of the CPU in GC, marks of at most 12 ms — nothing
/// to flag; the forced cycle, all of it with the world stopped, is listed.
#[test]
fn go_1_5_3_proxy_gets_no_finding() {
    let path = quoted("go1.5.3-proxy.gctrace.log");
    let doc = json(&path);
    assert_eq!(kinds(&doc), Vec::<String>::new());
    let s = &doc["summary"];
    assert_eq!(s["forced_cycles"], serde_json::json!([59]));
    assert!(s["gc_cpu_share"].as_f64().unwrap() < 0.02);
    let text = ok(&["gctrace", &path]);
    assert!(text.contains("Findings: none"), "{text}");
    assert!(text.contains("forced: 59"), "{text}");
}
