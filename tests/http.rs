//! Profiles over HTTP, end to end: a real server on 127.0.0.1 started by
//! each test (std's TcpListener in a thread, a bounded number of requests),
//! the heapscope binary fetching from it.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::safe_output::{assert_inert, hostile_profile};
use crate::util::{heapscope, profile, run, stderr, stdout};

/// What the server does for one request: writes the first `pause_at`
/// bytes, waits `delay`, writes the rest.
pub(crate) struct Reply {
    pause_at: usize,
    delay: Duration,
    bytes: Vec<u8>,
}

fn response(status: &str, content_type: &str, body: &[u8]) -> Reply {
    let mut bytes = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    Reply {
        pause_at: 0,
        delay: Duration::ZERO,
        bytes,
    }
}

pub(crate) fn ok(body: &[u8]) -> Reply {
    response("200 OK", "application/octet-stream", body)
}

/// A server on 127.0.0.1 answering `requests` requests with `reply`; it
/// records each request line, and the header lines.
pub(crate) struct Server {
    addr: String,
    seen: Arc<Mutex<Vec<String>>>,
    headers: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub(crate) fn start(requests: usize, reply: impl Fn() -> Reply + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let headers = Arc::new(Mutex::new(Vec::new()));
        let (log, header_log) = (Arc::clone(&seen), Arc::clone(&headers));
        thread::spawn(move || {
            for stream in listener.incoming().take(requests) {
                let Ok(stream) = stream else { continue };
                answer(stream, &reply, &log, &header_log);
            }
        });
        Server {
            addr,
            seen,
            headers,
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}/debug/pprof/heap", self.addr)
    }

    fn request_lines(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    fn header_lines(&self) -> Vec<String> {
        self.headers.lock().unwrap().clone()
    }
}

fn answer(
    stream: TcpStream,
    reply: &impl Fn() -> Reply,
    log: &Mutex<Vec<String>>,
    header_log: &Mutex<Vec<String>>,
) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    log.lock().unwrap().push(line.trim_end().to_string());
    // The rest of the head, up to the blank line.
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => header_log
                .lock()
                .unwrap()
                .push(header.trim_end().to_string()),
        }
    }
    let Reply {
        pause_at,
        delay,
        bytes,
    } = reply();
    let mut stream = reader.into_inner();
    let (first, rest) = bytes.split_at(pause_at.min(bytes.len()));
    // The client may hang up first (a timeout, a body over the limit).
    let _ = stream.write_all(first).and_then(|()| stream.flush());
    thread::sleep(delay);
    let _ = stream.write_all(rest).and_then(|()| stream.flush());
}

/// Runs heapscope with HOME and the save directory pointed at `home`
/// (never the real home), no stdin.
fn fetch(args: &[&str], home: &Path) -> Output {
    heapscope()
        .args(args)
        .env("HOME", home)
        .env_remove("HEAPSCOPE_SAVE_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("heapscope runs")
}

fn saved_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn assert_failure(out: &Output, url: &str, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(url), "the message names the URL: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} in {err}");
    }
}

#[test]
fn a_fetched_profile_reports_as_the_file_and_is_saved_as_served() {
    let file = profile("server.pb.gz");
    let served = std::fs::read(&file).unwrap();
    let body = served.clone();
    let server = Server::start(1, move || ok(&body));
    let home = tempfile::tempdir().unwrap();
    let out = fetch(&["top", "-inuse_space", &server.url()], home.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let from_file = run(&["top", "-inuse_space", &file]);
    assert_eq!(stdout(&out), stdout(&from_file));
    assert_eq!(server.request_lines(), ["GET /debug/pprof/heap HTTP/1.1"]);

    let dir = home.path().join("pprof");
    let name = "heapscope.127.0.0.1.alloc_objects.alloc_space.inuse_objects.inuse_space.001.pb.gz";
    assert_eq!(saved_files(&dir), [name]);
    assert_eq!(std::fs::read(dir.join(name)).unwrap(), served);
    // Only the saved path: no progress when stderr is not a terminal.
    assert_eq!(
        stderr(&out),
        format!("Saved profile in {}\n", dir.join(name).display())
    );
}

#[test]
fn host_port_alone_and_seconds_reach_the_server() {
    let body = std::fs::read(profile("inline.pb.gz")).unwrap();
    let server = Server::start(1, move || ok(&body));
    let save = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = heapscope()
        .args(["info", "-seconds=5", &server.addr])
        .env("HOME", home.path())
        .env("HEAPSCOPE_SAVE_DIR", save.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Producer: inline"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        server.request_lines(),
        ["GET /debug/pprof/heap?seconds=5 HTTP/1.1"]
    );
    // HEAPSCOPE_SAVE_DIR wins over $HOME/pprof.
    assert_eq!(saved_files(save.path()).len(), 1);
    assert!(saved_files(home.path()).is_empty());
}

#[test]
fn save_dir_and_no_save_decide_where_profiles_go() {
    let body = std::fs::read(profile("inline.pb.gz")).unwrap();
    let server = Server::start(3, move || ok(&body));
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("snapshots");
    let dir_arg = dir.to_string_lossy().into_owned();
    for _ in 0..2 {
        let out = fetch(&["top", "-save_dir", &dir_arg, &server.url()], home.path());
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let names = saved_files(&dir);
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].ends_with(".001.pb.gz") && names[1].ends_with(".002.pb.gz"));

    let out = fetch(&["top", "-no_save", &server.url()], home.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Saved"), "{}", stderr(&out));
    assert_eq!(saved_files(home.path()), ["snapshots"]);
}

#[test]
fn a_legacy_text_profile_over_http_is_read_and_saved_gzipped() {
    let text = std::fs::read(profile("server.heap.txt")).unwrap();
    let body = text.clone();
    let server = Server::start(2, move || response("200 OK", "text/plain", &body));
    let home = tempfile::tempdir().unwrap();
    let url = format!("{}?debug=1", server.url());
    let out = fetch(&["top", "-no_save", &url], home.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        stdout(&run(&["top", &profile("server.heap.txt")]))
    );
    let out = fetch(&["memstats", &url], home.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("legacy text form, gzipped"));
    let dir = home.path().join("pprof");
    let names = saved_files(&dir);
    assert_eq!(names, ["heapscope.127.0.0.1.heap.001.txt.gz"]);
    let mut inflated = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(dir.join(&names[0])).unwrap()),
        &mut inflated,
    )
    .unwrap();
    assert_eq!(inflated, text);
}

