//! Bounded views (issue 16): a stack a million frames deep is cut in the
//! flame graph to its documented depth and stays exact in the text reports
//! and the call graph; a densely connected graph is never handed to
//! Graphviz when it could not finish, and a Graphviz that hangs is stopped;
//! a row of 200,000 addresses draws its graph in little memory. Every input
//! is made here.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use prost::Message;

use crate::graph::svg_texts;
use crate::malformed::{run_measuring_memory, stacks_profile};
use crate::util::{heapscope, run, stderr, stdout, top_rows, TopRow};

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path.to_string_lossy().into_owned()
}

fn ok(args: &[&str]) -> (String, String) {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    (stdout(&out), stderr(&out))
}

/// Frames of the cycle stack, root first: main.a, main.b, main.c, main.a, …
fn cycle_frame(depth_from_root: usize) -> &'static str {
    ["main.a", "main.b", "main.c"][depth_from_root % 3]
}

/// One sample of 4096 bytes whose stack is main.a → main.b → main.c →
/// main.a → … (root first), `depth` frames: the recursion that makes deep
/// stacks, in a few bytes per frame.
fn cycle(depth: usize) -> Vec<u8> {
    let names = ["main.a", "main.b", "main.c"].map(String::from);
    // Leaf first: the frame at depth d from the root is location d % 3 + 1.
    let stack = (0..depth).rev().map(|d| (d % 3) as u64 + 1).collect();
    stacks_profile("/src/x.go", &names, vec![(stack, 4096)]).encode_to_vec()
}

#[test]
fn a_stack_of_a_million_frames_is_cut_in_the_flame_graph_only() {
    const DEPTH: usize = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "cycle.pb", &cycle(DEPTH));
    let note = format!(
        "heapscope: {path}: 1 stack is deeper than 1024 frames: drawn as their 512 root-most \
         frames, one \"[… frames elided …]\" frame and their 511 leaf-most frames (998977 \
         frames elided)\n"
    );

    // Folded: the 512 root-most frames, the marker, the 511 leaf-most.
    let (folded, err) = ok(&["flame", "--folded", &path]);
    assert_eq!(err, note);
    let (stack, value) = folded.trim_end().rsplit_once(' ').unwrap();
    assert_eq!(value, "4096");
    let frames: Vec<&str> = stack.split(';').collect();
    let mut want: Vec<&str> = (0..512).map(cycle_frame).collect();
    want.push("[… frames elided …]");
    want.extend((DEPTH - 511..DEPTH).map(cycle_frame));
    assert_eq!(frames, want);

    // The SVG draws those 1024 frames, whole width each.
    let (svg, err) = ok(&["flame", &path]);
    assert_eq!(err, note);
    let titles: Vec<String> = svg_texts(&svg)
        .into_iter()
        .filter(|t| t.ends_with("(4 kB, 100.00%)"))
        .collect();
    assert_eq!(titles.len(), 1024);
    assert!(titles.contains(&"[… frames elided …] (4 kB, 100.00%)".to_string()));
    assert!(svg.len() < 1_000_000, "{} bytes", svg.len());

    // The text reports and the graph stay exact: every function holds the
    // sample once in its cum, the leaf (depth 999,999: main.a) its flat.
    let (top, err) = ok(&["top", "-unit=B", &path]);
    assert_eq!(err, "");
    let row = |flat: &str, name: &str| TopRow {
        flat: flat.into(),
        cum: "4096B".into(),
        name: name.into(),
    };
    assert_eq!(
        top_rows(&top),
        [
            row("4096B", "main.a"),
            row("0", "main.b"),
            row("0", "main.c")
        ]
    );
    let (peek, _) = ok(&["peek", "-unit=B", "^main.b$", &path]);
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
            vec!["4096B", "100%", "|", "main.a"],
            vec!["0", "0%", "0%", "4096B", "100%", "|", "main.b"],
            vec!["4096B", "100%", "|", "main.c"],
        ]
    );
    let (dot, _) = ok(&["graph", "--format", "dot", "-unit=B", &path]);
    for edge in ["N1 -> N2", "N2 -> N3", "N3 -> N1"] {
        assert!(dot.contains(&format!("{edge} [label=\" 4096B\"")), "{dot}");
    }
    ok(&["graph", "--renderer", "builtin", &path]);

    // Linear and lean: 290 MB before the cut (2.6 GB for 10 million
    // frames), 20 MB now.
    let (code, err, rss) = run_measuring_memory(&["flame", &path]);
    assert_eq!(code, Some(0), "{err}");
    assert!(rss < 64 << 20, "peak RSS {rss}");
}

/// `functions` functions, `samples` samples, each a stack through all the
/// functions in a shuffled order (a fixed generator): every pair of
/// functions calls each other, in both directions, with about the same
/// weight, so no edge falls under the edge cutoff.
fn dense(functions: usize, samples: usize) -> Vec<u8> {
    let names: Vec<String> = (0..functions).map(|i| format!("main.f{i}")).collect();
    let mut state: u64 = 1;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let stacks = (0..samples)
        .map(|k| {
            let mut stack: Vec<u64> = (1..=functions as u64).collect();
            for i in (1..stack.len()).rev() {
                stack.swap(i, next() % (i + 1));
            }
            (stack, 1024 * (1 + k as i64 % 7))
        })
        .collect();
    stacks_profile("/src/x.go", &names, stacks).encode_to_vec()
}

