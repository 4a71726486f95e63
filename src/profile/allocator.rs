//! Allocator-internal leaf frames of non-Go producers (jemalloc, tcmalloc,
//! mimalloc, the C allocation calls, Rust's `alloc` shims), cut from the
//! leaf end of every stack at load unless `--keep_allocator_frames`, as
//! Go's runtime leaves its own allocator frames out of its heap profiles.
//!
//! pprof keeps them (a jemalloc_pprof profile's every flat value is on
//! jemalloc's `prof_backtrace_impl`); heapscope's default is a documented
//! difference, said in the report's header lines.

use std::sync::LazyLock;

use regex::Regex;

use super::{LocationIndex, Profile};

/// The frames cut, matched against whole function names as shown (after
/// pprof's demangling and simplification, and pprof's `drop_frames`
/// simplification of a trailing parameter list). Built from the frames of
/// real profiles (testdata/profiles/jemalloc*.pb.gz) and the allocators'
/// public and internal entry points. No Go function matches: Go names
/// carry a package path, and Go drops its runtime's frames itself.
const PATTERNS: &[&str] = &[
    // The C allocation calls, as any allocator exports them (jemalloc's
    // prefixed builds add `_rjem_` or `je_`; Go 1.25's pprof shows
    // `_rjem_je_x` as `rjem_je_x`).
    r"(_?rjem_|je_)?(malloc|calloc|realloc|free|cfree|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|malloc_usable_size)",
    r"(_?rjem_|je_)?(mallocx|rallocx|xallocx|sdallocx|dallocx|nallocx)",
    r"operator new|operator new\[\]|operator delete|operator delete\[\]",
    // jemalloc's internals: its prefixed symbols, the sampling path
    // (prof_backtrace_impl, the leaf of every jemalloc_pprof stack), the
    // inlined allocation paths.
    r"_?rjem_.*|je_.*",
    r"prof_backtrace.*|prof_tctx_create|prof_alloc_prep|prof_malloc.*|prof_realloc",
    r"imalloc.*|ialloc.*|iralloc.*|ipalloc.*|irallocx.*|arena_.*|tcache_.*|malloc_default|do_rallocx|isalloc|ivsalloc",
    // tcmalloc (gperftools' and Google's) and mimalloc.
    r"tcmalloc::.*|tc_.*|\(anonymous namespace\)::do_malloc.*|do_malloc.*|do_memalign.*",
    r"mi_.*|_mi_.*",
    // Rust: the global allocator's shims, and the standard library's
    // allocation and growth paths (RawVec is to Vec what Go's makeslice
    // and growslice are to slices), also as `<Type as Trait>::method` and
    // `<Type>::method`. Vec, Box, String and HashMap's own methods stay:
    // they say what was allocated.
    r"(__rustc::)?(__rust_alloc|__rust_alloc_zeroed|__rust_realloc|__rust_dealloc|__rdl_.*|__rg_.*)",
    r"<?(alloc::alloc|alloc::raw_vec|std::alloc|tikv_jemallocator|jemallocator|mimalloc)::.*",
];

fn regex() -> &'static Regex {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        // The patterns are constants: a test compiles them.
        Regex::new(&format!("^(?:{})$", PATTERNS.join("|"))).expect("allocator patterns")
    });
    &RE
}

/// Whether `name` (a function name as shown) is an allocator's frame.
pub fn is_allocator_frame(name: &str) -> bool {
    !name.is_empty() && regex().is_match(super::prune::simplify(name))
}

