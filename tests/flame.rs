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
    let titles = titles_of_well_formed_svg(&svg);
    assert!(
        titles
            .iter()
            .all(|t| t.ends_with(", change 0, 0.00% of before)")),
        "differential tooltips carry the change: {titles:?}"
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

/// The frames of an SVG: (tooltip, fill, width in counts), in drawing order.
fn frames_of(svg: &str) -> Vec<(String, String, i64)> {
    svg.split("<g><title>")
        .skip(1)
        .map(|g| {
            let title = g.split("</title>").next().unwrap().to_string();
            let attr = |name: &str| {
                let v = g.split(&format!(" {name}=\"")).nth(1).unwrap();
                v.split('"').next().unwrap().to_string()
            };
            (title, attr("fill"), attr("fg:w").parse().unwrap())
        })
        .collect()
}

/// Two legacy heap profiles (sampling rate 1, so values are exact):
/// BEFORE holds main.old 1024 B and main.kept 2048 B under main.main;
/// AFTER holds main.fresh 4096 B and main.kept 1024 B.
fn before_and_after(dir: &std::path::Path) -> (String, String) {
    let frame = |addr: u32, name: &str| format!("#\t0x{addr:x}\t{name}+0x1\ta.go:{addr}\n");
    let sample = |n: u32, addr: u32, name: &str| {
        format!(
            "{n}: {b} [{n}: {b}] @ 0x{addr:x} 0x2\n{}{}\n",
            frame(addr, name),
            frame(2, "main.main"),
            b = n * 1024
        )
    };
    let before = format!(
        "heap profile: 3: 3072 [3: 3072] @ heap/1\n{}{}",
        sample(1, 1, "main.old"),
        sample(2, 3, "main.kept")
    );
    let after = format!(
        "heap profile: 5: 5120 [5: 5120] @ heap/1\n{}{}",
        sample(4, 4, "main.fresh"),
        sample(1, 3, "main.kept")
    );
    let (b, a) = (dir.join("before.heap"), dir.join("after.heap"));
    std::fs::write(&b, before).unwrap();
    std::fs::write(&a, after).unwrap();
    (
        b.to_str().unwrap().to_string(),
        a.to_str().unwrap().to_string(),
    )
}

#[test]
fn differential_flame_draws_gone_and_new_stacks_as_wide_as_their_larger_value() {
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = before_and_after(dir.path());
    for base in ["--base", "-diff_base"] {
        let svg = ok(&["flame", "-inuse_space", &format!("{base}={before}"), &after]);
        titles_of_well_formed_svg(&svg);
        let mut frames = frames_of(&svg);
        frames.sort();
        // Widths: max(before, after) per stack, 4096 + 2048 + 1024 in all.
        // Colours: the largest change below "all" (+4096, main.fresh) is
        // saturated (220 - 150 = 70); -1024 is a quarter (220 - 38 = 182).
        // Percentages are of BEFORE's 3072 B, as pprof's -diff_base.
        let want = [
            (
                "all (before 3 kB, after 5 kB, change +2 kB, +66.67% of before)",
                "rgb(255,145,145)",
                7168,
            ),
            (
                "main.fresh (before 0, after 4 kB, change +4 kB, +133.33% of before; new)",
                "rgb(255,70,70)",
                4096,
            ),
            (
                "main.kept (before 2 kB, after 1 kB, change -1 kB, -33.33% of before)",
                "rgb(182,182,255)",
                2048,
            ),
            (
                "main.main (before 3 kB, after 5 kB, change +2 kB, +66.67% of before)",
                "rgb(255,145,145)",
                7168,
            ),
            (
                "main.old (before 1 kB, after 0, change -1 kB, -33.33% of before; gone)",
                "rgb(182,182,255)",
                1024,
            ),
        ];
        let want: Vec<(String, String, i64)> = want
            .iter()
            .map(|(t, f, w)| (t.to_string(), f.to_string(), *w))
            .collect();
        assert_eq!(frames, want, "{base}");
    }
    // -normalize scales BEFORE to AFTER's 5120 B: main.old 1024 → 1706.67,
    // main.kept 2048 → 3413.33 (pprof's scaling, rounded per sample).
    let svg = ok(&[
        "flame",
        "-inuse_space",
        "-normalize",
        "--base",
        &before,
        &after,
    ]);
    let all = frames_of(&svg)
        .into_iter()
        .find(|f| f.0.starts_with("all ("))
        .unwrap();
    assert!(
        all.0.starts_with("all (before 5 kB, after 5 kB, "),
        "{all:?}"
    );
}

#[test]
fn differential_flame_on_leak_1_and_6_changes_as_pprof_diff_base() {
    // From go tool pprof -top -diff_base=leak.1.pb.gz leak.6.pb.gz
    // -sample_index=alloc_objects: 36698 of 5724 total (641.13%), and
    // runtime.main's cum +36696 (641.09%).
    let golden = std::fs::read_to_string(
        crate::util::testdata().join("golden/leak.diff_1_6.alloc_objects.functions.txt"),
    )
    .unwrap();
    assert!(golden.contains("Showing nodes accounting for 36698B, 641.13% of 5724B total"));
    assert!(golden.contains("     36696B 641.09%  runtime.main\n"));
    let svg = ok(&[
        "flame",
        "-alloc_objects",
        &format!("-diff_base={}", profile("leak.1.pb.gz")),
        &profile("leak.6.pb.gz"),
    ]);
    let titles = titles_of_well_formed_svg(&svg);
    let has = |t: &str| titles.iter().any(|x| x.starts_with(t));
    assert!(has(
        "all (before 5724 objects, after 42422 objects, change +36698 objects, +641.13% of before)"
    ));
    assert!(has("runtime.main (before 5719 objects, after 42415 objects, change +36696 objects, +641.09% of before)"));
    // Every frame's tooltip was rewritten; "all" is as wide as the
    // stacks' larger values together, at least AFTER's total.
    assert!(titles.iter().all(|t| t.contains(" (before ")), "{titles:?}");
    let all = frames_of(&svg)
        .into_iter()
        .find(|f| f.0.starts_with("all ("))
        .unwrap();
    let folded = ok(&[
        "flame",
        "--folded",
        "-alloc_objects",
        "--base",
        &profile("leak.1.pb.gz"),
        &profile("leak.6.pb.gz"),
    ]);
    let width: i64 = folded
        .lines()
        .map(|l| {
            let mut f = l.rsplitn(3, ' ');
            let a: i64 = f.next().unwrap().parse().unwrap();
            let b: i64 = f.next().unwrap().parse().unwrap();
            a.max(b)
        })
        .sum();
    assert_eq!(all.2, width);
    assert!(width >= 42422);
}

#[test]
fn inverted_folded_lines_are_the_folded_lines_reversed() {
    for file in ["inline.pb.gz", "recursion.pb.gz", "server.pb.gz"] {
        let reversed = |text: &str| {
            let mut lines: Vec<String> = text
                .lines()
                .map(|l| {
                    let (stack, v) = l.rsplit_once(' ').unwrap();
                    let mut frames: Vec<&str> = stack.split(';').collect();
                    frames.reverse();
                    format!("{} {v}", frames.join(";"))
                })
                .collect();
            lines.sort();
            lines
        };
        let plain = ok(&["flame", "--folded", "-alloc_space", &profile(file)]);
        let inverted = ok(&[
            "flame",
            "--folded",
            "--inverted",
            "-alloc_space",
            &profile(file),
        ]);
        let mut got: Vec<String> = inverted.lines().map(str::to_string).collect();
        got.sort();
        assert_eq!(got, reversed(&plain), "{file}");
        // The SVG starts at the allocation sites: its roots are the leaves.
        let svg = ok(&["flame", "--inverted", "-alloc_space", &profile(file)]);
        titles_of_well_formed_svg(&svg);
    }
    // With a base, both columns turn around.
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = before_and_after(dir.path());
    let text = ok(&[
        "flame",
        "--folded",
        "--inverted",
        "-inuse_space",
        "--base",
        &before,
        &after,
    ]);
    assert_eq!(
        text,
        "main.fresh;main.main 0 4096\nmain.kept;main.main 2048 1024\nmain.old;main.main 1024 0\n"
    );
}

#[test]
fn package_palette_colours_by_package_as_pprof_web_ui() {
    let svg = ok(&[
        "flame",
        "--palette=package",
        "-alloc_space",
        &profile("server.pb.gz"),
    ]);
    let mut by_package: HashMap<String, String> = HashMap::new();
    let mut checked = 0;
    for (title, fill, _) in frames_of(&svg) {
        let name = title
            .rsplit_once(" (")
            .unwrap()
            .0
            .trim_end_matches(" (inline)");
        if name == "all" {
            continue;
        }
        // The package: up to the first '.' after the last '/'.
        let slash = name.rfind('/').map_or(0, |i| i + 1);
        let package = match name[slash..].find('.') {
            Some(dot) => &name[..slash + dot],
            None => continue,
        };
        let seen = by_package
            .entry(package.to_string())
            .or_insert(fill.clone());
        assert_eq!(*seen, fill, "{name}");
        checked += 1;
    }
    assert!(checked > 10 && by_package.len() > 3, "{by_package:?}");
    // Different packages mostly differ.
    let mut fills: Vec<&String> = by_package.values().collect();
    fills.sort();
    fills.dedup();
    assert!(fills.len() > 3);
    assert!(
        run(&["flame", "--palette=nope", &profile("server.pb.gz")])
            .status
            .code()
            == Some(2)
    );
}

/// `-mean`: frames keep the widths of their sums, and each tooltip is the
/// frame's value over the first sample type's (alloc_objects) over the
/// same samples — for frames that are one node each, `top -mean`'s cum.
/// `--folded` gives each stack's own average: its alloc_space over its
/// alloc_objects, as the plain folded lines of each type give them.
#[test]
fn mean_flame_averages_each_frame_as_top_mean_and_each_folded_stack() {
    let churn = profile("churn.pb.gz");
    let svg = ok(&["flame", "-mean", "-alloc_space", &churn]);
    let titles = titles_of_well_formed_svg(&svg);
    // The graph's title: the mean over every sample, top's total.
    assert!(svg.contains(
        ">mean_alloc_space: 379 B per alloc_objects (widths: sums; tooltips: each frame&apos;s mean)<"
    ));
    let top = ok(&["top", "-mean", "-alloc_space", "-cum", "-unit=B", &churn]);
    for name in ["runtime.main", "main.main", "main.handle", "main.render"] {
        let cum = top
            .lines()
            .find(|l| l.ends_with(&format!("  {name}")))
            .and_then(|l| l.split_whitespace().nth(3))
            .unwrap_or_else(|| panic!("{name} in top"));
        let want = format!(
            "{name} ({} B per alloc_objects: ",
            cum.trim_end_matches('B')
        );
        assert!(
            titles.iter().any(|t| t.starts_with(&want)),
            "{want}: {titles:?}"
        );
    }
    // Widths are the sums: the same frames, as wide, as without -mean.
    let widths = |svg: &str| -> Vec<i64> { frames_of(svg).into_iter().map(|f| f.2).collect() };
    assert_eq!(
        widths(&svg),
        widths(&ok(&["flame", "-alloc_space", &churn]))
    );

    let out = run(&["flame", "-mean", "-alloc_space", "--folded", &churn]);
    assert!(out.status.success());
    assert!(stderr(&out)
        .contains("-mean: each folded value is its stack's alloc_space over its alloc_objects"));
    let sums = |flag: &str| -> HashMap<Vec<String>, i64> {
        folded(&ok(&["flame", "--folded", flag, &churn]))
            .into_iter()
            .collect()
    };
    let (space, objects) = (sums("-alloc_space"), sums("-alloc_objects"));
    let means = folded(&stdout(&out));
    assert_eq!(means.len(), space.len());
    for (stack, mean) in means {
        let div = objects.get(&stack).copied().unwrap_or(0);
        let want = if div == 0 {
            space[&stack]
        } else {
            space[&stack] / div
        };
        assert_eq!(mean, want, "{stack:?}");
    }

    let out = run(&[
        "flame",
        "-mean",
        "--base",
        &profile("leak.1.pb.gz"),
        &profile("leak.6.pb.gz"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("-mean: a differential flame graph"),
        "{}",
        stderr(&out)
    );
}

/// `-divide_by`: folded values, the title's total and every tooltip as `top`
/// shows values, each multiplied by 1/F and truncated (F = 1024 divides
/// exactly in floating point); widths unchanged.
#[test]
fn divide_by_divides_folded_values_title_and_tooltips() {
    let churn = profile("churn.pb.gz");
    let plain = folded(&ok(&["flame", "--folded", "-alloc_space", &churn]));
    let divided = folded(&ok(&[
        "flame",
        "--folded",
        "-alloc_space",
        "-divide_by=1024",
        &churn,
    ]));
    assert_eq!(divided.len(), plain.len());
    for ((s1, v1), (s2, v2)) in plain.iter().zip(&divided) {
        assert_eq!(s1, s2);
        assert_eq!(*v2, v1 / 1024, "{s1:?}");
    }
    let total: i64 = plain.iter().map(|(_, v)| v).sum();
    let svg = ok(&["flame", "-alloc_space", "-divide_by=1024", &churn]);
    let titles = titles_of_well_formed_svg(&svg);
    // top's total, in bytes: the same 1/1024 of the folded values' sum.
    let top = ok(&["top", "-alloc_space", "-divide_by=1024", "-unit=B", &churn]);
    assert!(
        top.contains(&format!("of {}B total", total / 1024)),
        "{top}"
    );
    // In human units (MB: 2^20 bytes, two decimals) in the title and in
    // main.handle's tooltip (every stack but the runtime's goes through it).
    let mb = |v: i64| format!("{:.2} MB", v as f64 / 1048576.0);
    assert!(
        svg.contains(&format!(">alloc_space: {}<", mb(total / 1024))),
        "{}",
        mb(total / 1024)
    );
    let handle: i64 = plain
        .iter()
        .filter(|(s, _)| s.iter().any(|f| f == "main.handle"))
        .map(|(_, v)| v)
        .sum();
    let want = format!("main.handle ({}, ", mb(handle / 1024));
    assert!(
        titles.iter().any(|t| t.starts_with(&want)),
        "{want} {titles:?}"
    );
    let widths = |svg: &str| -> Vec<i64> { frames_of(svg).into_iter().map(|f| f.2).collect() };
    assert_eq!(
        widths(&svg),
        widths(&ok(&["flame", "-alloc_space", &churn]))
    );
}
