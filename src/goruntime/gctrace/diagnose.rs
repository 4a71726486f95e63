//! What a GC log's cycles add up to: runs between restarts, spans of the
//! heap figures, pauses, concurrent mark times, the GC's CPU share over
//! time, its frequency, the live heap's trend (its lower envelope and a
//! regression over time), the scavenger's totals, and the findings with the
//! thresholds they crossed.
//!
//! The thresholds rest on how the Go GC works, as the GC guide
//! (<https://go.dev/doc/gc-guide>) and the runtime's documentation
//! (`runtime/debug.SetGCPercent`, `SetMemoryLimit`, the `gctrace` section of
//! the `runtime` package docs) describe it: the heap goal is the live heap
//! times 1 + GOGC/100, so a cycle starts each time the program has
//! allocated about GOGC% of its live heap; every cycle has a fixed cost
//! (two stop-the-world phases, scanning all goroutine stacks and globals)
//! on top of the marking that grows with the live heap; and while it
//! marks, the GC takes a quarter of GOMAXPROCS and drafts allocating
//! goroutines into assists.

use super::parse::{Cycle, Scavenge};

/// Findings fire at these levels; each says why.
pub mod thresholds {
    /// Runaway growth needs this many cycles in the run.
    pub const RUNAWAY_MIN_CYCLES: usize = 6;
    /// The live heap's floor (the lowest live heap from a point on: the
    /// lower envelope of the sawtooth, which garbage cannot raise) must end
    /// at least this many times where it started, and at least
    /// [`RUNAWAY_MIN_MB`] higher (the log counts whole MB). The heap goal
    /// follows the live heap (× 1 + GOGC/100), so a doubled floor means
    /// the process needs twice the memory it started with.
    pub const RUNAWAY_FACTOR: f64 = 2.0;
    pub const RUNAWAY_MIN_MB: u64 = 8;
    /// And it must still be rising: a least-squares line through the live
    /// heap over the later half of the run's time rises by at least this
    /// share of that half's mean live heap, and by
    /// [`RUNAWAY_LATE_MIN_MB`] (a heap that grew while warming up and then
    /// levelled off is not running away).
    pub const RUNAWAY_LATE_GROWTH: f64 = 0.25;
    pub const RUNAWAY_LATE_MIN_MB: f64 = 4.0;
    /// GC thrash: among cycles with at least this heap (smaller heaps have
    /// too coarse MB figures)…
    pub const THRASH_MIN_HEAP_MB: u64 = 8;
    /// …at least this many cycles…
    pub const THRASH_MIN_CYCLES: usize = 5;
    /// …the median time between cycles under this…
    pub const THRASH_INTERVAL_MS: f64 = 100.0;
    /// …and the median cycle reclaiming under this share of the heap: the
    /// goal sits just above the live heap (GOGC far below 100, or a
    /// GOMEMLIMIT the live heap nearly fills), so each cycle frees little
    /// and the next starts at once.
    pub const THRASH_RECLAIMED: f64 = 0.15;
    /// Churn: at least this many unforced cycles…
    pub const CHURN_MIN_CYCLES: usize = 20;
    /// …at least this many a second: with GOGC=100 a cycle starts each time
    /// the program allocates its live heap again, so this many cycles a
    /// second means it allocates its live heap this many times a second,
    /// and pays each cycle's fixed cost as often…
    pub const CHURN_CYCLES_PER_S: f64 = 20.0;
    /// …allocating at least this many times its (median) live heap over
    /// the run…
    pub const CHURN_ALLOC_RATIO: f64 = 100.0;
    /// …at a GC CPU share of at least this (below it, frequent cycles cost
    /// little)…
    pub const CHURN_GC_CPU: f64 = 0.05;
    /// …while each cycle reclaims most of the heap (at least
    /// [`THRASH_RECLAIMED`]): the garbage is the program's, not a goal set
    /// too low.
    ///
    /// Heavy GC CPU: the GC's share of the CPU over the run (from the
    /// cycles' CPU times, idle marking left out, as the runtime's own P%
    /// does) at least this — the `memstats` threshold on GCCPUFraction…
    pub const GC_CPU: f64 = 0.10;
    /// …or, over a window of [`GC_CPU_WINDOW_S`] or more, at least this:
    /// the runtime's background mark workers take 25% of GOMAXPROCS while
    /// marking, so a window above it has the GC marking all the time, or
    /// assists on top.
    pub const GC_CPU_WINDOW: f64 = 0.25;
    /// The shortest window the GC CPU share over time is measured on, and
    /// how many windows at most.
    pub const GC_CPU_WINDOW_S: f64 = 0.1;
    pub const GC_CPU_WINDOWS: usize = 10;
    /// A concurrent mark phase at least this long (wall time): the program
    /// runs meanwhile, but with a quarter of its CPUs taken, write barriers
    /// on and allocating goroutines assisting, so requests slow down even
    /// when the stop-the-world pauses are short. 100 ms is a latency any
    /// user sees.
    pub const LONG_MARK_MS: f64 = 100.0;
    /// Frequent forced cycles: at least this many `(forced)` cycles…
    pub const FORCED_MIN: usize = 3;
    /// …making up at least this share of the run's cycles: runtime.GC()
    /// (or debug.FreeOSMemory()) runs a whole cycle, sweep included, and
    /// blocks its caller until done; the runtime paces cycles itself.
    pub const FORCED_SHARE: f64 = 0.10;
    /// How many of the longest pauses are listed.
    pub const LONGEST_PAUSES: usize = 5;
}

/// First, last and peak of a per-cycle figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub first: u64,
    pub last: u64,
    pub peak: u64,
    /// The cycle number of the peak (the first one, among equals).
    pub peak_cycle: u64,
}

