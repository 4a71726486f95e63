//! Java's `--- heapz 1 ---` text heap profiles, read as pprof reads them
//! (`profile/legacy_java_profile.go`): `name = value` attributes, then rows
//! `bytes count @ 0xaddr ...` (bytes first), then `0xaddr name (File.java:N)`
//! lines naming the addresses. Sample types `inuse_objects` and
//! `inuse_space` (in the `resolution` attribute's unit), each row scaled
//! from Java's 512 KiB sampling, a `bytes` label of the row's average size,
//! one function per name, addresses dropped once named.

use std::sync::OnceLock;

use regex::Regex;
use rustc_hash::FxHashMap;

use super::builder::Builder;
use super::{scale_heap_sample, LegacyError};
use crate::profile::{
    Function, FunctionIndex, Label, Line, Location, LocationIndex, Mapping, MappingIndex, Profile,
    StrId, ValueType,
};
use crate::support::paths::go_base;

/// The first line of a Java heap profile.
pub(super) const HEADER: &str = "--- heapz 1 ---";

/// Java's heapz sampling period, as pprof assumes it.
const SAMPLING_RATE: i64 = 524288;

/// What the budget is charged per location, function and sample (besides
/// their strings).
const LOCATION_COST: u64 = 96;
const FUNCTION_COST: u64 = 80;
const SAMPLE_COST: u64 = 96;

struct Patterns {
    attribute: Regex,
    sample: Regex,
    hex: Regex,
    location: Regex,
    file_line: Regex,
    path: Regex,
}

/// pprof's expressions, with Go's ASCII `\s`, `\w` and `\d` spelled out.
fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("a valid pattern");
        let s = r"[\t\n\f\r ]";
        Patterns {
            attribute: re(r"([0-9A-Za-z_ ]+)=([0-9A-Za-z_ ]+)"),
            sample: re(r" *([0-9]+) +([0-9]+) +@ +([ x0-9a-f]*)"),
            hex: re(r"0x[0-9A-Fa-f]+"),
            location: re(&format!(r"^{s}*0x([0-9A-Fa-f]+){s}+(.*){s}*$")),
            file_line: re(&format!(r"^(.*){s}+\((.+):(-?[0-9]+)\)$")),
            path: re(&format!(r"^(.*){s}+\((.*)\)$")),
        }
    })
}

/// Whether `text`'s first line is the heapz header.
pub(super) fn is_heapz(text: &str) -> bool {
    text.lines().next().is_some_and(|l| l.trim() == HEADER)
}

fn bad(line: usize, text: &str) -> LegacyError {
    LegacyError::NotARow {
        line,
        text: text.to_string(),
    }
}

