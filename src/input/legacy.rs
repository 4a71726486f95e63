//! Decodes legacy text heap profiles (`heap profile: A: B [C: D] @ heap/R`,
//! what `/debug/pprof/heap?debug=1` and tcmalloc print) into the [`Profile`]
//! model, with pprof's sample types, unsampling and memory-map handling, and
//! names frames from the `#` symbol lines Go writes under each record.
//!
//! What pprof does, and this decoder with it (`profile/legacy_profile.go`):
//! the header picks the sampling period (`heap/R` means R/2, `heap_v2/R` and
//! `heapz_v2/R` mean R, `heapprofile` means no scaling; `growthz` and
//! `fragmentationz` are unscaled too), four sample types when the header's
//! allocation pair differs from its in-use pair and two (`objects`, `space`)
//! otherwise, each row's pairs scaled by 1/(1 − e^(−(bytes/count)/period)),
//! one location per address minus one, a `MAPPED_LIBRARIES:` or
//! `--- Memory map: ---` section parsed into mappings, and the allocator
//! frames (`runtime\..*`, `malloc`, …) set as the profile's `drop_frames`.
//!
//! What pprof cannot do without the binary, and this decoder does: each
//! record's `#\t0xpc\tfunc+0xoff\tfile:line` lines give its frames their
//! functions, files and lines. Frames the runtime chose not to print (the
//! allocator's own frames at the leaf, `runtime.goexit` at the root) are left
//! out, as the runtime leaves them out of its protobuf profiles. Consecutive
//! frames that share a function entry (`pc − off`) and differ in name are
//! inlined calls of one physical frame and become one location with several
//! lines, as the runtime groups them. A frame with no symbol line gets a
//! function named by its address (`0x4b40ea`), so reports list addresses
//! where pprof prints `<unknown>`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::sync::OnceLock;

use regex::Regex;
use rustc_hash::FxHashMap;

use crate::profile::{
    Function, Label, Line, Location, Mapping, Profile, Samples, StrId, StringTable, ValueType, NONE,
};
use crate::support::escape;

/// Why a legacy heap profile could not be decoded. Line numbers are 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegacyError {
    /// The first non-blank line is not a `heap profile: …` header.
    NoHeader,
    /// The header's profile kind (after `@`) is not one pprof knows.
    UnknownKind { kind: String },
    /// The header's sampling period does not fit in 64 bits.
    BadPeriod { period: String },
    /// The header of a sampled kind gives a sampling period of 0.
    ZeroPeriod { header: String },
    /// A line that is neither blank, a `#` line, nor a sample row.
    NotARow { line: usize, text: String },
    /// A number of a sample row that does not fit in 64 bits.
    Number { line: usize, text: String },
    /// A row with objects counted as 0 but a non-zero byte count.
    ZeroCount {
        line: usize,
        what: &'static str,
        bytes: i64,
    },
    /// Decoding would take more memory than the budget.
    TooLarge { line: usize, limit: u64 },
}

impl fmt::Display for LegacyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LegacyError::NoHeader => write!(
                f,
                "not a text heap profile: the first line is not `heap profile: ...`"
            ),
            LegacyError::UnknownKind { kind } => write!(
                f,
                "text heap profile of unknown kind {} (known: heap, heap_v2, heapz_v2, \
                 heapprofile, growthz, fragmentationz)",
                escape::quote(kind)
            ),
            LegacyError::BadPeriod { period } => {
                write!(
                    f,
                    "text heap profile header: sampling period {} is too large",
                    escape::text_bounded(period, escape::QUOTE_MAX)
                )
            }
            LegacyError::ZeroPeriod { header } => write!(
                f,
                "text heap profile header: `{}` gives a sampling period of 0, so the rows \
                 cannot be scaled to estimates (memory profiling was off: \
                 runtime.MemProfileRate = 0)",
                escape::text_bounded(header, escape::QUOTE_MAX)
            ),
            LegacyError::NotARow { line, text } => write!(
                f,
                "line {line}: expected a sample row `count: bytes [count: bytes] @ 0xaddr ...`, \
                 found {}",
                escape::quote(text)
            ),
            LegacyError::Number { line, text } => write!(
                f,
                "line {line}: number {} is out of range",
                escape::text_bounded(text, escape::QUOTE_MAX)
            ),
            LegacyError::ZeroCount { line, what, bytes } => write!(
                f,
                "line {line}: {what} count is 0 but {what} bytes is {bytes}"
            ),
            LegacyError::TooLarge { line, limit } => write!(
                f,
                "line {line}: the decoded profile passes the memory limit of {limit} bytes \
                 (-max_size/{}); raise it with -max_size=BYTES",
                super::MEMORY_SHARE
            ),
        }
    }
}

impl std::error::Error for LegacyError {}

/// The regular expressions of pprof's legacy heap parser, with `\d` spelled
/// as ASCII digits (Go's `\d` is ASCII; Rust's is Unicode).
struct Patterns {
    heap_header: Regex,
    growth_header: Regex,
    fragmentation_header: Regex,
    sample: Regex,
    hex: Regex,
    proc_maps: Regex,
    brief_maps: Regex,
    log_prefix: Regex,
}

fn patterns() -> &'static Patterns {
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
struct Header {
    /// Rows are Poisson-sampled and must be scaled up by `period`.
    scaled: bool,
    period: i64,
    /// Four sample types (alloc and in-use) rather than two.
    has_alloc: bool,
}

