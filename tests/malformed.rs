//! Bad input (issue 10): every malformed file under `testdata/bad/` ends in
//! exit status 1 with a message that names the file and the problem, never
//! a panic; the extreme but valid ones (a 100,000-frame stack, recursion, a
//! profile split over gzip members) give exact reports; gzip bombs stop at
//! the size limit without using more memory than it. The files are made by
//! `testdata/bad/make.py`; fuzz findings are added here as they are fixed.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use prost::Message;

use crate::util::{heapscope, run, stderr, stdout, testdata, top_rows, TopRow};

fn bad(name: &str) -> String {
    testdata()
        .join("bad")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// One malformed input: the file, the command run on it (`FILE` stands for
/// the file's path) and what the message must say after the file's name.
struct Case {
    file: &'static str,
    args: &'static [&'static str],
    message: &'static str,
}

const fn case(file: &'static str, message: &'static str) -> Case {
    Case {
        file,
        args: &["top", "FILE"],
        message,
    }
}

const OVERFLOW: &str = "sample values are too large: their sum overflows a 64-bit integer";

const CASES: &[Case] = &[
    case("empty.pb", "the file is empty, not a profile"),
    case("truncated.pb.gz", "gzip data is truncated"),
    case(
        "corrupt-deflate.pb.gz",
        "cannot decompress gzip data: corrupt deflate stream",
    ),
    case(
        "gzip-of-garbage.pb.gz",
        "not a pprof profile or a known text form: it begins with \"\\r\\xb4`\\x0c",
    ),
    // A multi-member gzip is read whole, as Go reads one: two profiles
    // concatenated become one protobuf whose tables collide.
    case("two-profiles.pb.gz", "two mappings share the id 1"),
    case(
        "trailing-garbage.pb.gz",
        "cannot decompress gzip data: invalid gzip header",
    ),
    case(
        "garbage.bin",
        "not a pprof profile or a known text form: it begins with \"\\x07`\\xb9\\x12k",
    ),
    case(
        "wire-type.pb",
        "not a valid pprof profile: field sample has wire type 0 at byte 211",
    ),
    case(
        "wire-type-nested.pb",
        "invalid function at byte 212: failed to decode Protobuf message: Function.name: \
         invalid wire type: LengthDelimited (expected Varint)",
    ),
    // Before the fix, debug builds: "attempt to add with overflow".
    case(
        "length-huge.pb",
        "the field at byte 0 claims 18446744073709551615 bytes, more than fits in the \
         memory limit",
    ),
    case(
        "location-id.pb",
        "sample 0 refers to location id 99, which is not defined",
    ),
    case(
        "function-id.pb",
        "location 2 refers to function id 77, which is not defined",
    ),
    case(
        "mapping-id.pb",
        "location 1 refers to mapping id 9, which is not defined",
    ),
    case(
        "string-id.pb",
        "function 2 refers to string 500, but the string table has 9 entries",
    ),
    case(
        "string-id-negative.pb",
        "sample type 1 refers to string -1, but the string table has 9 entries",
    ),
    case(
        "string-zero.pb",
        "invalid string table: entry 0 must be \"\" but is \"x\"",
    ),
    case(
        "values-fewer.pb",
        "sample 1 has 1 values but the profile has 2 sample types",
    ),
    case(
        "values-more.pb",
        "sample 1 has 3 values but the profile has 2 sample types",
    ),
    // Before the fix: "memory allocation of 80000000000 bytes failed".
    case(
        "values-reserve.pb.gz",
        "sample 0 has 0 values but the profile has 100000 sample types",
    ),
    case("overflow-max.pb", OVERFLOW),
    case("overflow-negative.pb", OVERFLOW),
    case("overflow-min.pb", OVERFLOW),
    case(
        "legacy-period0.heap.txt",
        "text heap profile header: `heap profile: 1: 1024 [1: 1024] @ heap/0` gives a \
         sampling period of 0",
    ),
    case(
        "legacy-zero-count.heap.txt",
        "line 2: inuse count is 0 but inuse bytes is 1024",
    ),
];

/// Every report on profiles whose sums overflow: an error, never a wrapped
/// number (nor, in these debug builds, an arithmetic panic).
const OVERFLOW_COMMANDS: &[&[&str]] = &[
    &["top", "-lines", "FILE"],
    &["top", "--format", "json", "FILE"],
    &["peek", ".", "FILE"],
    &["tags", "FILE"],
    &["list", ".", "FILE"],
    &["flame", "FILE"],
    &["flame", "--folded", "FILE"],
    &["graph", "FILE"],
    &["graph", "--format", "dot", "FILE"],
    &["diff", "FILE", "FILE"],
    &["trend", "FILE", "FILE"],
    &["flame", "--base", "FILE", "FILE"],
    &["traces", "FILE"],
    &["raw", "FILE"],
];

