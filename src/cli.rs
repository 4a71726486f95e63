//! The command line: clap definitions, pprof's single-dash spelling of long
//! flags (`-inuse_space`, `-nodecount=5`), and the translation of parsed
//! arguments into a plain [`Request`]. No other module sees clap.

use std::ffi::OsString;
use std::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use regex::Regex;

use crate::app::{InputSpec, Request, UsageError};
use crate::input::{FetchOptions, Source, DEFAULT_MAX_SIZE};
use crate::profile::filter::Filters;
use crate::profile::graph::{Granularity, NodeOptions, TrimOptions};
use crate::report::diff::DiffOptions;
use crate::report::flame::FlameOptions;
use crate::report::graph::{GraphFormat, GraphOptions, Renderer};
use crate::report::list::ListOptions;
use crate::report::peek::PeekOptions;
use crate::report::source::SourceSearch;
use crate::report::top::TopOptions;
use crate::report::trend::TrendOptions;
use crate::report::{Format, Selection};

/// Long flags that pprof users write with one dash. `-name` and `-name=v`
/// become `--name` and `--name=v` before clap sees them.
const LONG_FLAGS: &[&str] = &[
    "inuse_space",
    "inuse_objects",
    "alloc_space",
    "alloc_objects",
    "sample_index",
    "cum",
    "flat",
    "nodecount",
    "nodefraction",
    "edgefraction",
    "focus",
    "ignore",
    "hide",
    "show",
    "granularity",
    "functions",
    "files",
    "lines",
    "unit",
    "trim_path",
    "relative_percentages",
    "source_path",
    "context",
    "full",
    "normalize",
    "base",
    "folded",
    "title",
    "width",
    "reverse",
    "colors",
    "renderer",
    "output",
    "max_size",
    "seconds",
    "timeout",
    "save_dir",
    "no_save",
    "format",
    "svg",
    "help",
    "version",
];

/// Rewrites pprof-style `-flag` spellings to clap's `--flag`.
pub fn normalize_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut rest = false;
    for arg in args {
        if rest {
            out.push(arg);
            continue;
        }
        let rewritten = arg.to_str().and_then(|s| {
            if s == "--" {
                rest = true;
                return None;
            }
            let body = s.strip_prefix('-').filter(|b| !b.starts_with('-'))?;
            let name = body.split('=').next().unwrap_or(body);
            LONG_FLAGS
                .contains(&name)
                .then(|| OsString::from(format!("-{s}")))
        });
        out.push(rewritten.unwrap_or(arg));
    }
    out
}

const ABOUT: &str = "Heap-profile analyzer for pprof heap profiles: which functions hold \
memory, which allocate most, with go tool pprof's numbers.";

const AFTER_HELP: &str = "\
Flags are spelled as in pprof: -inuse_space, -nodecount=5 and --nodecount 5 are all accepted.
A PROFILE is a file (gzipped or plain pprof protobuf, or the legacy text form that
/debug/pprof/heap?debug=1 prints), - for stdin, or an http:// or https:// URL (host:port alone
means http://host:port/debug/pprof/heap); with no PROFILE, stdin is read when it is not a
terminal. Fetched profiles are saved in $HOME/pprof (-save_dir, HEAPSCOPE_SAVE_DIR, -no_save).

Examples:
  heapscope top -inuse_space pprof.heap
  heapscope top -inuse_space http://127.0.0.1:8080/debug/pprof/heap
  heapscope diff -alloc_space localhost:6060 localhost:6061
  heapscope top -alloc_space -cum -nodecount=20 heap.pb.gz
  curl -s localhost:6060/debug/pprof/heap | heapscope top
  curl -s 'localhost:6060/debug/pprof/heap?debug=1' | heapscope top
  heapscope memstats heap.txt
  heapscope gctrace --svg gc.svg service.log
  heapscope info heap.pb.gz";

#[derive(Parser, Debug)]
#[command(name = "heapscope", version, about = ABOUT, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run; the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum Command {
    /// Functions (or files, or lines) that hold or allocate the most memory.
    #[command(after_help = TOP_HELP)]
    Top(TopArgs),
    /// Source lines of matching functions, with what each line allocates.
    #[command(after_help = LIST_HELP)]
    List(ListArgs),
    /// Callers and callees of matching functions, with the values between them.
    #[command(after_help = PEEK_HELP)]
    Peek(PeekArgs),
    /// What changed between two snapshots, node by node (AFTER − BEFORE).
    #[command(after_help = DIFF_HELP)]
    Diff(DiffArgs),
    /// Each node across a series of snapshots, likely leaks first.
    #[command(after_help = TREND_HELP)]
    Trend(TrendArgs),
    /// A flame graph (SVG) of where memory goes, or folded stacks.
    #[command(after_help = FLAME_HELP)]
    Flame(FlameArgs),
    /// The call graph (SVG or DOT), as go tool pprof -svg draws it; no Graphviz needed.
    #[command(after_help = GRAPH_HELP)]
    Graph(GraphArgs),
    /// What a profile file is: producer, time, sample types and totals, sizes.
    Info(InfoArgs),
    /// A Go program's runtime.MemStats (the end of a ?debug=1 heap profile): heap,
    /// fragmentation, idle memory, non-heap memory, GC cost and pauses, with findings.
    #[command(after_help = MEMSTATS_HELP)]
    Memstats(MemstatsArgs),
    /// A GODEBUG=gctrace=1 log: cycles, heap over time, pauses, runaway growth, GC thrash.
    #[command(after_help = GCTRACE_HELP)]
    Gctrace(GctraceArgs),
}

