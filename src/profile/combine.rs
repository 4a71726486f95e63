//! Combining profiles: several profiles of one kind become one, their
//! samples side by side (so values sum node by node, as pprof merges), with
//! the range of samples each came from kept for `diff` and `trend`.

use std::fmt;
use std::ops::Range;

use rustc_hash::FxHashMap;

use super::graph::Overflow;
use super::{
    FunctionIndex, Label, LabelSetIndex, LabelSets, Location, LocationIndex, MappingIndex, Profile,
    Samples, StrId, StringTable, ValueType,
};

/// Why profiles cannot be combined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incompatible(pub String);

impl fmt::Display for Incompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the profiles cannot be combined: {}", self.0)
    }
}

impl std::error::Error for Incompatible {}

/// Several profiles as one, and which samples came from which.
#[derive(Debug, Clone)]
pub struct Combination {
    pub profile: Profile,
    /// Sample range of each input, in input order.
    pub ranges: Vec<Range<usize>>,
}

fn describe(p: &Profile, vt: Option<ValueType>) -> String {
    match vt {
        Some(t) => format!("{}/{}", p.str(t.kind), p.str(t.unit)),
        None => "none".to_string(),
    }
}

fn types(p: &Profile) -> Vec<String> {
    p.sample_types
        .iter()
        .map(|&t| describe(p, Some(t)))
        .collect()
}

/// Interns strings into the combined table, by content.
struct Interner {
    table: StringTable,
    ids: FxHashMap<String, StrId>,
}

impl Interner {
    fn new() -> Self {
        let mut table = StringTable::new();
        let mut ids = FxHashMap::default();
        ids.insert(String::new(), table.push(""));
        Interner { table, ids }
    }

    fn intern(&mut self, s: &str) -> StrId {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.table.push(s);
        self.ids.insert(s.to_string(), id);
        id
    }
}

/// What every later profile must match: the first one's period type and
/// sample types, described, and as ids of the combined string table.
struct First {
    period: String,
    sample_types: Vec<String>,
    sample_type_ids: Vec<ValueType>,
    period_type_id: Option<ValueType>,
}

/// Combines profiles that measure the same things (same sample types and
/// period type), one at a time, each consumed as it is added so that only
/// the combined profile and the one being added are held. A profile can be
/// decoded straight onto the end of the combination's sample arrays
/// ([`Combiner::take_samples`], [`Combiner::add_decoded`]), so that its
/// samples are never copied. The header follows pprof's merge: the
/// earliest time, the summed durations, the largest period, comments once
/// each, the first default sample type; mappings of the first profile come
/// first.
#[derive(Default)]
pub struct Combiner {
    strings: Option<Interner>,
    /// The combination; its samples' label set table is `label_sets` until
    /// [`Combiner::finish`].
    out: Profile,
    label_sets: LabelSets,
    ranges: Vec<Range<usize>>,
    first: Option<First>,
    seen_comments: Vec<String>,
}

impl Combiner {
    pub fn new() -> Self {
        Combiner::default()
    }

    /// The combination's sample arrays, for the next profile to be decoded
    /// onto their end (`pprof::Decoder::onto`, `input::load_onto`), and the
    /// location index that profile's locations start at.
    pub fn take_samples(&mut self) -> (Samples, LocationIndex) {
        let samples = std::mem::take(&mut self.out.samples);
        (samples, LocationIndex::from_index(self.out.locations.len()))
    }

    /// Adds `p`, copying its samples onto the end of the combination's;
    /// returns the range they occupy.
    pub fn add(&mut self, mut p: Profile) -> Result<Range<usize>, Incompatible> {
        let own = std::mem::take(&mut p.samples);
        let (samples, location_base) = self.take_samples();
        p.samples = samples.then(own, location_base);
        self.add_decoded(p)
    }