fn span(cycles: &[Cycle], f: impl Fn(&Cycle) -> u64) -> Span {
    let mut peak = (0, 0);
    for c in cycles {
        if f(c) > peak.0 || peak.1 == 0 {
            peak = (f(c), c.number);
        }
    }
    Span {
        first: cycles.first().map_or(0, &f),
        last: cycles.last().map_or(0, &f),
        peak: peak.0,
        peak_cycle: peak.1,
    }
}

/// A problem the log shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// "runaway_growth", "gc_thrash", "churn", "gc_cpu", "long_mark" or
    /// "forced_gc".
    pub kind: &'static str,
    /// What was seen, with its numbers, and what to try.
    pub message: String,
    /// The threshold crossed, and why it is one.
    pub threshold: String,
}

/// What a GC run does with its options.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Options {
    /// A memory limit (bytes) the live heap's growth is projected onto:
    /// GOMEMLIMIT, a container's limit.
    pub limit: Option<u64>,
}

/// The live heap's trend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    /// The floor (lowest live heap from that cycle on) at the first cycle
    /// and at the start of the run's last quarter (by time), MB.
    pub floor_start_mb: u64,
    pub floor_end_mb: u64,
    /// floor_end / max(floor_start, 1).
    pub factor: f64,
    /// Slope of the least-squares line through the live heap over the
    /// later half of the run's time, MB/s, and its rise across that half
    /// (MB) against the half's mean live heap (MB).
    pub late_rate_mb_s: f64,
    pub late_rise_mb: f64,
    pub late_mean_mb: f64,
    /// The heap goal plus stacks and globals over the live heap plus
    /// stacks and globals, at the last cycle: 1 + GOGC/100 when no limit is
    /// near, as the pacer sets the goal (Go 1.18 and later) to the live
    /// heap plus (live heap, stacks and globals) × GOGC/100. Before Go 1.19
    /// the log prints no stacks or globals, and this is goal over live.
    pub goal_ratio: f64,
}

/// When a rising live heap reaches a limit. A memory limit (GOMEMLIMIT, a
/// container's) counts the stacks and globals too: the live heap reaches it
/// when live + stacks + globals (as of the last cycle) does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    pub limit_bytes: u64,
    /// Seconds after the last cycle until the live heap reaches the limit,
    /// at the later half's rate (0 when it already has).
    pub live_s: f64,
    /// The same for the heap goal (live × goal ratio), which the heap
    /// fills before each cycle.
    pub goal_s: f64,
}

/// What one run of the program (cycle numbers counting up) shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub cycles: usize,
    pub first_number: u64,
    pub last_number: u64,
    /// 1-based log lines of the run's first and last cycles.
    pub first_line: usize,
    pub last_line: usize,
    /// Cycle numbers within the run that have no line (lost or damaged).
    pub missing: Vec<u64>,
    /// Seconds from the first cycle to the last.
    pub span_s: f64,
    pub procs: u64,
    /// The runtime's GC CPU share since program start, per cycle (P%).
    pub cpu_percent: Span,
    /// The GC's share of the CPU from the first cycle to the last, from the
    /// cycles' CPU times (idle marking left out, as P% leaves it out).
    pub gc_cpu_share: Option<f64>,
    /// The same share over consecutive windows of the run: (start s, end s,
    /// share).
    pub gc_cpu_windows: Vec<(f64, f64, f64)>,
    pub heap_start: Span,
    pub heap_end: Span,
    pub live: Span,
    pub goal: Span,
    /// Live heap at the last cycle minus at the first, MB.
    pub live_growth_mb: i64,
    /// The live heap's floor and trend (runs of 2 cycles or more).
    pub growth: Option<Growth>,
    pub projection: Option<Projection>,
    /// Sum of stop-the-world wall times (sweep + mark termination), ms.
    pub total_stw_ms: f64,
    pub median_stw_ms: f64,
    /// The longest pauses: (cycle, ms), longest first.
    pub longest: Vec<(u64, f64)>,
    /// Concurrent mark wall time: in all, and the longest (cycle, ms).
    pub total_mark_ms: f64,
    pub longest_mark: (u64, f64),
    /// Share of the run's wall time the GC spent marking.
    pub marking_share: Option<f64>,
    pub forced: Vec<u64>,
    /// Unforced cycles per second over the run.
    pub cycles_per_s: Option<f64>,
    /// Heap allocated over the run, MB, estimated from the log: each
    /// cycle's heap at the end of marking less the live heap the cycle
    /// before left (whole MB, so a lower bound of sorts).
    pub allocated_mb: u64,
    /// The median live heap, MB.
    pub median_live_mb: f64,
    /// The median of live heap + stacks + globals, MB: what the pacer
    /// paces on since Go 1.18 (a cycle starts each time the program has
    /// allocated GOGC% of it); the live heap alone for logs before Go 1.19,
    /// which print no stacks or globals.
    pub median_paced_mb: f64,
    /// Median time between consecutive cycles, ms.
    pub median_interval_ms: Option<f64>,
    /// Median share of the heap a cycle reclaims ((end − live) / end).
    pub median_reclaimed: Option<f64>,
    pub findings: Vec<Finding>,
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[(values.len() - 1) / 2])
}

/// Splits the cycles into runs of the program: a cycle number that does
/// not go up starts a new run (the log holds several processes' output).
pub fn runs(cycles: &[Cycle]) -> Vec<&[Cycle]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..cycles.len() {
        if cycles[i].number <= cycles[i - 1].number {
            out.push(&cycles[start..i]);
            start = i;
        }
    }
    if start < cycles.len() {
        out.push(&cycles[start..]);
    }
    out
}

/// The GC CPU time of a cycle, ms: sweep termination, assists, background
/// marking and mark termination, as the runtime counts it for P% (idle
/// marking uses Ps that had nothing else to do). The trace counts a
/// stop-the-world phase as every P busy for its whole wall time, the
/// runtime (Go 1.22 and later) only one P while the world is stopping: on a
/// starved machine this reads above P%.
pub fn gc_cpu_ms(c: &Cycle) -> f64 {
    c.cpu_ms[0] + c.cpu_ms[1] + c.cpu_ms[2] + c.cpu_ms[4]
}

