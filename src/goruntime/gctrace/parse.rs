//! Parses `GODEBUG=gctrace=1` logs: the runtime's `gc N @Ts P%: …` line per
//! cycle and the scavenger's lines (`scvg`, `scav`), found anywhere in a line
//! (log prefixes, interleaved output), among the program's other output.
//! Lines that look like GC lines but do not parse are listed, never fatal.
//!
//! The cycle line of every Go from 1.5 on is read; the eras differ in the
//! phases they time and in the fields they end with:
//!
//! - Go 1.5 and 1.6: five wall-clock phases, `a+b+c+d+e ms clock` — sweep
//!   termination (stop the world), scan (the GC goroutine scanning roots,
//!   concurrently), synchronize Ps (a ragged barrier installing the write
//!   barrier, concurrent), mark (concurrent) and mark termination (stop the
//!   world) — and seven CPU times, `a+b+c+d/e/f+g ms cpu`: sweep
//!   termination, scan, synchronize Ps (always 0), then mark's assist,
//!   background and idle times, and mark termination. Go 1.6 prints the
//!   same shape, its scan and synchronize Ps always 0 (marking took the
//!   scan over; golang/go#13536).
//! - Go 1.7 to 1.18: three phases, `a+b+c ms clock` (sweep termination,
//!   concurrent mark and scan, mark termination) and five CPU times,
//!   `a+b/c/d+e ms cpu`.
//! - Go 1.19 and later: the same, with `N MB stacks, N MB globals` (the
//!   scannable stacks and globals, which the pacer counts with the live
//!   heap since Go 1.18) before `N P`.
//!
//! All eras end with ` (forced)` when `runtime.GC` (or
//! `debug.FreeOSMemory`) started the cycle. An older era is mapped onto
//! the three-phase [`Cycle`]: its scan and synchronize Ps phases are
//! concurrent, so their wall time counts as marking and their CPU time as
//! background marking (the GC's own workers, not assists or idle Ps), which
//! keeps the stop-the-world time, the concurrent mark time and the GC CPU
//! time the verdicts use what the runtime counted; the phases as printed
//! stay in [`Cycle::early`].

use std::sync::OnceLock;

use regex::Regex;

/// One GC cycle, as the runtime reports it: `gc 7 @0.090s 1%:
/// 0.014+2.7+0.003 ms clock, 0.029+0.34/0.062/0.19+0.007 ms cpu,
/// 10->11->6 MB, 11 MB goal, 0 MB stacks, 0 MB globals, 2 P` (Go 1.19 and
/// later; see the module's doc for the other eras).
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    /// 1-based line of the log.
    pub line: usize,
    /// The cycle number (NumGC after it).
    pub number: u64,
    /// Seconds since the program started.
    pub at_s: f64,
    /// Percent of the CPU used by the GC since the program started.
    pub cpu_percent: u64,
    /// Wall clock of the phases, in ms: sweep termination (stop the world),
    /// concurrent mark and scan, mark termination (stop the world). For Go
    /// 1.5 and 1.6, the middle one is scan + synchronize Ps + mark.
    pub clock_ms: [f64; 3],
    /// CPU time, in ms: sweep termination, mark assist, background mark,
    /// idle mark, mark termination. For Go 1.5 and 1.6, background mark
    /// includes the scan and synchronize Ps phases' CPU time.
    pub cpu_ms: [f64; 5],
    /// Heap at the start of the cycle, at the end of marking, and live
    /// (marked) heap, in MB.
    pub heap_start_mb: u64,
    pub heap_end_mb: u64,
    pub live_mb: u64,
    pub goal_mb: u64,
    /// Scannable stacks and globals (Go 1.19 and later).
    pub stacks_mb: Option<u64>,
    pub globals_mb: Option<u64>,
    pub procs: u64,
    /// Forced by the program (`runtime.GC`, `debug.FreeOSMemory`).
    pub forced: bool,
    /// The Go 1.5/1.6 phases folded into the ones above (`None` for a line
    /// of Go 1.7 or later).
    pub early: Option<EarlyPhases>,
}

