//! The decoder's memory budget: what each decoded entry is charged, checked
//! as it is read and before it is stored.

use super::decode::RawLabel;
use super::DecodeError;
use crate::pb;
use crate::profile::{Function, Label, Line, Location, Mapping, StrId, ValueType};

/// Memory charged against the budget for the decoded entries, checked as
/// each entry is read and before it is stored: a counter add and compare.
#[derive(Debug, Clone, Copy)]
pub(super) struct Budget {
    pub(super) used: u64,
    pub(super) limit: u64,
}

impl Budget {
    #[inline(always)]
    pub(super) fn charge(&mut self, bytes: u64, what: &'static str) -> Result<(), DecodeError> {
        self.used = self.used.saturating_add(bytes);
        if self.used > self.limit {
            return Err(self.exceeded(what));
        }
        Ok(())
    }

    #[cold]
    fn exceeded(&self, what: &'static str) -> DecodeError {
        DecodeError::ModelTooLarge {
            what,
            limit: self.limit,
        }
    }

    /// Gives back what a charge made in advance did not use.
    #[inline(always)]
    pub(super) fn refund(&mut self, bytes: u64) {
        self.used = self.used.saturating_sub(bytes);
    }

    pub(super) fn left(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

/// What each decoded entry is charged: its form as read plus its form in
/// the model, and for a table with ids its share of the id map (a dense
/// array or a hash map, at most this per id).
const ID_COST: u64 = 40;
const fn size<T>() -> u64 {
    size_of::<T>() as u64
}
pub(super) const SAMPLE_TYPE_COST: u64 = size::<pb::ValueType>() + size::<ValueType>();
pub(super) const MAPPING_COST: u64 = size::<pb::Mapping>() + size::<Mapping>() + ID_COST;
pub(super) const FUNCTION_COST: u64 = size::<pb::Function>() + size::<Function>() + ID_COST;
/// A location, and the allocation its lines are read into.
pub(super) const LOCATION_COST: u64 = size::<pb::Location>() + size::<Location>() + ID_COST + 16;
pub(super) const LINE_COST: u64 = size::<pb::Line>() + size::<Line>();
/// A string's end in the table (its bytes are charged too).
pub(super) const STRING_COST: u64 = size::<usize>();
pub(super) const COMMENT_COST: u64 = size::<i64>() + size::<StrId>();
/// A sample's frame end and label set (its frames and values are charged
/// one by one).
pub(super) const SAMPLE_COST: u64 = size::<usize>() + size::<u32>();
pub(super) const FRAME_COST: u64 = size::<u32>();
pub(super) const VALUE_COST: u64 = size::<i64>();
/// A top-level field that is kept in no table (a scalar, or unknown): a
/// real profile has a handful.
pub(super) const OTHER_FIELD_COST: u64 = 32;
/// A location id past the small ids: kept in a list and a hash map.
pub(super) const BIG_ID_COST: u64 = 48;
/// A label as read for its sample (the scratch list).
pub(super) const SCRATCH_LABEL_COST: u64 = size::<RawLabel>();
/// A label of a new set: in the sets as read and in their index, then the
/// same resolved.
pub(super) const LABEL_COST: u64 = 2 * size::<RawLabel>() + 2 * size::<Label>();
/// A new set's end and index entry, as read and resolved.
pub(super) const LABEL_SET_COST: u64 = 2 * (size::<u32>() + 32);
