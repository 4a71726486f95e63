//! heapscope's integration tests: one binary, modules per area.

mod cli;
mod flame;
mod gctrace;
mod gen;
mod golden;
mod graph;
mod http;
mod legacy;
mod malformed;
mod memstats;
mod safe_output;
mod util;
mod views;
