//! Reports over a loaded profile, one module (or folder) per view. Each
//! report writes to any `io::Write` and never prints directly; warnings go
//! to a second writer. Every graph report starts from [`Prepared`]
//! ([`prepare`]); the text reports share pprof's header lines ([`header`])
//! and table layout ([`table`]).

pub mod diff;
pub mod doctor;
pub mod flame;
pub mod graph;
pub mod header;
pub mod heap;
pub mod info;
pub mod json;
pub mod list;
pub mod peek;
pub mod prepare;
pub mod raw;
pub mod source;
pub mod table;
pub mod tags;
pub mod top;
pub mod traces;
pub mod trend;

pub use prepare::{PrepareError, Prepared, Selection};

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}
