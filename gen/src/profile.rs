//! Samples stacks of the program and writes them as the Go runtime writes a
//! heap profile (`runtime/pprof`'s protobuf writer): period and sample types
//! first, then each sample preceded by the locations and functions it is the
//! first to use, then the time, the mappings and the string table; values
//! scaled by the sampling rate as Go scales them, and the `bytes` label.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::{self, Write};

use heapscope::pb;
use prost::encoding::{encode_key, encode_varint, WireType};
use prost::Message;
use rustc_hash::FxHasher;

use crate::program::{object_size, Function, Program, TEXT_START};
use crate::rng::Rng;

/// Go's default `runtime.MemProfileRate`: one sample per 512 KiB allocated.
pub const RATE: i64 = 512 * 1024;

/// Nov 22, 2026 at 0:00 UTC; seed N is N minutes later.
const BASE_TIME_NANOS: i64 = 1_795_305_600_000_000_000;

/// What to write: how many samples, which snapshot, how many in use.
pub struct Shape {
    pub samples: usize,
    pub seed: u64,
    pub inuse_share: f64,
}

/// What was written, for the summary line and tests.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Stats {
    pub samples: usize,
    pub locations: usize,
    pub functions: usize,
    pub strings: usize,
    pub frames: usize,
    pub min_depth: usize,
    pub max_depth: usize,
    pub inuse_samples: usize,
    pub raw_bytes: u64,
}

/// A location is named by its physical function and a code numbering its
/// sites: one hex digit per line, innermost digit lowest, each digit the
/// site's index + 1. The code also places its address in the function.
type LocKey = u64;

fn loc_key(function: u32, code: u64) -> LocKey {
    ((function as u64) << 12) | code
}

/// The samples' stacks and values, turned into protobuf as they are drawn.
struct Writer<'p, W: Write> {
    program: &'p Program,
    out: W,
    buf: Vec<u8>,
    strings: HashMap<String, i64>,
    string_table: Vec<String>,
    location_ids: HashMap<LocKey, u64>,
    function_ids: Vec<u64>,
    /// The string "bytes", the key of every sample's label.
    bytes_key: i64,
    stats: Stats,
}

impl<W: Write> Writer<'_, W> {
    fn string(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.strings.get(s) {
            return i;
        }
        let i = self.string_table.len() as i64;
        self.strings.insert(s.to_string(), i);
        self.string_table.push(s.to_string());
        i
    }

    fn message(&mut self, tag: u32, m: &impl Message) {
        encode_key(tag, WireType::LengthDelimited, &mut self.buf);
        m.encode_length_delimited(&mut self.buf)
            .expect("a Vec grows as needed");
    }

    fn varint_field(&mut self, tag: u32, v: i64) {
        encode_key(tag, WireType::Varint, &mut self.buf);
        encode_varint(v as u64, &mut self.buf);
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stats.raw_bytes += self.buf.len() as u64;
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// The id of a function, handed out on first use; `new` collects the
    /// functions whose messages are still to be written.
    fn function_id(&mut self, f: u32, new: &mut Vec<u32>) -> u64 {
        if self.function_ids[f as usize] == 0 {
            self.stats.functions += 1;
            self.function_ids[f as usize] = self.stats.functions as u64;
            new.push(f);
        }
        self.function_ids[f as usize]
    }

    fn write_function(&mut self, f: u32) {
        let func = &self.program.functions[f as usize];
        let name = self.string(&func.name);
        let filename = self.string(&self.program.files[func.file]);
        let m = pb::Function {
            id: self.function_ids[f as usize],
            name,
            system_name: name,
            filename,
            start_line: func.start_line,
        };
        self.message(5, &m);
    }

    /// The id of a location; on first use the location is written, then the
    /// functions it is the first to use, as Go writes them.
    fn location_id(&mut self, key: LocKey) -> u64 {
        if let Some(&id) = self.location_ids.get(&key) {
            return id;
        }
        let id = self.location_ids.len() as u64 + 1;
        self.location_ids.insert(key, id);
        let phys = (key >> 12) as u32;
        let code = key & 0xfff;
        let mut new = Vec::new();
        let line = location_lines(self.program, phys, code)
            .into_iter()
            .map(|(f, line)| pb::Line {
                function_id: self.function_id(f, &mut new),
                line,
                column: 0,
            })
            .collect();
        let m = pb::Location {
            id,
            mapping_id: 1,
            address: Function::entry(phys as usize) + 8 * code + 5,
            line,
            is_folded: false,
        };
        self.message(4, &m);
        for f in new {
            self.write_function(f);
        }
        id
    }

    fn sample(&mut self, keys: &[LocKey], count: i64, inuse: i64, size: i64) -> io::Result<()> {
        let location_id: Vec<u64> = keys.iter().map(|&k| self.location_id(k)).collect();
        let (ao, ab) = scale(count, count * size, RATE);
        let (io_, ib) = scale(inuse, inuse * size, RATE);
        let m = pb::Sample {
            location_id,
            value: vec![ao, ab, io_, ib],
            label: vec![pb::Label {
                key: self.bytes_key,
                num: size,
                ..Default::default()
            }],
        };
        self.message(2, &m);
        let s = &mut self.stats;
        s.samples += 1;
        s.frames += keys.len();
        s.min_depth = if s.samples == 1 {
            keys.len()
        } else {
            s.min_depth.min(keys.len())
        };
        s.max_depth = s.max_depth.max(keys.len());
        s.inuse_samples += usize::from(inuse > 0);
        if self.buf.len() > 1 << 16 {
            self.flush()?;
        }
        Ok(())
    }
}

