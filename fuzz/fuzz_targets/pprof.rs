//! Protobuf profiles (gzipped or not): the decoder, the graph and every
//! report, as the binary runs them.
#![no_main]

use std::sync::OnceLock;

use heapscope_fuzz::Harness;
use libfuzzer_sys::fuzz_target;

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| Harness::new("pprof", heapscope_fuzz::PROFILE_COMMANDS))
}

fuzz_target!(|data: &[u8]| {
    harness().run(data);
});
