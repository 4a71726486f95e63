//! The web UI in a real browser: Debian's chromium, headless, driven over
//! WebDriver (chromedriver) with a few JSON requests. Skipped, saying so,
//! when chromium or chromedriver is not installed (`.ci/run` installs
//! them). The browsers run one at a time.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::thread::sleep;
use std::time::Duration;

use serde_json::{json, Value};

use crate::util::{profile, run, stdout};
use crate::web::{alloc_space_top, cum_of, dot_node_tooltips, run_command_line, Served};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// One browser at a time: the machine is small.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A headless chromium session behind chromedriver, ended when dropped.
struct Browser {
    driver: Child,
    base: String,
    agent: ureq::Agent,
}

impl Browser {
    /// A browser, or `None` (with a note) when chromium is not installed.
    fn start() -> Option<Browser> {
        if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
            eprintln!(
                "skipped: the browser tests need {CHROMIUM} and {CHROMEDRIVER} \
                 (apt-get install chromium chromium-driver)"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build();
        let mut browser = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            agent: ureq::Agent::new_with_config(config),
        };
        // chromedriver answers once it listens.
        let mut ready = false;
        for _ in 0..200 {
            if browser.call("GET", "/status", None).is_some() {
                ready = true;
                break;
            }
            sleep(Duration::from_millis(50));
        }
        assert!(ready, "chromedriver did not start");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1200,900"],
            },
        }}});
        let session = browser
            .call("POST", "/session", Some(caps))
            .expect("a session");
        let id = session["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {session}"))
            .to_string();
        browser.base = format!("{}/session/{id}", browser.base);
        Some(browser)
    }

    /// A WebDriver command's answer (`None` if chromedriver is not there).
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Option<Value> {
        let url = format!("{}{path}", self.base);
        let response = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or(json!({})).to_string()),
        };
        let mut response = response.ok()?;
        let text = response.body_mut().read_to_string().ok()?;
        serde_json::from_str(&text).ok()
    }

    fn open(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })))
            .expect("navigates");
        self.wait_ready();
    }

    /// Runs `script` (a function body) in the page; its return value.
    fn js(&self, script: &str) -> Value {
        let answer = self
            .call(
                "POST",
                "/execute/sync",
                Some(json!({ "script": script, "args": [] })),
            )
            .expect("script runs");
        if let Some(error) = answer["value"]["error"].as_str() {
            panic!("{error}: {}", answer["value"]["message"]);
        }
        answer["value"].clone()
    }

    /// Waits for the view to be drawn (the script marks the body).
    fn wait_ready(&self) {
        for _ in 0..400 {
            if self
                .js("return document.body && document.body.getAttribute('data-ready')")
                .is_string()
            {
                return;
            }
            sleep(Duration::from_millis(25));
        }
        panic!("the view was never drawn");
    }

    /// Runs `script`, which makes the page navigate, and waits for the new
    /// view (the old one's mark is taken off first).
    fn navigate_by(&self, script: &str) {
        self.js(&format!(
            "document.body.removeAttribute('data-ready'); {script}"
        ));
        self.wait_ready();
    }

    /// Whether an alert dialog is open.
    fn alert_open(&self) -> bool {
        let answer = self.call("GET", "/alert/text", None).expect("answers");
        answer["value"]["error"].is_null()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.call("DELETE", "", None);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn cli_json(args: &[&str]) -> Value {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {out:?}");
    serde_json::from_str(&stdout(&out)).expect("JSON")
}

/// The top table as drawn: (name, flat, cum) per row, from the values the
/// cells carry.
const TOP_ROWS: &str = "return [...document.querySelectorAll('#top tbody tr')].map(r => \
    [r.getAttribute('data-name'), +r.cells[0].getAttribute('data-value'), \
     +r.cells[3].getAttribute('data-value')]);";

fn rows(top: &Value) -> Value {
    top["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| json!([n["name"], n["flat"], n["cum"]]))
        .collect()
}

fn setup() -> Option<(std::sync::MutexGuard<'static, ()>, Browser)> {
    let guard = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Some((guard, Browser::start()?))
}

#[test]
fn the_top_table_shows_the_numbers_of_top_and_switches_sample_type() {
    let Some((_guard, browser)) = setup() else {
        return;
    };
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    let base = format!("http://127.0.0.1:{}", served.port);
    browser.open(&format!("{base}/ui/top?si=alloc_space"));
    let cli = cli_json(&[
        "top",
        "--format=json",
        "-alloc_space",
        "-nodecount=500",
        &file,
    ]);
    assert_eq!(browser.js(TOP_ROWS), rows(&cli));
    // The sample type switcher.
    browser.navigate_by(
        "const s = document.getElementById('sample'); s.value = 'inuse_objects'; \
         s.dispatchEvent(new Event('change'));",
    );
    assert!(browser
        .js("return location.search")
        .as_str()
        .unwrap()
        .contains("si=inuse_objects"));
    let cli = cli_json(&[
        "top",
        "--format=json",
        "-inuse_objects",
        "-nodecount=500",
        &file,
    ]);
    assert_eq!(browser.js(TOP_ROWS), rows(&cli));
    // Sorting by name, then by cum.
    browser.js("document.querySelector('th[data-sort=name]').click()");
    let names = browser.js(TOP_ROWS);
    let mut sorted: Vec<String> = names
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_str().unwrap().to_string())
        .collect();
    let drawn = sorted.clone();
    sorted.sort();
    assert_eq!(drawn, sorted);
    browser.js("document.querySelector('th[data-sort=cum]').click()");
    let cums: Vec<i64> = browser
        .js(TOP_ROWS)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[2].as_i64().unwrap())
        .collect();
    assert!(cums.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn flame_search_shows_the_share_and_a_click_zooms() {
    let Some((_guard, browser)) = setup() else {
        return;
    };
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    browser.open(&format!(
        "http://127.0.0.1:{}/ui/flamegraph?si=alloc_space",
        served.port
    ));
    let top = alloc_space_top(&file);
    let cum = |name: &str| cum_of(&top, name).unwrap();
    browser.js(
        "const r = document.getElementById('regex'); r.value = '^main\\\\.makeItem$'; \
         r.dispatchEvent(new Event('input'));",
    );
    let matched =
        browser.js("return +document.getElementById('search-result').getAttribute('data-matched')");
    assert_eq!(matched.as_i64(), Some(cum("main.makeItem")));
    let shown = browser.js("return document.getElementById('search-result').textContent");
    let total = top["total"].as_i64().unwrap();
    let pct = format!(
        "({:.2}%)",
        100.0 * cum("main.makeItem") as f64 / total as f64
    );
    assert!(shown.as_str().unwrap().ends_with(&pct), "{shown} {pct}");
    assert!(
        browser
            .js("return document.querySelectorAll('.frame.match').length")
            .as_i64()
            > Some(0)
    );
    // Click to zoom: the frame then spans the whole width.
    browser.js("document.querySelector('.frame[data-name=\"main.makeItem\"]').click()");
    assert_eq!(
        browser.js("return document.body.getAttribute('data-zoom')"),
        "main.makeItem"
    );
    let width = browser.js(
        "return document.querySelector('.frame.zoomed').getBoundingClientRect().width \
         / document.getElementById('flame').getBoundingClientRect().width",
    );
    assert!((width.as_f64().unwrap() - 1.0).abs() < 0.01, "{width}");
    assert_eq!(
        browser.js("return document.body.getAttribute('data-selected')"),
        "main.makeItem"
    );
    // Hover details in human units, with the source location.
    browser.js("document.querySelector('.frame.zoomed').dispatchEvent(\
         new MouseEvent('mousemove', {clientX: 50, clientY: 50}))");
    let tip = browser.js("return document.getElementById('tooltip').textContent");
    assert!(tip.as_str().unwrap().contains("of total"), "{tip}");
    assert!(
        tip.as_str().unwrap().contains("server/main.go:102"),
        "{tip}"
    );
}

#[test]
fn focus_on_a_selected_function() {
    let Some((_guard, browser)) = setup() else {
        return;
    };
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    browser.open(&format!(
        "http://127.0.0.1:{}/ui/top?si=alloc_space",
        served.port
    ));
    browser.js("document.querySelector('#top tr[data-name=\"main.makeItem\"]').click()");
    browser.navigate_by("document.querySelector('#refine button[data-param=f]').click()");
    let cli = cli_json(&[
        "top",
        "--format=json",
        "-alloc_space",
        "-focus=^main\\.makeItem$",
        "-nodecount=500",
        &file,
    ]);
    assert_eq!(browser.js(TOP_ROWS), rows(&cli));
    let legend = browser.js("return document.getElementById('legend').textContent");
    assert!(
        legend.as_str().unwrap().contains("focus=^main\\.makeItem$"),
        "{legend}"
    );
}

#[test]
fn the_source_view_shows_the_numbers_of_list() {
    let Some((_guard, browser)) = setup() else {
        return;
    };
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    browser.open(&format!(
        "http://127.0.0.1:{}/ui/source?f=main%5C.makeItem",
        served.port
    ));
    let cli = cli_json(&[
        "list",
        "--format=json",
        "-focus=main\\.makeItem",
        "main\\.makeItem",
        &file,
    ]);
    let drawn = browser.js(
        "return [...document.querySelectorAll('section.function tr')].map(r => \
         [+r.getAttribute('data-line'), +r.cells[0].getAttribute('data-value'), \
          +r.cells[1].getAttribute('data-value'), r.cells[3].textContent])",
    );
    let expected: Value = cli["functions"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| json!([l["line"], l["flat"], l["cum"], l["source"]]))
        .collect();
    assert_eq!(drawn, expected);
}

#[test]
fn hostile_names_run_no_script() {
    use prost::Message;
    let Some((_guard, browser)) = setup() else {
        return;
    };
    let mut hostile = crate::safe_output::hostile_profile(&[("inuse_space", "bytes")]);
    for s in &mut hostile.string_table {
        if s == "main.main" {
            *s = "main.<script>window.__pwned=1;alert(1)</script>".into();
        } else if s == "/src/m.go" {
            *s = "<img src=x onerror=\"window.__pwned=2;alert(2)\">.go".into();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.pb");
    std::fs::write(&path, hostile.encode_to_vec()).unwrap();
    // A second snapshot, every value doubled, for Diff and Trend.
    for sample in &mut hostile.sample {
        for v in &mut sample.value {
            *v *= 2;
        }
    }
    let later = dir.path().join("hostile2.pb");
    std::fs::write(&later, hostile.encode_to_vec()).unwrap();
    let served = Served::start(&[path.to_str().unwrap(), later.to_str().unwrap()]);
    let base = format!("http://127.0.0.1:{}", served.port);
    for view in [
        "ui/diff",
        "ui/trend",
        "ui/",
        "ui/top",
        "ui/top?g=files",
        "ui/peek?f=.",
        "ui/source?f=.",
        "ui/flamegraph?si=1",
        "ui/graph",
        "ui/top?all=1",
    ] {
        browser.open(&format!("{base}/{view}"));
        // Hover every frame and click every row: nothing may run.
        browser.js(
            "for (const f of document.querySelectorAll('.frame, tr')) { \
               f.dispatchEvent(new MouseEvent('mousemove', {clientX: 5, clientY: 5})); f.click(); } \
             for (const t of document.querySelectorAll('#graph text')) { \
               t.dispatchEvent(new MouseEvent('mousemove', {bubbles: true})); }",
        );
        assert!(!browser.alert_open(), "{view}: an alert opened");
        assert_eq!(
            browser.js("return typeof window.__pwned"),
            "undefined",
            "{view}"
        );
        assert_eq!(
            browser.js("return document.querySelectorAll('img, main script').length"),
            0,
            "{view}"
        );
    }
    // The same in the --html file.
    let url = html_file(
        dir.path(),
        &[path.to_str().unwrap(), later.to_str().unwrap()],
    );
    for view in ["flamegraph", "top", "graph", "diff", "trend"] {
        browser.open(&format!("{url}#{view}"));
        assert_eq!(
            browser.js("return document.body.getAttribute('data-ready')"),
            view
        );
        browser.js(
            "for (const f of document.querySelectorAll('.frame, tr')) { \
               f.dispatchEvent(new MouseEvent('mousemove', {clientX: 5, clientY: 5})); f.click(); }",
        );
        assert!(!browser.alert_open(), "--html {view}: an alert opened");
        assert_eq!(browser.js("return typeof window.__pwned"), "undefined");
        assert_eq!(
            browser.js("return document.querySelectorAll('img, main script').length"),
            0
        );
    }
    browser.open(&format!("{base}/ui/top"));
    let names = browser.js(TOP_ROWS).to_string();
    assert!(
        names.contains("main.<script>window.__pwned=1;alert(1)</script>"),
        "{names}"
    );
}

#[test]
fn the_graph_shows_the_report_and_a_click_focuses() {
    let Some((_guard, browser)) = setup() else {
        return;
    };
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    let base = format!("http://127.0.0.1:{}", served.port);
    browser.open(&format!("{base}/ui/graph?si=alloc_space&n=20"));
    let dot = stdout(&run(&[
        "graph",
        "--format=dot",
        "-alloc_space",
        "-nodecount=20",
        &file,
    ]));
    // The nodes of the DOT report, in its order, with its labels.
    let names: Vec<String> = dot_node_tooltips(&dot)
        .iter()
        .map(|t| t.rsplit_once(" (").unwrap().0.to_string())
        .collect();
    let drawn = browser.js(
        "return [...document.querySelectorAll('#graph g.node')].map(g => g.getAttribute('data-name'))",
    );
    assert_eq!(drawn, json!(names));
    let label = dot
        .lines()
        .find(|l| l.starts_with("N1 ["))
        .and_then(|l| l.split("label=\"").nth(1))
        .and_then(|l| l.split('"').next())
        .unwrap()
        .replace("\\n", "\n");
    let shown = browser.js(
        "return [...document.querySelectorAll('#graph g.node')[0].querySelectorAll('text')]\
         .map(t => t.textContent).join('\\n')",
    );
    assert_eq!(shown, json!(label));
    // The wheel zooms in.
    browser.js(
        "document.querySelector('#graph svg').dispatchEvent(new WheelEvent('wheel', \
         {deltaY: -100, clientX: 300, clientY: 300, bubbles: true, cancelable: true}))",
    );
    let zoom = browser.js("return +document.getElementById('graph').getAttribute('data-zoom')");
    assert!(zoom.as_f64().unwrap() > 1.0, "{zoom}");
    // A click on a node focuses on it.
    browser.navigate_by(
        "document.querySelector('#graph g.node[data-name=\"main.worker\"] rect')\
         .dispatchEvent(new MouseEvent('click', {bubbles: true}))",
    );
    let search = browser.js("return decodeURIComponent(location.search)");
    assert!(
        search.as_str().unwrap().contains("f=^main\\.worker$"),
        "{search}"
    );
    assert_eq!(browser.js("return location.pathname"), "/ui/graph");
    // ... and Top then shows the focused numbers.
    browser.navigate_by("document.querySelector('#views a[data-view=top]').click()");
    let cli = cli_json(&[
        "top",
        "--format=json",
        "-alloc_space",
        "-focus=^main\\.worker$",
        // n=20 of the graph's URL is top's too.
        "-nodecount=20",
        &file,
    ]);
    assert_eq!(browser.js(TOP_ROWS), rows(&cli));
}

#[test]
fn copy_as_command_prints_the_same_numbers() {
    let Some((_guard, browser)) = setup() else {
        return;
    };
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    browser.open(&format!(
        "http://127.0.0.1:{}/ui/top?si=alloc_objects&h=runtime&sort=cum",
        served.port
    ));
    browser.js("document.getElementById('copy').click()");
    assert_eq!(
        browser.js("return document.getElementById('command-box').hidden"),
        false
    );
    let line = browser.js("return document.getElementById('command').textContent");
    let line = line.as_str().unwrap();
    assert!(line.starts_with("heapscope top "), "{line}");
    let ran = run_command_line(&format!("{line} --format=json"));
    assert!(ran.status.success(), "{line}: {ran:?}");
    let printed: Value = serde_json::from_slice(&ran.stdout).unwrap();
    assert_eq!(browser.js(TOP_ROWS), rows(&printed));
}

#[test]
fn top_shows_every_sample_type_side_by_side() {
    let Some((_guard, browser)) = setup() else {
        return;
    };
    let file = profile("server.pb.gz");
    let served = Served::start(&[&file]);
    browser.open(&format!("http://127.0.0.1:{}/ui/top", served.port));
    browser.navigate_by("document.getElementById('all').click()");
    assert!(browser
        .js("return location.search")
        .as_str()
        .unwrap()
        .contains("all=1"));
    for kind in [
        "alloc_objects",
        "alloc_space",
        "inuse_objects",
        "inuse_space",
    ] {
        let index = format!("-sample_index={kind}");
        let cli = cli_json(&["top", "--format=json", &index, "-nodecount=500", &file]);
        // (name, flat, cum) of the rows this sample type has a value for.
        let drawn = browser.js(&format!(
            "return [...document.querySelectorAll('#top-all tbody tr')].map(r => {{ \
               const c = r.querySelectorAll('td[data-type=\"{kind}\"][data-value]'); \
               return c.length ? [r.getAttribute('data-name'), +c[0].getAttribute('data-value'), \
                 +c[1].getAttribute('data-value')] : null; }}).filter(x => x)"
        ));
        let mut drawn: Vec<Value> = drawn.as_array().unwrap().clone();
        let mut expected: Vec<Value> = rows(&cli).as_array().unwrap().clone();
        let key = |v: &Value| v[0].as_str().unwrap().to_string();
        drawn.sort_by_key(key);
        expected.sort_by_key(key);
        assert_eq!(drawn, expected, "{kind}");
    }
}

#[test]
fn diff_shows_grown_and_shrunk() {
    let Some((_guard, browser)) = setup() else {
        return;
    };
    let before = profile("leak.1.pb.gz");
    let after = profile("leak.6.pb.gz");
    let served = Served::start(&[&before, &after]);
    browser.open(&format!("http://127.0.0.1:{}/ui/diff", served.port));
    let cli = cli_json(&["diff", "--format=json", &before, &after]);
    let drawn = browser.js(
        "return [...document.querySelectorAll('#diff tbody tr')].map(r => \
         [r.getAttribute('data-name'), +r.cells[0].getAttribute('data-value'), \
          +r.cells[2].getAttribute('data-value'), r.className]);",
    );
    let expected: Value = cli["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let d = if n["flat"] != 0 {
                &n["flat"]
            } else {
                &n["cum"]
            };
            let class = match d.as_i64().unwrap() {
                d if d > 0 => "grew",
                d if d < 0 => "shrank",
                _ => "",
            };
            json!([n["name"], n["flat"], n["cum"], class])
        })
        .collect();
    assert_eq!(drawn, expected);
    let classes = drawn.to_string();
    assert!(classes.contains("\"grew\"") && classes.contains("\"shrank\""));
    // The flame graph of the change: frames that grew and frames that shrank.
    let changes = browser.js(
        "return [...document.querySelectorAll('#flame.diff .frame')].map(f => +f.getAttribute('data-change'));",
    );
    let changes: Vec<i64> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_i64().unwrap())
        .collect();
    assert!(changes.iter().any(|&c| c > 0) && changes.iter().any(|&c| c < 0));
    // The Diff and Trend tabs are offered with several profiles.
    assert_eq!(
        browser.js("return document.querySelector('#views a[data-view=trend]').hidden"),
        false
    );
}

#[test]
fn trend_shows_sparklines_leaks_first() {
    let Some((_guard, browser)) = setup() else {
        return;
    };
    let files: Vec<String> = (1..=6)
        .map(|i| profile(&format!("leak.{i}.pb.gz")))
        .collect();
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    let served = Served::start(&names);
    browser.open(&format!("http://127.0.0.1:{}/ui/trend", served.port));
    let mut args = vec!["trend", "--format=json"];
    args.extend(&names);
    let cli = cli_json(&args);
    let drawn = browser.js(
        "return [...document.querySelectorAll('#trend tbody tr')].map(r => \
         [r.getAttribute('data-name'), r.classList.contains('leak'), \
          r.querySelector('td.spark svg polyline').getAttribute('points').split(' ').length, \
          +r.cells[2].getAttribute('data-value')]);",
    );
    let expected: Value = cli["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| json!([n["name"], n["leak"], 6, n["values"][5]]))
        .collect();
    assert_eq!(drawn, expected);
    assert_eq!(drawn[0][1], true, "likely leaks first");
}

/// Writes `heapscope web --html FILE ARGS…` into `dir`; the file's URL.
fn html_file(dir: &Path, args: &[&str]) -> String {
    let path = dir.join("profile.html");
    let mut all = vec!["web", "--html", path.to_str().unwrap()];
    all.extend(args);
    let out = run(&all);
    assert!(out.status.success(), "{out:?}");
    format!("file://{}", path.display())
}

#[test]
fn the_html_file_shows_the_numbers_offline() {
    let Some((_guard, browser)) = setup() else {
        return;
    };
    let before = profile("leak.1.pb.gz");
    let after = profile("leak.6.pb.gz");
    let dir = tempfile::tempdir().unwrap();
    let url = html_file(dir.path(), &["-alloc_space", &before, &after]);
    let page = std::fs::read_to_string(dir.path().join("profile.html")).unwrap();
    for attr in ["src=", "href=\"http", "url(http", "url(//", "@import"] {
        assert!(!page.contains(attr), "{attr}");
    }
    browser.open(&format!("{url}#top"));
    // The script ran under the page's policy, and asked for nothing.
    assert_eq!(
        browser.js("return document.body.getAttribute('data-ready')"),
        "top"
    );
    let cli = cli_json(&[
        "top",
        "--format=json",
        "-alloc_space",
        "-nodecount=500",
        &before,
        &after,
    ]);
    assert_eq!(browser.js(TOP_ROWS), rows(&cli));
    // The flame graph holds the merged total; the graph is drawn.
    browser.navigate_by("location.hash = 'flamegraph'");
    let root =
        browser.js("return +document.querySelector('#flame .frame').getAttribute('data-value')");
    assert_eq!(root, cli["total"]);
    browser.navigate_by("location.hash = 'graph'");
    assert!(
        browser
            .js("return document.querySelectorAll('#graph g.node').length")
            .as_i64()
            > Some(5)
    );
    // Peek of Top's nodes, as `peek` gives it; Source lists them, or says
    // why it cannot (the sources' paths are this machine's).
    browser.navigate_by("location.hash = 'peek'");
    let names: Vec<String> = cli["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| regex::escape(n["name"].as_str().unwrap()))
        .collect();
    let focus = format!("^(?:{})$", names.join("|"));
    let peek = cli_json(&[
        "peek",
        "--format=json",
        "-alloc_space",
        "-granularity=functions",
        &focus,
        &before,
        &after,
    ]);
    let expected: Value = peek["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| json!([n["name"], n["cum"]]))
        .collect();
    assert_eq!(
        browser.js(
            "return [...document.querySelectorAll('table.peek')].map(t => \
             [t.getAttribute('data-name'), +t.querySelector('tr.self td').getAttribute('data-value')])"
        ),
        expected
    );
    browser.navigate_by("location.hash = 'source'");
    assert!(
        browser
            .js(
                "return document.querySelectorAll('section.function td.code').length \
                 + document.querySelectorAll('#main p.message').length"
            )
            .as_i64()
            > Some(0)
    );
    // Diff, as `diff` gives it.
    browser.navigate_by("location.hash = 'diff'");
    let diff = cli_json(&["diff", "--format=json", "-alloc_space", &before, &after]);
    let flats = browser.js(
        "return [...document.querySelectorAll('#diff tbody tr')].map(r => +r.cells[0].getAttribute('data-value'));",
    );
    let expected: Value = diff["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["flat"].clone())
        .collect();
    assert_eq!(flats, expected);
    browser.navigate_by("location.hash = 'trend'");
    assert!(
        browser
            .js("return document.querySelectorAll('#trend td.spark svg').length")
            .as_i64()
            > Some(0)
    );
    assert_eq!(
        browser.js("return performance.getEntriesByType('resource').length"),
        0,
        "no request"
    );
    assert_eq!(
        browser.js(
            "return [...document.querySelectorAll('#views a')].map(a => a.getAttribute('href'))"
        ),
        json!([
            "#flamegraph",
            "#top",
            "#graph",
            "#peek",
            "#source",
            "#diff",
            "#trend"
        ])
    );
}

/// The README's screenshots: with HEAPSCOPE_SCREENSHOTS=DIR, the flame
/// graph, top, graph, Diff and Trend views of testdata profiles saved as
/// PNGs of a 1000×650 window into DIR (`HEAPSCOPE_SCREENSHOTS=docs/screenshots
/// cargo test --test tests web_browser::screenshots`); without it, nothing.
#[test]
fn screenshots_for_the_readme() {
    use base64::Engine as _;
    let Some(dir) = std::env::var_os("HEAPSCOPE_SCREENSHOTS") else {
        return;
    };
    let Some((_guard, browser)) = setup() else {
        return;
    };
    // Relative to the crate, where `cargo test` runs the tests.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    std::fs::create_dir_all(&dir).unwrap();
    browser
        .call(
            "POST",
            "/window/rect",
            // The window's frame included: a viewport of about 1000×650.
            Some(json!({"width": 1000, "height": 790})),
        )
        .expect("resized");
    let shoot = |name: &str| {
        let answer = browser
            .call("GET", "/screenshot", None)
            .expect("a screenshot");
        let png = base64::engine::general_purpose::STANDARD
            .decode(answer["value"].as_str().expect("base64"))
            .expect("a PNG");
        assert!(png.starts_with(b"\x89PNG"));
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    };
    // Paths relative to the crate (where the tests run), as a reader types them.
    let served = Served::start(&["-alloc_space", "testdata/profiles/server.pb.gz"]);
    let base = format!("http://127.0.0.1:{}", served.port);
    browser.open(&format!("{base}/ui/flamegraph"));
    // Hover a frame below the root for its tooltip.
    browser.js(
        "const f = document.querySelectorAll('#flame .frame')[3]; const r = f.getBoundingClientRect(); \
         f.dispatchEvent(new MouseEvent('mousemove', {clientX: r.left + 20, clientY: r.top + 8}));",
    );
    shoot("flame");
    browser.open(&format!("{base}/ui/top"));
    shoot("top");
    browser.open(&format!("{base}/ui/graph?n=25"));
    shoot("graph");
    let leaks: Vec<String> = (1..=6)
        .map(|i| format!("testdata/profiles/leak.{i}.pb.gz"))
        .collect();
    let names: Vec<&str> = leaks.iter().map(String::as_str).collect();
    let served = Served::start(&names);
    let base = format!("http://127.0.0.1:{}", served.port);
    browser.open(&format!("{base}/ui/diff"));
    shoot("diff");
    browser.open(&format!("{base}/ui/trend"));
    shoot("trend");
}