/// The function names drawn in a graph's SVG (the text lines `fN`).
fn drawn_functions(svg: &str) -> BTreeSet<String> {
    svg_texts(svg)
        .into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| {
            t.strip_prefix('f')
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .collect()
}

fn functions(n: usize) -> BTreeSet<String> {
    (0..n).map(|i| format!("f{i}")).collect()
}

/// A directory with a fake `dot` (a shell script) first on PATH.
fn fake_dot(script: &str) -> (tempfile::TempDir, String) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let dot = dir.path().join("dot");
    let mut f = std::fs::File::create(&dot).unwrap();
    writeln!(f, "#!/bin/sh\n{script}").unwrap();
    drop(f);
    std::fs::set_permissions(&dot, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(
        std::iter::once(dir.path().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    (dir, path.to_string_lossy().into_owned())
}

#[test]
fn a_dense_graph_is_not_given_to_graphviz() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "dense.pb", &dense(80, 100));
    // A dot that says it ran: it must not be started.
    let (fake, search) = fake_dot(&format!("touch {}/started; exit 1", dir.path().display()));
    let out = heapscope()
        .args(["graph", &path])
        .env("PATH", &search)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "heapscope: the graph is too big for Graphviz to draw in seconds (80 boxes, 4567 \
         edges, 117052 bends: over 2000); drawing it with the built-in layout (--renderer dot \
         insists)\n"
    );
    assert!(!dir.path().join("started").exists());
    let svg = stdout(&out);
    assert!(svg.contains("<!-- heapscope graph: built-in layout -->"));
    assert_eq!(drawn_functions(&svg), functions(80));
    drop(fake);

    // The same graph as DOT: every node, and the edges the cutoff keeps.
    let (dot, _) = ok(&["graph", "--format", "dot", &path]);
    let edges = dot
        .lines()
        .filter(|l| l.starts_with('N') && l.contains(" -> N"))
        .count();
    assert_eq!(edges, 4567);
    let nodes = dot
        .lines()
        .filter(|l| l.starts_with('N') && l.contains(" [label=\"main\\nf"))
        .count();
    assert_eq!(nodes, 80);
}

#[test]
fn a_graphviz_that_hangs_is_stopped_and_the_builtin_layout_draws() {
    let dir = tempfile::tempdir().unwrap();
    // Small enough for Graphviz: 10 functions.
    let path = write(dir.path(), "small.pb", &dense(10, 3));
    let pid_file = dir.path().join("pid");
    let (_fake, search) = fake_dot(&format!("echo $$ > {}; exec sleep 60", pid_file.display()));
    let out = heapscope()
        .args(["graph", &path])
        .env("PATH", &search)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "heapscope: Graphviz could not draw the graph (dot took longer than 5 s); drawing it \
         with the built-in layout\n"
    );
    assert_eq!(drawn_functions(&stdout(&out)), functions(10));
    // The hanging dot was killed and reaped: it is gone.
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        !Path::new(&format!("/proc/{}", pid.trim())).exists(),
        "dot {pid} still there"
    );
}

#[test]
fn graphviz_draws_what_it_can_finish() {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("dot").is_file()));
    if !on_path {
        eprintln!("skipped: Graphviz (dot) is not on PATH");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // 12 functions all calling each other: Graphviz draws it in seconds.
    let path = write(dir.path(), "medium.pb", &dense(12, 8));
    let (svg, err) = ok(&["graph", &path]);
    assert_eq!(err, "");
    assert!(!svg.contains("built-in layout"));
    assert_eq!(drawn_functions(&svg), functions(12));
    // Asked for on the dense graph, it gets its time limit, then the
    // built-in layout draws (or it finished in time).
    let path = write(dir.path(), "dense.pb", &dense(80, 100));
    let (svg, _) = ok(&["graph", "--renderer", "dot", &path]);
    assert_eq!(drawn_functions(&svg), functions(80));
}

#[test]
fn a_row_of_200000_addresses_draws_its_graph_in_little_memory() {
    const N: usize = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let mut text =
        String::from("heap profile: 1: 4096 [1: 4096] @ heap/1048576\n1: 4096 [1: 4096] @");
    for i in 0..N {
        text.push_str(&format!(" 0x{:x}", 0x400000 + 16 * i));
    }
    text.push('\n');
    let path = write(dir.path(), "row.heap", text.as_bytes());

    // With -addresses each address is a node of its own (without symbols,
    // `<unknown>` after the address less one: a return address points past
    // its call); the leaf holds the sample, unsampled at pprof's 512 kB
    // average rate.
    let (dot, _) = ok(&["graph", "--format", "dot", "-unit=B", "-addresses", &path]);
    // 79 nodes: the leaf's block size counts as a node when selecting.
    assert!(dot.contains("Showing top 79 nodes out of 200000"), "{dot}");
    assert_eq!(dot.matches("[label=\"00000000").count(), 79, "{dot}");
    assert!(
        dot.contains("label=\"00000000003fffff\\n<unknown>\\n526338B (100%)\""),
        "{dot}"
    );

    // 245 MB before tags were summed only for the nodes that can be shown
    // (1.3 GB for a million addresses), 100 MB now.
    let (code, err, rss) =
        run_measuring_memory(&["graph", "--renderer", "builtin", "-addresses", &path]);
    assert_eq!(code, Some(0), "{err}");
    assert!(rss < 150 << 20, "peak RSS {rss}");
}