    /// Adds a profile decoded onto the arrays [`Combiner::take_samples`]
    /// gave: `p.samples` holds the combination's samples, then `p`'s own,
    /// whose frames count from the location base given and whose label
    /// sets index `p.samples.label_sets`. Returns the range of `p`'s own
    /// samples. After an error the combiner is spent (its samples went with
    /// `p`).
    pub fn add_decoded(&mut self, p: Profile) -> Result<Range<usize>, Incompatible> {
        let start = self.ranges.last().map_or(0, |r| r.end);
        debug_assert!(self.out.samples.is_empty() && p.samples.len() >= start);
        if let Some(First {
            period,
            sample_types,
            ..
        }) = &self.first
        {
            let p_period = describe(&p, p.period_type);
            if *period != p_period {
                return Err(Incompatible(format!(
                    "period types {period} and {p_period} differ"
                )));
            }
            let p_types = types(&p);
            if *sample_types != p_types {
                return Err(Incompatible(format!(
                    "sample types [{}] and [{}] differ",
                    sample_types.join(" "),
                    p_types.join(" ")
                )));
            }
        }
        let (mappings, functions, locations, lines) = (
            self.out.mappings.len(),
            self.out.functions.len(),
            self.out.locations.len(),
            self.out.lines.len(),
        );
        // Dense u32 indexes, u32::MAX (`NONE`) excluded, must still hold
        // every entry.
        let limit = u32::MAX as usize;
        if mappings + p.mappings.len() >= limit
            || functions + p.functions.len() >= limit
            || locations + p.locations.len() >= limit
            || lines + p.lines.len() >= limit
        {
            return Err(Incompatible(
                "together they have more than 2^32 locations, functions, lines or mappings".into(),
            ));
        }
        let (mappings, functions) = (
            MappingIndex::from_index(mappings),
            FunctionIndex::from_index(functions),
        );
        let lines = lines as u32;

        let strings = self.strings.get_or_insert_with(Interner::new);
        let ids: Vec<StrId> = (0..p.strings.len())
            .map(|i| strings.intern(p.str(StrId::from_index(i))))
            .collect();
        let s = |id: StrId| ids.get(id.index()).copied().unwrap_or(StrId::EMPTY);

        let out = &mut self.out;
        if self.first.is_none() {
            let id = |t: ValueType| ValueType {
                kind: s(t.kind),
                unit: s(t.unit),
            };
            self.first = Some(First {
                period: describe(&p, p.period_type),
                sample_types: types(&p),
                sample_type_ids: p.sample_types.iter().map(|&t| id(t)).collect(),
                period_type_id: p.period_type.map(id),
            });
            out.time_nanos = p.time_nanos;
        } else if out.time_nanos == 0 || p.time_nanos < out.time_nanos {
            out.time_nanos = p.time_nanos;
        }
        out.duration_nanos = out.duration_nanos.saturating_add(p.duration_nanos);
        out.allocator_stacks_cut = out
            .allocator_stacks_cut
            .saturating_add(p.allocator_stacks_cut);
        out.period = out.period.max(p.period);
        for &c in &p.comments {
            let text = p.str(c);
            if !self.seen_comments.iter().any(|t| t == text) {
                self.seen_comments.push(text.to_string());
                out.comments.push(s(c));
            }
        }
        if out.default_sample_type == StrId::EMPTY {
            out.default_sample_type = s(p.default_sample_type);
        }
        if out.drop_frames == StrId::EMPTY {
            out.drop_frames = s(p.drop_frames);
            out.keep_frames = s(p.keep_frames);
        }

        out.mappings
            .extend(p.mappings.into_iter().map(|m| super::Mapping {
                file: s(m.file),
                build_id: s(m.build_id),
                ..m
            }));
        out.functions
            .extend(p.functions.into_iter().map(|f| super::Function {
                name: s(f.name),
                system_name: s(f.system_name),
                filename: s(f.filename),
                ..f
            }));
        out.lines.extend(p.lines.iter().map(|l| {
            super::Line {
                function: l
                    .function
                    .to_option()
                    .map_or(FunctionIndex::NONE, |f| f.offset(functions)),
                ..*l
            }
        }));
        out.locations.extend(p.locations.into_iter().map(|l| {
            Location {
                mapping: l
                    .mapping
                    .to_option()
                    .map_or(MappingIndex::NONE, |m| m.offset(mappings)),
                lines: l.lines.start + lines..l.lines.end + lines,
                ..l
            }
        }));

        let mut samples = p.samples;
        let own = std::mem::take(&mut samples.label_sets);
        rename_label_sets(
            &own,
            &mut samples.label_set[start..],
            &mut self.label_sets,
            &s,
        );
        out.samples = samples;
        let range = start..out.samples.len();
        self.ranges.push(range.clone());
        Ok(range)
    }

