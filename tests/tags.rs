//! Label filters (`-tagfocus`, `-tagignore`, `-tagshow`, `-taghide`) and the
//! `tags` report against Go 1.25.5's `go tool pprof` (testdata/golden/,
//! made by `testdata/regen.sh --goldens-only`), and string labels, which no
//! Go heap profile carries, on a profile built here (its expected outputs
//! were read from pprof 1.25.5 on the same profile).

use prost::Message;

use crate::malformed::stacks_profile;
use crate::util::{self, manifest_in, GoldenCase};

/// heapscope's arguments for a pprof invocation of the manifest: `-tags`
/// and `-top` become the commands; pprof's `-top` shows every node.
fn args_for(case: &GoldenCase) -> Vec<String> {
    let command = case.args[0].trim_start_matches('-').to_string();
    let mut args = vec![command.clone()];
    args.extend(case.args[1..].iter().cloned());
    if command == "top" && !case.args.iter().any(|a| a.starts_with("-nodecount")) {
        args.push("-nodecount=0".to_string());
    }
    args.extend(case.profile.split(',').map(util::profile));
    args
}

#[test]
fn tags_and_tag_filters_equal_pprof() {
    let cases = manifest_in("");
    let tags = cases.iter().filter(|c| c.args[0] == "-tags").count();
    let tag_filtered = cases
        .iter()
        .filter(|c| c.args[0] == "-top" && c.args.iter().any(|a| a.starts_with("-tag")))
        .count();
    assert!(
        tags >= 15 && tag_filtered >= 12,
        "{tags} tags goldens, {tag_filtered} top goldens"
    );
    let mut failures = util::Mismatches::default();
    for case in cases.iter().filter(|c| {
        c.args[0] == "-tags"
            || (c.args[0] == "-top" && c.args.iter().any(|a| a.starts_with("-tag")))
    }) {
        let args = args_for(case);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = util::run(&args);
        assert!(
            out.status.success(),
            "{}: {}",
            case.golden,
            util::stderr(&out)
        );
        let (got, want) = (util::stdout(&out), case.expected());
        // tags and top alike: byte for byte.
        if got != want {
            failures.add(&case.golden, &args, &want, &got);
        }
    }
    failures.assert_none();
}