/// The GC's CPU share between `from` and `to` seconds: the CPU time of the
/// cycles that start after `from` and by `to`, over the CPU time the
/// window offered (its length times GOMAXPROCS).
fn cpu_share(cycles: &[Cycle], from: f64, to: f64) -> Option<f64> {
    let procs = cycles.last()?.procs.max(1) as f64;
    let wall_ms = (to - from) * 1000.0;
    if wall_ms <= 0.0 {
        return None;
    }
    let gc: f64 = cycles
        .iter()
        .filter(|c| c.at_s > from && c.at_s <= to)
        .map(gc_cpu_ms)
        .fold(0.0, |a, b| a + b);
    Some(gc / (wall_ms * procs))
}

/// Least-squares slope of `y` over `x`; `None` when `x` does not vary.
fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

fn growth(cycles: &[Cycle]) -> Option<Growth> {
    if cycles.len() < 2 {
        return None;
    }
    let (t0, t1) = (cycles[0].at_s, cycles[cycles.len() - 1].at_s);
    let span = t1 - t0;
    // The floor from each cycle on: a suffix minimum.
    let mut floor = vec![0u64; cycles.len()];
    let mut low = u64::MAX;
    for (i, c) in cycles.iter().enumerate().rev() {
        low = low.min(c.live_mb);
        floor[i] = low;
    }
    let last_quarter = cycles
        .iter()
        .position(|c| c.at_s >= t0 + span * 0.75)
        .unwrap_or(cycles.len() - 1);
    let (floor_start_mb, floor_end_mb) = (floor[0], floor[last_quarter]);
    let half = cycles
        .iter()
        .position(|c| c.at_s >= t0 + span * 0.5)
        .unwrap_or(cycles.len() - 1);
    let late: Vec<(f64, f64)> = cycles[half..]
        .iter()
        .map(|c| (c.at_s, c.live_mb as f64))
        .collect();
    let late_mean_mb = late.iter().map(|p| p.1).sum::<f64>() / late.len() as f64;
    // (+ 0.0: never a negative zero in the report.)
    let late_rate_mb_s = slope(&late).unwrap_or(0.0) + 0.0;
    let late_span = late[late.len() - 1].0 - late[0].0;
    let last = &cycles[cycles.len() - 1];
    let roots = last.roots_mb();
    Some(Growth {
        floor_start_mb,
        floor_end_mb,
        factor: floor_end_mb as f64 / floor_start_mb.max(1) as f64,
        late_rate_mb_s,
        late_rise_mb: late_rate_mb_s * late_span,
        late_mean_mb,
        goal_ratio: if last.live_mb.saturating_add(roots) > 0 {
            last.goal_mb.saturating_add(roots) as f64 / last.live_mb.saturating_add(roots) as f64
        } else {
            1.0
        },
    })
}

const MB: f64 = (1u64 << 20) as f64;

/// `last_mb`: the last cycle's live heap plus its stacks and globals (which
/// stay as they are).
fn project(g: &Growth, last_mb: u64, limit: u64) -> Projection {
    let limit_mb = limit as f64 / MB;
    let live = last_mb as f64;
    // When the live heap, rising at the later half's rate, reaches `level`.
    let time_to = |level: f64| {
        if live >= level {
            0.0
        } else if g.late_rate_mb_s > 0.0 {
            (level - live) / g.late_rate_mb_s
        } else {
            f64::INFINITY
        }
    };
    Projection {
        limit_bytes: limit,
        live_s: time_to(limit_mb),
        // The goal plus stacks and globals is (live + stacks + globals) ×
        // ratio: it reaches the limit when live + stacks + globals reaches
        // limit / ratio.
        goal_s: time_to(limit_mb / g.goal_ratio.max(1.0)),
    }
}

/// A duration in seconds as people say it: "40 s", "12 min", "3.5 h",
/// "9 days".
pub fn human_seconds(s: f64) -> String {
    if !s.is_finite() {
        "never".to_string()
    } else if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 2.0 * 3600.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 2.0 * 86400.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.0} days", s / 86400.0)
    }
}