#[test]
fn a_404_shows_the_servers_first_line() {
    let server = Server::start(1, || {
        response(
            "404 Not Found",
            "text/plain; charset=utf-8",
            b"404 page not found\n",
        )
    });
    let url = format!("http://{}/debug/pprof/hep", server.addr);
    let home = tempfile::tempdir().unwrap();
    let out = fetch(&["top", &url], home.path());
    assert_failure(
        &out,
        &url,
        &["404 Not Found: 404 page not found", "/debug/pprof/heap"],
    );
    assert!(saved_files(home.path()).is_empty());
}

#[test]
fn an_html_page_is_not_a_profile() {
    let server = Server::start(1, || {
        response(
            "200 OK",
            "text/html",
            b"\n<!DOCTYPE html>\n<html><body>pprof index</body></html>\n",
        )
    });
    let url = format!("http://{}/", server.addr);
    let home = tempfile::tempdir().unwrap();
    let out = fetch(&["top", &url], home.path());
    // A URL without a path asks for the heap profile.
    assert_eq!(server.request_lines(), ["GET /debug/pprof/heap HTTP/1.1"]);
    assert_failure(
        &out,
        &server.url(),
        &["HTML page, not a profile", "/debug/pprof/heap"],
    );
}

#[test]
fn a_slow_server_times_out() {
    let body = std::fs::read(profile("inline.pb.gz")).unwrap();
    // Silent before the headers, then stalled halfway through the body.
    for pause_at in [0, 200] {
        let body = body.clone();
        let server = Server::start(1, move || Reply {
            pause_at,
            delay: Duration::from_secs(4),
            ..ok(&body)
        });
        let home = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let out = fetch(&["top", "-timeout=1", &server.url()], home.path());
        let took = started.elapsed();
        assert!(took < Duration::from_secs(3), "{took:?}");
        assert_failure(&out, &server.url(), &["timed out after 1 s", "-timeout"]);
    }
}

#[test]
fn a_body_over_the_size_limit_is_refused() {
    let huge = vec![b'x'; 1 << 20];
    // With a Content-Length, then without one (read until the limit).
    let with_length = ok(&huge).bytes;
    let mut without_length = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
    without_length.extend_from_slice(&huge);
    for bytes in [with_length, without_length] {
        let server = Server::start(1, move || Reply {
            pause_at: 0,
            delay: Duration::ZERO,
            bytes: bytes.clone(),
        });
        let home = tempfile::tempdir().unwrap();
        let out = fetch(&["top", "-max_size=800000", &server.url()], home.path());
        assert_failure(
            &out,
            &server.url(),
            &["larger than the memory limit of 100000 bytes", "-max_size"],
        );
        assert!(saved_files(home.path()).is_empty());
    }
}

