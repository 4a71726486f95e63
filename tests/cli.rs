//! The command line as a user meets it: flag spellings, stdin, errors and
//! exit codes.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use serde_json::Value;

use crate::util::{self, profile, run, run_with_stdin, stderr, stdout};

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn pprof_flag_spellings_all_work() {
    let file = profile("server.pb.gz");
    let reference = ok(&["top", "-inuse_objects", &file]);
    for args in [
        vec!["top", "--inuse_objects", &file],
        vec!["top", "-sample_index=inuse_objects", &file],
        vec!["top", "-sample_index", "inuse_objects", &file],
        vec!["top", "--sample_index=2", &file],
        vec!["top", &file, "-inuse_objects"],
    ] {
        assert_eq!(ok(&args), reference, "{args:?}");
    }
    let five = ok(&["top", "-nodecount=5", "-cum", &file]);
    assert_eq!(ok(&["top", "--nodecount", "5", "--cum", &file]), five);
    assert_eq!(ok(&["top", "-nodecount", "5", "-cum", &file]), five);
    assert!(five.contains("Showing top 5 nodes out of"), "{five}");
}

#[test]
fn default_sample_type_is_inuse_space_for_go_heap_profiles() {
    let file = profile("server.pb.gz");
    let out = ok(&["top", &file]);
    assert!(out.contains("Type: inuse_space"), "{out}");
    assert_eq!(out, ok(&["top", "-inuse_space", &file]));
}

#[test]
fn granularity_shorthands_match_the_long_form() {
    let file = profile("inline.pb.gz");
    assert_eq!(
        ok(&["top", "-lines", &file]),
        ok(&["top", "-granularity=lines", &file])
    );
    assert_eq!(
        ok(&["top", "-files", &file]),
        ok(&["top", "--granularity", "files", &file])
    );
    assert_eq!(ok(&["top", "-functions", &file]), ok(&["top", &file]));
}

#[test]
fn stdin_reads_the_same_profile_as_a_path() {
    let file = profile("inline.pb.gz");
    let bytes = std::fs::read(&file).unwrap();
    let from_path = ok(&["top", "-alloc_space", &file]);
    for args in [
        vec!["top", "-alloc_space"],
        vec!["top", "-alloc_space", "-"],
    ] {
        let out = run_with_stdin(&args, &bytes);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), from_path, "{args:?}");
    }
}

#[test]
fn gzipped_and_plain_protobuf_give_the_same_report() {
    for flag in ["-alloc_objects", "-inuse_space"] {
        assert_eq!(
            ok(&["top", flag, &profile("inline.pb.gz")]),
            ok(&["top", flag, &profile("inline.pb")])
        );
    }
}

#[test]
fn json_output_has_the_documented_shape() {
    let doc: Value = serde_json::from_str(&ok(&[
        "top",
        "--format=json",
        "-alloc_space",
        "-lines",
        "-nodecount=3",
        &profile("inline.pb.gz"),
    ]))
    .unwrap();
    assert_eq!(doc["sample_type"], "alloc_space");
    assert_eq!(doc["unit"], "bytes");
    assert_eq!(doc["total"], 237944); // pprof: "of 237944B total"
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3);
    assert_eq!(nodes[0]["name"], "main.newBuf");
    assert!(nodes[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("gen/inline/main.go"));
    assert!(nodes[0]["line"].as_i64().unwrap() > 0);

    let doc: Value = serde_json::from_str(&ok(&[
        "top",
        "--format",
        "json",
        "-files",
        &profile("inline.pb.gz"),
    ]))
    .unwrap();
    let first = &doc["nodes"][0];
    assert!(
        first["name"]
            .as_str()
            .unwrap()
            .ends_with("gen/inline/main.go"),
        "{first}"
    );
    assert!(first.get("line").is_none());
}