/// Summarizes one run (non-empty).
pub fn summarize(cycles: &[Cycle], options: &Options) -> Summary {
    use thresholds::*;
    let first = &cycles[0];
    let last = &cycles[cycles.len() - 1];
    let mut missing = Vec::new();
    for w in cycles.windows(2) {
        // Bounded: list at most 1000 numbers of one gap.
        let gap = (w[0].number + 1..w[1].number).take(1000);
        missing.extend(gap);
    }
    let mut stw: Vec<f64> = cycles.iter().map(Cycle::stw_ms).collect();
    let total_stw_ms = stw.iter().sum();
    let median_stw_ms = median(&mut stw).unwrap_or(0.0);
    let mut longest: Vec<(u64, f64)> = cycles.iter().map(|c| (c.number, c.stw_ms())).collect();
    longest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    longest.truncate(LONGEST_PAUSES);
    let total_mark_ms: f64 = cycles.iter().map(|c| c.clock_ms[1]).sum();
    let longest_mark = cycles.iter().map(|c| (c.number, c.clock_ms[1])).fold(
        (first.number, first.clock_ms[1]),
        |a, b| {
            if b.1 > a.1 {
                b
            } else {
                a
            }
        },
    );

    let span_s = last.at_s - first.at_s;
    let unforced: Vec<&Cycle> = cycles.iter().filter(|c| !c.forced).collect();
    let mut intervals: Vec<f64> = unforced
        .windows(2)
        .filter(|w| w[1].number == w[0].number + 1)
        .map(|w| (w[1].at_s - w[0].at_s) * 1000.0)
        .collect();
    let median_interval_ms = median(&mut intervals);
    let big: Vec<&&Cycle> = unforced
        .iter()
        .filter(|c| c.heap_end_mb >= THRASH_MIN_HEAP_MB)
        .collect();
    let mut reclaimed: Vec<f64> = big
        .iter()
        .map(|c| c.reclaimed_mb() as f64 / c.heap_end_mb as f64)
        .collect();
    let median_reclaimed = median(&mut reclaimed);
    let allocated_mb = cycles
        .windows(2)
        .map(|w| w[1].heap_end_mb.saturating_sub(w[0].live_mb))
        .fold(0u64, u64::saturating_add);
    let mut lives: Vec<f64> = cycles.iter().map(|c| c.live_mb as f64).collect();
    let median_live_mb = median(&mut lives).unwrap_or(0.0);
    let mut paced: Vec<f64> = cycles
        .iter()
        .map(|c| c.live_mb.saturating_add(c.roots_mb()) as f64)
        .collect();
    let median_paced_mb = median(&mut paced).unwrap_or(0.0);

    // The GC CPU share over the run and over windows of it.
    let gc_cpu_share = cpu_share(cycles, first.at_s, last.at_s);
    let mut gc_cpu_windows = Vec::new();
    if span_s > 0.0 {
        let n = ((span_s / GC_CPU_WINDOW_S).floor() as usize).clamp(1, GC_CPU_WINDOWS);
        let width = span_s / n as f64;
        for i in 0..n {
            let (a, b) = (
                first.at_s + width * i as f64,
                first.at_s + width * (i + 1) as f64,
            );
            if let Some(share) = cpu_share(cycles, a, b) {
                gc_cpu_windows.push((a, b, share));
            }
        }
    }
    let growth = growth(cycles);
    let projection = match (growth, options.limit) {
        (Some(g), Some(limit))
            if g.late_rate_mb_s > 0.0
                || last.live_mb.saturating_add(last.roots_mb()) as f64 * MB >= limit as f64 =>
        {
            Some(project(
                &g,
                last.live_mb.saturating_add(last.roots_mb()),
                limit,
            ))
        }
        _ => None,
    };

    let mut s = Summary {
        cycles: cycles.len(),
        first_number: first.number,
        last_number: last.number,
        first_line: first.line,
        last_line: last.line,
        missing,
        span_s,
        procs: last.procs,
        cpu_percent: span(cycles, |c| c.cpu_percent),
        gc_cpu_share,
        gc_cpu_windows,
        heap_start: span(cycles, |c| c.heap_start_mb),
        heap_end: span(cycles, |c| c.heap_end_mb),
        live: span(cycles, |c| c.live_mb),
        goal: span(cycles, |c| c.goal_mb),
        live_growth_mb: (i128::from(last.live_mb) - i128::from(first.live_mb))
            .clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
        growth,
        projection,
        total_stw_ms,
        median_stw_ms,
        longest,
        total_mark_ms,
        longest_mark,
        marking_share: (span_s > 0.0).then(|| (total_mark_ms / (span_s * 1000.0)).min(1.0)),
        forced: cycles
            .iter()
            .filter(|c| c.forced)
            .map(|c| c.number)
            .collect(),
        cycles_per_s: (span_s > 0.0).then(|| unforced.len().saturating_sub(1) as f64 / span_s),
        allocated_mb,
        median_live_mb,
        median_paced_mb,
        median_interval_ms,
        median_reclaimed,
        findings: Vec::new(),
    };
    s.findings = findings(&s, cycles, &big);
    s
}