/// Decodes a heapz profile (`text` starts with [`HEADER`]) within `limit`
/// bytes of memory.
pub(super) fn decode(text: &str, limit: u64) -> Result<Profile, LegacyError> {
    let p = patterns();
    let mut lines = text.lines().enumerate().skip(1).peekable();
    let mut b = Builder::new(2, limit)?;

    // Attributes, up to the first line that is not one.
    let mut space_unit = None;
    while let Some(&(i, raw)) = lines.peek() {
        let line = raw.trim();
        if !line.is_empty() {
            let Some(c) = p.attribute.captures(line) else {
                break;
            };
            let (name, value) = (c[1].trim(), c[2].trim());
            match name {
                "format" if value == "java" => {}
                "resolution" => space_unit = Some(b.intern(value)?),
                _ => {
                    return Err(LegacyError::HeapzAttribute {
                        line: i + 1,
                        text: line.to_string(),
                    })
                }
            }
        }
        lines.next();
    }
    let space_unit = space_unit.ok_or(LegacyError::HeapzNoResolution)?;

    // Rows, up to the first line that is not one.
    let bytes_key = b.intern("bytes")?;
    let mut by_address: FxHashMap<u64, LocationIndex> = FxHashMap::default();
    let mut addresses: Vec<u64> = Vec::new();
    let mut stack: Vec<LocationIndex> = Vec::new();
    while let Some(&(i, raw)) = lines.peek() {
        let line = raw.trim();
        b.budget.line = i + 1;
        if !line.is_empty() {
            let Some(c) = p.sample.captures(line) else {
                break;
            };
            let number = |s: &str| {
                s.parse::<i64>().map_err(|_| LegacyError::Number {
                    line: i + 1,
                    text: s.to_string(),
                })
            };
            let (raw_count, bytes) = (number(&c[2])?, number(&c[1])?);
            if raw_count == 0 {
                return Err(LegacyError::HeapzZeroCount { line: i + 1 });
            }
            stack.clear();
            for hex in p.hex.find_iter(&c[3]) {
                let addr =
                    u64::from_str_radix(&hex.as_str()[2..], 16).map_err(|_| bad(i + 1, line))?;
                let next = LocationIndex::from_index(addresses.len());
                let id = *by_address.entry(addr).or_insert(next);
                if id == next {
                    b.budget.charge(LOCATION_COST)?;
                    addresses.push(addr);
                }
                stack.push(id);
            }
            b.budget.charge(SAMPLE_COST + 4 * stack.len() as u64)?;
            let (count, space) = scale_heap_sample(raw_count, bytes, SAMPLING_RATE);
            let label = Label {
                key: bytes_key,
                str: StrId::EMPTY,
                num: bytes / raw_count,
                num_unit: StrId::EMPTY,
            };
            b.samples.push(&[count, space], &stack, &[label]);
        }
        lines.next();
    }

    // The names of the addresses; other lines are skipped.
    let mut named: Vec<Option<(FunctionIndex, i64)>> = vec![None; addresses.len()];
    let mut functions: FxHashMap<String, FunctionIndex> = FxHashMap::default();
    for (i, raw) in lines {
        b.budget.line = i + 1;
        let Some(c) = p.location.captures(raw.trim()) else {
            continue;
        };
        let addr = u64::from_str_radix(&c[1], 16).map_err(|_| bad(i + 1, raw.trim()))?;
        let Some(&loc) = by_address.get(&addr) else {
            continue;
        };
        let what = &c[2];
        let (name, file, line) = if let Some(f) = p.file_line.captures(what) {
            let n = f[3].parse::<i64>().ok().filter(|&n| n > 0).unwrap_or(0);
            (f[1].to_string(), f[2].to_string(), n)
        } else if let Some(f) = p.path.captures(what) {
            (f[1].to_string(), go_base(&f[2]).to_string(), 0)
        } else if what.contains("generated stub/JIT") {
            ("STUB".to_string(), String::new(), 0)
        } else {
            (what.to_string(), String::new(), 0)
        };
        let function = match functions.get(&name) {
            Some(&f) => f,
            None => {
                b.budget.charge(FUNCTION_COST)?;
                let f = FunctionIndex::from_index(b.functions.len());
                let (name_id, file_id) = (b.intern(&name)?, b.intern(&file)?);
                b.functions.push(Function {
                    id: f.index() as u64 + 1,
                    name: name_id,
                    system_name: name_id,
                    filename: file_id,
                    start_line: 0,
                    synthetic: false,
                });
                functions.insert(name, f);
                f
            }
        };
        named[loc.index()] = Some((function, line));
    }

    // pprof drops every address (so the locations it could not name are
    // one `<unknown>`). Those it could not name are under a mapping that
    // covers every address, if there are any; else every location is under
    // one empty mapping.
    let unnamed = named.iter().any(Option::is_none);
    for (i, name) in named.iter().enumerate() {
        let start = b.lines.len() as u32;
        if let Some((function, line)) = *name {
            b.lines.push(Line {
                function,
                line,
                column: 0,
            });
        }
        b.locations.push(Location {
            id: i as u64 + 1,
            mapping: if unnamed && name.is_some() {
                MappingIndex::NONE
            } else {
                MappingIndex::from_index(0)
            },
            address: 0,
            lines: start..b.lines.len() as u32,
            is_folded: false,
        });
    }

    let empty = b.intern("")?;
    let sample_types = vec![
        ValueType {
            kind: b.intern("inuse_objects")?,
            unit: b.intern("count")?,
        },
        ValueType {
            kind: b.intern("inuse_space")?,
            unit: space_unit,
        },
    ];
    Ok(Profile {
        sample_types,
        period_type: Some(ValueType {
            kind: empty,
            unit: empty,
        }),
        period: 0,
        mappings: vec![Mapping {
            id: 1,
            memory_limit: if unnamed { u64::MAX } else { 0 },
            ..Mapping::default()
        }],
        strings: b.strings,
        samples: b.samples,
        locations: b.locations,
        lines: b.lines,
        functions: b.functions,
        ..Profile::default()
    })
}
