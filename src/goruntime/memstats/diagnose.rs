//! The figures derived from a MemStats block (fragmentation, idle memory,
//! goroutine stacks, allocation against the heap, the pause history from
//! the PauseNs and PauseEnd rings, lined up) and the findings they support,
//! each with the threshold it crossed and why it is one (the Go GC guide,
//! <https://go.dev/doc/gc-guide>, and `runtime.MemStats`' documentation).

use super::parse::{MemStats, PAUSE_RING};
use crate::units::{human_bytes, human_duration};

/// Findings fire at these levels.
pub mod thresholds {
    /// Free space inside in-use spans, as a share of HeapInuse…
    pub const FRAGMENTATION_SHARE: f64 = 0.25;
    /// …and at least this many bytes, so tiny heaps stay quiet.
    pub const FRAGMENTATION_BYTES: i64 = 1 << 20;
    /// Idle heap kept from the OS (HeapIdle − HeapReleased): at least this
    /// many bytes, and more than the heap in use or at least
    /// [`IDLE_SHARE`] of Sys. The background scavenger aims to keep only
    /// about 10% over the heap goal, so this much idle and unreleased is
    /// memory the process holds for nothing.
    pub const IDLE_BYTES: i64 = 16 << 20;
    pub const IDLE_SHARE: f64 = 0.20;
    /// Goroutine stacks (StackSys) at least this share of Sys and at least
    /// [`STACK_BYTES`]: a goroutine starts with a 2 KiB stack, so 64 MiB
    /// is tens of thousands of goroutines, and stacks outgrowing a tenth of
    /// the process's memory usually means goroutines that never exit
    /// (blocked on a channel, a lock or I/O without a deadline).
    pub const STACK_SHARE: f64 = 0.10;
    pub const STACK_BYTES: u64 = 64 << 20;
    /// The smallest goroutine stack (Go 1.4 and later).
    pub const MIN_STACK: u64 = 2 << 10;
    /// Churn, as in `gctrace`: cycles at least this often (over the
    /// recorded pauses' PauseEnd times)…
    pub const CHURN_CYCLES_PER_S: f64 = 20.0;
    /// …with at least this many recorded…
    pub const CHURN_MIN_CYCLES: usize = 20;
    /// …TotalAlloc at least this many times HeapAlloc (gctrace asks 100×
    /// the live heap; HeapAlloc also counts the garbage since the last
    /// cycle, up to another live heap with GOGC=100, so half that)…
    pub const CHURN_ALLOC_RATIO: f64 = 50.0;
    /// …and GCCPUFraction at least this.
    pub const CHURN_GC_CPU: f64 = 0.05;
    /// How many of the latest pauses the text report lines up.
    pub const HISTORY_SHOWN: usize = 10;
    /// GCCPUFraction: the GC's share of the CPU since the program started.
    pub const GC_CPU: f64 = 0.10;
    /// A stop-the-world pause at least this long (Go aims at well under 1 ms).
    pub const LONG_PAUSE_NS: u64 = 5_000_000;
    /// Pauses at least this long are counted in the long-pause finding.
    pub const NOTABLE_PAUSE_NS: u64 = 1_000_000;
}

/// The recorded entries of the PauseNs ring.
#[derive(Debug, Clone, PartialEq)]
pub struct Pauses {
    /// Entries recorded: min(NumGC, 256), fewer if the ring was cut.
    pub count: usize,
    pub total_ns: u64,
    pub max_ns: u64,
    /// Nearest-rank median and 99th percentile.
    pub median_ns: u64,
    pub p99_ns: u64,
    /// The cycle (1-based, as NumGC counts) of the longest pause.
    pub longest_cycle: u64,
    /// When the longest pause ended (ns since 1970), from PauseEnd.
    pub longest_end_ns: Option<u64>,
    /// Pauses of at least [`thresholds::NOTABLE_PAUSE_NS`].
    pub notable: usize,
    /// Every recorded pause, oldest first: (cycle, PauseNs, PauseEnd — 0
    /// when the ring has no end time for it).
    pub history: Vec<(u64, u64, u64)>,
    /// Cycles per second over the recorded pauses: (count − 1) / (last end
    /// − first end), when their end times are known and apart.
    pub cycles_per_s: Option<f64>,
}