/// The phases of a Go 1.5 or 1.6 cycle line that later lines no longer
/// print, as printed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyPhases {
    /// Wall clock of the scan, synchronize Ps and mark phases, ms.
    pub scan_ms: f64,
    pub synchronize_ms: f64,
    pub mark_ms: f64,
    /// CPU time of the scan and synchronize Ps phases, ms.
    pub scan_cpu_ms: f64,
    pub synchronize_cpu_ms: f64,
}

impl Cycle {
    /// The stop-the-world wall time: sweep termination + mark termination.
    pub fn stw_ms(&self) -> f64 {
        self.clock_ms[0] + self.clock_ms[2]
    }

    /// Heap freed by the cycle: heap at the end of marking minus live heap.
    pub fn reclaimed_mb(&self) -> u64 {
        self.heap_end_mb.saturating_sub(self.live_mb)
    }

    /// Scannable stacks and globals, MB (0 before Go 1.19, which does not
    /// print them): since Go 1.18 the pacer sets the heap goal from the
    /// live heap plus these (live + (live + stacks + globals) × GOGC/100).
    pub fn roots_mb(&self) -> u64 {
        self.stacks_mb
            .unwrap_or(0)
            .saturating_add(self.globals_mb.unwrap_or(0))
    }
}

/// A scavenger line (the runtime returning memory to the OS).
#[derive(Debug, Clone, PartialEq)]
pub enum Scavenge {
    /// `scvgN: N MB released` (Go ≤ 1.12; `scvg-1:` for a forced pass,
    /// debug.FreeOSMemory), `scvg: …` (1.13–1.14), `forced scvg: …`:
    /// bytes released by this pass.
    Released { line: usize, bytes: u64 },
    /// `scvgN: inuse: a, idle: b, sys: c, released: d, consumed: e (MB)`.
    Status {
        line: usize,
        inuse_mb: u64,
        idle_mb: u64,
        sys_mb: u64,
        released_mb: u64,
        consumed_mb: u64,
    },
    /// `scav [gen] N KiB work, M KiB total, P% util` (Go 1.15–1.19,
    /// `GODEBUG=scavtrace=1`), `scav B KiB work (bg), E KiB work (eager),
    /// M KiB now, P% util` (Go 1.20 and later: background and eager work
    /// added up): released by this pass, released in total (now), heap
    /// utilization.
    Work {
        line: usize,
        work_bytes: u64,
        total_bytes: u64,
        util_percent: u64,
    },
}

impl Scavenge {
    /// The 1-based line of the log.
    pub fn line(&self) -> usize {
        match *self {
            Scavenge::Released { line, .. }
            | Scavenge::Status { line, .. }
            | Scavenge::Work { line, .. } => line,
        }
    }
}

/// A parsed log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    pub cycles: Vec<Cycle>,
    pub scavenges: Vec<Scavenge>,
    /// The first [`MALFORMED_KEPT`] lines that look like GC or scavenger
    /// lines but do not parse.
    pub malformed: Vec<usize>,
    /// How many lines look like GC or scavenger lines but do not parse.
    pub malformed_count: usize,
    /// Lines of other output (the program's own).
    pub other_lines: usize,
    pub total_lines: usize,
}

