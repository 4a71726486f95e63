//! heapscope's integration tests: one binary, modules per area.

mod cli;
mod flame;
mod golden;
mod graph;
mod util;
