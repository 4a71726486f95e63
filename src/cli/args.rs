//! The clap definitions: each command as the flag groups it shares with the
//! others plus its own flags. Every flag is declared once, in one group;
//! where a command words a flag differently or has its own default, its
//! variant says so (`mut_arg`), and report defaults come from the report.

use std::path::PathBuf;

use clap::builder::Resettable;
use clap::{Arg, Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

use super::help;
use crate::input::DEFAULT_MAX_SIZE;
use crate::profile::graph::TrimOptions;
use crate::report::diff::DiffOptions;
use crate::report::graph::GraphOptions;
use crate::report::heap::HeapOptions;
use crate::report::top::TopOptions;
use crate::report::trend::TrendOptions;

#[derive(Parser, Debug)]
#[command(name = "heapscope", version, about = help::ABOUT, after_help = help::AFTER_HELP)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run; the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub(super) enum Command {
    #[command(flatten)]
    Report(Report),
    /// A completion script for SHELL, on stdout.
    #[command(after_help = help::COMPLETIONS)]
    Completions(CompletionsArgs),
    /// The manual pages (roff) of heapscope and its commands, on stdout.
    #[command(after_help = help::MAN)]
    Man,
}

/// The commands that read a profile or a log and report on it.
// Parsed once per run; the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub(super) enum Report {
    /// Functions (or files, or lines) that hold or allocate the most memory.
    #[command(after_help = help::TOP, mut_args(trim_defaults(&TopOptions::default().trim)))]
    Top(TopArgs),
    /// Source lines of matching functions, with what each line allocates.
    #[command(
        after_help = help::LIST,
        mut_arg("unit", |a| a.help(
            "Unit for values: minimum (each value in its best unit, as pprof's list), B, kB, MB, …"
        )),
    )]
    List(ListArgs),
    /// Callers and callees of matching functions, with the values between them.
    #[command(
        after_help = help::PEEK,
        mut_arg("cum", |a| a.help("Order blocks by cum instead of flat")),
        mut_arg("flat", |a| a.help("Order blocks by flat (the default)")),
    )]
    Peek(PeekArgs),
    /// What changed between two snapshots, node by node (AFTER − BEFORE).
    #[command(
        after_help = help::DIFF,
        mut_args(trim_defaults(&DiffOptions::default().trim)),
        mut_arg("cum", |a| a.help("Sort by the change in cum instead of flat")),
        mut_arg("flat", |a| a.help("Sort by the change in flat (the default)")),
        mut_arg("nodefraction", |a| a.help(
            "Drop nodes whose cum change is below F × the net change"
        )),
        mut_arg("edgefraction", |a| a.help(
            "Drop edges below F × the net change (they decide the (inline) marks)"
        )),
    )]
    Diff(DiffArgs),
    /// Each node across a series of snapshots, likely leaks first.
    #[command(
        after_help = help::TREND,
        mut_arg("nodecount", default(TrendOptions::default().node_count)),
        mut_arg("cum", |a| a.help("Follow each node's cum instead of its flat")),
        mut_arg("flat", |a| a.help("Follow each node's flat (the default)")),
        mut_arg("unit", |a| a.help(
            "Unit for values: minimum (each value in its best unit), B, kB, MB, …"
        )),
    )]
    Trend(TrendArgs),
    /// A flame graph (SVG) of where memory goes, or folded stacks.
    #[command(
        after_help = help::FLAME,
        mut_arg("output", |a| a.help_heading("Flame graph")),
        mut_arg("base", |a| a.help(
            "Draw a differential flame graph against this earlier snapshot"
        )),
        mut_arg("diff_base", |a| a.help("Same as -base here")),
        mut_arg("normalize", |a| a.help("With -base: scale BEFORE to the profile's total first")),
        mut_arg("drop_negative", |a| a.help(
            "Refused: a differential flame graph shows what shrank in its colours"
        )),
    )]
    Flame(FlameArgs),
    /// The call graph (SVG or DOT), as go tool pprof -svg draws it; no Graphviz needed.
    #[command(
        after_help = help::GRAPH,
        mut_args(trim_defaults(&GraphOptions::default().trim)),
        mut_arg("cum", |a| a.help("Accepted as pprof accepts it; the graph's nodes do not change")),
        mut_arg("flat", |a| a.help("Accepted as pprof accepts it (the default)")),
        mut_arg("nodecount", |a| a.help(
            "Show at most N nodes, counting each node's block-size boxes too; 0 shows all"
        )),
        mut_arg("edgefraction", |a| a.help("Drop edges whose value is below F × total")),
        mut_arg("output", |a| a.help_heading("Graph")),
    )]
    Graph(GraphArgs),
    /// Each label key's values with the memory (or objects) of the samples carrying them:
    /// for Go heap profiles, the allocation size distribution.
    #[command(after_help = help::TAGS)]
    Tags(TagsArgs),
    /// A Go heap profile's four values per node side by side, average object size,
    /// retention (churn or holds) and each node's allocation sizes.
    #[command(
        after_help = help::HEAP,
        mut_arg("nodecount", default(HeapOptions::default().node_count)),
    )]
    Heap(HeapArgs),
    /// Every sample's stack with its value and labels, as go tool pprof -traces prints it.
    #[command(
        after_help = help::TRACES,
        mut_arg("unit", |a| a.help(
            "Unit for values: minimum (each value in its best unit, as pprof's -traces), B, kB, MB, …"
        )),
    )]
    Traces(TracesArgs),
    /// The profile as decoded, as go tool pprof -raw dumps it: samples, locations, mappings.
    #[command(after_help = help::RAW)]
    Raw(RawArgs),
    /// What a profile file is: producer, time, sample types and totals, sizes.
    #[command(mut_arg("format", no_heading))]
    Info(InfoArgs),
    /// A Go program's runtime.MemStats (the end of a ?debug=1 heap profile): heap,
    /// fragmentation, idle memory, non-heap memory, GC cost and pauses, with findings.
    #[command(
        after_help = help::MEMSTATS,
        mut_arg("format", no_heading),
        mut_arg("max_size", text_max_size),
        mut_arg("symbolize", |a| a.hide(true)),
        mut_arg("keep_allocator_frames", |a| a.hide(true)),
    )]
    Memstats(TextArgs),
    /// A GODEBUG=gctrace=1 log: cycles, heap over time, pauses, marks, runaway growth, thrash, churn.
    #[command(
        after_help = help::GCTRACE,
        mut_arg("format", no_heading),
        mut_arg("max_size", text_max_size),
        mut_arg("symbolize", |a| a.hide(true)),
        mut_arg("keep_allocator_frames", |a| a.hide(true)),
    )]
    Gctrace(GctraceArgs),
    /// Findings from any mix of heap profiles, ?debug=1 texts, gctrace logs and MemStats:
    /// the cause, the call sites responsible, what to try and how to dig further.
    #[command(
        after_help = help::DOCTOR,
        mut_arg("format", no_heading),
        mut_arg("symbolize", |a| a.hide(true)),
    )]
    Doctor(DoctorArgs),
    /// The shell: `heapscope [FLAGS] PROFILE…` with no command is rewritten
    /// to this hidden one (see `pprof::invocation`).
    #[command(hide = true)]
    Shell(ShellArgs),
    /// The web UI: flame graph, top, peek and source views in a browser (pprof's -http).
    #[command(after_help = help::WEB)]
    Web(WebArgs),
}

