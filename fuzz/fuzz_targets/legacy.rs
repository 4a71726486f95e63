//! Legacy text heap profiles (`?debug=1`, tcmalloc): the text parser, and
//! the reports on what it reads.
#![no_main]

use std::sync::OnceLock;

use heapscope_fuzz::Harness;
use libfuzzer_sys::fuzz_target;

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        Harness::new(
            "legacy",
            &[
                "info FILE",
                "top -nodecount=0 -sample_index=0 FILE",
                "top --format json -lines -nodefraction=0 FILE",
                "peek . FILE",
                "list . -source_path=/nonexistent FILE",
                "flame --folded FILE",
                "graph --format dot FILE",
                "diff FILE FILE",
                "traces FILE",
                "raw FILE",
                "heap FILE",
                "doctor --format json FILE",
            ],
        )
    })
}

fuzz_target!(|data: &[u8]| {
    // The protobuf target covers everything else; here only what is read
    // as text counts.
    if heapscope::input::legacy::is_legacy_heap(data) {
        harness().run(data);
    }
});
