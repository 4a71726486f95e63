//! Names from a profile are text in every output: no markup injected into
//! SVG or DOT, no terminal control reaching a terminal, JSON that reads
//! back the same names. `testdata/bad/hostile-names.pb` has main.main call
//! seven functions named with XML and DOT specials, ANSI sequences (ESC and
//! the one-byte CSI), a newline, a right-to-left override, U+FFFF and bytes
//! that are not UTF-8 (see `make.py`).

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
fn assert_inert(what: &str, text: &str) {
    if let Some(c) = text
        .chars()
        .find(|&c| c != '\n' && c != '\t' && heapscope::escape::is_unsafe(c))
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
                names.push(String::from_utf8_lossy(e.name().as_ref()).into_owned())
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