/// Clap's defaults for `-nodecount`, `-nodefraction` and `-edgefraction`,
/// taken from a report's own defaults so that they live in one place.
fn trim_defaults(trim: &TrimOptions) -> impl FnMut(Arg) -> Arg {
    let trim = *trim;
    move |arg| match arg.get_id().as_str() {
        "nodecount" => default(trim.node_count)(arg),
        "nodefraction" => default(trim.node_fraction)(arg),
        "edgefraction" => default(trim.edge_fraction)(arg),
        _ => arg,
    }
}

/// Gives a flag declared without a default (`TrimArgs`) its command's one.
fn default(value: impl ToString) -> impl FnOnce(Arg) -> Arg {
    move |arg| arg.default_value(value.to_string()).required(false)
}

/// For the commands with few flags: no heading above `--format`.
fn no_heading(arg: Arg) -> Arg {
    arg.help_heading(Resettable::Reset)
}

/// `-max_size` of the commands that read text.
fn text_max_size(arg: Arg) -> Arg {
    arg.help("Largest input accepted, in bytes (after decompression, if gzipped; at most 1 TiB)")
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FormatArg {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum GraphFormatArg {
    Svg,
    Dot,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RendererArg {
    /// Graphviz's dot (must be on PATH).
    Dot,
    /// heapscope's own layout.
    Builtin,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PaletteArg {
    /// --colors (the memory palette by default); a differential graph by the change.
    Memory,
    /// By package, as pprof's web UI colours.
    Package,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum GranularityArg {
    Functions,
    Files,
    Lines,
    Addresses,
}

/// Which sample value to report.
#[derive(Args, Debug)]
pub(super) struct SampleArgs {
    /// Memory in use at the time of the profile, in bytes (Go's default).
    #[arg(long = "inuse_space", help_heading = "Sample type")]
    pub inuse_space: bool,
    /// Objects in use at the time of the profile.
    #[arg(long = "inuse_objects", help_heading = "Sample type")]
    pub inuse_objects: bool,
    /// Bytes allocated since the program started.
    #[arg(long = "alloc_space", help_heading = "Sample type")]
    pub alloc_space: bool,
    /// Objects allocated since the program started.
    #[arg(long = "alloc_objects", help_heading = "Sample type")]
    pub alloc_objects: bool,
    /// Sample type by name or index [default: the profile's default, else the last type].
    #[arg(
        long = "sample_index",
        value_name = "NAME|N",
        help_heading = "Sample type"
    )]
    pub sample_index: Option<String>,
    /// Divide every value by F before it is shown (pprof's -divide_by; percentages do not change).
    #[arg(
        long = "divide_by",
        value_name = "F",
        allow_negative_numbers = true,
        help_heading = "Sample type"
    )]
    pub divide_by: Option<f64>,
    /// Each value divided by the first sample type's (for heap profiles: bytes or
    /// objects per allocated object), as pprof's -mean.
    #[arg(long, help_heading = "Sample type")]
    pub mean: bool,
}

/// Which samples and frames count.
#[derive(Args, Debug)]
pub(super) struct FilterArgs {
    /// Keep only samples with a frame whose function or file matches RE.
    #[arg(long, value_name = "RE", help_heading = "Filters")]
    pub focus: Option<String>,
    /// Drop samples with a frame whose function or file matches RE.
    #[arg(long, value_name = "RE", help_heading = "Filters")]
    pub ignore: Option<String>,
    /// Remove frames matching RE from stacks (their values go to callers).
    #[arg(long, value_name = "RE", help_heading = "Filters")]
    pub hide: Option<String>,
    /// Keep only frames matching RE in stacks.
    #[arg(long, value_name = "RE", help_heading = "Filters")]
    pub show: Option<String>,
    /// Keep only samples with a label matching SPEC: KEY=RE,RE (string labels),
    /// KEY=RANGE (numeric: 64kB:1MB, 1MB:, :512B, 4kB), or either without KEY=.
    #[arg(long = "tagfocus", value_name = "SPEC", help_heading = "Filters")]
    pub tagfocus: Option<String>,
    /// Drop samples with a label matching SPEC (as -tagfocus).
    #[arg(long = "tagignore", value_name = "SPEC", help_heading = "Filters")]
    pub tagignore: Option<String>,
    /// Show only the labels whose key matches RE (tags, graph nodelets).
    #[arg(long = "tagshow", value_name = "RE", help_heading = "Filters")]
    pub tagshow: Option<String>,
    /// Hide the labels whose key matches RE.
    #[arg(long = "taghide", value_name = "RE", help_heading = "Filters")]
    pub taghide: Option<String>,
    /// Percentages of the filtered total instead of the whole profile's.
    #[arg(long = "relative_percentages", help_heading = "Filters")]
    pub relative_percentages: bool,
}

/// What a node is, and how source paths are shown.
#[derive(Args, Debug)]
pub(super) struct GranularityArgs {
    /// What a node is [default: functions].
    #[arg(long, value_enum, value_name = "G", help_heading = "Granularity")]
    pub granularity: Option<GranularityArg>,
    /// Same as -granularity=functions.
    #[arg(long, help_heading = "Granularity")]
    pub functions: bool,
    /// Same as -granularity=files.
    #[arg(long, help_heading = "Granularity")]
    pub files: bool,
    /// Same as -granularity=lines.
    #[arg(long, help_heading = "Granularity")]
    pub lines: bool,
    /// Same as -granularity=addresses: a node per instruction address (and inlined line).
    #[arg(long, help_heading = "Granularity")]
    pub addresses: bool,
    /// Strip PREFIX from recorded source paths (repeatable, or ':'-separated).
    #[arg(
        long = "trim_path",
        value_name = "PREFIX",
        help_heading = "Granularity"
    )]
    pub trim_path: Vec<String>,
}

