//! Decodes the pprof protobuf format (uncompressed bytes) into the
//! [`Profile`] model, checking every reference between tables.
//!
//! The input can arrive in pieces as it is inflated ([`Decoder`]). The small
//! messages (mappings, locations, functions, value types) go through the
//! prost code generated from `proto/profile.proto`. Samples, the bulk of a
//! big profile, are read straight into flat arrays as they arrive; their
//! location ids become dense indexes at the end, when the locations (which
//! Go writes after the samples) are known.

use std::fmt;

use prost::Message;
use rustc_hash::FxHashMap;

use super::wire::{self, Reader, WireError};
use super::MEMORY_SHARE;
use crate::pb;
use crate::profile::{
    Function, Label, LabelSets, Line, Location, Mapping, Profile, Samples, StrId, StringTable,
    ValueType, NONE,
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
    /// A field whose length alone passes what is left of the memory
    /// budget.
    FieldTooLarge { offset: usize, len: u64, limit: u64 },
    /// The decoded tables would take more memory than the budget; `what`
    /// names the table whose entry passed it.
    ModelTooLarge { what: &'static str, limit: u64 },
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
            DecodeError::FieldTooLarge { offset, len, limit } => write!(
                f,
                "the field at byte {offset} claims {len} bytes, more than fits in the memory \
                 limit of {limit} bytes (-max_size/{MEMORY_SHARE}); raise it with -max_size=BYTES"
            ),
            DecodeError::ModelTooLarge { what, limit } => write!(
                f,
                "the decoded {what} pass the memory limit of {limit} bytes \
                 (-max_size/{MEMORY_SHARE}); raise it with -max_size=BYTES"
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

/// The top-level fields other than samples, as read.
#[derive(Default)]
struct Raw {
    sample_types: Vec<pb::ValueType>,
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

/// A label as read, its string indexes not yet checked (the string table
/// usually comes after the samples).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
struct RawLabel {
    key: i64,
    str: i64,
    num: i64,
    num_unit: i64,
}

/// Memory charged against the budget for the decoded entries, checked as
/// each entry is read and before it is stored: a counter add and compare.
#[derive(Debug, Clone, Copy)]
struct Budget {
    used: u64,
    limit: u64,
}

impl Budget {
    #[inline(always)]
    fn charge(&mut self, bytes: u64, what: &'static str) -> Result<(), DecodeError> {
        self.used = self.used.saturating_add(bytes);
        if self.used > self.limit {
            return Err(self.exceeded(what));
        }
        Ok(())
    }

    #[cold]
    fn exceeded(&self, what: &'static str) -> DecodeError {
        DecodeError::ModelTooLarge {
            what,
            limit: self.limit,
        }
    }

    /// Gives back what a charge made in advance did not use.
    #[inline(always)]
    fn refund(&mut self, bytes: u64) {
        self.used = self.used.saturating_sub(bytes);
    }

    fn left(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

/// What each decoded entry is charged: its form as read plus its form in
/// the model, and for a table with ids its share of the id map (a dense
/// array or a hash map, at most this per id).
const ID_COST: u64 = 40;
const fn size<T>() -> u64 {
    size_of::<T>() as u64
}
const SAMPLE_TYPE_COST: u64 = size::<pb::ValueType>() + size::<ValueType>();
const MAPPING_COST: u64 = size::<pb::Mapping>() + size::<Mapping>() + ID_COST;
const FUNCTION_COST: u64 = size::<pb::Function>() + size::<Function>() + ID_COST;
/// A location, and the allocation its lines are read into.
const LOCATION_COST: u64 = size::<pb::Location>() + size::<Location>() + ID_COST + 16;
const LINE_COST: u64 = size::<pb::Line>() + size::<Line>();
/// A string's end in the table (its bytes are charged too).
const STRING_COST: u64 = size::<usize>();
const COMMENT_COST: u64 = size::<i64>() + size::<StrId>();
/// A sample's frame end and label set (its frames and values are charged
/// one by one).
const SAMPLE_COST: u64 = size::<usize>() + size::<u32>();
const FRAME_COST: u64 = size::<u32>();
const VALUE_COST: u64 = size::<i64>();
/// A top-level field that is kept in no table (a scalar, or unknown): a
/// real profile has a handful.
const OTHER_FIELD_COST: u64 = 32;
/// A location id past the small ids: kept in a list and a hash map.
const BIG_ID_COST: u64 = 48;
/// A label as read for its sample (the scratch list).
const SCRATCH_LABEL_COST: u64 = size::<RawLabel>();
/// A label of a new set: in the sets as read and in their index, then the
/// same resolved.
const LABEL_COST: u64 = 2 * size::<RawLabel>() + 2 * size::<Label>();
/// A new set's end and index entry, as read and resolved.
const LABEL_SET_COST: u64 = 2 * (size::<u32>() + 32);

/// Location ids 1..=2^31 (all that Go writes) are kept in a sample's frames
/// as `id - 1` until the locations are known; any other id as
/// `SMALL_IDS + k`, `k` indexing [`BigIds`].
const SMALL_IDS: u64 = 1 << 31;

/// The location ids that do not fit the provisional `id - 1` form.
#[derive(Default)]
struct BigIds {
    ids: Vec<u64>,
    index: FxHashMap<u64, u32>,
}

impl BigIds {
    #[cold]
    fn frame(&mut self, id: u64, budget: &mut Budget) -> Result<u32, DecodeError> {
        let next = self.ids.len() as u32;
        if !self.index.contains_key(&id) {
            budget.charge(BIG_ID_COST, "samples")?;
        }
        let k = *self.index.entry(id).or_insert(next);
        if k == next {
            self.ids.push(id);
        }
        Ok(SMALL_IDS as u32 + k)
    }

    /// The id behind a provisional frame.
    fn id(&self, frame: u32) -> u64 {
        match (frame as u64).checked_sub(SMALL_IDS) {
            None => frame as u64 + 1,
            Some(k) => self.ids[k as usize],
        }
    }
}

/// The provisional frame for location `id`.
#[inline(always)]
fn frame_of(id: u64, big: &mut BigIds, budget: &mut Budget) -> Result<u32, DecodeError> {
    if id.wrapping_sub(1) < SMALL_IDS {
        Ok((id - 1) as u32)
    } else {
        big.frame(id, budget)
    }
}

/// Decodes a pprof protobuf fed in pieces of any size, as it is inflated:
/// samples go straight into flat arrays, everything else is checked and
/// resolved by [`Decoder::finish`] once the whole profile is in.
pub struct Decoder {
    raw: Raw,
    samples: Samples,
    /// Where this profile's samples begin in `samples` (see [`Decoder::onto`]).
    start: Start,
    big_ids: BigIds,
    /// The largest provisional frame read: with Go's numbering, all the
    /// check of the frames needs.
    max_frame: u32,
    labels: LabelSets<RawLabel>,
    scratch: Vec<RawLabel>,
    /// How many labels of `scratch` the budget was charged for (the most
    /// one sample had).
    scratch_paid: usize,
    /// Values of the first sample, and the first sample with another count.
    value_count: Option<usize>,
    odd_count: Option<(usize, usize)>,
    /// An incomplete field carried over to the next piece.
    pending: Vec<u8>,
    /// Offset in the whole input of the next byte not yet decoded.
    offset: usize,
    /// The memory budget: what the decoded entries take so far, and the
    /// limit (no field may claim more than is left).
    budget: Budget,
}

/// The lengths of the sample arrays before this profile's samples, and
/// what its location indexes start from.
#[derive(Debug, Clone, Copy, Default)]
struct Start {
    samples: usize,
    frames: usize,
    location: u32,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder without a memory limit (the input's own size bounds it).
    pub fn new() -> Self {
        Decoder::with_limit(u64::MAX)
    }

    /// A decoder whose decoded entries (of every table) may take at most
    /// `limit` bytes of memory, each checked as it is read, before it is
    /// stored; a field longer than what is left is refused as soon as its
    /// length is read. A gzip bomb stops early, whatever its content.
    pub fn with_limit(limit: u64) -> Self {
        Decoder {
            raw: Raw::default(),
            samples: Samples::default(),
            start: Start::default(),
            big_ids: BigIds::default(),
            max_frame: 0,
            labels: LabelSets::default(),
            scratch: Vec::new(),
            scratch_paid: 0,
            value_count: None,
            odd_count: None,
            pending: Vec::new(),
            offset: 0,
            budget: Budget { used: 0, limit },
        }
    }

    /// Counts `bytes` held elsewhere (a fetched body kept to be saved)
    /// against the budget.
    pub fn holding(mut self, bytes: u64) -> Self {
        self.budget.used = self.budget.used.saturating_add(bytes);
        self
    }

    /// Decodes the samples onto the end of `samples`' arrays, after the
    /// samples they hold (those of profiles combined so far), so that
    /// nothing is copied to combine them. The profile [`Decoder::finish`]
    /// returns holds all of them: its own begin at sample
    /// `samples.len()`; their frames are its location indexes plus
    /// `location_base`, and their label sets index its
    /// `samples.label_sets`, which replaces `samples`' own.
    pub fn onto(mut self, samples: Samples, location_base: u32) -> Self {
        self.start = Start {
            samples: samples.len(),
            frames: samples.frames.len(),
            location: location_base,
        };
        self.samples = samples;
        self
    }

    /// Decodes every complete field in `chunk` (with what earlier pieces left
    /// over) and keeps the rest for the next piece.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), DecodeError> {
        if self.pending.is_empty() {
            let used = self.fields(chunk)?;
            self.pending.extend_from_slice(&chunk[used..]);
        } else {
            let mut buf = std::mem::take(&mut self.pending);
            buf.extend_from_slice(chunk);
            let used = self.fields(&buf)?;
            buf.drain(..used);
            self.pending = buf;
        }
        Ok(())
    }

    /// Decodes the complete fields at the start of `buf`; returns how many
    /// bytes they took.
    fn fields(&mut self, buf: &[u8]) -> Result<usize, DecodeError> {
        let mut pos = 0;
        while pos < buf.len() {
            let Some(end) = wire::field_end(buf, pos) else {
                // Incomplete: wait for more, unless its length is already
                // past the limit.
                if let Some(len) = wire::declared_len(buf, pos) {
                    if len > self.budget.left() {
                        return Err(DecodeError::FieldTooLarge {
                            offset: self.offset,
                            len,
                            limit: self.budget.limit,
                        });
                    }
                }
                break;
            };
            let mut r = Reader::with_base(&buf[pos..end], self.offset);
            self.field(&mut r)?;
            self.offset += end - pos;
            pos = end;
        }
        Ok(pos)
    }

    /// Decodes one top-level field.
    fn field(&mut self, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        let (raw, budget) = (&mut self.raw, &mut self.budget);
        let (field, wt) = r.key()?;
        match field {
            1 => {
                budget.charge(SAMPLE_TYPE_COST, "sample types")?;
                raw.sample_types.push(message(r, wt, "sample type")?);
            }
            2 => {
                expect(wt, wire::LEN, "sample", r.offset())?;
                let (bytes, offset) = r.bytes()?;
                self.sample(bytes, offset)?;
            }
            3 => {
                budget.charge(MAPPING_COST, "mappings")?;
                raw.mappings.push(message(r, wt, "mapping")?);
            }
            4 => {
                let location = decode_location(r, wt, budget)?;
                raw.locations.push(location);
            }
            5 => {
                budget.charge(FUNCTION_COST, "functions")?;
                raw.functions.push(message(r, wt, "function")?);
            }
            6 => {
                expect(wt, wire::LEN, "string_table", r.offset())?;
                let (bytes, _) = r.bytes()?;
                budget.charge(STRING_COST + bytes.len() as u64, "strings")?;
                match std::str::from_utf8(bytes) {
                    Ok(text) => raw.strings.push(text),
                    Err(_) => raw.strings.push(&String::from_utf8_lossy(bytes)),
                };
            }
            11 => {
                budget.charge(SAMPLE_TYPE_COST, "sample types")?;
                raw.period_type = Some(message(r, wt, "period type")?);
            }
            13 => repeated_varint(r, wt, "comment", |v| {
                budget.charge(COMMENT_COST, "comments")?;
                raw.comments.push(v as i64);
                Ok(())
            })?,
            _ => {
                // Fields that take no memory, and unknown ones, are charged
                // their bytes and the time they take: a bomb of them stops
                // at the budget too, in a moment.
                let start = r.offset();
                self.scalar_field(r, field, wt)?;
                let bytes = (r.offset() - start) as u64;
                self.budget
                    .charge(OTHER_FIELD_COST + bytes, "other fields")?;
            }
        }
        Ok(())
    }

    /// A top-level field that is a scalar, or unknown (skipped).
    fn scalar_field(&mut self, r: &mut Reader<'_>, field: u32, wt: u8) -> Result<(), DecodeError> {
        let raw = &mut self.raw;
        match field {
            7 => raw.drop_frames = scalar(r, wt, "drop_frames")? as i64,
            8 => raw.keep_frames = scalar(r, wt, "keep_frames")? as i64,
            9 => raw.time_nanos = scalar(r, wt, "time_nanos")? as i64,
            10 => raw.duration_nanos = scalar(r, wt, "duration_nanos")? as i64,
            12 => raw.period = scalar(r, wt, "period")? as i64,
            14 => raw.default_sample_type = scalar(r, wt, "default_sample_type")? as i64,
            15 => raw.doc_url = scalar(r, wt, "doc_url")? as i64,
            _ => r.skip(wt)?,
        }
        Ok(())
    }

    /// Decodes one sample into the flat arrays, its location ids kept in
    /// provisional form.
    fn sample(&mut self, bytes: &[u8], offset: usize) -> Result<(), DecodeError> {
        let budget = &mut self.budget;
        budget.charge(SAMPLE_COST, "samples")?;
        let samples = &mut self.samples;
        let index = samples.frame_ends.len() - self.start.samples;
        let base = self.start.location;
        let mut max_frame = self.max_frame;
        let values_before = samples.values.len();
        self.scratch.clear();
        let mut r = Reader::with_base(bytes, offset);
        while !r.is_empty() {
            let (field, wt) = r.key()?;
            match field {
                1 if wt == wire::LEN => {
                    let (bytes, offset) = r.bytes()?;
                    // At most one frame per byte: charged in advance, the
                    // rest given back once they are counted.
                    let most = bytes.len() as u64 * FRAME_COST;
                    budget.charge(most, "samples")?;
                    let before = samples.frames.len();
                    let mut pos = 0;
                    while pos < bytes.len() {
                        let start = pos;
                        let id = wire::read_varint(bytes, &mut pos)
                            .ok_or_else(|| wire::varint_error(bytes, start, offset))?;
                        let frame = frame_of(id, &mut self.big_ids, budget)?;
                        max_frame = max_frame.max(frame);
                        samples.frames.push(frame.wrapping_add(base));
                    }
                    budget.refund(most - (samples.frames.len() - before) as u64 * FRAME_COST);
                }
                1 => {
                    let id = scalar(&mut r, wt, "sample.location_id")?;
                    budget.charge(FRAME_COST, "samples")?;
                    let frame = frame_of(id, &mut self.big_ids, budget)?;
                    max_frame = max_frame.max(frame);
                    samples.frames.push(frame.wrapping_add(base));
                }
                2 if wt == wire::LEN => {
                    let (bytes, offset) = r.bytes()?;
                    let most = bytes.len() as u64 * VALUE_COST;
                    budget.charge(most, "samples")?;
                    let before = samples.values.len();
                    let mut pos = 0;
                    while pos < bytes.len() {
                        let start = pos;
                        let v = wire::read_varint(bytes, &mut pos)
                            .ok_or_else(|| wire::varint_error(bytes, start, offset))?;
                        samples.values.push(v as i64);
                    }
                    budget.refund(most - (samples.values.len() - before) as u64 * VALUE_COST);
                }
                2 => {
                    let v = scalar(&mut r, wt, "sample.value")? as i64;
                    budget.charge(VALUE_COST, "samples")?;
                    samples.values.push(v);
                }
                3 => {
                    expect(wt, wire::LEN, "sample.label", r.offset())?;
                    let (bytes, offset) = r.bytes()?;
                    if self.scratch.len() >= self.scratch_paid {
                        budget.charge(SCRATCH_LABEL_COST, "labels")?;
                        self.scratch_paid += 1;
                    }
                    self.scratch.push(decode_label(bytes, offset)?);
                }
                _ => r.skip(wt)?,
            }
        }
        let got = samples.values.len() - values_before;
        match self.value_count {
            None => self.value_count = Some(got),
            Some(count) if count != got && self.odd_count.is_none() => {
                self.odd_count = Some((index, got));
            }
            Some(_) => {}
        }
        samples.frame_ends.push(samples.frames.len());
        self.max_frame = max_frame;
        let set = if self.scratch.is_empty() {
            0
        } else {
            // Charged as a new set, given back if it is not new.
            let cost = LABEL_SET_COST + self.scratch.len() as u64 * LABEL_COST;
            budget.charge(cost, "label sets")?;
            let sets = self.labels.len();
            let set = self.labels.intern(&self.scratch);
            if self.labels.len() == sets {
                budget.refund(cost);
            }
            set
        };
        samples.label_set.push(set);
        Ok(())
    }

    /// Checks and resolves everything once the whole profile has been fed.
    pub fn finish(mut self) -> Result<Profile, DecodeError> {
        if !self.pending.is_empty() {
            // An incomplete field: reading it reports how it is cut short.
            let pending = std::mem::take(&mut self.pending);
            let mut r = Reader::with_base(&pending, self.offset);
            while !r.is_empty() {
                self.field(&mut r)?;
            }
        }
        let raw = self.raw;
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

        let mut samples = self.samples;
        let start = self.start;
        resolve_frames(
            &mut samples,
            start,
            self.max_frame,
            &raw.locations,
            &location_ids,
            &self.big_ids,
        )?;
        let want = sample_types.len();
        let odd = match (self.value_count, self.odd_count) {
            (Some(count), _) if count != want => Some((0, count)),
            (_, odd) => odd,
        };
        if let Some((sample, got)) = odd {
            return Err(DecodeError::ValueCount { sample, got, want });
        }
        samples.num_values = want;
        samples.label_sets = resolve_labels(&self.labels, &samples.label_set[start.samples..], &s)?;

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
}

/// Decodes an uncompressed pprof protobuf held in memory.
pub fn decode(data: &[u8]) -> Result<Profile, DecodeError> {
    let mut decoder = Decoder::new();
    decoder.feed(data)?;
    decoder.finish()
}

/// Turns the provisional frames of the samples from `start` on into dense
/// location indexes (plus the location base they were stored with). Go
/// numbers locations 1, 2, 3, … in the order it writes them, which makes
/// every provisional frame its dense index already: then this is one check,
/// of `max_frame` (the largest of the provisional frames).
fn resolve_frames(
    samples: &mut Samples,
    start: Start,
    max_frame: u32,
    locations: &[pb::Location],
    ids: &IdMap,
    big: &BigIds,
) -> Result<(), DecodeError> {
    let n = locations.len();
    let in_order = locations
        .iter()
        .enumerate()
        .all(|(i, l)| l.id == i as u64 + 1);
    let frames = &mut samples.frames[start.frames..];
    if in_order && (frames.is_empty() || (max_frame as usize) < n) {
        return Ok(());
    }
    let base = start.location;
    for (pos, frame) in frames.iter_mut().enumerate() {
        let id = big.id(frame.wrapping_sub(base));
        match ids.get(id) {
            Some(dense) => *frame = dense.wrapping_add(base),
            None => {
                let ends = &samples.frame_ends[start.samples..];
                let sample = ends.partition_point(|&end| end <= start.frames + pos);
                return Err(DecodeError::UnknownId {
                    referrer: format!("sample {sample}"),
                    what: "location",
                    id,
                });
            }
        }
    }
    Ok(())
}

type StringCheck<'a> = dyn Fn(i64, &dyn Fn() -> String) -> Result<StrId, DecodeError> + 'a;

/// Checks the string indexes of the label sets read and turns them into the
/// profile's label sets (with the same ids).
fn resolve_labels(
    raw: &LabelSets<RawLabel>,
    label_set: &[u32],
    s: &StringCheck<'_>,
) -> Result<LabelSets, DecodeError> {
    let unnamed = String::new;
    let mut sets = LabelSets::default();
    for id in 0..raw.len() as u32 {
        let labels: Result<Vec<Label>, _> = raw
            .get(id)
            .iter()
            .map(|l| check_label(l, s, &unnamed))
            .collect();
        match labels {
            Ok(labels) => {
                let new = sets.intern(&labels);
                debug_assert_eq!(new, id, "distinct sets stay distinct");
            }
            Err(unnamed_error) => {
                // Name the first sample with a bad label, as a check in
                // sample order would.
                let bad = |set: u32| {
                    raw.get(set)
                        .iter()
                        .any(|l| check_label(l, s, &unnamed).is_err())
                };
                let sample = label_set.iter().position(|&set| bad(set));
                let named = sample.and_then(|sample| {
                    let who = || format!("a label of sample {sample}");
                    raw.get(label_set[sample])
                        .iter()
                        .find_map(|l| check_label(l, s, &who).err())
                });
                return Err(named.unwrap_or(unnamed_error));
            }
        }
    }
    Ok(sets)
}

fn check_label(
    l: &RawLabel,
    s: &StringCheck<'_>,
    who: &dyn Fn() -> String,
) -> Result<Label, DecodeError> {
    Ok(Label {
        key: s(l.key, who)?,
        str: s(l.str, who)?,
        num: l.num,
        num_unit: s(l.num_unit, who)?,
    })
}

/// Decodes a location, charging it and each of its lines before they are
/// kept (a location's lines are as many as its bytes allow).
fn decode_location(
    r: &mut Reader<'_>,
    wire_type: u8,
    budget: &mut Budget,
) -> Result<pb::Location, DecodeError> {
    expect(wire_type, wire::LEN, "location", r.offset())?;
    let (bytes, offset) = r.bytes()?;
    budget.charge(LOCATION_COST, "locations")?;
    let mut location = pb::Location::default();
    let mut r = Reader::with_base(bytes, offset);
    while !r.is_empty() {
        let (field, wt) = r.key()?;
        match field {
            1 => location.id = scalar(&mut r, wt, "location.id")?,
            2 => location.mapping_id = scalar(&mut r, wt, "location.mapping_id")?,
            3 => location.address = scalar(&mut r, wt, "location.address")?,
            4 => {
                expect(wt, wire::LEN, "location.line", r.offset())?;
                let (bytes, offset) = r.bytes()?;
                budget.charge(LINE_COST, "lines")?;
                location.line.push(decode_line(bytes, offset)?);
            }
            5 => location.is_folded = scalar(&mut r, wt, "location.is_folded")? != 0,
            _ => r.skip(wt)?,
        }
    }
    Ok(location)
}

fn decode_line(bytes: &[u8], offset: usize) -> Result<pb::Line, DecodeError> {
    let mut r = Reader::with_base(bytes, offset);
    let mut line = pb::Line::default();
    while !r.is_empty() {
        let (field, wt) = r.key()?;
        match field {
            1 => line.function_id = scalar(&mut r, wt, "line.function_id")?,
            2 => line.line = scalar(&mut r, wt, "line.line")? as i64,
            3 => line.column = scalar(&mut r, wt, "line.column")? as i64,
            _ => r.skip(wt)?,
        }
    }
    Ok(line)
}

fn decode_label(bytes: &[u8], offset: usize) -> Result<RawLabel, DecodeError> {
    let mut r = Reader::with_base(bytes, offset);
    let mut label = RawLabel::default();
    while !r.is_empty() {
        let (field, wt) = r.key()?;
        match field {
            1 => label.key = scalar(&mut r, wt, "label.key")? as i64,
            2 => label.str = scalar(&mut r, wt, "label.str")? as i64,
            3 => label.num = scalar(&mut r, wt, "label.num")? as i64,
            4 => label.num_unit = scalar(&mut r, wt, "label.num_unit")? as i64,
            _ => r.skip(wt)?,
        }
    }
    Ok(label)
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
        .map(ToString::to_string)
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

    /// Samples decoded onto other samples' arrays follow them, as decoded
    /// afresh but for frames counted from the location base and frame ends
    /// counted from the arrays' start; the samples before are untouched.
    #[test]
    fn decoding_onto_other_samples_keeps_them_and_counts_from_the_base() {
        let bytes = sample_profile().encode_to_vec();
        let fresh = decode(&bytes).unwrap();
        let mut before = fresh.samples.clone();
        before.values.extend([7; 4]);
        before.frames.extend([9; 3]);
        before.frame_ends.push(before.frames.len());
        before.label_set.push(1);
        let kept = before.clone();
        let mut decoder = Decoder::new().onto(before, 40);
        decoder.feed(&bytes).unwrap();
        let both = decoder.finish().unwrap().samples;
        let (a, b, n) = (&fresh.samples, &kept, kept.len());
        assert_eq!(both.len(), n + a.len());
        assert_eq!(both.values[..b.values.len()], b.values[..]);
        assert_eq!(both.values[b.values.len()..], a.values[..]);
        assert_eq!(both.frames[..b.frames.len()], b.frames[..]);
        let shifted: Vec<u32> = a.frames.iter().map(|f| f + 40).collect();
        assert_eq!(both.frames[b.frames.len()..], shifted[..]);
        assert_eq!(both.frame_ends[..n], b.frame_ends[..]);
        let ends: Vec<usize> = a.frame_ends.iter().map(|e| e + b.frames.len()).collect();
        assert_eq!(both.frame_ends[n..], ends[..]);
        assert_eq!(both.label_set[..n], b.label_set[..]);
        assert_eq!(both.label_set[n..], a.label_set[..]);
        // The label sets are the new profile's own.
        assert_eq!(both.label_sets.len(), a.label_sets.len());
        assert_eq!(both.labels(n), a.labels(0));
    }

    /// Sample numbers in errors count from the profile's own first sample.
    #[test]
    fn errors_onto_other_samples_number_the_profile_own_samples() {
        let mut p = sample_profile();
        p.sample[1].location_id.push(99);
        let bytes = p.encode_to_vec();
        let before = decode(&sample_profile().encode_to_vec()).unwrap().samples;
        let mut decoder = Decoder::new().onto(before, 3);
        decoder.feed(&bytes).unwrap();
        let err = decoder.finish().unwrap_err().to_string();
        assert_eq!(
            err,
            "sample 1 refers to location id 99, which is not defined"
        );
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