/// The arithmetic behind the goldens: each key's total is the sum of its
/// rows, and with no filter the `bytes` key covers the whole profile (every
/// Go heap sample has one `bytes` label).
#[test]
fn tags_json_rows_sum_to_the_key_total_and_the_profile_total() {
    let server = util::profile("server.pb.gz");
    for sample_index in ["inuse_space", "alloc_objects"] {
        let out = util::run(&[
            "tags",
            "--format",
            "json",
            &format!("-sample_index={sample_index}"),
            &server,
        ]);
        assert!(out.status.success(), "{}", util::stderr(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["sample_type"], sample_index);
        let keys = doc["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0]["key"], "bytes");
        let sum: i64 = keys[0]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].as_i64().unwrap())
            .sum();
        assert_eq!(sum, keys[0]["total"].as_i64().unwrap());
        assert_eq!(sum, doc["total"].as_i64().unwrap());
    }
    // 288-byte blocks hold 758.81kB of inuse_space (pprof's golden).
    let out = util::run(&["tags", "--format", "json", &server]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &doc["keys"][0]["values"][0];
    assert_eq!(first["label"], "288B");
    assert_eq!(
        util::stdout(&util::run(&["tags", &server]))
            .lines()
            .nth(1)
            .unwrap()
            .trim(),
        format!(
            "{} (43.44%): 288B",
            heapscope_label(first["value"].as_i64().unwrap())
        )
    );
}

/// `v` bytes as pprof's `ScaledLabel` prints it in kB (two decimals, ".00"
/// dropped).
fn heapscope_label(v: i64) -> String {
    let text = format!("{:.2}", v as f64 / 1024.0);
    format!("{}kB", text.trim_end_matches(".00"))
}

#[test]
fn bad_tag_filters_are_usage_errors_naming_the_flag() {
    let server = util::profile("server.pb.gz");
    for (args, flag, says) in [
        (
            &["top", "-tagfocus=bytes=x["][..],
            "-tagfocus",
            "invalid regex",
        ),
        (
            &["tags", "-tagignore=a(", "--"][..],
            "-tagignore",
            "invalid regex",
        ),
        (
            &["top", "-tagfocus=99999999999999999999kB"][..],
            "-tagfocus",
            "does not fit in 64 bits",
        ),
        (
            &["peek", "-tagfocus=1kB:99999999999999999999kB", "x"][..],
            "-tagfocus",
            "does not fit in 64 bits",
        ),
        (&["tags", "-tagshow=("][..], "-tagshow", "regex"),
        (&["graph", "-taghide=["][..], "-taghide", "regex"),
    ] {
        let mut all: Vec<&str> = args.iter().copied().filter(|a| *a != "--").collect();
        all.push(&server);
        let out = util::run(&all);
        let err = util::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {err}");
        assert!(err.contains(flag) && err.contains(says), "{all:?}: {err}");
        assert!(!err.contains("panicked"), "{all:?}: {err}");
    }
}

#[test]
fn tag_filters_print_pprof_notes() {
    let server = util::profile("server.pb.gz");
    let out = util::run(&["top", "-tagfocus=4096", "-tagignore=bytes=zz", &server]);
    assert!(out.status.success());
    let err = util::stderr(&out);
    assert!(
        err.contains("-tagfocus: interpreted '4096' as a range, not a regexp"),
        "{err}"
    );
    assert!(!err.contains("-tagignore: interpreted"), "{err}");
    assert!(
        err.contains("TagFocus expression matched no samples"),
        "{err}"
    );
    let out = util::run(&["tags", "-tagshow=^size$", &server]);
    assert_eq!(util::stdout(&out), "");
    assert!(util::stderr(&out).contains("TagShow expression matched no samples"));
}

/// A profile with string labels: `main` calls `a`, `b` and `c`; samples of
/// 100, 200, 400, 800 and 1600 bytes.
fn labelled_profile() -> Vec<u8> {
    use heapscope::pb;
    let names: Vec<String> = ["main", "a", "b", "c"].map(String::from).to_vec();
    let mut p = stacks_profile(
        "/src/labels.go",
        &names,
        vec![
            (vec![2, 1], 100),
            (vec![3, 1], 200),
            (vec![4, 1], 400),
            (vec![2, 1], 800),
            (vec![3, 1], 1600),
        ],
    );
    let mut s = |text: &str| -> i64 {
        p.string_table.push(text.to_string());
        p.string_table.len() as i64 - 1
    };
    let (handler, route, bytes, request, wait) = (
        s("handler"),
        s("route"),
        s("bytes"),
        s("request"),
        s("wait"),
    );
    let (get, put, users, items, ms) = (s("get"), s("put"), s("/users"), s("/items"), s("ms"));
    let text = |key, str| pb::Label {
        key,
        str,
        ..Default::default()
    };
    let num = |key, num, num_unit| pb::Label {
        key,
        num,
        num_unit,
        ..Default::default()
    };
    let labels = [
        vec![text(handler, get), text(route, users), num(bytes, 64, 0)],
        vec![text(handler, put), text(route, users), num(bytes, 4096, 0)],
        vec![
            text(handler, get),
            text(route, items),
            num(request, 2048, 0),
        ],
        vec![],
        vec![text(handler, get), text(handler, put), num(wait, 1500, ms)],
    ];
    for (sample, labels) in p.sample.iter_mut().zip(labels) {
        sample.label = labels;
    }
    p.encode_to_vec()
}

/// The names and flat values (in bytes) of a `top` of the labelled profile.
fn flat(args: &[&str], path: &str) -> Vec<(String, String)> {
    let mut all = vec!["top", "-nodecount=0", "-unit=B"];
    all.extend_from_slice(args);
    all.push(path);
    let out = util::run(&all);
    assert!(out.status.success(), "{args:?}: {}", util::stderr(&out));
    util::top_rows(&util::stdout(&out))
        .into_iter()
        .filter(|r| r.flat != "0")
        .map(|r| (r.name, r.flat))
        .collect()
}

/// Flags, and the flat of each function they leave.
type FilterCase<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

#[test]
fn string_labels_filter_as_pprof_125_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labels.pb");
    std::fs::write(&path, labelled_profile()).unwrap();
    let path = path.to_string_lossy().into_owned();
    let rows = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(n, f)| (n.to_string(), f.to_string()))
            .collect()
    };
    // Each case: the flags, then the flat of each function pprof 1.25.5
    // shows on this profile.
    let cases: &[FilterCase] = &[
        // A key: any value matching any regex.
        (
            &["-tagfocus=handler=get"],
            &[("b", "1600B"), ("c", "400B"), ("a", "100B")],
        ),
        (&["-tagfocus=handler=^p"], &[("b", "1800B")]),
        (&["-tagfocus=route=x,^/u"], &[("b", "200B"), ("a", "100B")]),
        // No key: every regex matches some label's key:value.
        (&["-tagfocus=handler:put"], &[("b", "1800B")]),
        (&["-tagfocus=get,items"], &[("c", "400B")]),
        (
            &["-tagignore=route=users"],
            &[("b", "1600B"), ("a", "800B"), ("c", "400B")],
        ),
        // Numeric: units from the label, from the key (request is in
        // bytes), or the key itself.
        (&["-tagfocus=2kB"], &[("c", "400B")]),
        (&["-tagfocus=request=2kB:"], &[("c", "400B")]),
        (&["-tagfocus=bytes=2kB:"], &[("b", "200B")]),
        (&["-tagfocus=1s:2s"], &[("b", "1600B")]),
        (&["-tagfocus=wait=:1s"], &[]),
        (&["-tagfocus=:64B"], &[("a", "100B")]),
        // A number without a unit matches only labels without a known unit.
        (&["-tagfocus=4096"], &[]),
        (&["-tagfocus=1500"], &[]),
    ];
    let mut failures = Vec::new();
    for (args, want) in cases {
        let mut got = flat(args, &path);
        got.sort();
        let mut want = rows(want);
        want.sort();
        if got != want {
            failures.push(format!("{args:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn string_labels_in_the_tags_report_as_pprof_125() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labels.pb");
    std::fs::write(&path, labelled_profile()).unwrap();
    let path = path.to_string_lossy().into_owned();
    let tags = |args: &[&str]| {
        let mut all = vec!["tags"];
        all.extend_from_slice(args);
        all.push(&path);
        let out = util::run(&all);
        assert!(out.status.success(), "{}", util::stderr(&out));
        util::stdout(&out)
    };
    assert_eq!(tags(&[]), PPROF_TAGS);
    assert_eq!(tags(&["-tagshow=^(route|wait)$"]), PPROF_TAGS_ROUTE_WAIT);
    assert_eq!(
        tags(&["-taghide=^[hrw]", "-tagfocus=handler=get"]),
        PPROF_TAGS_BYTES_OF_GET
    );
}

/// `go tool pprof -tags labels.pb` (Go 1.25.5). A sample with two
/// `handler` values counts for both: the key's total passes 100%.
const PPROF_TAGS: &str = " bytes: Total 300B of 3.03kB ( 9.68%)
        200B ( 6.45%): 4kB
        100B ( 3.23%): 64B

 handler: Total 3.81kB of 3.03kB (125.81%)
          2.05kB (67.74%): get
          1.76kB (58.06%): put

 request: Total 400B of 3.03kB (12.90%)
          400B (12.90%): 2kB

 route: Total 700B of 3.03kB (22.58%)
        400B (12.90%): /items
        300B ( 9.68%): /users

 wait: Total 1.56kB of 3.03kB (51.61%)
       1.56kB (51.61%): 1.50s

";

/// `go tool pprof -tags -tagshow='^(route|wait)$' labels.pb`.
const PPROF_TAGS_ROUTE_WAIT: &str = " route: Total 700B of 3.03kB (22.58%)
        400B (12.90%): /items
        300B ( 9.68%): /users

 wait: Total 1.56kB of 3.03kB (51.61%)
       1.56kB (51.61%): 1.50s

";

/// `go tool pprof -tags -taghide='^[hrw]' -tagfocus=handler=get labels.pb`.
const PPROF_TAGS_BYTES_OF_GET: &str = " bytes: Total 100B of 3.03kB ( 3.23%)
        100B ( 3.23%): 64B

";