/// What the stacks are made of: labels as frames, cuts, inlined calls.
#[derive(Args, Debug)]
pub(super) struct FrameArgs {
    /// Label KEYS (comma-separated) as frames at the root of each stack, the first outermost.
    #[arg(long = "tagroot", value_name = "KEYS", help_heading = "Frames")]
    pub tagroot: Option<String>,
    /// Label KEYS (comma-separated) as frames at the leaf of each stack, the last innermost.
    #[arg(long = "tagleaf", value_name = "KEYS", help_heading = "Frames")]
    pub tagleaf: Option<String>,
    /// Drop the frames above the outermost frame matching RE (samples without one go).
    #[arg(long = "show_from", value_name = "RE", help_heading = "Frames")]
    pub show_from: Option<String>,
    /// Drop the frames beneath the innermost frame whose function matches RE.
    #[arg(long = "prune_from", value_name = "RE", help_heading = "Frames")]
    pub prune_from: Option<String>,
    /// Attribute inlined calls to the function they were inlined into.
    #[arg(long, help_heading = "Frames")]
    pub noinlines: bool,
}

/// The selection every profile report shares: sample type, filters, frames, granularity.
#[derive(Args, Debug)]
pub(super) struct SelectArgs {
    #[command(flatten)]
    pub sample: SampleArgs,
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub frames: FrameArgs,
    #[command(flatten)]
    pub granularity: GranularityArgs,
}

