//! The figures derived from a MemStats block (fragmentation, idle memory,
//! pause percentiles from the PauseNs ring) and the findings they support,
//! each with the threshold it crossed.

use super::parse::{MemStats, PAUSE_RING};
use crate::units::{human_bytes, human_duration};

/// Findings fire at these levels.
pub mod thresholds {
    /// Free space inside in-use spans, as a share of HeapInuse…
    pub const FRAGMENTATION_SHARE: f64 = 0.25;
    /// …and at least this many bytes, so tiny heaps stay quiet.
    pub const FRAGMENTATION_BYTES: i64 = 1 << 20;
    /// Idle heap kept from the OS (HeapIdle − HeapReleased): at least this
    /// many bytes and more than the heap in use.
    pub const IDLE_BYTES: i64 = 16 << 20;
    /// GCCPUFraction: the GC's share of the CPU since the program started.
    pub const GC_CPU: f64 = 0.10;
    /// A stop-the-world pause at least this long (Go aims at well under 1 ms).
    pub const LONG_PAUSE_NS: u64 = 5_000_000;
    /// Pauses at least this long are counted in the long-pause finding.
    pub const NOTABLE_PAUSE_NS: u64 = 1_000_000;
}

/// The recorded entries of the PauseNs ring.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// A problem the figures show.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// "fragmentation", "idle_not_released", "gc_cpu", "long_pauses".
    pub kind: &'static str,
    pub message: String,
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
            });
        }
    }
    if let (Some(kept), Some(idle), Some(released), Some(inuse)) =
        (idle_kept, m.heap_idle, m.heap_released, m.heap_inuse)
    {
        if kept >= IDLE_BYTES && kept > inuse as i64 {
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
                     (HeapIdle {idle} − HeapReleased {released}), more than the {} in use; \
                     whatever of it was touched counts in RSS{rss}. The runtime returns it \
                     gradually; debug.FreeOSMemory() returns it at once, and a GOMEMLIMIT \
                     makes the runtime return it sooner.",
                    human_bytes(kept),
                    human_bytes(inuse as i64),
                ),
            });
        }
    }
    if let Some(f) = m.gc_cpu_fraction {
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
