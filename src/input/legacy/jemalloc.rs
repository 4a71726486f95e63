//! jemalloc's own heap profile text, what its `prof.dump` mallctl and
//! `prof_final`/`prof_gdump` write (`heap_v2/R`, then `t*:` and `tN:`
//! count lines, `@ 0xaddr ...` stacks each followed by their counts, then
//! `MAPPED_LIBRARIES:` and the process's memory map). pprof 1.25.5 does not
//! read it; heapscope reads it as pprof reads tcmalloc's `heap_v2` text.
//!
//! Each stack's `t*: curobjs: curbytes [accumobjs: accumbytes]` line (the
//! sum over threads; the `tN:` lines per thread are skipped) is one sample.
//! R is 2^`lg_prof_sample`, the mean number of bytes between samples; each
//! pair is unsampled as jeprof and pprof unsample `heap_v2`: multiplied by
//! 1/(1 − e^(−(bytes/objects)/R)). The sample types are `inuse_objects` and
//! `inuse_space`, with `alloc_objects` and `alloc_space` before them when
//! the profile counts allocations too (`prof_accum:true`: the header's
//! accumulated pair is not zero). Addresses are return addresses, one
//! location each minus one, and are given no names (no symbols are in the
//! file): reports name them by the memory map's binaries, as pprof names
//! unsymbolized legacy frames.

use std::sync::OnceLock;

use regex::Regex;

use super::builder::{Builder, ROW_BYTE_COST};
use super::mappings::MapReader;
use super::parse::{parse_hex, Row};
use super::{scale_heap_sample, LegacyError};
use crate::profile::Profile;

struct Patterns {
    header: Regex,
    counts: Regex,
    thread: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("a valid pattern");
        let pair = r"([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\]";
        Patterns {
            header: re(r"^heap_v2/([0-9]+)$"),
            counts: re(&format!(r"^t\*: *{pair}$")),
            thread: re(&format!(r"^t[0-9]+: *{pair}$")),
        }
    })
}

/// Whether `text`'s first line is jemalloc's `heap_v2/R` header.
pub(super) fn is_jemalloc(text: &str) -> bool {
    let first = text.lines().next().unwrap_or("");
    patterns().header.is_match(first.trim_end())
}

/// The four numbers of a `t*:` line, as written.
fn counts(c: &regex::Captures<'_>, line: usize) -> Result<[i64; 4], LegacyError> {
    let mut out = [0i64; 4];
    for (i, v) in out.iter_mut().enumerate() {
        let s = &c[i + 1];
        *v = s.parse().map_err(|_| LegacyError::Number {
            line,
            text: s.to_string(),
        })?;
    }
    Ok(out)
}