struct Patterns {
    gc_hint: Regex,
    gc: Regex,
    scav_hint: Regex,
    scvg_released: Regex,
    scvg_status: Regex,
    scav: Regex,
    scav_now: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let n = r"([0-9]+)";
        let f = r"([0-9]+(?:\.[0-9]+)?)";
        let re = |p: &str| Regex::new(p).expect("static regex");
        Patterns {
            gc_hint: re(r"gc #?[0-9]+ @"),
            // The clock and CPU fields are split by `parse_cycle`: three
            // or five phases (see the module's doc).
            gc: re(&[
                format!(r"gc #?{n} @{f}s {n}%: "),
                r"([0-9.]+(?:\+[0-9.]+)*) ms clock, ".to_string(),
                r"([0-9.]+(?:[+/][0-9.]+)*) ms cpu, ".to_string(),
                format!(r"{n}->{n}->{n} MB, {n} MB goal, "),
                format!(r"(?:{n} MB stacks, )?(?:{n} MB globals, )?{n} P( \(forced\))?"),
            ]
            .concat()),
            scav_hint: re(r"scvg-?[0-9]*:|scav [0-9]"),
            scvg_released: re(&format!(r"scvg-?[0-9]*: {n} (MB|KB) released")),
            scvg_status: re(&format!(
                r"scvg-?[0-9]*: inuse: {n}, idle: {n}, sys: {n}, released: {n}, consumed: {n} \(MB\)"
            )),
            scav: re(&format!(
                r"scav (?:[0-9]+ )?{n} (?:KiB|KB) work, {n} (?:KiB|KB) total, {n}% util"
            )),
            scav_now: re(&format!(
                r"scav {n} KiB work \(bg\), {n} KiB work \(eager\), {n} KiB now, {n}% util"
            )),
        }
    })
}

fn num<T: std::str::FromStr>(c: &regex::Captures<'_>, i: usize) -> Option<T> {
    c.get(i)?.as_str().parse().ok()
}