    /// The combined profile; an error when nothing was added.
    pub fn finish(self) -> Result<Combination, Incompatible> {
        let (Some(first), Some(strings)) = (self.first, self.strings) else {
            return Err(Incompatible("no profiles".into()));
        };
        let mut profile = self.out;
        profile.samples.label_sets = self.label_sets;
        profile.sample_types = first.sample_type_ids;
        profile.period_type = first.period_type_id;
        profile.strings = strings.table;
        Ok(Combination {
            profile,
            ranges: self.ranges,
        })
    }
}

/// Interns the label sets `sets` into the combination's `into`, their
/// strings renamed by `s`, and turns the ids in `label_set` (of `sets`)
/// into ids of `into`: once per set, and a pass over the samples only when
/// some id changes.
fn rename_label_sets(
    sets: &LabelSets,
    label_set: &mut [LabelSetIndex],
    into: &mut LabelSets,
    s: &dyn Fn(StrId) -> StrId,
) {
    let ids: Vec<LabelSetIndex> = (0..sets.len())
        .map(|set| {
            let renamed: Vec<Label> = sets
                .get(LabelSetIndex::from_index(set))
                .iter()
                .map(|l| Label {
                    key: s(l.key),
                    str: s(l.str),
                    num: l.num,
                    num_unit: s(l.num_unit),
                })
                .collect();
            into.intern(&renamed)
        })
        .collect();
    if ids.iter().enumerate().any(|(i, &id)| id.index() != i) {
        for set in label_set {
            *set = ids[set.index()];
        }
    }
}

/// Combines profiles in order; see [`Combiner`].
pub fn combine(profiles: Vec<Profile>) -> Result<Combination, Incompatible> {
    let mut c = Combiner::new();
    for p in profiles {
        c.add(p)?;
    }
    c.finish()
}

/// Scales every value of the samples in `range`, type by type, rounding
/// half away from zero as pprof's `ScaleN` does. A value that leaves the
/// 64-bit range is an error (the values before it are already scaled).
pub fn scale(p: &mut Profile, range: Range<usize>, ratios: &[f64]) -> Result<(), Overflow> {
    // 2^63 as a float: the first value an i64 cannot hold.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let k = p.samples.num_values;
    for i in range {
        for (j, &ratio) in ratios.iter().enumerate().take(k) {
            let v = p.samples.values.get(i * k + j);
            if ratio == -1.0 {
                // Exactly, not through a float (which holds 53 bits).
                let negated = v.checked_neg().ok_or(Overflow)?;
                p.samples.values.set(i * k + j, negated);
            } else if ratio != 1.0 {
                let scaled = (v as f64 * ratio).round();
                // Also refuses NaN (a ratio of ∞ times a value of 0).
                if !(scaled > -LIMIT && scaled < LIMIT) {
                    return Err(Overflow);
                }
                p.samples.values.set(i * k + j, scaled as i64);
            }
        }
    }
    Ok(())
}

/// pprof's label on the samples of a `-diff_base` profile.
pub const BASE_LABEL: &str = "pprof::base";

