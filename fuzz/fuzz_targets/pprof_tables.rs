//! Table-heavy profiles: a small structure expands into runs of many table
//! entries of one kind (locations, functions, mappings, strings, sample
//! types, comments, samples, labels, lines), each with its own id, so the
//! decoder's budget and every report's cost are tried on inputs whose size
//! comes from a count rather than from the fuzzer's bytes. The protobuf is
//! written by hand (not through prost) so a run of a million entries costs
//! no model in memory here.
#![no_main]

use std::sync::OnceLock;

use heapscope_fuzz::{Harness, PROFILE_COMMANDS};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

/// The encoded profile never grows past this, so one input stays well
/// inside libFuzzer's time and memory limits (the harness's `-max_size`
/// is larger, so the decoder's memory budget is what is tried).
const MAX_BYTES: usize = 24 << 20;

#[derive(Arbitrary, Debug)]
struct Tables {
    runs: Vec<Run>,
}

#[derive(Arbitrary, Debug)]
struct Run {
    kind: Kind,
    /// The first entry's id; later ones step by `step` (0 repeats it).
    first: u32,
    step: u8,
    /// Entries in the run: `count * 64`, so a few bytes name millions.
    count: u16,
    /// A reference every entry of the run carries (a string index, a
    /// location or function id, a value), by kind.
    refer: u16,
    /// Lines per location, labels per sample, frames per sample.
    width: u8,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Kind {
    Location,
    EmptyLocation,
    Function,
    Mapping,
    String,
    SampleType,
    Comment,
    Sample,
    LabelledSample,
    DeepSample,
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A varint field.
fn num(out: &mut Vec<u8>, field: u32, v: u64) {
    varint(out, u64::from(field) << 3);
    varint(out, v);
}

/// A length-delimited field holding `body`.
fn bytes(out: &mut Vec<u8>, field: u32, body: &[u8]) {
    varint(out, u64::from(field) << 3 | 2);
    varint(out, body.len() as u64);
    out.extend_from_slice(body);
}

fn encode(tables: &Tables) -> Vec<u8> {
    let mut out = Vec::new();
    // A header every run can refer to: "", two type names, a unit.
    for s in ["", "inuse_space", "bytes", "main.f"] {
        bytes(&mut out, 6, s.as_bytes());
    }
    let mut body = Vec::new();
    let mut inner = Vec::new();
    for run in &tables.runs {
        let count = u64::from(run.count) * 64;
        let width = u64::from(run.width % 64);
        let refer = u64::from(run.refer);
        for i in 0..count {
            if out.len() > MAX_BYTES {
                return out;
            }
            let id = u64::from(run.first).wrapping_add(i * u64::from(run.step));
            body.clear();
            match run.kind {
                Kind::Location => {
                    num(&mut body, 1, id);
                    num(&mut body, 3, id << 4);
                    for l in 0..width {
                        inner.clear();
                        num(&mut inner, 1, refer + l);
                        num(&mut inner, 2, l + 1);
                        bytes(&mut body, 4, &inner);
                    }
                    bytes(&mut out, 4, &body);
                }
                Kind::EmptyLocation => bytes(&mut out, 4, &[]),
                Kind::Function => {
                    num(&mut body, 1, id);
                    num(&mut body, 2, refer % 4);
                    bytes(&mut out, 5, &body);
                }
                Kind::Mapping => {
                    num(&mut body, 1, id);
                    num(&mut body, 2, id << 12);
                    num(&mut body, 3, (id + 1) << 12);
                    bytes(&mut out, 3, &body);
                }
                Kind::String => bytes(&mut out, 6, &id.to_le_bytes()[..(width % 9) as usize]),
                Kind::SampleType => {
                    num(&mut body, 1, refer % 4);
                    num(&mut body, 2, 2);
                    bytes(&mut out, 1, &body);
                }
                Kind::Comment => num(&mut out, 13, refer % 4),
                Kind::Sample | Kind::LabelledSample | Kind::DeepSample => {
                    let frames = if matches!(run.kind, Kind::DeepSample) {
                        width * 1024
                    } else {
                        width
                    };
                    for f in 0..frames {
                        num(&mut body, 1, refer + f % 7);
                    }
                    num(&mut body, 2, id);
                    if matches!(run.kind, Kind::LabelledSample) {
                        for l in 0..width {
                            inner.clear();
                            num(&mut inner, 1, 1 + l % 3);
                            num(&mut inner, 3, id + l);
                            bytes(&mut body, 3, &inner);
                        }
                    }
                    bytes(&mut out, 2, &body);
                }
            }
        }
    }
    out
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| Harness::new("pprof_tables", PROFILE_COMMANDS))
}

fuzz_target!(|tables: Tables| {
    harness().run(&encode(&tables));
});