const FLAME_HELP: &str = "\
Each box is a function on a stack; its width is what it and its callees hold (or
allocated), so wide plateaus are where memory goes. Hover for exact values, click to zoom,
Ctrl-F to search. Inlined calls are frames of their own, marked (inline). A stack deeper
than 1024 frames keeps its 512 root-most and 511 leaf-most frames around one
\"[… frames elided …]\" frame (stderr says how many stacks were cut).

With --base BEFORE, a differential flame graph: widths from the profile, red where a stack
grew since BEFORE, blue where it shrank; tooltips give the change.

--folded writes `root;...;leaf VALUE` lines (`BEFORE AFTER` with --base), the input of
flamegraph.pl, inferno and speedscope; the values sum to the total exactly.

Examples:
  heapscope flame -alloc_space < pprof.heap > heap.svg
  heapscope flame -inuse_space -o heap.svg pprof.heap
  heapscope flame --base before.heap after.heap > growth.svg
  heapscope flame --folded pprof.heap > heap.folded";

const GRAPH_HELP: &str = "\
A box per function: its size grows with flat (what the function allocates itself), its
label gives flat and cum (with what it calls). An arrow per call: as wide and as red as
the value that flows along it, dotted when it skips nodes that were dropped, marked
(inline) for inlined calls. Small boxes under a node are the block sizes it allocates.
The legend names the profile and what was dropped. Nodes, values and edges are pprof's:
-dot output equals go tool pprof -dot with the same flags.

The SVG is drawn by Graphviz when `dot` is on PATH and the graph is one it can finish in
seconds (it gets 5 s), else by heapscope's own layout (--renderer chooses). -cum is accepted, as pprof accepts it: a graph's nodes are chosen
and ordered the same way either way.

Examples:
  heapscope graph -alloc_space -cum pprof.heap > heap.svg
  heapscope graph -alloc_space -cum http://host:6060/debug/pprof/heap > heap.svg
  curl -s localhost:6060/debug/pprof/heap | heapscope graph -o heap.svg
  heapscope graph -nodecount=20 -focus=json --renderer builtin pprof.heap > heap.svg
  heapscope graph --format dot pprof.heap | dot -Tpng > heap.png";

const DIFF_HELP: &str = "\
Numbers as pprof's -diff_base: each node's flat and cum change, percentages of BEFORE's
total (with their sign), sorted by the size of the change. For inuse_* the change is
retained growth (gauges); for alloc_* it is what was allocated between the snapshots
(counters since process start). Nodes new in AFTER or gone from it are marked.
Stacks match by function names, files and lines, so two builds of a program compare.

Examples:
  heapscope diff before.heap after.heap
  heapscope diff -alloc_space -cum -nodecount=20 before.heap after.heap
  heapscope diff --format json -nodecount=0 before.heap after.heap";

const TREND_HELP: &str = "\
Snapshots are put in time order by the time recorded in each profile (--keep-order keeps
the order of the arguments). For each node: its value in every snapshot, the total
change, the slope (per hour when the profiles carry times, else per snapshot) and in how
many steps it grew.

Leak ranking: a node is a likely leak when its value grew in at least 3 of every 4 steps
between snapshots, grew overall by at least 1% of the last snapshot's total, and never
fell in one step by more than a quarter of its overall growth. Likely leaks come first,
largest growth first; the other nodes follow by the size of their change. Steady or
oscillating nodes are never leaks. Use inuse_space (the default) to find leaks: alloc_*
values only ever grow.

