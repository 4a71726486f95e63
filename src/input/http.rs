//! Profiles fetched over HTTP(S): the URL shorthands, the request (pprof's
//! `seconds`, connect and total timeouts), the body read under a size limit
//! with progress on a terminal, errors that say what to try, and saving what
//! was fetched as pprof does.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::support::escape;

/// The path Go's `net/http/pprof` serves heap profiles at.
pub const HEAP_PATH: &str = "/debug/pprof/heap";

/// Longest wait for a connection, within the total timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest part of an error body shown, in characters (escapes included).
const STATUS_LINE_MAX: usize = 200;

/// The total timeout when none is given: this plus the seconds asked for.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;

/// How a profile is fetched and where the fetched bytes are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// Ask for a delta profile over this many seconds (`?seconds=N`).
    pub seconds: Option<u64>,
    /// Total time allowed for the fetch [default: 60 s plus `seconds`].
    pub timeout: Option<Duration>,
    /// Where to save fetched profiles; `None` saves nothing.
    pub save_dir: Option<PathBuf>,
    /// Show progress of a slow fetch (stderr is a terminal).
    pub progress: bool,
}

impl FetchOptions {
    /// The total timeout: the one given, else 60 s plus the seconds asked for.
    pub fn total_timeout(&self) -> Duration {
        self.timeout.unwrap_or_else(|| {
            Duration::from_secs(DEFAULT_TIMEOUT_SECS.saturating_add(self.seconds.unwrap_or(0)))
        })
    }
}

/// A command-line argument as a URL: `http://` and `https://` URLs (a URL
/// without a path gets [`HEAP_PATH`]), and `host:port` alone (when no file
/// of that name exists) as `http://host:port/debug/pprof/heap`.
pub fn parse_url(arg: &str) -> Option<String> {
    let lower = arg.get(..8).unwrap_or(arg).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let scheme_end = arg.find("://").map_or(0, |i| i + 3);
        let rest = &arg[scheme_end..];
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let tail = match tail {
            "" | "/" => HEAP_PATH.to_string(),
            t if t.starts_with('?') || t.starts_with('#') => format!("{HEAP_PATH}{t}"),
            t => t.to_string(),
        };
        return Some(format!("{}{authority}{tail}", &arg[..scheme_end]));
    }
    if is_host_port(arg) && !Path::new(arg).exists() {
        return Some(format!("http://{arg}{HEAP_PATH}"));
    }
    None
}

/// `host:port`, `[v6]:port`: a host of letters, digits, dots and dashes
/// (or a bracketed IPv6 address) and a port number.
fn is_host_port(arg: &str) -> bool {
    let Some((host, port)) = arg.rsplit_once(':') else {
        return false;
    };
    let port_ok = !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| p <= 65535);
    let host_ok = if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !v6.is_empty() && v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':')
    } else {
        !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    };
    port_ok && host_ok
}

/// The host of a URL (no port, no brackets), for messages and file names.
pub fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// `host:port` of a URL (no user information), for messages.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    authority.rsplit_once('@').map_or(authority, |(_, a)| a)
}

/// A message from the HTTP client, which may quote the URL: its password
/// redacted wherever the user information appears.
fn scrub(message: &str, url: &str) -> String {
    let mut message = escape::redact_urls(message).into_owned();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        if let Some((user, _)) = userinfo.split_once(':') {
            message = message.replace(&format!("{userinfo}@"), &format!("{user}:***@"));
        }
    }
    message
}

