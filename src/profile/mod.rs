//! The format-neutral profile model: interned strings, dense tables of
//! mappings, locations (with every inlined line), functions, and samples
//! stored as flat arrays. Every input format decodes into this; every report
//! reads from it.

pub mod allocator;
pub mod combine;
pub mod filter;
pub mod frames;
pub mod graph;
pub mod names;
pub mod prune;
pub mod sample_type;
pub mod stack;
pub mod values;

use std::ops::Range;

use crate::support::id::dense_id;
pub use stack::{Frame, FrameVec, FramesPass, Stack};
pub use values::ValueVec;

dense_id! {
    /// A string's index in a profile's [`StringTable`]; [`StrId::EMPTY`] is "".
    pub struct StrId;
}

impl StrId {
    /// String 0, always "": pprof's "not set" for every string field.
    pub const EMPTY: StrId = StrId::from_raw(0);
}

dense_id! {
    /// A location's dense position in [`Profile::locations`], what frames
    /// store (not the pprof `id` kept on the [`Location`]).
    pub struct LocationIndex;
}

dense_id! {
    /// A function's dense position in [`Profile::functions`], or `NONE`.
    pub struct FunctionIndex(NONE);
}

dense_id! {
    /// A mapping's dense position in [`Profile::mappings`], or `NONE`.
    pub struct MappingIndex(NONE);
}

dense_id! {
    /// A label set's index in [`LabelSets`]; [`LabelSetIndex::EMPTY`] has no labels.
    pub struct LabelSetIndex;
}

impl LabelSetIndex {
    /// Set 0, the empty one.
    pub const EMPTY: LabelSetIndex = LabelSetIndex::from_raw(0);
}

/// All strings of a profile in one buffer; string `i` is
/// `buf[ends[i-1]..ends[i]]` (string 0 starts at 0).
#[derive(Debug, Clone, Default)]
pub struct StringTable {
    buf: String,
    ends: Vec<usize>,
}

impl StringTable {
    pub fn new() -> Self {
        StringTable::default()
    }

    /// Appends a string and returns its index.
    pub fn push(&mut self, s: &str) -> StrId {
        self.buf.push_str(s);
        self.ends.push(self.buf.len());
        StrId::from_index(self.ends.len() - 1)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The string at `id`; "" for an index out of range (decoders validate
    /// indexes, so this only guards hand-built profiles).
    pub fn get(&self, id: StrId) -> &str {
        let i = id.index();
        if i >= self.ends.len() {
            return "";
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }
}

/// A sample type or period type: what is measured and in which unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ValueType {
    pub kind: StrId,
    pub unit: StrId,
}

/// A binary or library the profiled program had mapped.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub id: u64,
    pub memory_start: u64,
    pub memory_limit: u64,
    pub file_offset: u64,
    pub file: StrId,
    pub build_id: StrId,
    pub has_functions: bool,
    pub has_filenames: bool,
    pub has_line_numbers: bool,
    pub has_inline_frames: bool,
}

/// A program counter with its source lines.
#[derive(Debug, Clone, Default)]
pub struct Location {
    pub id: u64,
    pub mapping: MappingIndex,
    pub address: u64,
    /// Range into [`Profile::lines`]; the first line is the innermost
    /// (inlined) frame, the last the function the code belongs to.
    pub lines: Range<u32>,
    pub is_folded: bool,
}

/// One source line of a location.
#[derive(Debug, Clone, Copy, Default)]
pub struct Line {
    pub function: FunctionIndex,
    pub line: i64,
    pub column: i64,
}

/// A function referenced by lines.
#[derive(Debug, Clone, Default)]
pub struct Function {
    pub id: u64,
    pub name: StrId,
    pub system_name: StrId,
    pub filename: StrId,
    pub start_line: i64,
    /// Made up by heapscope rather than read: a legacy profile's
    /// unsymbolized address, named by itself. `raw` leaves its lines out,
    /// as pprof's profile has none there.
    pub synthetic: bool,
}

/// A label on a sample: a string (`str`) or a number (`num`, `num_unit`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Label {
    pub key: StrId,
    pub str: StrId,
    pub num: i64,
    pub num_unit: StrId,
}

impl Label {
    /// A string label: pprof reads a label with a value string as one.
    pub fn is_string(&self) -> bool {
        self.str != StrId::EMPTY
    }

    /// A numeric label: no value string, and a number or a unit. A label
    /// with neither is dropped by pprof's decoder, and ignored here.
    pub fn is_numeric(&self) -> bool {
        self.str == StrId::EMPTY && (self.num != 0 || self.num_unit != StrId::EMPTY)
    }
}

/// All samples, as flat arrays: sample `i` has values
/// `values[i*k..(i+1)*k]` (k = number of sample types; in 4 or 8 bytes:
/// [`ValueVec`]), stack
/// `frames[frame_ends[i-1]..frame_ends[i]]` (dense location indexes, leaf
/// first, in 2 or 4 bytes: [`FrameVec`]) and the labels of set
/// `label_set[i]` (see [`LabelSets`]).
#[derive(Debug, Clone, Default)]
pub struct Samples {
    pub num_values: usize,
    pub values: ValueVec,
    pub frames: FrameVec,
    /// Past u32 frames only beyond the memory budget.
    pub frame_ends: Vec<u32>,
    pub label_sets: LabelSets,
    pub label_set: Vec<LabelSetIndex>,
}