/// The lines of a location, innermost first: (function, line).
fn location_lines(program: &Program, phys: u32, code: u64) -> Vec<(u32, i64)> {
    let mut digits = Vec::new();
    let mut c = code;
    while c != 0 {
        digits.push((c & 0xf) as usize - 1);
        c >>= 4;
    }
    // From the physical function inwards.
    let mut lines = Vec::new();
    let mut f = phys;
    for (i, &site) in digits.iter().rev().enumerate() {
        let func = &program.functions[f as usize];
        lines.push((f, func.site_line(site)));
        if i + 1 < digits.len() {
            f = func.callees[site];
        }
    }
    lines.reverse();
    lines
}

/// Go's scaling of a sampled (count, bytes) pair to an estimate of all
/// allocations: each sampled object of size s stands for 1/(1 − e^(−s/rate))
/// objects; the results are truncated.
pub fn scale(count: i64, bytes: i64, rate: i64) -> (i64, i64) {
    if count == 0 || bytes == 0 {
        return (0, 0);
    }
    let avg = bytes as f64 / count as f64;
    let s = 1.0 / (1.0 - (-avg / rate as f64).exp());
    ((count as f64 * s) as i64, (bytes as f64 * s) as i64)
}

/// How deep a stack goes (frames, before inlining merges some): mostly
/// 26–30, a tenth anywhere from 12 up.
fn depth(rng: &mut Rng) -> usize {
    let u = rng.f64();
    match u {
        _ if u < 0.45 => 30,
        _ if u < 0.65 => 29,
        _ if u < 0.77 => 28,
        _ if u < 0.85 => 27,
        _ if u < 0.90 => 26,
        _ => 12 + rng.below(14),
    }
}

