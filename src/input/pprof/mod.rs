//! Decodes the pprof protobuf format (uncompressed bytes) into the
//! [`Profile`] model, checking every reference between tables.
//!
//! The input can arrive in pieces as it is inflated ([`Decoder`]). The small
//! messages (mappings, locations, functions, value types) go through the
//! prost code generated from `proto/profile.proto`. Samples, the bulk of a
//! big profile, are read straight into flat arrays as they arrive; their
//! location ids become dense indexes at the end, when every location is
//! known (Go writes each just before the first sample that uses it, other
//! producers after all the samples).
//!
//! The parts: `decode` reads the fields as they arrive (the [`Decoder`]),
//! `budget` holds what the decoded entries may take, and `resolve` checks
//! every reference and builds the profile once all is in.

mod budget;
mod decode;
mod resolve;

use std::fmt;

use super::wire::WireError;
use super::MEMORY_SHARE;
use crate::profile::Profile;

pub use decode::Decoder;

/// Why a protobuf profile could not be decoded.
#[derive(Debug)]
pub enum DecodeError {
    /// The bytes are not valid protobuf.
    Wire(WireError),
    /// A known field arrived with the wrong wire type.
    WireType {
        field: &'static str,
        wire_type: u8,
        offset: usize,
    },
    /// A sub-message failed to decode.
    Message {
        what: &'static str,
        offset: usize,
        source: prost::DecodeError,
    },
    /// The string table is missing or does not start with "".
    StringTable(String),
    /// An id of 0, or the same id twice, among locations/functions/mappings.
    BadId { what: &'static str, id: u64 },
    /// A reference to an id that is not defined.
    UnknownId {
        referrer: String,
        what: &'static str,
        id: u64,
    },
    /// A string index outside the string table.
    StringIndex {
        referrer: String,
        index: i64,
        len: usize,
    },
    /// A field whose length alone passes what is left of the memory
    /// budget.
    FieldTooLarge { offset: usize, len: u64, limit: u64 },
    /// The decoded tables would take more memory than the budget; `what`
    /// names the table whose entry passed it.
    ModelTooLarge { what: &'static str, limit: u64 },
    /// A sample whose value count differs from the number of sample types.
    ValueCount {
        sample: usize,
        got: usize,
        want: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Wire(e) => write!(f, "not a valid protobuf profile: {e}"),
            DecodeError::WireType {
                field,
                wire_type,
                offset,
            } => write!(
                f,
                "not a valid pprof profile: field {field} has wire type {wire_type} at byte {offset}"
            ),
            DecodeError::Message {
                what,
                offset,
                source,
            } => write!(f, "invalid {what} at byte {offset}: {source}"),
            DecodeError::StringTable(why) => write!(f, "invalid string table: {why}"),
            DecodeError::BadId { what, id } if *id == 0 => {
                write!(f, "a {what} has id 0, which is reserved")
            }
            DecodeError::BadId { what, id } => write!(f, "two {what}s share the id {id}"),
            DecodeError::UnknownId { referrer, what, id } => {
                write!(f, "{referrer} refers to {what} id {id}, which is not defined")
            }
            DecodeError::StringIndex {
                referrer,
                index,
                len,
            } => write!(
                f,
                "{referrer} refers to string {index}, but the string table has {len} entries"
            ),
            DecodeError::FieldTooLarge { offset, len, limit } => write!(
                f,
                "the field at byte {offset} claims {len} bytes, more than fits in the memory \
                 limit of {limit} bytes (-max_size/{MEMORY_SHARE}); raise it with -max_size=BYTES"
            ),
            DecodeError::ModelTooLarge { what, limit } => write!(
                f,
                "the decoded {what} pass the memory limit of {limit} bytes \
                 (-max_size/{MEMORY_SHARE}); raise it with -max_size=BYTES"
            ),
            DecodeError::ValueCount { sample, got, want } => write!(
                f,
                "sample {sample} has {got} values but the profile has {want} sample types"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

impl From<WireError> for DecodeError {
    fn from(e: WireError) -> Self {
        DecodeError::Wire(e)
    }
}

/// Decodes an uncompressed pprof protobuf held in memory.
pub fn decode(data: &[u8]) -> Result<Profile, DecodeError> {
    let mut decoder = Decoder::new();
    decoder.feed(data)?;
    decoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb;
    use prost::Message;

    /// A small Go-like heap profile: main.main → main.alloc, with
    /// main.inner inlined into main.alloc at the leaf location.
    pub(crate) fn sample_profile() -> pb::Profile {
        let strings: Vec<String> = [
            "",
            "alloc_objects",
            "count",
            "alloc_space",
            "bytes",
            "inuse_objects",
            "inuse_space",
            "main.main",
            "main.alloc",
            "main.inner",
            "/src/main.go",
            "/bin/prog",
            "space",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        let vt = |t, u| pb::ValueType { r#type: t, unit: u };
        pb::Profile {
            sample_type: vec![vt(1, 2), vt(3, 4), vt(5, 2), vt(6, 4)],
            sample: vec![
                pb::Sample {
                    location_id: vec![2, 1],
                    value: vec![4, 400, 1, 100],
                    label: vec![pb::Label {
                        key: 4,
                        num: 100,
                        ..Default::default()
                    }],
                },
                pb::Sample {
                    location_id: vec![1],
                    value: vec![2, 64, 0, 0],
                    label: vec![],
                },
            ],
            mapping: vec![pb::Mapping {
                id: 1,
                filename: 11,
                has_functions: true,
                ..Default::default()
            }],
            location: vec![
                pb::Location {
                    id: 1,
                    mapping_id: 1,
                    address: 0x1000,
                    line: vec![pb::Line {
                        function_id: 1,
                        line: 10,
                        column: 0,
                    }],
                    is_folded: false,
                },
                pb::Location {
                    id: 2,
                    mapping_id: 1,
                    address: 0x2000,
                    line: vec![
                        pb::Line {
                            function_id: 3,
                            line: 30,
                            column: 0,
                        },
                        pb::Line {
                            function_id: 2,
                            line: 20,
                            column: 0,
                        },
                    ],
                    is_folded: false,
                },
            ],
            function: vec![
                pb::Function {
                    id: 1,
                    name: 7,
                    system_name: 7,
                    filename: 10,
                    start_line: 9,
                },
                pb::Function {
                    id: 2,
                    name: 8,
                    system_name: 8,
                    filename: 10,
                    start_line: 19,
                },
                pb::Function {
                    id: 3,
                    name: 9,
                    system_name: 9,
                    filename: 10,
                    start_line: 29,
                },
            ],
            string_table: strings,
            time_nanos: 1_700_000_000_000_000_000,
            period_type: Some(vt(12, 4)),
            period: 524288,
            ..Default::default()
        }
    }

    #[test]
    fn decodes_every_table() {
        let p = decode(&sample_profile().encode_to_vec()).unwrap();
        assert_eq!(
            p.sample_type_names(),
            [
                "alloc_objects",
                "alloc_space",
                "inuse_objects",
                "inuse_space"
            ]
        );
        assert_eq!(p.samples.len(), 2);
        assert_eq!(p.samples.stack(0), &[1, 0]);
        assert_eq!(p.samples.values(0).collect::<Vec<_>>(), [4, 400, 1, 100]);
        assert_eq!(p.samples.labels(0).len(), 1);
        assert_eq!(p.str(p.samples.labels(0)[0].key), "bytes");
        assert_eq!(p.samples.labels(0)[0].num, 100);
        assert_eq!(p.samples.stack(1), &[0]);
        let leaf = &p.locations[1];
        let lines = p.location_lines(leaf);
        assert_eq!(lines.len(), 2);
        assert_eq!(
            p.str(p.functions[lines[0].function.index()].name),
            "main.inner"
        );
        assert_eq!(lines[0].line, 30);
        assert_eq!(p.period, 524288);
        assert_eq!(p.main_binary(), Some("/bin/prog"));
        assert_eq!(p.total(1), Some(464));
    }
}
