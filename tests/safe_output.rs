//! Strings from outside are text in every output: no markup injected into
//! SVG or DOT, no terminal control reaching a terminal or an error message,
//! JSON that reads back the same strings. `testdata/bad/hostile-names.pb`
//! has main.main call seven functions named with XML and DOT specials, ANSI
//! sequences (ESC and the one-byte CSI), a newline, a right-to-left
//! override, U+FFFF and bytes that are not UTF-8 (see `make.py`);
//! [`hostile_profile`], made here, puts such a string in every other field
//! a report shows (sample type, unit, period type, comment, mapping, build
//! ID, label); files are named with controls too.

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::Value;

use crate::util::{run, stderr, stdout, testdata};

fn hostile() -> String {
    testdata()
        .join("bad/hostile-names.pb")
        .to_string_lossy()
        .into_owned()
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// The names as the profile holds them once decoded (bytes that are not
/// UTF-8 become U+FFFD, as Go's pprof shows them).
const RAW: [&str; 7] = [
    "main.<script>alert('x&y')</script>",
    "main.\"quoted\"\\back",
    "main.\u{1b}[31mred\u{1b}[0m\u{9b}2J",
    "main.two\nlines\ttab",
    "main.\u{202e}evil",
    "main.non\u{ffff}char",
    "main.bad\u{fffd}\u{fffd}utf8",
];

/// The same names as text reports print them.
const SHOWN: [&str; 7] = [
    "main.<script>alert('x&y')</script>",
    "main.\"quoted\"\\back",
    "main.\\u{1b}[31mred\\u{1b}[0m\\u{9b}2J",
    "main.two\\nlines\ttab",
    "main.\\u{202e}evil",
    "main.non\\u{ffff}char",
    "main.bad\u{fffd}\u{fffd}utf8",
];

/// No character that a terminal would act on, or that XML forbids.
pub fn assert_inert(what: &str, text: &str) {
    if let Some(c) = text
        .chars()
        .find(|&c| c != '\n' && c != '\t' && heapscope::support::escape::is_unsafe(c))
    {
        panic!("{what}: holds {c:?}");
    }
}

#[test]
fn terminal_reports_show_control_characters_as_escapes() {
    let top = ok(&["top", "-unit=B", &hostile()]);
    assert_inert("top", &top);
    // Seven rows for the seven names (the newline did not split a row),
    // each with its value: name i allocates (i + 1) × 1000 bytes.
    for (i, name) in SHOWN.iter().enumerate() {
        let row = top
            .lines()
            .find(|l| l.ends_with(&format!("  {name}")))
            .unwrap_or_else(|| panic!("no row for {name}\n{top}"));
        assert!(row
            .trim_start()
            .starts_with(&format!("{}B ", (i + 1) * 1000)));
    }
    assert_eq!(top.lines().count(), 3 + 8);

    let peek = ok(&["peek", "main.main", &hostile()]);
    assert_inert("peek", &peek);
    let list = ok(&["list", "evil", &hostile()]);
    assert_inert("list", &list);
    assert!(list.contains("ROUTINE ======================== main.\\u{202e}evil in /src/<evil>&.go"));
    let folded = ok(&["flame", "--folded", &hostile()]);
    assert_inert("folded", &folded);
    assert!(folded.contains("main.main;main.\\u{1b}[31mred\\u{1b}[0m\\u{9b}2J 3000\n"));
}

#[test]
fn json_escapes_control_characters_and_reads_back_the_names() {
    for args in [
        vec!["top", "--format", "json"],
        vec!["peek", "--format", "json", "main"],
        vec!["list", "--format", "json", "main"],
        vec!["trend", "--format", "json", &hostile()],
    ] {
        let mut args = args.clone();
        let path = hostile();
        args.push(&path);
        let text = ok(&args);
        assert_inert(args[0], &text);
        let doc: Value = serde_json::from_str(&text).unwrap();
        let key = if args[0] == "list" {
            "functions"
        } else {
            "nodes"
        };
        let mut names: Vec<&str> = doc[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap())
            .filter(|&n| n != "main.main")
            .collect();
        names.sort_unstable();
        let mut want = RAW.to_vec();
        want.sort_unstable();
        assert_eq!(names, want, "{args:?}");
    }
    let top = ok(&["top", "--format", "json", &hostile()]);
    assert!(top.contains(r#""name": "main.\u001b[31mred\u001b[0m\u009b2J""#));
    assert!(top.contains(r#""name": "main.\u202eevil""#));
}

/// Every piece of text in a well-formed SVG (element text and attribute
/// values), unescaped.
fn svg_texts(svg: &str) -> Vec<String> {
    let mut reader = Reader::from_str(svg);
    let mut texts = Vec::new();
    let mut current = String::new();
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("malformed SVG at {}: {e}", reader.buffer_position()))
        {
            Event::Start(e) | Event::Empty(e) => {
                texts.push(std::mem::take(&mut current));
                for a in e.attributes() {
                    let a = a.unwrap();
                    texts.push(
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned(),
                    );
                }
            }
            Event::End(_) => texts.push(std::mem::take(&mut current)),
            Event::Text(t) => current.push_str(&t.decode().unwrap()),
            Event::CData(t) => current.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => {
                if let Some(c) = r.resolve_char_ref().unwrap() {
                    // Graphviz writes some characters as references.
                    current.push(c);
                    continue;
                }
                let name = r.decode().unwrap();
                current.push_str(match name.as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity &{other};"),
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    texts
}

/// Element names in an SVG.
fn svg_elements(svg: &str) -> Vec<String> {
    let mut reader = Reader::from_str(svg);
    let mut names = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                names.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
            }
            Event::Eof => break,
            _ => {}
        }
    }
    names
}

#[test]
fn svg_shows_names_as_text() {
    for args in [
        vec!["flame"],
        vec!["graph", "--renderer", "builtin"],
        vec!["flame", "--base", &hostile()],
    ] {
        let mut args = args.clone();
        let path = hostile();
        args.push(&path);
        let svg = ok(&args);
        assert_inert(args[0], &svg);
        // The script element is flame graph's own (its zoom and search);
        // nothing from a name became an element.
        let scripts = svg_elements(&svg).iter().filter(|e| *e == "script").count();
        assert_eq!(scripts, usize::from(args[0] == "flame"), "{args:?}");
        let texts = svg_texts(&svg);
        for name in SHOWN {
            // Tooltips hold the whole name; the newline and tab as the text
            // reports show them.
            assert!(
                texts
                    .iter()
                    .any(|t| t.starts_with(&format!("{name} ("))
                        || t.contains(&format!("> {name} ("))),
                "{args:?}: no tooltip for {name:?}"
            );
        }
    }
}

#[test]
fn dot_quotes_names() {
    let dot = ok(&["graph", "--format", "dot", "-unit=B", &hostile()]);
    assert_inert("dot", &dot);
    for tooltip in [
        r#"tooltip="main.<script>alert('x&y')</script> (1000B)""#,
        r#"tooltip="main.\"quoted\"\\back (2000B)""#,
        r#"tooltip="main.\\u{1b}[31mred\\u{1b}[0m\\u{9b}2J (3000B)""#,
        "tooltip=\"main.two\\\\nlines\ttab (4000B)\"",
        r#"tooltip="main.\\u{202e}evil (5000B)""#,
    ] {
        assert!(dot.contains(tooltip), "{tooltip}\n{dot}");
    }
    // One line per node and edge: no name broke a statement.
    assert_eq!(dot.lines().filter(|l| l.starts_with('N')).count(), 8 + 7);
}

/// Every kind of trouble a string from outside can hold: an ANSI colour
/// (ESC), an OSC 8 hyperlink, markup and DOT specials, a right-to-left
/// override and an isolate, a newline, NUL, DEL, the one-byte CSI and
/// U+FFFF. No capital letter (units are lower-cased) and no `/` (a file
/// keeps its base name).
pub const H: &str = "\u{1b}[31m\u{1b}]8;;x:y\u{1b}\\k\u{1b}]8;;\u{1b}\\<&>\"'\u{202e}\u{2066}\n\0\u{7f}\u{9b}\u{ffff}";

/// [`H`] as text output shows it.
const E: &str = r#"\u{1b}[31m\u{1b}]8;;x:y\u{1b}\k\u{1b}]8;;\u{1b}\<&>"'\u{202e}\u{2066}\n\u{0}\u{7f}\u{9b}\u{ffff}"#;

/// A profile whose every string a report shows holds [`H`]: the first
/// sample type and its unit, the period type, a comment, the main
/// mapping's file and build ID, a label's key and value, a function name;
/// `types` are added after it. main.main (50) calls main.f<H> (100, label
/// lk<H>=lv<H>) and `main.g&#27;&#x202e;` (25), a name Graphviz would
/// decode; `types` get ten times those values.
pub fn hostile_profile(types: &[(&str, &str)]) -> heapscope::pb::Profile {
    use heapscope::pb;
    let mut strings: Vec<String> = vec![String::new()];
    let mut s = |text: &str| -> i64 {
        strings.push(text.to_string());
        strings.len() as i64 - 1
    };
    let mut sample_type = vec![pb::ValueType {
        r#type: s(&format!("st{H}")),
        unit: s(&format!("un{H}")),
    }];
    for (kind, unit) in types {
        sample_type.push(pb::ValueType {
            r#type: s(kind),
            unit: s(unit),
        });
    }
    let period_type = Some(pb::ValueType {
        r#type: s(&format!("pt{H}")),
        unit: s(&format!("pu{H}")),
    });
    let comment = vec![s(&format!("co{H}"))];
    let doc_url = s(&format!("https://doc{H}"));
    let mapping = vec![pb::Mapping {
        id: 1,
        memory_start: 0x1000,
        memory_limit: 0x9000,
        filename: s(&format!("/bin/prog{H}")),
        build_id: s(&format!("bid{H}")),
        ..Default::default()
    }];
    let file = s("/src/m.go");
    let names = [
        s("main.main"),
        s(&format!("main.f{H}")),
        s("main.g&#27;&#x202e;"),
    ];
    let label = pb::Label {
        key: s(&format!("lk{H}")),
        str: s(&format!("lv{H}")),
        ..Default::default()
    };
    let values = |v: i64| -> Vec<i64> {
        std::iter::once(v)
            .chain(types.iter().map(|_| v * 10))
            .collect()
    };
    pb::Profile {
        sample_type,
        sample: vec![
            pb::Sample {
                location_id: vec![2, 1],
                value: values(100),
                label: vec![label],
            },
            pb::Sample {
                location_id: vec![1],
                value: values(50),
                label: vec![],
            },
            pb::Sample {
                location_id: vec![3, 1],
                value: values(25),
                label: vec![],
            },
        ],
        mapping,
        location: (1..=3)
            .map(|i| pb::Location {
                id: i,
                mapping_id: 1,
                address: 0x1000 + 0x100 * i,
                line: vec![pb::Line {
                    function_id: i,
                    line: 10 * i as i64,
                    column: 0,
                }],
                ..Default::default()
            })
            .collect(),
        function: (1..=3)
            .map(|i| pb::Function {
                id: i,
                name: names[i as usize - 1],
                // No system name: pprof's demangling step (which would drop
                // the `<&>` of a name that looks like C++) leaves it alone.
                system_name: 0,
                filename: file,
                start_line: 10 * i as i64 - 1,
            })
            .collect(),
        string_table: strings,
        time_nanos: 1_700_000_000_000_000_000,
        duration_nanos: 10_000_000_000,
        period_type,
        period: 524288,
        comment,
        doc_url,
        ..Default::default()
    }
}

/// The hostile profile, with inuse_space in bytes as its last (default)
/// type, written to a file named `name` in a new directory.
fn hostile_file(name: &str) -> (tempfile::TempDir, String) {
    use prost::Message;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let profile = hostile_profile(&[("inuse_space", "bytes")]);
    std::fs::write(&path, profile.encode_to_vec()).unwrap();
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

/// The lines pprof puts above a graph report, for the hostile type.
fn hostile_header() -> Vec<String> {
    vec![
        format!("File: prog{E}"),
        format!("Build ID: bid{E}"),
        format!("co{E}"),
        format!("Type: st{E}"),
        format!("Doc: https://doc{E}"),
        "Time: 2023-11-14 22:13:20 UTC".to_string(),
        format!("Duration: 10s, Total samples = 175un{E} "),
        format!("Showing nodes accounting for 175un{E}, 100% of 175un{E} total"),
    ]
}

#[test]
fn profile_strings_reach_text_reports_escaped() {
    let (_dir, path) = hostile_file("h.pb");
    let header = hostile_header();

    let top = ok(&["top", "-sample_index=0", &path]);
    assert_inert("top", &top);
    assert_eq!(top.lines().take(8).collect::<Vec<_>>(), header, "{top}");
    assert!(top.lines().any(
        |l| l.starts_with(&format!("100un{E} 57.14%")) && l.ends_with(&format!("  main.f{E}"))
    ));
    assert!(top.lines().any(|l| l.ends_with("  main.g&#27;&#x202e;")));

    let peek = ok(&["peek", "-sample_index=0", "main", &path]);
    assert_inert("peek", &peek);
    assert_eq!(peek.lines().take(8).collect::<Vec<_>>(), header, "{peek}");
    assert!(
        peek.lines().any(|l| l.ends_with(&format!("| main.f{E}"))),
        "{peek}"
    );

    let tags = ok(&["tags", "-sample_index=0", &path]);
    assert_inert("tags", &tags);
    // pprof prints values of a unit it does not know without it here.
    assert!(
        tags.starts_with(&format!(" lk{E}: Total 100 of 175 (57.14%)\n")),
        "{tags}"
    );
    assert!(
        tags.lines().any(|l| l.ends_with(&format!("): lv{E}"))),
        "{tags}"
    );
    let tags = ok(&["tags", "--format", "json", "-sample_index=0", &path]);
    assert_inert("tags", &tags);
    let doc: Value = serde_json::from_str(&tags).unwrap();
    assert_eq!(doc["keys"][0]["key"], format!("lk{H}"));
    assert_eq!(doc["keys"][0]["values"][0]["label"], format!("lv{H}"));

    let diff = ok(&["diff", "-sample_index=0", &path, &path]);
    assert_inert("diff", &diff);
    assert!(diff.lines().any(|l| l == format!("Type: st{E}")), "{diff}");

    let trend = ok(&["trend", "-sample_index=0", &path, &path]);
    assert_inert("trend", &trend);
    assert_eq!(
        trend.lines().next().unwrap(),
        format!("Type: st{E} (flat per node)")
    );
    assert!(trend.lines().any(|l| l.ends_with(&format!("  main.f{E}"))));

    let info = ok(&["info", &path]);
    assert_inert("info", &info);
    for line in [
        format!("Producer: prog{E} (/bin/prog{E})"),
        format!("Build ID: bid{E}"),
        format!("Period: 524288 pu{E} of pt{E} (524288)"),
        format!("Comment: co{E}"),
    ] {
        assert!(info.lines().any(|l| l == line), "{line}\n{info}");
    }
    assert!(info
        .lines()
        .any(|l| l.starts_with(&format!(" st{E}  un{E}  ")) && l.ends_with(" 175")));
}

#[test]
fn profile_strings_read_back_from_json() {
    let (_dir, path) = hostile_file("h.pb");
    let text = ok(&["info", "--format", "json", &path]);
    assert_inert("info json", &text);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["period_type"]["type"], format!("pt{H}"));
    assert_eq!(doc["period_type"]["unit"], format!("pu{H}"));
    assert_eq!(doc["comments"][0], format!("co{H}"));
    assert_eq!(doc["build_id"], format!("bid{H}"));
    assert_eq!(doc["sample_types"][0]["name"], format!("st{H}"));
    assert_eq!(doc["sample_types"][0]["unit"], format!("un{H}"));
    assert!(text.contains(r#""comments": [
    "co\u001b[31m\u001b]8;;x:y\u001b\\k\u001b]8;;\u001b\\<&>\"'\u202e\u2066\n\u0000\u007f\u009b\uffff""#));

    for cmd in ["top", "peek", "trend"] {
        let mut args = vec![cmd, "--format", "json", "-sample_index=0"];
        if cmd == "peek" {
            args.push("main");
        }
        args.push(&path);
        if cmd == "trend" {
            args.push(&path);
        }
        let text = ok(&args);
        assert_inert(cmd, &text);
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["sample_type"], format!("st{H}"), "{cmd}");
        assert_eq!(doc["unit"], format!("un{H}"), "{cmd}");
    }
}

#[test]
fn an_unknown_sample_type_lists_the_names_escaped() {
    let (_dir, path) = hostile_file("h.pb");
    let out = run(&["top", "-sample_index=no\u{1b}[2Jpe", &path]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "heapscope: {path}: sample_index \"no\\u{{1b}}[2Jpe\" must be one of: st{E}, \
             inuse_space\n"
        )
    );
}

#[test]
fn profile_strings_in_svg_are_well_formed_text() {
    let (_dir, path) = hostile_file("h.pb");
    let flame = ok(&["flame", "-sample_index=0", &path]);
    assert_inert("flame", &flame);
    let texts = svg_texts(&flame);
    assert!(texts.contains(&format!("st{E}: 175 objects")), "{texts:?}");
    // A frame's ';' (the separator of folded stacks) shows as ':'.
    let frame = format!("main.f{} (100 objects, 57.14%)", E.replace(';', ":"));
    assert!(texts.contains(&frame), "{frame}\n{texts:?}");
    let flame = ok(&["flame", "-title", "t\u{1b}[2J\u{7}", &path]);
    assert!(svg_texts(&flame).contains(&"t\\u{1b}[2J\\u{7}".to_string()));

    let graph = ok(&["graph", "--renderer=builtin", "-sample_index=0", &path]);
    assert_inert("graph", &graph);
    let texts = svg_texts(&graph);
    for want in [
        format!("Type: st{E}"),
        format!("lk{E}:lv{E}"),
        format!("main.f{E} (100un{E})"),
    ] {
        assert!(texts.contains(&want), "{want}\n{texts:?}");
    }
}

#[test]
fn profile_strings_in_dot_are_quoted_text() {
    let (_dir, path) = hostile_file("h.pb");
    let dot = ok(&["graph", "--format=dot", "-sample_index=0", &path]);
    assert_inert("dot", &dot);
    // In DOT every backslash of the shown text is escaped, and a quote.
    let d = E.replace('\\', "\\\\").replace('"', "\\\"");
    for want in [
        format!("\\lType: st{d}\\l"),
        format!("label = \"lk{d}:lv{d}\""),
        format!("tooltip=\"main.f{d} (100un{d})\""),
        // Graphviz would decode these references.
        "tooltip=\"main.g&amp;#27;&amp;#x202e; (25un".to_string(),
    ] {
        assert!(dot.contains(&want), "{want}\n{dot}");
    }
    // One statement a line: no string broke out of its quotes.
    assert_eq!(
        dot.lines().filter(|l| l.starts_with('N')).count(),
        3 + 2 + 2
    );

    if std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_err()
    {
        eprintln!("skipped Graphviz: dot is not on PATH");
        return;
    }
    let svg = ok(&["graph", "--renderer=dot", "-sample_index=0", &path]);
    assert!(svg.contains("Generated by graphviz"), "{svg}");
    assert_inert("graphviz", &svg);
    let texts = svg_texts(&svg);
    for t in &texts {
        assert_inert("graphviz text", t);
    }
    assert!(texts.iter().any(|t| t == "g&#27;&#x202e;"), "{texts:?}");
}

#[test]
fn a_file_named_with_controls_is_shown_escaped() {
    let (dir, path) = hostile_file("n\u{1b}[31m\u{202e}.pb");
    let shown = format!("{}/n\\u{{1b}}[31m\\u{{202e}}.pb", dir.path().display());

    let info = ok(&["info", &path]);
    assert_eq!(info.lines().next().unwrap(), format!("Profile: {shown}"));
    let flame = ok(&["flame", &path]);
    assert_inert("flame", &flame);
    assert!(svg_texts(&flame)
        .iter()
        .any(|t| t == &format!("{shown} · 2023-11-14 22:13:20 UTC")));

    let bad = dir.path().join("bad\u{1b}]0;t\u{7}.pb");
    std::fs::write(&bad, b"\x0a\xff\xff").unwrap();
    let out = run(&["top", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_inert("error", &err);
    assert!(
        err.starts_with(&format!(
            "heapscope: {}/bad\\u{{1b}}]0;t\\u{{7}}.pb: ",
            dir.path().display()
        )),
        "{err}"
    );

    let memstats = dir.path().join("m\u{1b}[2J.txt");
    std::fs::write(&memstats, "# HeapAlloc = 1024\n# HeapSys = 4096\n").unwrap();
    let text = ok(&["memstats", memstats.to_str().unwrap()]);
    assert_inert("memstats", &text);
    assert_eq!(
        text.lines().next().unwrap(),
        format!(
            "runtime.MemStats of {}/m\\u{{1b}}[2J.txt (from line 1)",
            dir.path().display()
        )
    );

    let log = dir.path().join("g\u{1b}[2J\u{202e}.log");
    std::fs::copy(testdata().join("logs/churn.gctrace.log"), &log).unwrap();
    let chart = dir.path().join("gc.svg");
    let text = ok(&[
        "gctrace",
        &format!("--svg={}", chart.display()),
        log.to_str().unwrap(),
    ]);
    assert_inert("gctrace", &text);
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert_inert("gctrace svg", &svg);
    let title = format!(
        "GC trace: {}/g\\u{{1b}}[2J\\u{{202e}}.log",
        dir.path().display()
    );
    assert!(svg_texts(&svg).contains(&title), "{title}");
}

#[test]
fn input_lines_quoted_in_errors_are_escaped_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let legacy = dir.path().join("heap.txt");
    let row = format!("\u{1b}[2J{}", "x".repeat(1000));
    std::fs::write(
        &legacy,
        format!("heap profile: 1: 2 [3: 4] @ heap/1024\n{row}\n"),
    )
    .unwrap();
    let path = legacy.to_str().unwrap();
    let out = run(&["top", path]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "heapscope: {path}: line 2: expected a sample row `count: bytes [count: bytes] @ \
             0xaddr ...`, found \"\\u{{1b}}[2J{}…\"\n",
            "x".repeat(76)
        )
    );

    let memstats = dir.path().join("m.txt");
    std::fs::write(&memstats, "# HeapAlloc = 1\u{1b}]0;t\u{7}\n").unwrap();
    let path = memstats.to_str().unwrap();
    let out = run(&["memstats", path]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "heapscope: {path}: line 1: HeapAlloc = \"1\\u{{1b}}]0;t\\u{{7}}\" is not a valid \
             value\n"
        )
    );
}

#[test]
fn a_usage_error_never_echoes_controls() {
    let out = run(&["top", "--format", "j\u{1b}[31mk\u{202e}\u{7}", "x.pb"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_inert("usage error", &err);
    // clap drops the escape sequence (and BEL) from its plain text; the
    // override is shown.
    assert!(
        err.starts_with("error: invalid value 'jk\\u{202e}' for '--format <FORMAT>'\n"),
        "{err}"
    );
}

#[test]
fn traces_and_raw_show_profile_strings_escaped() {
    let (_dir, path) = hostile_file("h.pb");
    let traces = ok(&["traces", "-sample_index=0", &path]);
    assert_inert("traces", &traces);
    for line in [
        format!("File: prog{E}"),
        format!("Type: st{E}"),
        format!("lk{E}:  lv{E}"),
        // An unknown unit: pprof prints the bare number here.
        format!("       100   main.f{E}"),
        "             main.main".to_string(),
    ] {
        assert!(traces.lines().any(|l| l == line), "{line}\n{traces}");
    }
    let json = ok(&["traces", "--format", "json", "-sample_index=0", &path]);
    assert_inert("traces json", &json);
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        doc["traces"][0]["labels"][format!("lk{H}")][0],
        format!("lv{H}")
    );
    assert_eq!(doc["traces"][0]["frames"][0]["name"], format!("main.f{H}"));

    let raw = ok(&["raw", &path]);
    assert_inert("raw", &raw);
    for line in [
        format!("Comment: co{E}"),
        format!("PeriodType: pt{E} pu{E}"),
        format!("st{E}/un{E} inuse_space/bytes"),
        format!("                lk{E}:[lv{E}]"),
        // The empty system name, which differs from the name, in ().
        format!("     2: 0x1200 M=1 main.f{E} /src/m.go:20:0 s=19()"),
        format!("1: 0x1000/0x9000/0x0 /bin/prog{E} bid{E} "),
    ] {
        assert!(raw.lines().any(|l| l == line), "{line}\n{raw}");
    }
}

#[test]
fn heap_and_doctor_write_hostile_strings_inert() {
    use prost::Message;
    let dir = tempfile::tempdir().unwrap();
    // A heap profile (the four types after the hostile one) in a file
    // whose name holds an escape sequence.
    let path = dir.path().join("heap\u{1b}[31m.pb");
    let profile = hostile_profile(&[
        ("alloc_objects", "count"),
        ("alloc_space", "bytes"),
        ("inuse_objects", "count"),
        ("inuse_space", "bytes"),
    ]);
    std::fs::write(&path, profile.encode_to_vec()).unwrap();
    let path = path.to_str().unwrap();

    let heap = ok(&["heap", path]);
    assert_inert("heap", &heap);
    assert!(
        heap.lines().any(|l| l.ends_with(&format!("  main.f{E}"))),
        "{heap}"
    );
    let heap = ok(&["heap", "--format", "json", path]);
    assert_inert("heap", &heap);
    let doc: Value = serde_json::from_str(&heap).unwrap();
    assert!(doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == format!("main.f{H}")));

    let doctor = ok(&["doctor", path]);
    assert_inert("doctor", &doctor);
    assert!(
        doctor.contains("heap\\u{1b}[31m.pb: heap profile"),
        "{doctor}"
    );
    let doctor = ok(&["doctor", "--format", "json", path]);
    assert_inert("doctor", &doctor);
    let doc: Value = serde_json::from_str(&doctor).unwrap();
    // A source goes by its escaped name, in JSON too (as in trend's).
    let source = doc["evidence"][0]["source"].as_str().unwrap();
    assert!(source.ends_with("/heap\\u{1b}[31m.pb"), "{source}");
}
