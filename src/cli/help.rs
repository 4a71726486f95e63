//! The long help texts: what each command's `--help` says after its flags.

/// What heapscope is, atop `--help`.
pub(super) const ABOUT: &str =
    "Heap-profile analyzer for pprof heap profiles: which functions hold \
memory, which allocate most, with go tool pprof's numbers.";

/// The end of `heapscope --help`: the pprof spelling, what a PROFILE is, examples.
pub(super) const AFTER_HELP: &str = "\
Flags are spelled as in pprof: -inuse_space, -nodecount=5 and --nodecount 5 are all accepted,
and so is pprof's invocation: heapscope -top -cum PROFILE (-text, -list=RE, -peek=RE, -dot,
-svg, -traces, -tags name the command). With no command, heapscope [FLAGS] PROFILE opens the
shell, pprof's interactive mode: a (heapscope) prompt for top, list, peek, flame, graph, …
with pprof's syntax and options (alloc_space, focus=RE, nodecount=20, cum; type help), or,
when stdin is not a terminal, a script of such commands, one a line.
A PROFILE is a file (gzipped or plain pprof protobuf, or the legacy text form that
/debug/pprof/heap?debug=1 prints), - for stdin, or an http:// or https:// URL (host:port alone
means http://host:port/debug/pprof/heap); with no PROFILE, stdin is read when it is not a
terminal. Fetched profiles are saved in $HOME/pprof (-save_dir, HEAPSCOPE_SAVE_DIR, -no_save).

Examples:
  heapscope top -inuse_space pprof.heap
  heapscope -top -cum pprof.heap
  heapscope pprof.heap
  printf 'top 5\nlist handlePut\n' | heapscope pprof.heap
  heapscope top -inuse_space http://127.0.0.1:8080/debug/pprof/heap
  heapscope diff -alloc_space localhost:6060 localhost:6061
  heapscope top -alloc_space -cum -nodecount=20 heap.pb.gz
  curl -s localhost:6060/debug/pprof/heap | heapscope top
  curl -s 'localhost:6060/debug/pprof/heap?debug=1' | heapscope top
  heapscope memstats heap.txt
  heapscope gctrace --svg gc.svg service.log
  heapscope info heap.pb.gz";

/// After the flags of `heapscope flame --help`.
pub(super) const FLAME: &str = "\
Each box is a function on a stack; its width is what it and its callees hold (or
allocated), so wide plateaus are where memory goes. Hover for exact values, click to zoom,
Ctrl-F to search. Inlined calls are frames of their own, marked (inline). A stack deeper
than 1024 frames keeps its 512 root-most and 511 leaf-most frames around one
\"[… frames elided …]\" frame (stderr says how many stacks were cut).

With --base BEFORE (or -diff_base=BEFORE), a differential flame graph over the stacks of
both: each as wide as the larger of its two values, so what went away still shows; red
where a frame grew, blue where it shrank (the largest change saturated), grey unchanged;
tooltips give before, after and the change in bytes and in % of BEFORE's total, and mark
frames gone or new. -normalize scales BEFORE to the profile's total first.

--inverted starts every stack at its allocation site and grows it toward its callers (with
--folded too). --palette=package colours frames by package, as pprof's web UI does.

--folded writes `root;...;leaf VALUE` lines (`BEFORE AFTER` with --base), the input of
flamegraph.pl, inferno and speedscope; the values sum to the total of the samples that
keep a frame (a sample with no frames, or all of them hidden, has no line).

Examples:
  heapscope flame -alloc_space < pprof.heap > heap.svg
  heapscope flame -inuse_space -o heap.svg pprof.heap
  heapscope flame --base before.heap after.heap > growth.svg
  heapscope flame --inverted --palette=package pprof.heap > callers.svg
  heapscope flame --folded pprof.heap > heap.folded";

/// After the flags of `heapscope graph --help`.
pub(super) const GRAPH: &str = "\
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

/// After the flags of `heapscope diff --help`.
pub(super) const DIFF: &str = "\
Numbers as pprof's -diff_base: each node's flat and cum change, percentages of BEFORE's
total (with their sign), sorted by the size of the change. For inuse_* the change is
retained growth (gauges); for alloc_* it is what was allocated between the snapshots
(counters since process start). Nodes new in AFTER or gone from it are marked.
Stacks match by function names, files and lines, so two builds of a program compare.

Examples:
  heapscope diff before.heap after.heap
  heapscope diff -alloc_space -cum -nodecount=20 before.heap after.heap
  heapscope diff --format json -nodecount=0 before.heap after.heap";

