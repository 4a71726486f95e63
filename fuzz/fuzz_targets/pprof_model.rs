//! Profiles built from a structure rather than bytes: every reference
//! resolves (ids and string indexes are taken modulo the table), so inputs
//! get past the decoder's checks and into the graph and the reports, with
//! any values, names, line numbers, headers and labels. A second profile
//! from the same structure (its `base` values) is BEFORE for `diff`,
//! `trend` and `flame --base`.
#![no_main]

use std::sync::OnceLock;

use heapscope::pb;
use heapscope_fuzz::{Harness, PAIR_COMMANDS, PROFILE_COMMANDS};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use prost::Message;

#[derive(Arbitrary, Debug)]
struct Model {
    names: Vec<String>,
    /// Sample types as (type, unit) string references.
    types: Vec<(u8, u8)>,
    /// (start, limit, file, build id).
    mappings: Vec<(u64, u64, u8, u8)>,
    /// (name, system name, file, start line).
    functions: Vec<(u8, u8, u8, i64)>,
    locations: Vec<Loc>,
    samples: Vec<Sample>,
    time: i64,
    duration: i64,
    period: i64,
    period_type: Option<(u8, u8)>,
    comments: Vec<u8>,
    default_type: u8,
    drop_frames: u8,
    keep_frames: u8,
}

#[derive(Arbitrary, Debug)]
struct Loc {
    /// 0 for none, else a mapping (modulo).
    mapping: u8,
    address: u64,
    /// (function, line), innermost first.
    lines: Vec<(u8, i64)>,
    folded: bool,
}

#[derive(Arbitrary, Debug)]
struct Sample {
    locations: Vec<u8>,
    values: Vec<i64>,
    base: Vec<i64>,
    /// (key, str, num, num unit).
    labels: Vec<(u8, u8, i64, u8)>,
}

/// Strings every model has, so that names and types look like Go's.
const STRINGS: &[&str] = &[
    "",
    "alloc_objects",
    "count",
    "alloc_space",
    "bytes",
    "inuse_objects",
    "inuse_space",
    "main.main",
    "runtime.malg",
    "/src/main.go",
    "bytes",
    "object",
    "space",
    "runtime\\..*",
];

fn build(m: &Model, base: bool) -> pb::Profile {
    let mut strings: Vec<String> = STRINGS.iter().map(|s| s.to_string()).collect();
    strings.extend(m.names.iter().cloned());
    let n = strings.len() as i64;
    let s = |i: u8| i as i64 % n;
    let id = |i: u8, count: usize| {
        if count == 0 {
            0
        } else {
            i as u64 % count as u64 + 1
        }
    };
    let vt = |&(t, u): &(u8, u8)| pb::ValueType {
        r#type: s(t),
        unit: s(u),
    };
    let types: Vec<pb::ValueType> = if m.types.is_empty() {
        vec![vt(&(6, 4))]
    } else {
        m.types.iter().map(vt).collect()
    };
    pb::Profile {
        sample: m
            .samples
            .iter()
            .map(|smp| {
                let values = if base { &smp.base } else { &smp.values };
                pb::Sample {
                    location_id: smp
                        .locations
                        .iter()
                        .map(|&l| id(l, m.locations.len()))
                        .filter(|&l| l != 0)
                        .collect(),
                    value: (0..types.len())
                        .map(|j| values.get(j).copied().unwrap_or(0))
                        .collect(),
                    label: smp
                        .labels
                        .iter()
                        .map(|&(key, str, num, unit)| pb::Label {
                            key: s(key),
                            str: if num == 0 { s(str) } else { 0 },
                            num,
                            num_unit: if num == 0 { 0 } else { s(unit) },
                        })
                        .collect(),
                }
            })
            .collect(),
        sample_type: types.clone(),
        mapping: m
            .mappings
            .iter()
            .enumerate()
            .map(|(i, &(start, limit, file, build_id))| pb::Mapping {
                id: i as u64 + 1,
                memory_start: start,
                memory_limit: limit,
                filename: s(file),
                build_id: s(build_id),
                has_functions: true,
                ..Default::default()
            })
            .collect(),
        location: m
            .locations
            .iter()
            .enumerate()
            .map(|(i, l)| pb::Location {
                id: i as u64 + 1,
                mapping_id: if l.mapping == 0 {
                    0
                } else {
                    id(l.mapping, m.mappings.len())
                },
                address: l.address,
                line: l
                    .lines
                    .iter()
                    .map(|&(f, line)| pb::Line {
                        function_id: id(f, m.functions.len()),
                        line,
                        column: 0,
                    })
                    .collect(),
                is_folded: l.folded,
            })
            .collect(),
        function: m
            .functions
            .iter()
            .enumerate()
            .map(|(i, &(name, system_name, file, start))| pb::Function {
                id: i as u64 + 1,
                name: s(name),
                system_name: s(system_name),
                filename: s(file),
                start_line: start,
            })
            .collect(),
        string_table: strings,
        drop_frames: s(m.drop_frames),
        keep_frames: s(m.keep_frames),
        time_nanos: m.time,
        duration_nanos: m.duration,
        period_type: m.period_type.as_ref().map(vt),
        period: m.period,
        comment: m.comments.iter().map(|&c| s(c)).collect(),
        default_sample_type: s(m.default_type),
        doc_url: 0,
    }
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let commands: Vec<&str> = PROFILE_COMMANDS
            .iter()
            .chain(PAIR_COMMANDS)
            .copied()
            .collect();
        Harness::new("pprof_model", &commands)
    })
}

fuzz_target!(|m: Model| {
    let after = build(&m, false).encode_to_vec();
    let before = build(&m, true).encode_to_vec();
    harness().run_pair(&after, &before);
});
