//! The lines of a legacy heap profile other than symbols and the memory
//! map: the header, the sample rows, and pprof's regular expressions that
//! read them (the memory map's too).

use std::sync::OnceLock;

use regex::Regex;

use super::symbols::Symbol;
use super::LegacyError;

/// The regular expressions of pprof's legacy heap parser, with `\d` spelled
/// as ASCII digits (Go's `\d` is ASCII; Rust's is Unicode).
pub(super) struct Patterns {
    heap_header: Regex,
    growth_header: Regex,
    fragmentation_header: Regex,
    sample: Regex,
    hex: Regex,
    pub(super) proc_maps: Regex,
    pub(super) brief_maps: Regex,
    pub(super) log_prefix: Regex,
}

pub(super) fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let counts = r"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\]";
        // Go's \s and \S: ASCII whitespace only.
        let s = r"[\t\n\f\r ]";
        let ns = r"[^\t\n\f\r ]";
        let hex_range = format!(r"{s}*(?:0x)?([[:xdigit:]]+)[\t\n\f\r -]?{s}*(?:0x)?([[:xdigit:]]+):?");
        let perm = format!(r"(?:{s}+([-rwxp]+))?");
        let re = |p: &str| Regex::new(p).expect("static regex");
        Patterns {
            heap_header: re(&format!(r"{counts} *@ *(heap[_a-z0-9]*)/?([0-9]*)")),
            growth_header: re(&format!(r"{counts} @ growthz?")),
            fragmentation_header: re(&format!(r"{counts} @ fragmentationz?")),
            sample: re(r"(-?[0-9]+): *(-?[0-9]+) *\[ *([0-9]+): *([0-9]+) *] @([ x0-9a-f]*)"),
            hex: re(r"0x[0-9a-f]+"),
            proc_maps: re(&format!(
                r"^{hex_range}{perm}(?:{s}+([[:xdigit:]]+))?{s}+[[:xdigit:]]+:[[:xdigit:]]+{s}+[[:digit:]]+(?:{s}+({ns}+))?"
            )),
            brief_maps: re(&format!(
                r"^{hex_range}{perm}(?:{s}+({ns}+))?(?:{s}+\(@([[:xdigit:]]+)\))?(?:{s}+([[:xdigit:]]+))?"
            )),
            log_prefix: re(r"^[^\[\]]+:[0-9]+]\s"),
        }
    })
}

/// The first line that is not blank, without surrounding whitespace.
fn first_line(text: &str) -> Option<(usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i, l.trim().trim_start_matches('\u{feff}')))
        .find(|(_, l)| !l.is_empty())
}

/// Whether `data` is a legacy text heap profile: its first non-blank line
/// is a `heap profile: …` header.
pub fn is_legacy_heap(data: &[u8]) -> bool {
    // The header is short; look at the start only.
    let head = &data[..data.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    if super::heapz::is_heapz(&text) || super::jemalloc::is_jemalloc(&text) {
        return true;
    }
    let Some((_, line)) = first_line(&text) else {
        return false;
    };
    let p = patterns();
    line.contains("heap profile:")
        && (p.heap_header.is_match(line)
            || p.growth_header.is_match(line)
            || p.fragmentation_header.is_match(line))
}

/// What the header says about the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Header {
    /// Rows are Poisson-sampled and must be scaled up by `period`.
    scaled: bool,
    pub(super) period: i64,
    /// Four sample types (alloc and in-use) rather than two.
    pub(super) has_alloc: bool,
}

pub(super) fn parse_header(line: &str) -> Result<Header, LegacyError> {
    let p = patterns();
    if let Some(c) = p.heap_header.captures(line) {
        let group = |i: usize| c.get(i).map_or("", |m| m.as_str());
        let mut period = 0i64;
        if !group(6).is_empty() {
            period = group(6).parse().map_err(|_| LegacyError::BadPeriod {
                period: group(6).to_string(),
            })?;
        }
        // pprof reads a period of 0 as "unscaled"; but the sampled kinds
        // only have rows worth reading when something was sampled.
        if period == 0 && !group(6).is_empty() && group(5) != "heapprofile" {
            return Err(LegacyError::ZeroPeriod {
                header: c.get(0).map_or("", |m| m.as_str()).to_string(),
            });
        }
        // pprof compares the numbers as written.
        let has_alloc =
            (group(3) != group(1) && group(3) != "0") || (group(4) != group(2) && group(4) != "0");
        let (scaled, period) = match group(5) {
            "heapz_v2" | "heap_v2" => (true, period),
            "heapprofile" => (false, 1),
            // Go writes 2 × MemProfileRate after `heap/`, as early tcmalloc did.
            "heap" => (true, period / 2),
            kind => {
                return Err(LegacyError::UnknownKind {
                    kind: kind.to_string(),
                })
            }
        };
        return Ok(Header {
            scaled,
            period,
            has_alloc,
        });
    }
    if p.growth_header.is_match(line) || p.fragmentation_header.is_match(line) {
        // growthz and fragmentationz: two unscaled types.
        return Ok(Header {
            scaled: false,
            period: 1,
            has_alloc: false,
        });
    }
    Err(LegacyError::NoHeader)
}

