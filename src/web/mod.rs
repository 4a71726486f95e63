//! The web UI, pprof's `-http`: the profile loaded once, served by
//! tiny_http on the address asked for (localhost and a free port by
//! default), at pprof's URLs (`/ui/`, `/ui/top`, `/ui/flamegraph`,
//! `/ui/graph`, `/ui/peek`, `/ui/source`, `/ui/download`) with pprof's
//! parameters.
//! Each page is the same embedded HTML, script and style (`assets`); the
//! script asks `/ui/data/<view>` for the view's numbers, which are the
//! batch command's own (its request built by `query`, parsed by `cli`, run
//! by `app` on the loaded profile; the flame graph's folded stacks grown
//! into a tree by `flame`; the graph as the `graph` report's SVG), with
//! the command line that prints the same view. Requests whose `Host` is not the served
//! address are refused (DNS rebinding); every answer carries a strict
//! Content-Security-Policy. Mirrors pprof's `internal/driver/webui.go`.

mod assets;
mod compare;
mod flame;
mod page;
mod query;

use std::cell::RefCell;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context};
use serde_json::{json, Value};
use tiny_http::{Header, Method, Request as HttpRequest, Response, Server};

use crate::app::{self, Request};
use crate::cli;
use crate::input::combine::{load_merged, with_loaded};
use crate::input::{InputSpec, NamedProfile, Source};
use crate::report::flame as flame_report;
use crate::report::{header, prepare, Selection};
use crate::support::output;
use crate::units;
use crate::UsageError;
use query::{Query, View};

/// How the web UI is served.
#[derive(Debug, Clone)]
pub struct WebOptions {
    /// `HOST:PORT` as given to `-http` (an empty host is localhost);
    /// `None` for localhost and a free port.
    pub http: Option<String>,
    /// Open the default browser on the UI (not with `-no_browser`).
    pub open_browser: bool,
    /// Write the UI as one self-contained HTML file here instead of serving
    /// it (`--html FILE`).
    pub html: Option<PathBuf>,
}

impl Default for WebOptions {
    fn default() -> Self {
        WebOptions {
            http: None,
            open_browser: true,
            html: None,
        }
    }
}

/// The policy of every answer: the page's own script and style only, no
/// plugins, no framing, no other origin.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
                   frame-ancestors 'none'";