/// A problem the figures show.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// "fragmentation", "idle_not_released", "goroutine_stacks", "churn",
    /// "gc_cpu", "long_pauses".
    pub kind: &'static str,
    pub message: String,
    /// The threshold crossed, and why it is one.
    pub threshold: String,
}

/// The figures derived from the raw fields; `None` where an input field is
/// missing.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    /// HeapInuse − HeapAlloc: free space inside spans in use.
    pub fragmentation: Option<i64>,
    /// fragmentation / HeapInuse.
    pub fragmentation_share: Option<f64>,
    /// HeapIdle − HeapReleased: kept from the OS, unused.
    pub idle_kept: Option<i64>,
    /// Sys − HeapSys: memory obtained for anything but the heap.
    pub non_heap: Option<i64>,
    /// Sys − HeapReleased: obtained and not returned.
    pub retained: Option<i64>,
    /// Mallocs − Frees.
    pub live_objects: Option<i64>,
    /// NextGC − HeapAlloc: heap growth left before the goal.
    pub headroom: Option<i64>,
    /// HeapAlloc / NextGC.
    pub goal_share: Option<f64>,
    /// StackSys / Sys.
    pub stack_share: Option<f64>,
    /// TotalAlloc / HeapAlloc.
    pub alloc_ratio: Option<f64>,
    pub pauses: Option<Pauses>,
    pub findings: Vec<Finding>,
}

