//! The legacy text heap profiles (what `?debug=1` and tcmalloc print) against
//! `go tool pprof` on the same files (testdata/golden/legacy, made by
//! `testdata/regen.sh --text-forms`): totals and every address, and the
//! functions named from Go's `#` lines against pprof on the protobuf written
//! at the same moment.

use serde_json::Value;

use crate::util::{self, bytes_value, manifest_in, profile, run, run_with_stdin, stderr, stdout};

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// pprof's total from a `-top` header: "… of 89120B total".
fn pprof_total(text: &str) -> i64 {
    let line = text
        .lines()
        .find(|l| l.starts_with("Showing nodes accounting for"))
        .expect("a Showing nodes line");
    bytes_value(
        line.rsplit(" of ")
            .next()
            .unwrap()
            .trim_end_matches(" total"),
    )
}

/// The `sample_index` of a golden's args.
fn sample_index(args: &[String]) -> &str {
    args.iter()
        .find_map(|a| a.strip_prefix("-sample_index="))
        .expect("-sample_index")
}

fn address_cases() -> Vec<util::GoldenCase> {
    let cases: Vec<_> = manifest_in("legacy")
        .into_iter()
        .filter(|c| c.args.iter().any(|a| a == "-addresses"))
        .collect();
    // 8 legacy profiles: 7 with four sample types, tcmalloc's heap_v2 with two.
    assert_eq!(cases.len(), 30, "{cases:?}");
    cases
}

#[test]
fn totals_equal_pprof_for_every_sample_type() {
    let mut checked = 0;
    for case in address_cases() {
        let doc = json(&["info", "--format=json", &profile(&case.profile)]);
        let want = pprof_total(&case.expected());
        let name = sample_index(&case.args);
        let got = doc["sample_types"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{}: no sample type {name}", case.profile));
        assert_eq!(got["total"].as_i64().unwrap(), want, "{}", case.golden);
        checked += 1;
    }
    assert_eq!(checked, 30);
}

/// pprof cannot name Go's frames without the binary, so it is compared with
/// heapscope on the same file without its `#` lines: then heapscope, too,
/// has no names and shows each frame's binary (`[libc.so.6]`) or
/// `<unknown>`. Every `-addresses` golden is reproduced byte for byte
/// (`-symbolize=none` left out: heapscope never looks for binaries).
#[test]
fn every_address_report_equals_pprof_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    for case in address_cases() {
        let text = std::fs::read_to_string(profile(&case.profile)).unwrap();
        let stripped: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        let path = dir.path().join(&case.profile);
        std::fs::write(&path, stripped).unwrap();
        let path = path.to_string_lossy();
        let mut args: Vec<&str> = case
            .args
            .iter()
            .map(String::as_str)
            .filter(|a| *a != "-symbolize=none")
            .collect();
        args.push(&path);
        assert_eq!(ok(&args), case.expected(), "{}", case.golden);
    }
}

/// Without symbols, `info` says so, and the functions view has one node per
/// binary, as pprof's `-top` on tcmalloc's profile: 16.78MB in `[tcmalloc]`
/// (11223040 + 4800000 + 1048576 + 524288 bytes of its addresses' flat in
/// the `-addresses` golden) and 24.46MB cum, the binary at the root.
#[test]
fn unsymbolized_frames_are_named_by_their_binary() {
    let cxx = profile("cxx.heapprofile.txt");
    let info = ok(&["info", &cxx]);
    assert!(info.contains("Symbolized: no"), "{info}");
    let top = ok(&["-top", "-unit=B", &cxx]);
    let rows = util::top_rows(&top);
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "[tcmalloc]",
            "[libstdc++.so.6.0.30]",
            "[libtcmalloc.so.4.5.10]",
            "[libc.so.6]"
        ]
    );
    assert_eq!(
        bytes_value(&rows[0].flat),
        11223040 + 4800000 + 1048576 + 524288
    );
}

