//! The memory budget (`-max_size`/8) on everything decoded: a hostile
//! compressed input of many small entries of each pprof table, over a file
//! and over HTTP, ends in exit 1 naming the limit, with the child's peak
//! memory asserted; the text parsers (MemStats, gctrace, legacy) bounded
//! and linear on inputs the old code took minutes or gigabytes for.

use std::path::Path;

use crate::http::{ok as reply_ok, Server};
use crate::malformed::{gzip_repeated, run_measuring_memory, MIB};
use crate::util::{run, stderr, stdout};

/// `-max_size` for the small cases: a budget of 8 MiB.
const MAX_SIZE: u64 = 64 * MIB;

fn varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A length-delimited field.
fn field(number: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(number << 3 | 2, &mut out);
    varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

/// A varint field.
fn scalar(number: u64, value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    varint(number << 3, &mut out);
    varint(value, &mut out);
    out
}

/// `count` entries of field `number`, entry `i` (from 1) made by `entry`.
fn table(number: u64, count: u64, entry: impl Fn(u64) -> Vec<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 1..=count {
        out.extend(field(number, &entry(i)));
    }
    out
}

fn write_gz(dir: &Path, name: &str, data: &[u8], times: usize) -> String {
    let path = dir.join(name);
    std::fs::write(&path, gzip_repeated(data, times)).unwrap();
    path.to_string_lossy().into_owned()
}

fn budget_message(source: &str, what: &str, max_size: u64) -> String {
    format!(
        "heapscope: {source}: the decoded {what} pass the memory limit of {} bytes \
         (-max_size/8); raise it with -max_size=BYTES",
        max_size / 8
    )
}

/// Each table's hostile input: valid-looking entries (distinct ids where
/// the table has ids), a few bytes each, many more than the budget holds.
fn hostile_tables() -> Vec<(&'static str, Vec<u8>, usize)> {
    let id = |i| scalar(1, i);
    vec![
        ("locations", table(4, 200_000, id), 1),
        ("functions", table(5, 200_000, id), 1),
        ("mappings", table(3, 200_000, id), 1),
        // One location with 400,000 lines.
        (
            "lines",
            field(
                4,
                &[scalar(1, 1), table(4, 400_000, |_| scalar(1, 1))].concat(),
            ),
            1,
        ),
        ("strings", field(6, b"a"), 4_000_000),
        (
            "sample types",
            field(1, &[scalar(1, 1), scalar(2, 1)].concat()),
            1_000_000,
        ),
        ("comments", scalar(13, 1), 1_000_000),
        ("samples", field(2, &[]), 4_000_000),
        // One sample with a million labels.
        ("labels", field(2, &field(3, &[]).repeat(1_000_000)), 1),
        // Samples each with one label of a value of its own.
        (
            "label sets",
            table(2, 200_000, |i| field(3, &scalar(3, i))),
            1,
        ),
    ]
}

#[test]
fn every_table_is_bounded_by_the_memory_budget() {
    let dir = tempfile::tempdir().unwrap();
    let max_size = format!("-max_size={MAX_SIZE}");
    for (what, data, times) in hostile_tables() {
        let name = format!("{}.pb.gz", what.replace(' ', "-"));
        let path = write_gz(dir.path(), &name, &data, times);
        let (code, err, rss) = run_measuring_memory(&["top", &max_size, &path]);
        assert_eq!(code, Some(1), "{what}: {err}");
        assert_eq!(
            err.trim_end(),
            budget_message(&path, what, MAX_SIZE),
            "{what}"
        );
        assert!(rss < 48 * MIB, "{what}: peak RSS {rss} bytes");
    }
}

/// The headline case at the default settings: 300 million empty locations
/// in 600 KB of gzip (before, a 15 GB allocation and an abort).
#[test]
fn three_hundred_million_locations_stop_at_the_default_budget() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_gz(
        dir.path(),
        "locations.pb.gz",
        &[0x22, 0x00].repeat(1 << 16),
        4578,
    );
    let (code, err, rss) = run_measuring_memory(&["top", &path]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.trim_end(), budget_message(&path, "locations", 4 << 30));
    assert!(rss < 1024 * MIB, "peak RSS {rss} bytes");
}

#[test]
fn a_served_profile_is_held_to_the_same_budget() {
    for (what, data, times) in hostile_tables() {
        if !matches!(what, "locations" | "strings" | "label sets") {
            continue;
        }
        let body = gzip_repeated(&data, times);
        let server = Server::start(1, move || reply_ok(&body));
        let url = server.url();
        let max_size = format!("-max_size={MAX_SIZE}");
        let (code, err, rss) = run_measuring_memory(&["top", "-no_save", &max_size, &url]);
        assert_eq!(code, Some(1), "{what}: {err}");
        assert_eq!(
            err.trim_end(),
            budget_message(&url, what, MAX_SIZE),
            "{what}"
        );
        assert!(rss < 48 * MIB, "{what}: peak RSS {rss} bytes");
    }
}

