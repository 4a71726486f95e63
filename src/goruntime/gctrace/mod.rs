//! `gctrace`: the story a `GODEBUG=gctrace=1` log tells — cycles, wall span,
//! the GC's CPU share, heap at start, live and goal per cycle, stop-the-world
//! pauses, live-heap growth, forced cycles, the scavenger — with runaway
//! growth and GC thrash flagged, as text, JSON or an SVG chart. Read
//! ([`parse`]), summarized and judged ([`summarize`]), written ([`write()`],
//! [`write_svg`]).

mod diagnose;
mod parse;
mod render;

pub use diagnose::{
    runs, scavenge_summary, summarize, thresholds, Finding, ScavengeSummary, Span, Summary,
};
pub use parse::{parse, parse_within, Cycle, Scavenge, Trace, MALFORMED_KEPT};
pub use render::{write, write_svg};
