//! `runtime.MemStats` blocks: the parser and the report.
#![no_main]

use std::sync::OnceLock;

use heapscope_fuzz::Harness;
use libfuzzer_sys::fuzz_target;

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        Harness::new(
            "memstats",
            &[
                "memstats FILE",
                "memstats --format json FILE",
                "doctor FILE",
            ],
        )
    })
}

fuzz_target!(|data: &[u8]| {
    harness().run(data);
});