/// Sets the string label `key` to `value` on the samples in `range`,
/// replacing any label of that key, as pprof's `SetLabel`: once per label
/// set, not per sample.
pub fn set_label(p: &mut Profile, range: Range<usize>, key: &str, value: &str) {
    let (key, value) = (p.strings.push(key), p.strings.push(value));
    let samples = &mut p.samples;
    let mut renamed: FxHashMap<LabelSetIndex, LabelSetIndex> = FxHashMap::default();
    for i in range {
        let set = samples.label_set[i];
        let new = *renamed.entry(set).or_insert_with(|| {
            let mut labels: Vec<Label> = samples
                .label_sets
                .get(set)
                .iter()
                .filter(|l| l.key != key)
                .copied()
                .collect();
            labels.push(Label {
                key,
                str: value,
                ..Label::default()
            });
            samples.label_sets.intern(&labels)
        });
        samples.label_set[i] = new;
    }
}

/// Which label sets carry [`BASE_LABEL`]; `None` when none does.
pub fn base_label_sets(p: &Profile) -> Option<Vec<bool>> {
    let sets = &p.samples.label_sets;
    let marked: Vec<bool> = (0..sets.len())
        .map(|k| {
            sets.get(LabelSetIndex::from_index(k))
                .iter()
                .any(|l| p.str(l.key) == BASE_LABEL)
        })
        .collect();
    marked.contains(&true).then_some(marked)
}

/// Merges samples of the same stack and labels into one, summing their
/// values, and drops samples whose values are all zero, as pprof's merge
/// does after a base is subtracted. Locations count as the same when pprof
/// would merge them: the same mapped file, offset into it, and lines.
/// Samples keep the order of their first occurrence.
pub fn merge_identical(p: &mut Profile) -> Result<(), Overflow> {
    /// What makes two locations one.
    #[derive(PartialEq, Eq, Hash)]
    struct LocationKey<'a> {
        file: &'a str,
        build_id: &'a str,
        offset: u64,
        folded: bool,
        lines: Vec<(&'a str, &'a str, i64, i64)>,
    }
    let mut ids: FxHashMap<LocationKey<'_>, u32> = FxHashMap::default();
    let canonical: Vec<u32> = p
        .locations
        .iter()
        .map(|l| {
            let m = l.mapping.to_option().map(|m| &p.mappings[m.index()]);
            let key = LocationKey {
                file: m.map_or("", |m| p.str(m.file)),
                build_id: m.map_or("", |m| p.str(m.build_id)),
                offset: l.address.wrapping_sub(m.map_or(0, |m| m.memory_start)),
                folded: l.is_folded,
                lines: p
                    .location_lines(l)
                    .iter()
                    .map(|line| {
                        let f = line.function.to_option().map(|f| &p.functions[f.index()]);
                        (
                            f.map_or("", |f| p.str(f.name)),
                            f.map_or("", |f| p.str(f.filename)),
                            line.line,
                            line.column,
                        )
                    })
                    .collect(),
            };
            let next = ids.len() as u32;
            *ids.entry(key).or_insert(next)
        })
        .collect();
    drop(ids);

    let samples = &p.samples;
    let k = samples.num_values;
    let mut first: FxHashMap<(Vec<u32>, LabelSetIndex), usize> = FxHashMap::default();
    let mut order: Vec<usize> = Vec::new();
    let mut values: Vec<i64> = Vec::new();
    for i in 0..samples.len() {
        // pprof's merge passes over samples whose values are all zero.
        if samples.values(i).all(|v| v == 0) {
            continue;
        }
        let key = (
            samples
                .stack(i)
                .iter()
                .map(|l| canonical[l.index()])
                .collect::<Vec<_>>(),
            samples.label_set[i],
        );
        match first.get(&key) {
            Some(&at) => {
                for (j, v) in samples.values(i).enumerate() {
                    let sum = &mut values[at * k + j];
                    *sum = sum.checked_add(v).ok_or(Overflow)?;
                }
            }
            None => {
                first.insert(key, order.len());
                order.push(i);
                values.extend(samples.values(i));
            }
        }
    }
    let mut merged = Samples::new(k);
    merged.label_sets = samples.label_sets.clone();
    for (at, &i) in order.iter().enumerate() {
        let v = &values[at * k..(at + 1) * k];
        if v.iter().all(|&v| v == 0) {
            continue;
        }
        merged.values.extend_from_slice(v);
        merged.frames.extend_from(samples.stack(i));
        merged.frame_ends.push(merged.frames.len() as u32);
        merged.label_set.push(samples.label_set[i]);
    }
    p.samples = merged;
    Ok(())
}

