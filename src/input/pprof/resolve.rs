//! The end of decoding: every reference between tables checked, and ids
//! and string indexes turned into the dense indexes of the [`Profile`].

use rustc_hash::FxHashMap;

use super::decode::{BigIds, Decoder, RawLabel, Start};
use super::DecodeError;
use crate::input::wire::Reader;
use crate::pb;
use crate::profile::{
    Function, FunctionIndex, Label, LabelSetIndex, LabelSets, Line, Location, LocationIndex,
    Mapping, MappingIndex, Profile, Samples, StrId, ValueType,
};

/// Maps the ids of one table (locations, functions, mappings) to dense
/// indexes: an array when ids are small and dense, as Go writes them, a hash
/// map otherwise.
enum IdMap {
    /// Indexed by id; [`IdMap::ABSENT`] where no entry has that id.
    Dense(Vec<u32>),
    Sparse(FxHashMap<u64, u32>),
}

impl IdMap {
    const ABSENT: u32 = u32::MAX;

    fn build(
        ids: impl ExactSizeIterator<Item = u64> + Clone,
        what: &'static str,
    ) -> Result<Self, DecodeError> {
        let count = ids.len();
        let max = ids.clone().max().unwrap_or(0);
        if max <= (count as u64).saturating_mul(2).saturating_add(1024) {
            let mut table = vec![IdMap::ABSENT; max as usize + 1];
            for (index, id) in ids.enumerate() {
                if id == 0 || table[id as usize] != IdMap::ABSENT {
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
    fn get(&self, id: u64) -> Option<usize> {
        let index = match self {
            IdMap::Dense(table) => table
                .get(id as usize)
                .copied()
                .filter(|&i| i != IdMap::ABSENT),
            IdMap::Sparse(map) => map.get(&id).copied(),
        };
        index.map(|i| i as usize)
    }
}

impl Decoder {
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
        if !strings.get(StrId::EMPTY).is_empty() {
            return Err(DecodeError::StringTable(format!(
                "entry 0 must be \"\" but is {:?}",
                strings.get(StrId::EMPTY)
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
            Ok(StrId::from_index(index as usize))
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
                synthetic: false,
            });
        }

        let location_ids = IdMap::build(raw.locations.iter().map(|l| l.id), "location")?;
        let mut locations = Vec::with_capacity(raw.locations.len());
        let mut lines = Vec::with_capacity(raw.locations.len());
        for l in &raw.locations {
            let mapping = match l.mapping_id {
                0 => MappingIndex::NONE,
                id => MappingIndex::from_index(mapping_ids.get(id).ok_or_else(|| {
                    DecodeError::UnknownId {
                        referrer: format!("location {}", l.id),
                        what: "mapping",
                        id,
                    }
                })?),
            };
            let start = lines.len() as u32;
            for line in &l.line {
                let function = match line.function_id {
                    0 => FunctionIndex::NONE,
                    id => FunctionIndex::from_index(function_ids.get(id).ok_or_else(|| {
                        DecodeError::UnknownId {
                            referrer: format!("location {}", l.id),
                            what: "function",
                            id,
                        }
                    })?),
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
            allocator_stacks_cut: 0,
        })
    }
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
    let frames = samples.frames.slice(start.frames..samples.frames.len());
    if in_order && (frames.is_empty() || (max_frame as usize) < n) {
        return Ok(());
    }
    let base = start.location;
    // Every id must be known before any frame is rewritten (in 2 bytes a
    // frame cut short could not be told apart from a dense index).
    for (pos, frame) in frames.iter().enumerate() {
        let id = big.id(frame.raw().wrapping_sub(base.raw()));
        if ids.get(id).is_none() {
            let ends = &samples.frame_ends[start.samples..];
            let sample = ends.partition_point(|&end| (end as usize) <= start.frames + pos);
            return Err(DecodeError::UnknownId {
                referrer: format!("sample {sample}"),
                what: "location",
                id,
            });
        }
    }
    let max = (n as u32).saturating_add(base.raw());
    samples.frames.map_from(start.frames, max, |frame| {
        let id = big.id(frame.raw().wrapping_sub(base.raw()));
        let dense = ids.get(id).unwrap_or_default();
        LocationIndex::from_index(dense).offset(base)
    });
    Ok(())
}

type StringCheck<'a> = dyn Fn(i64, &dyn Fn() -> String) -> Result<StrId, DecodeError> + 'a;

/// Checks the string indexes of the label sets read and turns them into the
/// profile's label sets (with the same ids).
fn resolve_labels(
    raw: &LabelSets<RawLabel>,
    label_set: &[LabelSetIndex],
    s: &StringCheck<'_>,
) -> Result<LabelSets, DecodeError> {
    let unnamed = String::new;
    let mut sets = LabelSets::default();
    for id in (0..raw.len()).map(LabelSetIndex::from_index) {
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
                let bad = |set: LabelSetIndex| {
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
#[cfg(test)]
mod tests {
    use super::super::decode;
    use super::super::tests::sample_profile;
    use super::*;
    use prost::Message;

    /// Sample numbers in errors count from the profile's own first sample.
    #[test]
    fn errors_onto_other_samples_number_the_profile_own_samples() {
        let mut p = sample_profile();
        p.sample[1].location_id.push(99);
        let bytes = p.encode_to_vec();
        let before = decode(&sample_profile().encode_to_vec()).unwrap().samples;
        let mut decoder = Decoder::new().onto(before, LocationIndex::from_raw(3));
        decoder.feed(&bytes).unwrap();
        let err = decoder.finish().unwrap_err().to_string();
        assert_eq!(
            err,
            "sample 1 refers to location id 99, which is not defined"
        );
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
    fn empty_input_is_not_a_profile() {
        let err = decode(&[]).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid string table: it is empty, so this is not a pprof profile"
        );
    }
}
