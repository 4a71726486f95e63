//! `graph`: DOT node by node and edge by edge equal to `go tool pprof -dot`
//! (testdata/golden/*.dot), SVG from both renderers well-formed and holding
//! every node's label, Graphviz optional.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::util::{
    self, heapscope, manifest, manifest_in, profile, run, stderr, stdout, GoldenCase,
};

/// Attributes of a DOT statement, values unquoted (escapes kept).
type Attrs = BTreeMap<String, String>;

/// A parsed pprof DOT graph, with nodes keyed by their full name (from the
/// tooltip) instead of their number.
#[derive(Debug, Default, PartialEq)]
struct Graph {
    /// The legend's lines.
    legend: Vec<String>,
    /// Node name → attributes (without the numbered `id`).
    nodes: BTreeMap<String, Attrs>,
    /// Node name → its nodelets: (id relative to the node, nodelet
    /// attributes, attributes of the edge to it).
    nodelets: BTreeMap<String, Vec<(String, Attrs, Attrs)>>,
    /// (caller, callee) → edge attributes.
    edges: BTreeMap<(String, String), Attrs>,
    /// Edges to "N0", a node pprof does not draw (with -mean only).
    dangling: usize,
}

/// Parses `[k=v k="v" …]`.
fn attrs(s: &str) -> Attrs {
    let body = s.trim().trim_start_matches('[').trim_end_matches(']');
    let mut out = Attrs::new();
    let mut chars = body.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
        let key = key.trim().to_string();
        if key.is_empty() {
            break;
        }
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        value.push(c);
                        value.extend(chars.next());
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = chars.by_ref().take_while(|&c| c != ' ').collect();
        }
        out.insert(key, value);
    }
    out
}

/// A node's full name: its tooltip without the trailing " (value)".
fn tooltip_name(a: &Attrs) -> String {
    let t = &a["tooltip"];
    t.rsplit_once(" (")
        .map_or(t.as_str(), |(n, _)| n)
        .to_string()
}

fn parse(dot: &str) -> Graph {
    let mut g = Graph::default();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut nodelet_attrs: BTreeMap<String, Attrs> = BTreeMap::new();
    let mut nodelet_edges: Vec<(String, String, Attrs)> = Vec::new();
    let mut edges: Vec<(String, String, Attrs)> = Vec::new();
    for line in dot.lines() {
        if let Some(rest) = line.strip_prefix("subgraph cluster_L { ") {
            let open = rest.find(" [").expect("legend attributes");
            let a = attrs(rest[open..].trim_end_matches(" }"));
            g.legend = a["label"]
                .trim_end_matches("\\l")
                .split("\\l")
                .map(str::to_string)
                .collect();
            continue;
        }
        let Some((head, tail)) = line.split_once(" [") else {
            continue;
        };
        let a = attrs(&format!("[{tail}"));
        if let Some((from, to)) = head.split_once(" -> ") {
            if to.contains('_') {
                nodelet_edges.push((from.to_string(), to.to_string(), a));
            } else {
                edges.push((from.to_string(), to.to_string(), a));
            }
        } else if a.get("shape").map(String::as_str) == Some("box3d") {
            nodelet_attrs.insert(head.to_string(), a);
        } else if head.starts_with('N') {
            let name = tooltip_name(&a);
            names.insert(head.to_string(), name.clone());
            let mut a = a;
            a.remove("id");
            assert!(g.nodes.insert(name.clone(), a).is_none(), "{name} twice");
        }
    }
    for (from, to, a) in edges {
        if to == "N0" {
            // pprof's -mean draws edges to nodes it dropped as "N0".
            g.dangling += 1;
            continue;
        }
        g.edges
            .insert((names[&from].clone(), names[&to].clone()), a);
    }
    for (from, to, a) in nodelet_edges {
        // The node a nodelet hangs from, directly or through a label tag.
        let node = from.trim_start_matches('N');
        let node = format!("N{}", node.split('_').next().unwrap());
        let relative = to.replacen(&node[1..], "#", 1);
        let mut na = nodelet_attrs[&to].clone();
        na.remove("id");
        g.nodelets
            .entry(names[&node].clone())
            .or_default()
            .push((relative, na, a));
    }
    g
}

/// heapscope's arguments for a pprof `-dot` invocation.
fn graph_args(case: &GoldenCase, profile: &str) -> Vec<String> {
    let mut args = vec!["graph".to_string(), "--format=dot".to_string()];
    args.extend(case.args.iter().filter(|a| *a != "-dot").cloned());
    args.push(profile.to_string());
    args
}

/// Checks heapscope's DOT against pprof's, node by node and edge by edge:
/// the same nodes with the same labels (flat, cum), sizes and colours, the
/// same nodelets, the same edges with the same values, widths, colours,
/// inline marks and dotted (residual) style, the same legend but for its
/// last line (a link to pprof's documentation, worded by us); then the
/// whole text byte for byte, that line aside.
fn check_dot(case: &GoldenCase, profile: &str) -> Result<(), String> {
    check_dot_as(case, profile, true)
}

