//! heapscope's integration tests: one binary, modules per area.

mod cli;
mod gctrace;
mod golden;
mod legacy;
mod memstats;
mod util;
