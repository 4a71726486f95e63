//! heapscope's integration tests: one binary, modules per area.

mod base;
mod budget;
mod cli;
mod doctor;
mod flags;
mod flame;
mod frames;
mod gctrace;
mod golden;
mod graph;
mod http;
mod legacy;
mod malformed;
mod memstats;
mod names;
mod output_file;
mod producers;
mod safe_output;
mod shell;
mod tags;
mod traces;
mod util;
mod views;
mod web;
mod web_browser;
