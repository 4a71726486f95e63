//! `memstats`: what a `runtime.MemStats` block says about a Go program's
//! memory — live heap against spans in use (fragmentation), idle memory kept
//! from the OS, where non-heap memory goes (goroutine stacks among it),
//! objects and allocation, GC cost and frequency, the pauses lined up with
//! their end times — each figure with a line of explanation, and findings
//! stated with their numbers and thresholds. Read ([`parse`]), judged ([`diagnose`]), written ([`write()`]);
//! [`run`] does all three for an input.

mod diagnose;
mod parse;
mod render;

use std::io::Write;

use anyhow::anyhow;

use crate::input::{self, InputSpec};
use crate::report::Format;

pub use diagnose::{diagnose, pauses, thresholds, Diagnosis, Finding, Pauses};
pub use parse::{parse, MemStats, PAUSE_RING};
pub use render::write;

/// Runs `memstats`: reads the block from the input and writes what it says
/// to `out` in `format`; notes go to `notes`.
pub fn run(
    out: &mut dyn Write,
    notes: &mut dyn Write,
    input: &InputSpec,
    format: Format,
) -> anyhow::Result<()> {
    let (source, text) = input::read_text(input, notes)?;
    let stats = parse(&text).map_err(|e| anyhow!("{source}: {e}"))?;
    Ok(write(out, &source, &stats, format)?)
}