/// Cuts the allocator frames at the leaf end of the stacks of the samples
/// from `start` on (frames are the profile's location indexes plus
/// `location_base`, see `prune::apply_from`). A location whose inner
/// (inlined) lines are the allocator's and whose outer ones are not loses
/// the inner ones. A stack of allocator frames only is left whole. Returns
/// how many stacks were cut.
pub fn drop_leaf_frames(p: &mut Profile, start: usize, location_base: LocationIndex) -> u64 {
    let allocator: Vec<bool> = p
        .functions
        .iter()
        .map(|f| is_allocator_frame(p.str(f.name)))
        .collect();
    if !allocator.contains(&true) {
        return 0;
    }
    // Per location, how many of its lines, innermost first, are the
    // allocator's: all of them (and at least one) makes it an allocator
    // frame; some of them, a frame to trim when it ends a cut.
    let inner: Vec<u32> = p
        .locations
        .iter()
        .map(|loc| {
            p.location_lines(loc)
                .iter()
                .take_while(|l| allocator.get(l.function.index()).copied() == Some(true))
                .count() as u32
        })
        .collect();
    let whole = |li: usize| {
        let loc = &p.locations[li];
        inner[li] > 0 && inner[li] == loc.lines.end - loc.lines.start
    };
    let mut trim = vec![false; p.locations.len()];
    let mut cut = 0u64;

    p.samples.cut_leaf_frames(start, |stack| {
        let leading = stack
            .iter()
            .take_while(|f| whole(f.unoffset(location_base).index()))
            .count();
        if leading == stack.len() {
            return 0;
        }
        let next = stack.get(leading).unoffset(location_base).index();
        if inner[next] > 0 {
            trim[next] = true;
        }
        cut += u64::from(leading > 0 || inner[next] > 0);
        leading
    });
    for (li, loc) in p.locations.iter_mut().enumerate() {
        if trim[li] {
            loc.lines.start += inner[li];
        }
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb;
    use prost::Message;

    /// A profile of the given functions; each stack is leaf first, each
    /// location a list of function numbers (1-based), innermost first.
    fn profile(functions: &[&str], locations: &[&[u64]], stacks: &[(&[u64], i64)]) -> Profile {
        let mut strings = vec![String::new(), "space".into(), "bytes".into()];
        strings.extend(functions.iter().map(ToString::to_string));
        let p = pb::Profile {
            sample_type: vec![pb::ValueType { r#type: 1, unit: 2 }],
            sample: stacks
                .iter()
                .map(|(stack, v)| pb::Sample {
                    location_id: stack.to_vec(),
                    value: vec![*v],
                    label: vec![],
                })
                .collect(),
            location: locations
                .iter()
                .enumerate()
                .map(|(i, lines)| pb::Location {
                    id: i as u64 + 1,
                    line: lines
                        .iter()
                        .map(|&f| pb::Line {
                            function_id: f,
                            line: 1,
                            column: 0,
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            function: (1..=functions.len() as u64)
                .map(|id| pb::Function {
                    id,
                    name: id as i64 + 2,
                    ..Default::default()
                })
                .collect(),
            string_table: strings,
            ..Default::default()
        };
        crate::input::pprof::decode(&p.encode_to_vec()).unwrap()
    }

    fn names(p: &Profile, s: usize) -> Vec<Vec<&str>> {
        p.samples
            .stack(s)
            .iter()
            .map(|l| {
                p.location_lines(&p.locations[l.index()])
                    .iter()
                    .map(|ln| p.str(p.functions[ln.function.index()].name))
                    .collect()
            })
            .collect()
    }

    /// The frames of the real jemalloc_pprof profiles (testdata), as pprof
    /// names them, and the frames that must stay.
    #[test]
    fn the_real_allocator_frames_match_and_program_frames_do_not() {
        for name in [
            "prof_backtrace_impl",
            "rjem_je_prof_backtrace",
            "rjem_je_prof_tctx_create",
            "rjem_je_malloc_default",
            "_rjem_je_prof_backtrace",
            "prof_alloc_prep",
            "imalloc_body",
            "imalloc",
            "irallocx_prof",
            "do_rallocx",
            "calloc",
            "malloc",
            "realloc",
            "__rustc::__rust_alloc",
            "__rustc::__rust_alloc_zeroed",
            "__rust_alloc",
            "alloc::alloc::alloc",
            "alloc::alloc::realloc",
            "<alloc::alloc::Global as core::alloc::Allocator>::grow",
            "<alloc::alloc::Global>::alloc_impl",
            "<alloc::raw_vec::RawVecInner>::finish_grow",
            "alloc::raw_vec::RawVecInner<A>::try_allocate_in",
            "<tikv_jemallocator::Jemalloc as core::alloc::global::GlobalAlloc>::alloc",
            "<std::alloc::System as core::alloc::global::GlobalAlloc>::alloc",
            "tcmalloc::ThreadCache::Allocate",
            "tc_malloc",
            "operator new(unsigned long)",
            "mi_malloc",
            "_mi_page_malloc",
        ] {
            assert!(is_allocator_frame(name), "{name}");
        }
        for name in [
            "",
            "runtime.mallocgc",
            "runtime.malg",
            "main.malloc",
            "alloc::vec::Vec<T,A>::with_capacity_in",
            "<alloc::vec::Vec<u8>>::reserve",
            "alloc::boxed::Box<T>::new",
            "hashbrown::raw::alloc::inner::do_alloc",
            "heapscope_jemalloc_gen::main",
            "std::rt::lang_start_internal",
            "makeCache",
            "<module>",
            "(anonymous:L#1:C#1)",
            "(external)",
            "main.Collect[go.shape.interface { Key string; Size  }]",
        ] {
            assert!(!is_allocator_frame(name), "{name}");
        }
    }

    #[test]
    fn leaf_allocator_frames_go_and_inlined_shims_are_trimmed() {
        let mut p = profile(
            &[
                "prof_backtrace_impl",
                "malloc",
                "alloc::alloc::alloc",
                "main::f",
                "main::main",
                "free",
            ],
            // 1: prof_backtrace_impl; 2: malloc; 3: alloc::alloc::alloc
            // inlined into main::f; 4: main::main; 5: free above main::main.
            &[&[1], &[2], &[3, 4], &[5], &[6]],
            &[(&[1, 2, 3, 4], 10), (&[4], 5), (&[5, 4], 7)],
        );
        assert_eq!(drop_leaf_frames(&mut p, 0, LocationIndex::default()), 2);
        assert_eq!(names(&p, 0), [vec!["main::f"], vec!["main::main"]]);
        assert_eq!(names(&p, 1), [["main::main"]]);
        // Only the leaf end is cut: a stack of allocator frames under a
        // program frame loses them, wherever the names sit otherwise.
        assert_eq!(names(&p, 2), [["main::main"]]);
        assert_eq!(p.samples.values(0).collect::<Vec<_>>(), [10]);
    }

    #[test]
    fn frames_above_the_first_program_frame_stay() {
        // malloc called by main::f called by free (a callback): only the
        // leaf malloc goes.
        let mut p = profile(
            &["malloc", "main::f", "free"],
            &[&[1], &[2], &[3]],
            &[(&[1, 2, 3], 1)],
        );
        assert_eq!(drop_leaf_frames(&mut p, 0, LocationIndex::default()), 1);
        assert_eq!(names(&p, 0), [["main::f"], ["free"]]);
    }

    #[test]
    fn stacks_of_allocator_frames_only_stay_whole() {
        let mut p = profile(&["malloc", "calloc"], &[&[1], &[2]], &[(&[1, 2], 3)]);
        assert_eq!(drop_leaf_frames(&mut p, 0, LocationIndex::default()), 0);
        assert_eq!(names(&p, 0), [["malloc"], ["calloc"]]);
    }

    #[test]
    fn go_profiles_are_left_alone() {
        let mut p = profile(
            &[
                "runtime.mallocgc",
                "runtime.newobject",
                "main.f",
                "main.main",
            ],
            &[&[1], &[2], &[3], &[4]],
            &[(&[1, 2, 3, 4], 1)],
        );
        assert_eq!(drop_leaf_frames(&mut p, 0, LocationIndex::default()), 0);
        assert_eq!(names(&p, 0).len(), 4);
    }
}
