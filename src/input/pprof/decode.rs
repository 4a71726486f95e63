//! The pass over the bytes: top-level fields decoded as they arrive, the
//! small messages through prost, samples straight into flat arrays with
//! their location ids in a provisional form.

use prost::Message;
use rustc_hash::FxHashMap;

use super::budget::{
    Budget, BIG_ID_COST, COMMENT_COST, FRAME_COST, FUNCTION_COST, LABEL_COST, LABEL_SET_COST,
    LINE_COST, LOCATION_COST, MAPPING_COST, OTHER_FIELD_COST, SAMPLE_COST, SAMPLE_TYPE_COST,
    SCRATCH_LABEL_COST, STRING_COST, VALUE_COST,
};
use super::DecodeError;
use crate::input::wire::{self, Reader};
use crate::pb;
use crate::profile::{
    Frame, FrameVec, LabelSetIndex, LabelSets, LocationIndex, Samples, StringTable,
};

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
pub(super) struct Raw {
    pub(super) sample_types: Vec<pb::ValueType>,
    pub(super) mappings: Vec<pb::Mapping>,
    pub(super) locations: Vec<pb::Location>,
    pub(super) functions: Vec<pb::Function>,
    pub(super) strings: StringTable,
    pub(super) drop_frames: i64,
    pub(super) keep_frames: i64,
    pub(super) time_nanos: i64,
    pub(super) duration_nanos: i64,
    pub(super) period_type: Option<pb::ValueType>,
    pub(super) period: i64,
    pub(super) comments: Vec<i64>,
    pub(super) default_sample_type: i64,
    pub(super) doc_url: i64,
}

/// A label as read, its string indexes not yet checked (the string table
/// usually comes after the samples).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(super) struct RawLabel {
    pub(super) key: i64,
    pub(super) str: i64,
    pub(super) num: i64,
    pub(super) num_unit: i64,
}
/// The key of a top-level sample field (field 2, length-delimited).
const SAMPLE_KEY: u8 = 2 << 3 | wire::LEN;

/// Location ids 1..=2^31 (all that Go writes) are kept in a sample's frames
/// as `id - 1` until the locations are known; any other id as
/// `SMALL_IDS + k`, `k` indexing [`BigIds`].
const SMALL_IDS: u64 = 1 << 31;

/// The location ids that do not fit the provisional `id - 1` form.
#[derive(Default)]
pub(super) struct BigIds {
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
    pub(super) fn id(&self, frame: u32) -> u64 {
        match (frame as u64).checked_sub(SMALL_IDS) {
            None => frame as u64 + 1,
            Some(k) => self.ids[k as usize],
        }
    }
}

/// Appends a packed run of location ids (`bytes`, at `offset` in the
/// file) to `frames` as provisional frames plus `base`; returns the largest
/// provisional frame and the largest stored one (before cutting to `F`: a
/// caller storing 2 bytes reads them again wider when it is past them).
fn packed_frames<F: Frame>(
    frames: &mut Vec<F>,
    bytes: &[u8],
    offset: usize,
    base: u32,
    big: &mut BigIds,
    budget: &mut Budget,
) -> Result<(u32, u32), DecodeError> {
    let before = frames.len();
    if let Some(max_frame) = short_ids(frames, bytes, base) {
        if frames.len() == before {
            return Ok((0, 0));
        }
        if let Some(max_stored) = max_frame.checked_add(base) {
            return Ok((max_frame, max_stored));
        }
    }
    frames.truncate(before);
    packed_frames_slow(frames, bytes, offset, base, big, budget)
}

