//! Decodes legacy text heap profiles (`heap profile: A: B [C: D] @ heap/R`,
//! what `/debug/pprof/heap?debug=1` and tcmalloc print; Java's heapz and
//! jemalloc's own `heap_v2/R` dump in `heapz` and `jemalloc`) into the [`Profile`]
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
//! lines, as the runtime groups them. A frame with no symbol line has no
//! line, as in pprof: reports name it by its binary (`[libc.so.6]`) or
//! `<unknown>`, and `-addresses` by its address too.
//!
//! The parts: `parse` reads the header and the sample rows, `symbols` the
//! `#` lines under them, `mappings` the memory map, and `builder` interns
//! what they read into the profile's tables within the budget.

mod builder;
mod heapz;
mod jemalloc;
mod mappings;
mod parse;
mod symbols;

use std::fmt;

use crate::profile::{Mapping, Profile, ValueType};
use crate::support::escape;

use builder::{Builder, ROW_BYTE_COST, SYMBOL_COST};
use mappings::{assign_mappings, massage_mappings, MapReader, RawMapping};
pub use parse::{is_legacy_heap, scale_heap_sample};
use parse::{is_memory_map_sentinel, parse_header, parse_row, Row};
use symbols::parse_symbol;

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
    /// A Java heapz attribute pprof does not know (it then refuses the file).
    HeapzAttribute { line: usize, text: String },
    /// A Java heapz profile without its `resolution` attribute.
    HeapzNoResolution,
    /// A Java heapz row with a count of 0.
    HeapzZeroCount { line: usize },
    /// A line of a jemalloc heap profile that is neither a stack nor counts.
    JemallocLine { line: usize, text: String },
    /// A jemalloc stack (`@ …`) not followed by its `t*:` counts.
    JemallocNoCounts { line: usize },
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
            LegacyError::HeapzAttribute { line, text } => write!(
                f,
                "line {line}: Java heap profile attribute {} is not one pprof reads \
                 (format = java, resolution = UNIT)",
                escape::quote(text)
            ),
            LegacyError::HeapzNoResolution => write!(
                f,
                "Java heap profile without a `resolution = UNIT` attribute"
            ),
            LegacyError::HeapzZeroCount { line } => write!(
                f,
                "line {line}: Java heap profile row with a count of 0 (the second number)"
            ),
            LegacyError::JemallocLine { line, text } => write!(
                f,
                "line {line}: expected `@ 0xaddr ...` or `t*: objects: bytes [objects: bytes]` \
                 in a jemalloc heap profile, found {}",
                escape::quote(text)
            ),
            LegacyError::JemallocNoCounts { line } => write!(
                f,
                "line {line}: a stack of the jemalloc heap profile without its `t*:` counts"
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
    if heapz::is_heapz(&text) {
        return heapz::decode(&text, limit);
    }
    if jemalloc::is_jemalloc(&text) {
        return jemalloc::decode(&text, limit);
    }
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
    let mut map_reader = MapReader::default();
    let mut in_map = false;
    for (i, raw) in lines {
        b.budget.line = i + 1;
        if in_map {
            map_reader.read(raw, &mut b.budget)?;
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

    finish(b, sample_types, header.period, map_reader.entries)
}

/// The profile from what a text reader built: its sample types, period and
/// pprof's allocator frames, the memory map's mappings given to the
/// locations.
fn finish(
    mut b: Builder,
    sample_types: &[(&str, &str)],
    period: i64,
    map_entries: Vec<RawMapping>,
) -> Result<Profile, LegacyError> {
    let raw_mappings = massage_mappings(map_entries);
    let mut p = Profile {
        sample_types: Vec::new(),
        period_type: None,
        period,
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
#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &Profile, sample: usize) -> Vec<Vec<String>> {
        p.samples
            .stack(sample)
            .iter()
            .map(|l| {
                p.location_lines(&p.locations[l.index()])
                    .iter()
                    .map(|ln| p.str(p.functions[ln.function.index()].name).to_string())
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
            assert_eq!(
                p.samples.values(0).collect::<Vec<_>>(),
                [1, 1212696, 1, 1212696],
                "{kind}"
            );
            assert_eq!(
                p.samples.values(1).collect::<Vec<_>>(),
                [6, 3317984, 2, 2425393],
                "{kind}"
            );
        }
        // heapprofile: no scaling; pprof -raw shows the numbers as written.
        let p = with_header("heapprofile");
        assert_eq!(p.period, 1);
        assert_eq!(
            p.samples.values(1).collect::<Vec<_>>(),
            [4, 2097664, 2, 2097152]
        );
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
        assert_eq!(p.samples.values(0).collect::<Vec<_>>(), [1, 64]);
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
            assert_eq!(p.samples.values(0).collect::<Vec<_>>(), [1, 64], "{header}");
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
        let leaf = &p.locations[p.samples.stack(0).get(0).index()];
        assert_eq!(leaf.address, 0x1030);
        let lines = p.location_lines(leaf);
        assert_eq!(
            lines.iter().map(|l| l.line).collect::<Vec<_>>(),
            [10, 20, 30]
        );
        let f = &p.functions[lines[0].function.index()];
        assert_eq!(p.str(f.filename), "/src/main.go");
        // pprof's block size label: bytes / count of the in-use pair.
        assert_eq!(p.str(p.samples.labels(0)[0].key), "bytes");
        assert_eq!(p.samples.labels(0)[0].num, 16);
    }

    #[test]
    fn rows_without_symbols_have_addresses_and_no_lines() {
        let text = "heap profile: 1: 16 [1: 16] @ heap_v2/1\n\
                    1: 16 [1: 16] @ 0x4b40eb 0x437452\n\
                    1: 16 [1: 16] @ 0x4b40eb 0x437999\n";
        let p = decode(text.as_bytes()).unwrap();
        // As pprof: the address minus one, no function (reports name the
        // frame by its binary, or `<unknown>`).
        let addrs: Vec<u64> = p
            .samples
            .stack(0)
            .iter()
            .map(|l| p.locations[l.index()].address)
            .collect();
        assert_eq!(addrs, [0x4b40ea, 0x437451]);
        assert_eq!(names(&p, 0), [Vec::<String>::new(), Vec::new()]);
        // One location per address, shared between rows.
        assert_eq!(p.samples.stack(0).get(0), p.samples.stack(1).get(0));
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
            .map(|l| p.str(p.mappings[p.locations[l.index()].mapping.index()].file))
            .collect();
        assert_eq!(files, ["/tmp/cx/heap", "/usr/lib/libc.so.6"]);
        assert!(p.str(p.drop_frames).contains("tcmalloc::.*"));
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
    fn a_header_alone_is_an_empty_profile() {
        let p = decode(b"heap profile: 0: 0 [0: 0] @ heap/1048576\n").unwrap();
        assert!(p.samples.is_empty());
        assert_eq!(p.sample_type_names(), ["objects", "space"]);
    }
}