fn findings(s: &Summary, cycles: &[Cycle], big: &[&&Cycle]) -> Vec<Finding> {
    use thresholds::*;
    let mut out = Vec::new();
    let last = &cycles[cycles.len() - 1];
    let cpu = s.gc_cpu_share.unwrap_or(0.0);

    // Runaway growth: the floor rose, and the later half still rises.
    if let Some(g) = s.growth.filter(|_| cycles.len() >= RUNAWAY_MIN_CYCLES) {
        if g.factor >= RUNAWAY_FACTOR
            && g.floor_end_mb >= g.floor_start_mb.saturating_add(RUNAWAY_MIN_MB)
            && g.late_rise_mb >= RUNAWAY_LATE_GROWTH * g.late_mean_mb
            && g.late_rise_mb >= RUNAWAY_LATE_MIN_MB
        {
            let limit = match s.projection {
                Some(p) if p.live_s == 0.0 => format!(
                    " The live heap ({} MB{}) is already past the limit of {}.",
                    last.live_mb,
                    match last.roots_mb() {
                        0 => String::new(),
                        r => format!(" and {r} MB of stacks and globals"),
                    },
                    crate::units::human_bytes(p.limit_bytes.min(i64::MAX as u64) as i64)
                ),
                Some(p) => format!(
                    " At this rate the heap goal ({:.1}× the live heap) reaches the limit of {} \
                     in about {}, the live heap itself in about {}.",
                    g.goal_ratio,
                    crate::units::human_bytes(p.limit_bytes.min(i64::MAX as u64) as i64),
                    human_seconds(p.goal_s),
                    human_seconds(p.live_s),
                ),
                None => String::new(),
            };
            out.push(Finding {
                kind: "runaway_growth",
                message: format!(
                    "runaway growth: the live heap's floor (its lowest value from then on) rose \
                     from {} MB to {} MB ({}) over {:.2} s, and it is still rising: {} MB/s over \
                     the later half of the run, ending at {} MB (gc {}).{limit} Something keeps \
                     what it allocates (a whole input read into memory, a cache without a \
                     bound); `heapscope top -inuse_space` on a heap profile shows what holds it.",
                    g.floor_start_mb,
                    g.floor_end_mb,
                    growth_ratio(g.floor_start_mb, g.floor_end_mb),
                    s.span_s,
                    fmt_rate(g.late_rate_mb_s),
                    last.live_mb,
                    last.number,
                ),
                threshold: format!(
                    "the floor at least ×{RUNAWAY_FACTOR} and +{RUNAWAY_MIN_MB} MB, and a line \
                     through the later half's live heap rising by at least {:.0}% of its mean and \
                     {RUNAWAY_LATE_MIN_MB} MB (here {:.1} MB over a mean of {:.1} MB): the heap \
                     goal is the live heap × (1 + GOGC/100), so the process's memory grows with \
                     the floor until a limit stops it",
                    RUNAWAY_LATE_GROWTH * 100.0,
                    g.late_rise_mb,
                    g.late_mean_mb,
                ),
            });
        }
    }

    // GC thrash: cycles close together, each reclaiming little.
    let mut thrash = false;
    if let (Some(interval), Some(share)) = (s.median_interval_ms, s.median_reclaimed) {
        if big.len() >= THRASH_MIN_CYCLES
            && interval < THRASH_INTERVAL_MS
            && share < THRASH_RECLAIMED
        {
            thrash = true;
            let mut live: Vec<f64> = big.iter().map(|c| c.live_mb as f64).collect();
            let mut goal: Vec<f64> = big.iter().map(|c| c.goal_mb as f64).collect();
            out.push(Finding {
                kind: "gc_thrash",
                message: format!(
                    "GC thrash: cycles start every {:.1} ms (median) and each reclaims only {:.1}% \
                     of the heap (median), so the GC runs nearly back to back; its CPU share \
                     reached {}% (P% of cycle {}). The live heap ({} MB, median) sits just under \
                     the goal ({} MB): GOGC is low, or GOMEMLIMIT is close to the live heap. \
                     Raise them, or shrink the live heap.",
                    interval,
                    share * 100.0,
                    s.cpu_percent.peak,
                    s.cpu_percent.peak_cycle,
                    median(&mut live).unwrap_or(0.0),
                    median(&mut goal).unwrap_or(0.0),
                ),
                threshold: format!(
                    "at least {THRASH_MIN_CYCLES} cycles of heaps ≥ {THRASH_MIN_HEAP_MB} MB, under \
                     {THRASH_INTERVAL_MS} ms apart, reclaiming under {:.0}% of the heap (median): \
                     the goal sits just above the live heap, so each cycle frees little and the \
                     next one starts at once",
                    THRASH_RECLAIMED * 100.0
                ),
            });
        }
    }

    // Churn: frequent cycles that each find mostly garbage.
    let unforced = cycles.iter().filter(|c| !c.forced).count();
    let mut churn = false;
    if let (Some(rate), Some(share)) = (s.cycles_per_s, s.median_reclaimed) {
        let ratio = s.allocated_mb as f64 / s.median_paced_mb.max(1.0);
        if !thrash
            && unforced >= CHURN_MIN_CYCLES
            && rate >= CHURN_CYCLES_PER_S
            && ratio >= CHURN_ALLOC_RATIO
            && cpu >= CHURN_GC_CPU
            && share >= THRASH_RECLAIMED
        {
            churn = true;
            out.push(Finding {
                kind: "churn",
                message: format!(
                    "churn: the GC ran {unforced} times in {:.2} s ({:.0} cycles a second), the \
                     program allocating about {} MB, {:.0}× its live heap{} ({} MB, median), \
                     and each cycle reclaiming {:.0}% of the heap (median): short-lived allocations \
                     drive the GC, at {:.1}% of the CPU. Reuse buffers (sync.Pool, one buffer \
                     per worker), preallocate, stream instead of copying; `heapscope top \
                     -alloc_space` on a heap profile shows who allocates. A higher GOGC (or a \
                     GOMEMLIMIT with GOGC raised) trades memory for fewer cycles.",
                    s.span_s,
                    rate,
                    s.allocated_mb,
                    ratio,
                    if s.median_paced_mb > s.median_live_mb {
                        // What the pacer paces on since Go 1.18.
                        " plus stacks and globals"
                    } else {
                        ""
                    },
                    s.median_paced_mb,
                    share * 100.0,
                    cpu * 100.0,
                ),
                threshold: format!(
                    "at least {CHURN_MIN_CYCLES} cycles, {CHURN_CYCLES_PER_S} a second or more, \
                     allocating at least {CHURN_ALLOC_RATIO}× the live heap, at a GC CPU share of \
                     {:.0}% or more: with GOGC=100 a cycle starts each time the program allocates \
                     its live heap again, and every cycle pays a fixed cost (two stop-the-world \
                     phases, scanning every stack and the globals)",
                    CHURN_GC_CPU * 100.0
                ),
            });
        }
    }

    // Heavy GC CPU, unless thrash or churn already explain it.
    let peak_window =
        s.gc_cpu_windows
            .iter()
            .copied()
            .fold(None, |a: Option<(f64, f64, f64)>, w| match a {
                Some(a) if a.2 >= w.2 => Some(a),
                _ => Some(w),
            });
    let window_heavy = peak_window.filter(|w| w.2 >= GC_CPU_WINDOW && w.1 - w.0 >= GC_CPU_WINDOW_S);
    if !thrash && !churn && (cpu >= GC_CPU || window_heavy.is_some()) {
        let window = window_heavy
            .or(peak_window)
            .map(|w| format!("; {:.1}% from {:.2} s to {:.2} s", w.2 * 100.0, w.0, w.1))
            .unwrap_or_default();
        out.push(Finding {
            kind: "gc_cpu",
            message: format!(
                "heavy GC CPU: the GC used {:.1}% of the CPU from gc {} to gc {}{window}. Allocate \
                 less (`heapscope top -alloc_space` shows where), or let the heap grow more \
                 between cycles (a higher GOGC, or a GOMEMLIMIT with a high GOGC).",
                cpu * 100.0,
                s.first_number,
                s.last_number,
            ),
            threshold: format!(
                "{:.0}% over the run (as memstats' GCCPUFraction), or {:.0}% over a window of \
                 {GC_CPU_WINDOW_S} s or more: the background mark workers take 25% of GOMAXPROCS \
                 while marking, so more means marking all the time or assists on top",
                GC_CPU * 100.0,
                GC_CPU_WINDOW * 100.0
            ),
        });
    }

    // Long concurrent marks: latency even when the pauses are short.
    let (mark_cycle, mark_ms) = s.longest_mark;
    if mark_ms >= LONG_MARK_MS {
        let long = cycles
            .iter()
            .filter(|c| c.clock_ms[1] >= LONG_MARK_MS)
            .count();
        let marking = s
            .marking_share
            .map(|m| format!("; the GC was marking {:.0}% of the time", m * 100.0))
            .unwrap_or_default();
        out.push(Finding {
            kind: "long_mark",
            message: format!(
                "long concurrent marks: gc {mark_cycle} marked for {mark_ms:.0} ms (wall), {long} \
                 of {} cycles for {LONG_MARK_MS:.0} ms or more{marking}, while the longest \
                 stop-the-world pause was {}. During a mark the GC takes a quarter of the CPUs, \
                 write barriers are on and allocating goroutines assist, so requests slow down. \
                 Marking time grows with the live heap ({} MB at its peak): shrink it, or give the \
                 GC more CPU.",
                cycles.len(),
                fmt_ms(s.longest.first().map_or(0.0, |l| l.1)),
                s.live.peak,
            ),
            threshold: format!(
                "a mark phase of {LONG_MARK_MS:.0} ms or more: the program runs during it, but \
                 slowed by assists and write barriers for that long"
            ),
        });
    }

    // Forced cycles.
    if s.forced.len() >= FORCED_MIN && s.forced.len() as f64 >= FORCED_SHARE * cycles.len() as f64 {
        out.push(Finding {
            kind: "forced_gc",
            message: format!(
                "frequent forced cycles: {} of {} cycles were forced (runtime.GC or \
                 debug.FreeOSMemory), gc {}. Each runs a whole cycle and blocks its caller; \
                 the runtime paces cycles by itself, so remove the calls, or use GOMEMLIMIT to \
                 bound memory.",
                s.forced.len(),
                cycles.len(),
                list(&s.forced, 10),
            ),
            threshold: format!(
                "at least {FORCED_MIN} forced cycles and {:.0}% of the run's: one before a heap \
                 profile or at exit is normal, a habit is not",
                FORCED_SHARE * 100.0
            ),
        });
    }
    out
}