fn args_for<'a>(args: &[&'a str], path: &'a str) -> Vec<&'a str> {
    args.iter()
        .map(|&a| if a == "FILE" { path } else { a })
        .collect()
}

/// Runs one case; `None` when it ends as it should, else what went wrong.
fn check(file: &str, args: &[&str], message: &str) -> Option<String> {
    let path = bad(file);
    let args = args_for(args, &path);
    let out = run(&args);
    let err = stderr(&out);
    // Commands of two profiles name both ("A vs B: ...").
    let want = format!("{path}: {message}");
    let mut problems = Vec::new();
    if out.status.code() != Some(1) {
        problems.push(format!("exit status {:?}", out.status.code()));
    }
    if !err.starts_with("heapscope: ") || !err.contains(&want) {
        problems.push(format!("stderr lacks {want:?}"));
    }
    if err.contains("panicked") {
        problems.push("it panicked".to_string());
    }
    (!problems.is_empty()).then(|| format!("{args:?}: {}\n{err}", problems.join(", ")))
}

#[test]
fn malformed_inputs_exit_1_naming_the_file_and_the_problem() {
    let mut failures = Vec::new();
    for c in CASES {
        failures.extend(check(c.file, c.args, c.message));
    }
    for file in ["overflow-max.pb", "overflow-negative.pb", "overflow-min.pb"] {
        for args in OVERFLOW_COMMANDS {
            failures.extend(check(file, args, OVERFLOW));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sums_across_profiles_that_overflow_are_errors() {
    // Each total fits; AFTER's plus BEFORE's does not.
    let path = bad("overflow-half.pb");
    let mut failures = Vec::new();
    for args in [
        &["diff", "FILE", "FILE"][..],
        &["trend", "FILE", "FILE"],
        &["top", "FILE", "FILE"],
        &["flame", "--base", "FILE", "FILE"],
    ] {
        let name = if args[0] == "diff" || args[0] == "flame" {
            format!("{path} vs {path}")
        } else {
            format!("{path} + {path}")
        };
        let out = run(&args_for(args, &path));
        let want = format!("heapscope: {name}: {OVERFLOW}");
        if out.status.code() != Some(1) || !stderr(&out).contains(&want) {
            failures.push(format!(
                "{args:?}: {:?} {}",
                out.status.code(),
                stderr(&out)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // On its own the profile is fine.
    let out = run(&["top", "-unit=B", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        top_rows(&stdout(&out))[0],
        TopRow {
            flat: "4611686018427387904B".into(),
            cum: "4611686018427387904B".into(),
            name: "main.alloc".into()
        }
    );
}

#[test]
fn a_profile_split_over_gzip_members_reads_as_one() {
    let split = run(&["top", "-unit=B", &bad("multi-member.pb.gz")]);
    assert!(split.status.success(), "{}", stderr(&split));
    assert_eq!(
        top_rows(&stdout(&split)),
        [
            TopRow {
                flat: "512B".into(),
                cum: "512B".into(),
                name: "main.alloc".into()
            },
            TopRow {
                flat: "0".into(),
                cum: "512B".into(),
                name: "main.main".into()
            },
        ]
    );
}

/// Writes `profile` to `dir/name` and returns the path.
pub(crate) fn write_profile(dir: &Path, name: &str, profile: &heapscope::pb::Profile) -> String {
    let path = dir.join(name);
    std::fs::write(&path, profile.encode_to_vec()).unwrap();
    path.to_string_lossy().into_owned()
}

/// One sample of 4096 bytes whose stack is `depth` distinct functions:
/// `f0` at the root, `f<depth-1>` at the leaf, `f<i>` at line i + 1.
fn deep_stack(depth: u64) -> heapscope::pb::Profile {
    let names: Vec<String> = (0..depth).map(|i| format!("f{i}")).collect();
    stacks_profile(
        "/src/deep.go",
        &names,
        vec![((1..=depth).rev().collect(), 4096)],
    )
}

/// A profile of one `inuse_space` (bytes) value per sample, in `file`: function `i`
/// (named `names[i]`) is at location `i + 1`, line `i + 1`; each sample is
/// its stack of location ids, leaf first, and its value.
pub(crate) fn stacks_profile(
    file: &str,
    names: &[String],
    samples: Vec<(Vec<u64>, i64)>,
) -> heapscope::pb::Profile {
    use heapscope::pb;
    let mut strings: Vec<String> = ["", "inuse_space", "bytes", file]
        .iter()
        .map(ToString::to_string)
        .collect();
    strings.extend(names.iter().cloned());
    let n = names.len() as u64;
    pb::Profile {
        sample_type: vec![pb::ValueType { r#type: 1, unit: 2 }],
        sample: samples
            .into_iter()
            .map(|(location_id, value)| pb::Sample {
                location_id,
                value: vec![value],
                label: vec![],
            })
            .collect(),
        location: (0..n)
            .map(|i| pb::Location {
                id: i + 1,
                address: 0x1000 + i,
                line: vec![pb::Line {
                    function_id: i + 1,
                    line: i as i64 + 1,
                    column: 0,
                }],
                ..Default::default()
            })
            .collect(),
        function: (0..n)
            .map(|i| pb::Function {
                id: i + 1,
                name: 4 + i as i64,
                system_name: 4 + i as i64,
                filename: 3,
                start_line: i as i64 + 1,
            })
            .collect(),
        string_table: strings,
        ..Default::default()
    }
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));
    stdout(&out)
}

#[test]
fn a_stack_of_100000_frames_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_profile(dir.path(), "deep.pb", &deep_stack(100_000));

    // Every frame holds the sample in its cum; the leaf alone has a flat.
    let top = ok(&["top", "-unit=B", "-nodecount=0", &path]);
    let rows = top_rows(&top);
    assert_eq!(rows.len(), 100_000);
    assert_eq!(
        rows[0],
        TopRow {
            flat: "4096B".into(),
            cum: "4096B".into(),
            name: "f99999".into()
        }
    );
    assert!(rows[1..].iter().all(|r| r.flat == "0" && r.cum == "4096B"));
    assert!(top.contains("Showing nodes accounting for 4096B, 100% of 4096B total"));

    let peek = ok(&["peek", "-unit=B", "^f50000$", &path]);
    let block: Vec<Vec<&str>> = peek
        .lines()
        .skip_while(|l| !l.contains("calls% + context"))
        .skip(2)
        .take(3)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        block,
        [
            vec!["4096B", "100%", "|", "f49999"],
            vec!["0", "0%", "0%", "4096B", "100%", "|", "f50000"],
            vec!["4096B", "100%", "|", "f50001"],
        ]
    );

    let list = ok(&["list", "-unit=B", "^f99999$", &path]);
    assert!(
        list.contains("     4096B      4096B (flat, cum)   100% of Total"),
        "{list}"
    );

    // The flame graph draws the 512 root-most frames, one for the 98,977
    // in the middle, and the 511 leaf-most (issue 16).
    let folded = ok(&["flame", "--folded", &path]);
    let (stack, value) = folded.trim_end().rsplit_once(' ').unwrap();
    assert_eq!(value, "4096");
    let frames: Vec<&str> = stack.split(';').collect();
    let mut want: Vec<String> = (0..512).map(|i| format!("f{i}")).collect();
    want.push("[… frames elided …]".to_string());
    want.extend((100_000 - 511..100_000).map(|i| format!("f{i}")));
    assert_eq!(frames, want);
    let svg = ok(&["flame", &path]);
    assert!(
        svg.contains("<title>f99999 (4 kB, 100.00%)</title>"),
        "leaf drawn"
    );

    // The call graph keeps its 80 best nodes, the leaf among them.
    let dot = ok(&["graph", "--format", "dot", "-unit=B", &path]);
    assert!(dot.contains("label=\"f99999\\n4096B (100%)\""), "{dot}");
    assert!(dot.contains("Showing top 80 nodes out of 100000"));
    let svg = ok(&["graph", "--renderer", "builtin", "-unit=B", &path]);
    assert!(svg.contains("<title>f99999 (4096B)</title>"));
}

#[test]
fn recursion_counts_each_function_once_per_stack() {
    let path = bad("recursion.pb.gz");
    let top = ok(&["top", "-unit=B", &path]);
    let row = |flat: &str, cum: &str, name: &str| TopRow {
        flat: flat.into(),
        cum: cum.into(),
        name: name.into(),
    };
    assert_eq!(
        top_rows(&top),
        [
            row("1024B", "1024B", "main.leaf"),
            row("300B", "300B", "main.c"),
            row("0", "1024B", "main.a"),
            row("0", "1000B", "main.b"),
            row("0", "1324B", "main.main"),
        ]
    );

    // a's callers: main (1024, the a↔b stack and the direct one) and b
    // (1000); callees: b (1000) and leaf (24), counted once per stack.
    let peek = ok(&["peek", "-unit=B", r"main\.a$", &path]);
    let lines: Vec<Vec<&str>> = peek
        .lines()
        .skip_while(|l| !l.contains("calls% + context"))
        .skip(2)
        .take(5)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines,
        [
            vec!["1024B", "100%", "|", "main.main"],
            vec!["1000B", "97.66%", "|", "main.b"],
            vec!["0", "0%", "0%", "1024B", "77.34%", "|", "main.a"],
            vec!["1000B", "97.66%", "|", "main.b"],
            vec!["24B", "2.34%", "|", "main.leaf"],
        ]
    );

    let list = ok(&["list", "-unit=B", r"main\.c$", &path]);
    assert!(
        list.contains("300B       300B (flat, cum) 22.66% of Total"),
        "{list}"
    );

    // A recursive function is a box at every depth it occurs.
    let folded = ok(&["flame", "--folded", &path]);
    let stacks: Vec<(usize, &str)> = folded
        .lines()
        .map(|l| {
            let (stack, v) = l.rsplit_once(' ').unwrap();
            (stack.split(';').count(), v)
        })
        .collect();
    assert_eq!(stacks, [(102, "1000"), (3, "24"), (31, "300")]);
    ok(&["flame", &path]);

    // The a ↔ b cycle is two edges; each edge counts once per stack.
    let dot = ok(&["graph", "--format", "dot", "-unit=B", &path]);
    for line in [
        "N3 [label=\"main\\na\\n0 of 1024B (77.34%)\"",
        "N5 [label=\"main\\nc\\n300B (22.66%)\"",
        "N1 -> N3 [label=\" 1024B\"",
        "N3 -> N4 [label=\" 1000B\"",
        "N4 -> N3 [label=\" 1000B\"",
        "N4 -> N2 [label=\" 1000B\"",
        "N3 -> N2 [label=\" 24B\"",
        "N1 -> N5 [label=\" 300B\"",
    ] {
        assert!(dot.contains(line), "{line}\n{dot}");
    }
    ok(&["graph", "--renderer", "builtin", &path]);
}

/// The arguments and the stderr path [`measure_child`] runs heapscope with.
const PROBE_ARGS: &str = "HEAPSCOPE_TEST_PROBE_ARGS";
const PROBE_STDERR: &str = "HEAPSCOPE_TEST_PROBE_STDERR";

/// Runs heapscope with no stdin and stdout discarded; returns its exit
/// code, its stderr and its peak resident memory in bytes.
///
/// A child's peak RSS as the kernel reports it is at least that of the
/// process it was spawned from (at exec, the old memory's high-water mark is
/// kept), and this test process holds whatever its other tests hold. So the
/// child is spawned from a fresh process: this test binary, run again for
/// [`measure_child`] alone.
pub(crate) fn run_measuring_memory(args: &[&str]) -> (Option<i32>, String, u64) {
    let dir = tempfile::tempdir().unwrap();
    let err_path = dir.path().join("stderr");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "malformed::measure_child"])
        .args(["--nocapture", "--test-threads=1"])
        .env(PROBE_ARGS, args.join("\u{1f}"))
        .env(PROBE_STDERR, &err_path)
        .stdin(Stdio::null())
        .output()
        .expect("the test binary runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let measured = text
        .lines()
        .find_map(|l| Some(l.split_once("measured: ")?.1))
        .unwrap_or_else(|| panic!("no measurement:\n{text}{}", stderr(&out)));
    let (code, rss) = measured.split_once(' ').unwrap();
    let err = std::fs::read_to_string(&err_path).unwrap();
    (code.parse().ok(), err, rss.parse().unwrap())
}

#[test]
#[ignore = "a helper: the bomb tests run it in a process of its own"]
fn measure_child() {
    let args = std::env::var(PROBE_ARGS).expect("run by run_measuring_memory");
    let err_path = std::env::var(PROBE_STDERR).expect("run by run_measuring_memory");
    let status = heapscope()
        .args(args.split('\u{1f}'))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(err_path).unwrap())
        .status()
        .expect("heapscope runs");
    // SAFETY: rusage is plain integers, for which all zeros is a valid
    // value; getrusage writes only the one it is given a pointer to, which
    // lives across the call.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage
    };
    // heapscope was this process's only child. Linux gives KiB.
    let code = status
        .code()
        .map_or("killed".to_string(), |c| c.to_string());
    println!("\nmeasured: {code} {}", usage.ru_maxrss as u64 * 1024);
}

/// The committed bomb, inflated one layer: about 6 MB of gzip that
/// inflates to 6 GB, a profile whose first field claims all of it.
fn bomb(dir: &Path) -> PathBuf {
    use std::io::Read;
    let mut inner = Vec::new();
    flate2::read::GzDecoder::new(File::open(bad("bomb.pb.gz.gz")).unwrap())
        .read_to_end(&mut inner)
        .unwrap();
    let path = dir.join("bomb.pb.gz");
    std::fs::write(&path, &inner).unwrap();
    path
}

/// Gzips `data` repeated `times` times, quickly.
pub(crate) fn gzip_repeated(data: &[u8], times: usize) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for _ in 0..times {
        gz.write_all(data).unwrap();
    }
    gz.finish().unwrap()
}

pub(crate) const MIB: u64 = 1 << 20;

#[test]
fn a_gzip_bomb_stops_at_the_limit_without_filling_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = bomb(dir.path());
    let size = std::fs::metadata(&path).unwrap().len();
    assert!((5 * MIB..7 * MIB).contains(&size), "{size}");
    let path = path.to_string_lossy().into_owned();
    let limit = 256 * MIB;
    let max_size = format!("-max_size={limit}");
    // A profile: the field's length alone is past the limit, so it stops
    // before inflating it.
    let claims = |limit: u64| {
        format!(
            "heapscope: {path}: the field at byte 0 claims 6000000000 bytes, more than fits \
             in the memory limit of {} bytes (-max_size/8); raise it with -max_size=BYTES",
            limit / 8
        )
    };
    for (args, limit) in [
        (vec!["top", max_size.as_str(), path.as_str()], limit),
        (vec!["top", path.as_str()], 4 << 30),
    ] {
        let (code, err, rss) = run_measuring_memory(&args);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains(&claims(limit)), "{err}");
        assert!(rss < 256 * MIB, "{args:?}: peak RSS {rss} bytes");
    }
    let message = format!(
        "heapscope: {path}: the text passes the memory limit of {} bytes (-max_size/8); \
         raise it with -max_size=BYTES",
        limit / 8
    );
    // Text (a MemStats block) has no lengths to check: it is inflated up to
    // the memory budget, which it then holds once, plus the program itself.
    let (code, err, rss) = run_measuring_memory(&["memstats", &max_size, &path]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&message), "{err}");
    assert!(rss < limit / 8 + 32 * MIB, "peak RSS {rss} bytes");
}