Examples:
  heapscope trend heap.1.pb.gz heap.2.pb.gz heap.3.pb.gz heap.4.pb.gz heap.5.pb.gz
  heapscope trend -inuse_objects --format json snapshots/*.pb.gz";

const MEMSTATS_HELP: &str = "\
FILE holds a runtime.MemStats block: a heap profile fetched with ?debug=1 (it ends with
`# runtime.MemStats` and `# Name = value` lines), or the same lines pasted without `#`.

Examples:
  curl -s 'localhost:6060/debug/pprof/heap?debug=1' | heapscope memstats
  heapscope memstats heap.txt
  heapscope memstats --format json heap.txt";

const GCTRACE_HELP: &str = "\
FILE is the stderr of a Go program run with GODEBUG=gctrace=1 (the program's other output may
be mixed in; lines that look like GC lines but do not parse are skipped and listed).

Examples:
  GODEBUG=gctrace=1 ./server 2> gc.log; heapscope gctrace gc.log
  heapscope gctrace --svg gc.svg gc.log
  kubectl logs pod/api | heapscope gctrace --format json";

const LIST_HELP: &str = "\
Each line shows flat (allocated by that line itself) and cum (by that line and what it
calls), as pprof's -list. Source is looked up at the recorded path, then under each
-source_path directory trying shorter and shorter suffixes of the path (so module-relative
paths of -trimpath builds resolve against a checkout), then under $GOROOT/src.

Examples:
  heapscope list 'main\\.handlePut' -source_path=. pprof.heap
  heapscope list -alloc_space -full 'json.*Unmarshal' pprof.heap
  heapscope list --format json '^main\\.' pprof.heap";

const PEEK_HELP: &str = "\
For every function whose name matches REGEX: its callers with the value that flows from each
(and its share of the function's cum), the function's flat and cum, and its callees with the
value that flows into each. Same graph and numbers as pprof's -peek.

Examples:
  heapscope peek 'main\\.handlePut$' pprof.heap
  heapscope peek -alloc_space -cum 'bufio' pprof.heap";

const TOP_HELP: &str = "\
Columns, as in pprof: flat is what a node allocates itself, cum includes everything it
calls; flat% and cum% are shares of the total, sum% the running sum of flat%.
The total is computed before -focus/-ignore/-hide/-show, as pprof does, so percentages
stay comparable across filters.

Examples:
  heapscope top -inuse_space pprof.heap
  heapscope top -alloc_objects -cum -nodecount=0 pprof.heap
  heapscope top -lines -focus=json pprof.heap
  heapscope top --format json -nodecount=0 -nodefraction=0 pprof.heap";

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FormatArg {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum GraphFormatArg {
    Svg,
    Dot,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum RendererArg {
    /// Graphviz's dot (must be on PATH).
    Dot,
    /// heapscope's own layout.
    Builtin,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum GranularityArg {
    Functions,
    Files,
    Lines,
}

/// Which sample value to report and which frames and samples count.
#[derive(Args, Debug)]
struct SelectArgs {
    /// Memory in use at the time of the profile, in bytes (Go's default).
    #[arg(long = "inuse_space", help_heading = "Sample type")]
    inuse_space: bool,
    /// Objects in use at the time of the profile.
    #[arg(long = "inuse_objects", help_heading = "Sample type")]
    inuse_objects: bool,
    /// Bytes allocated since the program started.
    #[arg(long = "alloc_space", help_heading = "Sample type")]
    alloc_space: bool,
    /// Objects allocated since the program started.
    #[arg(long = "alloc_objects", help_heading = "Sample type")]
    alloc_objects: bool,
    /// Sample type by name or index [default: the profile's default, else the last type].
    #[arg(
        long = "sample_index",
        value_name = "NAME|N",
        help_heading = "Sample type"
    )]
    sample_index: Option<String>,

    /// Keep only samples with a frame whose function or file matches RE.
    #[arg(long, value_name = "RE", help_heading = "Filters")]
    focus: Option<String>,
    /// Drop samples with a frame whose function or file matches RE.
    #[arg(long, value_name = "RE", help_heading = "Filters")]
    ignore: Option<String>,
    /// Remove frames matching RE from stacks (their values go to callers).
    #[arg(long, value_name = "RE", help_heading = "Filters")]
    hide: Option<String>,
    /// Keep only frames matching RE in stacks.
    #[arg(long, value_name = "RE", help_heading = "Filters")]
    show: Option<String>,

    /// What a node is [default: functions].
    #[arg(long, value_enum, value_name = "G", help_heading = "Granularity")]
    granularity: Option<GranularityArg>,
    /// Same as -granularity=functions.
    #[arg(long, help_heading = "Granularity")]
    functions: bool,
    /// Same as -granularity=files.
    #[arg(long, help_heading = "Granularity")]
    files: bool,
    /// Same as -granularity=lines.
    #[arg(long, help_heading = "Granularity")]
    lines: bool,
    /// Percentages of the filtered total instead of the whole profile's.
    #[arg(long = "relative_percentages", help_heading = "Filters")]
    relative_percentages: bool,
    /// Strip PREFIX from recorded source paths (repeatable, or ':'-separated).
    #[arg(
        long = "trim_path",
        value_name = "PREFIX",
        help_heading = "Granularity"
    )]
    trim_path: Vec<String>,
}

/// How profiles given as URLs are fetched and saved.
#[derive(Args, Debug)]
struct FetchArgs {
    /// For a URL: ask the server for a delta profile over N seconds (?seconds=N), 1 to 86400.
    #[arg(long, value_name = "N", help_heading = "Fetching (URLs)")]
    seconds: Option<u64>,
    /// For a URL: give up after S seconds, 1 to 86400 [default: 60 plus -seconds].
    #[arg(long, value_name = "S", help_heading = "Fetching (URLs)")]
    timeout: Option<u64>,
    /// Save fetched profiles in DIR [default: $HEAPSCOPE_SAVE_DIR, else $HOME/pprof].
    #[arg(
        long = "save_dir",
        value_name = "DIR",
        help_heading = "Fetching (URLs)"
    )]
    save_dir: Option<PathBuf>,
    /// Do not save fetched profiles.
    #[arg(long = "no_save", help_heading = "Fetching (URLs)")]
    no_save: bool,
}

/// Input options every command shares.
#[derive(Args, Debug)]
struct InputArgs {
    #[command(flatten)]
    fetch: FetchArgs,
    /// Largest profile accepted, in bytes after decompression (at most 1 TiB).
    #[arg(long = "max_size", value_name = "BYTES", default_value_t = DEFAULT_MAX_SIZE)]
    max_size: u64,
    /// Profile file, or - for stdin [default: stdin when it is not a terminal]. Several
    /// profiles are merged: their values sum node by node.
    #[arg(value_name = "PROFILE")]
    profiles: Vec<String>,
}

#[derive(Args, Debug)]
struct TopArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// Sort by cum instead of flat.
    #[arg(long, overrides_with = "flat", help_heading = "Report")]
    cum: bool,
    /// Sort by flat (the default).
    #[arg(long, help_heading = "Report")]
    flat: bool,
    /// Show at most N nodes; 0 shows all.
    #[arg(long, value_name = "N", default_value_t = 10, help_heading = "Report")]
    nodecount: usize,
    /// Drop nodes whose cum is below F × total.
    #[arg(
        long,
        value_name = "F",
        default_value_t = 0.005,
        help_heading = "Report"
    )]
    nodefraction: f64,
    /// Drop edges below F × total (they decide the (inline) marks).
    #[arg(
        long,
        value_name = "F",
        default_value_t = 0.001,
        help_heading = "Report"
    )]
    edgefraction: f64,
    /// Unit for values: minimum (pprof's default), B, kB, MB, GB, …
    #[arg(
        long,
        value_name = "UNIT",
        default_value = "minimum",
        help_heading = "Report"
    )]
    unit: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text", help_heading = "Report")]
    format: FormatArg,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Args, Debug)]
struct ListArgs {
    /// Functions to list: a regex matched against function names.
    #[arg(value_name = "REGEX")]
    regex: String,
    #[command(flatten)]
    select: SelectArgs,
    /// Directory to search for source files (repeatable, or ':'-separated) [default: .].
    #[arg(long = "source_path", value_name = "DIR", help_heading = "Source")]
    source_path: Vec<String>,
    /// Lines of context around lines with values.
    #[arg(long, value_name = "N", default_value_t = 2, help_heading = "Source")]
    context: usize,
    /// Print each function whole.
    #[arg(long, help_heading = "Source")]
    full: bool,
    /// Unit for values: minimum (each value in its best unit, as pprof's list), B, kB, MB, …
    #[arg(
        long,
        value_name = "UNIT",
        default_value = "minimum",
        help_heading = "Report"
    )]
    unit: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text", help_heading = "Report")]
    format: FormatArg,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Args, Debug)]
struct PeekArgs {
    /// Functions to show: a regex matched against node names.
    #[arg(value_name = "REGEX")]
    regex: String,
    #[command(flatten)]
    select: SelectArgs,
    /// Order blocks by cum instead of flat.
    #[arg(long, overrides_with = "flat", help_heading = "Report")]
    cum: bool,
    /// Order blocks by flat (the default).
    #[arg(long, help_heading = "Report")]
    flat: bool,
    /// Unit for values: minimum (pprof's default), B, kB, MB, GB, …
    #[arg(
        long,
        value_name = "UNIT",
        default_value = "minimum",
        help_heading = "Report"
    )]
    unit: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text", help_heading = "Report")]
    format: FormatArg,
    #[command(flatten)]
    input: InputArgs,
}

/// The input of the text commands: one file or stdin.
#[derive(Args, Debug)]
struct TextInputArgs {
    #[command(flatten)]
    fetch: FetchArgs,
    /// Largest input accepted, in bytes (after decompression, if gzipped; at most 1 TiB).
    #[arg(long = "max_size", value_name = "BYTES", default_value_t = DEFAULT_MAX_SIZE)]
    max_size: u64,
    /// The file, or - for stdin [default: stdin when it is not a terminal].
    #[arg(value_name = "FILE")]
    file: Option<String>,
}

#[derive(Args, Debug)]
struct MemstatsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: FormatArg,
    #[command(flatten)]
    input: TextInputArgs,
}

#[derive(Args, Debug)]
struct GctraceArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: FormatArg,
    /// Also write a chart of heap at GC start, live heap and goal over time to FILE (SVG).
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    #[command(flatten)]
    input: TextInputArgs,
}

#[derive(Args, Debug)]
struct DiffArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// Sort by the change in cum instead of flat.
    #[arg(long, overrides_with = "flat", help_heading = "Report")]
    cum: bool,
    /// Sort by the change in flat (the default).
    #[arg(long, help_heading = "Report")]
    flat: bool,
    /// Show at most N nodes; 0 shows all.
    #[arg(long, value_name = "N", default_value_t = 10, help_heading = "Report")]
    nodecount: usize,
    /// Drop nodes whose cum change is below F × the net change.
    #[arg(
        long,
        value_name = "F",
        default_value_t = 0.005,
        help_heading = "Report"
    )]
    nodefraction: f64,
    /// Drop edges below F × the net change (they decide the (inline) marks).
    #[arg(
        long,
        value_name = "F",
        default_value_t = 0.001,
        help_heading = "Report"
    )]
    edgefraction: f64,
    /// Scale BEFORE to AFTER's total first, to compare shapes rather than sizes.
    #[arg(long, help_heading = "Report")]
    normalize: bool,
    /// Unit for values: minimum (pprof's default), B, kB, MB, GB, …
    #[arg(
        long,
        value_name = "UNIT",
        default_value = "minimum",
        help_heading = "Report"
    )]
    unit: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text", help_heading = "Report")]
    format: FormatArg,
    /// Largest profile accepted, in bytes after decompression (at most 1 TiB).
    #[arg(long = "max_size", value_name = "BYTES", default_value_t = DEFAULT_MAX_SIZE)]
    max_size: u64,
    #[command(flatten)]
    fetch: FetchArgs,
    /// The earlier snapshot.
    #[arg(value_name = "BEFORE")]
    before: String,
    /// The later snapshot.
    #[arg(value_name = "AFTER")]
    after: String,
}

#[derive(Args, Debug)]
struct TrendArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// Follow each node's cum instead of its flat.
    #[arg(long, help_heading = "Report")]
    cum: bool,
    /// Keep the snapshots in argument order instead of ordering them by time.
    #[arg(long = "keep-order", help_heading = "Report")]
    keep_order: bool,
    /// Show at most N nodes; 0 shows all.
    #[arg(long, value_name = "N", default_value_t = 20, help_heading = "Report")]
    nodecount: usize,
    /// Unit for values: minimum (each value in its best unit), B, kB, MB, …
    #[arg(
        long,
        value_name = "UNIT",
        default_value = "minimum",
        help_heading = "Report"
    )]
    unit: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text", help_heading = "Report")]
    format: FormatArg,
    /// Largest profile accepted, in bytes after decompression (at most 1 TiB).
    #[arg(long = "max_size", value_name = "BYTES", default_value_t = DEFAULT_MAX_SIZE)]
    max_size: u64,
    #[command(flatten)]
    fetch: FetchArgs,
    /// The snapshots (at least two).
    #[arg(value_name = "SNAPSHOT", num_args = 2.., required = true)]
    snapshots: Vec<String>,
}

#[derive(Args, Debug)]
struct FlameArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// Draw a differential flame graph against this earlier snapshot.
    #[arg(long, value_name = "BEFORE", help_heading = "Flame graph")]
    base: Option<String>,
    /// With --base: scale BEFORE to the profile's total first.
    #[arg(long, requires = "base", help_heading = "Flame graph")]
    normalize: bool,
    /// Write folded stacks instead of SVG.
    #[arg(long, help_heading = "Flame graph")]
    folded: bool,
    /// Title [default: the sample type and its total].
    #[arg(long, value_name = "TEXT", help_heading = "Flame graph")]
    title: Option<String>,
    /// Width of the image in pixels, 100 to 100000 [default: 1200].
    #[arg(long, value_name = "PX", help_heading = "Flame graph")]
    width: Option<usize>,
    /// Leave out frames narrower than this percentage of the total (0 to 100).
    #[arg(
        long = "min-width",
        value_name = "PCT",
        default_value_t = 0.01,
        help_heading = "Flame graph"
    )]
    min_width: f64,
    /// Icicle graph: roots at the top, growing down.
    #[arg(long, help_heading = "Flame graph")]
    reverse: bool,
    /// Palette: mem, hot, io, red, green, blue, aqua, yellow, purple, orange, …
    #[arg(
        long,
        value_name = "PALETTE",
        default_value = "mem",
        help_heading = "Flame graph"
    )]
    colors: String,
    /// Write to FILE instead of stdout (replaced only when complete).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        help_heading = "Flame graph"
    )]
    output: Option<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Args, Debug)]
struct GraphArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// Accepted as pprof accepts it; the graph's nodes do not change.
    #[arg(long, overrides_with = "flat", help_heading = "Report")]
    cum: bool,
    /// Accepted as pprof accepts it (the default).
    #[arg(long, help_heading = "Report")]
    flat: bool,
    /// Show at most N nodes, counting each node's block-size boxes too; 0 shows all.
    #[arg(long, value_name = "N", default_value_t = 80, help_heading = "Report")]
    nodecount: usize,
    /// Drop nodes whose cum is below F × total.
    #[arg(
        long,
        value_name = "F",
        default_value_t = 0.005,
        help_heading = "Report"
    )]
    nodefraction: f64,
    /// Drop edges whose value is below F × total.
    #[arg(
        long,
        value_name = "F",
        default_value_t = 0.001,
        help_heading = "Report"
    )]
    edgefraction: f64,
    /// Unit for values: minimum (pprof's default), B, kB, MB, GB, …
    #[arg(
        long,
        value_name = "UNIT",
        default_value = "minimum",
        help_heading = "Report"
    )]
    unit: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "svg", help_heading = "Graph")]
    format: GraphFormatArg,
    /// Who draws the SVG [default: dot when it is on PATH, else builtin].
    #[arg(long, value_enum, value_name = "R", help_heading = "Graph")]
    renderer: Option<RendererArg>,
    /// Write to FILE instead of stdout (replaced only when complete).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        help_heading = "Graph"
    )]
    output: Option<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Args, Debug)]
struct InfoArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: FormatArg,
    #[command(flatten)]
    input: InputArgs,
}

/// Why the command line could not be turned into a request.
#[derive(Debug)]
pub enum ParseError {
    /// clap's own errors, help and version (it knows how to print them).
    Clap(clap::Error),
    Usage(UsageError),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Clap(e) => write!(f, "{e}"),
            ParseError::Usage(e) => write!(f, "{e}"),
        }
    }
}

/// Parses a full command line (program name first).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Request, ParseError> {
    let cli = Cli::try_parse_from(normalize_args(args)).map_err(ParseError::Clap)?;
    let request = match cli.command {
        Command::Top(a) => top_request(a),
        Command::List(a) => list_request(a),
        Command::Peek(a) => peek_request(a),
        Command::Diff(a) => diff_request(a),
        Command::Trend(a) => trend_request(a),
        Command::Flame(a) => flame_request(a),
        Command::Graph(a) => graph_request(a),
        Command::Info(a) => input_spec(&a.input).map(|input| Request::Info {
            input,
            format: format(a.format),
        }),
        Command::Memstats(a) => {
            text_input_spec(&a.input, "memstats").map(|input| Request::MemStats {
                input,
                format: format(a.format),
            })
        }
        Command::Gctrace(a) => text_input_spec(&a.input, "gctrace").map(|input| Request::GcTrace {
            input,
            format: format(a.format),
            svg: a.svg,
        }),
    };
    request.map_err(ParseError::Usage)
}

fn usage(msg: impl Into<String>) -> UsageError {
    UsageError(msg.into())
}

fn format(f: FormatArg) -> Format {
    match f {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
    }
}

/// The source named on the command line, or stdin when it is piped;
/// `missing` is the usage error when neither is there.
fn source_spec(
    arg: Option<&str>,
    max_size: u64,
    fetch: &FetchArgs,
    missing: &str,
) -> Result<InputSpec, UsageError> {
    let source = match arg {
        Some(arg) => Source::parse(arg),
        None if std::io::stdin().is_terminal() => return Err(usage(missing)),
        None => Source::Stdin,
    };
    Ok(InputSpec {
        sources: vec![source],
        max_size: size_limit(max_size)?,
        fetch: fetch_options(fetch)?,
    })
}

/// Fetch options from the flags and the environment: fetched profiles are
/// saved in -save_dir, else $HEAPSCOPE_SAVE_DIR, else $HOME/pprof (as pprof
/// saves in $PPROF_TMPDIR or $HOME/pprof), unless -no_save.
fn fetch_options(a: &FetchArgs) -> Result<FetchOptions, UsageError> {
    if let Some(s) = a.seconds {
        in_range("seconds", s, SECONDS_RANGE, "seconds")?;
    }
    if let Some(s) = a.timeout {
        in_range("timeout", s, SECONDS_RANGE, "seconds")?;
    }
    if a.no_save && a.save_dir.is_some() {
        return Err(usage("choose -save_dir or -no_save, not both"));
    }
    let env_dir = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let save_dir = if a.no_save {
        None
    } else {
        a.save_dir
            .clone()
            .or_else(|| env_dir("HEAPSCOPE_SAVE_DIR").map(PathBuf::from))
            .or_else(|| env_dir("HOME").map(|h| PathBuf::from(h).join("pprof")))
    };
    Ok(FetchOptions {
        seconds: a.seconds,
        timeout: a.timeout.map(std::time::Duration::from_secs),
        save_dir,
        progress: std::io::stderr().is_terminal(),
    })
}

/// The range of -seconds and -timeout: up to a day.
const SECONDS_RANGE: std::ops::RangeInclusive<u64> = 1..=86_400;

/// The range of -max_size: up to 1 TiB, far above any real profile, low enough
/// that budgets derived from it cannot overflow.
const MAX_SIZE_RANGE: std::ops::RangeInclusive<u64> = 1..=1 << 40;

/// The range of --width, in pixels: room for the flame graph's margins, and
/// no more than a browser can draw.
const WIDTH_RANGE: std::ops::RangeInclusive<u64> = 100..=100_000;

/// `v` when it is in `range`, else the usage error naming the flag (`-flag=v
/// must be between lo and hi unit`).
fn in_range(
    flag: &str,
    v: u64,
    range: std::ops::RangeInclusive<u64>,
    unit: &str,
) -> Result<u64, UsageError> {
    if range.contains(&v) {
        Ok(v)
    } else {
        Err(usage(format!(
            "-{flag}={v} must be between {} and {} {unit}",
            range.start(),
            range.end()
        )))
    }
}

fn size_limit(v: u64) -> Result<u64, UsageError> {
    in_range("max_size", v, MAX_SIZE_RANGE, "bytes")
}

fn input_spec(a: &InputArgs) -> Result<InputSpec, UsageError> {
    let sources = if a.profiles.is_empty() {
        if std::io::stdin().is_terminal() {
            return Err(usage(
                "no profile given and stdin is a terminal: name a profile file, or pipe one in \
                 (heapscope top < pprof.heap)",
            ));
        }
        vec![Source::Stdin]
    } else {
        a.profiles.iter().map(|p| Source::parse(p)).collect()
    };
    if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
        return Err(usage("stdin (-) can be read only once"));
    }
    Ok(InputSpec {
        sources,
        max_size: size_limit(a.max_size)?,
        fetch: fetch_options(&a.fetch)?,
    })
}

fn text_input_spec(a: &TextInputArgs, command: &str) -> Result<InputSpec, UsageError> {
    source_spec(
        a.file.as_deref(),
        a.max_size,
        &a.fetch,
        &format!(
            "no file given and stdin is a terminal: name a file, or pipe one in \
             (heapscope {command} < file)"
        ),
    )
}

fn regex(flag: &str, value: &Option<String>) -> Result<Option<Regex>, UsageError> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(|v| Regex::new(v).map_err(|e| usage(format!("invalid -{flag} regex: {e}"))))
        .transpose()
}

fn fraction(flag: &str, v: f64) -> Result<f64, UsageError> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(usage(format!("-{flag}={v:?} must be between 0 and 1")))
    }
}

fn selection(a: &SelectArgs) -> Result<Selection, UsageError> {
    let shorthands = [
        (a.inuse_space, "inuse_space"),
        (a.inuse_objects, "inuse_objects"),
        (a.alloc_space, "alloc_space"),
        (a.alloc_objects, "alloc_objects"),
    ];
    let mut chosen: Vec<String> = shorthands
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name.to_string())
        .collect();
    if let Some(si) = &a.sample_index {
        chosen.push(si.clone());
    }
    if chosen.len() > 1 {
        return Err(usage(format!(
            "choose one sample type, not {}",
            chosen.join(" and ")
        )));
    }

    let mut granularities: Vec<Granularity> = Vec::new();
    if let Some(g) = a.granularity {
        granularities.push(match g {
            GranularityArg::Functions => Granularity::Functions,
            GranularityArg::Files => Granularity::Files,
            GranularityArg::Lines => Granularity::Lines,
        });
    }
    for (on, g) in [
        (a.functions, Granularity::Functions),
        (a.files, Granularity::Files),
        (a.lines, Granularity::Lines),
    ] {
        if on {
            granularities.push(g);
        }
    }
    granularities.dedup();
    if granularities.len() > 1 {
        return Err(usage(
            "choose one granularity: -functions, -files or -lines",
        ));
    }

    Ok(Selection {
        sample_index: chosen.pop(),
        filters: Filters {
            focus: regex("focus", &a.focus)?,
            ignore: regex("ignore", &a.ignore)?,
            hide: regex("hide", &a.hide)?,
            show: regex("show", &a.show)?,
        },
        nodes: NodeOptions {
            granularity: granularities.pop().unwrap_or_default(),
            trim_path: a
                .trim_path
                .iter()
                .flat_map(|p| p.split(':'))
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
            object_names: false,
        },
        relative_percentages: a.relative_percentages,
    })
}

fn top_request(a: TopArgs) -> Result<Request, UsageError> {
    Ok(Request::Top {
        input: input_spec(&a.input)?,
        selection: selection(&a.select)?,
        options: TopOptions {
            trim: TrimOptions {
                node_count: a.nodecount,
                node_fraction: fraction("nodefraction", a.nodefraction)?,
                edge_fraction: fraction("edgefraction", a.edgefraction)?,
                cum_sort: a.cum && !a.flat,
            },
            unit: a.unit,
            format: format(a.format),
        },
    })
}

fn symbol_regex(command: &str, value: &str) -> Result<Regex, UsageError> {
    Regex::new(value).map_err(|e| usage(format!("invalid {command} regex: {e}")))
}

fn list_request(a: ListArgs) -> Result<Request, UsageError> {
    let dirs = a
        .source_path
        .iter()
        .flat_map(|p| p.split(':'))
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .collect();
    let selection = selection(&a.select)?;
    Ok(Request::List {
        input: input_spec(&a.input)?,
        search: SourceSearch {
            dirs,
            trim: selection.nodes.trim_path.clone(),
            goroot: std::env::var_os("GOROOT")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        },
        selection,
        options: ListOptions {
            regex: symbol_regex("list", &a.regex)?,
            context: a.context,
            full: a.full,
            unit: a.unit,
            format: format(a.format),
        },
    })
}

fn one_file(arg: &str, max_size: u64, fetch: &FetchOptions) -> InputSpec {
    InputSpec {
        sources: vec![Source::parse(arg)],
        max_size,
        fetch: fetch.clone(),
    }
}

fn diff_request(a: DiffArgs) -> Result<Request, UsageError> {
    if a.before == "-" && a.after == "-" {
        return Err(usage("stdin (-) can be read only once"));
    }
    let fetch = fetch_options(&a.fetch)?;
    let limit = size_limit(a.max_size)?;
    Ok(Request::Diff {
        before: one_file(&a.before, limit, &fetch),
        after: one_file(&a.after, limit, &fetch),
        normalize: a.normalize,
        selection: selection(&a.select)?,
        options: DiffOptions {
            trim: TrimOptions {
                node_count: a.nodecount,
                node_fraction: fraction("nodefraction", a.nodefraction)?,
                edge_fraction: fraction("edgefraction", a.edgefraction)?,
                cum_sort: a.cum && !a.flat,
            },
            unit: a.unit,
            format: format(a.format),
        },
    })
}

fn trend_request(a: TrendArgs) -> Result<Request, UsageError> {
    let sources: Vec<Source> = a.snapshots.iter().map(|s| Source::parse(s)).collect();
    if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
        return Err(usage("stdin (-) can be read only once"));
    }
    Ok(Request::Trend {
        input: InputSpec {
            sources,
            max_size: size_limit(a.max_size)?,
            fetch: fetch_options(&a.fetch)?,
        },
        keep_order: a.keep_order,
        selection: selection(&a.select)?,
        options: TrendOptions {
            cum: a.cum,
            node_count: a.nodecount,
            unit: a.unit,
            format: format(a.format),
        },
    })
}

fn flame_request(a: FlameArgs) -> Result<Request, UsageError> {
    if a.colors
        .parse::<inferno::flamegraph::color::Palette>()
        .is_err()
    {
        return Err(usage(format!(
            "unknown palette {:?} for --colors",
            a.colors
        )));
    }
    if !(a.min_width.is_finite() && (0.0..=100.0).contains(&a.min_width)) {
        return Err(usage(format!(
            "--min-width={:?} must be between 0 and 100 (a percentage of the total)",
            a.min_width
        )));
    }
    if let Some(w) = a.width {
        in_range(
            "width",
            u64::try_from(w).unwrap_or(u64::MAX),
            WIDTH_RANGE,
            "pixels",
        )?;
    }
    let input = input_spec(&a.input)?;
    if a.base.as_deref() == Some("-") && input.sources.contains(&Source::Stdin) {
        return Err(usage("stdin (-) can be read only once"));
    }
    Ok(Request::Flame {
        base: a
            .base
            .as_deref()
            .map(|b| one_file(b, a.input.max_size, &input.fetch)),
        input,
        normalize: a.normalize,
        selection: selection(&a.select)?,
        options: FlameOptions {
            title: a.title,
            width: a.width,
            min_width: a.min_width,
            reverse: a.reverse,
            colors: a.colors,
            folded: a.folded,
        },
        output: a.output,
    })
}

fn graph_request(a: GraphArgs) -> Result<Request, UsageError> {
    if a.renderer.is_some() && a.format == GraphFormatArg::Dot {
        return Err(usage(
            "--renderer applies to SVG output; --format dot writes DOT text",
        ));
    }
    Ok(Request::Graph {
        input: input_spec(&a.input)?,
        selection: selection(&a.select)?,
        options: GraphOptions {
            trim: TrimOptions {
                node_count: a.nodecount,
                node_fraction: fraction("nodefraction", a.nodefraction)?,
                edge_fraction: fraction("edgefraction", a.edgefraction)?,
                cum_sort: a.cum && !a.flat,
            },
            unit: a.unit,
            format: match a.format {
                GraphFormatArg::Svg => GraphFormat::Svg,
                GraphFormatArg::Dot => GraphFormat::Dot,
            },
            renderer: a.renderer.map(|r| match r {
                RendererArg::Dot => Renderer::Graphviz,
                RendererArg::Builtin => Renderer::Builtin,
            }),
        },
        output: a.output,
    })
}

fn peek_request(a: PeekArgs) -> Result<Request, UsageError> {
    Ok(Request::Peek {
        input: input_spec(&a.input)?,
        selection: selection(&a.select)?,
        options: PeekOptions {
            regex: symbol_regex("peek", &a.regex)?,
            cum_sort: a.cum && !a.flat,
            unit: a.unit,
            format: format(a.format),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        normalize_args(args.iter().map(OsString::from))
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn single_dash_long_flags_become_double_dash() {
        assert_eq!(
            norm(&[
                "heapscope",
                "top",
                "-inuse_space",
                "-nodecount=5",
                "-focus",
                "x",
                "p.heap"
            ]),
            [
                "heapscope",
                "top",
                "--inuse_space",
                "--nodecount=5",
                "--focus",
                "x",
                "p.heap"
            ]
        );
    }

    #[test]
    fn other_arguments_are_left_alone() {
        assert_eq!(
            norm(&[
                "heapscope",
                "top",
                "-",
                "--cum",
                "-nodefraction",
                "-0.1",
                "--",
                "-cum"
            ]),
            [
                "heapscope",
                "top",
                "-",
                "--cum",
                "--nodefraction",
                "-0.1",
                "--",
                "-cum"
            ]
        );
    }

    fn request(args: &[&str]) -> Result<Request, ParseError> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn top_flags_are_parsed() {
        let Ok(Request::Top {
            selection, options, ..
        }) = request(&[
            "heapscope",
            "top",
            "-alloc_objects",
            "-cum",
            "-nodecount",
            "3",
            "-lines",
            "-hide=runtime",
            "x.pb",
        ])
        else {
            panic!("top should parse");
        };
        assert_eq!(selection.sample_index.as_deref(), Some("alloc_objects"));
        assert_eq!(selection.nodes.granularity, Granularity::Lines);
        assert!(selection.filters.hide.is_some());
        assert!(options.trim.cum_sort);
        assert_eq!(options.trim.node_count, 3);
    }

    #[test]
    fn conflicting_sample_types_are_a_usage_error() {
        let err =
            request(&["heapscope", "top", "-inuse_space", "-alloc_space", "x.pb"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "choose one sample type, not inuse_space and alloc_space"
        );
    }

    #[test]
    fn text_commands_take_a_file_and_their_flags() {
        let Ok(Request::GcTrace { input, format, svg }) = request(&[
            "heapscope",
            "gctrace",
            "-svg=gc.svg",
            "-format=json",
            "gc.log",
        ]) else {
            panic!("gctrace should parse");
        };
        assert_eq!(input.sources, [Source::Path(PathBuf::from("gc.log"))]);
        assert_eq!(format, Format::Json);
        assert_eq!(svg, Some(PathBuf::from("gc.svg")));
        let Ok(Request::MemStats { input, .. }) = request(&["heapscope", "memstats", "-"]) else {
            panic!("memstats should parse");
        };
        assert_eq!(input.sources, [Source::Stdin]);
    }

    #[test]
    fn urls_and_fetch_flags_reach_the_input() {
        let Ok(Request::Top { input, .. }) = request(&[
            "heapscope",
            "top",
            "-seconds=30",
            "-timeout",
            "5",
            "-save_dir=/tmp/profiles",
            "localhost:6060",
            "http://h:1",
        ]) else {
            panic!("top should parse");
        };
        assert_eq!(
            input.sources,
            [
                Source::Url("http://localhost:6060/debug/pprof/heap".into()),
                Source::Url("http://h:1/debug/pprof/heap".into())
            ]
        );
        assert_eq!(input.fetch.seconds, Some(30));
        assert_eq!(input.fetch.total_timeout().as_secs(), 5);
        assert_eq!(input.fetch.save_dir, Some(PathBuf::from("/tmp/profiles")));
        let Ok(Request::Diff { before, .. }) =
            request(&["heapscope", "diff", "-no_save", "-seconds=10", "h:1", "h:2"])
        else {
            panic!("diff should parse");
        };
        assert_eq!(before.fetch.save_dir, None);
        assert_eq!(before.fetch.total_timeout().as_secs(), 70);
        let err = request(&["heapscope", "top", "-no_save", "-save_dir=d", "h:1"]).unwrap_err();
        assert!(matches!(err, ParseError::Usage(_)));
    }

    #[test]
    fn bad_regex_is_a_usage_error() {
        let err = request(&["heapscope", "top", "-focus=(", "x.pb"]).unwrap_err();
        assert!(matches!(err, ParseError::Usage(_)));
        assert!(
            err.to_string().starts_with("invalid -focus regex:"),
            "{err}"
        );
    }
}