#[test]
fn info_lists_every_sample_type_with_its_total() {
    let out = ok(&["info", &profile("inline.pb.gz")]);
    for needle in [
        "Producer: inline",
        "alloc_objects",
        "alloc_space    bytes  237944  232.37kB",
        "inuse_space    bytes   89120   87.03kB  (default)",
        "Samples:   127",
        "Symbolized: yes",
        "Period: 1 bytes of space (1B)",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    let doc: Value =
        serde_json::from_str(&ok(&["info", "--format=json", &profile("inline.pb.gz")])).unwrap();
    let totals: Vec<i64> = doc["sample_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["total"].as_i64().unwrap())
        .collect();
    // The totals of pprof's `-top` headers for the same file (goldens).
    let golden_total = |sample: &str| {
        let text = std::fs::read_to_string(
            util::testdata().join(format!("golden/inline.{sample}.functions.txt")),
        )
        .unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("Showing nodes"))
            .unwrap();
        let total = line
            .split(" of ")
            .nth(1)
            .unwrap()
            .trim_end_matches(" total");
        util::bytes_value(total)
    };
    assert_eq!(
        totals,
        [
            "alloc_objects",
            "alloc_space",
            "inuse_objects",
            "inuse_space"
        ]
        .map(golden_total)
    );
}

#[test]
fn all_zero_sample_type_gets_a_hint_on_stderr() {
    let out = run(&[
        "top",
        "-inuse_space",
        "-focus=TestX",
        &profile("gotest.pb.gz"),
    ]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("inuse_space is zero in every sample the filters keep")
            && stderr(&out).contains("try -alloc_space"),
        "{}",
        stderr(&out)
    );
    let out = run(&[
        "top",
        "-alloc_space",
        "-focus=TestX",
        &profile("gotest.pb.gz"),
    ]);
    assert_eq!(stderr(&out), "");
}

/// A type without a flag of its own (not one of Go's four heap types) is
/// suggested as `-sample_index=NAME`, which the command line accepts.
#[test]
fn all_zero_hint_names_a_flag_that_exists() {
    use heapscope::pb;
    let dir = tempfile::tempdir().unwrap();
    let mut p =
        crate::malformed::stacks_profile("/src/a.go", &["main.f".into()], vec![(vec![1], 5)]);
    let first = p.string_table.len() as i64;
    p.string_table
        .extend(["alloc_samples", "count", "inuse_samples"].map(String::from));
    p.sample_type = vec![
        pb::ValueType {
            r#type: first,
            unit: first + 1,
        },
        pb::ValueType {
            r#type: first + 2,
            unit: first + 1,
        },
    ];
    p.sample[0].value = vec![5, 0];
    let path = crate::malformed::write_profile(dir.path(), "samples.pb", &p);
    let out = run(&["top", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("inuse_samples is zero in every sample")
            && stderr(&out).contains("try -sample_index=alloc_samples\n"),
        "{}",
        stderr(&out)
    );
    let out = run(&["top", "-sample_index=alloc_samples", &path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn unmatched_filter_is_reported() {
    let out = run(&["top", "-focus=NoSuchFunction", &profile("inline.pb.gz")]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("Focus expression matched no samples"),
        "{}",
        stderr(&out)
    );
}

fn fails_with(args: &[&str], input: Option<&[u8]>, code: i32, fragments: &[&str]) {
    let out = match input {
        Some(bytes) => run_with_stdin(args, bytes),
        None => run(args),
    };
    assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
    let err = stderr(&out);
    for f in fragments {
        assert!(err.contains(f), "{args:?}: {f:?} not in {err:?}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn runtime_failures_exit_1_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_string_lossy().into_owned()
    };
    let missing = dir
        .path()
        .join("missing.pb.gz")
        .to_string_lossy()
        .into_owned();
    fails_with(&["top", &missing], None, 1, &["missing.pb.gz: cannot open"]);

    let empty = write("empty.pb", b"");
    fails_with(&["top", &empty], None, 1, &["empty.pb: the file is empty"]);

    let garbage = write("garbage.pb", b"this is not a profile\n");
    fails_with(
        &["info", &garbage],
        None,
        1,
        &["garbage.pb: not a pprof profile or a known text form"],
    );

    let gz = std::fs::read(profile("inline.pb.gz")).unwrap();
    let truncated = write("truncated.pb.gz", &gz[..gz.len() / 2]);
    fails_with(
        &["top", &truncated],
        None,
        1,
        &["truncated.pb.gz: gzip data is truncated"],
    );

    let text = write(
        "heap.txt",
        b"heap profile: 1: 2 [3: 4] @ heap/1048576\n1: 2 [3: 4] @ 0x1\ngarbage\n",
    );
    fails_with(
        &["top", &text],
        None,
        1,
        &["heap.txt: line 3: expected a sample row"],
    );

    fails_with(
        &["top"],
        Some(b"\x1f\x8bnot really gzip"),
        1,
        &["<stdin>: cannot decompress gzip data"],
    );

    let big = profile("server.pb.gz");
    fails_with(
        &["top", "-max_size=1000", &big],
        None,
        1,
        &["larger than the limit of 1000 bytes"],
    );
}

#[test]
fn usage_errors_exit_2() {
    let file = profile("inline.pb.gz");
    fails_with(
        &["top", "-no_such_flag", &file],
        None,
        2,
        &["unknown flag -no_such_flag"],
    );
    fails_with(
        &["top", "-focus=(", &file],
        None,
        2,
        &["invalid -focus regex"],
    );
    fails_with(
        &["top", "-sample_index=bogus", &file],
        None,
        2,
        &["must be one of: alloc_objects, alloc_space, inuse_objects, inuse_space"],
    );
    fails_with(
        &["top", "-sample_index=9", &file],
        None,
        2,
        &["outside the range [0..3]"],
    );
    fails_with(
        &["top", "-inuse_space", "-alloc_space", &file],
        None,
        2,
        &["choose one sample type"],
    );
    fails_with(
        &["top", "-nodefraction=2", &file],
        None,
        2,
        &["between 0 and 1"],
    );
    fails_with(&[], None, 2, &["Usage"]);
    // A flag of heapscope's that this command does not take: the whole
    // flag named, with the commands that take it.
    fails_with(
        &["info", "-nodecount=3", &file],
        None,
        2,
        &["-nodecount=3: heapscope info does not take -nodecount (top, diff, trend, graph, heap do)"],
    );
}

#[test]
fn help_exits_0_and_shows_pprof_spelling() {
    let out = run(&["top", "-help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("--inuse_space"));
    assert!(stdout(&out).contains("-inuse_space"));
}

#[test]
fn closed_stdout_is_a_clean_exit() {
    // A report far larger than a pipe buffer, read one line at a time.
    let mut child = util::heapscope()
        .args([
            "top",
            "-lines",
            "-nodecount=0",
            "-nodefraction=0",
            &profile("server.pb.gz"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("File:"));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn bytes_on_stdin_may_arrive_slowly() {
    // The decoder must not care how the bytes are chunked.
    let bytes = std::fs::read(profile("recursion.pb.gz")).unwrap();
    let mut child = util::heapscope()
        .args(["top", "-alloc_space"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for chunk in bytes.chunks(97) {
        stdin.write_all(chunk).unwrap();
        stdin.flush().unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        ok(&["top", "-alloc_space", &profile("recursion.pb.gz")])
    );
}

#[test]
fn list_finds_source_by_suffix_under_source_path() {
    let gen = util::testdata().join("gen").to_string_lossy().into_owned();
    // The profile records /work/main/testdata/gen/server/main.go; stripping
    // the build prefix makes the path relative, so only -source_path can
    // resolve it, wherever this checkout lives.
    let out = run(&[
        "list",
        "main\\.handlePut$",
        "-trim_path=/work/main/testdata/gen",
        &format!("-source_path={gen}"),
        &profile("server.pb.gz"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("ROUTINE ======================== main.handlePut in server/main.go"),
        "{text}"
    );
    assert!(text.contains(":\tvar it Item"), "{text}");
    assert_eq!(stderr(&out), "");
}

#[test]
fn list_without_source_shows_line_numbers_and_says_where_it_looked() {
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().to_string_lossy().into_owned();
    let out = run(&[
        "list",
        "main\\.handlePut$",
        "-trim_path=/work/main/testdata/gen",
        &format!("-source_path={dir}"),
        &profile("server.pb.gz"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("source of server/main.go not found") && err.contains(&dir),
        "{err}"
    );
    // Only lines with values, each "flat cum lineno:" with no text.
    let text = stdout(&out);
    let rows: Vec<&str> = text.lines().skip(3).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.ends_with(':')), "{rows:?}");
}

#[test]
fn list_and_peek_errors() {
    let file = profile("inline.pb.gz");
    fails_with(
        &["list", "NoSuchFunction", &file],
        None,
        1,
        &["no function matches the regexp \"NoSuchFunction\""],
    );
    fails_with(
        &["peek", "NoSuchFunction", &file],
        None,
        1,
        &["no function matches"],
    );
    fails_with(&["list", "(", &file], None, 2, &["invalid list regex"]);
    fails_with(&["peek", "[", &file], None, 2, &["invalid peek regex"]);
}

#[test]
fn peek_json_has_callers_and_callees() {
    let doc: Value = serde_json::from_str(&ok(&[
        "peek",
        "--format=json",
        "main\\.viaFuncValue$",
        &profile("inline.pb.gz"),
    ]))
    .unwrap();
    let node = &doc["nodes"][0];
    assert_eq!(node["name"], "main.viaFuncValue");
    assert_eq!(node["callers"][0]["name"], "main.main");
    assert_eq!(node["callers"][0]["value"], node["cum"]);
    assert_eq!(node["callees"][0]["name"], "main.newBuf");
    // What flows out plus what the function allocates itself is its cum.
    let out: i64 = node["callees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_i64().unwrap())
        .sum();
    assert_eq!(
        out + node["flat"].as_i64().unwrap(),
        node["cum"].as_i64().unwrap()
    );
}

/// `peek -matches=N` shows the first N matching nodes of the whole
/// report, says how many matched, and shows all of them with 0.
#[test]
fn peek_matches_shows_the_first_matching_nodes() {
    let file = profile("server.pb.gz");
    let peek = |count| {
        json(&[
            "peek",
            "--format=json",
            "-granularity=lines",
            count,
            "main\\.",
            &file,
        ])
    };
    let all = peek("-matches=0");
    let nodes = all["nodes"].as_array().unwrap();
    assert_eq!(all["matched"], nodes.len());
    assert!(nodes.len() > 3, "{}", nodes.len());
    let first = peek("-matches=3");
    assert_eq!(first["nodes"].as_array().unwrap()[..], nodes[..3]);
    assert_eq!(first["matched"], nodes.len());
    assert_eq!(first["total"], all["total"]);
    // The text says it as pprof's top does; without the flag, no such line.
    let text = ok(&["peek", "-granularity=lines", "-matches=3", "main\\.", &file]);
    let line = format!("Showing top 3 nodes out of {}", nodes.len());
    assert!(text.lines().any(|l| l == line), "{text}");
    let text = ok(&["peek", "-granularity=lines", "main\\.", &file]);
    assert!(!text.contains("Showing top"), "{text}");
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).unwrap()
}

#[test]
fn top_of_two_profiles_is_the_sum_of_each_node_by_node() {
    let (a, b) = (profile("leak.2.pb.gz"), profile("leak.5.pb.gz"));
    for flag in ["-inuse_space", "-alloc_objects"] {
        let base = [
            "top",
            "--format=json",
            "-nodecount=0",
            "-nodefraction=0",
            flag,
        ];
        let values = |files: &[&str]| -> std::collections::HashMap<String, (i64, i64)> {
            let mut args = base.to_vec();
            args.extend_from_slice(files);
            json(&args)["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| {
                    (
                        n["name"].as_str().unwrap().to_string(),
                        (n["flat"].as_i64().unwrap(), n["cum"].as_i64().unwrap()),
                    )
                })
                .collect()
        };
        let (va, vb, both) = (values(&[&a]), values(&[&b]), values(&[&a, &b]));
        assert!(both.len() > 10);
        for (name, &(flat, cum)) in &both {
            let (fa, ca) = va.get(name).copied().unwrap_or_default();
            let (fb, cb) = vb.get(name).copied().unwrap_or_default();
            assert_eq!((flat, cum), (fa + fb, ca + cb), "{flag} {name}");
        }
    }
}

#[test]
fn diff_normalize_scales_before_to_after_total() {
    let (before, after) = (profile("leak.1.pb.gz"), profile("leak.6.pb.gz"));
    let plain = json(&[
        "diff",
        "--format=json",
        "-nodecount=0",
        "-nodefraction=0",
        &before,
        &after,
    ]);
    let norm = json(&[
        "diff",
        "--format=json",
        "-normalize",
        "-nodecount=0",
        "-nodefraction=0",
        &before,
        &after,
    ]);
    assert_eq!(plain["total"], norm["total"]);
    // Each BEFORE sample is scaled by after/before and rounded, so the
    // scaled total is within half a unit per sample of AFTER's.
    let (scaled, target) = (
        norm["base_total"].as_i64().unwrap(),
        norm["total"].as_i64().unwrap(),
    );
    let samples = json(&["info", "--format=json", &before])["samples"]
        .as_i64()
        .unwrap();
    assert!(
        (scaled - target).abs() <= samples / 2 + 1,
        "{scaled} vs {target}"
    );
    assert_ne!(plain["base_total"], norm["base_total"]);
}

#[test]
fn diff_marks_new_and_gone_nodes() {
    let doc = json(&[
        "diff",
        "--format=json",
        "-nodecount=0",
        "-nodefraction=0",
        &profile("leak.1.pb.gz"),
        &profile("leak.6.pb.gz"),
    ]);
    let crc = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "hash/crc32.slicingMakeTable")
        .unwrap();
    assert_eq!(crc["status"], "new");
    assert_eq!(crc["base_flat"], 0);
    let rev = json(&[
        "diff",
        "--format=json",
        "-nodecount=0",
        "-nodefraction=0",
        &profile("leak.6.pb.gz"),
        &profile("leak.1.pb.gz"),
    ]);
    let crc = rev["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "hash/crc32.slicingMakeTable")
        .unwrap();
    assert_eq!(crc["status"], "gone");
    assert_eq!(crc["flat"], -8192);
    let text = ok(&["diff", &profile("leak.1.pb.gz"), &profile("leak.6.pb.gz")]);
    assert!(text.contains("Change: retained growth"), "{text}");
    assert!(text.contains("hash/crc32.slicingMakeTable [new]"), "{text}");
}

#[test]
fn list_resolves_trimpath_builds_against_the_module_and_goroot() {
    // trimpath.pb.gz was written by a -trimpath build: it records
    // heapscope.test/inline/main.go and fmt/print.go.
    let module = util::testdata().join("gen/inline");
    let source_path = format!("-source_path={}", module.display());
    let out = run(&[
        "list",
        "main\\.viaFuncValue$",
        &source_path,
        &profile("trimpath.pb.gz"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // Shown as pprof shows it: up to the source directory's name dropped.
    assert!(text.contains("main.viaFuncValue in main.go\n"), "{text}");
    assert!(text.contains(":\t\tb := alloc(1000)"), "{text}");

    // A standard-library path resolves under $GOROOT/src.
    let goroot = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(goroot.path().join("src/fmt")).unwrap();
    let fake: String = (1..=300)
        .map(|i| format!("// print.go line {i}\n"))
        .collect();
    std::fs::write(goroot.path().join("src/fmt/print.go"), fake).unwrap();
    let out = util::heapscope()
        .args([
            "list",
            "^fmt\\.Sprintf$",
            &source_path,
            &profile("trimpath.pb.gz"),
        ])
        .env("GOROOT", goroot.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(":// print.go line 220"),
        "{}",
        stdout(&out)
    );
    // Without GOROOT it is not found, and stderr says where it looked.
    let out = util::heapscope()
        .args([
            "list",
            "^fmt\\.Sprintf$",
            &source_path,
            &profile("trimpath.pb.gz"),
        ])
        .env_remove("GOROOT")
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("source of fmt/print.go not found"),
        "{}",
        stderr(&out)
    );
}

/// pprof's layout is `list`'s default (the goldens check it byte for
/// byte); `-context=N` lists N lines around each line with a value, runs
/// joined by `...`, and only when given.
#[test]
fn list_context_is_an_extension_given_explicitly() {
    let source_path = format!("-source_path={}", util::testdata().join("gen").display());
    let server = profile("server.pb.gz");
    let text = ok(&[
        "list",
        "main\\.handlePut$",
        "-context=0",
        &source_path,
        &server,
    ]);
    assert_eq!(
        text,
        "Total: 1.71MB\n\
         ROUTINE ======================== main.handlePut in server/main.go\n  \
         283.30kB     1.50MB (flat, cum) 87.86% of Total\n  \
         168.44kB   168.44kB     57:\tvar it Item\n         \
         .     1.22MB     58:\tif err := json.NewDecoder(r.Body).Decode(&it); err != nil {\n                         \
         ...\n  \
         114.87kB   115.10kB     63:\tcache.m[strconv.Itoa(it.ID)] = &it\n"
    );
    // Without it: lines 52 (57 - 5) to 68 (63 + 5), as pprof.
    let text = ok(&["list", "main\\.handlePut$", &source_path, &server]);
    let numbers: Vec<&str> = text
        .lines()
        .skip(3)
        .map(|l| l[22..].split(':').next().unwrap().trim())
        .collect();
    let want: Vec<String> = (52..=68).map(|n| n.to_string()).collect();
    assert_eq!(numbers, want);
}

#[test]
fn profiles_of_other_kinds_are_not_combined() {
    // A CPU profile of the same test, and heap profiles: every command that
    // combines profiles refuses, naming the files and what differs.
    let (heap, cpu) = (profile("leak.1.pb.gz"), profile("gotest.cpu.pb.gz"));
    let differ = "the profiles cannot be combined: period types";
    for (args, names) in [
        (vec!["diff", &heap, &cpu], format!("{cpu} + {heap}")),
        (
            vec!["flame", "--base", &heap, &cpu],
            format!("{cpu} + {heap}"),
        ),
        (
            vec!["trend", &heap, &heap, &cpu],
            format!("{heap} + {heap} + {cpu}"),
        ),
        (vec!["top", &cpu, &heap], format!("{cpu} + {heap}")),
    ] {
        let out = run(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.starts_with(&format!("heapscope: {names}: {differ} ")),
            "{args:?}: {err}"
        );
        assert!(stdout(&out).is_empty(), "{args:?}");
    }
}

/// The commands `heapscope --help` lists (without `help` itself).
fn commands() -> Vec<String> {
    let help = ok(&["--help"]);
    let listed: Vec<String> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect();
    assert!(listed.len() >= 12, "{help}");
    listed
}

#[test]
fn completions_for_every_shell_name_every_command() {
    let commands = commands();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = ok(&["completions", shell]);
        for command in &commands {
            assert!(script.contains(command.as_str()), "{shell}: {command}");
        }
        assert!(script.contains("nodecount"), "{shell}");
    }
    fails_with(&["completions", "tcsh"], None, 2, &["invalid value 'tcsh'"]);
}

#[test]
fn man_pages_name_every_command() {
    let pages = ok(&["man"]);
    assert!(pages.contains(".TH heapscope 1"), "{pages}");
    for command in commands() {
        assert!(
            pages.contains(&format!(".TH heapscope-{command} 1")),
            "no page for {command}"
        );
        assert!(
            pages.contains(&format!("heapscope\\-{command}(1)")),
            "{command}"
        );
    }
}

#[test]
fn flame_min_width_and_trend_keep_order_take_one_dash() {
    // Both exited 2 while pprof's spelling came from a hand-kept list.
    let file = profile("server.pb.gz");
    assert_eq!(
        ok(&["flame", "-folded", "-min-width=0.5", &file]),
        ok(&["flame", "--folded", "--min-width=0.5", &file])
    );
    let trend = ["trend", "-keep-order", &file, &file];
    assert_eq!(ok(&trend), ok(&["trend", "--keep-order", &file, &file]));
}