/// `-cum` and `-flat`: which value orders the report.
#[derive(Args, Debug)]
pub(super) struct SortArgs {
    /// Sort by cum instead of flat.
    #[arg(long, overrides_with = "flat", help_heading = "Report")]
    pub cum: bool,
    /// Sort by flat (the default).
    #[arg(long, help_heading = "Report")]
    pub flat: bool,
}

/// `-nodecount`; its default is the command's (see [`trim_defaults`]).
#[derive(Args, Debug)]
pub(super) struct NodeCountArgs {
    /// Show at most N nodes; 0 shows all.
    #[arg(long, value_name = "N", help_heading = "Report")]
    pub nodecount: usize,
}

/// `-nodefraction` and `-edgefraction`; defaults as `-nodecount`'s.
#[derive(Args, Debug)]
pub(super) struct FractionArgs {
    /// Drop nodes whose cum is below F × total.
    #[arg(long, value_name = "F", help_heading = "Report")]
    pub nodefraction: f64,
    /// Drop edges below F × total (they decide the (inline) marks).
    #[arg(long, value_name = "F", help_heading = "Report")]
    pub edgefraction: f64,
}

/// What is cut from a graph before it is shown.
#[derive(Args, Debug)]
pub(super) struct TrimArgs {
    #[command(flatten)]
    pub sort: SortArgs,
    #[command(flatten)]
    pub count: NodeCountArgs,
    #[command(flatten)]
    pub fractions: FractionArgs,
}