fn list(v: &[u64], max: usize) -> String {
    let mut s: Vec<String> = v.iter().take(max).map(u64::to_string).collect();
    if v.len() > max {
        s.push(format!("… ({} in all)", v.len()));
    }
    s.join(", ")
}

fn fmt_rate(mb_s: f64) -> String {
    if mb_s >= 10.0 {
        format!("{mb_s:.0}")
    } else {
        format!("{mb_s:.1}")
    }
}

fn fmt_ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 1.0 {
        format!("{v:.2} ms")
    } else {
        format!("{v:.3} ms")
    }
}

fn growth_ratio(from: u64, to: u64) -> String {
    if from == 0 {
        format!("+{to} MB")
    } else {
        format!("×{:.1}", to as f64 / from as f64)
    }
}

/// What the scavenger lines say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScavengeSummary {
    pub lines: usize,
    /// Bytes released, summed over the passes that say how much.
    pub released_bytes: u64,
    /// The last "total released" (scav) or "released" (scvg status), bytes.
    pub last_total_bytes: Option<u64>,
}

pub fn scavenge_summary(scavenges: &[Scavenge]) -> ScavengeSummary {
    let mut s = ScavengeSummary {
        lines: scavenges.len(),
        ..ScavengeSummary::default()
    };
    for sc in scavenges {
        match *sc {
            Scavenge::Released { bytes, .. } => {
                s.released_bytes = s.released_bytes.saturating_add(bytes);
            }
            Scavenge::Status { released_mb, .. } => {
                s.last_total_bytes = Some(released_mb.saturating_mul(1 << 20));
            }
            Scavenge::Work {
                work_bytes,
                total_bytes,
                ..
            } => {
                s.released_bytes = s.released_bytes.saturating_add(work_bytes);
                s.last_total_bytes = Some(total_bytes);
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    /// A cycle line with the given number, time and heap figures.
    fn line(n: u64, at: f64, start: u64, end: u64, live: u64, goal: u64) -> String {
        format!(
            "gc {n} @{at:.3}s 5%: 0.1+1.0+0.2 ms clock, 0.2+0.1/0.1/0.1+0.4 ms cpu, \
             {start}->{end}->{live} MB, {goal} MB goal, 0 MB stacks, 0 MB globals, 4 P\n"
        )
    }

    #[test]
    fn summary_figures() {
        let mut log = String::new();
        log += &line(1, 0.010, 4, 5, 2, 4);
        log += &line(2, 0.030, 4, 6, 3, 5);
        log += "program output\n";
        log += &line(4, 0.070, 6, 7, 3, 6); // cycle 3 lost
        let t = parse(&log);
        let s = summarize(&t.cycles, &Options::default());
        assert_eq!((s.cycles, s.first_number, s.last_number), (3, 1, 4));
        assert_eq!(s.missing, [3]);
        assert!((s.span_s - 0.060).abs() < 1e-9);
        assert_eq!(s.live.peak, 3);
        assert_eq!(s.live.peak_cycle, 2);
        assert_eq!(s.live_growth_mb, 1);
        // Each pause is 0.1 + 0.2 ms.
        assert!((s.total_stw_ms - 0.9).abs() < 1e-9);
        // Intervals only between consecutive numbers: 1→2 is 20 ms.
        assert_eq!(s.median_interval_ms.map(f64::round), Some(20.0));
        assert!(s.findings.is_empty());
    }

    #[test]
    fn rising_live_heap_is_runaway_growth() {
        let mut log = String::new();
        for (i, live) in [2u64, 3, 5, 8, 12, 18, 27, 40].iter().enumerate() {
            let n = i as u64 + 1;
            log += &line(n, n as f64 * 0.1, live * 2, live * 2 + 1, *live, live * 2);
        }
        let s = summarize(&parse(&log).cycles, &Options::default());
        assert_eq!(s.findings.len(), 1, "{:?}", s.findings);
        assert_eq!(s.findings[0].kind, "runaway_growth");
        // Cycles 0.1 s apart from 0.1 s: the last quarter starts at 0.625 s
        // (cycle 7, floor 27 MB), the floor at the start is 2 MB. The later
        // half (from 0.45 s: cycles 5..=8, 12, 18, 27, 40 MB) has mean 24.25
        // and slope Σ(x−x̄)(y−ȳ) / Σ(x−x̄)² = 4.65 / 0.05 = 93 MB/s.
        let m = &s.findings[0].message;
        assert!(
            m.contains("rose from 2 MB to 27 MB (×13.5) over 0.70 s")
                && m.contains("93 MB/s over the later half"),
            "{m}"
        );
        let g = s.growth.unwrap();
        assert!((g.late_rate_mb_s - 93.0).abs() < 1e-9);
        assert!((g.late_mean_mb - 24.25).abs() < 1e-9);
        // 93 MB/s over the half's 0.3 s.
        assert!((g.late_rise_mb - 27.9).abs() < 1e-9);
    }

    /// The loader: a sawtooth whose live heap rose in only 4 of 8
    /// steps, from 45 MB to 11.4 GB; step counting missed it, the floor
    /// does not. With a 16 GiB limit, it says when.
    #[test]
    fn a_rising_sawtooth_is_runaway_and_the_limit_is_projected() {
        let lives = [45u64, 30, 400, 200, 2500, 1200, 6000, 4000, 11400];
        let mut log = String::new();
        for (i, live) in lives.iter().enumerate() {
            let n = i as u64 + 1;
            let at = 6.375 * i as f64; // 0 … 51 s
            log += &line(n, at, live * 2, live * 2, *live, live * 2);
        }
        let options = Options {
            limit: Some(16 << 30),
        };
        let s = summarize(&parse(&log).cycles, &options);
        assert_eq!(s.findings[0].kind, "runaway_growth", "{:?}", s.findings);
        let g = s.growth.unwrap();
        // The last quarter starts at 38.25 s (cycle 7): the floor from
        // there is min(6000, 4000, 11400) = 4000 MB; from the start, 30 MB.
        assert_eq!((g.floor_start_mb, g.floor_end_mb), (30, 4000));
        // The goal is twice the live heap: it reaches 16 GiB = 16384 MB
        // when the live heap reaches 8192 MB, already passed at 11400 MB;
        // the live heap itself needs (16384 − 11400) / rate seconds.
        let p = s.projection.unwrap();
        assert_eq!(p.goal_s, 0.0);
        assert!((p.live_s - (16384.0 - 11400.0) / g.late_rate_mb_s).abs() < 1e-9);
        assert!(s.findings[0]
            .message
            .contains("reaches the limit of 16 GB in about 0.0 s"));
    }

    #[test]
    fn a_heap_that_levels_off_is_not_runaway() {
        let mut log = String::new();
        for (i, live) in [2u64, 4, 8, 16, 30, 31, 30, 31, 30, 30].iter().enumerate() {
            let n = i as u64 + 1;
            log += &line(n, n as f64 * 0.1, live * 2, live * 2, *live, live * 2);
        }
        assert!(summarize(&parse(&log).cycles, &Options::default())
            .findings
            .is_empty());
    }

    #[test]
    fn back_to_back_cycles_reclaiming_little_are_thrash() {
        let mut log = String::new();
        for n in 1..=10u64 {
            log += &line(n, n as f64 * 0.005, 68, 69, 66, 69);
        }
        let s = summarize(&parse(&log).cycles, &Options::default());
        assert_eq!(s.findings.len(), 1);
        assert_eq!(s.findings[0].kind, "gc_thrash");
        // 5 ms apart; (69 − 66) / 69 = 4.3% reclaimed.
        assert!(
            s.findings[0]
                .message
                .contains("every 5.0 ms (median) and each reclaims only 4.3%"),
            "{}",
            s.findings[0].message
        );
    }

    /// A cycle line with the given mark wall time, CPU times and flag.
    fn timed(n: u64, at: f64, mark_ms: f64, cpu: [f64; 5], heap: [u64; 4], forced: bool) -> String {
        format!(
            "gc {n} @{at:.3}s 5%: 0.1+{mark_ms}+0.2 ms clock, {}+{}/{}/{}+{} ms cpu, \
             {}->{}->{} MB, {} MB goal, 0 MB stacks, 0 MB globals, 2 P{}\n",
            cpu[0],
            cpu[1],
            cpu[2],
            cpu[3],
            cpu[4],
            heap[0],
            heap[1],
            heap[2],
            heap[3],
            if forced { " (forced)" } else { "" }
        )
    }

    /// Since Go 1.18 the pacer sets the goal to live + (live + stacks +
    /// globals) × GOGC/100, and a memory limit counts stacks and globals
    /// too (Go 1.19+ lines print them): the verdicts count them with the
    /// live heap.
    #[test]
    fn stacks_and_globals_count_with_the_live_heap() {
        // A live heap rising 100 MB a second from 100 to 800 MB beside
        // 500 MB of stacks and 12 MB of globals, GOGC=100: the goal is
        // live + (live + 512), so (goal + 512) / (live + 512) = 2.
        let mut log = String::new();
        for n in 1..=8u64 {
            let live = 100 * n;
            log += &format!(
                "gc {n} @{n}.000s 1%: 0.1+1.0+0.2 ms clock, 0.2+0.1/0.1/0.1+0.4 ms cpu, \
                 {}->{}->{live} MB, {} MB goal, 500 MB stacks, 12 MB globals, 4 P\n",
                live + 50,
                live + 60,
                2 * live + 512,
            );
        }
        let options = Options {
            limit: Some(4 << 30),
        };
        let s = summarize(&parse(&log).cycles, &options);
        let g = s.growth.unwrap();
        assert!((g.goal_ratio - 2.0).abs() < 1e-9);
        assert!((g.late_rate_mb_s - 100.0).abs() < 1e-9);
        // The limit (4096 MB) is reached when live + 512 is: live at 3584
        // MB, (3584 − 800) / 100 s from the last cycle; the goal's total,
        // (live + 512) × 2, when live is 1536 MB: (1536 − 800) / 100 s.
        let p = s.projection.unwrap();
        assert!((p.live_s - 27.84).abs() < 1e-9, "{p:?}");
        assert!((p.goal_s - 7.36).abs() < 1e-9, "{p:?}");
        assert_eq!(s.findings[0].kind, "runaway_growth");
        assert!(
            s.findings[0].message.contains(
                "reaches the limit of 4 GB in about 7.4 s, the live heap itself in about 27.8 s"
            ),
            "{}",
            s.findings[0].message
        );

        // The churn of `frequent_cycles_of_garbage_are_churn` (351 MB
        // allocated over a 1 MB live heap) beside 3 MB of stacks and 1 MB
        // of globals: the pacer paces on 1 + 4 = 5 MB, and 351 MB is 70.2×
        // that, under 100×: no churn, but the GC CPU (10%) is still heavy.
        let mut log = String::new();
        for n in 1..=40u64 {
            log += &format!(
                "gc {n} @{:.3}s 5%: 0.1+1.0+0.2 ms clock, 0.1+0.2/1.5/3.0+0.2 ms cpu, \
                 8->10->1 MB, 8 MB goal, 3 MB stacks, 1 MB globals, 2 P\n",
                n as f64 * 0.01
            );
        }
        let s = summarize(&parse(&log).cycles, &Options::default());
        assert_eq!((s.median_live_mb, s.median_paced_mb), (1.0, 5.0));
        let kinds: Vec<&str> = s.findings.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, ["gc_cpu"]);
        // 1 MB of globals only: 2 MB, 175.5×, churn.
        let log = log.replace("3 MB stacks", "0 MB stacks");
        let s = summarize(&parse(&log).cycles, &Options::default());
        assert_eq!(s.findings[0].kind, "churn");
        assert!(
            s.findings[0]
                .message
                .contains("351 MB, 176× its live heap plus stacks and globals (2 MB, median)"),
            "{}",
            s.findings[0].message
        );
    }

    #[test]
    fn frequent_cycles_of_garbage_are_churn() {
        // 40 cycles 10 ms apart (100 a second), each 8 -> 10 -> 4 MB: the
        // heap at mark end less the live heap before is 10 − 4 = 6 MB a
        // cycle, 39 × 6 = 234 MB; the median live heap is 4 MB, so 58.5×:
        // under 100×, no churn yet.
        let cpu = [0.1, 0.2, 1.5, 3.0, 0.2]; // 2 ms of GC CPU (idle left out)
        let mut log = String::new();
        for n in 1..=40u64 {
            log += &timed(n, n as f64 * 0.01, 1.0, cpu, [8, 10, 4, 8], false);
        }
        let s = summarize(&parse(&log).cycles, &Options::default());
        assert_eq!(s.allocated_mb, 234);
        assert_eq!(s.median_live_mb, 4.0);
        // 39 cycles after the first, 2 ms each, over 0.39 s × 2 P.
        assert!((s.gc_cpu_share.unwrap() - 78.0 / 780.0).abs() < 1e-9);
        assert!((s.cycles_per_s.unwrap() - 100.0).abs() < 1e-9);
        assert!(
            s.findings.iter().all(|f| f.kind != "churn"),
            "{:?}",
            s.findings
        );
        // 1 MB live instead: 39 × 9 = 351 MB, 351× the live heap.
        let mut log = String::new();
        for n in 1..=40u64 {
            log += &timed(n, n as f64 * 0.01, 1.0, cpu, [8, 10, 1, 8], false);
        }
        let s = summarize(&parse(&log).cycles, &Options::default());
        let kinds: Vec<&str> = s.findings.iter().map(|f| f.kind).collect();
        // Churn explains the 10% of GC CPU: no separate gc_cpu finding.
        assert_eq!(kinds, ["churn"]);
        assert!(s.findings[0].message.contains("351 MB, 351× its live heap"));
    }

    #[test]
    fn long_marks_and_forced_cycles() {
        let cpu = [0.1, 0.0, 0.5, 0.0, 0.1];
        let mut log = String::new();
        for n in 1..=10u64 {
            let mark = if n == 6 { 2900.0 } else { 5.0 };
            log += &timed(n, n as f64, mark, cpu, [20, 22, 10, 20], n % 3 == 0);
        }
        let s = summarize(&parse(&log).cycles, &Options::default());
        let kinds: Vec<&str> = s.findings.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, ["long_mark", "forced_gc"]);
        assert_eq!(s.longest_mark, (6, 2900.0));
        // 2900 + 9 × 5 ms of marking over 9 s.
        assert!((s.marking_share.unwrap() - 2945.0 / 9000.0).abs() < 1e-12);
        assert!(s.findings[0].message.contains("gc 6 marked for 2900 ms"));
        assert!(s.findings[1].message.contains("3 of 10 cycles were forced"));
        assert!(s.findings[1].message.contains("gc 3, 6, 9"));
    }

    #[test]
    fn restarts_split_runs() {
        let mut log = String::new();
        log += &line(1, 0.01, 4, 4, 1, 4);
        log += &line(2, 0.02, 4, 4, 1, 4);
        log += &line(1, 0.01, 4, 4, 2, 4);
        let t = parse(&log);
        let r = runs(&t.cycles);
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].len(), 1);
    }
}
