//! The memory map after the rows: its entries parsed and merged as pprof
//! does, and each location given the mapping holding its address.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::profile::{Location, Mapping, MappingIndex};

use super::builder::{Budget, MAPPING_COST};
use super::parse::patterns;
use super::LegacyError;

/// A mapping as the memory map describes it, before it is interned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct RawMapping {
    pub(super) start: u64,
    pub(super) limit: u64,
    pub(super) offset: u64,
    pub(super) file: String,
    pub(super) build_id: String,
}

/// pprof's `parseMappingEntry`: a `/proc/self/maps` line or the brief
/// `start-end perm file (@offset) buildid` form (its log prefix already
/// removed). Non-executable entries and lines of neither form give `None`.
fn parse_mapping(line: &str) -> Option<RawMapping> {
    let p = patterns();
    let get = |c: &regex::Captures<'_>, i: usize| c.get(i).map_or("", |m| m.as_str()).to_string();
    let (start, end, perm, file, offset, build_id) = if let Some(c) = p.proc_maps.captures(line) {
        (
            get(&c, 1),
            get(&c, 2),
            get(&c, 3),
            get(&c, 5),
            get(&c, 4),
            String::new(),
        )
    } else if let Some(c) = p.brief_maps.captures(line) {
        (
            get(&c, 1),
            get(&c, 2),
            get(&c, 3),
            get(&c, 4),
            get(&c, 5),
            get(&c, 6),
        )
    } else {
        return None;
    };
    if !perm.is_empty() && !perm.contains('x') {
        return None;
    }
    Some(RawMapping {
        start: u64::from_str_radix(&start, 16).ok()?,
        limit: u64::from_str_radix(&end, 16).ok()?,
        offset: if offset.is_empty() {
            0
        } else {
            u64::from_str_radix(&offset, 16).ok()?
        },
        file,
        build_id,
    })
}

/// The memory map's lines as pprof reads them (`parseProcMapsFromScanner`):
/// a line of neither mapping form that holds `name=value` sets a variable,
/// and `$name` in every later line is replaced by its value, the earlier
/// variable first where two could match (Go's `strings.Replacer`).
#[derive(Default)]
pub(super) struct MapReader {
    vars: Vec<(String, String)>,
    /// The mappings read by [`read`](MapReader::read), in file order.
    pub(super) entries: Vec<RawMapping>,
}

/// At most this many variables of at most this many bytes each, and a line
/// grows by at most this much when they are replaced: a value built of
/// earlier ones could otherwise double with every line.
const MAX_VARS: usize = 64;
const MAX_VALUE: usize = 4096;
const MAX_GROWTH: usize = 64 * 1024;

impl MapReader {
    /// Reads a line of the memory map: its mapping, if it gives one, goes
    /// to [`entries`](MapReader::entries), charged to `budget`.
    pub(super) fn read(&mut self, raw: &str, budget: &mut Budget) -> Result<(), LegacyError> {
        if let Some(m) = self.line(raw) {
            let text = (m.file.len() + m.build_id.len()) as u64;
            budget.charge(MAPPING_COST + 2 * text)?;
            self.entries.push(m);
        }
        Ok(())
    }

    /// The mapping a line of the memory map gives, if any.
    fn line(&mut self, raw: &str) -> Option<RawMapping> {
        let p = patterns();
        let line = match p.log_prefix.find(raw) {
            Some(m) => &raw[m.end()..],
            None => raw,
        };
        let line = self.replace(line);
        if p.proc_maps.is_match(&line) || p.brief_maps.is_match(&line) {
            return parse_mapping(&line);
        }
        if let Some((name, value)) = line.split_once('=') {
            let value = value.trim();
            if self.vars.len() < MAX_VARS && value.len() <= MAX_VALUE {
                self.vars
                    .push((format!("${}", name.trim()), value.to_string()));
            }
        }
        None
    }

    /// `line` with the variables replaced, or as it is if that would make
    /// it too long.
    fn replace<'l>(&self, line: &'l str) -> std::borrow::Cow<'l, str> {
        if self.vars.is_empty() || !line.contains('$') {
            return line.into();
        }
        let mut out = String::with_capacity(line.len());
        let mut rest = line;
        while let Some(c) = rest.chars().next() {
            match self
                .vars
                .iter()
                .find(|(name, _)| rest.starts_with(name.as_str()))
            {
                Some((name, value)) => {
                    out.push_str(value);
                    rest = &rest[name.len()..];
                }
                None => {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
            if out.len() > line.len() + MAX_GROWTH {
                return line.into();
            }
        }
        out.into()
    }
}