/// [`check_dot`], or with `exact` false (for `-mean`) every node and edge
/// heapscope draws equal to pprof's, but without pprof's zero-valued edges
/// (of samples whose value is zero but whose divisor is not, some to nodes
/// it dropped, drawn to "N0") and so without the text's order, which those
/// edges change (they enter pprof's entropy order of the nodes as NaN).
fn check_dot_as(case: &GoldenCase, profile: &str, exact: bool) -> Result<(), String> {
    let args = graph_args(case, profile);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    if !out.status.success() {
        return Err(format!("{}: {}", case.golden, stderr(&out)));
    }
    let (text, expected) = (stdout(&out), case.expected());
    let mut got = parse(&text);
    let mut want = parse(&expected);
    if !exact {
        // A zero-valued edge heapscope draws too is compared (its mean
        // rounds to 0); one it leaves out is pprof's zero-sum edge.
        want.edges.retain(|k, a| {
            let zero = a["label"].trim() == "0" || a["label"].starts_with(" 0\\n");
            !zero || got.edges.contains_key(k)
        });
        want.dangling = 0;
    }
    if want.nodes.is_empty() {
        return Err(format!("{}: pprof's graph has no nodes", case.golden));
    }
    let (got_help, want_help) = (got.legend.pop(), want.legend.pop());
    if !got_help.is_some_and(|h| h.starts_with("How to read this graph: "))
        || !want_help.is_some_and(|h| h.contains("how to read the graph"))
    {
        return Err(format!("{}: legend help lines", case.golden));
    }
    let mut problems = Vec::new();
    if got.legend != want.legend {
        problems.push(format!(
            "legend:\n  pprof     {:?}\n  heapscope {:?}",
            want.legend, got.legend
        ));
    }
    for (name, a) in &want.nodes {
        match got.nodes.get(name) {
            None => problems.push(format!("missing node {name}")),
            Some(b) if a != b => problems.push(format!(
                "node {name}:\n  pprof     {a:?}\n  heapscope {b:?}"
            )),
            _ => {}
        }
    }
    for name in got.nodes.keys().filter(|n| !want.nodes.contains_key(*n)) {
        problems.push(format!("extra node {name}"));
    }
    if got.nodelets != want.nodelets {
        problems.push(format!(
            "nodelets:\n  pprof     {:?}\n  heapscope {:?}",
            want.nodelets, got.nodelets
        ));
    }
    for (key, a) in &want.edges {
        match got.edges.get(key) {
            None => problems.push(format!("missing edge {key:?}")),
            Some(b) if a != b => problems.push(format!(
                "edge {key:?}:\n  pprof     {a:?}\n  heapscope {b:?}"
            )),
            _ => {}
        }
    }
    for key in got.edges.keys().filter(|k| !want.edges.contains_key(*k)) {
        problems.push(format!("extra edge {key:?}"));
    }
    let expected = util::dot_in_heapscopes_words(&expected);
    if got.dangling != want.dangling {
        problems.push(format!(
            "{} edges to N0, pprof {}",
            got.dangling, want.dangling
        ));
    }
    if exact && problems.is_empty() && text != expected {
        problems.push("the text differs, every node and edge equal".to_string());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} ({}):\n{}",
            case.golden,
            args.join(" "),
            problems.join("\n")
        ))
    }
}

fn dot_cases(cases: Vec<GoldenCase>) -> Vec<GoldenCase> {
    cases
        .into_iter()
        .filter(|c| c.args.first().map(String::as_str) == Some("-dot"))
        .filter(|c| !c.args.iter().any(|a| a == "-mean"))
        .collect()
}