/// Loads the profile, serves the UI until Ctrl-C (SIGINT) or SIGTERM, and
/// says where on `notes`, as pprof does; or, with `html`, writes the UI as
/// one file (`page`).
pub fn run(
    out: &mut dyn Write,
    notes: &mut dyn Write,
    input: &InputSpec,
    settings: &[String],
    options: &WebOptions,
) -> anyhow::Result<()> {
    let mut extra = Vec::new();
    let defaults = Query::from_settings(settings, &mut extra)?;
    let (host, port) = address(options.http.as_deref())?;
    if options.html.is_some() && options.http.is_some() {
        return Err(
            UsageError("--html FILE writes a file; it serves nothing (drop -http)".into()).into(),
        );
    }
    let loaded = load_merged(input, notes)?;
    let ui = Ui {
        loaded: Rc::new(loaded),
        sources: input.sources.clone(),
        series: series(input),
        base_flags: base_flags(input),
        defaults,
        extra,
        download: download(input),
        cache: RefCell::default(),
    };
    // The defaults are checked once, as the command line's flags.
    if let Err(cli::ParseError::Usage(e)) =
        cli::parse(ui.query("").args(View::Top, &ui.extra, &ui.sources))
    {
        return Err(e.into());
    }
    if let Some(path) = &options.html {
        return output::write_to(Some(path), out, |w| page::write(w, &ui));
    }
    let listener = TcpListener::bind((host.as_str(), port))
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    let local = listener.local_addr()?;
    let server = Server::from_listener(listener, None).map_err(|e| anyhow!("{e}"))?;
    let shown = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.clone()
    };
    let url = format!("http://{shown}:{}", local.port());
    let hosts = Hosts::new(&shown, local);
    writeln!(notes, "Serving web UI on {url}")?;
    notes.flush()?;
    if options.open_browser {
        if let Err(e) = opener::open_browser(&url) {
            writeln!(
                notes,
                "heapscope: could not open a browser ({e}); open {url}"
            )?;
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    while !stop.load(Ordering::Relaxed) {
        match server.recv_timeout(Duration::from_millis(100)) {
            Ok(Some(request)) => ui.answer(request, &hosts),
            Ok(None) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// `-http`'s HOST:PORT: an empty host is localhost, a missing value is a
/// free port on localhost.
fn address(http: Option<&str>) -> Result<(String, u16), UsageError> {
    let Some(http) = http else {
        return Ok(("localhost".into(), 0));
    };
    let bad = || {
        UsageError(format!(
            "-http={http}: expected HOST:PORT (as :8080, localhost:8080 or 127.0.0.1:0)"
        ))
    };
    let (host, port) = http.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = if host.is_empty() { "localhost" } else { host };
    if host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

/// The `Host` headers answered: the served name and the bound address
/// (any name with the port when bound to every interface, as asked).
struct Hosts {
    names: Vec<String>,
    any_with_port: Option<String>,
}

impl Hosts {
    fn new(shown: &str, local: SocketAddr) -> Hosts {
        let port = local.port();
        let ip = match local.ip() {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        let mut names = vec![format!("{shown}:{port}"), format!("{ip}:{port}")];
        if shown.eq_ignore_ascii_case("localhost") || local.ip().is_loopback() {
            names.extend([
                format!("localhost:{port}"),
                format!("127.0.0.1:{port}"),
                format!("[::1]:{port}"),
            ]);
        }
        let names = names.into_iter().map(|n| n.to_ascii_lowercase()).collect();
        Hosts {
            names,
            any_with_port: local.ip().is_unspecified().then(|| format!(":{port}")),
        }
    }

    fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        self.names.contains(&host)
            || self
                .any_with_port
                .as_ref()
                .is_some_and(|port| host.ends_with(port.as_str()))
    }
}

/// What `/ui/download` serves: the bytes of a single profile file, as read
/// at start (merged profiles and URLs have no such file).
fn download(input: &InputSpec) -> Option<(String, Vec<u8>)> {
    let [Source::Path(path)] = &input.sources[..] else {
        return None;
    };
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut io::Read::take(file, input.max_size), &mut bytes).ok()?;
    let name: String = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    let name = if name.is_empty() {
        "profile".to_string()
    } else {
        name
    };
    Some((name, bytes))
}

/// The profiles of the Diff and Trend views, oldest first: the base's
/// (`-base`, `-diff_base`) and then the others, in argument order.
fn series(input: &InputSpec) -> Vec<Source> {
    let base = input.base.iter().flat_map(|b| b.sources.iter());
    base.chain(&input.sources).cloned().collect()
}

/// The flags that subtract the base again (`--base=PATH`,
/// `--diff_base=PATH`, `--normalize`), for the commands that take them.
fn base_flags(input: &InputSpec) -> Vec<String> {
    let Some(base) = &input.base else {
        return Vec::new();
    };
    let flag = if base.diff { "--diff_base" } else { "--base" };
    let mut flags: Vec<String> = base.sources.iter().map(|s| format!("{flag}={s}")).collect();
    if base.normalize {
        flags.push("--normalize".into());
    }
    flags
}

/// The served profile and the views' defaults.
struct Ui {
    loaded: Rc<NamedProfile>,
    sources: Vec<Source>,
    /// Every profile read, oldest first, for Diff and Trend.
    series: Vec<Source>,
    /// The base's flags, shown in the commands of top, graph, peek and
    /// source (`flame --base` draws the differential flame graph instead).
    base_flags: Vec<String>,
    defaults: Query,
    /// Flags every view gets (`--source_path`, `--trim_path`).
    extra: Vec<String>,
    download: Option<(String, Vec<u8>)>,
    cache: RefCell<AnswerCache>,
}

/// The views' answers last made, by view and query string, most recent
/// last: going back to a view, or switching a sample type back, answers at
/// once. At most [`AnswerCache::ENTRIES`] answers of at most
/// [`AnswerCache::LARGEST`] bytes each are kept.
#[derive(Default)]
struct AnswerCache {
    answers: Vec<(String, Vec<u8>)>,
}

impl AnswerCache {
    const ENTRIES: usize = 24;
    const LARGEST: usize = 8 << 20;

    fn get(&mut self, key: &str) -> Option<Vec<u8>> {
        let at = self.answers.iter().position(|(k, _)| k == key)?;
        let entry = self.answers.remove(at);
        let body = entry.1.clone();
        self.answers.push(entry);
        Some(body)
    }

    fn put(&mut self, key: String, body: &[u8]) {
        if body.len() > Self::LARGEST {
            return;
        }
        self.answers.retain(|(k, _)| *k != key);
        if self.answers.len() >= Self::ENTRIES {
            self.answers.remove(0);
        }
        self.answers.push((key, body.to_vec()));
    }
}

/// An answer: status, content type, body, extra headers.
struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
}

impl Answer {
    fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status,
            content_type,
            body: body.into(),
            headers: Vec::new(),
        }
    }

    fn text(status: u16, body: &str) -> Answer {
        Answer::new(status, "text/plain; charset=utf-8", format!("{body}\n"))
    }

    fn json(status: u16, value: &Value) -> Answer {
        Answer::new(
            status,
            "application/json",
            serde_json::to_vec(value).unwrap_or_default(),
        )
    }

    fn redirect(status: u16, to: String) -> Answer {
        let mut a = Answer::text(status, "moved");
        a.headers.push(("Location", to));
        a
    }
}

impl Ui {
    fn query(&self, raw: &str) -> Query {
        Query::parse(raw, &self.defaults)
    }

    /// Answers one request; a client gone away is not an error of ours.
    fn answer(&self, request: HttpRequest, hosts: &Hosts) {
        let host = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Host"))
            .map(|h| h.value.as_str().to_string());
        let answer = match host {
            Some(h) if hosts.allows(&h) => self.route(request.method(), request.url()),
            _ => Answer::text(
                421,
                "Misdirected request: the Host header does not name this server",
            ),
        };
        let mut response = Response::from_data(answer.body).with_status_code(answer.status);
        let mut headers = vec![
            ("Content-Type", answer.content_type.to_string()),
            ("Content-Security-Policy", CSP.to_string()),
            ("X-Content-Type-Options", "nosniff".to_string()),
            ("Referrer-Policy", "no-referrer".to_string()),
            ("Cache-Control", "no-store".to_string()),
        ];
        headers.extend(answer.headers);
        for (name, value) in headers {
            if let Ok(h) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(h);
            }
        }
        let _ = request.respond(response);
    }

    fn route(&self, method: &Method, url: &str) -> Answer {
        if !matches!(method, Method::Get | Method::Head) {
            return Answer::text(405, "Method not allowed");
        }
        let (path, raw_query) = url.split_once('?').unwrap_or((url, ""));
        let with_query = |to: &str| {
            if raw_query.is_empty() {
                to.to_string()
            } else {
                format!("{to}?{raw_query}")
            }
        };
        match path {
            "/" | "/ui" => Answer::redirect(307, with_query("/ui/")),
            "/ui/" | "/ui/flamegraph" | "/ui/top" | "/ui/graph" | "/ui/peek" | "/ui/source"
            | "/ui/diff" | "/ui/trend" => {
                Answer::new(200, "text/html; charset=utf-8", assets::INDEX_HTML)
            }
            "/ui/flamegraph2" | "/ui/flamegraphold" => {
                Answer::redirect(301, with_query("/ui/flamegraph"))
            }
            "/ui/app.js" => Answer::new(200, "text/javascript; charset=utf-8", assets::APP_JS),
            "/ui/app.css" => Answer::new(200, "text/css; charset=utf-8", assets::APP_CSS),
            "/ui/download" => match &self.download {
                Some((name, bytes)) => {
                    let mut a = Answer::new(200, "application/octet-stream", bytes.clone());
                    a.headers.push((
                        "Content-Disposition",
                        format!("attachment; filename=\"{name}\""),
                    ));
                    a
                }
                None => Answer::text(
                    404,
                    "download is offered for a single profile file, not for merged profiles or URLs",
                ),
            },
            "/ui/data/top" => self.data(View::Top, raw_query),
            "/ui/data/flamegraph" => self.data(View::Flame, raw_query),
            "/ui/data/graph" => self.data(View::Graph, raw_query),
            "/ui/data/peek" => self.data(View::Peek, raw_query),
            "/ui/data/source" => self.data(View::Source, raw_query),
            "/ui/data/diff" => self.data(View::Diff, raw_query),
            "/ui/data/trend" => self.data(View::Trend, raw_query),
            _ => Answer::text(404, "Not found"),
        }
    }

    /// A view's data as JSON: the report (the batch command's JSON, or the
    /// flame graph's tree), the legend, the sample types, notes.
    /// A view's data as JSON; answers already made are kept
    /// ([`AnswerCache`]), as the profile and the defaults never change
    /// while the server runs — except Source's, whose files are read anew.
    fn data(&self, view: View, raw_query: &str) -> Answer {
        let key = (view != View::Source).then(|| format!("{view:?}?{raw_query}"));
        if let Some(body) = key.as_ref().and_then(|k| self.cache.borrow_mut().get(k)) {
            return Answer::new(200, "application/json", body);
        }
        match self.view_data(view, raw_query) {
            Ok(data) => {
                let answer = Answer::json(200, &data);
                if let Some(key) = key {
                    self.cache.borrow_mut().put(key, &answer.body);
                }
                answer
            }
            Err(message) => error(&message),
        }
    }

    /// A view's data, or the message saying why it cannot be made.
    fn view_data(&self, view: View, raw_query: &str) -> Result<Value, String> {
        let q = self.query(raw_query);
        let mut shown = self.extra.clone();
        if matches!(view, View::Top | View::Graph | View::Peek | View::Source) {
            shown.extend(self.base_flags.iter().cloned());
        }
        let mut data = json!({
            "sample_types": self.sample_types(),
            "show_from": self.has_flag("top", "show_from"),
            "command": q.command(view, &shown, &self.sources),
            "profiles": self.series.len(),
        });
        if matches!(view, View::Diff | View::Trend) {
            return compare::data(self, view, &q, data);
        }
        if matches!(view, View::Peek | View::Source) && q.get("f").is_none() {
            data["message"] =
                json!("Choose a function: click one in another view, or give a regex (f=RE).");
            return Ok(data);
        }
        let request = match cli::parse(q.args(view, &self.extra, &self.sources)) {
            Ok(cli::Action::Run(r)) => r,
            Ok(cli::Action::Print(_)) => return Err("not a report".into()),
            Err(e) => return Err(clap_message(&e)),
        };
        let mut out = Vec::new();
        let mut notes = Vec::new();
        // The flame graph's tree is cut to what can be seen, by flame's own
        // code; the other views are their commands' JSON.
        if view != View::Flame {
            let ran = with_loaded(&self.sources, &self.loaded, || {
                app::run(&request, &mut out, &mut notes)
            });
            if let Err(e) = ran {
                return Err(format!("{e:#}"));
            }
        }
        let mut lines = None;
        if let Some(selection) = selection(&request) {
            match prepare::for_report(&self.loaded, selection, &mut notes) {
                Ok(prep) => {
                    let unit = prep.sample_unit();
                    let fmt = |v: i64| units::scaled_label(v, &unit, "minimum");
                    let mut legend = header::profile_header(
                        prep.profile(),
                        &prep.sample_type(),
                        &unit,
                        prep.total,
                        &fmt,
                    );
                    if !prep.filters.is_empty() {
                        legend.push("Active filters:".into());
                        legend.extend(prep.filters.iter().map(|f| format!("   {f}")));
                    }
                    data["legend"] = json!(legend);
                    data["sample_type"] = json!(prep.sample_type_raw());
                    data["unit"] = json!(prep.sample_unit_raw());
                    data["total"] = json!(prep.total);
                    if view == View::Flame {
                        match flame_report::drawn_lines(&prep, flame::MIN_WIDTH) {
                            Ok(drawn) => lines = Some(drawn),
                            Err(e) => return Err(format!("{}: {e:#}", self.loaded.name)),
                        }
                    }
                }
                Err(e) => return Err(format!("{e:#}")),
            }
        }
        data["notes"] = String::from_utf8_lossy(&notes)
            .lines()
            .map(|l| Value::String(l.to_string()))
            .collect();
        data["report"] = match view {
            View::Flame => {
                let (lines, _) = lines.unwrap_or_default();
                let tree = flame::Tree::from_lines(&lines);
                let mut report = tree.to_json();
                report["locations"] = tree.locations(&self.loaded);
                report
            }
            View::Graph => json!({ "svg": String::from_utf8_lossy(&out) }),
            _ => match serde_json::from_slice(&out) {
                Ok(v) => v,
                Err(e) => return Err(format!("the report's JSON: {e}")),
            },
        };
        if view == View::Top && q.get("all").is_some_and(|v| v != "0" && v != "false") {
            data["all"] = self.every_sample_type(&q)?;
        }
        Ok(data)
    }

    /// Top for every sample type of the profile (the four heap values side
    /// by side), each the JSON of `top -sample_index=TYPE` with the view's
    /// other settings.
    fn every_sample_type(&self, q: &Query) -> Result<Value, String> {
        let mut all = serde_json::Map::new();
        for kind in self.sample_types() {
            let mut q = q.clone();
            q.set("si", &kind);
            let request = match cli::parse(q.args(View::Top, &self.extra, &self.sources)) {
                Ok(cli::Action::Run(r)) => r,
                Ok(cli::Action::Print(_)) => return Err("not a report".into()),
                Err(e) => return Err(clap_message(&e)),
            };
            let mut out = Vec::new();
            with_loaded(&self.sources, &self.loaded, || {
                app::run(&request, &mut out, &mut io::sink())
            })
            .map_err(|e| format!("{e:#}"))?;
            let report =
                serde_json::from_slice(&out).map_err(|e| format!("the report's JSON: {e}"))?;
            all.insert(kind, report);
        }
        Ok(Value::Object(all))
    }

    fn sample_types(&self) -> Vec<String> {
        let p = &self.loaded.profile;
        p.sample_types
            .iter()
            .map(|t| p.strings.get(t.kind).to_string())
            .collect()
    }

    fn has_flag(&self, report: &str, flag: &str) -> bool {
        cli::reports()
            .iter()
            .any(|r| r.name == report && r.flags.iter().any(|f| f.name == flag))
    }
}

