//! Helpers shared by the integration tests: running the binary, finding
//! test data, reading pprof's golden outputs.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The repository's `testdata/` directory.
pub fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

pub fn profile(name: &str) -> String {
    testdata()
        .join("profiles")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A command running the heapscope binary, in UTC so `Time:` lines are
/// stable.
pub fn heapscope() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heapscope"));
    cmd.env("TZ", "UTC");
    cmd
}

/// Runs heapscope with `args` and no stdin.
pub fn run(args: &[&str]) -> Output {
    heapscope()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("heapscope runs")
}

/// Runs heapscope with `args`, feeding `input` on stdin.
pub fn run_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = heapscope()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("heapscope starts");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("heapscope runs");
    writer.join().unwrap();
    out
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// One line of `testdata/golden/MANIFEST.tsv`.
#[derive(Debug, Clone)]
pub struct GoldenCase {
    pub golden: String,
    pub profile: String,
    pub args: Vec<String>,
}

impl GoldenCase {
    pub fn expected(&self) -> String {
        std::fs::read_to_string(testdata().join("golden").join(&self.golden))
            .unwrap_or_else(|e| panic!("{}: {e}", self.golden))
    }
}

/// A pprof DOT golden with pprof 1.25.5's legend help line, a dead git.io
/// link, in heapscope's words (the one line of the graph worded otherwise).
pub fn dot_in_heapscopes_words(pprof_dot: &str) -> String {
    pprof_dot.replace(
        "See https://git.io/JfYMW for how to read the graph",
        "How to read this graph: \
         https://github.com/google/pprof/blob/main/doc/README.md#interpreting-the-callgraph",
    )
}

/// The cases of a manifest, `golden/MANIFEST.tsv` or `golden/<dir>/MANIFEST.tsv`.
pub fn manifest_in(dir: &str) -> Vec<GoldenCase> {
    let path = testdata().join("golden").join(dir).join("MANIFEST.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            GoldenCase {
                golden: format!("{dir}/{}", cols.next().unwrap())
                    .trim_start_matches('/')
                    .to_string(),
                profile: cols.next().unwrap().to_string(),
                args: cols
                    .next()
                    .unwrap_or("")
                    .split(' ')
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect(),
            }
        })
        .collect()
}

pub fn manifest() -> Vec<GoldenCase> {
    manifest_in("")
}

/// A row of pprof's `-top` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopRow {
    pub flat: String,
    pub cum: String,
    pub name: String,
}

/// The rows of a `-top` output (after the `flat  flat%` header).
pub fn top_rows(text: &str) -> Vec<TopRow> {
    text.lines()
        .skip_while(|l| {
            l.split_whitespace().collect::<Vec<_>>() != ["flat", "flat%", "sum%", "cum", "cum%"]
        })
        .skip(1)
        .map(|l| {
            let mut fields = l.split_whitespace();
            let flat = fields.next().unwrap().to_string();
            let _flat_pct = fields.next();
            let _sum_pct = fields.next();
            let cum = fields.next().unwrap().to_string();
            let _cum_pct = fields.next();
            let name = fields.collect::<Vec<_>>().join(" ");
            TopRow { flat, cum, name }
        })
        .collect()
}

/// "1234B" → 1234 (values printed with `-unit=B`).
pub fn bytes_value(s: &str) -> i64 {
    if s == "0" {
        return 0;
    }
    s.strip_suffix('B')
        .unwrap_or_else(|| panic!("{s:?} is not in B"))
        .parse()
        .unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

/// Goldens whose output differs from heapscope's, gathered so that a test
/// reports every one of them at once.
#[derive(Default)]
pub struct Mismatches(Vec<String>);

impl Mismatches {
    /// Records that `golden`, run as `args`, printed `got` where pprof
    /// printed `want`.
    pub fn add<S: AsRef<str>>(&mut self, golden: &str, args: &[S], want: &str, got: &str) {
        let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        self.0.push(format!(
            "{golden} ({}):\n--- pprof\n{want}\n--- heapscope\n{got}",
            args.join(" ")
        ));
    }

    /// Fails with every mismatch recorded, if there is one.
    pub fn assert_none(&self) {
        assert!(
            self.0.is_empty(),
            "{} differ:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}