/// Why a fetch failed. Messages name no URL (callers prefix the source) but
/// say what to try.
#[derive(Debug)]
pub enum FetchError {
    Refused { authority: String },
    HostNotFound { host: String },
    Timeout { after: Duration, connecting: bool },
    Status { code: u16, line: String },
    TooLarge { limit: u64 },
    Html,
    Other(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Refused { authority } => write!(
                f,
                "connection refused: is the service listening on {}, and does it \
                 import net/http/pprof (import _ \"net/http/pprof\")?",
                escape::text(authority)
            ),
            FetchError::HostNotFound { host } => {
                write!(
                    f,
                    "host \"{}\" not found: check the host name",
                    escape::text(host)
                )
            }
            FetchError::Timeout { after, connecting } => {
                let secs = after.as_secs_f64();
                if *connecting {
                    write!(
                        f,
                        "timed out connecting after {secs} s: is the host reachable and the \
                         port right?"
                    )
                } else {
                    write!(
                        f,
                        "timed out after {secs} s waiting for the profile: allow more time \
                         with -timeout=SECONDS (the default is 60 plus -seconds)"
                    )
                }
            }
            FetchError::Status { code, line } => {
                let reason = http_reason(*code);
                write!(f, "the server answered {code} {reason}")?;
                if !line.is_empty() {
                    write!(f, ": {line}")?;
                }
                if *code == 404 {
                    write!(
                        f,
                        " (Go serves heap profiles at {HEAP_PATH} when the program imports \
                         net/http/pprof)"
                    )?;
                }
                Ok(())
            }
            FetchError::TooLarge { limit } => write!(
                f,
                "the response is larger than the memory limit of {limit} bytes \
                 (-max_size/{}); raise it with -max_size=BYTES",
                super::MEMORY_SHARE
            ),
            FetchError::Html => write!(
                f,
                "the server sent an HTML page, not a profile: is this the profile's URL? \
                 Go serves heap profiles at {HEAP_PATH}"
            ),
            FetchError::Other(e) => write!(f, "cannot fetch: {e}"),
        }
    }
}

impl std::error::Error for FetchError {}

fn http_reason(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// Fetches `url` (with `?seconds=N` when asked), returning the body as the
/// server sent it, at most `max_size` bytes. On a terminal, a spinner
/// shows the wait and the bytes received once the fetch takes a moment.
pub fn fetch(url: &str, opts: &FetchOptions, max_size: u64) -> Result<Vec<u8>, FetchError> {
    let received = AtomicU64::new(0);
    if !(opts.progress && io::stderr().is_terminal()) {
        return get(url, opts, max_size, &received);
    }
    thread::scope(|scope| {
        let (stop, stopped) = mpsc::channel::<()>();
        let counter = &received;
        let shown = escape::url(url);
        scope.spawn(move || spin(&shown, counter, &stopped));
        let result = get(url, opts, max_size, &received);
        drop(stop);
        result
    })
}

/// Draws the spinner on stderr every 100 ms after the first half second,
/// until `stopped` hangs up; then clears its line. `url` is as shown
/// ([`escape::url`]).
fn spin(url: &str, received: &AtomicU64, stopped: &mpsc::Receiver<()>) {
    let started = Instant::now();
    let mut drawn = false;
    let mut frame = 0;
    while let Err(mpsc::RecvTimeoutError::Timeout) =
        stopped.recv_timeout(Duration::from_millis(100))
    {
        if started.elapsed() < Duration::from_millis(500) {
            continue;
        }
        frame = (frame + 1) % 4;
        let bytes = received.load(Ordering::Relaxed);
        let what = if bytes == 0 {
            format!("waiting {} s", started.elapsed().as_secs())
        } else {
            let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
            format!("{} received", crate::units::human_bytes(bytes))
        };
        let spinner = ['|', '/', '-', '\\'][frame];
        let _ = write!(io::stderr(), "\r\x1b[K{spinner} fetching {url}: {what}");
        drawn = true;
    }
    if drawn {
        let _ = write!(io::stderr(), "\r\x1b[K");
    }
}

/// The request and the body, counting bytes into `received`.
fn get(
    url: &str,
    opts: &FetchOptions,
    max_size: u64,
    received: &AtomicU64,
) -> Result<Vec<u8>, FetchError> {
    let total = opts.total_timeout();
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(total))
        .timeout_connect(Some(CONNECT_TIMEOUT.min(total)))
        .user_agent(concat!("heapscope/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut request = agent.get(url);
    if let Some(s) = opts.seconds {
        request = request.query("seconds", s.to_string());
    }
    let classify = |e: ureq::Error| classify(e, url, total);
    let response = request.call().map_err(classify)?;
    let status = response.status().as_u16();
    let body = response.into_body();
    if status != 200 {
        let mut head = Vec::new();
        // Go's handlers answer errors in text; the first line says why.
        let _ = body.into_reader().take(4096).read_to_end(&mut head);
        let text = String::from_utf8_lossy(&head);
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        let line = if looks_like_html(line.as_bytes()) {
            "(an HTML page)".to_string()
        } else {
            escape::text_bounded(line, STATUS_LINE_MAX)
        };
        return Err(FetchError::Status { code: status, line });
    }
    if body.content_length().is_some_and(|n| n > max_size) {
        return Err(FetchError::TooLarge { limit: max_size });
    }
    let mut reader = body.into_reader();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(body_error(e, classify)),
        };
        if (out.len() + n) as u64 > max_size {
            return Err(FetchError::TooLarge { limit: max_size });
        }
        out.extend_from_slice(&buf[..n]);
        received.store(out.len() as u64, Ordering::Relaxed);
    }
    Ok(out)
}

