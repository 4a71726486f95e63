//! `GODEBUG=gctrace=1` logs: the parser, the report and the chart.
#![no_main]

use std::sync::OnceLock;

use heapscope_fuzz::Harness;
use libfuzzer_sys::fuzz_target;

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        Harness::new(
            "gctrace",
            &[
                "gctrace FILE",
                "gctrace --format json --svg SVG FILE",
                "doctor --format json FILE",
            ],
        )
    })
}

fuzz_target!(|data: &[u8]| {
    harness().run(data);
});