/// One random stack, root to leaf: functions and the call site used in each
/// (the leaf's an allocation site), and the size of what it allocates.
fn walk(program: &Program, rng: &mut Rng) -> (Vec<u32>, Vec<usize>, i64) {
    let target = depth(rng);
    let total: f64 = program.chains.iter().map(|c| c.weight).sum();
    let mut x = rng.f64() * total;
    let chain = program
        .chains
        .iter()
        .find(|c| {
            x -= c.weight;
            x < 0.0
        })
        .unwrap_or(&program.chains[0]);
    let mut path = chain.frames.clone();
    let mut sites: Vec<usize> = chain
        .frames
        .windows(2)
        .map(|w| site_of(&program.functions[w[0] as usize], w[1]))
        .collect();
    // Frames so far: a call to an inlinable function adds a line to the
    // caller's location, not a frame.
    let mut frames = path.len();
    loop {
        let f = &program.functions[*path.last().expect("chains are not empty") as usize];
        if f.callees.is_empty() || (frames >= target && f.alloc_sites > 0) {
            break;
        }
        let i = rng.zipf(f.callees.len());
        let callee = f.callees[i];
        if f.indirect || !program.functions[callee as usize].inlinable {
            frames += 1;
        }
        sites.push(f.call_site(i));
        path.push(callee);
    }
    let f = &program.functions[*path.last().expect("a path is not empty") as usize];
    let a = rng.zipf(f.alloc_sites.max(1));
    let size = match f.site_sizes.get(a) {
        Some(&s) if s > 0 => s,
        _ => object_size(rng),
    };
    sites.push(f.call_sites() + a);
    (path, sites, size)
}

fn site_of(caller: &Function, callee: u32) -> usize {
    let i = caller
        .callees
        .iter()
        .position(|&c| c == callee)
        .expect("a chain's frames call each other");
    caller.call_site(i)
}

/// Location keys of a path, leaf first: a call to an inlinable function
/// joins the caller's line to the callee's location, as Go records inlining.
fn locations(program: &Program, path: &[u32], sites: &[usize]) -> Vec<LocKey> {
    let mut keys = Vec::with_capacity(path.len());
    let leaf = path.len() - 1;
    let mut code = sites[leaf] as u64 + 1;
    let mut digits = 1;
    for k in (0..leaf).rev() {
        let caller = &program.functions[path[k] as usize];
        let callee = &program.functions[path[k + 1] as usize];
        if callee.inlinable && !caller.indirect && digits < 3 {
            code |= (sites[k] as u64 + 1) << (4 * digits);
            digits += 1;
        } else {
            keys.push(loc_key(path[k + 1], code));
            code = sites[k] as u64 + 1;
            digits = 1;
        }
    }
    keys.push(loc_key(path[0], code));
    keys
}