#[test]
fn bombs_that_are_not_one_huge_field_stop_too() {
    let dir = tempfile::tempdir().unwrap();
    let limit = 64 * MIB;
    let max_size = format!("-max_size={limit}");

    // Zeros are not protobuf from the first byte on: the error comes as
    // soon as that is clear, long before the limit.
    let zeros = dir.path().join("zeros.pb.gz");
    std::fs::write(&zeros, gzip_repeated(&[0; 1 << 16], 4096)).unwrap();
    let zeros = zeros.to_string_lossy().into_owned();
    let (code, err, rss) = run_measuring_memory(&["top", &max_size, &zeros]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "heapscope: {zeros}: not a pprof profile or a known text form: it begins with \
             \"\\x00\\x00"
        )),
        "{err}"
    );
    assert!(rss < limit / 2, "peak RSS {rss} bytes");

    // 256 MiB of empty samples is a valid protobuf, each sample costing
    // more memory than its two bytes: refused once the decoded samples
    // reach the memory budget.
    let samples = dir.path().join("samples.pb.gz");
    std::fs::write(&samples, gzip_repeated(&[0x12, 0x00].repeat(1 << 15), 4096)).unwrap();
    let samples = samples.to_string_lossy().into_owned();
    let (code, err, rss) = run_measuring_memory(&["top", &max_size, &samples]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "heapscope: {samples}: the decoded samples pass the memory limit of {} bytes \
             (-max_size/8); raise it with -max_size=BYTES",
            limit / 8
        )),
        "{err}"
    );
    assert!(rss < limit / 8 + 32 * MIB, "peak RSS {rss} bytes");
}

#[test]
fn a_failed_report_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("heap.svg");
    std::fs::write(&out, "old").unwrap();
    let target = out.to_string_lossy().into_owned();
    for args in [vec!["graph", "-o", &target], vec!["flame", "-o", &target]] {
        let file = bad("overflow-max.pb");
        let mut args = args.clone();
        args.push(&file);
        let result = run(&args);
        assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["heap.svg"], "{args:?}");
    }
}
