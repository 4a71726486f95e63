//! What a GC log's cycles add up to: runs between restarts, spans of the
//! heap figures, pauses, the scavenger's totals, and the runaway-growth and
//! GC-thrash findings with their thresholds.

use super::parse::{Cycle, Scavenge};

/// Findings fire at these levels.
pub mod thresholds {
    /// Runaway growth needs this many cycles in the run…
    pub const RUNAWAY_MIN_CYCLES: usize = 6;
    /// …the live heap rising in at least 2/3 of the steps of the later half…
    pub const RUNAWAY_RISING_SHARE: f64 = 2.0 / 3.0;
    /// …ending at least 25% and 4 MB above where that half started…
    pub const RUNAWAY_GROWTH: f64 = 1.25;
    pub const RUNAWAY_GROWTH_MB: u64 = 4;
    /// …and within 10% of the half's peak (still rising, not recovered).
    pub const RUNAWAY_NEAR_PEAK: f64 = 0.9;
    /// GC thrash: among cycles with at least this heap (smaller heaps have
    /// too coarse MB figures)…
    pub const THRASH_MIN_HEAP_MB: u64 = 8;
    /// …at least this many cycles…
    pub const THRASH_MIN_CYCLES: usize = 5;
    /// …the median time between cycles under this…
    pub const THRASH_INTERVAL_MS: f64 = 100.0;
    /// …and the median cycle reclaiming under this share of the heap.
    pub const THRASH_RECLAIMED: f64 = 0.15;
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
    /// "runaway_growth" or "gc_thrash".
    pub kind: &'static str,
    pub message: String,
}

/// What one run of the program (cycle numbers counting up) shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub cycles: usize,
    pub first_number: u64,
    pub last_number: u64,
    /// Cycle numbers within the run that have no line (lost or damaged).
    pub missing: Vec<u64>,
    /// Seconds from the first cycle to the last.
    pub span_s: f64,
    pub procs: u64,
    /// The runtime's GC CPU share since program start, per cycle (P%).
    pub cpu_percent: Span,
    pub heap_start: Span,
    pub heap_end: Span,
    pub live: Span,
    pub goal: Span,
    /// Live heap at the last cycle minus at the first, MB.
    pub live_growth_mb: i64,
    /// Sum of stop-the-world wall times (sweep + mark termination), ms.
    pub total_stw_ms: f64,
    pub median_stw_ms: f64,
    /// The longest pauses: (cycle, ms), longest first.
    pub longest: Vec<(u64, f64)>,
    pub forced: Vec<u64>,
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

/// Summarizes one run (non-empty).
pub fn summarize(cycles: &[Cycle]) -> Summary {
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

    let mut s = Summary {
        cycles: cycles.len(),
        first_number: first.number,
        last_number: last.number,
        missing,
        span_s: last.at_s - first.at_s,
        procs: last.procs,
        cpu_percent: span(cycles, |c| c.cpu_percent),
        heap_start: span(cycles, |c| c.heap_start_mb),
        heap_end: span(cycles, |c| c.heap_end_mb),
        live: span(cycles, |c| c.live_mb),
        goal: span(cycles, |c| c.goal_mb),
        live_growth_mb: (i128::from(last.live_mb) - i128::from(first.live_mb))
            .clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
        total_stw_ms,
        median_stw_ms,
        longest,
        forced: cycles
            .iter()
            .filter(|c| c.forced)
            .map(|c| c.number)
            .collect(),
        median_interval_ms,
        median_reclaimed,
        findings: Vec::new(),
    };

    // Runaway growth: the later half still rising.
    if cycles.len() >= RUNAWAY_MIN_CYCLES {
        let window = &cycles[cycles.len() / 2..];
        let steps = window.len() - 1;
        let rising = window
            .windows(2)
            .filter(|w| w[1].live_mb > w[0].live_mb)
            .count();
        let (from, to) = (&window[0], &window[window.len() - 1]);
        let peak = window.iter().map(|c| c.live_mb).max().unwrap_or(0);
        if steps > 0
            && rising as f64 >= RUNAWAY_RISING_SHARE * steps as f64
            && to.live_mb as f64 >= RUNAWAY_GROWTH * from.live_mb as f64
            && to.live_mb >= from.live_mb.saturating_add(RUNAWAY_GROWTH_MB)
            && to.live_mb as f64 >= RUNAWAY_NEAR_PEAK * peak as f64
        {
            s.findings.push(Finding {
                kind: "runaway_growth",
                message: format!(
                    "runaway growth: the live heap is still rising at the end of the log: \
                     {} MB at cycle {} → {} MB at cycle {} ({}), higher after {} of the last {} \
                     cycles. Something keeps what it allocates (a cache without a bound, a \
                     whole input buffered in memory); `heapscope top -inuse_space` on a heap \
                     profile shows what holds it.",
                    from.live_mb,
                    from.number,
                    to.live_mb,
                    to.number,
                    growth_ratio(from.live_mb, to.live_mb),
                    rising,
                    steps,
                ),
            });
        }
    }

    // GC thrash: cycles close together, each reclaiming little.
    if let (Some(interval), Some(share)) = (median_interval_ms, median_reclaimed) {
        if big.len() >= THRASH_MIN_CYCLES
            && interval < THRASH_INTERVAL_MS
            && share < THRASH_RECLAIMED
        {
            let mut live: Vec<f64> = big.iter().map(|c| c.live_mb as f64).collect();
            let mut goal: Vec<f64> = big.iter().map(|c| c.goal_mb as f64).collect();
            s.findings.push(Finding {
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
            });
        }
    }
    s
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
        let s = summarize(&t.cycles);
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
        let s = summarize(&parse(&log).cycles);
        assert_eq!(s.findings.len(), 1, "{:?}", s.findings);
        assert_eq!(s.findings[0].kind, "runaway_growth");
        // The later half: cycles 5..=8, 12 → 40 MB, rising in 3 of 3 steps.
        assert!(
            s.findings[0].message.contains(
                "12 MB at cycle 5 → 40 MB at cycle 8 (×3.3), higher after 3 of the last 3"
            ),
            "{}",
            s.findings[0].message
        );
    }

    #[test]
    fn a_heap_that_levels_off_is_not_runaway() {
        let mut log = String::new();
        for (i, live) in [2u64, 4, 8, 16, 30, 31, 30, 31, 30, 30].iter().enumerate() {
            let n = i as u64 + 1;
            log += &line(n, n as f64 * 0.1, live * 2, live * 2, *live, live * 2);
        }
        assert!(summarize(&parse(&log).cycles).findings.is_empty());
    }

    #[test]
    fn back_to_back_cycles_reclaiming_little_are_thrash() {
        let mut log = String::new();
        for n in 1..=10u64 {
            log += &line(n, n as f64 * 0.005, 68, 69, 66, 69);
        }
        let s = summarize(&parse(&log).cycles);
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