/// A time the runtime printed (fmtNSAsMS: digits, at most one point).
fn ms(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Splits `a+b+c` into exactly `N` times.
fn times<const N: usize>(text: &str, separators: &[char]) -> Option<[f64; N]> {
    let mut out = [0.0; N];
    let mut parts = text.split(separators);
    for slot in &mut out {
        *slot = ms(parts.next()?)?;
    }
    parts.next().is_none().then_some(out)
}

/// The clock and CPU fields as `Cycle` keeps them, and the Go 1.5/1.6
/// phases when the line has five.
fn phases(clock: &str, cpu: &str) -> Option<([f64; 3], [f64; 5], Option<EarlyPhases>)> {
    if let Some(c) = times::<3>(clock, &['+']) {
        // `a+b/c/d+e`: the slashes only between the mark times.
        let (a, rest) = cpu.split_once('+')?;
        let (mark, e) = rest.rsplit_once('+')?;
        let [assist, background, idle] = times::<3>(mark, &['/'])?;
        return Some((c, [ms(a)?, assist, background, idle, ms(e)?], None));
    }
    let [sweep, scan, sync, mark, term] = times::<5>(clock, &['+'])?;
    let mut fields = cpu.split('+');
    let sweep_cpu = ms(fields.next()?)?;
    let scan_cpu = ms(fields.next()?)?;
    let sync_cpu = ms(fields.next()?)?;
    let [assist, background, idle] = times::<3>(fields.next()?, &['/'])?;
    let term_cpu = ms(fields.next()?)?;
    if fields.next().is_some() {
        return None;
    }
    Some((
        [sweep, scan + sync + mark, term],
        [
            sweep_cpu,
            assist,
            scan_cpu + sync_cpu + background,
            idle,
            term_cpu,
        ],
        Some(EarlyPhases {
            scan_ms: scan,
            synchronize_ms: sync,
            mark_ms: mark,
            scan_cpu_ms: scan_cpu,
            synchronize_cpu_ms: sync_cpu,
        }),
    ))
}

fn parse_cycle(line: &str, number: usize) -> Option<Cycle> {
    let c = patterns().gc.captures(line)?;
    let (clock_ms, cpu_ms, early) = phases(c.get(4)?.as_str(), c.get(5)?.as_str())?;
    Some(Cycle {
        line: number,
        number: num(&c, 1)?,
        at_s: ms(c.get(2)?.as_str())?,
        cpu_percent: num(&c, 3)?,
        clock_ms,
        cpu_ms,
        heap_start_mb: num(&c, 6)?,
        heap_end_mb: num(&c, 7)?,
        live_mb: num(&c, 8)?,
        goal_mb: num(&c, 9)?,
        stacks_mb: c.get(10).and_then(|m| m.as_str().parse().ok()),
        globals_mb: c.get(11).and_then(|m| m.as_str().parse().ok()),
        procs: num(&c, 12)?,
        forced: c.get(13).is_some(),
        early,
    })
}

fn parse_scavenge(line: &str, number: usize) -> Option<Scavenge> {
    let p = patterns();
    if let Some(c) = p.scav_now.captures(line) {
        let work = num::<u64>(&c, 1)?.saturating_add(num(&c, 2)?);
        return Some(Scavenge::Work {
            line: number,
            work_bytes: work.saturating_mul(1024),
            total_bytes: num::<u64>(&c, 3)?.saturating_mul(1024),
            util_percent: num(&c, 4)?,
        });
    }
    if let Some(c) = p.scav.captures(line) {
        // KB in the runtime's output means 1024 bytes, as KiB does.
        return Some(Scavenge::Work {
            line: number,
            work_bytes: num::<u64>(&c, 1)?.saturating_mul(1024),
            total_bytes: num::<u64>(&c, 2)?.saturating_mul(1024),
            util_percent: num(&c, 3)?,
        });
    }
    if let Some(c) = p.scvg_status.captures(line) {
        return Some(Scavenge::Status {
            line: number,
            inuse_mb: num(&c, 1)?,
            idle_mb: num(&c, 2)?,
            sys_mb: num(&c, 3)?,
            released_mb: num(&c, 4)?,
            consumed_mb: num(&c, 5)?,
        });
    }
    if let Some(c) = p.scvg_released.captures(line) {
        let v: u64 = num(&c, 1)?;
        let bytes = match c.get(2)?.as_str() {
            "MB" => v.saturating_mul(1 << 20),
            _ => v.saturating_mul(1 << 10),
        };
        return Some(Scavenge::Released {
            line: number,
            bytes,
        });
    }
    None
}

/// How many malformed line numbers a [`Trace`] keeps (the rest are
/// counted).
pub const MALFORMED_KEPT: usize = 1000;

/// What a cycle and a scavenger line are charged against the memory
/// budget: as kept, and (for a cycle) the figures the report computes
/// from it.
const CYCLE_COST: u64 = size_of::<Cycle>() as u64 + 80;
const SCAVENGE_COST: u64 = size_of::<Scavenge>() as u64;

/// The cycles and scavenger lines of a log would take more memory than
/// the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    pub line: usize,
    pub limit: u64,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}: the GC cycles read pass the memory limit of {} bytes (-max_size/{}); \
             raise it with -max_size=BYTES",
            self.line,
            self.limit,
            crate::input::MEMORY_SHARE
        )
    }
}

impl std::error::Error for TooLarge {}

/// Parses a log. Never fails: what does not parse is counted.
pub fn parse(text: &str) -> Trace {
    parse_within(text, u64::MAX, u64::MAX).unwrap_or_default()
}