/// `-unit`.
#[derive(Args, Debug)]
pub(super) struct UnitArgs {
    /// Unit for values: minimum (pprof's default), B, kB, MB, GB, …
    #[arg(
        long,
        value_name = "UNIT",
        default_value = "minimum",
        help_heading = "Report"
    )]
    pub unit: String,
}

/// `--format` of the reports that write text or JSON.
#[derive(Args, Debug)]
pub(super) struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text", help_heading = "Report")]
    pub format: FormatArg,
}

/// `-o`: the reports that write a file.
#[derive(Args, Debug)]
pub(super) struct OutputFileArgs {
    /// Write to FILE instead of stdout (replaced only when complete).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// pprof's base profiles: the difference from an earlier profile.
#[derive(Args, Debug)]
pub(super) struct BaseArgs {
    /// Subtract PROFILE's samples (given twice, the last counts, as in pprof).
    #[arg(long, value_name = "PROFILE", help_heading = "Base profile")]
    pub base: Vec<String>,
    /// As -base, with percentages of the base's total and the base's samples labelled.
    #[arg(
        long = "diff_base",
        value_name = "PROFILE",
        help_heading = "Base profile"
    )]
    pub diff_base: Vec<String>,
    /// Scale the base to the profile's total first, to compare shapes.
    #[arg(long, help_heading = "Base profile")]
    pub normalize: bool,
    /// Leave out nodes whose value is negative (that shrank since the base).
    #[arg(long = "drop_negative", help_heading = "Base profile")]
    pub drop_negative: bool,
}

/// How profiles given as URLs are fetched and saved.
#[derive(Args, Debug)]
pub(super) struct FetchArgs {
    /// For a URL: ask the server for a delta profile over N seconds (?seconds=N), 1 to 86400.
    #[arg(long, value_name = "N", help_heading = "Fetching (URLs)")]
    pub seconds: Option<u64>,
    /// For a URL: give up after S seconds, 1 to 86400 [default: 60 plus -seconds].
    #[arg(long, value_name = "S", help_heading = "Fetching (URLs)")]
    pub timeout: Option<u64>,
    /// Save fetched profiles in DIR [default: $HEAPSCOPE_SAVE_DIR, else $HOME/pprof].
    #[arg(
        long = "save_dir",
        value_name = "DIR",
        help_heading = "Fetching (URLs)"
    )]
    pub save_dir: Option<PathBuf>,
    /// Do not save fetched profiles.
    #[arg(long = "no_save", help_heading = "Fetching (URLs)")]
    pub no_save: bool,
}

/// How every input is read: fetching and the size limit.
#[derive(Args, Debug)]
pub(super) struct SourceArgs {
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// Largest profile accepted, in bytes after decompression (at most 1 TiB).
    #[arg(long = "max_size", value_name = "BYTES", default_value_t = DEFAULT_MAX_SIZE)]
    pub max_size: u64,
    /// Function names as pprof's -symbolize: demangle=templates keeps template arguments,
    /// demangle=full everything, demangle=none (or none) the names as written; ':'-joined.
    #[arg(long, value_name = "CHOICES", default_value = "")]
    pub symbolize: String,
    /// Keep the allocator's own frames (jemalloc, tcmalloc, mimalloc, malloc, Rust's alloc
    /// shims) at the leaf of each stack, as pprof does; by default they are dropped.
    #[arg(long = "keep_allocator_frames")]
    pub keep_allocator_frames: bool,
}

/// The profiles of the commands that read any number of them.
#[derive(Args, Debug)]
pub(super) struct ProfileArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Profile file, or - for stdin [default: stdin when it is not a terminal]. Several
    /// profiles are merged: their values sum node by node.
    #[arg(value_name = "PROFILE")]
    pub profiles: Vec<String>,
}

#[derive(Args, Debug)]
pub(super) struct TopArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub trim: TrimArgs,
    #[command(flatten)]
    pub unit: UnitArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub base: BaseArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub input: ProfileArgs,
}