/// pprof's `adjacent`: two entries that are one mapping split in two.
fn adjacent(m1: &RawMapping, m2: &RawMapping) -> bool {
    if !m1.file.is_empty() && !m2.file.is_empty() && m1.file != m2.file {
        return false;
    }
    if !m1.build_id.is_empty() && !m2.build_id.is_empty() && m1.build_id != m2.build_id {
        return false;
    }
    if m1.limit != m2.start {
        return false;
    }
    if m1.offset != 0 && m2.offset != 0 {
        let offset = m1.offset.wrapping_add(m1.limit.wrapping_sub(m1.start));
        if offset != m2.offset {
            return false;
        }
    }
    true
}

/// pprof's `massageMappings` and the mapping fix-ups of `remapMappingIDs`:
/// adjacent pieces merged, the main binary moved first, a leading
/// `/anon_hugepage` dropped, a main binary at 0x400000 given offset 0.
pub(super) fn massage_mappings(raw: Vec<RawMapping>) -> Vec<RawMapping> {
    let mut merged: Vec<RawMapping> = Vec::with_capacity(raw.len());
    for m in raw {
        match merged.last_mut() {
            Some(last) if adjacent(last, &m) => {
                last.limit = m.limit;
                if !m.file.is_empty() {
                    last.file = m.file;
                }
                if !m.build_id.is_empty() {
                    last.build_id = m.build_id;
                }
            }
            _ => merged.push(m),
        }
    }
    let is_library = |file: &str| {
        file.ends_with(".so")
            || file.match_indices(".so").any(|(i, _)| {
                let rest = &file.as_bytes()[i + 3..];
                rest.len() >= 2 && matches!(rest[0], b'.' | b'_') && rest[1].is_ascii_digit()
            })
    };
    if let Some(main) = merged.iter().position(|m| {
        let file = m.file.replace("(deleted)", "");
        let file = file.trim();
        !file.is_empty() && !is_library(file) && !file.starts_with('[')
    }) {
        merged.swap(0, main);
    }
    if merged.len() > 1
        && merged[0].file.starts_with("/anon_hugepage")
        && merged[0].limit == merged[1].start
    {
        merged.remove(0);
    }
    if let Some(m) = merged.first_mut() {
        if m.start.wrapping_sub(m.offset) == 0x400000 {
            m.start = 0x400000;
            m.offset = 0;
        }
    }
    merged
}

/// The fake mapping of the addresses no memory map covers, made (spanning
/// every address, as pprof's) the first time one is met.
fn fake_mapping(mappings: &mut Vec<Mapping>, fake: &mut Option<MappingIndex>) -> MappingIndex {
    *fake.get_or_insert_with(|| {
        mappings.push(Mapping {
            id: mappings.len() as u64 + 1,
            memory_limit: u64::MAX,
            ..Mapping::default()
        });
        MappingIndex::from_index(mappings.len() - 1)
    })
}

/// pprof's `remapMappingIDs`: each location goes to the mapping holding its
/// address (the first such, in order), or else to the first mapping whose
/// first piece the memory map lost (the range just below it, `file_offset`
/// long), which then grows down to cover it; the rest go to one fake
/// mapping covering everything, as pprof makes for Go's legacy profiles,
/// which have no memory map. Once made, the fake mapping holds every
/// address no mapping before it holds.
pub(super) fn assign_mappings(locations: &mut [Location], mappings: &mut Vec<Mapping>) {
    // The ranges below mappings, kept while their mapping has an offset.
    let below = |m: &Mapping| (m.memory_start.wrapping_sub(m.file_offset), m.memory_start);
    let mut bounds = Vec::with_capacity(3 * mappings.len());
    for m in mappings.iter() {
        bounds.extend([m.memory_start, m.memory_limit, below(m).0]);
    }
    let mut holding = RangeIndex::new(bounds.clone());
    let mut lost = RangeIndex::new(bounds);
    for (i, m) in mappings.iter().enumerate() {
        let i = MappingIndex::from_index(i);
        holding.insert(m.memory_start, m.memory_limit, i);
        if m.file_offset != 0 {
            let (start, limit) = below(m);
            lost.insert(start, limit, i);
        }
    }
    let mut fake: Option<MappingIndex> = None;
    for loc in locations.iter_mut() {
        let a = loc.address;
        if a == 0 {
            continue;
        }
        if let Some(i) = holding.lowest(a, |_| true) {
            loc.mapping = i;
            continue;
        }
        if let Some(f) = fake.filter(|_| a < u64::MAX) {
            loc.mapping = f;
            continue;
        }
        let grown = lost.lowest(a, |i| mappings[i.index()].file_offset != 0);
        if let Some(i) = grown {
            let m = &mut mappings[i.index()];
            m.memory_start = m.memory_start.wrapping_sub(m.file_offset);
            m.file_offset = 0;
            holding.insert(m.memory_start, m.memory_limit, i);
            loc.mapping = i;
            continue;
        }
        loc.mapping = fake_mapping(mappings, &mut fake);
    }
}