fn parse_header(line: &str) -> Result<Header, LegacyError> {
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

/// One `#` symbol line: the frame's pc and, when the runtime knew it, the
/// function, its entry (pc − offset), file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Symbol {
    pc: u64,
    frame: Option<Frame>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Frame {
    function: String,
    entry: Option<u64>,
    file: String,
    line: i64,
}

fn parse_hex(s: &str) -> Option<u64> {
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    u64::from_str_radix(digits, 16).ok()
}

/// Splits off the first whitespace-delimited token.
fn token(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

/// Parses `#\t0x4b40ea\tmain.newBuf+0x2a\t/path/main.go:41` (tabs or
/// spaces). `None` for other `#` lines (`# runtime.MemStats`, comments).
fn parse_symbol(line: &str) -> Option<Symbol> {
    let body = line.strip_prefix('#')?;
    let (pc, rest) = token(body);
    let pc = parse_hex(pc)?;
    let (name, location) = token(rest);
    if name.is_empty() {
        return Some(Symbol { pc, frame: None });
    }
    let (function, entry) = match name.rsplit_once("+0x") {
        Some((f, off)) if !f.is_empty() => (
            f,
            u64::from_str_radix(off, 16)
                .ok()
                .and_then(|off| pc.checked_sub(off)),
        ),
        _ => (name, None),
    };
    let location = location.trim_end();
    let (file, line) = match location.rsplit_once(':') {
        Some((file, n)) => match n.parse::<i64>() {
            Ok(n) => (file, n),
            Err(_) => (location, 0),
        },
        None => (location, 0),
    };
    Some(Symbol {
        pc,
        frame: Some(Frame {
            function: function.to_string(),
            entry,
            file: file.to_string(),
            line,
        }),
    })
}

/// One record: its values (already unsampled), block size, addresses and
/// the symbol lines that follow it.
struct Row {
    values: Vec<i64>,
    block_size: i64,
    addrs: Vec<u64>,
    symbols: Vec<Symbol>,
}

fn excerpt(line: &str) -> String {
    const MAX: usize = 80;
    match line.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

fn parse_row(line: &str, number: usize, h: &Header) -> Result<Row, LegacyError> {
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
fn is_memory_map_sentinel(line: &str) -> bool {
    line.contains("--- Memory map: ---") || line.contains("MAPPED_LIBRARIES:")
}

/// A mapping as the memory map describes it, before it is interned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct RawMapping {
    start: u64,
    limit: u64,
    offset: u64,
    file: String,
    build_id: String,
}

/// pprof's `parseMappingEntry`: a `/proc/self/maps` line or the brief
/// `start-end perm file (@offset) buildid` form. Non-executable entries and
/// lines of neither form give `None`.
fn parse_mapping(line: &str) -> Option<RawMapping> {
    let p = patterns();
    let line = match p.log_prefix.find(line) {
        Some(m) => &line[m.end()..],
        None => line,
    };
    let get = |c: &regex::Captures<'_>, i: usize| c.get(i).map_or("", |m| m.as_str()).to_string();
    let (start, end, perm, file, offset, build_id) = if let Some(c) = p.proc_maps.captures(line) {
        (
            get(&c, 1),
            get(&c, 2),
            get(&c, 3),
            get(&c, 5),
            get(&c, 4),
            String::new(),
        )
    } else if let Some(c) = p.brief_maps.captures(line) {
        (
            get(&c, 1),
            get(&c, 2),
            get(&c, 3),
            get(&c, 4),
            get(&c, 5),
            get(&c, 6),
        )
    } else {
        return None;
    };
    if !perm.is_empty() && !perm.contains('x') {
        return None;
    }
    Some(RawMapping {
        start: u64::from_str_radix(&start, 16).ok()?,
        limit: u64::from_str_radix(&end, 16).ok()?,
        offset: if offset.is_empty() {
            0
        } else {
            u64::from_str_radix(&offset, 16).ok()?
        },
        file,
        build_id,
    })
}

/// pprof's `adjacent`: two entries that are one mapping split in two.
fn adjacent(m1: &RawMapping, m2: &RawMapping) -> bool {
    if !m1.file.is_empty() && !m2.file.is_empty() && m1.file != m2.file {
        return false;
    }
    if !m1.build_id.is_empty() && !m2.build_id.is_empty() && m1.build_id != m2.build_id {
        return false;
    }
    if m1.limit != m2.start {
        return false;
    }
    if m1.offset != 0 && m2.offset != 0 {
        let offset = m1.offset.wrapping_add(m1.limit.wrapping_sub(m1.start));
        if offset != m2.offset {
            return false;
        }
    }
    true
}

/// pprof's `massageMappings` and the mapping fix-ups of `remapMappingIDs`:
/// adjacent pieces merged, the main binary moved first, a leading
/// `/anon_hugepage` dropped, a main binary at 0x400000 given offset 0.
fn massage_mappings(raw: Vec<RawMapping>) -> Vec<RawMapping> {
    let mut merged: Vec<RawMapping> = Vec::with_capacity(raw.len());
    for m in raw {
        match merged.last_mut() {
            Some(last) if adjacent(last, &m) => {
                last.limit = m.limit;
                if !m.file.is_empty() {
                    last.file = m.file;
                }
                if !m.build_id.is_empty() {
                    last.build_id = m.build_id;
                }
            }
            _ => merged.push(m),
        }
    }
    let is_library = |file: &str| {
        file.ends_with(".so")
            || file.match_indices(".so").any(|(i, _)| {
                let rest = &file.as_bytes()[i + 3..];
                rest.len() >= 2 && matches!(rest[0], b'.' | b'_') && rest[1].is_ascii_digit()
            })
    };
    if let Some(main) = merged.iter().position(|m| {
        let file = m.file.replace("(deleted)", "");
        let file = file.trim();
        !file.is_empty() && !is_library(file) && !file.starts_with('[')
    }) {
        merged.swap(0, main);
    }
    if merged.len() > 1
        && merged[0].file.starts_with("/anon_hugepage")
        && merged[0].limit == merged[1].start
    {
        merged.remove(0);
    }
    if let Some(m) = merged.first_mut() {
        if m.start.wrapping_sub(m.offset) == 0x400000 {
            m.start = 0x400000;
            m.offset = 0;
        }
    }
    merged
}

/// Memory the decoded profile takes, checked against the budget before
/// each row, symbol line, location, function and string is kept. `row`
/// is what the row being read holds until it is added.
struct Budget {
    used: u64,
    row: u64,
    limit: u64,
    /// The line being read, for the error.
    line: usize,
}

impl Budget {
    fn charge(&mut self, bytes: u64) -> Result<(), LegacyError> {
        self.used = self.used.saturating_add(bytes);
        self.check(0)
    }

    /// Whether `transient` more bytes, held for a moment, still fit.
    fn check(&self, transient: u64) -> Result<(), LegacyError> {
        if self.used.saturating_add(self.row).saturating_add(transient) > self.limit {
            return Err(LegacyError::TooLarge {
                line: self.line,
                limit: self.limit,
            });
        }
        Ok(())
    }
}

/// What the budget is charged: a sample's frame end and label set; a
/// location with its key in the index; a function with its key; a
/// string's end, its key and hash entry (its bytes twice too); a symbol
/// line as held for its row (its text too); per byte of a row line, the
/// most its addresses can take while the row is read and grouped.
const SAMPLE_COST: u64 = 12 + 64;
const LOCATION_COST: u64 = size_of::<Location>() as u64 + 24 + 48;
const LINE_COST: u64 = size_of::<Line>() as u64;
const FUNCTION_COST: u64 = size_of::<Function>() as u64 + 32;
const STRING_COST: u64 = 8 + 24 + 24;
const SYMBOL_COST: u64 = size_of::<Symbol>() as u64;
const ROW_BYTE_COST: u64 = 32;
/// A memory-map entry as read and as a mapping, with its share of the
/// address index (its text is charged too, twice).
const MAPPING_COST: u64 = (size_of::<RawMapping>() + size_of::<Mapping>()) as u64 + 256;

/// Builds the profile tables while rows are read.
struct Builder {
    strings: StringTable,
    string_ids: FxHashMap<String, StrId>,
    functions: Vec<Function>,
    function_ids: FxHashMap<(StrId, StrId), u32>,
    locations: Vec<Location>,
    lines: Vec<Line>,
    /// Locations by their pcs (and whether they carry symbols).
    location_ids: FxHashMap<(Vec<u64>, bool), u32>,
    samples: Samples,
    bytes_key: StrId,
    stack: Vec<u32>,
    budget: Budget,
}

impl Builder {
    fn new(num_values: usize, limit: u64) -> Result<Self, LegacyError> {
        let mut b = Builder {
            strings: StringTable::new(),
            string_ids: FxHashMap::default(),
            functions: Vec::new(),
            function_ids: FxHashMap::default(),
            locations: Vec::new(),
            lines: Vec::new(),
            location_ids: FxHashMap::default(),
            samples: Samples::new(num_values),
            bytes_key: 0,
            stack: Vec::new(),
            budget: Budget {
                used: 0,
                row: 0,
                limit,
                line: 1,
            },
        };
        b.intern("")?;
        b.bytes_key = b.intern("bytes")?;
        Ok(b)
    }

    fn intern(&mut self, s: &str) -> Result<StrId, LegacyError> {
        if let Some(&id) = self.string_ids.get(s) {
            return Ok(id);
        }
        self.budget.charge(STRING_COST + 2 * s.len() as u64)?;
        let id = self.strings.push(s);
        self.string_ids.insert(s.to_string(), id);
        Ok(id)
    }

    fn function(&mut self, name: &str, file: &str) -> Result<u32, LegacyError> {
        let key = (self.intern(name)?, self.intern(file)?);
        let next = self.functions.len() as u32;
        if !self.function_ids.contains_key(&key) {
            self.budget.charge(FUNCTION_COST)?;
        }
        let id = *self.function_ids.entry(key).or_insert(next);
        if id == next {
            self.functions.push(Function {
                id: u64::from(next) + 1,
                name: key.0,
                system_name: key.0,
                filename: key.1,
                start_line: 0,
            });
        }
        Ok(id)
    }

    /// The location of a group of pcs: one pc and no symbols, or the pcs of
    /// one physical frame with their frames, innermost first.
    fn location(&mut self, pcs: &[u64], symbols: &[&Symbol]) -> Result<u32, LegacyError> {
        let key = (pcs.to_vec(), !symbols.is_empty());
        if let Some(&id) = self.location_ids.get(&key) {
            return Ok(id);
        }
        let lines = symbols.len().max(1) as u64;
        self.budget
            .charge(LOCATION_COST + 8 * pcs.len() as u64 + LINE_COST * lines)?;
        let start = self.lines.len() as u32;
        if symbols.is_empty() {
            let f = self.function(&format!("{:#x}", pcs[0]), "")?;
            self.lines.push(Line {
                function: f,
                line: 0,
                column: 0,
            });
        }
        for s in symbols {
            let line = match &s.frame {
                Some(fr) => Line {
                    function: self.function(&fr.function, &fr.file)?,
                    line: fr.line,
                    column: 0,
                },
                None => Line {
                    function: self.function(&format!("{:#x}", s.pc), "")?,
                    line: 0,
                    column: 0,
                },
            };
            self.lines.push(line);
        }
        let id = self.locations.len() as u32;
        self.locations.push(Location {
            id: u64::from(id) + 1,
            mapping: NONE,
            address: symbols.first().map_or(pcs[0], |s| s.pc),
            lines: start..self.lines.len() as u32,
            is_folded: false,
        });
        self.location_ids.insert(key, id);
        Ok(id)
    }

    fn add_row(&mut self, row: Row) -> Result<(), LegacyError> {
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        // pprof: "Addresses from stack traces point to the next instruction
        // after each call. Adjust by -1 to land somewhere on the actual call."
        let pcs: Vec<u64> = row.addrs.iter().map(|a| a.wrapping_sub(1)).collect();
        let frames = assign_symbols(&row, &pcs);
        match frames {
            None => {
                for &pc in &pcs {
                    let loc = self.location(&[pc], &[])?;
                    stack.push(loc);
                }
            }
            Some(frames) => {
                for (group_pcs, group_symbols) in group_inlined(&pcs, &frames) {
                    let loc = self.location(&group_pcs, &group_symbols)?;
                    stack.push(loc);
                }
            }
        }
        let values = row.values.len() as u64;
        self.budget
            .charge(SAMPLE_COST + 8 * values + 4 * stack.len() as u64)?;
        self.budget.row = 0;
        let label = Label {
            key: self.bytes_key,
            str: 0,
            num: row.block_size,
            num_unit: 0,
        };
        self.samples.push(&row.values, &stack, &[label]);
        self.stack = stack;
        Ok(())
    }
}

/// The symbol lines of a row, per address (`None` when no line matches any
/// address: the row is then treated as unsymbolized). A line belongs to the
/// address it names (pc = address − 1, or the address itself when it was a
/// function's entry); several lines with one pc are the inlined frames of
/// that address. Lines that name no address of the row are ignored.
fn assign_symbols<'r>(row: &'r Row, pcs: &[u64]) -> Option<Vec<Vec<&'r Symbol>>> {
    if row.symbols.is_empty() {
        return None;
    }
    let mut frames: Vec<Vec<&Symbol>> = vec![Vec::new(); pcs.len()];
    // Every position under its pc and under its address, sorted: the first
    // position at or after `from` that a symbol's pc names is one binary
    // search away.
    let mut index: Vec<(u64, usize)> = Vec::with_capacity(2 * pcs.len());
    for (k, (&pc, &addr)) in pcs.iter().zip(&row.addrs).enumerate() {
        index.push((pc, k));
        index.push((addr, k));
    }
    index.sort_unstable();
    let mut current: Option<usize> = None;
    let mut matched = false;
    for s in &row.symbols {
        if let Some(c) = current {
            if frames[c].last().is_some_and(|last| last.pc == s.pc) {
                frames[c].push(s);
                continue;
            }
        }
        let from = current.map_or(0, |c| c + 1);
        let i = index.partition_point(|&entry| entry < (s.pc, from));
        if let Some(&(pc, k)) = index.get(i).filter(|(pc, _)| *pc == s.pc) {
            debug_assert!(pc == s.pc && k >= from);
            frames[k].push(s);
            current = Some(k);
            matched = true;
        }
    }
    matched.then_some(frames)
}

/// Groups the symbolized addresses of a row into locations: consecutive
/// addresses whose frames share a function entry and differ in name are
/// inlined calls within one physical frame (the runtime's rule for its
/// protobuf profiles). Addresses without frames were hidden by the runtime
/// and are left out.
fn group_inlined<'r>(pcs: &[u64], frames: &[Vec<&'r Symbol>]) -> Vec<(Vec<u64>, Vec<&'r Symbol>)> {
    let mut groups: Vec<(Vec<u64>, Vec<&Symbol>)> = Vec::new();
    let mut last_index: Option<usize> = None;
    for (k, f) in frames.iter().enumerate() {
        let Some(first) = f.first() else {
            continue;
        };
        let joins = last_index == Some(k.wrapping_sub(1))
            && groups
                .last()
                .and_then(|(_, syms)| syms.last())
                .is_some_and(|last| inlined_into_same_frame(last, first));
        if joins {
            if let Some((g_pcs, g_syms)) = groups.last_mut() {
                g_pcs.push(pcs[k]);
                g_syms.extend(f.iter().copied());
            }
        } else {
            groups.push((vec![pcs[k]], f.clone()));
        }
        last_index = Some(k);
    }
    groups
}