/// A node of a `top` report as pprof prints its name: "f (inline)",
/// "f file:line", a file.
fn printed_nodes(doc: &Value) -> Vec<(String, i64, i64)> {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let mut name = n["name"].as_str().unwrap().to_string();
            if let (Some(file), Some(line)) = (n["file"].as_str(), n["line"].as_i64()) {
                name = format!("{name} {file}:{line}");
            }
            if let Some(mark) = n["inline"].as_str() {
                name = format!("{name} ({mark})");
            }
            (
                name,
                n["flat"].as_i64().unwrap(),
                n["cum"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn pprof_nodes(golden: &str) -> Vec<(String, i64, i64)> {
    let text = std::fs::read_to_string(util::testdata().join("golden").join(golden))
        .unwrap_or_else(|e| panic!("{golden}: {e}"));
    util::top_rows(&text)
        .into_iter()
        .map(|r| (r.name, bytes_value(&r.flat), bytes_value(&r.cum)))
        .collect()
}

/// heapscope's `top` of a text profile, every node, as pprof would print
/// the names.
fn text_nodes(text_profile: &str, sample: &str, granularity: &str) -> Vec<(String, i64, i64)> {
    let mut args = vec![
        "top".to_string(),
        "--format=json".to_string(),
        "-nodecount=0".to_string(),
        "-nodefraction=0".to_string(),
        format!("-sample_index={sample}"),
    ];
    if granularity != "functions" {
        args.push(format!("-{granularity}"));
    }
    args.push(profile(text_profile));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    printed_nodes(&json(&args))
}

const SAMPLES: [&str; 4] = [
    "alloc_objects",
    "alloc_space",
    "inuse_objects",
    "inuse_space",
];
const GRANULARITIES: [&str; 3] = ["functions", "lines", "files"];

/// The text form and the protobuf of one moment (written one after the
/// other, no GC in between): heapscope's report of the text, whose frames
/// it names from the `#` lines, equals pprof's of the protobuf, node by node
/// and in order, inline marks included, at every granularity.
#[test]
fn symbolized_text_equals_pprof_on_the_protobuf_of_the_same_moment() {
    // inline: MemProfileRate = 1, an inline chain; churn: sampled at
    // 512 KiB, so every value is unsampled, by the runtime in the protobuf
    // and by heapscope in the text.
    for (text, pb_golden) in [
        ("inline.heap.txt", "inline"),
        ("churn.heap.txt", "legacy/churn_pb"),
    ] {
        for s in SAMPLES {
            for g in GRANULARITIES {
                let want = pprof_nodes(&format!("{pb_golden}.{s}.{g}.txt"));
                assert!(!want.is_empty());
                assert_eq!(
                    text_nodes(text, s, g),
                    want,
                    "{text} -sample_index={s} -{g}"
                );
            }
        }
    }
}

/// The protobuf half of that pair is an ordinary profile: pprof's `-top` of
/// it, given to heapscope as pprof's invocation, prints pprof's bytes.
#[test]
fn top_of_the_protobuf_of_the_same_moment_equals_pprof_byte_for_byte() {
    let cases: Vec<_> = manifest_in("legacy")
        .into_iter()
        .filter(|c| c.golden.starts_with("legacy/churn_pb."))
        .collect();
    assert_eq!(cases.len(), 12);
    for case in cases {
        let file = profile(&case.profile);
        let mut args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        args.push(&file);
        assert_eq!(ok(&args), case.expected(), "{}", case.golden);
    }
}

/// server: the same, but for one stack. `runtime.resettimer` is inlined into
/// `internal/poll.runtime_pollSetDeadline` at the leaf of an allocation. The
/// text writer hides leading frames whose (inlined) function is in package
/// runtime, so the text names no such frame; the protobuf writer looks at
/// the physical function, which is not in runtime, and keeps it. The text
/// cannot tell what was hidden: its 2 objects (32 bytes, none in use) are
/// the caller's flat.
#[test]
fn symbolized_server_text_equals_pprof_but_for_one_hidden_runtime_frame() {
    for s in SAMPLES {
        let mut want = pprof_nodes(&format!("server.{s}.functions.txt"));
        let got = text_nodes("server.heap.txt", s, "functions");
        if s.starts_with("inuse") {
            assert_eq!(got, want, "{s}");
            continue;
        }
        let moved = want
            .iter()
            .position(|n| n.0 == "runtime.resettimer")
            .map(|i| want.remove(i))
            .expect("runtime.resettimer in the protobuf");
        assert_eq!(moved.1, moved.2, "a leaf");
        let caller = want
            .iter_mut()
            .find(|n| n.0 == "internal/poll.runtime_pollSetDeadline")
            .unwrap();
        caller.1 += moved.1;
        let sorted = |mut v: Vec<(String, i64, i64)>| {
            v.sort();
            v
        };
        assert_eq!(sorted(got), sorted(want), "{s}");
    }
}

#[test]
fn top_of_a_debug1_profile_names_functions() {
    let out = ok(&["top", &profile("inline.heap.txt")]);
    // The same table as README's `top` of inline.pb.gz; no File or Time: the
    // text form names no binary and has no time stamp.
    assert!(out.starts_with("Type: inuse_space\n"), "{out}");
    assert!(
        out.contains("   60.16kB 69.12% 69.12%    60.16kB 69.12%  main.newBuf (partial-inline)"),
        "{out}"
    );
    assert!(out.contains("main.chainWork"), "{out}");
}

#[test]
fn list_and_peek_read_the_text_form() {
    // Same numbers as from the protobuf of the same moment.
    let gen = util::testdata().join("gen").to_string_lossy().into_owned();
    for args in [
        vec![
            "list",
            "main\\.handlePut$",
            "-trim_path=/work/main/testdata/gen",
        ],
        vec!["list", "main\\.viaFuncValue$", "-alloc_space"],
    ] {
        let (text, pb) = if args[1].contains("handlePut") {
            ("server.heap.txt", "server.pb.gz")
        } else {
            ("inline.heap.txt", "inline.pb.gz")
        };
        let source = format!("-source_path={gen}");
        let run_on = |p: &str| {
            let mut a = args.clone();
            a.push(&source);
            let file = profile(p);
            a.push(&file);
            ok(&a)
        };
        let from_text = run_on(text);
        assert!(
            from_text.contains("ROUTINE ======================== main."),
            "{from_text}"
        );
        assert_eq!(from_text, run_on(pb), "{args:?}");
    }
    // peek: the table is the same; the protobuf's header also has File/Time.
    let table = |out: String| -> String {
        out.lines()
            .skip_while(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let peek = |p: &str| ok(&["peek", "-alloc_space", "main\\.viaFuncValue$", &profile(p)]);
    let from_text = table(peek("inline.heap.txt"));
    assert!(from_text.contains("| main.viaFuncValue"), "{from_text}");
    assert_eq!(from_text, table(peek("inline.pb.gz")));
}

#[test]
fn text_profiles_read_from_stdin() {
    let bytes = std::fs::read(profile("churn.heap.txt")).unwrap();
    let out = run_with_stdin(&["top", "-alloc_space", "-"], &bytes);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        ok(&["top", "-alloc_space", &profile("churn.heap.txt")])
    );
}

#[test]
fn tcmalloc_profiles_show_the_binary() {
    // heapprofile: exact (no scaling), four types; heap_v2: sampled, two.
    let doc = json(&["info", "--format=json", &profile("cxx.heapprofile.txt")]);
    assert_eq!(doc["period"], 1);
    assert_eq!(doc["sample_types"].as_array().unwrap().len(), 4);
    let doc = json(&["info", "--format=json", &profile("cxx.heap_v2.txt")]);
    assert_eq!(doc["period"], 65536);
    let names: Vec<&str> = doc["sample_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["objects", "space"]);
    // The memory map names the binary, as pprof's "File: tcmalloc".
    let out = ok(&["top", &profile("cxx.heap_v2.txt")]);
    assert!(out.starts_with("File: tcmalloc\n"), "{out}");
    // Without symbols, one node per binary, as pprof's `-top` on this file.
    let names: Vec<String> = util::top_rows(&out).into_iter().map(|r| r.name).collect();
    assert_eq!(
        names,
        [
            "[libtcmalloc.so.4.5.10]",
            "[libc.so.6]",
            "[libstdc++.so.6.0.30]",
            "[tcmalloc]"
        ]
    );
}

#[test]
fn malformed_text_profiles_exit_1_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(profile("inline.heap.txt")).unwrap();
    // A row cut short in the middle of its counts.
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "50: 51200 [100:";
    let path = dir.path().join("cut.heap.txt");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let out = run(&["top", &path.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cut.heap.txt: line 2: expected a sample row"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
}

/// Input that is neither a protobuf profile nor a text form pprof reads is
/// said to be so, with its first bytes escaped, not a protobuf field error.
#[test]
fn unrecognised_input_says_what_it_looked_like() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    std::fs::write(&path, "{\"nodes\": [\"\u{1b}[31m\"]}\n").unwrap();
    let path = path.to_string_lossy();
    let out = run(&["top", &path]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "heapscope: {path}: not a pprof profile or a known text form: it begins with \
             \"{{\\\"nodes\\\": [\\\"\\x1b[31m\\\"]}}\\n\"\n"
        )
    );
    let out = run_with_stdin(&["top", "-"], b"hello");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "<stdin>: not a pprof profile or a known text form: it begins with \"hello\""
        ),
        "{}",
        stderr(&out)
    );
}

/// Java's heapz text: pprof's `-top` (names, numbers) and `-raw` (every
/// sample, label and location) byte for byte are in golden/ (`heapz.*`);
/// here the arithmetic of one row. `4194304 2 @ …`: 2 arrays of 2 MiB
/// (bytes come first), sampled at 512 KiB, so each stands for
/// 1/(1 − e^−4) = 1.0187…: 2 objects, 4194304 × 1.0187 = 4272558 bytes, and
/// a `bytes` label of 2097152.
#[test]
fn java_heapz_rows_are_scaled_as_pprof() {
    let raw = ok(&["raw", &profile("java.heapz.txt")]);
    assert!(
        raw.contains("inuse_objects/count inuse_space/bytes\n"),
        "{raw}"
    );
    assert!(
        raw.contains("          2    4272558: 1 2 3 4 \n                bytes:[2097152]\n"),
        "{raw}"
    );
    // The addresses are gone once named; `generated stub/JIT` is STUB and
    // a shared library's path its base name, as in pprof.
    assert!(raw.contains("    13: 0x0 M=1 STUB :0:0 s=0\n"), "{raw}");
    assert!(
        raw.contains(" Unsafe_AllocateMemory0 libjvm.so:0:0 "),
        "{raw}"
    );
    let info = ok(&["info", &profile("java.heapz.txt")]);
    assert!(info.contains("Symbolized: yes"), "{info}");
}

/// An attribute pprof does not know makes it refuse the file; heapscope
/// says which line.
#[test]
fn java_heapz_with_an_unknown_attribute_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.heapz");
    std::fs::write(
        &path,
        "--- heapz 1 ---\nformat = java\nfoo = bar\n 1024 2 @ 0x10\n",
    )
    .unwrap();
    let out = run(&["top", &path.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("odd.heapz: line 3: Java heap profile attribute \"foo = bar\""),
        "{}",
        stderr(&out)
    );
}
