//! Reads a `runtime.MemStats` block: the `# Name = value` lines a debug=1
//! heap profile ends with, or the same lines pasted without `#`.

use std::fmt;

use crate::support::escape;

/// The fields of `runtime.MemStats` that a debug=1 heap profile prints, as
/// read; `None` for a field the input does not have.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemStats {
    pub alloc: Option<u64>,
    pub total_alloc: Option<u64>,
    pub sys: Option<u64>,
    pub lookups: Option<u64>,
    pub mallocs: Option<u64>,
    pub frees: Option<u64>,
    pub heap_alloc: Option<u64>,
    pub heap_sys: Option<u64>,
    pub heap_idle: Option<u64>,
    pub heap_inuse: Option<u64>,
    pub heap_released: Option<u64>,
    pub heap_objects: Option<u64>,
    pub stack_inuse: Option<u64>,
    pub stack_sys: Option<u64>,
    pub mspan_inuse: Option<u64>,
    pub mspan_sys: Option<u64>,
    pub mcache_inuse: Option<u64>,
    pub mcache_sys: Option<u64>,
    pub buck_hash_sys: Option<u64>,
    pub gc_sys: Option<u64>,
    pub other_sys: Option<u64>,
    pub next_gc: Option<u64>,
    pub last_gc: Option<u64>,
    /// The ring of recent stop-the-world pause times (256 entries as the
    /// runtime writes it; fewer when a paste was cut).
    pub pause_ns: Option<Vec<u64>>,
    /// When each pause ended, in nanoseconds since 1970, same ring.
    pub pause_end: Option<Vec<u64>>,
    pub num_gc: Option<u64>,
    pub num_forced_gc: Option<u64>,
    pub gc_cpu_fraction: Option<f64>,
    pub debug_gc: Option<bool>,
    pub max_rss: Option<u64>,
    /// Line (1-based) of the first field read.
    pub first_line: usize,
    /// Line of a second block, when the input has more than one; only the
    /// first is read.
    pub next_block_line: Option<usize>,
}

/// The size of the runtime's pause ring.
pub const PAUSE_RING: usize = 256;

/// Why a MemStats block could not be read. Line numbers are 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemStatsError {
    /// No `Name = value` line of a MemStats field.
    NotFound,
    /// A field whose value is not what the runtime writes.
    Value {
        line: usize,
        field: String,
        text: String,
    },
}

impl fmt::Display for MemStatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemStatsError::NotFound => write!(
                f,
                "no runtime.MemStats block: expected lines like `# HeapAlloc = 139424`, as at the \
                 end of /debug/pprof/heap?debug=1"
            ),
            MemStatsError::Value { line, field, text } => {
                write!(
                    f,
                    "line {line}: {field} = {} is not a valid value",
                    escape::quote(text)
                )
            }
        }
    }
}

impl std::error::Error for MemStatsError {}

/// `Name = value` with or without a leading `#`; `None` for other lines.
fn split_field(line: &str) -> Option<(&str, &str)> {
    let body = line.trim();
    let body = body.strip_prefix('#').unwrap_or(body).trim_start();
    let (name, value) = body.split_once('=')?;
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some((name, value.trim()))
}

fn parse_u64(s: &str) -> Option<u64> {
    s.parse().ok()
}

/// `a / b`, as the runtime prints in-use and obtained bytes.
fn parse_pair(s: &str) -> Option<(u64, u64)> {
    let (a, b) = s.split_once('/')?;
    Some((parse_u64(a.trim())?, parse_u64(b.trim())?))
}

/// `[1 2 3]`, Go's `%d` of an array, of at most [`PAUSE_RING`] values
/// (counted as they are read: a longer one stops there). A paste cut short
/// may lack the `]`.
fn parse_array(s: &str) -> Option<Vec<u64>> {
    let body = s.strip_prefix('[')?;
    let body = body.strip_suffix(']').unwrap_or(body);
    let mut values = Vec::new();
    for word in body.split_whitespace() {
        if values.len() == PAUSE_RING {
            return None;
        }
        values.push(parse_u64(word)?);
    }
    Some(values)
}