fn inlined_into_same_frame(callee: &Symbol, caller: &Symbol) -> bool {
    match (&callee.frame, &caller.frame) {
        (Some(a), Some(b)) => a.entry.is_some() && a.entry == b.entry && a.function != b.function,
        _ => false,
    }
}

/// pprof's `allocRxStr`: allocator frames cut from the leaf end of stacks.
const ALLOC_RX: &str = concat!(
    r"calloc|cfree|malloc|free|memalign|do_memalign|(__)?posix_memalign|pvalloc|valloc|realloc|",
    r"tcmalloc::.*|tc_calloc|tc_cfree|tc_malloc|tc_free|tc_memalign|tc_posix_memalign|",
    r"tc_pvalloc|tc_valloc|tc_realloc|tc_new|tc_delete|tc_newarray|tc_deletearray|",
    r"tc_new_nothrow|tc_newarray_nothrow|",
    r"malloc_zone_malloc|malloc_zone_calloc|malloc_zone_valloc|malloc_zone_realloc|",
    r"malloc_zone_memalign|malloc_zone_free|",
    r"runtime\..*|",
    r"BaseArena::.*|(::)?do_malloc_no_errno|(::)?do_malloc_pages|(::)?do_malloc|",
    r"DoSampledAllocation|MallocedMemBlock::MallocedMemBlock|_M_allocate|",
    r"__builtin_(vec_)?delete|__builtin_(vec_)?new|__gnu_cxx::new_allocator::allocate|",
    r"__libc_malloc|__malloc_alloc_template::allocate|allocate|cpp_alloc|",
    r"operator new(\[\])?|simple_alloc::allocate"
);

