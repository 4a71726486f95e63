//! Which sample value a report reads: pprof's `-sample_index` rules, the
//! `-inuse_space`-style shorthands, and the default (the profile's default
//! sample type, else the last one).

use std::fmt;

use super::Profile;
use crate::support::escape;

/// Why a requested sample type cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SampleTypeError {
    /// The profile has no sample types at all.
    NoSampleTypes,
    /// A numeric index outside the sample types.
    OutOfRange { index: String, max: usize },
    /// A name the profile does not have.
    Unknown {
        name: String,
        available: Vec<String>,
    },
}

impl fmt::Display for SampleTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SampleTypeError::NoSampleTypes => write!(f, "the profile has no sample types"),
            SampleTypeError::OutOfRange { index, max } => write!(
                f,
                "sample_index {} is outside the range [0..{max}]",
                escape::text(index)
            ),
            SampleTypeError::Unknown { name, available } => {
                let available: Vec<_> = available.iter().map(|n| escape::text(n)).collect();
                write!(
                    f,
                    "sample_index \"{}\" must be one of: {}",
                    escape::text(name),
                    available.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for SampleTypeError {}

/// Resolves a `-sample_index` value (a name, a number, or `None` for the
/// default) to an index into the profile's sample types.
pub fn resolve(p: &Profile, requested: Option<&str>) -> Result<usize, SampleTypeError> {
    let names = p.sample_type_names();
    if names.is_empty() {
        return Err(SampleTypeError::NoSampleTypes);
    }
    let Some(requested) = requested else {
        let default = p.str(p.default_sample_type);
        if !default.is_empty() {
            if let Some(i) = names.iter().position(|n| *n == default) {
                return Ok(i);
            }
        }
        return Ok(names.len() - 1);
    };
    if let Ok(i) = requested.parse::<i64>() {
        if i < 0 || i as usize >= names.len() {
            return Err(SampleTypeError::OutOfRange {
                index: requested.to_string(),
                max: names.len() - 1,
            });
        }
        return Ok(i as usize);
    }
    // "inuse_space" also selects a type named "space" (older profiles).
    let without_inuse = requested.strip_prefix("inuse_").unwrap_or(requested);
    names
        .iter()
        .position(|n| *n == requested || *n == without_inuse)
        .ok_or_else(|| SampleTypeError::Unknown {
            name: requested.to_string(),
            available: names.iter().map(ToString::to_string).collect(),
        })
}

/// When the chosen type is zero in every sample that counts but another
/// type is not (a `go test -memprofile` profile holds little or nothing in
/// use), the type to use instead: the first non-zero one with the same unit,
/// else any non-zero one. `counts` says which samples count (the filters').
pub fn better_choice(p: &Profile, index: usize, counts: impl Fn(usize) -> bool) -> Option<usize> {
    // Usually decided by the first sample that counts.
    let nonzero = |i: usize| (0..p.samples.len()).any(|s| counts(s) && p.samples.value(s, i) != 0);
    if nonzero(index) {
        return None;
    }
    let unit = p.str(p.sample_types[index].unit);
    let candidates: Vec<usize> = (0..p.sample_types.len()).filter(|&i| nonzero(i)).collect();
    candidates
        .iter()
        .copied()
        .find(|&i| p.str(p.sample_types[i].unit) == unit)
        .or(candidates.first().copied())
}