/// A failed read of the body: ureq's own errors (a timeout) come wrapped
/// in an `io::Error`.
#[allow(
    clippy::redundant_closure_for_method_calls,
    reason = "the method path of a trait object's `is` spells out its whole type"
)]
fn body_error(e: io::Error, classify: impl Fn(ureq::Error) -> FetchError) -> FetchError {
    if !e.get_ref().is_some_and(|inner| inner.is::<ureq::Error>()) {
        return FetchError::Other(format!("the connection broke while reading the body: {e}"));
    }
    match e.into_inner().map(|inner| inner.downcast::<ureq::Error>()) {
        Some(Ok(ureq_error)) => classify(*ureq_error),
        Some(Err(other)) => FetchError::Other(other.to_string()),
        None => FetchError::Other("the connection broke while reading the body".into()),
    }
}

fn classify(e: ureq::Error, url: &str, total: Duration) -> FetchError {
    match e {
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
            FetchError::Timeout {
                after: CONNECT_TIMEOUT.min(total),
                connecting: true,
            }
        }
        ureq::Error::Timeout(_) => FetchError::Timeout {
            after: total,
            connecting: false,
        },
        ureq::Error::HostNotFound => FetchError::HostNotFound {
            host: host(url).to_string(),
        },
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused => {
            FetchError::Refused {
                authority: authority(url).to_string(),
            }
        }
        // std reports a failed getaddrinfo as an uncategorized error.
        ureq::Error::Io(io) if io.to_string().contains("failed to lookup address") => {
            FetchError::HostNotFound {
                host: host(url).to_string(),
            }
        }
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => FetchError::Timeout {
            after: total,
            connecting: false,
        },
        ureq::Error::ConnectionFailed => FetchError::Refused {
            authority: authority(url).to_string(),
        },
        other => FetchError::Other(scrub(&other.to_string(), url)),
    }
}

/// An HTML page rather than a profile: `<!DOCTYPE html` or `<html` after
/// leading whitespace, in any case.
pub fn looks_like_html(data: &[u8]) -> bool {
    let start = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(data.len());
    let head = &data[start..data.len().min(start + 14)];
    let head = head.to_ascii_lowercase();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html")
}

/// How saved bytes are named: a protobuf profile or the legacy text form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SavedForm {
    Protobuf,
    Text,
}