#[derive(Args, Debug)]
pub(super) struct ListArgs {
    /// Functions to list: a regex matched against function names.
    #[arg(value_name = "REGEX")]
    pub regex: String,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Directory to search for source files (repeatable, or ':'-separated) [default: .].
    #[arg(long = "source_path", value_name = "DIR", help_heading = "Source")]
    pub source_path: Vec<String>,
    /// Lines of context around lines with values, gaps shown as `...` [default: pprof's: the function's start to 5 lines after its last value].
    #[arg(long, value_name = "N", help_heading = "Source")]
    pub context: Option<usize>,
    /// Print each function whole.
    #[arg(long, help_heading = "Source")]
    pub full: bool,
    #[command(flatten)]
    pub unit: UnitArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub base: BaseArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub input: ProfileArgs,
}

#[derive(Args, Debug)]
pub(super) struct PeekArgs {
    /// Functions to show: a regex matched against node names.
    #[arg(value_name = "REGEX")]
    pub regex: String,
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub sort: SortArgs,
    /// Show the first N matching nodes; 0 shows all. (pprof's -nodecount
    /// does not bound peek, here as there.)
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Report")]
    pub matches: usize,
    #[command(flatten)]
    pub unit: UnitArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub base: BaseArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub input: ProfileArgs,
}

#[derive(Args, Debug)]
pub(super) struct DiffArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub trim: TrimArgs,
    /// Scale BEFORE to AFTER's total first, to compare shapes rather than sizes.
    #[arg(long, help_heading = "Report")]
    pub normalize: bool,
    #[command(flatten)]
    pub unit: UnitArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    /// The earlier snapshot.
    #[arg(value_name = "BEFORE")]
    pub before: String,
    /// The later snapshot.
    #[arg(value_name = "AFTER")]
    pub after: String,
}

#[derive(Args, Debug)]
pub(super) struct TrendArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub sort: SortArgs,
    /// Keep the snapshots in argument order instead of ordering them by time.
    #[arg(long = "keep-order", help_heading = "Report")]
    pub keep_order: bool,
    #[command(flatten)]
    pub count: NodeCountArgs,
    #[command(flatten)]
    pub unit: UnitArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    /// The snapshots (at least two).
    #[arg(value_name = "SNAPSHOT", num_args = 2.., required = true)]
    pub snapshots: Vec<String>,
}

#[derive(Args, Debug)]
pub(super) struct FlameArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub base: BaseArgs,
    /// Write folded stacks instead of SVG.
    #[arg(long, help_heading = "Flame graph")]
    pub folded: bool,
    /// Title [default: the sample type and its total].
    #[arg(long, value_name = "TEXT", help_heading = "Flame graph")]
    pub title: Option<String>,
    /// Width of the image in pixels, 100 to 100000 [default: 1200].
    #[arg(long, value_name = "PX", help_heading = "Flame graph")]
    pub width: Option<usize>,
    /// Leave out frames narrower than this percentage of the total (0 to 100).
    #[arg(
        long = "min-width",
        value_name = "PCT",
        default_value_t = 0.01,
        help_heading = "Flame graph"
    )]
    pub min_width: f64,
    /// Icicle graph: roots at the top, growing down.
    #[arg(long, help_heading = "Flame graph")]
    pub reverse: bool,
    /// Palette: mem, hot, io, red, green, blue, aqua, yellow, purple, orange, …
    #[arg(
        long,
        value_name = "PALETTE",
        default_value = "mem",
        help_heading = "Flame graph"
    )]
    pub colors: String,
    /// Stacks start at the allocation site and grow toward their callers.
    #[arg(long, help_heading = "Flame graph")]
    pub inverted: bool,
    /// Colour frames by memory (--colors; by the change with --base) or by package.
    #[arg(
        long,
        value_enum,
        value_name = "PALETTE",
        default_value = "memory",
        help_heading = "Flame graph"
    )]
    pub palette: PaletteArg,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub input: ProfileArgs,
}