/// Renumbers a merged profile's tables as pprof's merge leaves them, for
/// `raw -base`: mappings, functions and locations that pprof's merge takes
/// for one become one, and each table holds only what the samples use,
/// numbered from 1 in the order the samples first use it (stacks leaf
/// first), the first profile's first mapping (its main binary) first. A
/// mapping is one by its size rounded up to 4 kB, offset and build ID (or
/// file), a location's address moving with its mapping's start; a
/// function by its start line and names; a location by its address in its
/// mapping and its lines, keyed as pprof's `Location.key` writes them.
pub fn renumber_as_merged(p: &mut Profile) {
    #[derive(PartialEq, Eq, Hash)]
    struct MappingKey<'a>(u64, u64, &'a str);
    #[derive(PartialEq, Eq, Hash)]
    struct LocationKey(u64, u64, String, bool);
    let mut mappings: Vec<super::Mapping> = Vec::new();
    let mut mapping_keys: FxHashMap<MappingKey<'_>, usize> = FxHashMap::default();
    // Per old mapping: its new index, how far its addresses move, and the
    // new mapping's start.
    let mut mapping_of: Vec<Option<(usize, i64, u64)>> = vec![None; p.mappings.len()];
    let mut functions: Vec<super::Function> = Vec::new();
    let mut function_keys: FxHashMap<(i64, StrId, StrId, StrId), usize> = FxHashMap::default();
    let mut function_of: Vec<Option<usize>> = vec![None; p.functions.len()];
    let mut locations: Vec<Location> = Vec::new();
    let mut lines: Vec<super::Line> = Vec::new();
    let mut location_keys: FxHashMap<LocationKey, usize> = FxHashMap::default();
    let mut location_of: Vec<Option<usize>> = vec![None; p.locations.len()];

    let mut map_mapping = |old: usize| -> (usize, i64, u64) {
        if let Some(m) = mapping_of[old] {
            return m;
        }
        let src = &p.mappings[old];
        const ROUNDING: u64 = 0x1000;
        let size = src.memory_limit.wrapping_sub(src.memory_start);
        let size = size.wrapping_add(ROUNDING - 1);
        let size = size - size % ROUNDING;
        let who = match (p.str(src.build_id), p.str(src.file)) {
            ("", file) => file,
            (build_id, _) => build_id,
        };
        let key = MappingKey(size, src.file_offset, who);
        let m = match mapping_keys.get(&key) {
            Some(&at) => (
                at,
                (mappings[at].memory_start as i64).wrapping_sub(src.memory_start as i64),
                mappings[at].memory_start,
            ),
            None => {
                mappings.push(super::Mapping {
                    id: mappings.len() as u64 + 1,
                    ..src.clone()
                });
                mapping_keys.insert(key, mappings.len() - 1);
                (mappings.len() - 1, 0, src.memory_start)
            }
        };
        mapping_of[old] = Some(m);
        m
    };
    if !p.mappings.is_empty() {
        map_mapping(0);
    }
    let mut frames = p.samples.frames.like(p.samples.frames.len());
    for i in 0..p.samples.len() {
        for old in p.samples.stack(i) {
            if let Some(new) = location_of[old.index()] {
                frames.push(LocationIndex::from_index(new));
                continue;
            }
            let src = &p.locations[old.index()];
            let mapping = src.mapping.to_option().map(|m| map_mapping(m.index()));
            let address = (src.address as i64).wrapping_add(mapping.map_or(0, |m| m.1)) as u64;
            let start = lines.len() as u32;
            // pprof's key writes each line's function at 2i, its line at
            // 2i+1 and its column at 2i+2 of 3n slots.
            let src_lines = p.location_lines(src);
            let mut key_parts = vec![String::new(); src_lines.len() * 3];
            for (k, line) in src_lines.iter().enumerate() {
                let function = line.function.to_option().map(|f| {
                    let f = f.index();
                    *function_of[f].get_or_insert_with(|| {
                        let src = &p.functions[f];
                        let key = (src.start_line, src.name, src.system_name, src.filename);
                        *function_keys.entry(key).or_insert_with(|| {
                            functions.push(super::Function {
                                id: functions.len() as u64 + 1,
                                ..src.clone()
                            });
                            functions.len() - 1
                        })
                    })
                });
                if let Some(f) = function {
                    key_parts[2 * k] = format!("{:x}", f + 1);
                }
                key_parts[2 * k + 1] = format_hex_i64(line.line);
                key_parts[2 * k + 2] = format_hex_i64(line.column);
                lines.push(super::Line {
                    function: function.map_or(FunctionIndex::NONE, FunctionIndex::from_index),
                    ..*line
                });
            }
            let (key_address, key_mapping) = match mapping {
                Some((m, _, start)) => (address.wrapping_sub(start), m as u64 + 1),
                None => (address, 0),
            };
            let key = LocationKey(key_address, key_mapping, key_parts.join("|"), src.is_folded);
            let new = match location_keys.get(&key) {
                Some(&at) => {
                    lines.truncate(start as usize);
                    at
                }
                None => {
                    locations.push(Location {
                        id: locations.len() as u64 + 1,
                        mapping: mapping
                            .map_or(MappingIndex::NONE, |m| MappingIndex::from_index(m.0)),
                        address,
                        lines: start..lines.len() as u32,
                        is_folded: src.is_folded,
                    });
                    location_keys.insert(key, locations.len() - 1);
                    locations.len() - 1
                }
            };
            location_of[old.index()] = Some(new);
            frames.push(LocationIndex::from_index(new));
        }
    }
    drop(mapping_keys);
    p.samples.frames = frames;
    p.mappings = mappings;
    p.functions = functions;
    p.locations = locations;
    p.lines = lines;
}