/// pprof's `allocSkipRxStr`: runtime frames kept in the middle of stacks.
const ALLOC_SKIP_RX: &str = r"runtime\.panic|runtime\.reflectcall|runtime\.call[0-9]*";

/// Decodes a legacy text heap profile.
pub fn decode(data: &[u8]) -> Result<Profile, LegacyError> {
    decode_within(data, u64::MAX)
}

/// [`decode`], the decoded profile (and what is held while it is built)
/// taking at most `limit` bytes of memory besides the text.
pub fn decode_within(data: &[u8], limit: u64) -> Result<Profile, LegacyError> {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.lines().enumerate();
    // The header: the first non-blank line (pprof insists on the very first
    // line; pasted text often starts with a blank one).
    let header = loop {
        match lines.next() {
            Some((_, l)) if l.trim().trim_start_matches('\u{feff}').is_empty() => continue,
            Some((_, l)) => break parse_header(l)?,
            None => return Err(LegacyError::NoHeader),
        }
    };
    let sample_types: &[(&str, &str)] = if header.has_alloc {
        // Alloc before inuse, so that the default (the last type) is
        // inuse_space, as in pprof.
        &[
            ("alloc_objects", "count"),
            ("alloc_space", "bytes"),
            ("inuse_objects", "count"),
            ("inuse_space", "bytes"),
        ]
    } else {
        &[("objects", "count"), ("space", "bytes")]
    };
    let mut b = Builder::new(sample_types.len(), limit)?;

    let mut pending: Option<Row> = None;
    let mut map_entries: Vec<RawMapping> = Vec::new();
    let mut in_map = false;
    for (i, raw) in lines {
        b.budget.line = i + 1;
        if in_map {
            if let Some(m) = parse_mapping(raw) {
                let text = (m.file.len() + m.build_id.len()) as u64;
                b.budget.charge(MAPPING_COST + 2 * text)?;
                map_entries.push(m);
            }
            continue;
        }
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('#') {
            if let (Some(row), Some(symbol)) = (pending.as_mut(), parse_symbol(line)) {
                b.budget.row += SYMBOL_COST + line.len() as u64;
                b.budget.check(0)?;
                row.symbols.push(symbol);
            }
            continue;
        }
        if is_memory_map_sentinel(line) {
            in_map = true;
            continue;
        }
        if let Some(done) = pending.take() {
            b.add_row(done)?;
        }
        b.budget.row = line.len() as u64 * ROW_BYTE_COST;
        b.budget.check(0)?;
        pending = Some(parse_row(line, i + 1, &header)?);
    }
    if let Some(done) = pending {
        b.add_row(done)?;
    }

    let raw_mappings = massage_mappings(map_entries);
    let mut p = Profile {
        sample_types: Vec::new(),
        period_type: None,
        period: header.period,
        ..Profile::default()
    };
    for (kind, unit) in sample_types {
        let t = ValueType {
            kind: b.intern(kind)?,
            unit: b.intern(unit)?,
        };
        p.sample_types.push(t);
    }
    p.period_type = Some(ValueType {
        kind: b.intern("space")?,
        unit: b.intern("bytes")?,
    });
    p.drop_frames = b.intern(ALLOC_RX)?;
    p.keep_frames = b.intern(ALLOC_SKIP_RX)?;
    let mut mappings: Vec<Mapping> = Vec::with_capacity(raw_mappings.len());
    for (i, m) in raw_mappings.iter().enumerate() {
        mappings.push(Mapping {
            id: i as u64 + 1,
            memory_start: m.start,
            memory_limit: m.limit,
            file_offset: m.offset,
            file: b.intern(&m.file)?,
            build_id: b.intern(&m.build_id)?,
            ..Mapping::default()
        });
    }
    assign_mappings(&mut b.locations, &mut mappings);

    p.strings = b.strings;
    p.samples = b.samples;
    p.mappings = mappings;
    p.locations = b.locations;
    p.lines = b.lines;
    p.functions = b.functions;
    Ok(p)
}