/// The frames of a packed run whose ids are all 1 to 16383 (one or two
/// bytes: all Go writes in most profiles) appended to `frames`, and the
/// largest; None, with some appended, at any other id or a cut varint.
/// Four ids are read from each 8-byte word (four of at most two bytes fit
/// in it): where the next id starts depends on the last one's length, and
/// shifting a word in a register to find it is quicker than loading each
/// id's bytes after the previous one's, or than a branch on its length
/// (which real profiles make unpredictable).
#[inline(always)]
fn short_ids<F: Frame>(frames: &mut Vec<F>, bytes: &[u8], base: u32) -> Option<u32> {
    frames.reserve(bytes.len());
    let mut max_frame = 0u64;
    let mut pos = 0;
    let mut id = |w: u64| -> Option<(F, u64)> {
        let more = (w >> 7) & 1;
        if (w >> 15) & more != 0 {
            return None;
        }
        let id = (w & 0x7f) | ((w >> 1) & 0x3f80 & more.wrapping_neg());
        let frame = id.wrapping_sub(1);
        max_frame = max_frame.max(frame);
        Some((F::from_raw_cut((frame as u32).wrapping_add(base)), more))
    };
    while let Some(word) = bytes.get(pos..pos + 8) {
        let mut w = u64::from_le_bytes(word.try_into().ok()?);
        let mut four = [F::from_raw_cut(0); 4];
        let mut used = 0;
        for slot in &mut four {
            let (frame, more) = id(w)?;
            *slot = frame;
            w >>= 8 + 8 * more;
            used += 1 + more as usize;
        }
        frames.extend_from_slice(&four);
        pos += used;
    }
    while let Some(rest) = bytes.get(pos..).filter(|r| !r.is_empty()) {
        let w = match rest {
            [b0, b1, ..] => u64::from(*b0) | u64::from(*b1) << 8,
            [b0] if *b0 < 0x80 => u64::from(*b0),
            _ => return None,
        };
        let (frame, more) = id(w)?;
        frames.push(frame);
        pos += 1 + more as usize;
    }
    // An id 0 made u64::MAX.
    (max_frame < 16383).then_some(max_frame as u32)
}