impl Samples {
    pub fn new(num_values: usize) -> Self {
        Samples {
            num_values,
            ..Samples::default()
        }
    }

    pub fn len(&self) -> usize {
        self.frame_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frame_ends.is_empty()
    }

    /// The stack of sample `i`, leaf first, as location indexes.
    pub fn stack(&self, i: usize) -> Stack<'_> {
        self.frames.slice(self.frame_range(i))
    }

    /// Where sample `i`'s frames are in [`Samples::frames`].
    pub fn frame_range(&self, i: usize) -> Range<usize> {
        let start = if i == 0 {
            0
        } else {
            self.frame_ends[i - 1] as usize
        };
        start..self.frame_ends[i] as usize
    }

    /// Runs `pass` on the stored frames, monomorphised for their width.
    pub fn with_frames<P: FramesPass>(&self, pass: P) -> P::Out {
        match &self.frames {
            FrameVec::Narrow(f) => pass.run(f, &self.frame_ends),
            FrameVec::Wide(f) => pass.run(f, &self.frame_ends),
        }
    }

    /// The values of sample `i`, one per sample type.
    pub fn values(&self, i: usize) -> impl Iterator<Item = i64> + '_ {
        self.values
            .range(i * self.num_values..(i + 1) * self.num_values)
    }

    /// Value `index` of sample `i`.
    #[inline]
    pub fn value(&self, i: usize, index: usize) -> i64 {
        self.values.get(i * self.num_values + index)
    }

    pub fn labels(&self, i: usize) -> &[Label] {
        self.label_sets.get(self.label_set[i])
    }

    /// These samples followed by `tail`'s, as a decoder onto these arrays
    /// would have left them (`pprof::Decoder::onto`): `tail`'s frames
    /// shifted by `location_base`, and `tail`'s label set table in place of
    /// this one's. `tail`'s arrays are moved when there is nothing to shift
    /// them after.
    pub fn then(mut self, mut tail: Samples, location_base: LocationIndex) -> Samples {
        // Past u32 only for a combination the combiner refuses.
        let shift = |f: LocationIndex| f.offset(location_base);
        let max = tail
            .frames
            .all()
            .iter()
            .map(LocationIndex::raw)
            .max()
            .unwrap_or(0);
        let max = max.saturating_add(location_base.raw());
        if self.is_empty() {
            if location_base != LocationIndex::default() {
                tail.frames.map_from(0, max, shift);
            }
            return tail;
        }
        let base = self.frames.len() as u32;
        self.values.append(&tail.values);
        let from = self.frames.len();
        self.frames.extend_from(tail.frames.all());
        self.frames.map_from(from, max, shift);
        self.frame_ends
            .extend(tail.frame_ends.iter().map(|&end| end + base));
        self.label_set.extend_from_slice(&tail.label_set);
        self.num_values = tail.num_values;
        self.label_sets = tail.label_sets;
        self
    }

    /// Cuts each stack from sample `start` on at its leaf end: `leaf_cut`
    /// says how many of a stack's frames (leaf first) to drop. The stacks
    /// are moved down in place (the write position never passes the read
    /// position) and the frames past the last one dropped.
    pub fn cut_leaf_frames(&mut self, start: usize, mut leaf_cut: impl FnMut(Stack<'_>) -> usize) {
        let mut from = if start == 0 {
            0
        } else {
            self.frame_ends[start - 1] as usize
        };
        let mut to = from;
        for s in start..self.len() {
            let end = self.frame_ends[s] as usize;
            let skip = leaf_cut(self.frames.slice(from..end)).min(end - from);
            self.frames.copy_within(from + skip..end, to);
            to += end - from - skip;
            self.frame_ends[s] = to as u32;
            from = end;
        }
        self.frames.truncate(to);
    }

    /// Appends a sample; `stack` holds dense location indexes, leaf first.
    pub fn push(&mut self, values: &[i64], stack: &[LocationIndex], labels: &[Label]) {
        debug_assert_eq!(values.len(), self.num_values);
        self.values.extend_from_slice(values);
        for &loc in stack {
            self.frames.push(loc);
        }
        self.frame_ends.push(self.frames.len() as u32);
        let set = self.label_sets.intern(labels);
        self.label_set.push(set);
    }
}

/// The distinct label sets of a profile's samples, each stored once: Go
/// gives nearly every heap sample one `bytes` label, and a few thousand
/// distinct sizes cover hundreds of thousands of samples. Set 0 is empty.
#[derive(Debug, Clone)]
pub struct LabelSets<L = Label> {
    labels: Vec<L>,
    /// Set `k` (k ≥ 1) is `labels[ends[k-2]..ends[k-1]]` (from 0 for k = 1).
    ends: Vec<u32>,
    index: rustc_hash::FxHashMap<Box<[L]>, LabelSetIndex>,
}