/// Address ranges `[start, limit)` numbered by their mapping, answering
/// which lowest-numbered range holds an address: a segment tree over the
/// ranges' bounds whose nodes keep the ranges covering them whole, lowest
/// first. Ranges are added, or taken out lazily (a query skips the ones
/// its `alive` rejects, for good).
struct RangeIndex {
    /// The sorted distinct bounds: leaf `i` is `[bounds[i], bounds[i + 1])`.
    bounds: Vec<u64>,
    leaves: usize,
    nodes: Vec<BinaryHeap<Reverse<MappingIndex>>>,
}

impl RangeIndex {
    fn new(mut bounds: Vec<u64>) -> Self {
        bounds.sort_unstable();
        bounds.dedup();
        let leaves = bounds.len().saturating_sub(1);
        RangeIndex {
            bounds,
            leaves,
            nodes: vec![BinaryHeap::new(); 2 * leaves],
        }
    }

    /// Adds range `[start, limit)` as number `id`; both are among the
    /// bounds the index was made with.
    fn insert(&mut self, start: u64, limit: u64, id: MappingIndex) {
        if start >= limit {
            return;
        }
        let (Ok(from), Ok(to)) = (
            self.bounds.binary_search(&start),
            self.bounds.binary_search(&limit),
        ) else {
            return;
        };
        let (mut l, mut r) = (from + self.leaves, to + self.leaves);
        while l < r {
            if l & 1 == 1 {
                self.nodes[l].push(Reverse(id));
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                self.nodes[r].push(Reverse(id));
            }
            l >>= 1;
            r >>= 1;
        }
    }