/// [`packed_frames`] one varint at a time, for any id.
fn packed_frames_slow<F: Frame>(
    frames: &mut Vec<F>,
    bytes: &[u8],
    offset: usize,
    base: u32,
    big: &mut BigIds,
    budget: &mut Budget,
) -> Result<(u32, u32), DecodeError> {
    let mut max_frame = 0u32;
    let mut max_stored = 0u32;
    let mut pos = 0;
    while pos < bytes.len() {
        let start = pos;
        let id = wire::read_varint(bytes, &mut pos)
            .ok_or_else(|| wire::varint_error(bytes, start, offset))?;
        let frame = frame_of(id, big, budget)?;
        max_frame = max_frame.max(frame);
        let stored = frame.wrapping_add(base);
        max_stored = max_stored.max(stored);
        frames.push(F::from_raw_cut(stored));
    }
    Ok((max_frame, max_stored))
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

/// Label sets by the bytes of the label fields that wrote them (one run of
/// a sample's fields), for runs of up to 16 bytes (Go's `bytes` label
/// takes 6 to 9): a sample whose labels an earlier sample wrote byte for
/// byte finds its set by two word compares, its labels neither decoded nor
/// hashed one by one. A cache, not a table: each run has one slot, taken
/// by the last run that fell there, so it holds at most [`LABEL_RUNS`]
/// runs whatever the samples' labels (span ids unique to each sample just
/// keep replacing each other).
#[derive(Default)]
struct LabelRuns {
    /// Per slot: the run's two key words (see [`LabelRuns::key`]), its
    /// length (0: empty) and its set; allocated with the first run kept.
    slots: Vec<([u64; 2], usize, LabelSetIndex)>,
}

/// Slots of [`LabelRuns`] (a power of two).
const LABEL_RUNS: usize = 1024;

impl LabelRuns {
    /// The run's words and slot; None for a run too long to be kept.
    fn key(run: &[u8]) -> Option<([u64; 2], usize)> {
        // Its first and last 8 (or 4) bytes, overlapping: with the length,
        // they tell the whole run.
        let len = run.len();
        let word = |at: usize| u64::from_le_bytes(run[at..at + 8].try_into().unwrap_or_default());
        let half = |at: usize| {
            u64::from(u32::from_le_bytes(
                run[at..at + 4].try_into().unwrap_or_default(),
            ))
        };
        let words = match len {
            8..=16 => [word(0), word(len - 8)],
            4..=7 => [half(0), half(len - 4)],
            0..=3 => [run.iter().fold(0, |w, &b| w << 8 | u64::from(b)), 0],
            _ => return None,
        };
        let mixed = (words[0] ^ words[1].rotate_left(29) ^ run.len() as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Some((words, (mixed >> 54) as usize % LABEL_RUNS))
    }

    fn get(&self, run: &[u8]) -> Option<LabelSetIndex> {
        let (words, slot) = Self::key(run)?;
        let &(w, len, set) = self.slots.get(slot)?;
        (len == run.len() && w == words).then_some(set)
    }

    /// Remembers that `run` writes `set` (if it is short enough).
    fn add(
        &mut self,
        run: &[u8],
        set: LabelSetIndex,
        budget: &mut Budget,
    ) -> Result<(), DecodeError> {
        let Some((words, slot)) = Self::key(run) else {
            return Ok(());
        };
        if self.slots.is_empty() {
            budget.charge(LABEL_RUNS_COST, "labels")?;
            self.slots = vec![([0; 2], 0, LabelSetIndex::EMPTY); LABEL_RUNS];
        }
        self.slots[slot] = (words, run.len(), set);
        Ok(())
    }
}

/// Memory of [`LabelRuns`]' slots.
const LABEL_RUNS_COST: u64 = (LABEL_RUNS * size_of::<([u64; 2], usize, LabelSetIndex)>()) as u64;

/// Decodes a pprof protobuf fed in pieces of any size, as it is inflated:
/// samples go straight into flat arrays, everything else is checked and
/// resolved by [`Decoder::finish`] once the whole profile is in.
pub struct Decoder {
    pub(super) raw: Raw,
    pub(super) samples: Samples,
    /// Where this profile's samples begin in `samples` (see [`Decoder::onto`]).
    pub(super) start: Start,
    pub(super) big_ids: BigIds,
    /// The largest provisional frame read: with Go's numbering, all the
    /// check of the frames needs.
    pub(super) max_frame: u32,
    pub(super) labels: LabelSets<RawLabel>,
    /// Label sets found by the bytes that wrote them.
    label_runs: LabelRuns,
    pub(super) scratch: Vec<RawLabel>,
    /// How many labels of `scratch` the budget was charged for (the most
    /// one sample had).
    pub(super) scratch_paid: usize,
    /// Values of the first sample, and the first sample with another count.
    pub(super) value_count: Option<usize>,
    pub(super) odd_count: Option<(usize, usize)>,
    /// An incomplete field carried over to the next piece.
    pub(super) pending: Vec<u8>,
    /// Offset in the whole input of the next byte not yet decoded.
    pub(super) offset: usize,
    /// The memory budget: what the decoded entries take so far, and the
    /// limit (no field may claim more than is left).
    pub(super) budget: Budget,
}

/// The lengths of the sample arrays before this profile's samples, and
/// what its location indexes start from.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Start {
    pub(super) samples: usize,
    pub(super) frames: usize,
    pub(super) location: LocationIndex,
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
            label_runs: LabelRuns::default(),
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
    pub fn onto(mut self, samples: Samples, location_base: LocationIndex) -> Self {
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
        let mut chunk = chunk;
        if !self.pending.is_empty() {
            let taken = self.complete_pending(chunk)?;
            if !self.pending.is_empty() {
                return Ok(()); // the whole piece went into it
            }
            chunk = &chunk[taken..];
        }
        let used = self.fields(chunk)?;
        self.pending.extend_from_slice(&chunk[used..]);
        Ok(())
    }

    /// Completes the field the last piece cut off (`pending`) with as few
    /// of `chunk`'s first bytes as it takes, and decodes it; returns how
    /// many bytes of `chunk` it took. A piece is nearly always cut inside a
    /// field, and copying only that field's rest (a sample's few dozen
    /// bytes) instead of the whole piece after it spares a copy of the
    /// whole input. If `chunk` runs out first, all of it is kept in
    /// `pending`.
    fn complete_pending(&mut self, chunk: &[u8]) -> Result<usize, DecodeError> {
        let mut taken = 0;
        while wire::field_end(&self.pending, 0).is_none() {
            // The rest of a length-delimited payload whose length is in;
            // else enough for any key and length, or a varint.
            let pending = &self.pending;
            let want = wire::declared_len(pending, 0).map_or(20, |(len, begin)| {
                let missing = len.saturating_sub((pending.len() - begin) as u64);
                missing.min(usize::MAX as u64) as usize
            });
            let add = want.min(chunk.len() - taken);
            if add == 0 {
                // Out of bytes: what `fields` says of a field cut short
                // (too long for the budget, or wait for more).
                let pending = std::mem::take(&mut self.pending);
                let used = self.fields(&pending);
                self.pending = pending;
                debug_assert!(matches!(used, Ok(0) | Err(_)));
                used?;
                return Ok(taken);
            }
            self.pending.extend_from_slice(&chunk[taken..taken + add]);
            taken += add;
        }
        // Complete: decoded with whatever whole fields of `chunk` came
        // along; the bytes after them are read from `chunk` itself.
        let mut pending = std::mem::take(&mut self.pending);
        let used = self.fields(&pending)?;
        let left = pending.len() - used;
        pending.clear();
        self.pending = pending;
        Ok(taken - left)
    }

    /// Decodes the complete fields at the start of `buf`; returns how many
    /// bytes they took.
    fn fields(&mut self, buf: &[u8]) -> Result<usize, DecodeError> {
        let mut pos = 0;
        while pos < buf.len() {
            // Samples, nearly all of a profile, straight to their decoding.
            if buf[pos] == SAMPLE_KEY {
                let mut begin = pos + 1;
                if let Some(len) = wire::read_varint(buf, &mut begin) {
                    if len <= (buf.len() - begin) as u64 {
                        let end = begin + len as usize;
                        self.sample(&buf[begin..end], self.offset + (begin - pos))?;
                        self.offset += end - pos;
                        pos = end;
                        continue;
                    }
                }
            }
            let Some(end) = wire::field_end(buf, pos) else {
                // Incomplete: wait for more, unless its length is already
                // past the limit.
                if let Some((len, _)) = wire::declared_len(buf, pos) {
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
    pub(super) fn field(&mut self, r: &mut Reader<'_>) -> Result<(), DecodeError> {
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
        let base = self.start.location.raw();
        let mut max_frame = self.max_frame;
        let values_before = samples.values.len();
        // The label fields' bytes, when they are one run (as every producer
        // writes them), and whether any label field lies outside it.
        let mut run: Option<std::ops::Range<usize>> = None;
        let mut scattered = false;
        let mut r = Reader::with_base(bytes, offset);
        while !r.is_empty() {
            let at = r.offset() - offset;
            let (field, wt) = r.key()?;
            match field {
                1 if wt == wire::LEN => {
                    let (bytes, offset) = r.bytes()?;
                    // At most one frame per byte: charged in advance, the
                    // rest given back once they are counted.
                    let most = bytes.len() as u64 * FRAME_COST;
                    budget.charge(most, "samples")?;
                    let before = samples.frames.len();
                    let big = &mut self.big_ids;
                    let top = match &mut samples.frames {
                        FrameVec::Narrow(f) => packed_frames(f, bytes, offset, base, big, budget)?,
                        FrameVec::Wide(f) => packed_frames(f, bytes, offset, base, big, budget)?,
                    };
                    if top.1 > u16::MAX as u32 && samples.frames.width() == 2 {
                        // Cut to 2 bytes: read again, 4 bytes wide from now.
                        samples.frames.truncate(before);
                        samples.frames.widen();
                        let FrameVec::Wide(f) = &mut samples.frames else {
                            unreachable!("just widened")
                        };
                        packed_frames(f, bytes, offset, base, big, budget)?;
                    }
                    max_frame = max_frame.max(top.0);
                    budget.refund(most - (samples.frames.len() - before) as u64 * FRAME_COST);
                }
                1 => {
                    let id = scalar(&mut r, wt, "sample.location_id")?;
                    budget.charge(FRAME_COST, "samples")?;
                    let frame = frame_of(id, &mut self.big_ids, budget)?;
                    max_frame = max_frame.max(frame);
                    samples
                        .frames
                        .push(LocationIndex::from_raw(frame.wrapping_add(base)));
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
                    r.bytes()?;
                    let end = r.offset() - offset;
                    match &mut run {
                        None => run = Some(at..end),
                        Some(run) if run.end == at => run.end = end,
                        Some(_) => scattered = true,
                    }
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
        if samples.frames.len() > u32::MAX as usize {
            // Frame ends are 4 bytes: past them only with a budget raised
            // far beyond what memory holds.
            budget.charge(u64::MAX, "samples")?;
        }
        samples.frame_ends.push(samples.frames.len() as u32);
        self.max_frame = max_frame;
        let set = match run {
            None => LabelSetIndex::EMPTY,
            Some(run) => {
                let known = (!scattered)
                    .then(|| self.label_runs.get(&bytes[run.clone()]))
                    .flatten();
                match known {
                    Some(set) => set,
                    None => {
                        // All of the sample's fields again when the labels
                        // are scattered, else only their run.
                        let (fields, at) = if scattered {
                            (bytes, offset)
                        } else {
                            (&bytes[run.clone()], offset + run.start)
                        };
                        let set = self.new_label_set(fields, at)?;
                        if !scattered {
                            self.label_runs.add(&bytes[run], set, &mut self.budget)?;
                        }
                        set
                    }
                }
            }
        };
        self.samples.label_set.push(set);
        Ok(())
    }

    /// Decodes the label fields among a sample's `fields` (at `offset` in
    /// the input) and gives their set, adding it if it is new.
    fn new_label_set(
        &mut self,
        fields: &[u8],
        offset: usize,
    ) -> Result<LabelSetIndex, DecodeError> {
        let budget = &mut self.budget;
        self.scratch.clear();
        let mut r = Reader::with_base(fields, offset);
        while !r.is_empty() {
            let (field, wt) = r.key()?;
            if field != 3 {
                r.skip(wt)?;
                continue;
            }
            let (bytes, offset) = r.bytes()?;
            if self.scratch.len() >= self.scratch_paid {
                budget.charge(SCRATCH_LABEL_COST, "labels")?;
                self.scratch_paid += 1;
            }
            self.scratch.push(decode_label(bytes, offset)?);
        }
        // Charged as a new set, given back if it is not new.
        let cost = LABEL_SET_COST + self.scratch.len() as u64 * LABEL_COST;
        budget.charge(cost, "label sets")?;
        let sets = self.labels.len();
        let set = self.labels.intern(&self.scratch);
        if self.labels.len() == sets {
            budget.refund(cost);
        }
        Ok(set)
    }
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
    use super::super::decode;
    use super::super::tests::sample_profile;
    use super::*;

    /// Samples decoded onto other samples' arrays follow them, as decoded
    /// afresh but for frames counted from the location base and frame ends
    /// counted from the arrays' start; the samples before are untouched.
    #[test]
    fn decoding_onto_other_samples_keeps_them_and_counts_from_the_base() {
        let bytes = sample_profile().encode_to_vec();
        let fresh = decode(&bytes).unwrap();
        let mut before = fresh.samples.clone();
        before.values.extend_from_slice(&[7; 4]);
        (0..3).for_each(|_| before.frames.push(LocationIndex::from_raw(9)));
        before.frame_ends.push(before.frames.len() as u32);
        before.label_set.push(LabelSetIndex::from_raw(1));
        let kept = before.clone();
        let mut decoder = Decoder::new().onto(before, LocationIndex::from_raw(40));
        decoder.feed(&bytes).unwrap();
        let both = decoder.finish().unwrap().samples;
        let (a, b, n) = (&fresh.samples, &kept, kept.len());
        assert_eq!(both.len(), n + a.len());
        let both_values = both.values.to_vec();
        assert_eq!(both_values[..b.values.len()], b.values.to_vec());
        assert_eq!(both_values[b.values.len()..], a.values.to_vec());
        let bf = b.frames.len();
        assert_eq!(both.frames.slice(0..bf), b.frames.all());
        let shifted: Vec<u32> = a.frames.all().iter().map(|f| f.raw() + 40).collect();
        let got: Vec<u32> = both
            .frames
            .slice(bf..both.frames.len())
            .iter()
            .map(LocationIndex::raw)
            .collect();
        assert_eq!(got, shifted);
        assert_eq!(both.frame_ends[..n], b.frame_ends[..]);
        let ends: Vec<u32> = a.frame_ends.iter().map(|e| e + bf as u32).collect();
        assert_eq!(both.frame_ends[n..], ends[..]);
        assert_eq!(both.label_set[..n], b.label_set[..]);
        assert_eq!(both.label_set[n..], a.label_set[..]);
        // The label sets are the new profile's own.
        assert_eq!(both.label_sets.len(), a.label_sets.len());
        assert_eq!(both.labels(n), a.labels(0));
    }

    /// A location id past 65,536 widens the frames to 4 bytes, in the
    /// middle of the samples, packed or not; ids that fit keep 2 bytes.
    #[test]
    fn frames_widen_to_four_bytes_when_an_id_needs_them() {
        let small = decode(&sample_profile().encode_to_vec()).unwrap();
        assert_eq!(small.samples.frames.width(), 2);
        let mut pb = sample_profile();
        pb.location[1].id = 100_000;
        pb.sample[0].location_id = vec![100_000, 1];
        pb.sample.swap(0, 1);
        let p = decode(&pb.encode_to_vec()).unwrap();
        assert_eq!(p.samples.frames.width(), 4);
        assert_eq!(p.samples.stack(0), &[0]);
        assert_eq!(p.samples.stack(1), &[1, 0]);
        // Decoded after 70,000 locations of other profiles.
        let mut decoder = Decoder::new().onto(Samples::new(4), LocationIndex::from_raw(70_000));
        decoder.feed(&sample_profile().encode_to_vec()).unwrap();
        let both = decoder.finish().unwrap().samples;
        assert_eq!(both.frames.width(), 4);
        assert_eq!(both.stack(0), &[70_001, 70_000]);
        assert_eq!(both.stack(1), &[70_000]);
    }

    /// A xorshift generator from `seed`: the same pseudo-random numbers on
    /// every run.
    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    /// Location ids of every length, packed, read four at a time where
    /// they allow it: the same frames, largest frame and errors as reading
    /// them one varint at a time, whatever the ids' lengths and where the
    /// words fall, and with a varint cut at the end.
    #[test]
    fn packed_ids_read_fast_equal_those_read_one_varint_at_a_time() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1du64);
        let budget = || Budget {
            used: 0,
            limit: u64::MAX,
        };
        for case in 0..4000 {
            let len = (next() % 40) as usize;
            let ids: Vec<u64> = (0..len)
                .map(|_| match next() % 32 {
                    0 => next() % (1 << 21),
                    1 if case % 5 == 0 => 0,
                    2..=12 => 1 + next() % 127,
                    _ => 1 + next() % 16383,
                })
                .collect();
            let mut bytes = Vec::new();
            for &id in &ids {
                prost::encoding::encode_varint(id, &mut bytes);
            }
            let cut = case % 7 == 0;
            if cut {
                bytes.push(0x80 | (next() % 128) as u8);
            }
            let (mut frames, mut big) = (Vec::<LocationIndex>::new(), BigIds::default());
            let got = packed_frames(&mut frames, &bytes, 0, 5, &mut big, &mut budget());
            let (mut want_frames, mut want_big) = (Vec::<LocationIndex>::new(), BigIds::default());
            let want =
                packed_frames_slow(&mut want_frames, &bytes, 0, 5, &mut want_big, &mut budget());
            assert_eq!(
                got.as_ref().map_err(ToString::to_string),
                want.as_ref().map_err(ToString::to_string),
                "case {case}"
            );
            if cut {
                assert!(got.is_err(), "case {case}");
                continue;
            }
            assert_eq!(frames, want_frames, "case {case}");
            let raw: Vec<u32> = frames.iter().map(|f| f.raw()).collect();
            let ids_back: Vec<u64> = raw.iter().map(|&f| big.id(f - 5)).collect();
            assert_eq!(ids_back, ids, "case {case}");
            let (max_frame, max_stored) = got.unwrap();
            assert_eq!(max_stored, raw.iter().copied().max().unwrap_or(0));
            if !ids.contains(&0) {
                let want: Vec<u32> = ids.iter().map(|&id| id as u32 - 1).collect();
                assert_eq!(raw, want.iter().map(|f| f + 5).collect::<Vec<_>>());
                assert_eq!(max_frame, want.iter().copied().max().unwrap_or(0));
            }
        }
        // Stored 2 bytes wide, as the samples start.
        let bytes = [1, 0x80, 1, 5, 0xff, 0x7f, 2, 3, 4, 9];
        let mut frames: Vec<u16> = Vec::new();
        let got = packed_frames(
            &mut frames,
            &bytes,
            0,
            0,
            &mut BigIds::default(),
            &mut budget(),
        );
        assert_eq!(got.unwrap(), (16382, 16382));
        assert_eq!(frames, [0, 127, 4, 16382, 1, 2, 3, 8]);
    }

    /// Samples' label sets are the same whether a sample's labels are found
    /// by their bytes or decoded: runs repeated and not, more distinct
    /// short runs than the cache has slots, runs too long for it, labels
    /// scattered among the sample's other fields.
    #[test]
    fn label_sets_found_by_their_bytes_equal_those_decoded() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15u64);
        let label = |key: i64, str: i64, num: i64| pb::Label {
            key,
            str,
            num,
            ..Default::default()
        };
        let mut profile = sample_profile();
        profile.sample.clear();
        let mut want: Vec<Vec<(i64, i64, i64)>> = Vec::new();
        for _ in 0..6000 {
            let labels = match next() % 8 {
                0 => vec![],
                // Runs of 2, 4 and 6 bytes.
                5 => vec![label(0, 0, 0)],
                6 => vec![label(4 + (next() % 3) as i64, 0, 0)],
                7 => vec![label(0, 0, 0), label(4 + (next() % 3) as i64, 0, 0)],
                1 => vec![label(4, 0, 1 + (next() % 3000) as i64)],
                2 => vec![
                    label(4, 0, (next() % 8) as i64),
                    label(12, 7 + (next() % 4) as i64, 0),
                ],
                3 => vec![label(12, 8, 0), label(4, 0, (next() % 8) as i64)],
                _ => (0..4)
                    .map(|k| label(4 + k, 0, (next() % 1000) as i64 + 300_000))
                    .collect(),
            };
            want.push(labels.iter().map(|l| (l.key, l.str, l.num)).collect());
            profile.sample.push(pb::Sample {
                location_id: vec![1],
                value: vec![1, 2, 3, 4],
                label: labels,
            });
        }
        let mut bytes = profile.encode_to_vec();
        // Labels before and after the sample's other fields, by hand.
        for num in [5u8, 6, 5] {
            let sample = [
                0x1a, 4, 0x08, 4, 0x18, num, // label: key 4, num
                0x12, 4, 1, 2, 3, 4, // values
                0x1a, 4, 0x08, 5, 0x18, 7, // label: key 5, num 7
                0x0a, 1, 1, // location ids
            ];
            bytes.extend_from_slice(&[0x12, sample.len() as u8]);
            bytes.extend_from_slice(&sample);
            want.push(vec![(4, 0, i64::from(num)), (5, 0, 7)]);
        }
        let p = decode(&bytes).unwrap();
        assert_eq!(p.samples.len(), want.len());
        for (i, want) in want.iter().enumerate() {
            let got: Vec<(i64, i64, i64)> = p
                .samples
                .labels(i)
                .iter()
                .map(|l| (l.key.index() as i64, l.str.index() as i64, l.num))
                .collect();
            assert_eq!(&got, want, "sample {i}");
        }
        // Equal sets are one set, however they were found.
        let sets: std::collections::HashSet<&Vec<(i64, i64, i64)>> = want.iter().collect();
        assert_eq!(
            p.samples.label_sets.len(),
            sets.len() + usize::from(!sets.contains(&vec![]))
        );
    }

    /// A profile fed in pieces of any size decodes as it does whole, and a
    /// broken one fails with the same error: real profiles of several
    /// producers and hostile inputs, cut every few bytes, every few hundred,
    /// and at random.
    #[test]
    fn pieces_of_any_size_decode_as_the_whole() {
        use std::io::Read;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
        for sub in ["profiles", "bad"] {
            let mut names: Vec<_> = std::fs::read_dir(dir.join(sub))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    p.to_string_lossy().ends_with(".pb.gz") || p.to_string_lossy().ends_with(".pb")
                })
                .collect();
            names.sort();
            for path in names {
                let raw = std::fs::read(&path).unwrap();
                let mut bytes = Vec::new();
                if flate2::read::MultiGzDecoder::new(&raw[..])
                    .read_to_end(&mut bytes)
                    .is_err()
                {
                    bytes = raw;
                }
                inputs.push((path.display().to_string(), bytes));
            }
        }
        assert!(inputs.len() > 30, "{}", inputs.len());
        let whole = |bytes: &[u8]| format!("{:?}", decode(bytes));
        let mut next = xorshift(0x853c_49e6_748f_ea9bu64);
        for (name, bytes) in &inputs {
            let want = whole(bytes);
            for size in [1usize, 3, 17, 200, 4096, 0] {
                let mut decoder = Decoder::new();
                let mut fed = Ok(());
                let mut at = 0;
                while at < bytes.len() && fed.is_ok() {
                    let n = if size == 0 {
                        1 + (next() % 700) as usize
                    } else {
                        size
                    };
                    let end = (at + n).min(bytes.len());
                    fed = decoder.feed(&bytes[at..end]);
                    at = end;
                }
                let got = format!("{:?}", fed.and_then(|()| decoder.finish()));
                assert!(
                    got == want,
                    "{name} in pieces of {size}: {got:.300} against {want:.300}"
                );
            }
        }
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
        assert_eq!(p.samples.values(0).collect::<Vec<_>>(), [1, 2, 3, 4]);
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
}