/// Text held whole to be parsed counts against the budget too: 64 MiB of
/// MemStats-looking text stops at 8 MiB.
#[test]
fn text_past_the_budget_is_refused_while_it_is_inflated() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_gz(
        dir.path(),
        "memstats.txt.gz",
        &b"# Alloc = 1\n".repeat(1 << 16),
        100,
    );
    let max_size = format!("-max_size={MAX_SIZE}");
    let (code, err, rss) = run_measuring_memory(&["memstats", &max_size, &path]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        err.trim_end(),
        format!(
            "heapscope: {path}: the text passes the memory limit of {} bytes (-max_size/8); \
             raise it with -max_size=BYTES",
            MAX_SIZE / 8
        )
    );
    assert!(rss < 48 * MIB, "peak RSS {rss} bytes");
}

/// A `PauseNs` of a million entries is refused at the 257th, before it is
/// collected (before, 194 KB of gzip took 1 GB).
#[test]
fn a_pause_ring_of_a_million_entries_is_refused_without_collecting_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"# Alloc = 1\n# PauseNs = [".to_vec();
    text.extend(b"123456 ".repeat(1_000_000));
    text.extend(b"]\n");
    let path = write_gz(dir.path(), "pause.txt.gz", &text, 1);
    let (code, err, rss) = run_measuring_memory(&["memstats", &path]);
    assert_eq!(code, Some(1), "{err}");
    let value = format!("[{}123", "123456 ".repeat(8));
    assert_eq!(
        err.trim_end(),
        format!("heapscope: {path}: line 2: PauseNs = {value:?} is not a valid value")
    );
    assert!(rss < 64 * MIB, "peak RSS {rss} bytes");
}

fn gc_line(n: u64) -> String {
    format!(
        "gc {n} @{n}.000s 1%: 0.010+1.0+0.010 ms clock, 0.020+0.10/0.20/0.30+0.020 ms cpu, \
         4->5->2 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 4 P\n"
    )
}

/// Malformed lines are counted, not kept (before, 50 M of them took
/// 4.3 GB): two million of them and 100,000 cycles, every figure exact.
#[test]
fn gctrace_counts_malformed_lines_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::new();
    for n in 1..=100_000 {
        log.push_str(&gc_line(n));
    }
    let cycles = log.len();
    let path = dir.path().join("gc.log.gz");
    {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(log.as_bytes()).unwrap();
        for _ in 0..2_000_000 / 4096 {
            gz.write_all(&b"gc 7 @\n".repeat(4096)).unwrap();
        }
        gz.write_all(&b"gc 7 @\n".repeat(2_000_000 % 4096)).unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
    }
    assert!(cycles > 0);
    let path = path.to_string_lossy().into_owned();
    let (code, err, rss) = run_measuring_memory(&["gctrace", &path]);
    assert_eq!(code, Some(0), "{err}");
    assert!(rss < 192 * MIB, "peak RSS {rss} bytes");
    let out = run(&["gctrace", "--format", "json", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["malformed_count"], 2_000_000);
    let kept: Vec<u64> = (100_001..101_001).collect();
    assert_eq!(doc["malformed_lines"], serde_json::json!(kept));
    assert_eq!(doc["summary"]["cycles"], 100_000);
    let text = stdout(&run(&["gctrace", &path]));
    let first: Vec<String> = (100_001..100_021).map(|n| n.to_string()).collect();
    let skipped = format!(
        "2100000 lines: 100000 GC cycles, 0 scavenger lines, 0 other lines (the program's own \
         output); 2000000 malformed lines skipped: {}, … (2000000 in all)",
        first.join(", ")
    );
    assert!(text.contains(&skipped), "{text}");
}

/// A legacy text profile whose one row has 100,000 addresses, followed by
/// 100,000 `#` lines naming none of them and a memory map of 100,000
/// mappings, one per address. Matching each symbol line or address by a
/// scan, as before, takes minutes; indexed, a moment. Every address is in
/// its own mapping, so no fake mapping is made.
#[test]
fn legacy_symbols_and_mappings_are_matched_in_linear_time() {
    const N: u64 = 100_000;
    let mut text = String::from("heap profile: 1: 4096 [1: 4096] @ heap/1\n1: 4096 [1: 4096] @");
    let base = 0x1000_0000u64;
    for k in 0..N {
        text.push_str(&format!(" {:#x}", base + k * 0x2000 + 0x11));
    }
    text.push('\n');
    for k in 0..N {
        text.push_str(&format!(
            "#\t{:#x}\tmain.f{k}+0x1\t/src/f.go:{k}\n",
            0x10 + k
        ));
    }
    text.push_str("\n--- Memory map: ---\n");
    for k in 0..N {
        let start = base + k * 0x2000;
        text.push_str(&format!(
            "{start:x}-{:x} r-xp 00000000 00:00 0 /bin/app{}\n",
            start + 0x1000,
            k % 7
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.heap.txt");
    std::fs::write(&path, text).unwrap();
    let path = path.to_string_lossy().into_owned();
    let out = run(&["info", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let info = stdout(&out);
    assert!(info.contains("Locations: 100000\n"), "{info}");
    assert!(info.contains("Mappings:  100000\n"), "{info}");
    let out = run(&["top", "-unit=B", "-sample_index=inuse_space", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("of 4096B total"), "{}", stdout(&out));
}