/// pprof's `remapMappingIDs`: each location goes to the mapping holding its
/// address (the first such, in order), or else to the first mapping whose
/// first piece the memory map lost (the range just below it, `file_offset`
/// long), which then grows down to cover it; the rest go to one fake
/// mapping covering everything, as pprof makes for Go's legacy profiles,
/// which have no memory map. Once made, the fake mapping holds every
/// address no mapping before it holds.
fn assign_mappings(locations: &mut [Location], mappings: &mut Vec<Mapping>) {
    // The ranges below mappings, kept while their mapping has an offset.
    let below = |m: &Mapping| (m.memory_start.wrapping_sub(m.file_offset), m.memory_start);
    let mut bounds = Vec::with_capacity(3 * mappings.len());
    for m in mappings.iter() {
        bounds.extend([m.memory_start, m.memory_limit, below(m).0]);
    }
    let mut holding = RangeIndex::new(bounds.clone());
    let mut lost = RangeIndex::new(bounds);
    for (i, m) in mappings.iter().enumerate() {
        holding.insert(m.memory_start, m.memory_limit, i as u32);
        if m.file_offset != 0 {
            let (start, limit) = below(m);
            lost.insert(start, limit, i as u32);
        }
    }
    let mut fake: Option<u32> = None;
    for loc in locations.iter_mut() {
        let a = loc.address;
        if a == 0 {
            continue;
        }
        if let Some(i) = holding.lowest(a, |_| true) {
            loc.mapping = i;
            continue;
        }
        if let Some(f) = fake.filter(|_| a < u64::MAX) {
            loc.mapping = f;
            continue;
        }
        let grown = lost.lowest(a, |i| mappings[i as usize].file_offset != 0);
        if let Some(i) = grown {
            let m = &mut mappings[i as usize];
            m.memory_start = m.memory_start.wrapping_sub(m.file_offset);
            m.file_offset = 0;
            holding.insert(m.memory_start, m.memory_limit, i);
            loc.mapping = i;
            continue;
        }
        let index = *fake.get_or_insert_with(|| {
            mappings.push(Mapping {
                id: mappings.len() as u64 + 1,
                memory_limit: u64::MAX,
                ..Mapping::default()
            });
            (mappings.len() - 1) as u32
        });
        loc.mapping = index;
    }
}