impl<L> Default for LabelSets<L> {
    fn default() -> Self {
        LabelSets {
            labels: Vec::new(),
            ends: Vec::new(),
            index: Default::default(),
        }
    }
}

impl<L: Clone + Eq + std::hash::Hash> LabelSets<L> {
    /// The id of the set holding exactly `labels`, in this order, adding it
    /// if it is new.
    pub fn intern(&mut self, labels: &[L]) -> LabelSetIndex {
        if labels.is_empty() {
            return LabelSetIndex::EMPTY;
        }
        if let Some(&id) = self.index.get(labels) {
            return id;
        }
        self.labels.extend_from_slice(labels);
        self.ends.push(self.labels.len() as u32);
        let id = LabelSetIndex::from_index(self.ends.len());
        self.index.insert(labels.into(), id);
        id
    }

    /// The labels of set `id`.
    pub fn get(&self, id: LabelSetIndex) -> &[L] {
        let k = id.index();
        if k == 0 {
            return &[];
        }
        let start = if k == 1 { 0 } else { self.ends[k - 2] as usize };
        &self.labels[start..self.ends[k - 1] as usize]
    }

    /// Number of sets, the empty one included.
    pub fn len(&self) -> usize {
        self.ends.len() + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

/// The unit of each numeric label key ([`Profile::num_label_units`]).
#[derive(Debug, Clone, Default)]
pub struct NumLabelUnits(rustc_hash::FxHashMap<String, String>);

impl NumLabelUnits {
    /// The unit of `key`'s values; "" for a key no sample has as a number.
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }
}

/// A decoded profile. References between tables are dense indexes, checked
/// by the decoder.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub strings: StringTable,
    pub sample_types: Vec<ValueType>,
    pub samples: Samples,
    pub mappings: Vec<Mapping>,
    pub locations: Vec<Location>,
    pub lines: Vec<Line>,
    pub functions: Vec<Function>,
    pub drop_frames: StrId,
    pub keep_frames: StrId,
    pub time_nanos: i64,
    pub duration_nanos: i64,
    pub period_type: Option<ValueType>,
    pub period: i64,
    pub comments: Vec<StrId>,
    pub default_sample_type: StrId,
    pub doc_url: StrId,
    /// Stacks whose allocator frames were cut at load
    /// (`allocator::drop_leaf_frames`), for the header lines.
    pub allocator_stacks_cut: u64,
}

impl Profile {
    pub fn str(&self, id: StrId) -> &str {
        self.strings.get(id)
    }

    /// The lines of location `loc`, innermost first.
    pub fn location_lines(&self, loc: &Location) -> &[Line] {
        &self.lines[loc.lines.start as usize..loc.lines.end as usize]
    }

    /// The sample type names, in order ("alloc_objects", …).
    pub fn sample_type_names(&self) -> Vec<&str> {
        self.sample_types.iter().map(|t| self.str(t.kind)).collect()
    }

    /// The file of the main mapping (the first one), which names the program.
    pub fn main_binary(&self) -> Option<&str> {
        self.mappings
            .first()
            .map(|m| self.str(m.file))
            .filter(|f| !f.is_empty())
    }

    /// The sum of |value| over all samples for sample type `index`, as
    /// pprof's report total; `None` if the sum overflows an i64.
    pub fn total(&self, index: usize) -> Option<i64> {
        let mut total: i64 = 0;
        for i in 0..self.samples.len() {
            total = total.checked_add(self.samples.value(i, index).checked_abs()?)?;
        }
        Some(total)
    }

    /// The unit of each numeric label key, as pprof's `NumLabelUnits`: the
    /// first unit recorded with the key in sample order, else `bytes` for
    /// `alignment` and `request`, else the key itself.
    pub fn num_label_units(&self) -> NumLabelUnits {
        let samples = &self.samples;
        let mut seen = vec![false; samples.label_sets.len()];
        let mut units: rustc_hash::FxHashMap<String, String> = Default::default();
        for &set in &samples.label_set {
            if std::mem::replace(&mut seen[set.index()], true) {
                continue;
            }
            for l in samples
                .label_sets
                .get(set)
                .iter()
                .filter(|l| l.is_numeric())
            {
                let unit = self.str(l.num_unit);
                let entry = units.entry(self.str(l.key).to_string()).or_default();
                if entry.is_empty() {
                    *entry = unit.to_string();
                }
            }
        }
        for (key, unit) in &mut units {
            if unit.is_empty() {
                *unit = match key.as_str() {
                    "alignment" | "request" => "bytes".to_string(),
                    _ => key.clone(),
                };
            }
        }
        NumLabelUnits(units)
    }

    /// True when every location has at least one line with a function name.
    pub fn is_symbolized(&self) -> bool {
        self.locations.iter().all(|loc| {
            self.location_lines(loc).iter().any(|l| {
                l.function
                    .to_option()
                    .is_some_and(|f| !self.str(self.functions[f.index()].name).is_empty())
            })
        })
    }
}