/// [`parse`], the cycles and scavenger lines kept taking at most `left`
/// bytes of memory (what the budget of `limit` bytes has left). Only that
/// fails.
pub fn parse_within(text: &str, left: u64, limit: u64) -> Result<Trace, TooLarge> {
    let p = patterns();
    let mut t = Trace::default();
    let mut used = 0u64;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        t.total_lines += 1;
        let kept = if p.gc_hint.is_match(line) {
            parse_cycle(line, number).map(|c| {
                t.cycles.push(c);
                CYCLE_COST
            })
        } else if p.scav_hint.is_match(line) {
            parse_scavenge(line, number).map(|s| {
                t.scavenges.push(s);
                SCAVENGE_COST
            })
        } else {
            t.other_lines += 1;
            Some(0)
        };
        match kept {
            Some(cost) => {
                used += cost;
                if used > left {
                    return Err(TooLarge {
                        line: number,
                        limit,
                    });
                }
            }
            None => {
                t.malformed_count += 1;
                if t.malformed.len() < MALFORMED_KEPT {
                    t.malformed.push(number);
                }
            }
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO119: &str = "gc 7 @0.090s 1%: 0.014+2.7+0.003 ms clock, \
        0.029+0.34/0.062/0.19+0.007 ms cpu, 10->11->6 MB, 11 MB goal, 0 MB stacks, \
        0 MB globals, 2 P";

    #[test]
    fn parses_a_go_1_19_line() {
        let t = parse(GO119);
        assert_eq!(t.cycles.len(), 1);
        let c = &t.cycles[0];
        assert_eq!(c.number, 7);
        assert_eq!(c.at_s, 0.090);
        assert_eq!(c.cpu_percent, 1);
        assert_eq!(c.clock_ms, [0.014, 2.7, 0.003]);
        assert_eq!(c.cpu_ms, [0.029, 0.34, 0.062, 0.19, 0.007]);
        assert_eq!(
            (c.heap_start_mb, c.heap_end_mb, c.live_mb, c.goal_mb),
            (10, 11, 6, 11)
        );
        assert_eq!((c.stacks_mb, c.globals_mb, c.procs), (Some(0), Some(0), 2));
        assert!(!c.forced);
        assert_eq!(c.stw_ms(), 0.017);
        assert_eq!(c.reclaimed_mb(), 5);
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// Go 1.5: cycle 554 of a program on 8 Ps, quoted in golang/go#15068
    /// ("runtime: efficiency of collection 1.5.3 vs 1.6", the "1.5" log).
    #[test]
    fn a_go_1_5_line_is_folded_onto_three_phases() {
        let t = parse(
            "gc 554 @65.900s 14%: 8.5+72+17+18+9.7 ms clock, 68+72+0+35/0.41/0+78 ms cpu, \
             944->1825->1293 MB, 1294 MB goal, 8 P",
        );
        assert!(t.malformed.is_empty());
        let c = &t.cycles[0];
        assert_eq!((c.number, c.cpu_percent, c.procs), (554, 14, 8));
        // Sweep termination and mark termination stop the world: 8.5 + 9.7.
        assert!(close(c.stw_ms(), 18.2));
        // Scan, synchronize Ps and mark run concurrently: 72 + 17 + 18.
        assert_eq!(c.clock_ms, [8.5, 107.0, 9.7]);
        // The scan's CPU (72 ms, the GC goroutine's) and synchronize Ps'
        // (0) count as background marking: 72 + 0 + 0.41.
        assert_eq!([c.cpu_ms[0], c.cpu_ms[1]], [68.0, 35.0]);
        assert!(close(c.cpu_ms[2], 72.41));
        assert_eq!([c.cpu_ms[3], c.cpu_ms[4]], [0.0, 78.0]);
        assert_eq!(
            (c.heap_start_mb, c.heap_end_mb, c.live_mb, c.goal_mb),
            (944, 1825, 1293, 1294)
        );
        assert_eq!((c.stacks_mb, c.globals_mb, c.roots_mb()), (None, None, 0));
        assert_eq!(
            c.early,
            Some(EarlyPhases {
                scan_ms: 72.0,
                synchronize_ms: 17.0,
                mark_ms: 18.0,
                scan_cpu_ms: 72.0,
                synchronize_cpu_ms: 0.0,
            })
        );
        assert!(!c.forced);
    }

    /// Go 1.6 prints Go 1.5's shape with scan and synchronize Ps always 0
    /// (its gcMarkTermination sets both phases' times to the mark's start;
    /// golang/go#13536). No real Go 1.6 log was found to quote: this line
    /// is built to that source. A forced cycle of Go 1.5 runs all its
    /// phases with the world stopped, which the line shows as 0 ms of
    /// marking (gc 59 of golang/go#15068's Go 1.5.3 log). The `gc #88`
    /// spelling is gcvis's test line for Go 1.6 (davecheney/gcvis,
    /// parser_test.go); releases print `gc 88`.
    #[test]
    fn go_1_6_lines_forced_early_cycles_and_the_hash_spelling() {
        let t = parse(
            "gc 12 @1.204s 3%: 0.050+0+0+4.2+0.31 ms clock, 0.20+0+0+1.1/3.9/2.0+1.2 ms cpu, \
             9->10->5 MB, 10 MB goal, 4 P\n\
             gc 59 @5.182s 0%: 0.092+0+0+0+6.8 ms clock, 0.37+0+0+4.1/0.025/5.8+27 ms cpu, \
             79->79->79 MB, 79 MB goal, 32 P (forced)\n\
             gc #88 @3.243s 9%: 0.040+16+1.0+5.9+0.34 ms clock, 0.16+16+0+18/5.7/11+1.3 ms cpu, \
             32->33->19 MB, 33 MB goal, 4 P\n",
        );
        assert!(t.malformed.is_empty(), "{:?}", t.malformed);
        let [go16, forced, hash] = &t.cycles[..] else {
            panic!("{:?}", t.cycles)
        };
        assert_eq!(go16.clock_ms, [0.050, 4.2, 0.31]);
        assert_eq!(go16.cpu_ms, [0.20, 1.1, 3.9, 2.0, 1.2]);
        assert_eq!(
            (
                go16.early.unwrap().scan_ms,
                go16.early.unwrap().synchronize_ms
            ),
            (0.0, 0.0)
        );
        assert!(forced.forced && forced.clock_ms[1] == 0.0);
        assert!(close(forced.stw_ms(), 6.892));
        assert_eq!((hash.number, hash.clock_ms), (88, [0.040, 22.9, 0.34]));
    }

    #[test]
    fn phases_of_one_era_with_times_of_another_do_not_parse() {
        let t = parse(
            // Three clock phases, seven CPU times.
            "gc 1 @0.1s 1%: 1+2+3 ms clock, 1+2+0+1/2/3+4 ms cpu, 4->4->1 MB, 5 MB goal, 4 P\n\
             gc 2 @0.2s 1%: 1+2+3+4+5 ms clock, 1+1/2/3+4 ms cpu, 4->4->1 MB, 5 MB goal, 4 P\n\
             gc 3 @0.3s 1%: 1+2+3+4 ms clock, 1+1/2/3+4 ms cpu, 4->4->1 MB, 5 MB goal, 4 P\n\
             gc 4 @0.4s 1%: 1+2+3+4+5 ms clock, 1+2+0+1/2/3+4+5 ms cpu, 4->4->1 MB, 5 MB goal, 4 P\n\
             gc 5 @0.5s 1%: 1.2.3+2+3 ms clock, 1+1/2/3+4 ms cpu, 4->4->1 MB, 5 MB goal, 4 P\n",
        );
        assert!(t.cycles.is_empty(), "{:?}", t.cycles);
        assert_eq!(t.malformed, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn older_lines_forced_cycles_and_log_prefixes() {
        // Go 1.7–1.17: no stacks/globals.
        let t = parse(
            "2024/05/01 10:00:00 app: gc 12 @3.201s 2%: 0.1+5+0.2 ms clock, \
             0.4+1/2/3+0.8 ms cpu, 40->41->20 MB, 42 MB goal, 8 P (forced)\n",
        );
        let c = &t.cycles[0];
        assert_eq!(
            (c.number, c.stacks_mb, c.procs, c.forced),
            (12, None, 8, true)
        );
        assert_eq!(t.other_lines, 0);
    }

    #[test]
    fn scavenger_lines_of_every_era() {
        let t = parse(
            "scvg3: 12 MB released\n\
             scvg3: inuse: 5, idle: 20, sys: 25, released: 12, consumed: 13 (MB)\n\
             forced scvg: 1 MB released\n\
             scvg: 256 KB released\n\
             scav 0 KiB work, 2544 KiB total, 81% util\n\
             scav 12 64 KB work, 128 KB total, 50% util (forced)\n\
             scvg-1: 2740 MB released\n\
             scvg-1: inuse: 1, idle: 2, sys: 3, released: 2, consumed: 1 (MB)\n\
             scav 16 KiB work (bg), 48 KiB work (eager), 3072 KiB now, 97% util\n\
             scav 0 KiB work (bg), 0 KiB work (eager), 0 KiB now, 12% util [controller reset]\n",
        );
        assert!(t.malformed.is_empty(), "{:?}", t.malformed);
        assert_eq!(t.other_lines, 0);
        assert_eq!(
            t.scavenges,
            [
                Scavenge::Released {
                    line: 1,
                    bytes: 12 << 20
                },
                Scavenge::Status {
                    line: 2,
                    inuse_mb: 5,
                    idle_mb: 20,
                    sys_mb: 25,
                    released_mb: 12,
                    consumed_mb: 13
                },
                Scavenge::Released {
                    line: 3,
                    bytes: 1 << 20
                },
                Scavenge::Released {
                    line: 4,
                    bytes: 256 << 10
                },
                Scavenge::Work {
                    line: 5,
                    work_bytes: 0,
                    total_bytes: 2544 << 10,
                    util_percent: 81
                },
                Scavenge::Work {
                    line: 6,
                    work_bytes: 64 << 10,
                    total_bytes: 128 << 10,
                    util_percent: 50
                },
                Scavenge::Released {
                    line: 7,
                    bytes: 2740 << 20
                },
                Scavenge::Status {
                    line: 8,
                    inuse_mb: 1,
                    idle_mb: 2,
                    sys_mb: 3,
                    released_mb: 2,
                    consumed_mb: 1
                },
                // Background and eager work added: 16 + 48 KiB.
                Scavenge::Work {
                    line: 9,
                    work_bytes: 64 << 10,
                    total_bytes: 3072 << 10,
                    util_percent: 97
                },
                Scavenge::Work {
                    line: 10,
                    work_bytes: 0,
                    total_bytes: 0,
                    util_percent: 12
                },
            ]
        );
    }

    #[test]
    fn damaged_lines_are_listed_and_other_output_counted() {
        let text = format!(
            "starting\n{GO119}\ngc 8 @0.1s 1%: 0.0\ngc 9 @0.2s 1%: 1+1+1 ms clock, \
             1+1/1/1+1 ms cpu, 1-#2->1 M?, 2 MB goal, 2 P\nscvg: garbage\ndone\n"
        );
        let t = parse(&text);
        assert_eq!(t.cycles.len(), 1);
        assert_eq!(t.malformed, [3, 4, 5]);
        assert_eq!(t.other_lines, 2);
        assert_eq!(t.total_lines, 6);
    }

    #[test]
    fn a_gc_line_glued_to_other_output_is_found() {
        let t = parse(&format!("round 3 d{GO119}"));
        assert_eq!(t.cycles.len(), 1);
        assert_eq!(t.cycles[0].number, 7);
    }

    #[test]
    fn nothing_is_fatal() {
        let t = parse("\u{0}\u{ff}gc 1 @\n\n");
        assert_eq!(t.cycles.len(), 0);
        assert_eq!(t.malformed, [1]);
        let t = parse("gc 99999999999999999999999 @1.0s 1%: 1+1+1 ms clock, 1+1/1/1+1 ms cpu, 1->1->1 MB, 1 MB goal, 1 P");
        assert_eq!(t.malformed, [1]);
    }
}
