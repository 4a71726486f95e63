//! The profile's tables as they are built from the rows: strings,
//! functions and locations interned, samples kept, and the memory budget
//! charged before each is stored.

use rustc_hash::FxHashMap;

use crate::profile::{
    Function, FunctionIndex, Label, Line, Location, LocationIndex, Mapping, MappingIndex, Samples,
    StrId, StringTable,
};

use super::mappings::RawMapping;
use super::parse::Row;
use super::symbols::{assign_symbols, group_inlined, Symbol};
use super::LegacyError;

/// Memory the decoded profile takes, checked against the budget before
/// each row, symbol line, location, function and string is kept. `row`
/// is what the row being read holds until it is added.
pub(super) struct Budget {
    used: u64,
    pub(super) row: u64,
    limit: u64,
    /// The line being read, for the error.
    pub(super) line: usize,
}

impl Budget {
    pub(super) fn charge(&mut self, bytes: u64) -> Result<(), LegacyError> {
        self.used = self.used.saturating_add(bytes);
        self.check(0)
    }

    /// Whether `transient` more bytes, held for a moment, still fit.
    pub(super) fn check(&self, transient: u64) -> Result<(), LegacyError> {
        if self.used.saturating_add(self.row).saturating_add(transient) > self.limit {
            return Err(LegacyError::TooLarge {
                line: self.line,
                limit: self.limit,
            });
        }
        Ok(())
    }
}

/// What the budget is charged: a sample's frame end and label set; a
/// location with its key in the index; a function with its key; a
/// string's end, its key and hash entry (its bytes twice too); a symbol
/// line as held for its row (its text too); per byte of a row line, the
/// most its addresses can take while the row is read and grouped.
const SAMPLE_COST: u64 = 12 + 64;
const LOCATION_COST: u64 = size_of::<Location>() as u64 + 24 + 48;
const LINE_COST: u64 = size_of::<Line>() as u64;
const FUNCTION_COST: u64 = size_of::<Function>() as u64 + 32;
const STRING_COST: u64 = 8 + 24 + 24;
pub(super) const SYMBOL_COST: u64 = size_of::<Symbol>() as u64;
pub(super) const ROW_BYTE_COST: u64 = 32;
/// A memory-map entry as read and as a mapping, with its share of the
/// address index (its text is charged too, twice).
pub(super) const MAPPING_COST: u64 = (size_of::<RawMapping>() + size_of::<Mapping>()) as u64 + 256;

/// Builds the profile tables while rows are read.
pub(super) struct Builder {
    pub(super) strings: StringTable,
    string_ids: FxHashMap<String, StrId>,
    pub(super) functions: Vec<Function>,
    function_ids: FxHashMap<(StrId, StrId), FunctionIndex>,
    pub(super) locations: Vec<Location>,
    pub(super) lines: Vec<Line>,
    /// Locations by their pcs (and whether they carry symbols).
    location_ids: FxHashMap<(Vec<u64>, bool), LocationIndex>,
    pub(super) samples: Samples,
    bytes_key: StrId,
    stack: Vec<LocationIndex>,
    pub(super) budget: Budget,
}

impl Builder {
    pub(super) fn new(num_values: usize, limit: u64) -> Result<Self, LegacyError> {
        let mut b = Builder {
            strings: StringTable::new(),
            string_ids: FxHashMap::default(),
            functions: Vec::new(),
            function_ids: FxHashMap::default(),
            locations: Vec::new(),
            lines: Vec::new(),
            location_ids: FxHashMap::default(),
            samples: Samples::new(num_values),
            bytes_key: StrId::EMPTY,
            stack: Vec::new(),
            budget: Budget {
                used: 0,
                row: 0,
                limit,
                line: 1,
            },
        };
        b.intern("")?;
        b.bytes_key = b.intern("bytes")?;
        Ok(b)
    }

    pub(super) fn intern(&mut self, s: &str) -> Result<StrId, LegacyError> {
        if let Some(&id) = self.string_ids.get(s) {
            return Ok(id);
        }
        self.budget.charge(STRING_COST + 2 * s.len() as u64)?;
        let id = self.strings.push(s);
        self.string_ids.insert(s.to_string(), id);
        Ok(id)
    }

    fn function(&mut self, name: &str, file: &str) -> Result<FunctionIndex, LegacyError> {
        let key = (self.intern(name)?, self.intern(file)?);
        let next = FunctionIndex::from_index(self.functions.len());
        if !self.function_ids.contains_key(&key) {
            self.budget.charge(FUNCTION_COST)?;
        }
        let id = *self.function_ids.entry(key).or_insert(next);
        if id == next {
            self.functions.push(Function {
                id: next.index() as u64 + 1,
                name: key.0,
                system_name: key.0,
                filename: key.1,
                start_line: 0,
                synthetic: false,
            });
        }
        Ok(id)
    }

    /// The location of a group of pcs: one pc and no symbols, or the pcs of
    /// one physical frame with their frames, innermost first.
    fn location(&mut self, pcs: &[u64], symbols: &[&Symbol]) -> Result<LocationIndex, LegacyError> {
        let key = (pcs.to_vec(), !symbols.is_empty());
        if let Some(&id) = self.location_ids.get(&key) {
            return Ok(id);
        }
        let lines = symbols.len().max(1) as u64;
        self.budget
            .charge(LOCATION_COST + 8 * pcs.len() as u64 + LINE_COST * lines)?;
        let start = self.lines.len() as u32;
        // A frame without a symbol has no line, as in pprof: reports name it
        // by its binary (`[libc.so.6]`) or `<unknown>`.
        for s in symbols {
            if let Some(fr) = &s.frame {
                let line = Line {
                    function: self.function(&fr.function, &fr.file)?,
                    line: fr.line,
                    column: 0,
                };
                self.lines.push(line);
            }
        }
        let id = LocationIndex::from_index(self.locations.len());
        self.locations.push(Location {
            id: id.index() as u64 + 1,
            mapping: MappingIndex::NONE,
            address: symbols.first().map_or(pcs[0], |s| s.pc),
            lines: start..self.lines.len() as u32,
            is_folded: false,
        });
        self.location_ids.insert(key, id);
        Ok(id)
    }

    pub(super) fn add_row(&mut self, row: Row) -> Result<(), LegacyError> {
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        // pprof: "Addresses from stack traces point to the next instruction
        // after each call. Adjust by -1 to land somewhere on the actual call."
        let pcs: Vec<u64> = row.addrs.iter().map(|a| a.wrapping_sub(1)).collect();
        let frames = assign_symbols(&row, &pcs);
        match frames {
            None => {
                for &pc in &pcs {
                    let loc = self.location(&[pc], &[])?;
                    stack.push(loc);
                }
            }
            Some(frames) => {
                for (group_pcs, group_symbols) in group_inlined(&pcs, &frames) {
                    let loc = self.location(&group_pcs, &group_symbols)?;
                    stack.push(loc);
                }
            }
        }
        let values = row.values.len() as u64;
        self.budget
            .charge(SAMPLE_COST + 8 * values + 4 * stack.len() as u64)?;
        self.budget.row = 0;
        let label = Label {
            key: self.bytes_key,
            str: StrId::EMPTY,
            num: row.block_size,
            num_unit: StrId::EMPTY,
        };
        self.samples.push(&row.values, &stack, &[label]);
        self.stack = stack;
        Ok(())
    }
}