/// Reads the first MemStats block of `text`.
pub fn parse(text: &str) -> Result<MemStats, MemStatsError> {
    let mut m = MemStats::default();
    let mut seen: Vec<&str> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let Some((name, value)) = split_field(line) else {
            continue;
        };
        let bad = || MemStatsError::Value {
            line: number,
            field: name.to_string(),
            text: value.chars().take(60).collect(),
        };
        if !is_field(name) {
            continue;
        }
        if seen.contains(&name) {
            m.next_block_line = Some(number);
            break;
        }
        if seen.is_empty() {
            m.first_line = number;
        }
        seen.push(name);
        let u = || parse_u64(value).ok_or_else(bad);
        let pair = || parse_pair(value).ok_or_else(bad);
        match name {
            "Alloc" => m.alloc = Some(u()?),
            "TotalAlloc" => m.total_alloc = Some(u()?),
            "Sys" => m.sys = Some(u()?),
            "Lookups" => m.lookups = Some(u()?),
            "Mallocs" => m.mallocs = Some(u()?),
            "Frees" => m.frees = Some(u()?),
            "HeapAlloc" => m.heap_alloc = Some(u()?),
            "HeapSys" => m.heap_sys = Some(u()?),
            "HeapIdle" => m.heap_idle = Some(u()?),
            "HeapInuse" => m.heap_inuse = Some(u()?),
            "HeapReleased" => m.heap_released = Some(u()?),
            "HeapObjects" => m.heap_objects = Some(u()?),
            "Stack" => (m.stack_inuse, m.stack_sys) = pair().map(|(a, b)| (Some(a), Some(b)))?,
            "MSpan" => (m.mspan_inuse, m.mspan_sys) = pair().map(|(a, b)| (Some(a), Some(b)))?,
            "MCache" => (m.mcache_inuse, m.mcache_sys) = pair().map(|(a, b)| (Some(a), Some(b)))?,
            "BuckHashSys" => m.buck_hash_sys = Some(u()?),
            "GCSys" => m.gc_sys = Some(u()?),
            "OtherSys" => m.other_sys = Some(u()?),
            "NextGC" => m.next_gc = Some(u()?),
            "LastGC" => m.last_gc = Some(u()?),
            "PauseNs" => m.pause_ns = Some(parse_array(value).ok_or_else(bad)?),
            "PauseEnd" => m.pause_end = Some(parse_array(value).ok_or_else(bad)?),
            "NumGC" => m.num_gc = Some(u()?),
            "NumForcedGC" => m.num_forced_gc = Some(u()?),
            "GCCPUFraction" => {
                m.gc_cpu_fraction = Some(
                    value
                        .parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .ok_or_else(bad)?,
                );
            }
            "DebugGC" => {
                m.debug_gc = Some(match value {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad()),
                });
            }
            "MaxRSS" => m.max_rss = Some(u()?),
            _ => {}
        }
    }
    if seen.is_empty() {
        return Err(MemStatsError::NotFound);
    }
    Ok(m)
}

/// The names the runtime's debug=1 writer uses.
const FIELDS: [&str; 27] = [
    "Alloc",
    "TotalAlloc",
    "Sys",
    "Lookups",
    "Mallocs",
    "Frees",
    "HeapAlloc",
    "HeapSys",
    "HeapIdle",
    "HeapInuse",
    "HeapReleased",
    "HeapObjects",
    "Stack",
    "MSpan",
    "MCache",
    "BuckHashSys",
    "GCSys",
    "OtherSys",
    "NextGC",
    "LastGC",
    "PauseNs",
    "PauseEnd",
    "NumGC",
    "NumForcedGC",
    "GCCPUFraction",
    "DebugGC",
    "MaxRSS",
];

fn is_field(name: &str) -> bool {
    FIELDS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_block_of_a_debug1_profile() {
        let text = "heap profile: 1: 2 [3: 4] @ heap/2\n\
                    1: 2 [3: 4] @ 0x1\n\
                    #\t0x0\tmain.f+0x0\t/m.go:1\n\
                    \n\
                    # runtime.MemStats\n\
                    # Alloc = 139424\n\
                    # Stack = 229376 / 229376\n\
                    # MSpan = 21024 / 32544\n\
                    # PauseNs = [38864 0 0]\n\
                    # NumGC = 1\n\
                    # GCCPUFraction = 0.015322986188948617\n\
                    # DebugGC = false\n";
        let m = parse(text).unwrap();
        assert_eq!(m.alloc, Some(139424));
        assert_eq!((m.stack_inuse, m.stack_sys), (Some(229376), Some(229376)));
        assert_eq!((m.mspan_inuse, m.mspan_sys), (Some(21024), Some(32544)));
        assert_eq!(m.pause_ns, Some(vec![38864, 0, 0]));
        assert_eq!(m.num_gc, Some(1));
        assert_eq!(m.gc_cpu_fraction, Some(0.015322986188948617));
        assert_eq!(m.debug_gc, Some(false));
        assert_eq!(m.heap_alloc, None);
        assert_eq!(m.first_line, 6);
    }

    #[test]
    fn lines_without_hash_and_a_second_block() {
        let text = "Alloc = 5\nHeapAlloc = 5\n\nAlloc = 9\n";
        let m = parse(text).unwrap();
        assert_eq!(m.alloc, Some(5));
        assert_eq!(m.next_block_line, Some(4));
    }

    #[test]
    fn bad_values_name_the_line() {
        assert_eq!(
            parse("# Alloc = 1\n# HeapAlloc = lots\n")
                .unwrap_err()
                .to_string(),
            "line 2: HeapAlloc = \"lots\" is not a valid value"
        );
        assert!(parse("# Stack = 1\n").is_err());
        assert!(parse("# GCCPUFraction = NaN\n").is_err());
        assert_eq!(
            parse("nothing here\nx = 1\n").unwrap_err(),
            MemStatsError::NotFound
        );
    }

    #[test]
    fn a_cut_pause_array_is_kept_as_far_as_it_goes() {
        let m = parse("# PauseNs = [1 2 3\n").unwrap();
        assert_eq!(m.pause_ns, Some(vec![1, 2, 3]));
        let too_long = format!("# PauseNs = [{}]\n", vec!["1"; 300].join(" "));
        assert!(parse(&too_long).is_err());
    }
}