#[derive(Args, Debug)]
pub(super) struct GraphArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub trim: TrimArgs,
    #[command(flatten)]
    pub unit: UnitArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "svg", help_heading = "Graph")]
    pub format: GraphFormatArg,
    /// Who draws the SVG [default: dot when it is on PATH, else builtin].
    #[arg(long, value_enum, value_name = "R", help_heading = "Graph")]
    pub renderer: Option<RendererArg>,
    #[command(flatten)]
    pub base: BaseArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub input: ProfileArgs,
}

#[derive(Args, Debug)]
pub(super) struct TagsArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub unit: UnitArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub base: BaseArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub input: ProfileArgs,
}

#[derive(Args, Debug)]
pub(super) struct HeapArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub count: NodeCountArgs,
    /// Allocation sizes shown per node (the largest by allocated space); 0 hides them.
    #[arg(long, value_name = "N", default_value_t = HeapOptions::default().sizes, help_heading = "Report")]
    pub sizes: usize,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub input: ProfileArgs,
}

#[derive(Args, Debug)]
pub(super) struct TracesArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub unit: UnitArgs,
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub base: BaseArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub input: ProfileArgs,
}

#[derive(Args, Debug)]
pub(super) struct RawArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[command(flatten)]
    pub base: BaseArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub input: ProfileArgs,
}

#[derive(Args, Debug)]
pub(super) struct InfoArgs {
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub input: ProfileArgs,
}

/// The commands that read one text file (`memstats`, `gctrace`).
#[derive(Args, Debug)]
pub(super) struct TextArgs {
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    /// The file, or - for stdin [default: stdin when it is not a terminal].
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
}

#[derive(Args, Debug)]
pub(super) struct GctraceArgs {
    #[command(flatten)]
    pub text: TextArgs,
    /// Also write a chart of heap at GC start, live heap and goal over time to FILE (SVG).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    #[command(flatten)]
    pub limit: LimitArgs,
}

/// `--limit` of the commands that project a rising live heap (`gctrace`, `doctor`).
#[derive(Args, Debug)]
pub(super) struct LimitArgs {
    /// A memory limit (GOMEMLIMIT, the container's): say when a rising live heap reaches it
    /// (a size: 16GiB, 512MB, 1.5G; units of 1024).
    #[arg(long, value_name = "SIZE")]
    pub limit: Option<String>,
}

/// `doctor`: any mix of evidence files.
#[derive(Args, Debug)]
pub(super) struct DoctorArgs {
    #[command(flatten)]
    pub format: FormatArgs,
    #[command(flatten)]
    pub limit: LimitArgs,
    #[command(flatten)]
    pub output: OutputFileArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    /// Heap profiles (one or a series), ?debug=1 texts, gctrace logs, MemStats blocks;
    /// each told by its content (- for stdin).
    #[arg(value_name = "EVIDENCE", required = true)]
    pub evidence: Vec<String>,
}

/// The shell's own flags: where its profiles come from. The flags that
/// set its options are taken out before clap parses (`pprof::invocation`).
#[derive(Args, Debug)]
pub(super) struct ShellArgs {
    #[command(flatten)]
    pub base: BaseArgs,
    #[command(flatten)]
    pub input: ProfileArgs,
}

/// The web UI's own flags; report flags given with them (`-alloc_space`,
/// `-focus=RE`) become the views' defaults, as the shell's options do.
#[derive(Args, Debug)]
pub(super) struct WebArgs {
    /// Serve on HOST:PORT (an empty host is localhost) [default: localhost and a free port].
    #[arg(long, value_name = "HOST:PORT")]
    pub http: Option<String>,
    /// Do not open a browser.
    #[arg(long = "no_browser")]
    pub no_browser: bool,
    /// Write the UI as one self-contained HTML file (no server, no network) instead of serving it.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub base: BaseArgs,
    #[command(flatten)]
    pub input: ProfileArgs,
}

#[derive(Args, Debug)]
pub(super) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}
