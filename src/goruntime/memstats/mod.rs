//! `memstats`: what a `runtime.MemStats` block says about a Go program's
//! memory — live heap against spans in use (fragmentation), idle memory kept
//! from the OS, where non-heap memory goes, objects, GC cost and pauses —
//! each figure with a line of explanation, and findings stated with their
//! numbers. Read ([`parse`]), judged ([`diagnose`]), written ([`write()`]).

mod diagnose;
mod parse;
mod render;

pub use diagnose::{diagnose, pauses, thresholds, Diagnosis, Finding, Pauses};
pub use parse::{parse, MemStats, PAUSE_RING};
pub use render::write;