/// Go's `strconv.FormatInt(v, 16)`: lower-case hex with a sign.
fn format_hex_i64(v: i64) -> String {
    if v < 0 {
        format!("-{:x}", v.unsigned_abs())
    } else {
        format!("{v:x}")
    }
}

/// Sum of each sample type's values over a range of samples; an error when
/// a sum leaves the 64-bit range.
pub fn sums(p: &Profile, range: Range<usize>) -> Result<Vec<i64>, Overflow> {
    let k = p.samples.num_values;
    let mut out = vec![0i64; k];
    for i in range {
        for (j, sum) in out.iter_mut().enumerate() {
            *sum = sum.checked_add(p.samples.value(i, j)).ok_or(Overflow)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb;
    use prost::Message;

    fn profile(func: &str, value: i64, time: i64) -> Profile {
        let p = pb::Profile {
            sample_type: vec![pb::ValueType { r#type: 1, unit: 2 }],
            sample: vec![pb::Sample {
                location_id: vec![1],
                value: vec![value],
                label: vec![],
            }],
            location: vec![pb::Location {
                id: 1,
                line: vec![pb::Line {
                    function_id: 1,
                    line: 3,
                    column: 0,
                }],
                ..Default::default()
            }],
            function: vec![pb::Function {
                id: 1,
                name: 3,
                ..Default::default()
            }],
            string_table: vec!["".into(), "space".into(), "bytes".into(), func.into()],
            time_nanos: time,
            ..Default::default()
        };
        crate::input::pprof::decode(&p.encode_to_vec()).unwrap()
    }

    #[test]
    fn combine_keeps_each_profile_sample_range_and_names() {
        let a = profile("main.a", 5, 200);
        let b = profile("main.b", 7, 100);
        let c = combine(vec![a, b]).unwrap();
        assert_eq!(c.ranges, [0..1, 1..2]);
        assert_eq!(c.profile.time_nanos, 100);
        let name = |s: usize| {
            let loc = &c.profile.locations[c.profile.samples.stack(s).get(0).index()];
            let f = c.profile.location_lines(loc)[0].function;
            c.profile
                .str(c.profile.functions[f.index()].name)
                .to_string()
        };
        assert_eq!(
            (name(0), name(1)),
            ("main.a".to_string(), "main.b".to_string())
        );
        assert_eq!(c.profile.total(0), Some(12));
        assert_eq!(sums(&c.profile, 1..2), Ok(vec![7]));
    }

    /// Two samples per profile, each with a `bytes` label and one with a
    /// string label too, and a string table in a different order for `b`.
    fn labelled(func: &str, strings: Vec<&str>, sizes: [i64; 2]) -> Profile {
        crate::input::pprof::decode(&labelled_bytes(func, strings, sizes)).unwrap()
    }

    fn labelled_bytes(func: &str, strings: Vec<&str>, sizes: [i64; 2]) -> Vec<u8> {
        let at = |s: &str| strings.iter().position(|&t| t == s).unwrap() as i64;
        let label = |size| pb::Label {
            key: at("bytes"),
            num: size,
            ..Default::default()
        };
        let p = pb::Profile {
            sample_type: vec![pb::ValueType {
                r#type: at("space"),
                unit: at("bytes"),
            }],
            sample: vec![
                pb::Sample {
                    location_id: vec![1, 2],
                    value: vec![sizes[0]],
                    label: vec![label(sizes[0])],
                },
                pb::Sample {
                    location_id: vec![2],
                    value: vec![sizes[1]],
                    label: vec![
                        label(sizes[1]),
                        pb::Label {
                            key: at("kind"),
                            str: at(func),
                            ..Default::default()
                        },
                    ],
                },
            ],
            location: (1..=2)
                .map(|id| pb::Location {
                    id,
                    line: vec![pb::Line {
                        function_id: id,
                        line: 1,
                        column: 0,
                    }],
                    ..Default::default()
                })
                .collect(),
            function: vec![
                pb::Function {
                    id: 1,
                    name: at(func),
                    ..Default::default()
                },
                pb::Function {
                    id: 2,
                    name: at("main.main"),
                    ..Default::default()
                },
            ],
            string_table: strings.into_iter().map(String::from).collect(),
            ..Default::default()
        };
        p.encode_to_vec()
    }

    /// Sample `i` of `p`: its functions, labels and values.
    fn describe(p: &Profile, i: usize) -> String {
        let frames: Vec<&str> = p
            .samples
            .stack(i)
            .iter()
            .map(|l| {
                let line = p.location_lines(&p.locations[l.index()])[0];
                p.str(p.functions[line.function.index()].name)
            })
            .collect();
        let labels: Vec<String> = p
            .samples
            .labels(i)
            .iter()
            .map(|l| format!("{}={}{}", p.str(l.key), p.str(l.str), l.num))
            .collect();
        format!(
            "{} [{}] {:?}",
            frames.join(";"),
            labels.join(" "),
            p.samples.values(i).collect::<Vec<_>>()
        )
    }

    #[test]
    fn combine_renames_stacks_and_labels_of_later_profiles() {
        let a = labelled(
            "main.a",
            vec!["", "space", "bytes", "main.a", "main.main", "kind"],
            [16, 32],
        );
        let b = labelled(
            "main.b",
            vec!["", "kind", "main.main", "main.b", "bytes", "space"],
            [16, 48],
        );
        let c = combine(vec![a, b]).unwrap();
        let p = &c.profile;
        assert_eq!(c.ranges, [0..2, 2..4]);
        let all: Vec<String> = (0..4).map(|i| describe(p, i)).collect();
        assert_eq!(
            all,
            [
                "main.a;main.main [bytes=16] [16]",
                "main.main [bytes=32 kind=main.a0] [32]",
                "main.b;main.main [bytes=16] [16]",
                "main.main [bytes=48 kind=main.b0] [48]",
            ]
        );
        // `bytes=16` is one set, shared by both profiles.
        assert_eq!(p.samples.label_set, [1, 2, 1, 3]);
        assert_eq!(p.samples.label_sets.len(), 1 + 3);
        assert_eq!(p.str(p.sample_types[0].kind), "space");
    }

    /// A profile decoded onto the combination's arrays combines as one
    /// decoded alone and added (copied): same stacks, labels and values.
    #[test]
    fn decoding_onto_the_combination_equals_adding() {
        let strings_a = vec!["", "space", "bytes", "main.a", "main.main", "kind"];
        let strings_b = vec!["", "kind", "main.main", "main.b", "bytes", "space"];
        let added = combine(vec![
            labelled("main.a", strings_a.clone(), [16, 32]),
            labelled("main.b", strings_b.clone(), [16, 48]),
        ])
        .unwrap();

        let mut c = Combiner::new();
        for (func, strings, sizes) in [
            ("main.a", strings_a, [16, 32]),
            ("main.b", strings_b, [16, 48]),
        ] {
            let (samples, base) = c.take_samples();
            let mut d = crate::input::pprof::Decoder::new().onto(samples, base);
            d.feed(&labelled_bytes(func, strings, sizes)).unwrap();
            c.add_decoded(d.finish().unwrap()).unwrap();
        }
        let decoded = c.finish().unwrap();

        assert_eq!(decoded.ranges, added.ranges);
        let (a, b) = (&added.profile, &decoded.profile);
        let all = |p: &Profile| {
            (0..p.samples.len())
                .map(|i| describe(p, i))
                .collect::<Vec<_>>()
        };
        assert_eq!(all(b), all(a));
        assert_eq!(b.samples.label_set, a.samples.label_set);
        assert_eq!(b.locations.len(), a.locations.len());
    }

    #[test]
    fn different_sample_types_are_incompatible() {
        let a = profile("main.a", 5, 1);
        let mut b = profile("main.a", 5, 1);
        b.sample_types[0].kind = StrId::from_raw(2);
        let err = combine(vec![a, b]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the profiles cannot be combined: sample types [space/bytes] and [bytes/bytes] differ"
        );
    }

    #[test]
    fn scale_rounds_half_away_from_zero() {
        let mut p = profile("main.a", 5, 1);
        scale(&mut p, 0..1, &[0.5]).unwrap();
        assert_eq!(p.samples.value(0, 0), 3);
        scale(&mut p, 0..1, &[-1.0]).unwrap();
        assert_eq!(p.samples.value(0, 0), -3);
    }

    #[test]
    fn scaling_out_of_range_is_an_error() {
        let mut p = profile("main.a", i64::MIN, 1);
        // -(-2^63) is 2^63, one more than an i64 holds.
        assert_eq!(scale(&mut p, 0..1, &[-1.0]), Err(Overflow));
        let mut p = profile("main.a", 3, 1);
        assert_eq!(scale(&mut p, 0..1, &[4e18]), Err(Overflow));
        assert_eq!(scale(&mut p, 0..1, &[f64::INFINITY]), Err(Overflow));
        assert_eq!(p.samples.value(0, 0), 3);
        let mut p = profile("main.a", i64::MAX, 1);
        scale(&mut p, 0..1, &[-1.0]).unwrap();
        assert_eq!(p.samples.value(0, 0), -i64::MAX);
        // Negation is exact beyond a float's 53 bits.
        let mut p = profile("main.a", (1 << 60) + 1, 1);
        scale(&mut p, 0..1, &[-1.0]).unwrap();
        assert_eq!(p.samples.value(0, 0), -(1 << 60) - 1);
    }

    #[test]
    fn sums_out_of_range_are_an_error() {
        let a = profile("main.a", i64::MAX, 1);
        let b = profile("main.b", 1, 1);
        let c = combine(vec![a, b]).unwrap();
        assert_eq!(sums(&c.profile, 0..1), Ok(vec![i64::MAX]));
        assert_eq!(sums(&c.profile, 0..2), Err(Overflow));
    }
}
