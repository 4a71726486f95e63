//! `flame`: well-formed SVG, folded values that add up, frame values equal
//! to `top`'s cum, stable output.

use std::collections::HashMap;

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::Value;

use crate::util::{profile, run, run_with_stdin, stderr, stdout};

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Parses the whole document; returns the text of every <title>.
fn titles_of_well_formed_svg(svg: &str) -> Vec<String> {
    let mut reader = Reader::from_str(svg);
    let mut titles = Vec::new();
    let mut in_title = false;
    let mut depth = 0i64;
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("malformed SVG at {}: {e}", reader.buffer_position()))
        {
            Event::Start(e) => {
                depth += 1;
                in_title = e.name().as_ref() == b"title";
            }
            Event::End(_) => {
                depth -= 1;
                in_title = false;
            }
            Event::Text(t) if in_title => titles.push(t.decode().unwrap().into_owned()),
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unbalanced elements");
    titles
}

/// Folded stacks: `stack value` → (frames, value).
fn folded(text: &str) -> Vec<(Vec<String>, i64)> {
    text.lines()
        .map(|l| {
            let (stack, v) = l.rsplit_once(' ').unwrap();
            (
                stack.split(';').map(str::to_string).collect(),
                v.parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn svg_is_well_formed_searchable_and_titled_in_human_units() {
    for file in ["inline.pb.gz", "recursion.pb.gz", "server.pb.gz"] {
        for flag in [
            "-alloc_space",
            "-inuse_space",
            "-alloc_objects",
            "-inuse_objects",
        ] {
            let svg = ok(&["flame", flag, &profile(file)]);
            let titles = titles_of_well_formed_svg(&svg);
            assert!(titles.len() > 3, "{file} {flag}");
            assert!(
                svg.contains("function search("),
                "inferno's search script is there"
            );
            let info: Value =
                serde_json::from_str(&ok(&["info", "--format=json", &profile(file)])).unwrap();
            let sample = &flag[1..];
            let total = info["sample_types"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == sample)
                .unwrap()["total"]
                .as_i64()
                .unwrap();
            let expected_title = if sample.ends_with("space") {
                format!("{sample}: {}", heapscope::units::human_bytes(total))
            } else {
                format!("{sample}: {total} objects")
            };
            assert!(
                svg.contains(&format!(">{expected_title}<")),
                "{file} {flag}: {expected_title}"
            );
        }
    }
}

#[test]
fn folded_values_sum_to_the_total_and_frames_equal_top_cum() {
    for file in ["inline.pb.gz", "recursion.pb.gz", "server.pb.gz"] {
        for flag in [
            "-alloc_space",
            "-inuse_space",
            "-alloc_objects",
            "-inuse_objects",
        ] {
            let stacks = folded(&ok(&["flame", "--folded", flag, &profile(file)]));
            let top: Value = serde_json::from_str(&ok(&[
                "top",
                "--format=json",
                "-nodecount=0",
                "-nodefraction=0",
                flag,
                &profile(file),
            ]))
            .unwrap();
            let sum: i64 = stacks.iter().map(|(_, v)| v).sum();
            assert_eq!(sum, top["total"].as_i64().unwrap(), "{file} {flag}");

            // A function's width in the flame graph is the sum over the stacks
            // it is on; unless it recurses, that is its cum.
            let mut width: HashMap<String, i64> = HashMap::new();
            let mut recursive: Vec<String> = Vec::new();
            for (frames, v) in &stacks {
                let mut names: Vec<&str> = frames
                    .iter()
                    .map(|f| f.trim_end_matches(" (inline)"))
                    .collect();
                let n = names.len();
                names.sort();
                names.dedup();
                if names.len() != n {
                    let mut seen = HashMap::new();
                    for f in frames {
                        *seen.entry(f.trim_end_matches(" (inline)")).or_insert(0) += 1;
                    }
                    recursive.extend(
                        seen.into_iter()
                            .filter(|(_, c)| *c > 1)
                            .map(|(f, _)| f.to_string()),
                    );
                }
                for name in names {
                    *width.entry(name.to_string()).or_insert(0) += v;
                }
            }
            let mut checked = 0;
            for node in top["nodes"].as_array().unwrap() {
                let name = node["name"].as_str().unwrap();
                if recursive.iter().any(|r| r == name) {
                    continue;
                }
                assert_eq!(
                    width.get(name).copied().unwrap_or(0),
                    node["cum"].as_i64().unwrap(),
                    "{file} {flag}: {name}"
                );
                checked += 1;
            }
            assert!(checked > 5, "{file} {flag}");
        }
    }
}

#[test]
fn recursive_functions_appear_at_every_depth_and_inlined_frames_are_marked() {
    let stacks = folded(&ok(&[
        "flame",
        "--folded",
        "-alloc_space",
        &profile("recursion.pb.gz"),
    ]));
    let deepest = stacks
        .iter()
        .map(|(f, _)| f.iter().filter(|n| *n == "main.descend").count())
        .max()
        .unwrap();
    // descend recurses to depth 10 (11 frames).
    assert_eq!(deepest, 11);
    let inline = ok(&[
        "flame",
        "--folded",
        "-alloc_space",
        &profile("inline.pb.gz"),
    ]);
    assert!(
        inline
            .contains("main.chainWork;main.outer (inline);main.mid (inline);main.newBuf (inline) "),
        "{inline}"
    );
}

#[test]
fn output_is_byte_identical_across_runs_and_inputs() {
    let file = profile("server.pb.gz");
    let a = ok(&["flame", "-alloc_space", &file]);
    let b = ok(&["flame", "-alloc_space", &file]);
    assert_eq!(a, b);
    let piped = run_with_stdin(&["flame", "-alloc_space"], &std::fs::read(&file).unwrap());
    assert!(piped.status.success());
    // The subtitle names the source; everything else is the same.
    assert_eq!(stdout(&piped).replace("&lt;stdin&gt;", &file), a);
}

#[test]
fn output_file_option_writes_the_svg() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("heap.svg");
    let out = run(&[
        "flame",
        "-inuse_space",
        "-o",
        path.to_str().unwrap(),
        &profile("inline.pb.gz"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let svg = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        svg,
        ok(&["flame", "-inuse_space", &profile("inline.pb.gz")])
    );
}

#[test]
fn differential_folded_has_before_and_after_columns() {
    // The same program's protobuf against itself (plain and gzipped): no change.
    let text = ok(&[
        "flame",
        "--folded",
        "--base",
        &profile("inline.pb"),
        &profile("inline.pb.gz"),
    ]);
    for line in text.lines() {
        let mut f = line.rsplitn(3, ' ');
        let (after, before) = (f.next().unwrap(), f.next().unwrap());
        assert_eq!(after, before, "{line}");
    }
    let svg = ok(&[
        "flame",
        "--base",
        &profile("inline.pb"),
        &profile("inline.pb.gz"),
    ]);
    titles_of_well_formed_svg(&svg);
    assert!(
        svg.contains("; 0.00%)</title>"),
        "differential tooltips carry the change"
    );
}

#[test]
fn flame_errors() {
    let out = run(&["flame", "--colors=nope", &profile("inline.pb.gz")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown palette"));
    let out = run(&["flame", "-focus=NoSuchThing", &profile("inline.pb.gz")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nothing to draw"), "{}", stderr(&out));
}