/// One stack's counts as sample values: each (objects, bytes) pair
/// unsampled at `period`, the allocated pair first when there is one.
fn row_values(
    n: [i64; 4],
    has_alloc: bool,
    period: i64,
    line: usize,
) -> Result<(Vec<i64>, i64), LegacyError> {
    let mut values = Vec::with_capacity(4);
    let mut block_size = 0;
    let pairs: &[(i64, i64, &'static str)] = if has_alloc {
        &[(n[2], n[3], "allocation"), (n[0], n[1], "inuse")]
    } else {
        &[(n[0], n[1], "inuse")]
    };
    for &(count, bytes, what) in pairs {
        if count == 0 && bytes != 0 {
            return Err(LegacyError::ZeroCount { line, what, bytes });
        }
        if count != 0 {
            block_size = bytes / count;
        }
        let (count, bytes) = scale_heap_sample(count, bytes, period);
        values.push(count);
        values.push(bytes);
    }
    Ok((values, block_size))
}

fn unexpected(line: usize, text: &str) -> LegacyError {
    LegacyError::JemallocLine {
        line,
        text: text.chars().take(80).collect(),
    }
}

/// Decodes a jemalloc heap profile (`text` starts with `heap_v2/R`) within
/// `limit` bytes of memory.
pub(super) fn decode(text: &str, limit: u64) -> Result<Profile, LegacyError> {
    let p = patterns();
    let mut lines = text.lines().enumerate();
    let first = lines.next().map_or("", |(_, l)| l.trim_end());
    let c = p.header.captures(first).ok_or(LegacyError::NoHeader)?;
    let period: i64 = c[1].parse().map_err(|_| LegacyError::BadPeriod {
        period: c[1].to_string(),
    })?;
    if period == 0 {
        return Err(LegacyError::ZeroPeriod {
            header: first.to_string(),
        });
    }

    // The totals (`t*:`) and each thread's (`tN:`), up to the first stack.
    let mut lines = lines.peekable();
    let mut totals = None;
    while let Some(&(i, raw)) = lines.peek() {
        let line = raw.trim();
        if line.starts_with('@') || line == "MAPPED_LIBRARIES:" {
            break;
        }
        if let Some(c) = p.counts.captures(line) {
            totals = Some(counts(&c, i + 1)?);
        } else if !line.is_empty() && !p.thread.is_match(line) {
            return Err(unexpected(i + 1, line));
        }
        lines.next();
    }
    let has_alloc = totals.is_some_and(|t| t[2] != 0 || t[3] != 0);
    let sample_types: &[(&str, &str)] = if has_alloc {
        &[
            ("alloc_objects", "count"),
            ("alloc_space", "bytes"),
            ("inuse_objects", "count"),
            ("inuse_space", "bytes"),
        ]
    } else {
        &[("inuse_objects", "count"), ("inuse_space", "bytes")]
    };
    let mut b = Builder::new(sample_types.len(), limit)?;

    // Stacks, each with its counts; then the memory map.
    let mut stack: Option<(usize, Vec<u64>)> = None;
    let mut map_reader = MapReader::default();
    let mut in_map = false;
    for (i, raw) in lines {
        b.budget.line = i + 1;
        if in_map {
            map_reader.read(raw, &mut b.budget)?;
            continue;
        }
        let line = raw.trim();
        if line.is_empty() || p.thread.is_match(line) {
            continue;
        }
        if line == "MAPPED_LIBRARIES:" {
            in_map = true;
            continue;
        }
        if let Some(addrs) = line.strip_prefix('@') {
            if let Some((at, _)) = stack {
                return Err(LegacyError::JemallocNoCounts { line: at });
            }
            b.budget.row = line.len() as u64 * ROW_BYTE_COST;
            b.budget.check(0)?;
            let addrs = addrs
                .split_ascii_whitespace()
                .map(|a| parse_hex(a).ok_or_else(|| unexpected(i + 1, line)))
                .collect::<Result<Vec<_>, _>>()?;
            stack = Some((i + 1, addrs));
            continue;
        }
        let Some(c) = p.counts.captures(line) else {
            return Err(unexpected(i + 1, line));
        };
        let Some((_, addrs)) = stack.take() else {
            return Err(unexpected(i + 1, line));
        };
        let (values, block_size) = row_values(counts(&c, i + 1)?, has_alloc, period, i + 1)?;
        b.add_row(Row {
            values,
            block_size,
            addrs,
            symbols: Vec::new(),
        })?;
    }
    if let Some((at, _)) = stack {
        return Err(LegacyError::JemallocNoCounts { line: at });
    }
    super::finish(b, sample_types, period, map_reader.entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dump as jemalloc 5.3 writes it (`lg_prof_sample:19`), cut short.
    const DUMP: &str = "heap_v2/524288\n\
        \x20 t*: 3: 1064960 [0: 0]\n\
        \x20 t0: 3: 1064960 [0: 0]\n\
        @ 0x55d0c0a0a0e1 0x55d0c0a0b0e2 0x7f0000001003\n\
        \x20 t*: 1: 1048576 [0: 0]\n\
        \x20 t0: 1: 1048576 [0: 0]\n\
        @ 0x55d0c0a0c0e1 0x55d0c0a0b0e2 0x7f0000001003\n\
        \x20 t*: 2: 16384 [0: 0]\n\
        \x20 t0: 2: 16384 [0: 0]\n\
        \n\
        MAPPED_LIBRARIES:\n\
        55d0c0a00000-55d0c0a10000 r-xp 00000000 08:01 1234 /tmp/bin/server\n\
        7f0000000000-7f0000010000 r-xp 00000000 08:01 5678 /usr/lib/libc.so.6\n";

    #[test]
    fn stacks_are_unsampled_as_heap_v2() {
        let p = super::super::decode(DUMP.as_bytes()).unwrap();
        assert_eq!(p.sample_type_names(), ["inuse_objects", "inuse_space"]);
        assert_eq!(p.period, 524288);
        // One 1 MiB object at R = 512 KiB was sampled with probability
        // 1 − e^−2: it stands for 1/(1 − e^−2) = 1.1565… objects,
        // 1048576 × 1.1565… = 1212696.5 bytes, truncated.
        assert_eq!(p.samples.values(0).collect::<Vec<_>>(), [1, 1212696]);
        // Two 8 KiB objects: 1/(1 − e^(−8192/524288)) = 64.5013…, so
        // 2 × 64.5013… = 129.0… objects and 16384 × 64.5013… = 1056789.3…
        // bytes.
        assert_eq!(p.samples.values(1).collect::<Vec<_>>(), [129, 1056789]);
        // pprof's bytes label: the average size as written.
        assert_eq!(p.samples.labels(1)[0].num, 8192);
        // Return addresses, minus one; the shared caller is one location.
        let stack = p.samples.stack(0);
        assert_eq!(p.locations[stack.get(0).index()].address, 0x55d0c0a0a0e0);
        assert_eq!(stack.get(1), p.samples.stack(1).get(1));
        assert_eq!(p.mappings.len(), 2);
        assert_eq!(p.main_binary(), Some("/tmp/bin/server"));
        assert!(p
            .location_lines(&p.locations[stack.get(0).index()])
            .is_empty());
    }

    #[test]
    fn accumulated_counts_give_four_types() {
        let text = "heap_v2/1\n  t*: 1: 16 [2: 48]\n@ 0x11\n  t*: 1: 16 [2: 48]\n";
        let p = super::super::decode(text.as_bytes()).unwrap();
        assert_eq!(
            p.sample_type_names(),
            [
                "alloc_objects",
                "alloc_space",
                "inuse_objects",
                "inuse_space"
            ]
        );
        // R = 1 (lg_prof_sample:0): every allocation recorded, no scaling.
        assert_eq!(p.samples.values(0).collect::<Vec<_>>(), [2, 48, 1, 16]);
    }

    #[test]
    fn detection_and_errors() {
        assert!(is_jemalloc("heap_v2/524288\n  t*: 0: 0 [0: 0]\n"));
        assert!(!is_jemalloc("heap profile: 1: 2 [3: 4] @ heap_v2/524288\n"));
        assert!(super::super::is_legacy_heap(b"heap_v2/1\n"));
        let err = |text: &str| {
            super::super::decode(text.as_bytes())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("heap_v2/2\n@ 0x1\n@ 0x2\n  t*: 1: 2 [0: 0]\n"),
            "line 2: a stack of the jemalloc heap profile without its `t*:` counts"
        );
        assert_eq!(
            err("heap_v2/2\n@ 0x1 zz\n"),
            "line 2: expected `@ 0xaddr ...` or `t*: objects: bytes [objects: bytes]` \
             in a jemalloc heap profile, found \"@ 0x1 zz\""
        );
        assert_eq!(
            err("heap_v2/2\n@ 0x1\n  t*: 0: 2 [0: 0]\n"),
            "line 3: inuse count is 0 but inuse bytes is 2"
        );
        assert!(err("heap_v2/0\n").contains("sampling period of 0"));
        assert!(err("heap_v2/99999999999999999999\n").contains("too large"));
    }

    #[test]
    fn an_empty_dump_is_an_empty_profile() {
        let p = super::super::decode(b"heap_v2/524288\n  t*: 0: 0 [0: 0]\n\nMAPPED_LIBRARIES:\n")
            .unwrap();
        assert!(p.samples.is_empty());
    }
}