#[test]
fn a_profile_that_cannot_be_saved_is_still_reported() {
    let body = std::fs::read(profile("inline.pb.gz")).unwrap();
    let server = Server::start(1, move || ok(&body));
    let home = tempfile::tempdir().unwrap();
    let not_a_dir = home.path().join("file");
    std::fs::write(&not_a_dir, "").unwrap();
    let dir_arg = not_a_dir.to_string_lossy().into_owned();
    let out = fetch(&["top", "-save_dir", &dir_arg, &server.url()], home.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("main.newBuf"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("cannot save the profile") && stderr(&out).contains("-no_save"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_refused_connection_says_what_to_check() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/debug/pprof/heap");
    let home = tempfile::tempdir().unwrap();
    let out = fetch(&["top", &url], home.path());
    assert_failure(
        &out,
        &url,
        &["connection refused", "listening", "net/http/pprof"],
    );
}

#[test]
fn an_error_body_is_shown_escaped_and_bounded() {
    let mut body = b"no \x1b]8;;http://evil/\x1b\\profile\x1b]8;;\x1b\\ here \x1b[2J".to_vec();
    body.extend_from_slice(&[b'x'; 1000]);
    body.push(b'\n');
    let server = Server::start(1, move || response("404 Not Found", "text/plain", &body));
    let home = tempfile::tempdir().unwrap();
    let out = fetch(&["top", &server.url()], home.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_inert("error", &err);
    // 200 characters of the line as shown, the last one the ellipsis.
    let shown = r"no \u{1b}]8;;http://evil/\u{1b}\profile\u{1b}]8;;\u{1b}\ here \u{1b}[2J";
    let xs = "x".repeat(199 - shown.chars().count());
    assert_eq!(
        err,
        format!(
            "heapscope: {}: the server answered 404 Not Found: {shown}{xs}… (Go serves heap \
             profiles at /debug/pprof/heap when the program imports net/http/pprof)\n",
            server.url()
        )
    );
}

#[test]
fn credentials_in_a_url_are_sent_but_never_shown() {
    let body = std::fs::read(profile("inline.pb.gz")).unwrap();
    let server = Server::start(3, move || ok(&body));
    let url = format!("http://alice:s3cret@{}/debug/pprof/heap", server.addr);
    let shown = format!("http://alice:***@{}/debug/pprof/heap", server.addr);
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("pprof");
    let saved = |n: u32| {
        format!(
            "Saved profile in {}/heapscope.127.0.0.1.alloc_objects.alloc_space.inuse_objects.\
             inuse_space.{n:03}.pb.gz\n",
            dir.display()
        )
    };

    let info = fetch(&["info", &url], home.path());
    assert!(info.status.success(), "{}", stderr(&info));
    assert_eq!(
        stdout(&info).lines().next().unwrap(),
        format!("Profile: {shown}")
    );
    assert_eq!(stderr(&info), saved(1));
    let json = fetch(&["info", "--format=json", &url], home.path());
    let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(doc["file"], shown);
    assert_eq!(stderr(&json), saved(2));
    let flame = fetch(&["flame", &url], home.path());
    assert!(
        stdout(&flame).contains(&format!(">{shown} · ")),
        "the subtitle names the URL"
    );

    for out in [&info, &json, &flame] {
        assert!(!stdout(out).contains("s3cret") && !stderr(out).contains("s3cret"));
    }
    for name in saved_files(&dir) {
        assert!(
            !name.contains("s3cret") && !name.contains("alice"),
            "{name}"
        );
    }
    // The credentials went to the server, as basic authentication.
    let auth: Vec<String> = server
        .header_lines()
        .into_iter()
        .filter(|h| h.to_ascii_lowercase().starts_with("authorization:"))
        .collect();
    assert_eq!(auth.len(), 3, "{:?}", server.header_lines());
    for h in auth {
        // base64("alice:s3cret")
        assert!(h.ends_with(": Basic YWxpY2U6czNjcmV0"), "{h}");
    }
}

#[test]
fn credentials_in_a_url_are_redacted_in_errors() {
    let server = Server::start(1, || response("404 Not Found", "text/plain", b"nope\n"));
    let home = tempfile::tempdir().unwrap();
    let url = format!("http://alice:s3cret@{}/debug/pprof/heap", server.addr);
    let out = fetch(&["top", &url], home.path());
    assert_eq!(out.status.code(), Some(1));
    let shown = format!("http://alice:***@{}/debug/pprof/heap", server.addr);
    assert!(
        stderr(&out).starts_with(&format!("heapscope: {shown}: the server answered 404")),
        "{}",
        stderr(&out)
    );

    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://alice:s3cret@127.0.0.1:{port}/debug/pprof/heap");
    let out = fetch(&["top", &url], home.path());
    assert_eq!(
        stderr(&out),
        format!(
            "heapscope: http://alice:***@127.0.0.1:{port}/debug/pprof/heap: connection refused: \
             is the service listening on 127.0.0.1:{port}, and does it import net/http/pprof \
             (import _ \"net/http/pprof\")?\n"
        )
    );
}

#[test]
fn a_saved_profile_is_named_from_a_safe_alphabet_inside_the_save_dir() {
    use prost::Message;
    let profile = hostile_profile(&[("d/../../X", "bytes"), ("\u{1b}[31m", "bytes")]);
    let body = profile.encode_to_vec();
    let server = Server::start(1, move || ok(&body));
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("a").join("b");
    let out = fetch(
        &["top", "-save_dir", dir.to_str().unwrap(), &server.url()],
        home.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The sample types, joined by dots, then every character outside
    // [A-Za-z0-9._-] replaced.
    let name = "heapscope.127.0.0.1.st__31m__8__x_y__k__8________________.d_.._.._X.__31m\
                .001.pb.gz";
    assert_eq!(saved_files(&dir), [name]);
    assert_eq!(
        stderr(&out),
        format!("Saved profile in {}/{name}\n", dir.display())
    );
    // Nothing else was written anywhere under HOME.
    assert_eq!(saved_files(home.path()), ["a"]);
    assert_eq!(saved_files(&home.path().join("a")), ["b"]);
}