/// pprof's `scaleHeapSample`: the estimate of what a Poisson-sampled record
/// stands for, each of its objects having been recorded with probability
/// 1 − e^(−size/rate). Truncated to integers, as pprof does.
pub fn scale_heap_sample(count: i64, size: i64, rate: i64) -> (i64, i64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, size);
    }
    let avg = size as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-avg / rate as f64).exp());
    ((count as f64 * scale) as i64, (size as f64 * scale) as i64)
}

pub(super) fn parse_hex(s: &str) -> Option<u64> {
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    u64::from_str_radix(digits, 16).ok()
}

/// One record: its values (already unsampled), block size, addresses and
/// the symbol lines that follow it.
pub(super) struct Row {
    pub(super) values: Vec<i64>,
    pub(super) block_size: i64,
    pub(super) addrs: Vec<u64>,
    pub(super) symbols: Vec<Symbol>,
}

fn excerpt(line: &str) -> String {
    const MAX: usize = 80;
    match line.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

pub(super) fn parse_row(line: &str, number: usize, h: &Header) -> Result<Row, LegacyError> {
    let p = patterns();
    let c = p
        .sample
        .captures(line)
        .ok_or_else(|| LegacyError::NotARow {
            line: number,
            text: excerpt(line),
        })?;
    let group = |i: usize| c.get(i).map_or("", |m| m.as_str());
    let int = |s: &str| -> Result<i64, LegacyError> {
        s.parse().map_err(|_| LegacyError::Number {
            line: number,
            text: s.to_string(),
        })
    };
    let mut values = Vec::with_capacity(4);
    let mut block_size = 0;
    let mut add = |count: &str, size: &str, what: &'static str| -> Result<(), LegacyError> {
        let (mut count, mut size) = (int(count)?, int(size)?);
        if count == 0 && size != 0 {
            return Err(LegacyError::ZeroCount {
                line: number,
                what,
                bytes: size,
            });
        }
        if count != 0 {
            block_size = size.wrapping_div(count);
            if h.scaled {
                (count, size) = scale_heap_sample(count, size, h.period);
            }
        }
        values.push(count);
        values.push(size);
        Ok(())
    };
    if h.has_alloc {
        add(group(3), group(4), "allocation")?;
    }
    add(group(1), group(2), "inuse")?;
    let addrs = p
        .hex
        .find_iter(group(5))
        .map(|m| {
            parse_hex(m.as_str()).ok_or_else(|| LegacyError::Number {
                line: number,
                text: m.as_str().to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Row {
        values,
        block_size,
        addrs,
        symbols: Vec::new(),
    })
}

/// pprof's sentinels for the memory map that ends the rows.
pub(super) fn is_memory_map_sentinel(line: &str) -> bool {
    line.contains("--- Memory map: ---") || line.contains("MAPPED_LIBRARIES:")
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_matches_pprof_edge_cases() {
        assert_eq!(scale_heap_sample(0, 0, 524288), (0, 0));
        // Zero bytes: pprof returns zeros even with a count.
        assert_eq!(scale_heap_sample(3, 0, 524288), (0, 0));
        // Rate 1 (MemProfileRate = 1, `heap/2`) or unknown: unscaled.
        assert_eq!(scale_heap_sample(3, 48, 1), (3, 48));
        assert_eq!(scale_heap_sample(3, 48, 0), (3, 48));
    }

    #[test]
    fn detection_is_by_content() {
        assert!(is_legacy_heap(
            b"heap profile: 1: 2 [3: 4] @ heap/1048576\n"
        ));
        assert!(is_legacy_heap(
            b"\n  \nheap profile: 1: 2 [3: 4] @ heap/2\r\n"
        ));
        assert!(is_legacy_heap(b"heap profile: 1: 2 [3: 4] @ growthz\n"));
        assert!(!is_legacy_heap(b"heap profile: nothing\n"));
        assert!(!is_legacy_heap(b"\x1f\x8b\x08"));
        assert!(!is_legacy_heap(b""));
    }
}