    /// The lowest-numbered live range holding `a`.
    fn lowest(&mut self, a: u64, alive: impl Fn(MappingIndex) -> bool) -> Option<MappingIndex> {
        let leaf = self.bounds.partition_point(|&b| b <= a).checked_sub(1)?;
        if leaf >= self.leaves {
            return None;
        }
        let mut best: Option<MappingIndex> = None;
        let mut node = leaf + self.leaves;
        while node >= 1 {
            let heap = &mut self.nodes[node];
            while let Some(&Reverse(id)) = heap.peek() {
                if alive(id) {
                    best = Some(best.map_or(id, |b| b.min(id)));
                    break;
                }
                heap.pop();
            }
            node >>= 1;
        }
        best
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_replaced_in_later_lines_as_pprof_does() {
        // As in google/pprof's cppbench.heap: `source=/home`, then
        // `$source/cppbench_server_main` (pprof -raw shows /home/...).
        let mut r = MapReader::default();
        assert_eq!(r.line("\tsource=/home"), None);
        assert_eq!(r.line("  src=/usr"), None);
        let m = r
            .line("  00400000-00fcb000: $source/cppbench_server_main")
            .unwrap();
        assert_eq!(m.file, "/home/cppbench_server_main");
        assert_eq!((m.start, m.limit), (0x400000, 0xfcb000));
        // The earlier variable wins where both match ($src vs $source).
        let m = r
            .line("7f00-7f10 r-xp 00000000 08:01 1 $src/$sourcex")
            .unwrap();
        assert_eq!(m.file, "/usr//homex");
        // Values built of earlier ones do not grow without bound.
        let mut r = MapReader::default();
        r.line("a=0123456789");
        for i in 0..100 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("v{}", i - 1)
            };
            r.line(&format!("v{i}=${prev}${prev}"));
        }
        assert!(r.vars.len() <= MAX_VARS);
        assert!(r.vars.iter().all(|(_, v)| v.len() <= MAX_VALUE));
        let long = format!("1000-2000 r-xp 0 0:0 0 {}", "$v60".repeat(1000));
        let m = r.line(&long).unwrap();
        assert!(m.file.len() <= long.len() + MAX_GROWTH);
    }

    #[test]
    fn main_binary_heuristics() {
        let m = |file: &str, start, limit| RawMapping {
            start,
            limit,
            file: file.to_string(),
            ..RawMapping::default()
        };
        let out = massage_mappings(vec![
            m("/lib/libc.so.6", 0x1000, 0x2000),
            m("[vdso]", 0x3000, 0x4000),
            m("/usr/lib/libz.so", 0x5000, 0x6000),
            m("/bin/prog", 0x7000, 0x8000),
            m("/bin/prog", 0x8000, 0x9000),
        ]);
        // Adjacent pieces of one file merge; the first non-library goes first.
        assert_eq!(out.len(), 4);
        assert_eq!(out[0].file, "/bin/prog");
        assert_eq!((out[0].start, out[0].limit), (0x7000, 0x9000));
        // A main binary whose start minus offset is 0x400000 starts there.
        let mut prog = m("/bin/prog", 0x401000, 0x500000);
        prog.offset = 0x1000;
        let out = massage_mappings(vec![prog]);
        assert_eq!((out[0].start, out[0].offset), (0x400000, 0));
    }

    /// pprof's scan, kept as the reference for the index.
    fn assign_mappings_by_scan(locations: &mut [Location], mappings: &mut Vec<Mapping>) {
        let mut fake: Option<MappingIndex> = None;
        'next: for loc in locations.iter_mut() {
            let a = loc.address;
            if a == 0 {
                continue;
            }
            for (i, m) in mappings.iter().enumerate() {
                if m.memory_start <= a && a < m.memory_limit {
                    loc.mapping = MappingIndex::from_index(i);
                    continue 'next;
                }
            }
            for (i, m) in mappings.iter_mut().enumerate() {
                if m.file_offset != 0
                    && m.memory_start.wrapping_sub(m.file_offset) <= a
                    && a < m.memory_start
                {
                    m.memory_start = m.memory_start.wrapping_sub(m.file_offset);
                    m.file_offset = 0;
                    loc.mapping = MappingIndex::from_index(i);
                    continue 'next;
                }
            }
            loc.mapping = fake_mapping(mappings, &mut fake);
        }
    }

    /// Overlapping mappings, lost first pieces (some growing over others),
    /// empty and inverted ranges, addresses anywhere: the index assigns
    /// what pprof's scan does, and grows the same mappings.
    #[test]
    fn indexed_mapping_lookup_matches_the_scan() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for round in 0..300 {
            let count = 1 + next(12);
            let mut mappings: Vec<Mapping> = (0..count)
                .map(|i| {
                    let start = next(200);
                    Mapping {
                        id: i + 1,
                        memory_start: start,
                        memory_limit: (start + next(40)).wrapping_sub(5),
                        file_offset: if next(3) == 0 { next(60) } else { 0 },
                        ..Mapping::default()
                    }
                })
                .collect();
            let mut locations: Vec<Location> = (0..40)
                .map(|i| Location {
                    id: i + 1,
                    mapping: MappingIndex::NONE,
                    address: if next(20) == 0 { u64::MAX } else { next(260) },
                    lines: 0..0,
                    is_folded: false,
                })
                .collect();
            let (mut want_maps, mut want_locs) = (mappings.clone(), locations.clone());
            assign_mappings_by_scan(&mut want_locs, &mut want_maps);
            assign_mappings(&mut locations, &mut mappings);
            let ranges = |ms: &[Mapping]| -> Vec<(u64, u64, u64)> {
                ms.iter()
                    .map(|m| (m.memory_start, m.memory_limit, m.file_offset))
                    .collect()
            };
            assert_eq!(ranges(&mappings), ranges(&want_maps), "round {round}");
            let got: Vec<MappingIndex> = locations.iter().map(|l| l.mapping).collect();
            let want: Vec<MappingIndex> = want_locs.iter().map(|l| l.mapping).collect();
            assert_eq!(got, want, "round {round}");
        }
    }
}
