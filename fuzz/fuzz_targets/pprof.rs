//! Protobuf profiles (gzipped or not): the decoder, the graph and every
//! report, as the binary runs them.
#![no_main]

use std::sync::OnceLock;

use heapscope_fuzz::Harness;
use libfuzzer_sys::fuzz_target;

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        Harness::new(
            "pprof",
            &[
                "info FILE",
                "info --format json FILE",
                "top -nodecount=0 FILE",
                "top --format json -sample_index=0 -lines -nodefraction=0 FILE",
                "top -files -cum -trim_path=/src FILE",
                "top -focus=main -hide=runtime -relative_percentages FILE",
                "peek . FILE",
                "peek --format json -lines . FILE",
                "list . -source_path=/nonexistent FILE",
                "list --format json -full . FILE",
                "flame FILE",
                "flame --folded -reverse FILE",
                "flame -normalize --base FILE FILE",
                "graph --renderer builtin FILE",
                "graph --format dot -lines FILE",
                "diff FILE FILE",
                "diff --format json -normalize FILE FILE",
                "trend --keep-order FILE FILE",
                "trend --format json -cum FILE FILE",
            ],
        )
    })
}

fuzz_target!(|data: &[u8]| {
    harness().run(data);
});
