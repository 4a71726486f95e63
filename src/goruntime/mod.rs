//! The Go runtime's own evidence about memory, read from the text Go
//! programs print: a `runtime.MemStats` block ([`memstats`]) and
//! `GODEBUG=gctrace=1` logs ([`gctrace`]), each parsed, judged and written
//! by its own files, and the SVG line chart they draw with ([`chart`]).

pub mod chart;
pub mod gctrace;
pub mod memstats;
