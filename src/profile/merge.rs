//! Combining profiles: several profiles of one kind become one, their
//! samples side by side (so values sum node by node, as pprof merges), with
//! the range of samples each came from kept for `diff` and `trend`.

use std::fmt;
use std::ops::Range;

use rustc_hash::FxHashMap;

use super::graph::Overflow;
use super::{Location, Profile, StrId, StringTable, ValueType, NONE};

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
pub struct Combined {
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

/// Combines profiles that measure the same things (same sample types and
/// period type). The header follows pprof's merge: the earliest time, the
/// summed durations, the largest period, comments once each, the first
/// default sample type; mappings of the first profile come first.
pub fn combine(profiles: &[&Profile]) -> Result<Combined, Incompatible> {
    let Some(first) = profiles.first() else {
        return Err(Incompatible("no profiles".into()));
    };
    for p in &profiles[1..] {
        if describe(first, first.period_type) != describe(p, p.period_type) {
            return Err(Incompatible(format!(
                "period types {} and {} differ",
                describe(first, first.period_type),
                describe(p, p.period_type)
            )));
        }
        if types(first) != types(p) {
            return Err(Incompatible(format!(
                "sample types [{}] and [{}] differ",
                types(first).join(" "),
                types(p).join(" ")
            )));
        }
    }

    let mut strings = Interner::new();
    let mut out = Profile {
        samples: super::Samples::new(first.samples.num_values),
        ..Profile::default()
    };
    let mut ranges = Vec::with_capacity(profiles.len());
    let mut time_nanos = 0i64;
    let mut seen_comments: Vec<String> = Vec::new();
    for p in profiles {
        let ids: Vec<StrId> = (0..p.strings.len() as StrId)
            .map(|i| strings.intern(p.str(i)))
            .collect();
        let s = |id: StrId| ids.get(id as usize).copied().unwrap_or(0);

        if time_nanos == 0 || p.time_nanos < time_nanos {
            time_nanos = p.time_nanos;
        }
        out.duration_nanos = out.duration_nanos.saturating_add(p.duration_nanos);
        out.period = out.period.max(p.period);
        for &c in &p.comments {
            let text = p.str(c);
            if !seen_comments.iter().any(|t| t == text) {
                seen_comments.push(text.to_string());
                out.comments.push(s(c));
            }
        }
        if out.default_sample_type == 0 {
            out.default_sample_type = s(p.default_sample_type);
        }
        if out.drop_frames == 0 {
            out.drop_frames = s(p.drop_frames);
            out.keep_frames = s(p.keep_frames);
        }

        let (mappings, functions, locations, lines) = (
            out.mappings.len() as u32,
            out.functions.len() as u32,
            out.locations.len() as u32,
            out.lines.len() as u32,
        );
        out.mappings
            .extend(p.mappings.iter().map(|m| super::Mapping {
                file: s(m.file),
                build_id: s(m.build_id),
                ..m.clone()
            }));
        out.functions
            .extend(p.functions.iter().map(|f| super::Function {
                name: s(f.name),
                system_name: s(f.system_name),
                filename: s(f.filename),
                ..f.clone()
            }));
        out.lines.extend(p.lines.iter().map(|l| super::Line {
            function: if l.function == NONE {
                NONE
            } else {
                l.function + functions
            },
            ..*l
        }));
        out.locations.extend(p.locations.iter().map(|l| Location {
            mapping: if l.mapping == NONE {
                NONE
            } else {
                l.mapping + mappings
            },
            lines: l.lines.start + lines..l.lines.end + lines,
            ..l.clone()
        }));

        let start = out.samples.len();
        let mut stack = Vec::new();
        let mut labels = Vec::new();
        for i in 0..p.samples.len() {
            stack.clear();
            stack.extend(p.samples.stack(i).iter().map(|&l| l + locations));
            labels.clear();
            labels.extend(p.samples.labels(i).iter().map(|l| super::Label {
                key: s(l.key),
                str: s(l.str),
                num: l.num,
                num_unit: s(l.num_unit),
            }));
            out.samples.push(p.samples.values(i), &stack, &labels);
        }
        ranges.push(start..out.samples.len());
    }

    let first_ids = |id: StrId| strings.ids.get(first.str(id)).copied().unwrap_or(0);
    out.sample_types = first
        .sample_types
        .iter()
        .map(|t| ValueType {
            kind: first_ids(t.kind),
            unit: first_ids(t.unit),
        })
        .collect();
    out.period_type = first.period_type.map(|t| ValueType {
        kind: first_ids(t.kind),
        unit: first_ids(t.unit),
    });
    out.time_nanos = time_nanos;
    out.strings = strings.table;
    Ok(Combined {
        profile: out,
        ranges,
    })
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
            let v = &mut p.samples.values[i * k + j];
            if ratio == -1.0 {
                // Exactly, not through a float (which holds 53 bits).
                *v = v.checked_neg().ok_or(Overflow)?;
            } else if ratio != 1.0 {
                let scaled = (*v as f64 * ratio).round();
                // Also refuses NaN (a ratio of ∞ times a value of 0).
                if !(scaled > -LIMIT && scaled < LIMIT) {
                    return Err(Overflow);
                }
                *v = scaled as i64;
            }
        }
    }
    Ok(())
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
        let c = combine(&[&a, &b]).unwrap();
        assert_eq!(c.ranges, [0..1, 1..2]);
        assert_eq!(c.profile.time_nanos, 100);
        let name = |s: usize| {
            let loc = &c.profile.locations[c.profile.samples.stack(s)[0] as usize];
            let f = c.profile.location_lines(loc)[0].function;
            c.profile
                .str(c.profile.functions[f as usize].name)
                .to_string()
        };
        assert_eq!(
            (name(0), name(1)),
            ("main.a".to_string(), "main.b".to_string())
        );
        assert_eq!(c.profile.total(0), Some(12));
        assert_eq!(sums(&c.profile, 1..2), Ok(vec![7]));
    }

    #[test]
    fn different_sample_types_are_incompatible() {
        let a = profile("main.a", 5, 1);
        let mut b = profile("main.a", 5, 1);
        b.sample_types[0].kind = 2;
        let err = combine(&[&a, &b]).unwrap_err();
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
        let c = combine(&[&a, &b]).unwrap();
        assert_eq!(sums(&c.profile, 0..1), Ok(vec![i64::MAX]));
        assert_eq!(sums(&c.profile, 0..2), Err(Overflow));
    }
}
