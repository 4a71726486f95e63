//! Decodes the pprof protobuf format (uncompressed bytes) into the
//! [`Profile`] model, checking every reference between tables.
//!
//! The small messages (mappings, locations, functions, value types) go
//! through the prost code generated from `proto/profile.proto`. Samples,
//! the bulk of a big profile, are read straight into flat arrays in a second
//! pass, once location ids can be turned into dense indexes.

use std::fmt;

use prost::Message;
use rustc_hash::FxHashMap;

use super::wire::{self, Reader, WireError};
use crate::pb;
use crate::profile::{
    Function, Label, Line, Location, Mapping, Profile, Samples, StrId, StringTable, ValueType, NONE,
};

/// Why a protobuf profile could not be decoded.
#[derive(Debug)]
pub enum DecodeError {
    /// The bytes are not valid protobuf.
    Wire(WireError),
    /// A known field arrived with the wrong wire type.
    WireType {
        field: &'static str,
        wire_type: u8,
        offset: usize,
    },
    /// A sub-message failed to decode.
    Message {
        what: &'static str,
        offset: usize,
        source: prost::DecodeError,
    },
    /// The string table is missing or does not start with "".
    StringTable(String),
    /// An id of 0, or the same id twice, among locations/functions/mappings.
    BadId { what: &'static str, id: u64 },
    /// A reference to an id that is not defined.
    UnknownId {
        referrer: String,
        what: &'static str,
        id: u64,
    },
    /// A string index outside the string table.
    StringIndex {
        referrer: String,
        index: i64,
        len: usize,
    },
    /// A sample whose value count differs from the number of sample types.
    ValueCount {
        sample: usize,
        got: usize,
        want: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Wire(e) => write!(f, "not a valid protobuf profile: {e}"),
            DecodeError::WireType {
                field,
                wire_type,
                offset,
            } => write!(
                f,
                "not a valid pprof profile: field {field} has wire type {wire_type} at byte {offset}"
            ),
            DecodeError::Message {
                what,
                offset,
                source,
            } => write!(f, "invalid {what} at byte {offset}: {source}"),
            DecodeError::StringTable(why) => write!(f, "invalid string table: {why}"),
            DecodeError::BadId { what, id } if *id == 0 => {
                write!(f, "a {what} has id 0, which is reserved")
            }
            DecodeError::BadId { what, id } => write!(f, "two {what}s share the id {id}"),
            DecodeError::UnknownId { referrer, what, id } => {
                write!(f, "{referrer} refers to {what} id {id}, which is not defined")
            }
            DecodeError::StringIndex {
                referrer,
                index,
                len,
            } => write!(
                f,
                "{referrer} refers to string {index}, but the string table has {len} entries"
            ),
            DecodeError::ValueCount { sample, got, want } => write!(
                f,
                "sample {sample} has {got} values but the profile has {want} sample types"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

impl From<WireError> for DecodeError {
    fn from(e: WireError) -> Self {
        DecodeError::Wire(e)
    }
}

/// Maps the ids of one table (locations, functions, mappings) to dense
/// indexes: an array when ids are small and dense, as Go writes them, a hash
/// map otherwise.
enum IdMap {
    Dense(Vec<u32>),
    Sparse(FxHashMap<u64, u32>),
}

impl IdMap {
    fn build(
        ids: impl ExactSizeIterator<Item = u64> + Clone,
        what: &'static str,
    ) -> Result<Self, DecodeError> {
        let count = ids.len();
        let max = ids.clone().max().unwrap_or(0);
        if max <= (count as u64).saturating_mul(2).saturating_add(1024) {
            let mut table = vec![NONE; max as usize + 1];
            for (index, id) in ids.enumerate() {
                if id == 0 || table[id as usize] != NONE {
                    return Err(DecodeError::BadId { what, id });
                }
                table[id as usize] = index as u32;
            }
            Ok(IdMap::Dense(table))
        } else {
            let mut map = FxHashMap::default();
            map.reserve(count);
            for (index, id) in ids.enumerate() {
                if id == 0 || map.insert(id, index as u32).is_some() {
                    return Err(DecodeError::BadId { what, id });
                }
            }
            Ok(IdMap::Sparse(map))
        }
    }

    #[inline]
    fn get(&self, id: u64) -> Option<u32> {
        match self {
            IdMap::Dense(table) => table.get(id as usize).copied().filter(|&i| i != NONE),
            IdMap::Sparse(map) => map.get(&id).copied(),
        }
    }
}

/// Decodes one sub-message with prost, naming it in the error.
fn message<M: Message + Default>(
    r: &mut Reader<'_>,
    wire_type: u8,
    what: &'static str,
) -> Result<M, DecodeError> {
    expect(wire_type, wire::LEN, what, r.offset())?;
    let (bytes, offset) = r.bytes()?;
    M::decode(bytes).map_err(|source| DecodeError::Message {
        what,
        offset,
        source,
    })
}

fn expect(wire_type: u8, want: u8, field: &'static str, offset: usize) -> Result<(), DecodeError> {
    if wire_type == want {
        Ok(())
    } else {
        Err(DecodeError::WireType {
            field,
            wire_type,
            offset,
        })
    }
}

fn scalar(r: &mut Reader<'_>, wire_type: u8, field: &'static str) -> Result<u64, DecodeError> {
    expect(wire_type, wire::VARINT, field, r.offset())?;
    Ok(r.varint()?)
}

/// Reads a repeated varint field, packed or not, calling `push` per value.
fn repeated_varint(
    r: &mut Reader<'_>,
    wire_type: u8,
    field: &'static str,
    mut push: impl FnMut(u64) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    match wire_type {
        wire::VARINT => push(r.varint()?),
        wire::LEN => {
            let (bytes, offset) = r.bytes()?;
            let mut packed = Reader::with_base(bytes, offset);
            while !packed.is_empty() {
                push(packed.varint()?)?;
            }
            Ok(())
        }
        _ => Err(DecodeError::WireType {
            field,
            wire_type,
            offset: r.offset(),
        }),
    }
}

/// The raw pieces gathered by the first pass.
#[derive(Default)]
struct Raw {
    sample_types: Vec<pb::ValueType>,
    samples: Vec<(usize, usize)>,
    mappings: Vec<pb::Mapping>,
    locations: Vec<pb::Location>,
    functions: Vec<pb::Function>,
    strings: StringTable,
    drop_frames: i64,
    keep_frames: i64,
    time_nanos: i64,
    duration_nanos: i64,
    period_type: Option<pb::ValueType>,
    period: i64,
    comments: Vec<i64>,
    default_sample_type: i64,
    doc_url: i64,
}

/// Decodes an uncompressed pprof protobuf.
pub fn decode(data: &[u8]) -> Result<Profile, DecodeError> {
    let raw = first_pass(data)?;
    let strings = &raw.strings;
    if strings.is_empty() {
        return Err(DecodeError::StringTable(
            "it is empty, so this is not a pprof profile".into(),
        ));
    }
    if !strings.get(0).is_empty() {
        return Err(DecodeError::StringTable(format!(
            "entry 0 must be \"\" but is {:?}",
            strings.get(0)
        )));
    }
    let s = |index: i64, referrer: &dyn Fn() -> String| -> Result<StrId, DecodeError> {
        if index < 0 || index as u64 >= strings.len() as u64 {
            return Err(DecodeError::StringIndex {
                referrer: referrer(),
                index,
                len: strings.len(),
            });
        }
        Ok(index as StrId)
    };

    let value_type = |vt: &pb::ValueType, what: &str| -> Result<ValueType, DecodeError> {
        Ok(ValueType {
            kind: s(vt.r#type, &|| what.to_string())?,
            unit: s(vt.unit, &|| what.to_string())?,
        })
    };
    let mut sample_types = Vec::with_capacity(raw.sample_types.len());
    for (i, vt) in raw.sample_types.iter().enumerate() {
        sample_types.push(value_type(vt, &format!("sample type {i}"))?);
    }

    let mapping_ids = IdMap::build(raw.mappings.iter().map(|m| m.id), "mapping")?;
    let mut mappings = Vec::with_capacity(raw.mappings.len());
    for m in &raw.mappings {
        let who = || format!("mapping {}", m.id);
        mappings.push(Mapping {
            id: m.id,
            memory_start: m.memory_start,
            memory_limit: m.memory_limit,
            file_offset: m.file_offset,
            file: s(m.filename, &who)?,
            build_id: s(m.build_id, &who)?,
            has_functions: m.has_functions,
            has_filenames: m.has_filenames,
            has_line_numbers: m.has_line_numbers,
            has_inline_frames: m.has_inline_frames,
        });
    }

    let function_ids = IdMap::build(raw.functions.iter().map(|f| f.id), "function")?;
    let mut functions = Vec::with_capacity(raw.functions.len());
    for f in &raw.functions {
        let who = || format!("function {}", f.id);
        functions.push(Function {
            id: f.id,
            name: s(f.name, &who)?,
            system_name: s(f.system_name, &who)?,
            filename: s(f.filename, &who)?,
            start_line: f.start_line,
        });
    }

    let location_ids = IdMap::build(raw.locations.iter().map(|l| l.id), "location")?;
    let mut locations = Vec::with_capacity(raw.locations.len());
    let mut lines = Vec::with_capacity(raw.locations.len());
    for l in &raw.locations {
        let mapping = match l.mapping_id {
            0 => NONE,
            id => mapping_ids.get(id).ok_or_else(|| DecodeError::UnknownId {
                referrer: format!("location {}", l.id),
                what: "mapping",
                id,
            })?,
        };
        let start = lines.len() as u32;
        for line in &l.line {
            let function = match line.function_id {
                0 => NONE,
                id => function_ids.get(id).ok_or_else(|| DecodeError::UnknownId {
                    referrer: format!("location {}", l.id),
                    what: "function",
                    id,
                })?,
            };
            lines.push(Line {
                function,
                line: line.line,
                column: line.column,
            });
        }
        locations.push(Location {
            id: l.id,
            mapping,
            address: l.address,
            lines: start..lines.len() as u32,
            is_folded: l.is_folded,
        });
    }

    let samples = decode_samples(data, &raw, &location_ids, sample_types.len(), &s)?;

    let top = |index: i64, what: &'static str| s(index, &|| what.to_string());
    let period_type = match &raw.period_type {
        Some(vt) => Some(value_type(vt, "period type")?),
        None => None,
    };
    let mut comments = Vec::with_capacity(raw.comments.len());
    for &c in &raw.comments {
        comments.push(top(c, "a comment")?);
    }
    let drop_frames = top(raw.drop_frames, "drop_frames")?;
    let keep_frames = top(raw.keep_frames, "keep_frames")?;
    let default_sample_type = top(raw.default_sample_type, "default_sample_type")?;
    let doc_url = top(raw.doc_url, "doc_url")?;

    Ok(Profile {
        sample_types,
        samples,
        mappings,
        locations,
        lines,
        functions,
        drop_frames,
        keep_frames,
        time_nanos: raw.time_nanos,
        duration_nanos: raw.duration_nanos,
        period_type,
        period: raw.period,
        comments,
        default_sample_type,
        doc_url,
        strings: raw.strings,
    })
}

/// Walks the top-level fields: decodes everything but samples, whose
/// positions it records.
fn first_pass(data: &[u8]) -> Result<Raw, DecodeError> {
    let mut raw = Raw::default();
    let mut r = Reader::new(data);
    while !r.is_empty() {
        let (field, wt) = r.key()?;
        match field {
            1 => raw.sample_types.push(message(&mut r, wt, "sample type")?),
            2 => {
                expect(wt, wire::LEN, "sample", r.offset())?;
                let (bytes, offset) = r.bytes()?;
                raw.samples.push((offset, bytes.len()));
            }
            3 => raw.mappings.push(message(&mut r, wt, "mapping")?),
            4 => raw.locations.push(message(&mut r, wt, "location")?),
            5 => raw.functions.push(message(&mut r, wt, "function")?),
            6 => {
                expect(wt, wire::LEN, "string_table", r.offset())?;
                let (bytes, _) = r.bytes()?;
                match std::str::from_utf8(bytes) {
                    Ok(text) => raw.strings.push(text),
                    Err(_) => raw.strings.push(&String::from_utf8_lossy(bytes)),
                };
            }
            7 => raw.drop_frames = scalar(&mut r, wt, "drop_frames")? as i64,
            8 => raw.keep_frames = scalar(&mut r, wt, "keep_frames")? as i64,
            9 => raw.time_nanos = scalar(&mut r, wt, "time_nanos")? as i64,
            10 => raw.duration_nanos = scalar(&mut r, wt, "duration_nanos")? as i64,
            11 => raw.period_type = Some(message(&mut r, wt, "period type")?),
            12 => raw.period = scalar(&mut r, wt, "period")? as i64,
            13 => repeated_varint(&mut r, wt, "comment", |v| {
                raw.comments.push(v as i64);
                Ok(())
            })?,
            14 => raw.default_sample_type = scalar(&mut r, wt, "default_sample_type")? as i64,
            15 => raw.doc_url = scalar(&mut r, wt, "doc_url")? as i64,
            _ => r.skip(wt)?,
        }
    }
    Ok(raw)
}

type StringCheck<'a> = dyn Fn(i64, &dyn Fn() -> String) -> Result<StrId, DecodeError> + 'a;

/// The second pass: every sample, straight into flat arrays.
fn decode_samples(
    data: &[u8],
    raw: &Raw,
    location_ids: &IdMap,
    num_values: usize,
    s: &StringCheck<'_>,
) -> Result<Samples, DecodeError> {
    let mut samples = Samples::new(num_values);
    let payload: usize = raw.samples.iter().map(|&(_, len)| len).sum();
    // Each frame and value takes at least one byte: reserve for a typical
    // mix without trusting any length field.
    samples.frames.reserve(payload / 2);
    samples
        .values
        .reserve(raw.samples.len().saturating_mul(num_values).min(payload));
    samples.frame_ends.reserve(raw.samples.len());
    samples.label_ends.reserve(raw.samples.len());

    for (index, &(offset, len)) in raw.samples.iter().enumerate() {
        let mut r = Reader::with_base(&data[offset..offset + len], offset);
        let values_before = samples.values.len();
        while !r.is_empty() {
            let (field, wt) = r.key()?;
            match field {
                1 => {
                    let unknown = if wt == wire::LEN {
                        let (bytes, offset) = r.bytes()?;
                        push_locations(bytes, offset, location_ids, &mut samples.frames)?
                    } else {
                        let id = scalar(&mut r, wt, "sample.location_id")?;
                        match location_ids.get(id) {
                            Some(loc) => {
                                samples.frames.push(loc);
                                None
                            }
                            None => Some(id),
                        }
                    };
                    if let Some(id) = unknown {
                        return Err(DecodeError::UnknownId {
                            referrer: format!("sample {index}"),
                            what: "location",
                            id,
                        });
                    }
                }
                2 => {
                    if wt == wire::LEN {
                        let (bytes, offset) = r.bytes()?;
                        let mut pos = 0;
                        while pos < bytes.len() {
                            let start = pos;
                            let v = wire::read_varint(bytes, &mut pos)
                                .ok_or_else(|| wire::varint_error(bytes, start, offset))?;
                            samples.values.push(v as i64);
                        }
                    } else {
                        samples
                            .values
                            .push(scalar(&mut r, wt, "sample.value")? as i64);
                    }
                }
                3 => {
                    expect(wt, wire::LEN, "sample.label", r.offset())?;
                    let (bytes, offset) = r.bytes()?;
                    let label = decode_label(bytes, offset, index, s)?;
                    samples.labels.push(label);
                }
                _ => r.skip(wt)?,
            }
        }
        let got = samples.values.len() - values_before;
        if got != num_values {
            return Err(DecodeError::ValueCount {
                sample: index,
                got,
                want: num_values,
            });
        }
        samples.frame_ends.push(samples.frames.len());
        samples.label_ends.push(samples.labels.len());
    }
    Ok(samples)
}

/// Appends the dense indexes of packed location ids to `out`; returns the
/// first id that names no location, if any.
#[inline]
fn push_locations(
    bytes: &[u8],
    offset: usize,
    ids: &IdMap,
    out: &mut Vec<u32>,
) -> Result<Option<u64>, WireError> {
    let mut pos = 0;
    while pos < bytes.len() {
        let start = pos;
        let id = wire::read_varint(bytes, &mut pos)
            .ok_or_else(|| wire::varint_error(bytes, start, offset))?;
        match ids.get(id) {
            Some(loc) => out.push(loc),
            None => return Ok(Some(id)),
        }
    }
    Ok(None)
}

fn decode_label(
    bytes: &[u8],
    offset: usize,
    sample: usize,
    s: &StringCheck<'_>,
) -> Result<Label, DecodeError> {
    let mut r = Reader::with_base(bytes, offset);
    let (mut key, mut str, mut num, mut num_unit) = (0i64, 0i64, 0i64, 0i64);
    while !r.is_empty() {
        let (field, wt) = r.key()?;
        match field {
            1 => key = scalar(&mut r, wt, "label.key")? as i64,
            2 => str = scalar(&mut r, wt, "label.str")? as i64,
            3 => num = scalar(&mut r, wt, "label.num")? as i64,
            4 => num_unit = scalar(&mut r, wt, "label.num_unit")? as i64,
            _ => r.skip(wt)?,
        }
    }
    let who = || format!("a label of sample {sample}");
    Ok(Label {
        key: s(key, &who)?,
        str: s(str, &who)?,
        num,
        num_unit: s(num_unit, &who)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small Go-like heap profile: main.main → main.alloc, with
    /// main.inner inlined into main.alloc at the leaf location.
    pub(crate) fn sample_profile() -> pb::Profile {
        let strings: Vec<String> = [
            "",
            "alloc_objects",
            "count",
            "alloc_space",
            "bytes",
            "inuse_objects",
            "inuse_space",
            "main.main",
            "main.alloc",
            "main.inner",
            "/src/main.go",
            "/bin/prog",
            "space",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let vt = |t, u| pb::ValueType { r#type: t, unit: u };
        pb::Profile {
            sample_type: vec![vt(1, 2), vt(3, 4), vt(5, 2), vt(6, 4)],
            sample: vec![
                pb::Sample {
                    location_id: vec![2, 1],
                    value: vec![4, 400, 1, 100],
                    label: vec![pb::Label {
                        key: 4,
                        num: 100,
                        ..Default::default()
                    }],
                },
                pb::Sample {
                    location_id: vec![1],
                    value: vec![2, 64, 0, 0],
                    label: vec![],
                },
            ],
            mapping: vec![pb::Mapping {
                id: 1,
                filename: 11,
                has_functions: true,
                ..Default::default()
            }],
            location: vec![
                pb::Location {
                    id: 1,
                    mapping_id: 1,
                    address: 0x1000,
                    line: vec![pb::Line {
                        function_id: 1,
                        line: 10,
                        column: 0,
                    }],
                    is_folded: false,
                },
                pb::Location {
                    id: 2,
                    mapping_id: 1,
                    address: 0x2000,
                    line: vec![
                        pb::Line {
                            function_id: 3,
                            line: 30,
                            column: 0,
                        },
                        pb::Line {
                            function_id: 2,
                            line: 20,
                            column: 0,
                        },
                    ],
                    is_folded: false,
                },
            ],
            function: vec![
                pb::Function {
                    id: 1,
                    name: 7,
                    system_name: 7,
                    filename: 10,
                    start_line: 9,
                },
                pb::Function {
                    id: 2,
                    name: 8,
                    system_name: 8,
                    filename: 10,
                    start_line: 19,
                },
                pb::Function {
                    id: 3,
                    name: 9,
                    system_name: 9,
                    filename: 10,
                    start_line: 29,
                },
            ],
            string_table: strings,
            time_nanos: 1_700_000_000_000_000_000,
            period_type: Some(vt(12, 4)),
            period: 524288,
            ..Default::default()
        }
    }

    #[test]
    fn decodes_every_table() {
        let p = decode(&sample_profile().encode_to_vec()).unwrap();
        assert_eq!(
            p.sample_type_names(),
            [
                "alloc_objects",
                "alloc_space",
                "inuse_objects",
                "inuse_space"
            ]
        );
        assert_eq!(p.samples.len(), 2);
        assert_eq!(p.samples.stack(0), &[1, 0]);
        assert_eq!(p.samples.values(0), &[4, 400, 1, 100]);
        assert_eq!(p.samples.labels(0).len(), 1);
        assert_eq!(p.str(p.samples.labels(0)[0].key), "bytes");
        assert_eq!(p.samples.labels(0)[0].num, 100);
        assert_eq!(p.samples.stack(1), &[0]);
        let leaf = &p.locations[1];
        let lines = p.location_lines(leaf);
        assert_eq!(lines.len(), 2);
        assert_eq!(
            p.str(p.functions[lines[0].function as usize].name),
            "main.inner"
        );
        assert_eq!(lines[0].line, 30);
        assert_eq!(p.period, 524288);
        assert_eq!(p.main_binary(), Some("/bin/prog"));
        assert_eq!(p.total(1), Some(464));
    }

    #[test]
    fn unpacked_repeated_fields_decode_too() {
        // Hand-encode one sample with unpacked location ids and values.
        let mut base = sample_profile();
        base.sample.clear();
        let mut bytes = base.encode_to_vec();
        let mut sample = Vec::new();
        for id in [2u8, 1] {
            sample.extend_from_slice(&[0x08, id]); // field 1, varint
        }
        for v in [1u8, 2, 3, 4] {
            sample.extend_from_slice(&[0x10, v]); // field 2, varint
        }
        bytes.extend_from_slice(&[0x12, sample.len() as u8]);
        bytes.extend_from_slice(&sample);
        let p = decode(&bytes).unwrap();
        assert_eq!(p.samples.stack(0), &[1, 0]);
        assert_eq!(p.samples.values(0), &[1, 2, 3, 4]);
    }

    #[test]
    fn unknown_location_is_an_error() {
        let mut prof = sample_profile();
        prof.sample[0].location_id = vec![9];
        let err = decode(&prof.encode_to_vec()).unwrap_err().to_string();
        assert_eq!(
            err,
            "sample 0 refers to location id 9, which is not defined"
        );
    }

    #[test]
    fn unknown_function_is_an_error() {
        let mut prof = sample_profile();
        prof.location[0].line[0].function_id = 77;
        let err = decode(&prof.encode_to_vec()).unwrap_err().to_string();
        assert_eq!(
            err,
            "location 1 refers to function id 77, which is not defined"
        );
    }

    #[test]
    fn string_index_out_of_range_is_an_error() {
        let mut prof = sample_profile();
        prof.function[1].name = 500;
        let err = decode(&prof.encode_to_vec()).unwrap_err().to_string();
        assert_eq!(
            err,
            "function 2 refers to string 500, but the string table has 13 entries"
        );
    }

    #[test]
    fn first_string_must_be_empty() {
        let mut prof = sample_profile();
        prof.string_table[0] = "x".into();
        let err = decode(&prof.encode_to_vec()).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid string table: entry 0 must be \"\" but is \"x\""
        );
    }

    #[test]
    fn value_count_must_match_sample_types() {
        let mut prof = sample_profile();
        prof.sample[1].value = vec![1, 2, 3];
        let err = decode(&prof.encode_to_vec()).unwrap_err().to_string();
        assert_eq!(
            err,
            "sample 1 has 3 values but the profile has 4 sample types"
        );
    }

    #[test]
    fn duplicate_and_zero_ids_are_errors() {
        let mut prof = sample_profile();
        prof.location[1].id = 1;
        let err = decode(&prof.encode_to_vec()).unwrap_err().to_string();
        assert_eq!(err, "two locations share the id 1");
        let mut prof = sample_profile();
        prof.function[0].id = 0;
        let err = decode(&prof.encode_to_vec()).unwrap_err().to_string();
        assert_eq!(err, "a function has id 0, which is reserved");
    }

    #[test]
    fn sparse_ids_use_the_hash_map() {
        let mut prof = sample_profile();
        prof.location[1].id = 1 << 40;
        prof.sample[0].location_id = vec![1 << 40, 1];
        let p = decode(&prof.encode_to_vec()).unwrap();
        assert_eq!(p.samples.stack(0), &[1, 0]);
    }

    #[test]
    fn wrong_wire_type_is_an_error() {
        // Field 2 (sample) as a varint.
        let err = decode(&[0x10, 0x01]).unwrap_err().to_string();
        assert_eq!(
            err,
            "not a valid pprof profile: field sample has wire type 0 at byte 1"
        );
    }

    #[test]
    fn empty_input_is_not_a_profile() {
        let err = decode(&[]).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid string table: it is empty, so this is not a pprof profile"
        );
    }
}