/// After the flags of `heapscope trend --help`.
pub(super) const TREND: &str = "\
Snapshots are put in time order by the time recorded in each profile (--keep-order keeps
the order of the arguments). For each node: its value in every snapshot, the total
change, the slope and in how many steps it grew. The slope is per second, per minute or
per hour: the unit the snapshots' span reaches (under a minute, under an hour, longer); per
snapshot when the profiles carry no times.

Leak ranking: a node is a likely leak when its value grew in at least 3 of every 4 steps
between snapshots, grew overall by at least 1% of the last snapshot's total, and never
fell in one step by more than a quarter of its overall growth. Likely leaks come first,
largest growth first; the other nodes follow by the size of their change. Steady or
oscillating nodes are never leaks. Use inuse_space (the default) to find leaks: alloc_*
values only ever grow.

Examples:
  heapscope trend heap.1.pb.gz heap.2.pb.gz heap.3.pb.gz heap.4.pb.gz heap.5.pb.gz
  heapscope trend -inuse_objects --format json snapshots/*.pb.gz";

/// After the flags of `heapscope memstats --help`.
pub(super) const MEMSTATS: &str = "\
FILE holds a runtime.MemStats block: a heap profile fetched with ?debug=1 (it ends with
`# runtime.MemStats` and `# Name = value` lines), or the same lines pasted without `#`.

Examples:
  curl -s 'localhost:6060/debug/pprof/heap?debug=1' | heapscope memstats
  heapscope memstats heap.txt
  heapscope memstats --format json heap.txt";

/// After the flags of `heapscope gctrace --help`.
pub(super) const GCTRACE: &str = "\
FILE is the stderr of a Go program run with GODEBUG=gctrace=1 (the program's other output may
be mixed in; lines that look like GC lines but do not parse are skipped and listed).

Examples:
  GODEBUG=gctrace=1 ./server 2> gc.log; heapscope gctrace gc.log
  heapscope gctrace --svg gc.svg gc.log
  heapscope gctrace -limit=16GiB gc.log       # when a rising live heap reaches 16 GiB
  kubectl logs pod/api | heapscope gctrace --format json";

/// After the flags of `heapscope list --help`.
pub(super) const LIST: &str = "\
Each line shows flat (allocated by that line itself) and cum (by that line and what it
calls), as pprof's -list. Source is looked up at the recorded path, then under each
-source_path directory trying shorter and shorter suffixes of the path (so module-relative
paths of -trimpath builds resolve against a checkout), then under $GOROOT/src.

Examples:
  heapscope list 'main\\.handlePut' -source_path=. pprof.heap
  heapscope list -alloc_space -full 'json.*Unmarshal' pprof.heap
  heapscope list --format json '^main\\.' pprof.heap";

/// After the flags of `heapscope peek --help`.
pub(super) const PEEK: &str = "\
For every function whose name matches REGEX: its callers with the value that flows from each
(and its share of the function's cum), the function's flat and cum, and its callees with the
value that flows into each. Same graph and numbers as pprof's -peek.

Examples:
  heapscope peek 'main\\.handlePut$' pprof.heap
  heapscope peek -alloc_space -cum 'bufio' pprof.heap";

/// After the flags of `heapscope traces --help`.
pub(super) const TRACES: &str = "\
One block per sample, in the profile's order, as pprof's -traces prints it: the sample's
labels (for Go heap profiles the allocation size, bytes:  32B), then its stack from the
leaf up, the value beside the leaf, (inline) after inlined calls. Samples the filters drop
are left out, and frames -hide/-show remove; -lines and -files name frames by line or file.
Reads one profile (pprof would merge several first).

Examples:
  heapscope traces pprof.heap
  heapscope traces -alloc_space -focus=handlePut pprof.heap
  heapscope traces -lines -o traces.txt pprof.heap
  heapscope traces --format json pprof.heap";

/// After the flags of `heapscope raw --help`.
pub(super) const RAW: &str = "\
The profile as read, as pprof's -raw dumps it, for debugging a program that writes
profiles: period, time, every sample with all its values, location ids and labels, every
location with its address, mapping and lines (function file:line:column s=start line),
every mapping with its [FN][FL][LN][IN] flags. Ids are the file's own, and samples whose
values are all zero are shown. -focus/-ignore drop samples and -hide/-show drop lines, as
in pprof; the sample type and granularity flags change nothing here. Reads one profile;
with -base or -diff_base, the difference as pprof's merge leaves it (samples that cancel
dropped, tables renumbered by first use), as pprof's -raw -base prints it.

Examples:
  heapscope raw pprof.heap
  heapscope raw -focus=handlePut pprof.heap | less
  heapscope raw -base=before.heap after.heap";

/// After the flags of `heapscope top --help`.
pub(super) const TOP: &str = "\
Columns, as in pprof: flat is what a node allocates itself, cum includes everything it
calls; flat% and cum% are shares of the total, sum% the running sum of flat%.
The total is computed before -focus/-ignore/-hide/-show, as pprof does, so percentages
stay comparable across filters.

Examples:
  heapscope top -inuse_space pprof.heap
  heapscope top -alloc_objects -cum -nodecount=0 pprof.heap
  heapscope top -lines -focus=json pprof.heap
  heapscope top --format json -nodecount=0 -nodefraction=0 pprof.heap";

/// After the flags of `heapscope tags --help`.
pub(super) const TAGS: &str = "\
As pprof's -tags: for each label key, the total of the samples carrying it, then each
value with its share of the profile's total. Go heap profiles label every sample with
its block size (the numeric label bytes): this is the size distribution of the heap.
Numeric values are printed in their unit (-unit applies to them too); values that
print alike are one row. -tagfocus/-tagignore choose the samples, -tagshow/-taghide
the keys shown.

Examples:
  heapscope tags pprof.heap
  heapscope tags -alloc_space pprof.heap
  heapscope tags -focus=json -tagfocus=bytes=1kB: pprof.heap
  heapscope tags --format json pprof.heap";

/// After the flags of `heapscope heap --help`.
pub(super) const HEAP: &str = "\
Per node (flat, as pprof's -top -sample_index=X gives each): in-use space and objects,
allocated space and objects, the average object size of each, and retention (in-use space
over allocated space). kind says churn when a node allocates at least 5% of all allocated
space and keeps under 5% of it (garbage at once: it paces the GC; pool or reuse it), holds
when it keeps at least half of what it allocated and holds at least 5% of the in-use space
(it grows the heap: a leak, a cache, a whole input in memory). sizes lists the node's
allocation sizes from the bytes label (pprof's -tags, split by node): size ×allocated
objects (in-use objects). Rows are sorted by the flat of the chosen sample type
(-inuse_space by default); -focus, -ignore, -hide, -show, -lines apply as to top.

Examples:
  heapscope heap pprof.heap
  heapscope heap -alloc_space --nodecount=5 pprof.heap
  heapscope heap --format json pprof.heap";

/// After the flags of `heapscope doctor --help`.
pub(super) const DOCTOR: &str = "\
Each file is told by its content: a heap profile (protobuf, gzipped or not), a ?debug=1
text (a profile and its runtime.MemStats block), a GODEBUG=gctrace=1 log, a pasted
MemStats block. Several heap profiles are a series, in time order: a node whose in-use
space grows as trend's leak rule says is a leak. Findings come most important first:
causes (leak, runaway growth, goroutine stacks, fragmentation, churn, GC thrash) before
their symptoms (GC CPU, idle memory not returned, long marks, a dominant holder, long
pauses, forced cycles). Each names the evidence it comes from, the call sites responsible
when a profile is given (function, file:line, share), what to try and the heapscope command
to dig further. A healthy program gets no finding. The thresholds are gctrace's and
memstats' (see their help) and the README's doctor section.

Examples:
  heapscope doctor gc.log heap.debug1.txt
  heapscope doctor snap1.pb.gz snap2.pb.gz snap3.pb.gz
  heapscope doctor --format json --limit=4GiB gc.log pprof.heap";

/// After the flags of `heapscope completions --help`.
pub(super) const COMPLETIONS: &str = "\
The script completes commands and flags as heapscope spells them in its help (--nodecount);
the single-dash pprof spelling (-nodecount) is accepted too but not offered.

Examples:
  heapscope completions bash > ~/.local/share/bash-completion/completions/heapscope
  heapscope completions zsh > ~/.zfunc/_heapscope
  heapscope completions fish > ~/.config/fish/completions/heapscope.fish";

/// After the flags of `heapscope man --help`.
pub(super) const MAN: &str = "\
The page of heapscope comes first, then one page per command (heapscope-top, …).

Examples:
  heapscope man | man -l -
  heapscope man > heapscope.1";

/// `web`.
pub(super) const WEB: &str = "\
Serves the profile's views to a browser: the flame graph (at /ui/ and /ui/flamegraph), top,
peek and source, with pprof's URL parameters (si, f, i, h, s, tf, ti, g, unit, sort, ...).
The profile is read once. Other report flags given here (-alloc_space, -focus=RE, -cum)
become the views' defaults. Only Host headers naming the served address are answered.
With several profiles (or -base=BEFORE AFTER), Diff (/ui/diff: the first against the last,
as diff and flame --base) and Trend (/ui/trend: trend over all of them) are offered too.
--html FILE writes the views as one self-contained HTML file (no server, no network).

Examples:
  heapscope web pprof.heap
  heapscope -http=:8080 pprof.heap
  heapscope -http=localhost:8080 -no_browser -alloc_space pprof.heap
  heapscope web before.heap after.heap
  heapscope web --html heap.html pprof.heap";