/// Saves a fetched body gzipped (as-is when it already is) in `dir` as
/// `heapscope.<host>.<kind>.<NNN>.pb.gz` (`.txt.gz` for text), with the
/// next free NNN; returns the path. Host and kind come from outside (the
/// URL, the server's sample types): they are [`escape::file_name`]s, so
/// the name is of `[A-Za-z0-9._-]` only, at most 200 bytes, and the file
/// is in `dir`, never elsewhere.
pub fn save(
    dir: &Path,
    url: &str,
    kind: &str,
    form: SavedForm,
    body: &[u8],
) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let host = escape::file_name(host(url), 64);
    let kind = escape::file_name(kind, 100);
    let suffix = match form {
        SavedForm::Protobuf => "pb.gz",
        SavedForm::Text => "txt.gz",
    };
    let gzipped = body.starts_with(&[0x1f, 0x8b]);
    for n in 1u32.. {
        let name = |suffix: &str| format!("heapscope.{host}.{kind}.{n:03}.{suffix}");
        // One numbering for both forms, as one series of fetches.
        if dir.join(name("pb.gz")).exists() || dir.join(name("txt.gz")).exists() {
            continue;
        }
        let path = dir.join(name(suffix));
        if path.parent() != Some(dir) {
            return Err(io::Error::other("the file name would leave the directory"));
        }
        let file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = if gzipped {
            let mut file = file;
            file.write_all(body).and_then(|()| file.sync_all())
        } else {
            let mut gz = GzEncoder::new(file, Compression::default());
            gz.write_all(body)
                .and_then(|()| gz.finish())
                .and_then(|f| f.sync_all())
        };
        if let Err(e) = written {
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        return Ok(path);
    }
    Err(io::Error::other("no free file name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_get_the_heap_path_when_they_have_none() {
        assert_eq!(
            parse_url("http://127.0.0.1:6060").as_deref(),
            Some("http://127.0.0.1:6060/debug/pprof/heap")
        );
        assert_eq!(
            parse_url("https://svc:443/").as_deref(),
            Some("https://svc:443/debug/pprof/heap")
        );
        assert_eq!(
            parse_url("http://h:1?debug=1").as_deref(),
            Some("http://h:1/debug/pprof/heap?debug=1")
        );
        assert_eq!(
            parse_url("http://h:1/debug/pprof/allocs").as_deref(),
            Some("http://h:1/debug/pprof/allocs")
        );
    }

    #[test]
    fn host_port_alone_is_a_heap_url() {
        assert_eq!(
            parse_url("localhost:6060").as_deref(),
            Some("http://localhost:6060/debug/pprof/heap")
        );
        assert_eq!(
            parse_url("[::1]:8080").as_deref(),
            Some("http://[::1]:8080/debug/pprof/heap")
        );
        for not_url in [
            "heap.pb.gz",
            "-",
            "C:\\x",
            "host:",
            ":80",
            "a/b:80",
            "h:99999",
        ] {
            assert_eq!(parse_url(not_url), None, "{not_url}");
        }
    }

    #[test]
    fn hosts_are_found_in_urls() {
        assert_eq!(host("http://127.0.0.1:80/debug"), "127.0.0.1");
        assert_eq!(host("https://[::1]:80/"), "::1");
        assert_eq!(host("http://svc.local?x"), "svc.local");
    }

    #[test]
    fn html_is_recognized() {
        assert!(looks_like_html(b"  \n<!DOCTYPE HTML><html>"));
        assert!(looks_like_html(b"<html><body>"));
        assert!(!looks_like_html(b"heap profile: 1: 2 [3: 4] @ heap/1024"));
        assert!(!looks_like_html(b""));
    }

    #[test]
    fn saved_files_take_the_next_free_number() {
        let dir = tempfile::tempdir().unwrap();
        let a = save(dir.path(), "http://h:1/x", "heap", SavedForm::Text, b"t").unwrap();
        let b = save(
            dir.path(),
            "http://h:1/x",
            "heap",
            SavedForm::Protobuf,
            b"p",
        )
        .unwrap();
        assert!(a.ends_with("heapscope.h.heap.001.txt.gz"), "{a:?}");
        assert!(b.ends_with("heapscope.h.heap.002.pb.gz"), "{b:?}");
        let mut inflated = String::new();
        flate2::read::GzDecoder::new(fs::File::open(&a).unwrap())
            .read_to_string(&mut inflated)
            .unwrap();
        assert_eq!(inflated, "t");
    }
}
