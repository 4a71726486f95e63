//! What the fuzz targets share: each input is written to a file and read by
//! heapscope's own command lines, parsed by `heapscope::cli::parse` and run
//! by `heapscope::run` exactly as the binary runs them, every report written
//! to a sink. A panic, an abort, a hang or a runaway allocation anywhere on
//! the way is what libFuzzer reports.

use std::io;
use std::path::PathBuf;

use heapscope::Request;

/// Inputs beyond this size after decompression are refused, as
/// `-max_size` refuses them, so a small gzip bomb from the fuzzer stays
/// inside libFuzzer's memory limit.
const MAX_SIZE: &str = "-max_size=67108864";

/// Every report on a profile file, as the `pprof` targets run them.
pub const PROFILE_COMMANDS: &[&str] = &[
    "info FILE",
    "info --format json FILE",
    "top -nodecount=0 FILE",
    "top --format json -sample_index=0 -lines -nodefraction=0 FILE",
    "top -files -cum -trim_path=/src FILE",
    "top -focus=main -hide=runtime -relative_percentages FILE",
    "peek . FILE",
    "peek --format json -lines . FILE",
    "tags FILE",
    "tags --format json -sample_index=0 -tagfocus=1:1kB -taghide=x FILE",
    "top -tagfocus=a=b,c -tagignore=bytes=:64B -nodecount=0 FILE",
    "list . -source_path=/nonexistent FILE",
    "list --format json -full . FILE",
    "flame FILE",
    "flame --folded -reverse FILE",
    "flame -normalize --base FILE FILE",
    "graph --renderer builtin FILE",
    "graph --format dot -lines FILE",
    "diff FILE FILE",
    "diff --format json -normalize FILE FILE",
    "trend --keep-order FILE FILE",
    "trend --format json -cum FILE FILE",
    "traces -lines -hide=runtime FILE",
    "traces --format json -sample_index=0 FILE",
    "raw -focus=main -show=main FILE",
    "heap --nodecount=0 FILE",
    "heap --format json -alloc_space -lines FILE",
    "doctor FILE",
    "doctor --format json FILE FILE",
];

/// The same reports on two profiles: `diff`, `trend` and `flame --base`
/// with BASE before FILE, and merged.
pub const PAIR_COMMANDS: &[&str] = &[
    "diff BASE FILE",
    "diff --format json -normalize -lines BASE FILE",
    "trend --keep-order BASE FILE",
    "flame --base BASE FILE",
    "flame --folded -normalize --base BASE FILE",
    "top BASE FILE",
];

/// A fixed set of command lines run on one file (and a second, BASE) that
/// each input replaces.
pub struct Harness {
    path: PathBuf,
    base: PathBuf,
    requests: Vec<Request>,
}

impl Harness {
    /// `commands` are heapscope's arguments, one string per command line,
    /// split on spaces; `FILE` stands for the input, `BASE` for a second one
    /// and `SVG` for a scratch output file. The first command should load the input: when it fails,
    /// the others would fail the same way and are not run.
    pub fn new(target: &str, commands: &[&str]) -> Self {
        let dir = ["/dev/shm", "/tmp"]
            .iter()
            .map(PathBuf::from)
            .find(|d| d.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let stem = format!("heapscope-fuzz-{target}-{}", std::process::id());
        let path = dir.join(&stem);
        let base = dir.join(format!("{stem}.base"));
        let svg = dir.join(format!("{stem}.svg"));
        let requests = commands
            .iter()
            .map(|command| {
                let mut args = vec!["heapscope".to_string()];
                for word in command.split(' ') {
                    args.push(match word {
                        "FILE" => path.to_string_lossy().into_owned(),
                        "BASE" => base.to_string_lossy().into_owned(),
                        "SVG" => svg.to_string_lossy().into_owned(),
                        w => w.to_string(),
                    });
                }
                args.push(MAX_SIZE.to_string());
                match heapscope::cli::parse(args.into_iter().map(Into::into)) {
                    Ok(heapscope::cli::Action::Run(request)) => request,
                    Ok(heapscope::cli::Action::Print(_)) => {
                        panic!("fuzz harness command {command:?}: not a report")
                    }
                    Err(e) => panic!("fuzz harness command {command:?}: {e}"),
                }
            })
            .collect();
        Harness {
            path,
            base,
            requests,
        }
    }

    /// Runs every command on `data`. Errors are expected (most inputs are
    /// not profiles); only what libFuzzer catches counts.
    pub fn run(&self, data: &[u8]) {
        self.run_pair(data, data);
    }

    /// Runs every command with `data` as FILE and `base` as BASE.
    pub fn run_pair(&self, data: &[u8], base: &[u8]) {
        std::fs::write(&self.path, data).expect("the fuzz input can be written");
        std::fs::write(&self.base, base).expect("the fuzz input can be written");
        for (i, request) in self.requests.iter().enumerate() {
            let result = heapscope::run(request, &mut io::sink(), &mut io::sink());
            if i == 0 && result.is_err() {
                return;
            }
        }
    }
}