fn diff(a: Option<u64>, b: Option<u64>) -> Option<i64> {
    Some((i128::from(a?) - i128::from(b?)).clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

fn ratio(a: Option<i64>, b: Option<u64>) -> Option<f64> {
    let b = b?;
    (b != 0)
        .then(|| a.unwrap_or(0) as f64 / b as f64)
        .filter(|_| a.is_some())
}

pub(super) fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// Nearest-rank percentile of sorted values.
fn nearest_rank(sorted: &[u64], p: f64) -> u64 {
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

/// The recorded pauses: cycle k (1-based) sits at index (k − 1) mod 256,
/// and the last min(NumGC, 256) cycles are recorded.
pub fn pauses(m: &MemStats) -> Option<Pauses> {
    let ring = m.pause_ns.as_ref()?;
    let num_gc = m.num_gc?;
    let recorded = num_gc.min(PAUSE_RING as u64);
    let mut entries: Vec<(u64, u64, usize)> = Vec::new(); // (pause, cycle, index)
    for cycle in (num_gc - recorded + 1)..=num_gc {
        let index = ((cycle - 1) % PAUSE_RING as u64) as usize;
        if let Some(&ns) = ring.get(index) {
            entries.push((ns, cycle, index));
        }
    }
    if entries.is_empty() {
        return None;
    }
    let mut sorted: Vec<u64> = entries.iter().map(|e| e.0).collect();
    sorted.sort_unstable();
    // The longest; the latest cycle among equals.
    let &(max_ns, longest_cycle, index) = entries
        .iter()
        .max_by_key(|e| (e.0, e.1))
        .expect("entries is not empty");
    let ends = m.pause_end.as_deref().unwrap_or(&[]);
    let history: Vec<(u64, u64, u64)> = entries
        .iter()
        .map(|&(ns, cycle, index)| (cycle, ns, ends.get(index).copied().unwrap_or(0)))
        .collect();
    let timed: Vec<u64> = history.iter().map(|h| h.2).filter(|&t| t != 0).collect();
    let cycles_per_s = match (timed.first(), timed.last()) {
        (Some(&a), Some(&b)) if b > a && timed.len() >= 2 => {
            Some((timed.len() - 1) as f64 / ((b - a) as f64 / 1e9))
        }
        _ => None,
    };
    let longest_end_ns = m
        .pause_end
        .as_ref()
        .and_then(|ends| ends.get(index).copied())
        .filter(|&t| t != 0);
    Some(Pauses {
        count: entries.len(),
        total_ns: sorted.iter().fold(0u64, |a, &b| a.saturating_add(b)),
        max_ns,
        median_ns: nearest_rank(&sorted, 50.0),
        p99_ns: nearest_rank(&sorted, 99.0),
        longest_cycle,
        longest_end_ns,
        notable: sorted
            .iter()
            .filter(|&&p| p >= thresholds::NOTABLE_PAUSE_NS)
            .count(),
        history,
        cycles_per_s,
    })
}

/// Derives the figures and findings.
pub fn diagnose(m: &MemStats) -> Diagnosis {
    use thresholds::*;
    let fragmentation = diff(m.heap_inuse, m.heap_alloc);
    let fragmentation_share = ratio(fragmentation, m.heap_inuse);
    let idle_kept = diff(m.heap_idle, m.heap_released);
    let headroom = diff(m.next_gc, m.heap_alloc);
    let mut d = Diagnosis {
        fragmentation,
        fragmentation_share,
        idle_kept,
        non_heap: diff(m.sys, m.heap_sys),
        retained: diff(m.sys, m.heap_released),
        live_objects: diff(m.mallocs, m.frees),
        headroom,
        goal_share: m.heap_alloc.and_then(|a| ratio(Some(a as i64), m.next_gc)),
        stack_share: m.stack_sys.and_then(|st| ratio(Some(st as i64), m.sys)),
        alloc_ratio: m
            .total_alloc
            .and_then(|t| ratio(Some(t.min(i64::MAX as u64) as i64), m.heap_alloc)),
        pauses: pauses(m),
        findings: Vec::new(),
    };

    if let (Some(frag), Some(share), Some(inuse), Some(alloc)) = (
        fragmentation,
        fragmentation_share,
        m.heap_inuse,
        m.heap_alloc,
    ) {
        if share >= FRAGMENTATION_SHARE && frag >= FRAGMENTATION_BYTES {
            d.findings.push(Finding {
                kind: "fragmentation",
                message: format!(
                    "high fragmentation: {} ({}) of the {} in spans in use holds no live object \
                     (HeapInuse {inuse} − HeapAlloc {alloc}). Spans are freed only when all their \
                     objects are; a few survivors pin many spans (long-lived objects allocated \
                     among short-lived ones of the same size).",
                    human_bytes(frag),
                    percent(share),
                    human_bytes(inuse as i64),
                ),
                threshold: format!(
                    "{} of HeapInuse and {}: memory the heap holds in spans but no object uses, \
                     which the runtime cannot return while one object lives in each span",
                    percent(FRAGMENTATION_SHARE),
                    human_bytes(FRAGMENTATION_BYTES)
                ),
            });
        }
    }
    if let (Some(kept), Some(idle), Some(released), Some(inuse)) =
        (idle_kept, m.heap_idle, m.heap_released, m.heap_inuse)
    {
        let sys_share = m.sys.filter(|&s| s > 0).map(|s| kept as f64 / s as f64);
        if kept >= IDLE_BYTES && (kept > inuse as i64 || sys_share.is_some_and(|s| s >= IDLE_SHARE))
        {
            let rss = match m.max_rss {
                Some(rss) if (rss as i64) < kept => format!(
                    " (MaxRSS is {}: much of it was never touched)",
                    human_bytes(rss as i64)
                ),
                _ => String::new(),
            };
            d.findings.push(Finding {
                kind: "idle_not_released",
                message: format!(
                    "much idle memory not released: {} of free heap is kept from the OS \
                     (HeapIdle {idle} − HeapReleased {released}){}, beside the {} in use; \
                     whatever of it was touched counts in RSS{rss}. The runtime returns it \
                     gradually; debug.FreeOSMemory() returns it at once, and a GOMEMLIMIT \
                     makes the runtime return it sooner.",
                    human_bytes(kept),
                    sys_share
                        .map(|s| format!(", {} of Sys", percent(s)))
                        .unwrap_or_default(),
                    human_bytes(inuse as i64),
                ),
                threshold: format!(
                    "{} kept, and more than HeapInuse or {} of Sys: the background scavenger \
                     aims to keep only about 10% over the heap goal",
                    human_bytes(IDLE_BYTES),
                    percent(IDLE_SHARE)
                ),
            });
        }
    }
    if let (Some(stack), Some(share), Some(sys)) = (m.stack_sys, d.stack_share, m.sys) {
        if share >= STACK_SHARE && stack >= STACK_BYTES {
            let inuse = m.stack_inuse.unwrap_or(stack);
            d.findings.push(Finding {
                kind: "goroutine_stacks",
                message: format!(
                    "goroutine stacks take {} of the process's memory: StackSys {stack} of Sys \
                     {sys} ({}), {} of it in use — up to {} goroutines at the 2 KiB a stack \
                     starts with. Suspect a goroutine leak (goroutines blocked forever on a \
                     channel, a lock, or I/O without a deadline): /debug/pprof/goroutine?debug=1 \
                     groups them by stack.",
                    human_bytes(stack.min(i64::MAX as u64) as i64),
                    percent(share),
                    human_bytes(inuse.min(i64::MAX as u64) as i64),
                    inuse / MIN_STACK,
                ),
                threshold: format!(
                    "StackSys at least {} of Sys and {}: tens of thousands of goroutines, more \
                     than a program runs at once unless they pile up",
                    percent(STACK_SHARE),
                    human_bytes(STACK_BYTES as i64)
                ),
            });
        }
    }
    let mut churn = false;
    if let (Some(alloc_ratio), Some(p), Some(f)) = (d.alloc_ratio, &d.pauses, m.gc_cpu_fraction) {
        if let Some(rate) = p.cycles_per_s {
            if p.count >= CHURN_MIN_CYCLES
                && rate >= CHURN_CYCLES_PER_S
                && alloc_ratio >= CHURN_ALLOC_RATIO
                && f >= CHURN_GC_CPU
            {
                churn = true;
                d.findings.push(Finding {
                    kind: "churn",
                    message: format!(
                        "churn: the program allocated {:.0}× its heap (TotalAlloc {} against \
                         HeapAlloc {}) over {} cycles, the last {} of them {:.0} a second (from \
                         PauseEnd), with the GC at {} of the CPU (GCCPUFraction): short-lived \
                         allocations drive the GC. Reuse buffers (sync.Pool), preallocate, \
                         stream instead of copying; `heapscope top -alloc_space` on a heap \
                         profile shows who allocates.",
                        alloc_ratio,
                        m.total_alloc.unwrap_or(0),
                        m.heap_alloc.unwrap_or(0),
                        m.num_gc.unwrap_or(0),
                        p.count,
                        rate,
                        percent(f),
                    ),
                    threshold: format!(
                        "{CHURN_CYCLES_PER_S} cycles a second or more over at least \
                         {CHURN_MIN_CYCLES}, TotalAlloc {CHURN_ALLOC_RATIO}× HeapAlloc or more, \
                         GCCPUFraction {} or more: each cycle has a fixed cost, paid as often as \
                         the program allocates its live heap again (GOGC=100)",
                        percent(CHURN_GC_CPU)
                    ),
                });
            }
        }
    }
    if let Some(f) = m.gc_cpu_fraction.filter(|_| !churn) {
        if f >= GC_CPU {
            let cycles = m
                .num_gc
                .map(|n| format!(" over {n} cycles"))
                .unwrap_or_default();
            d.findings.push(Finding {
                kind: "gc_cpu",
                message: format!(
                    "heavy GC CPU: the GC used {} of the CPU available to the program since it \
                     started (GCCPUFraction {f}){cycles}. Allocate less (heapscope top \
                     -alloc_space shows where), or let the heap grow more between cycles \
                     (a higher GOGC, or a GOMEMLIMIT with a high GOGC).",
                    percent(f),
                ),
                threshold: format!(
                    "GCCPUFraction {} over the program's life: a tenth of the CPU collecting \
                     rather than working (the background workers' own share is 25% while \
                     they mark, and nothing while no cycle runs)",
                    percent(GC_CPU)
                ),
            });
        }
    }
    if let Some(p) = &d.pauses {
        if p.max_ns >= LONG_PAUSE_NS {
            d.findings.push(Finding {
                kind: "long_pauses",
                message: format!(
                    "long GC pauses: the longest stop-the-world pause was {} (GC {}); {} of the \
                     {} recorded pauses took 1 ms or more (median {}, p99 {}). Pauses grow with \
                     goroutine stacks to scan and with CPU starvation (GOMAXPROCS above the \
                     CPU quota).",
                    human_duration(p.max_ns as i64),
                    p.longest_cycle,
                    p.notable,
                    p.count,
                    human_duration(p.median_ns as i64),
                    human_duration(p.p99_ns as i64),
                ),
                threshold: format!(
                    "a pause of {}: Go's stop-the-world phases take well under a millisecond \
                     when the program has its CPUs",
                    human_duration(LONG_PAUSE_NS as i64)
                ),
            });
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    fn ring(entries: &[(usize, u64)]) -> String {
        let mut v = vec![0u64; PAUSE_RING];
        for &(i, ns) in entries {
            v[i] = ns;
        }
        let s: Vec<String> = v.iter().map(u64::to_string).collect();
        format!("[{}]", s.join(" "))
    }

    #[test]
    fn derived_figures_are_differences_of_raw_fields() {
        let m = parse(
            "# Sys = 100000000\n# HeapAlloc = 1000000\n# HeapSys = 90000000\n\
             # HeapIdle = 80000000\n# HeapInuse = 10000000\n# HeapReleased = 20000000\n\
             # Mallocs = 50\n# Frees = 20\n# NextGC = 4000000\n",
        )
        .unwrap();
        let d = diagnose(&m);
        assert_eq!(d.fragmentation, Some(9_000_000));
        assert_eq!(d.fragmentation_share, Some(0.9));
        assert_eq!(d.idle_kept, Some(60_000_000));
        assert_eq!(d.non_heap, Some(10_000_000));
        assert_eq!(d.retained, Some(80_000_000));
        assert_eq!(d.live_objects, Some(30));
        assert_eq!(d.headroom, Some(3_000_000));
        assert_eq!(d.goal_share, Some(0.25));
        let kinds: Vec<&str> = d.findings.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, ["fragmentation", "idle_not_released"]);
        assert!(d.findings[0]
            .message
            .contains("(HeapInuse 10000000 − HeapAlloc 1000000)"));
    }

    #[test]
    fn the_pause_ring_wraps_after_256_cycles() {
        // 300 cycles: cycles 45..=300 are recorded; cycle 300 is at index
        // 299 % 256 = 43, cycle 45 at index 44. Cycle 260 (index 3) is the
        // longest.
        let pauses_line = ring(&[(43, 2_000_000), (44, 100), (3, 7_000_000), (10, 50)]);
        let ends = ring(&[(3, 1_000_000_000), (43, 3_000_000_000)]);
        let m = parse(&format!(
            "# PauseNs = {pauses_line}\n# PauseEnd = {ends}\n# NumGC = 300\n\
             # LastGC = 3000000000\n"
        ))
        .unwrap();
        let p = pauses(&m).unwrap();
        assert_eq!(p.count, 256);
        assert_eq!(p.max_ns, 7_000_000);
        assert_eq!(p.longest_cycle, 260);
        assert_eq!(p.longest_end_ns, Some(1_000_000_000));
        assert_eq!(p.total_ns, 9_000_150);
        // 252 zeros, then 50, 100, 2 ms, 7 ms: the median (rank 128) is 0,
        // the p99 (rank ceil(253.44) = 254) is 100.
        assert_eq!((p.median_ns, p.p99_ns), (0, 100));
        assert_eq!(p.notable, 2);
        let d = diagnose(&m);
        assert_eq!(d.findings.len(), 1);
        assert_eq!(d.findings[0].kind, "long_pauses");
        assert!(
            d.findings[0].message.contains("7 ms (GC 260)"),
            "{}",
            d.findings[0].message
        );
    }

    #[test]
    fn few_cycles_use_only_their_entries() {
        let m = parse("# PauseNs = [300 100 200 0 0]\n# NumGC = 3\n").unwrap();
        let p = pauses(&m).unwrap();
        assert_eq!(
            (p.count, p.max_ns, p.median_ns, p.longest_cycle),
            (3, 300, 200, 1)
        );
        assert_eq!(p.longest_end_ns, None);
        // No NumGC: the ring cannot be read.
        assert_eq!(pauses(&parse("# PauseNs = [1 2]\n").unwrap()), None);
    }

    /// The block: 625 MB of goroutine stacks, 13.6% of Sys, and
    /// 815 MB of idle heap never released, beside more in use.
    #[test]
    fn goroutine_stacks_and_idle_memory_of_a_big_process() {
        let mb = 1u64 << 20;
        let sys = 4596 * mb; // 625 / 4596 = 13.6%
        let m = parse(&format!(
            "# Sys = {sys}\n# HeapAlloc = {}\n# HeapInuse = {}\n# HeapIdle = {}\n\
             # HeapReleased = 0\n# Stack = {} / {}\n",
            2800 * mb,
            2900 * mb,
            815 * mb,
            600 * mb,
            625 * mb
        ))
        .unwrap();
        let d = diagnose(&m);
        let kinds: Vec<&str> = d.findings.iter().map(|f| f.kind).collect();
        // 815 MB idle is less than the 2900 MB in use, but 17.7% of Sys…
        // under 20%: no idle finding; the stacks are one.
        assert_eq!(kinds, ["goroutine_stacks"]);
        assert!((d.stack_share.unwrap() - 625.0 / 4596.0).abs() < 1e-12);
        let msg = &d.findings[0].message;
        // 600 MB in use / 2 KiB = 307200 goroutines at most.
        assert!(
            msg.contains("(13.6%)") && msg.contains("up to 307200 goroutines"),
            "{msg}"
        );
        // With 1000 MB idle (21.8% of Sys), it is one too.
        let m = parse(&format!(
            "# Sys = {sys}\n# HeapInuse = {}\n# HeapIdle = {}\n# HeapReleased = 0\n",
            2900 * mb,
            1000 * mb
        ))
        .unwrap();
        let d = diagnose(&m);
        assert_eq!(d.findings[0].kind, "idle_not_released");
        assert!(
            d.findings[0].message.contains("21.8% of Sys"),
            "{}",
            d.findings[0].message
        );
    }

    #[test]
    fn churn_from_total_alloc_and_the_pause_times() {
        // 30 cycles 10 ms apart by PauseEnd: 29 gaps over 0.29 s, 100 a second.
        let ns: Vec<(usize, u64)> = (0..30).map(|i| (i, 50_000)).collect();
        let ends: Vec<(usize, u64)> = (0..30)
            .map(|i| (i, 1_000_000_000 + i as u64 * 10_000_000))
            .collect();
        let block = |total: u64, cpu: f64| {
            format!(
                "# TotalAlloc = {total}\n# HeapAlloc = 10000000\n# PauseNs = {}\n\
                 # PauseEnd = {}\n# NumGC = 30\n# GCCPUFraction = {cpu}\n",
                ring(&ns),
                ring(&ends)
            )
        };
        let d = diagnose(&parse(&block(600_000_000, 0.08)).unwrap());
        let p = d.pauses.as_ref().unwrap();
        assert!((p.cycles_per_s.unwrap() - 100.0).abs() < 1e-6);
        assert_eq!(p.history[0], (1, 50_000, 1_000_000_000));
        assert_eq!(p.history[29], (30, 50_000, 1_290_000_000));
        // 600 MB / 10 MB = 60× HeapAlloc: churn.
        let kinds: Vec<&str> = d.findings.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, ["churn"]);
        assert!(d.findings[0].message.contains("allocated 60× its heap"));
        // 40×: not yet; and at 4% of the CPU, not either.
        assert!(diagnose(&parse(&block(400_000_000, 0.08)).unwrap())
            .findings
            .is_empty());
        assert!(diagnose(&parse(&block(600_000_000, 0.04)).unwrap())
            .findings
            .is_empty());
    }

    #[test]
    fn heavy_gc_cpu_is_a_finding() {
        let d = diagnose(&parse("# GCCPUFraction = 0.25\n# NumGC = 9\n").unwrap());
        assert_eq!(d.findings[0].kind, "gc_cpu");
        assert!(d.findings[0].message.contains("25.0% of the CPU"));
        assert!(diagnose(&parse("# GCCPUFraction = 0.05\n").unwrap())
            .findings
            .is_empty());
    }
}