/// Writes the profile's protobuf (not compressed) to `out`.
pub fn write(program: &Program, shape: &Shape, out: impl Write) -> io::Result<Stats> {
    let mut w = Writer {
        program,
        out,
        buf: Vec::with_capacity(1 << 17),
        strings: HashMap::new(),
        string_table: Vec::new(),
        location_ids: HashMap::new(),
        function_ids: vec![0; program.functions.len()],
        bytes_key: 0,
        stats: Stats::default(),
    };
    w.string("");
    let space = w.string("space");
    let bytes = w.string("bytes");
    w.bytes_key = bytes;
    let period_type = pb::ValueType {
        r#type: space,
        unit: bytes,
    };
    w.message(11, &period_type);
    w.varint_field(12, RATE);
    for (kind, unit) in [
        ("alloc_objects", "count"),
        ("alloc_space", "bytes"),
        ("inuse_objects", "count"),
        ("inuse_space", "bytes"),
    ] {
        let t = pb::ValueType {
            r#type: w.string(kind),
            unit: w.string(unit),
        };
        w.message(1, &t);
    }

    let mut rng = Rng::new(shape.seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed);
    // The runtime's own stacks come first: live, few objects each.
    for stack in program.background.iter().take(shape.samples) {
        let leaf = &program.functions[*stack.last().expect("stacks are not empty") as usize];
        let mut sites: Vec<usize> = stack
            .windows(2)
            .map(|w| site_of(&program.functions[w[0] as usize], w[1]))
            .collect();
        sites.push(leaf.call_sites());
        let keys = locations(program, stack, &sites);
        let count = 1 + rng.below(3) as i64;
        let size = leaf
            .site_sizes
            .first()
            .copied()
            .filter(|&s| s > 0)
            .unwrap_or(4096);
        w.sample(&keys, count, count, size)?;
    }
    let mut seen: HashSet<u64> = HashSet::new();
    while w.stats.samples < shape.samples {
        // Go keeps one bucket per (stack, size): draw until one is new.
        let mut tries = 0;
        let (keys, size) = loop {
            let (path, sites, size) = walk(program, &mut rng);
            let keys = locations(program, &path, &sites);
            let mut h = FxHasher::default();
            keys.hash(&mut h);
            size.hash(&mut h);
            if seen.insert(h.finish()) {
                break (keys, size);
            }
            tries += 1;
            if tries == 1000 {
                return Err(io::Error::other(format!(
                    "no new stack after {tries} tries at sample {}: the program is too small for this many samples",
                    w.stats.samples
                )));
            }
        };
        let count = if rng.f64() < 0.75 {
            1
        } else {
            2 + rng.geometric(2.0) as i64
        };
        let inuse = if rng.f64() < shape.inuse_share {
            1 + rng.below(count as usize) as i64
        } else {
            0
        };
        w.sample(&keys, count, inuse, size)?;
    }

    let minutes = (shape.seed % 100_000) as i64;
    w.varint_field(9, BASE_TIME_NANOS + minutes * 60_000_000_000);
    let text_end = Function::entry(program.functions.len());
    let mappings = [
        (
            TEXT_START - 0x1000,
            text_end,
            program.binary,
            "5f1e0c3a9b7d4e2f8a6c1b0d9e8f7a6b5c4d3e2f",
            true,
        ),
        (0x7ffd_4f3c_2000, 0x7ffd_4f3c_4000, "[vdso]", "", false),
        (
            0xffff_ffff_ff60_0000,
            0xffff_ffff_ff60_1000,
            "[vsyscall]",
            "",
            false,
        ),
    ];
    for (i, (start, limit, file, build_id, has_functions)) in mappings.into_iter().enumerate() {
        let m = pb::Mapping {
            id: i as u64 + 1,
            memory_start: start,
            memory_limit: limit,
            file_offset: 0,
            filename: w.string(file),
            build_id: w.string(build_id),
            has_functions,
            ..Default::default()
        };
        w.message(3, &m);
    }
    for s in std::mem::take(&mut w.string_table) {
        w.stats.strings += 1;
        encode_key(6, WireType::LengthDelimited, &mut w.buf);
        encode_varint(s.len() as u64, &mut w.buf);
        w.buf.extend_from_slice(s.as_bytes());
    }
    w.stats.locations = w.location_ids.len();
    w.flush()?;
    w.out.flush()?;
    Ok(w.stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stacks_locations_spell_its_path_with_inlined_calls_inside() {
        let program = Program::build();
        let mut rng = Rng::new(3);
        let mut inlined = 0;
        for _ in 0..2000 {
            let (path, sites, _) = walk(&program, &mut rng);
            let keys = locations(&program, &path, &sites);
            // Leaf first, innermost line first: the path from the leaf up.
            let lines: Vec<u32> = keys
                .iter()
                .flat_map(|&k| location_lines(&program, (k >> 12) as u32, k & 0xfff))
                .map(|(f, _)| f)
                .collect();
            let leaf_first: Vec<u32> = path.iter().rev().copied().collect();
            assert_eq!(lines, leaf_first);
            inlined += path.len() - keys.len();
        }
        assert!(inlined > 0);
    }

    #[test]
    fn go_scaling_of_one_object_of_the_rate() {
        // One 512 KiB object stands for 1/(1 − 1/e) = 1.58 objects.
        assert_eq!(scale(1, RATE, RATE), (1, 829_411));
        assert_eq!(scale(0, 0, RATE), (0, 0));
        // Small objects: about rate/size objects per sampled one.
        assert_eq!(scale(1, 8, RATE).0, 65536);
    }
}
