//! `gctrace`: the story a `GODEBUG=gctrace=1` log tells — cycles, wall span,
//! the GC's CPU share over time, heap at start, live and goal per cycle,
//! stop-the-world pauses and concurrent marks, the live heap's trend, forced
//! cycles, the scavenger, each run of the program on its own — with runaway
//! growth, GC thrash, churn, heavy GC CPU, long marks and frequent forced
//! cycles flagged, as text, JSON or an SVG chart. Read
//! ([`parse`]), summarized and judged ([`summarize`]), written ([`write()`],
//! [`write_svg`]); [`run`] does it all for an input.

mod diagnose;
mod parse;
mod render;

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Context};

use crate::input::{self, InputSpec};
use crate::report::Format;
use crate::support::output;

pub use diagnose::{
    gc_cpu_ms, runs, scavenge_summary, summarize, thresholds, Finding, Growth, Options, Projection,
    ScavengeSummary, Span, Summary,
};
pub use parse::{parse, parse_within, Cycle, EarlyPhases, Scavenge, Trace, MALFORMED_KEPT};
pub use render::{write, write_svg};

/// Runs `gctrace`: reads the log from the input, writes the chart to `svg`
/// if given, and the report to `out` in `format`; notes go to `notes`.
pub fn run(
    out: &mut dyn Write,
    notes: &mut dyn Write,
    input: &InputSpec,
    format: Format,
    svg: Option<&Path>,
    options: &Options,
) -> anyhow::Result<()> {
    let (source, text) = input::read_text(input, notes)?;
    // The text held counts against the budget.
    let limit = input::memory_limit(input.max_size);
    let left = limit.saturating_sub(text.len() as u64);
    let trace = parse_within(&text, left, limit).map_err(|e| anyhow!("{source}: {e}"))?;
    if let Some(path) = svg {
        output::write_to(Some(path), out, |w| Ok(write_svg(w, &source, &trace)?))
            .with_context(|| format!("cannot write the chart to {}", path.display()))?;
    }
    Ok(write(out, &source, &trace, format, options)?)
}
