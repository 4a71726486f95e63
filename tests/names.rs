//! Function names as pprof shows them: a hand-built profile whose functions
//! carry C++ and Rust mangled names, demangled C++ and Rust names, Go
//! generic instantiations and underscore names (system name = name), and
//! the same profile's `top` against Go 1.25.5's pprof (goldens `names.*`,
//! made from testdata/profiles/names.pb by testdata/regen.sh).

use heapscope::pb;
use prost::Message;

use crate::util::{run, stderr, stdout};

/// The function names of `names.pb`, leaf of sample `i` = function `i`.
const NAMES: &[&str] = &[
    "_ZN3foo3barEv",
    "_ZN3foo3barEi",
    "_ZNSt6vectorIiSaIiEE9push_backERKi",
    "_ZN3foo3bazIiEEvT_",
    "_ZN3foo3bazIlEEvT_",
    "_ZN3foo3barEv.constprop.0",
    "_ZN5tokio7runtime8block_on17h0123456789abcdefE",
    "_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h1a2b3c4d5e6f7a8bE",
    "_RNvCs1234_7mycrate3foo",
    "_RINvNtCs1234_4core3ptr13drop_in_placeNtCs5678_5alloc6StringEB4_",
    "tokio::runtime::Runtime::block_on<hyper::Server<{async_block_env#0}>>",
    "tokio::runtime::Runtime::block_on<core::future::Ready<()>>",
    "std::vector<int, std::allocator<int> >::push_back(int const&)",
    "main.Collect[go.shape.interface { Key() string; Size() (int, error) }]",
    "main.Collect[go.shape.int]",
    "main.(*Box[go.shape.string]).Put",
    "java.lang.Object.<init>",
    "_cgo_topofstack",
    "__libc_malloc",
    "_start",
    "main.main",
];

/// The profile: one `inuse_space` sample per function, 1 KiB times its
/// position plus one, on a stack of that function over `main.main`; every
/// function in file `names.cc` (so lines granularity has a file).
fn names_profile() -> pb::Profile {
    let mut strings: Vec<String> = ["", "inuse_space", "bytes", "names.cc"]
        .iter()
        .map(ToString::to_string)
        .collect();
    strings.extend(NAMES.iter().map(ToString::to_string));
    strings.push("names".to_string());
    let n = NAMES.len() as u64;
    let root = n; // main.main's id
    pb::Profile {
        sample_type: vec![pb::ValueType { r#type: 1, unit: 2 }],
        // A binary with its functions known: pprof looks for none.
        mapping: vec![pb::Mapping {
            id: 1,
            memory_start: 0x1000,
            memory_limit: 0x2000,
            filename: 4 + n as i64,
            has_functions: true,
            ..Default::default()
        }],
        sample: (1..n)
            .map(|i| pb::Sample {
                location_id: vec![i, root],
                value: vec![1024 * i as i64],
                label: vec![],
            })
            .collect(),
        location: (1..=n)
            .map(|i| pb::Location {
                id: i,
                mapping_id: 1,
                address: 0x1000 + i,
                line: vec![pb::Line {
                    function_id: i,
                    line: 10 + i as i64,
                    column: 0,
                }],
                ..Default::default()
            })
            .collect(),
        function: (1..=n)
            .map(|i| pb::Function {
                id: i,
                name: 3 + i as i64,
                system_name: 3 + i as i64,
                filename: 3,
                start_line: 10,
            })
            .collect(),
        string_table: strings,
        ..Default::default()
    }
}

/// testdata/profiles/names.pb is this profile, written when
/// `HEAPSCOPE_BLESS=1`.
#[test]
fn names_profile_is_the_committed_one() {
    let path = crate::util::profile("names.pb");
    let bytes = names_profile().encode_to_vec();
    if std::env::var_os("HEAPSCOPE_BLESS").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

fn top(args: &[&str]) -> String {
    let path = crate::util::profile("names.pb");
    let mut all = vec!["top", "-nodecount=0", "-nodefraction=0"];
    all.extend_from_slice(args);
    all.push(&path);
    let out = run(&all);
    assert!(out.status.success(), "{all:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn symbolize_none_keeps_names_as_written() {
    let out = top(&["-symbolize=none"]);
    assert!(out.contains(" _ZN3foo3barEv\n"), "{out}");
    assert!(out.contains(" _start\n"), "{out}");
    let out = top(&["-symbolize=demangle=none"]);
    assert!(out.contains(" _ZN3foo3barEv\n"), "{out}");
}

#[test]
fn symbolize_templates_keeps_template_arguments() {
    let out = top(&["-symbolize=demangle=templates"]);
    assert!(
        out.contains(" std::vector<int, std::allocator<int> >::push_back\n"),
        "{out}"
    );
}

#[test]
fn symbolize_refuses_what_it_cannot_do() {
    let path = crate::util::profile("names.pb");
    for bad in ["-symbolize=local", "-symbolize=demangle=fancy"] {
        let out = run(&["top", bad, &path]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&out).contains("-symbolize"),
            "{bad}: {}",
            stderr(&out)
        );
    }
}