/// A view that cannot be made as asked (a bad regex, an unknown sample
/// type): 400 with the message.
fn error(message: &str) -> Answer {
    Answer::json(400, &json!({ "error": message }))
}

fn selection(request: &Request) -> Option<&Selection> {
    match request {
        Request::Top { selection, .. }
        | Request::Peek { selection, .. }
        | Request::List { selection, .. }
        | Request::Graph { selection, .. }
        | Request::Flame { selection, .. } => Some(selection),
        _ => None,
    }
}

/// A command-line error's message, without clap's usage lines.
fn clap_message(e: &cli::ParseError) -> String {
    let text = e.to_string();
    let text = text.split("\n\nUsage:").next().unwrap_or(&text);
    text.trim_end().trim_start_matches("error: ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_the_latest_answers_and_no_huge_one() {
        let mut cache = AnswerCache::default();
        for i in 0..AnswerCache::ENTRIES + 1 {
            cache.put(format!("Top?n={i}"), &[i as u8]);
        }
        assert_eq!(cache.get("Top?n=0"), None);
        assert_eq!(cache.get("Top?n=1"), Some(vec![1]));
        // The one just read is the last to go.
        cache.put("Top?n=x".into(), b"x");
        assert_eq!(cache.get("Top?n=1"), Some(vec![1]));
        assert_eq!(cache.get("Top?n=2"), None);
        cache.put("big".into(), &vec![0; AnswerCache::LARGEST + 1]);
        assert_eq!(cache.get("big"), None);
        assert_eq!(cache.answers.len(), AnswerCache::ENTRIES);
    }

    #[test]
    fn addresses_as_pprof_reads_them() {
        assert_eq!(address(Some(":8080")).unwrap(), ("localhost".into(), 8080));
        assert_eq!(
            address(Some("127.0.0.1:0")).unwrap(),
            ("127.0.0.1".into(), 0)
        );
        assert_eq!(address(Some("[::1]:80")).unwrap(), ("::1".into(), 80));
        assert_eq!(address(None).unwrap(), ("localhost".into(), 0));
        for bad in ["8080", "host:", "host:99999", "a/b:80", ":x"] {
            assert!(address(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_the_served_name_is_answered() {
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let hosts = Hosts::new("localhost", local);
        for ok in [
            "localhost:8080",
            "LOCALHOST:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in ["evil.example:8080", "localhost:8081", "localhost", ""] {
            assert!(!hosts.allows(bad), "{bad}");
        }
        let any = Hosts::new("0.0.0.0", "0.0.0.0:9000".parse().unwrap());
        assert!(any.allows("myhost:9000"));
        assert!(!any.allows("myhost:9001"));
    }
}