/// `-mean`: every node's flat and cum, every nodelet and every edge the
/// average per object (each sum over the same samples' alloc_objects, as
/// pprof divides), as pprof draws them; see [`check_dot_as`] for what is
/// left out.
#[test]
fn dot_with_mean_equals_pprof_node_by_node_and_edge_by_edge() {
    let cases: Vec<GoldenCase> = manifest()
        .into_iter()
        .filter(|c| c.args.first().map(String::as_str) == Some("-dot"))
        .filter(|c| c.args.iter().any(|a| a == "-mean"))
        .collect();
    assert_eq!(cases.len(), 3, "-dot -mean goldens in the manifest");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check_dot_as(c, &profile(&c.profile), false).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn dot_equals_pprof_node_by_node_and_edge_by_edge() {
    let cases = dot_cases(manifest());
    assert_eq!(cases.len(), 36, "dot goldens in the manifest");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check_dot(c, &profile(&c.profile)).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The shared 300k-stack profile (not made by this project); skipped when
/// it is not there.
#[test]
fn dot_equals_pprof_on_the_shared_big_profile() {
    let big = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/profiles/big.pb.gz");
    if !big.exists() {
        eprintln!("skipped: {} is not there", big.display());
        return;
    }
    let cases = dot_cases(manifest_in("big"));
    assert_eq!(cases.len(), 2);
    for case in &cases {
        check_dot(case, &big.to_string_lossy()).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Parses the whole SVG; returns the text of every element, entities
/// resolved, and checks that elements balance.
pub(crate) fn svg_texts(svg: &str) -> Vec<String> {
    let mut reader = Reader::from_str(svg);
    let mut texts = Vec::new();
    let mut depth = 0i64;
    let mut in_text = false;
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("malformed SVG at {}: {e}", reader.buffer_position()))
        {
            Event::Start(e) => {
                depth += 1;
                in_text = matches!(e.name().as_ref(), b"text" | b"title");
                if in_text {
                    texts.push(String::new());
                }
            }
            Event::End(_) => {
                depth -= 1;
                in_text = false;
            }
            Event::Text(t) if in_text => {
                if let Some(last) = texts.last_mut() {
                    last.push_str(&t.decode().unwrap());
                }
            }
            Event::GeneralRef(r) if in_text => {
                let name = r.decode().unwrap().into_owned();
                let c = match name.as_str() {
                    "lt" => "<".to_string(),
                    "gt" => ">".to_string(),
                    "amp" => "&".to_string(),
                    "quot" => "\"".to_string(),
                    "apos" => "'".to_string(),
                    n => {
                        let code = n
                            .strip_prefix("#x")
                            .map(|h| u32::from_str_radix(h, 16))
                            .or_else(|| n.strip_prefix('#').map(str::parse::<u32>))
                            .unwrap_or_else(|| panic!("unknown entity {n}"))
                            .unwrap();
                        char::from_u32(code).unwrap().to_string()
                    }
                };
                if let Some(last) = texts.last_mut() {
                    last.push_str(&c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unbalanced elements");
    assert!(svg.trim_start().starts_with("<?xml"), "no XML declaration");
    texts
}

/// The lines of every node's label in a DOT graph.
fn label_lines(dot: &str) -> Vec<String> {
    parse(dot)
        .nodes
        .values()
        .flat_map(|a| {
            a["label"]
                .split("\\n")
                .filter(|l| !l.is_empty())
                .map(|l| l.replace("\\\"", "\"").replace("\\\\", "\\"))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every node's label lines appear as text of the SVG, and the legend too.
fn check_svg_holds_labels(svg: &str, dot: &str) {
    let texts = svg_texts(svg);
    let lines = label_lines(dot);
    assert!(lines.len() > 10);
    for line in &lines {
        assert!(
            texts.iter().any(|t| t.trim() == line),
            "{line:?} is not in the SVG"
        );
    }
    assert!(texts
        .iter()
        .any(|t| t.starts_with("Showing nodes accounting for")));
}

fn dot_on_path() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("dot").is_file()))
}

const SVG_CASES: &[&[&str]] = &[
    &["-inuse_space"],
    &["-alloc_space", "-cum"],
    &["-alloc_space", "-lines", "-nodecount=30"],
    &["-inuse_objects", "-focus=json"],
];

#[test]
fn builtin_svg_is_well_formed_and_holds_every_label() {
    for p in ["inline.pb.gz", "recursion.pb.gz", "server.pb.gz"] {
        for flags in SVG_CASES {
            if p != "server.pb.gz" && flags.contains(&"-focus=json") {
                continue;
            }
            let mut args = vec!["graph"];
            args.extend_from_slice(flags);
            let path = profile(p);
            let mut dot_args = args.clone();
            dot_args.extend(["--format=dot", path.as_str()]);
            args.extend(["--renderer=builtin", path.as_str()]);
            let out = run(&args);
            assert!(out.status.success(), "{args:?}: {}", stderr(&out));
            let dot = stdout(&run(&dot_args));
            check_svg_holds_labels(&stdout(&out), &dot);
        }
    }
}

#[test]
fn graphviz_svg_is_well_formed_and_holds_every_label() {
    if !dot_on_path() {
        eprintln!("skipped: Graphviz (dot) is not on PATH");
        return;
    }
    for flags in SVG_CASES {
        let path = profile("server.pb.gz");
        let mut args = vec!["graph"];
        args.extend_from_slice(flags);
        let mut dot_args = args.clone();
        dot_args.extend(["--format=dot", path.as_str()]);
        args.extend(["--renderer=dot", path.as_str()]);
        let out = run(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let svg = stdout(&out);
        assert!(svg.contains("Generated by graphviz"), "not Graphviz's SVG");
        check_svg_holds_labels(&svg, &stdout(&run(&dot_args)));
    }
}

/// A directory holding only a fake `dot` that fails.
fn failing_dot_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("dot");
    std::fs::write(&fake, "#!/bin/sh\necho 'Error: out of ink' >&2\nexit 3\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn run_with_path(path: &Path, args: &[&str]) -> std::process::Output {
    heapscope()
        .env("PATH", path)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn without_graphviz_the_builtin_layout_draws() {
    let empty = tempfile::tempdir().unwrap();
    let out = run_with_path(
        empty.path(),
        &["graph", "-alloc_space", "-cum", &profile("server.pb.gz")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let svg = stdout(&out);
    assert!(svg.contains("<!-- heapscope graph: built-in layout -->"));
    svg_texts(&svg);
    // Asking for Graphviz where there is none: a note, then the built-in one.
    let out = run_with_path(
        empty.path(),
        &["graph", "--renderer=dot", &profile("inline.pb.gz")],
    );
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("dot is not on PATH"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("built-in layout"));
}

#[test]
fn failing_graphviz_falls_back_with_a_note() {
    let dir = failing_dot_dir();
    let out = run_with_path(dir.path(), &["graph", &profile("inline.pb.gz")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Graphviz could not draw the graph") && err.contains("out of ink"),
        "{err}"
    );
    assert!(stdout(&out).contains("built-in layout"));
}

#[test]
fn output_file_gets_the_graph() {
    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join("heap.svg");
    let args = [
        "graph",
        "--renderer=builtin",
        "-o",
        file.to_str().unwrap(),
        &profile("recursion.pb.gz"),
    ];
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let written = std::fs::read_to_string(&file).unwrap();
    let printed = stdout(&run(&[
        "graph",
        "--renderer=builtin",
        &profile("recursion.pb.gz"),
    ]));
    assert_eq!(written, printed, "-o writes what stdout would get");
}

#[test]
fn graph_errors() {
    let out = run(&["graph", "--format=png", &profile("inline.pb.gz")]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[
        "graph",
        "--format=dot",
        "--renderer=builtin",
        &profile("inline.pb.gz"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--renderer applies to SVG"));
    let out = run(&["graph", "-nodefraction=2", &profile("inline.pb.gz")]);
    assert_eq!(out.status.code(), Some(2));
    let missing = util::testdata().join("profiles/nope.pb.gz");
    let out = run(&["graph", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nope.pb.gz"));
    // A filter that matches nothing: the legend alone, and a note.
    let out = run(&[
        "graph",
        "--format=dot",
        "-focus=NoSuchThing",
        &profile("inline.pb.gz"),
    ]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("Focus expression matched no samples"));
    let g = parse(&stdout(&out));
    assert!(g.nodes.is_empty() && !g.legend.is_empty());
}

/// pprof's differential call graph: `graph -diff_base=BEFORE AFTER` (and
/// `-base`) as DOT, node by node and edge by edge equal to `go tool pprof
/// -dot -diff_base` (golden/base), and the built-in SVG drawn from the same
/// graph: every node's label lines (names, signed values and shares of the
/// base's total) and the legend are its text.
#[test]
fn diff_base_graph_equals_pprof_and_its_builtin_svg_draws_the_same_nodes() {
    for golden in ["dot_diff_base.dot", "dot_base_drop_negative.dot"] {
        let case = manifest_in("base")
            .into_iter()
            .find(|c| c.golden == format!("base/{golden}"))
            .expect("golden in the manifest");
        let mut args = vec!["graph".to_string(), "--format=dot".to_string()];
        for a in case.args.iter().filter(|a| *a != "-dot") {
            args.push(match a.split_once('=') {
                Some((flag @ ("-base" | "-diff_base"), name)) => {
                    format!("{flag}={}", profile(name))
                }
                _ => a.clone(),
            });
        }
        args.push(profile(&case.profile));
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let dot = stdout(&run(&argv));
        let (got, want) = (parse(&dot), parse(&case.expected()));
        assert!(got.nodes.len() > 3, "{golden}");
        assert_eq!(got.nodes, want.nodes, "{golden}");
        assert_eq!(got.nodelets, want.nodelets, "{golden}");
        assert_eq!(got.edges, want.edges, "{golden}");
        if golden == "dot_diff_base.dot" {
            // leak.6 against leak.1: main.loadBatch shrank.
            assert!(
                got.nodes["main.loadBatch"]["label"].contains("\\n-"),
                "{golden}"
            );
        }

        let mut svg_args: Vec<&str> = argv
            .iter()
            .filter(|a| **a != "--format=dot")
            .copied()
            .collect();
        svg_args.insert(1, "--renderer=builtin");
        let out = run(&svg_args);
        assert!(out.status.success(), "{svg_args:?}: {}", stderr(&out));
        check_svg_holds_labels(&stdout(&out), &dot);
    }
}
