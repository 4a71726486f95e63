//! heapscope's integration tests: one binary, modules per area.

mod cli;
mod golden;
mod legacy;
mod util;