/// Address ranges `[start, limit)` numbered by their mapping, answering
/// which lowest-numbered range holds an address: a segment tree over the
/// ranges' bounds whose nodes keep the ranges covering them whole, lowest
/// first. Ranges are added, or taken out lazily (a query skips the ones
/// its `alive` rejects, for good).
struct RangeIndex {
    /// The sorted distinct bounds: leaf `i` is `[bounds[i], bounds[i + 1])`.
    bounds: Vec<u64>,
    leaves: usize,
    nodes: Vec<BinaryHeap<Reverse<u32>>>,
}

impl RangeIndex {
    fn new(mut bounds: Vec<u64>) -> Self {
        bounds.sort_unstable();
        bounds.dedup();
        let leaves = bounds.len().saturating_sub(1);
        RangeIndex {
            bounds,
            leaves,
            nodes: vec![BinaryHeap::new(); 2 * leaves],
        }
    }

    /// Adds range `[start, limit)` as number `id`; both are among the
    /// bounds the index was made with.
    fn insert(&mut self, start: u64, limit: u64, id: u32) {
        if start >= limit {
            return;
        }
        let (Ok(from), Ok(to)) = (
            self.bounds.binary_search(&start),
            self.bounds.binary_search(&limit),
        ) else {
            return;
        };
        let (mut l, mut r) = (from + self.leaves, to + self.leaves);
        while l < r {
            if l & 1 == 1 {
                self.nodes[l].push(Reverse(id));
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                self.nodes[r].push(Reverse(id));
            }
            l >>= 1;
            r >>= 1;
        }
    }

