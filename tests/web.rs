//! The web UI over HTTP: the binary serving on 127.0.0.1 and a port of its
//! choosing, asked with plain HTTP/1.1 requests; each view's numbers
//! compared with the batch command's JSON, the Host check, the headers,
//! what is not served.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

use serde_json::Value;

use crate::util::{heapscope, profile, run, stdout};

/// A running `heapscope -http=127.0.0.1:0 -no_browser ARGS…`, stopped
/// when dropped.
pub struct Served {
    child: Child,
    pub port: u16,
    /// The host the server said it serves on (`127.0.0.1`, `localhost`).
    host: String,
}

impl Served {
    pub fn start(args: &[&str]) -> Served {
        let mut command = heapscope();
        command
            .arg("-http=127.0.0.1:0")
            .arg("-no_browser")
            .args(args)
            .stdin(Stdio::null());
        Served::spawn(command, "127.0.0.1")
    }

    /// Runs `command` until it says it serves on `host`.
    pub fn spawn(mut command: std::process::Command, host: &str) -> Served {
        let args: Vec<_> = command
            .get_args()
            .map(std::ffi::OsStr::to_os_string)
            .collect();
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("heapscope starts");
        let prefix = format!("Serving web UI on http://{host}:");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        let port = loop {
            line.clear();
            if lines.read_line(&mut line).unwrap_or(0) == 0 {
                break None;
            }
            if let Some(url) = line.trim().strip_prefix(prefix.as_str()) {
                break url.parse().ok();
            }
        };
        let Some(port) = port else {
            let _ = child.kill();
            let status = child.wait();
            panic!("heapscope {args:?} did not serve: {status:?}");
        };
        // Later notes are read and dropped, so the server never blocks on them.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut lines, &mut std::io::sink());
        });
        Served {
            child,
            port,
            host: host.to_string(),
        }
    }

    /// GET `path` with the served address as Host.
    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, Some(&format!("{}:{}", self.host, self.port)))
    }

    pub fn request(&self, method: &str, path: &str, host: Option<&str>) -> Reply {
        let mut stream = TcpStream::connect((self.host.as_str(), self.port)).expect("connects");
        let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
        // HTTP/1.0: the body comes whole, never chunked.
        write!(stream, "{method} {path} HTTP/1.0\r\n{host}\r\n").expect("request sent");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("reply read");
        Reply::parse(&raw)
    }

    /// A view's data, which must be a 200.
    pub fn data(&self, view: &str, query: &str) -> Value {
        let reply = self.get(&format!("/ui/data/{view}?{query}"));
        assert_eq!(reply.status, 200, "{}", reply.text());
        serde_json::from_slice(&reply.body).expect("JSON")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header");
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Reply {
            status,
            headers,
            body: raw[end + 4..].to_vec(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A node's cum in `top --format=json`'s output, by name.
pub fn cum_of(top: &Value, name: &str) -> Option<i64> {
    top["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == name)
        .map(|n| n["cum"].as_i64().unwrap())
}

/// `top --format=json -alloc_space` with every node of `file`.
pub fn alloc_space_top(file: &str) -> Value {
    cli_json(&[
        "top",
        "--format=json",
        "-alloc_space",
        "-nodecount=500",
        file,
    ])
}

fn cli_json(args: &[&str]) -> Value {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {out:?}");
    serde_json::from_str(&stdout(&out)).expect("JSON")
}

#[test]
fn top_shows_the_numbers_of_top() {
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    for (query, flags) in [
        ("si=alloc_space&unit=B", &["-alloc_space", "-unit=B"][..]),
        ("si=inuse_objects&sort=cum", &["-inuse_objects", "-cum"][..]),
        ("g=lines&f=main", &["-lines", "-focus=main"][..]),
        ("", &[][..]),
    ] {
        let data = served.data("top", query);
        let mut args = vec!["top", "--format=json", "-nodecount=500"];
        args.extend(flags);
        args.push(&file);
        assert_eq!(data["report"], cli_json(&args), "{query}");
        assert_eq!(data["total"], data["report"]["total"], "{query}");
    }
    let data = served.data("top", "si=alloc_space");
    assert_eq!(data["sample_type"], "alloc_space");
    assert_eq!(
        data["sample_types"],
        serde_json::json!([
            "alloc_objects",
            "alloc_space",
            "inuse_objects",
            "inuse_space"
        ])
    );
    assert_eq!(data["legend"][0], "File: server");
    assert_eq!(data["legend"][1], "Type: alloc_space");
}

#[test]
fn peek_and_source_show_the_numbers_of_peek_and_list() {
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    let peek = served.data("peek", "f=main%5C.makeItem&si=alloc_space");
    let args = [
        "peek",
        "--format=json",
        "-alloc_space",
        "-focus=main\\.makeItem",
        "-granularity=lines",
        "main\\.makeItem",
        &file,
    ];
    assert_eq!(peek["report"], cli_json(&args));
    let source = served.data("source", "f=main%5C.makeItem");
    let args = [
        "list",
        "--format=json",
        "-focus=main\\.makeItem",
        "main\\.makeItem",
        &file,
    ];
    assert_eq!(source["report"], cli_json(&args));
    // Peek shows the first 100 matching nodes unless `n` says otherwise.
    let first = served.data("peek", "f=main%5C.&n=2");
    let args = [
        "peek",
        "--format=json",
        "-focus=main\\.",
        "-granularity=lines",
        "-matches=2",
        "main\\.",
        &file,
    ];
    assert_eq!(first["report"], cli_json(&args));
    assert_eq!(first["report"]["nodes"].as_array().unwrap().len(), 2);
    assert!(first["report"]["matched"].as_u64().unwrap() > 2);
    let default = served.data("peek", "f=main%5C.");
    assert!(
        default["command"]
            .as_str()
            .unwrap()
            .contains("--matches=100"),
        "{}",
        default["command"]
    );
    // Without a function, a message rather than every function.
    let none = served.data("peek", "");
    assert!(none["message"]
        .as_str()
        .unwrap()
        .starts_with("Choose a function"));
}

#[test]
fn the_flame_graph_holds_the_total() {
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    let data = served.data("flamegraph", "si=alloc_space");
    let root = &data["report"]["root"];
    assert_eq!(root[1], data["total"]);
    // Every frame's children hold no more than it.
    let mut todo = vec![root];
    while let Some(node) = todo.pop() {
        let children = node[2].as_array().unwrap();
        let sum: i64 = children.iter().map(|c| c[1].as_i64().unwrap()).sum();
        assert!(sum <= node[1].as_i64().unwrap());
        todo.extend(children);
    }
    // The top frame is main.worker's root-most frame, which holds its cum.
    let names = data["report"]["names"].as_array().unwrap();
    let top = alloc_space_top(&file);
    let cum = |name: &str| cum_of(&top, name);
    let first = &root[2][0];
    let name = names[first[0].as_u64().unwrap() as usize].as_str().unwrap();
    assert_eq!(first[1].as_i64(), cum(name), "{name}");
    let at = data["report"]["locations"]["main.makeItem"]
        .as_str()
        .unwrap();
    assert!(at.ends_with("server/main.go:102"), "{at}");
}

#[test]
fn other_hosts_are_refused() {
    let served = Served::start(&[&profile("server.pb.gz")]);
    let port = served.port;
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "127.0.0.1".to_string(),
    ] {
        let reply = served.request("GET", "/ui/data/top", Some(&host));
        assert_eq!(reply.status, 421, "{host}");
        assert!(!reply.text().contains("main."), "{host}");
    }
    let reply = served.request("GET", "/ui/top", None);
    assert_eq!(reply.status, 421);
    for host in [format!("localhost:{port}"), format!("LOCALHOST:{port}")] {
        assert_eq!(served.request("GET", "/ui/top", Some(&host)).status, 200);
    }
}

#[test]
fn every_answer_has_the_policy() {
    let served = Served::start(&[&profile("server.pb.gz")]);
    for path in ["/ui/", "/ui/top", "/ui/app.js", "/ui/data/top", "/nothing"] {
        let reply = served.get(path);
        let csp = reply.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    }
    let page = served.get("/ui/flamegraph").text();
    assert!(page.contains("<script src=\"/ui/app.js\" defer></script>"));
    assert_eq!(page.matches("<script").count(), 1, "no inline script");
    assert_eq!(
        served.get("/ui/data/top").header("content-type"),
        Some("application/json")
    );
}

#[test]
fn only_the_ui_is_served() {
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    for path in [
        "/etc/passwd",
        "/ui/../../../etc/passwd",
        "/ui/%2e%2e/%2e%2e/etc/passwd",
        "/ui/graphs",
        "/ui/assets/app.js",
        "/ui/data/",
        "/ui/data/raw",
        "/debug/pprof/heap",
    ] {
        let reply = served.get(path);
        assert_eq!(reply.status, 404, "{path}");
    }
    assert_eq!(
        served
            .request(
                "POST",
                "/ui/top",
                Some(&format!("127.0.0.1:{}", served.port))
            )
            .status,
        405
    );
    let root = served.get("/?si=alloc_space");
    assert_eq!(root.status, 307);
    assert_eq!(root.header("location"), Some("/ui/?si=alloc_space"));
    let old = served.get("/ui/flamegraph2?f=x");
    assert_eq!(old.header("location"), Some("/ui/flamegraph?f=x"));
    let download = served.get("/ui/download");
    assert_eq!(download.status, 200);
    assert_eq!(download.body, std::fs::read(&file).unwrap());
    assert_eq!(
        download.header("content-disposition"),
        Some("attachment; filename=\"server.pb.gz\"")
    );
}

#[test]
fn source_reads_only_what_list_may_read() {
    let served = Served::start(&[&profile("server.pb.gz")]);
    for query in [
        "f=..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "f=passwd&source_path=%2Fetc",
        "f=.&trim_path=%2F",
    ] {
        let reply = served.get(&format!("/ui/data/source?{query}"));
        let text = reply.text();
        assert!(!text.contains("root:"), "{query}: {text}");
    }
    let reply = served.get("/ui/data/source?f=..%2F..%2Fetc%2Fpasswd");
    assert_eq!(reply.status, 400);
    let error: Value = serde_json::from_slice(&reply.body).unwrap();
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("no function matches"),
        "{error}"
    );
}

#[test]
fn bad_parameters_are_answered_with_the_message() {
    let served = Served::start(&[&profile("server.pb.gz")]);
    for (query, says) in [
        ("si=nonesuch", "nonesuch"),
        ("f=(", "-focus"),
        ("g=nonesuch", "nonesuch"),
    ] {
        let reply = served.get(&format!("/ui/data/top?{query}"));
        assert_eq!(reply.status, 400, "{query}");
        let error: Value = serde_json::from_slice(&reply.body).unwrap();
        assert!(
            error["error"].as_str().unwrap().contains(says),
            "{query}: {error}"
        );
    }
}

#[test]
fn command_line_flags_are_the_views_defaults() {
    let served = Served::start(&["-alloc_space", "-focus=makeItem", &profile("server.pb.gz")]);
    let data = served.data("top", "");
    assert_eq!(data["sample_type"], "alloc_space");
    assert!(data["legend"].to_string().contains("focus=makeItem"));
    let cleared = served.data("top", "f=&si=inuse_space");
    assert_eq!(cleared["sample_type"], "inuse_space");
    assert!(!cleared["legend"].to_string().contains("focus"));
}

#[test]
fn web_usage_errors_exit_2() {
    let file = profile("server.pb.gz");
    for args in [
        vec!["-http=8080", "-no_browser", &file],
        vec!["-http=:99999", "-no_browser", &file],
        vec!["-http=:0", "-no_browser", "-tree", &file],
        vec!["-http=:0", "-no_browser", "-focus=(", &file],
        vec!["web", "-no_browser", "-"],
        vec!["web", "-no_browser"],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
    let out = run(&["web", "-no_browser", "/nonexistent/p.pb.gz"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(crate::util::stderr(&out).contains("/nonexistent/p.pb.gz"));
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut served = Served::start(&[&profile("server.pb.gz")]);
    assert_eq!(served.get("/ui/top").status, 200);
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(served.child.id() as i32, libc::SIGTERM) };
    let status = served.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// The shell's `web` serves the loaded profile with the session's options
/// as the views' defaults.
#[test]
fn the_shells_web_serves_the_session() {
    let file = profile("server.pb.gz");
    let mut command = heapscope();
    command.arg(&file).env("BROWSER", "true");
    // The commands reach the shell through a file: its stdin is not a
    // terminal, so it reads them as a script.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script");
    std::fs::write(&script, "alloc_space\nnodecount=7\ncum\nweb\ntop 2\n").unwrap();
    command.stdin(std::fs::File::open(&script).unwrap());
    let served = Served::spawn(command, "localhost");
    let data = served.data("top", "");
    let expected = cli_json(&[
        "top",
        "--format=json",
        "-alloc_space",
        "-nodecount=7",
        "-cum",
        &file,
    ]);
    assert_eq!(data["report"], expected);
}

/// The node tooltips ("name (cum)") of a DOT graph, in order.
pub fn dot_node_tooltips(dot: &str) -> Vec<String> {
    dot.lines()
        .filter(|l| l.starts_with('N') && !l.starts_with("NN") && !l.contains(" -> "))
        .filter_map(|l| l.split(" tooltip=\"").nth(1))
        .filter_map(|t| t.split("\" ").next())
        .map(|t| t.replace("\\\"", "\""))
        .collect()
}

/// The node titles of the graph's SVG, in order, unescaped.
fn svg_node_titles(svg: &str) -> Vec<String> {
    svg.split("class=\"node\">\n<title>")
        .skip(1)
        .filter_map(|t| t.split("</title>").next())
        .map(|t| {
            t.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn the_graph_is_the_graph_report() {
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    let data = served.data("graph", "si=alloc_space&f=main&n=12&nf=0.01&ef=0.005");
    let flags = [
        "-alloc_space",
        "-focus=main",
        "-nodecount=12",
        "-nodefraction=0.01",
        "-edgefraction=0.005",
    ];
    let mut args = vec!["graph", "--renderer=builtin"];
    args.extend(flags);
    args.push(&file);
    let svg = data["report"]["svg"].as_str().unwrap();
    assert_eq!(svg, stdout(&run(&args)));
    // The same nodes, names and numbers as the DOT report.
    let mut args = vec!["graph", "--format=dot"];
    args.extend(flags);
    args.push(&file);
    let dot = dot_node_tooltips(&stdout(&run(&args)));
    // -nodecount counts the block-size boxes too.
    assert!(dot.len() > 3 && dot.len() < 12, "{dot:?}");
    assert_eq!(svg_node_titles(svg), dot);
    assert_eq!(data["legend"][1], "Type: alloc_space");
    // The graph's defaults are the report's (80 nodes).
    let data = served.data("graph", "");
    assert_eq!(
        data["report"]["svg"].as_str().unwrap(),
        stdout(&run(&["graph", "--renderer=builtin", &file]))
    );
}

#[test]
fn top_can_show_every_sample_type() {
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    let data = served.data("top", "all=1&f=main&sort=cum");
    let all = data["all"].as_object().unwrap();
    assert_eq!(all.len(), 4);
    for kind in [
        "alloc_objects",
        "alloc_space",
        "inuse_objects",
        "inuse_space",
    ] {
        let index = format!("-sample_index={kind}");
        let cli = cli_json(&[
            "top",
            "--format=json",
            &index,
            "-focus=main",
            "-cum",
            "-nodecount=500",
            &file,
        ]);
        assert_eq!(all[kind], cli, "{kind}");
    }
    assert!(served.data("top", "all=0").get("all").is_none());
}

/// Runs a command line as a shell would, `heapscope` being this build.
pub fn run_command_line(line: &str) -> std::process::Output {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_heapscope"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::process::Command::new("sh")
        .arg("-c")
        .arg(line)
        .env("PATH", path)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .expect("sh runs")
}

#[test]
fn the_command_line_prints_the_view() {
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    for (view, query, args) in [
        (
            "top",
            "si=alloc_space&f=%5Emain%5C.makeItem%24&sort=cum",
            &[
                "top",
                "-alloc_space",
                "-focus=^main\\.makeItem$",
                "-nodecount=500",
                "-cum",
            ][..],
        ),
        (
            "graph",
            "si=inuse_objects&n=7&h=runtime",
            &[
                "graph",
                "--renderer=builtin",
                "-inuse_objects",
                "-hide=runtime",
                "-nodecount=7",
            ][..],
        ),
        (
            "peek",
            "f=main%5C.makeItem",
            &[
                "peek",
                "-focus=main\\.makeItem",
                "-lines",
                "main\\.makeItem",
            ][..],
        ),
    ] {
        let data = served.data(view, query);
        let line = data["command"].as_str().unwrap();
        let ran = run_command_line(line);
        assert!(ran.status.success(), "{line}: {ran:?}");
        let mut args = args.to_vec();
        args.push(&file);
        assert_eq!(stdout(&ran), stdout(&run(&args)), "{line}");
    }
}

#[test]
fn diff_shows_the_numbers_of_diff_and_flame_base() {
    let before = profile("leak.1.pb.gz");
    let middle = profile("leak.3.pb.gz");
    let after = profile("leak.6.pb.gz");
    for served in [
        Served::start(&[&before, &middle, &after]),
        Served::start(&["-base", &before, &after]),
    ] {
        for (query, flags) in [
            ("", &[][..]),
            (
                "si=alloc_space&sort=cum&n=8",
                &["-alloc_space", "-cum", "-nodecount=8"][..],
            ),
        ] {
            let data = served.data("diff", query);
            let mut args = vec!["diff", "--format=json"];
            args.extend(flags);
            args.extend([before.as_str(), after.as_str()]);
            assert_eq!(data["report"], cli_json(&args), "{query}");
            assert_eq!(data["total"], data["report"]["base_total"]);
            // The differential flame graph: BEFORE's and AFTER's totals at
            // the root, as `flame --base --folded` sums them.
            let mut args = vec!["flame", "--folded", "--base", before.as_str()];
            args.extend(
                flags
                    .iter()
                    .filter(|f| !f.contains("node") && **f != "-cum"),
            );
            args.push(&after);
            let folded = stdout(&run(&args));
            let (mut b, mut a) = (0i64, 0i64);
            for line in folded.lines() {
                let mut words = line.rsplit(' ');
                a += words.next().unwrap().parse::<i64>().unwrap();
                b += words.next().unwrap().parse::<i64>().unwrap();
            }
            let root = &data["flame"]["root"];
            assert_eq!((root[3].as_i64(), root[1].as_i64()), (Some(b), Some(a)));
            // Grown and shrunk nodes are both there.
            let nodes = data["report"]["nodes"].as_array().unwrap();
            assert!(nodes.iter().any(|n| n["cum"].as_i64() > Some(0)), "{query}");
        }
    }
    let served = Served::start(&[&before, &after]);
    let data = served.data("diff", "");
    let nodes = data["report"]["nodes"].as_array().unwrap();
    assert!(nodes.iter().any(|n| n["flat"].as_i64() < Some(0)));
    assert!(nodes.iter().any(|n| n["flat"].as_i64() > Some(0)));
}

#[test]
fn trend_shows_the_numbers_of_trend() {
    let files: Vec<String> = (1..=6)
        .map(|i| profile(&format!("leak.{i}.pb.gz")))
        .collect();
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    let served = Served::start(&names);
    for (query, flags) in [
        ("", &[][..]),
        (
            "sort=cum&n=5&si=inuse_objects",
            &["-cum", "-nodecount=5", "-inuse_objects"][..],
        ),
    ] {
        let data = served.data("trend", query);
        let mut args = vec!["trend", "--format=json"];
        args.extend(flags);
        args.extend(&names);
        let cli = cli_json(&args);
        assert_eq!(data["report"], cli, "{query}");
        assert_eq!(data["profiles"], 6);
        assert!(data["report"]["leaks"].as_i64() > Some(0));
        assert_eq!(data["report"]["nodes"][0]["leak"], true);
    }
}

#[test]
fn one_profile_has_no_diff_or_trend() {
    let served = Served::start(&[&profile("server.pb.gz")]);
    for view in ["diff", "trend"] {
        let data = served.data(view, "");
        assert_eq!(data["profiles"], 1);
        assert!(data["message"].as_str().unwrap().contains("two or more"));
        assert!(data["report"].is_null());
    }
    assert_eq!(served.get("/ui/diff").status, 200);
}

#[test]
fn the_html_file_follows_the_output_rules() {
    let file = profile("server.pb.gz");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ui.html");
    let out_s = out.to_str().unwrap();
    let written = run(&["web", "--html", out_s, &file]);
    assert!(written.status.success(), "{written:?}");
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-"));
    assert_eq!(page.matches("<script>").count(), 1);
    // The top view's data is the top command's.
    let start = page.find("id=\"heapscope-data\">").unwrap() + "id=\"heapscope-data\">".len();
    let end = start + page[start..].find("</script>").unwrap();
    let data: Value = serde_json::from_str(&page[start..end]).unwrap();
    assert_eq!(
        data["views"]["top"]["report"],
        cli_json(&["top", "--format=json", "-nodecount=500", &file])
    );
    assert!(data["views"]["diff"].is_null(), "one profile: no diff");
    // Never over an input, never with -http; a directory is an error.
    for (args, code, message) in [
        (
            vec!["web", "--html", file.as_str(), file.as_str()],
            2,
            "is one of the input profiles",
        ),
        (
            vec!["-http=:0", "--html", out_s, file.as_str()],
            2,
            "--html FILE writes a file",
        ),
        (
            vec!["web", "--html", dir.path().to_str().unwrap(), file.as_str()],
            1,
            "is a directory",
        ),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(code), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(message),
            "{o:?}"
        );
    }
}

#[test]
fn a_base_is_subtracted_as_pprof_does() {
    let before = profile("leak.1.pb.gz");
    let after = profile("leak.6.pb.gz");
    let served = Served::start(&["-base", &before, &after]);
    let data = served.data("top", "");
    let base = format!("-base={before}");
    let cli = cli_json(&["top", "--format=json", "-nodecount=500", &base, &after]);
    assert_eq!(data["report"], cli);
    // The command shown is the one that prints it.
    let line = data["command"].as_str().unwrap();
    assert!(line.contains(&format!("--base={before}")), "{line}");
    // So do the graph's, peek's and the source's: their commands take the
    // base too; the flame graph's would draw the differential graph.
    for (view, query) in [("graph", ""), ("peek", "f=handle"), ("source", "f=handle")] {
        let data = served.data(view, query);
        let line = data["command"].as_str().unwrap();
        assert!(line.contains(&format!("--base={before}")), "{view}: {line}");
    }
    let line = served.data("flamegraph", "")["command"].clone();
    assert!(!line.as_str().unwrap().contains("--base"), "{line}");
}

#[test]
fn drop_negative_is_honoured_by_the_views_that_take_it() {
    // leak.1 has less than leak.6: with leak.6 as the base, most nodes are
    // negative, and -drop_negative drops them as the commands do.
    let before = profile("leak.6.pb.gz");
    let after = profile("leak.1.pb.gz");
    let base = format!("-base={before}");
    let served = Served::start(&["-drop_negative", &base, &after]);
    let dropped = cli_json(&[
        "top",
        "--format=json",
        "-nodecount=500",
        "-drop_negative",
        &base,
        &after,
    ]);
    let kept = cli_json(&["top", "--format=json", "-nodecount=500", &base, &after]);
    assert_ne!(dropped, kept);
    let data = served.data("top", "");
    assert_eq!(data["report"], dropped);
    let line = data["command"].as_str().unwrap();
    assert!(line.contains("--drop_negative"), "{line}");
    let peek = served.data("peek", "f=main");
    let cli = cli_json(&[
        "peek",
        "--format=json",
        "-granularity=lines",
        "-drop_negative",
        &base,
        "main",
        &after,
    ]);
    assert_eq!(peek["report"], cli);
    let graph = served.data("graph", "");
    let out = run(&[
        "graph",
        "--format=svg",
        "--renderer=builtin",
        "-drop_negative",
        &base,
        &after,
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(graph["report"]["svg"].as_str().unwrap(), stdout(&out));
    // The flame graph draws what shrank (flame refuses -drop_negative).
    let line = served.data("flamegraph", "")["command"].clone();
    assert!(!line.as_str().unwrap().contains("drop_negative"), "{line}");
}

#[test]
fn source_path_on_the_command_line_is_lists_alone() {
    // Regression: -source_path reached top too, which refused it (exit 2).
    let gen = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/gen");
    let path = format!("-source_path={gen}");
    let served = Served::start(&[&path, &profile("server.pb.gz")]);
    let top = served.data("top", "");
    assert!(!top["command"].as_str().unwrap().contains("source_path"));
    let source = served.data("source", "f=main%5C.handlePut%24");
    let line = source["command"].as_str().unwrap();
    assert!(line.contains(&format!("--source_path={gen}")), "{line}");
    let cli = cli_json(&[
        "list",
        "--format=json",
        &path,
        "main\\.handlePut$",
        &profile("server.pb.gz"),
    ]);
    assert_eq!(source["report"], cli);
}

/// The views embedded in the file `heapscope web --html FILE ARGS… PROFILE` writes.
fn html_views(args: &[&str], file: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ui.html");
    let mut all = vec!["web", "--html", out.to_str().unwrap()];
    all.extend_from_slice(args);
    all.push(file);
    let written = run(&all);
    assert!(written.status.success(), "{written:?}");
    let page = std::fs::read_to_string(&out).unwrap();
    let start = page.find("id=\"heapscope-data\">").unwrap() + "id=\"heapscope-data\">".len();
    let end = start + page[start..].find("</script>").unwrap();
    let data: Value = serde_json::from_str(&page[start..end]).unwrap();
    data["views"].clone()
}

#[test]
fn the_html_file_peeks_at_tops_nodes_and_lists_their_source() {
    let file = profile("server.pb.gz");
    let gen = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/gen");
    let path = format!("-source_path={gen}");
    let views = html_views(&["-nodecount=5", &path], &file);
    let names: Vec<&str> = views["top"]["report"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 5);
    // Peek of exactly Top's nodes, at Top's granularity (functions).
    let quoted: Vec<String> = names.iter().map(|n| regex::escape(n)).collect();
    let focus = format!("^(?:{})$", quoted.join("|"));
    let peek = cli_json(&[
        "peek",
        "--format=json",
        "-granularity=functions",
        &focus,
        &file,
    ]);
    assert_eq!(views["peek"]["report"], peek);
    let peeked: Vec<&str> = peek["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    let mut peeked_sorted = peeked.clone();
    peeked_sorted.sort_unstable();
    assert_eq!(peeked_sorted, sorted);
    // Source as list prints it, with the text of the lines.
    let list = cli_json(&["list", "--format=json", &path, &focus, &file]);
    assert_eq!(views["source"]["report"], list);
    assert!(views["source"]["report"].to_string().contains("\"source\""));
    // Sources that cannot be read: the tab says why, with no report.
    let views = html_views(
        &["-nodecount=5", "-trim_path=/", "-source_path=/nonexistent"],
        &file,
    );
    assert!(views["source"]["report"].is_null());
    let message = views["source"]["message"].as_str().unwrap();
    assert!(message.contains("-source_path=DIR"), "{message}");
    assert!(views["peek"]["report"]["nodes"].as_array().unwrap().len() >= 5);
}