    /// The lowest-numbered live range holding `a`.
    fn lowest(&mut self, a: u64, alive: impl Fn(u32) -> bool) -> Option<u32> {
        let leaf = self.bounds.partition_point(|&b| b <= a).checked_sub(1)?;
        if leaf >= self.leaves {
            return None;
        }
        let mut best: Option<u32> = None;
        let mut node = leaf + self.leaves;
        while node >= 1 {
            let heap = &mut self.nodes[node];
            while let Some(&Reverse(id)) = heap.peek() {
                if alive(id) {
                    best = Some(best.map_or(id, |b| b.min(id)));
                    break;
                }
                heap.pop();
            }
            node >>= 1;
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &Profile, sample: usize) -> Vec<Vec<String>> {
        p.samples
            .stack(sample)
            .iter()
            .map(|&l| {
                p.location_lines(&p.locations[l as usize])
                    .iter()
                    .map(|ln| p.str(p.functions[ln.function as usize].name).to_string())
                    .collect()
            })
            .collect()
    }

    /// Two rows; `go tool pprof -raw` on this text with each header kind
    /// gives the values asserted below.
    const ROWS: &str = "1: 1048576 [1: 1048576] @ 0x1001 0x2001\n\
                        2: 2097152 [4: 2097664] @ 0x1001 0x3001\n";

    fn with_header(kind: &str) -> Profile {
        let text = format!("heap profile: 3: 3145728 [5: 3146240] @ {kind}\n{ROWS}");
        decode(text.as_bytes()).unwrap()
    }

    #[test]
    fn header_kinds_set_period_and_scaling_as_pprof() {
        // pprof -raw: "1 1212696 1 1212696" and "6 3317984 2 2425393".
        // Row 1: 1 MiB objects at period 512 KiB are recorded with
        // probability 1 − e^−2, so each stands for 1/(1 − e^−2) = 1.1565…:
        // 1048576 × 1.1565… = 1212696.5 → 1212696.
        for (kind, period) in [
            ("heap/1048576", 524288),
            ("heap_v2/524288", 524288),
            ("heapz_v2/524288", 524288),
        ] {
            let p = with_header(kind);
            assert_eq!(p.period, period, "{kind}");
            assert_eq!(p.samples.values(0), &[1, 1212696, 1, 1212696], "{kind}");
            assert_eq!(p.samples.values(1), &[6, 3317984, 2, 2425393], "{kind}");
        }
        // heapprofile: no scaling; pprof -raw shows the numbers as written.
        let p = with_header("heapprofile");
        assert_eq!(p.period, 1);
        assert_eq!(p.samples.values(1), &[4, 2097664, 2, 2097152]);
        assert_eq!(
            p.sample_type_names(),
            [
                "alloc_objects",
                "alloc_space",
                "inuse_objects",
                "inuse_space"
            ]
        );
        assert_eq!(p.str(p.period_type.unwrap().kind), "space");
    }

    #[test]
    fn a_zero_period_is_an_error() {
        for kind in ["heap/0", "heap_v2/0", "heapz_v2/00"] {
            let text = format!("heap profile: 1: 64 [1: 64] @ {kind}\n1: 64 [1: 64] @ 0x10\n");
            assert_eq!(
                decode(text.as_bytes()).unwrap_err(),
                LegacyError::ZeroPeriod {
                    header: format!("heap profile: 1: 64 [1: 64] @ {kind}")
                },
                "{kind}"
            );
        }
        // `heap/1` halves to 0 and reads unscaled, as pprof reads it.
        let p = decode(b"heap profile: 1: 64 [1: 64] @ heap/1\n1: 64 [1: 64] @ 0x10\n").unwrap();
        assert_eq!(p.samples.values(0), &[1, 64]);
    }

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
    fn equal_pairs_give_two_sample_types() {
        // Header alloc pair equal to the in-use pair (or zero): pprof's
        // "objects"/"space", from the in-use columns.
        for header in [
            "heap profile: 1: 64 [1: 64] @ heap/2",
            "heap profile: 1: 64 [0: 0] @ heap/2",
            "heap profile: 1: 64 [2: 128] @ growthz",
            "heap profile: 1: 64 [2: 128] @ fragmentationz",
        ] {
            let p = decode(format!("{header}\n1: 64 [2: 128] @ 0x10\n").as_bytes()).unwrap();
            assert_eq!(p.sample_type_names(), ["objects", "space"], "{header}");
            assert_eq!(p.samples.values(0), &[1, 64], "{header}");
        }
    }

    #[test]
    fn symbol_lines_name_frames_and_group_inlined_calls() {
        // As Go 1.19 writes it: fake pcs for inlined calls (newBuf inlined
        // into mid into chainWork, all with chainWork's entry 0x1000),
        // hidden allocator frames at the leaf (0x500, 0x600) and the hidden
        // runtime.goexit at the root (0x9000).
        let text = "heap profile: 1: 16 [2: 32] @ heap/2\n\
            1: 16 [2: 32] @ 0x501 0x601 0x1031 0x1021 0x1011 0x2011 0x2051 0x9001\n\
            #\t0x1030\tmain.newBuf+0x30\t/src/main.go:10\n\
            #\t0x1020\tmain.mid+0x20\t\t/src/main.go:20\n\
            #\t0x1010\tmain.chainWork+0x10\t/src/main.go:30\n\
            #\t0x2010\tmain.descend+0x10\t/src/main.go:40\n\
            #\t0x2050\tmain.descend+0x50\t/src/main.go:41\n\
            \n";
        let p = decode(text.as_bytes()).unwrap();
        assert_eq!(
            names(&p, 0),
            [
                vec!["main.newBuf", "main.mid", "main.chainWork"],
                // Same entry and same name: recursion, two frames.
                vec!["main.descend"],
                vec!["main.descend"],
            ]
        );
        let leaf = &p.locations[p.samples.stack(0)[0] as usize];
        assert_eq!(leaf.address, 0x1030);
        let lines = p.location_lines(leaf);
        assert_eq!(
            lines.iter().map(|l| l.line).collect::<Vec<_>>(),
            [10, 20, 30]
        );
        let f = &p.functions[lines[0].function as usize];
        assert_eq!(p.str(f.filename), "/src/main.go");
        // pprof's block size label: bytes / count of the in-use pair.
        assert_eq!(p.str(p.samples.labels(0)[0].key), "bytes");
        assert_eq!(p.samples.labels(0)[0].num, 16);
    }

    #[test]
    fn rows_without_symbols_name_frames_by_address() {
        let text = "heap profile: 1: 16 [1: 16] @ heap_v2/1\n\
                    1: 16 [1: 16] @ 0x4b40eb 0x437452\n\
                    1: 16 [1: 16] @ 0x4b40eb 0x437999\n";
        let p = decode(text.as_bytes()).unwrap();
        assert_eq!(names(&p, 0), [["0x4b40ea"], ["0x437451"]]);
        // One location per address, shared between rows.
        assert_eq!(p.samples.stack(0)[0], p.samples.stack(1)[0]);
        assert_eq!(p.locations.len(), 3);
        // Go's legacy form has no memory map: pprof's one fake mapping.
        assert_eq!(p.mappings.len(), 1);
        assert_eq!(p.mappings[0].memory_limit, u64::MAX);
    }

    #[test]
    fn memstats_and_comments_are_not_symbols() {
        let text = "heap profile: 1: 16 [1: 16] @ heap/2\n\
                    1: 16 [1: 16] @ 0x11\n\
                    #\t0x10\tmain.f+0x10\t/m.go:3\n\
                    \n\
                    # runtime.MemStats\n\
                    # Alloc = 139424\n\
                    # PauseNs = [38864 0 0]\n";
        let p = decode(text.as_bytes()).unwrap();
        assert_eq!(names(&p, 0), [["main.f"]]);
        assert_eq!(p.functions.len(), 1);
    }

    #[test]
    fn memory_map_gives_mappings_and_the_main_binary() {
        let text = "heap profile:      1:  1048576 [     1:  1048576] @ heapprofile\n\
                    \x20    1:  1048576 [     1:  1048576] @ 0x55a7ec0da283 0x7f3fe5c1b24a\n\
                    \n\
                    MAPPED_LIBRARIES:\n\
                    55a7ec0d9000-55a7ec0da000 r--p 00000000 00:00 10052071    /tmp/cx/heap\n\
                    55a7ec0da000-55a7ec0db000 r-xp 00001000 00:00 10052071    /tmp/cx/heap\n\
                    7f3fe5c1a000-7f3fe5c30000 r-xp 00026000 08:01 326801      /usr/lib/libc.so.6\n\
                    7f3fe5c30000-7f3fe5c40000 rw-p 00000000 00:00 0\n";
        let p = decode(text.as_bytes()).unwrap();
        assert_eq!(p.mappings.len(), 2);
        assert_eq!(p.main_binary(), Some("/tmp/cx/heap"));
        let stack = p.samples.stack(0);
        let files: Vec<&str> = stack
            .iter()
            .map(|&l| p.str(p.mappings[p.locations[l as usize].mapping as usize].file))
            .collect();
        assert_eq!(files, ["/tmp/cx/heap", "/usr/lib/libc.so.6"]);
        assert!(p.str(p.drop_frames).contains("tcmalloc::.*"));
    }

    #[test]
    fn main_binary_heuristics() {
        let m = |file: &str, start, limit| RawMapping {
            start,
            limit,
            file: file.to_string(),
            ..RawMapping::default()
        };
        let out = massage_mappings(vec![
            m("/lib/libc.so.6", 0x1000, 0x2000),
            m("[vdso]", 0x3000, 0x4000),
            m("/usr/lib/libz.so", 0x5000, 0x6000),
            m("/bin/prog", 0x7000, 0x8000),
            m("/bin/prog", 0x8000, 0x9000),
        ]);
        // Adjacent pieces of one file merge; the first non-library goes first.
        assert_eq!(out.len(), 4);
        assert_eq!(out[0].file, "/bin/prog");
        assert_eq!((out[0].start, out[0].limit), (0x7000, 0x9000));
        // A main binary whose start minus offset is 0x400000 starts there.
        let mut prog = m("/bin/prog", 0x401000, 0x500000);
        prog.offset = 0x1000;
        let out = massage_mappings(vec![prog]);
        assert_eq!((out[0].start, out[0].offset), (0x400000, 0));
    }

    #[test]
    fn errors_name_the_line() {
        let err = |text: &str| decode(text.as_bytes()).unwrap_err().to_string();
        assert_eq!(
            err("heap profile: 1: 2 [3: 4] @ heap/2\n1: 2 [3: 4] @ 0x1\nthis is not a row\n"),
            "line 3: expected a sample row `count: bytes [count: bytes] @ 0xaddr ...`, \
             found \"this is not a row\""
        );
        assert_eq!(
            err("heap profile: 1: 2 [3: 4] @ heap/2\n0: 2 [3: 4] @ 0x1\n"),
            "line 2: inuse count is 0 but inuse bytes is 2"
        );
        assert_eq!(
            err("heap profile: 1: 2 [3: 4] @ heap/2\n1: 99999999999999999999 [3: 4] @ 0x1\n"),
            "line 2: number 99999999999999999999 is out of range"
        );
        assert_eq!(
            err("heap profile: 1: 2 [3: 4] @ heap/2\n1: 2 [3: 4] @ 0x1ffffffffffffffff\n"),
            "line 2: number 0x1ffffffffffffffff is out of range"
        );
        assert!(err("heap profile: 1: 2 [3: 4] @ heap_v9/2\n").contains("unknown kind \"heap_v9\""));
        assert!(err("something else\n").starts_with("not a text heap profile"));
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

    #[test]
    fn a_header_alone_is_an_empty_profile() {
        let p = decode(b"heap profile: 0: 0 [0: 0] @ heap/1048576\n").unwrap();
        assert!(p.samples.is_empty());
        assert_eq!(p.sample_type_names(), ["objects", "space"]);
    }

    /// pprof's scan, kept as the reference for the index.
    fn assign_mappings_by_scan(locations: &mut [Location], mappings: &mut Vec<Mapping>) {
        let mut fake: Option<u32> = None;
        'next: for loc in locations.iter_mut() {
            let a = loc.address;
            if a == 0 {
                continue;
            }
            for (i, m) in mappings.iter().enumerate() {
                if m.memory_start <= a && a < m.memory_limit {
                    loc.mapping = i as u32;
                    continue 'next;
                }
            }
            for (i, m) in mappings.iter_mut().enumerate() {
                if m.file_offset != 0
                    && m.memory_start.wrapping_sub(m.file_offset) <= a
                    && a < m.memory_start
                {
                    m.memory_start = m.memory_start.wrapping_sub(m.file_offset);
                    m.file_offset = 0;
                    loc.mapping = i as u32;
                    continue 'next;
                }
            }
            let index = *fake.get_or_insert_with(|| {
                mappings.push(Mapping {
                    id: mappings.len() as u64 + 1,
                    memory_limit: u64::MAX,
                    ..Mapping::default()
                });
                (mappings.len() - 1) as u32
            });
            loc.mapping = index;
        }
    }

    /// Overlapping mappings, lost first pieces (some growing over others),
    /// empty and inverted ranges, addresses anywhere: the index assigns
    /// what pprof's scan does, and grows the same mappings.
    #[test]
    fn indexed_mapping_lookup_matches_the_scan() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for round in 0..300 {
            let count = 1 + next(12);
            let mut mappings: Vec<Mapping> = (0..count)
                .map(|i| {
                    let start = next(200);
                    Mapping {
                        id: i + 1,
                        memory_start: start,
                        memory_limit: (start + next(40)).wrapping_sub(5),
                        file_offset: if next(3) == 0 { next(60) } else { 0 },
                        ..Mapping::default()
                    }
                })
                .collect();
            let mut locations: Vec<Location> = (0..40)
                .map(|i| Location {
                    id: i + 1,
                    mapping: NONE,
                    address: if next(20) == 0 { u64::MAX } else { next(260) },
                    lines: 0..0,
                    is_folded: false,
                })
                .collect();
            let (mut want_maps, mut want_locs) = (mappings.clone(), locations.clone());
            assign_mappings_by_scan(&mut want_locs, &mut want_maps);
            assign_mappings(&mut locations, &mut mappings);
            let ranges = |ms: &[Mapping]| -> Vec<(u64, u64, u64)> {
                ms.iter()
                    .map(|m| (m.memory_start, m.memory_limit, m.file_offset))
                    .collect()
            };
            assert_eq!(ranges(&mappings), ranges(&want_maps), "round {round}");
            let got: Vec<u32> = locations.iter().map(|l| l.mapping).collect();
            let want: Vec<u32> = want_locs.iter().map(|l| l.mapping).collect();
            assert_eq!(got, want, "round {round}");
        }
    }
}
