//! `web --html FILE`: the UI as one self-contained HTML file, for
//! attaching to a ticket. The page, its style and its script are the
//! server's, inlined; each view's data (what `/ui/data/<view>` answers with
//! the command line's defaults: flame graph, top, graph, Peek and Source of
//! Top's nodes, and Diff and Trend with several profiles) is embedded as a
//! JSON data block, so the file
//! makes no request at all. A Content-Security-Policy meta tag allows the
//! one script and the one style by their SHA-256 hashes and nothing else.

use std::io::Write;

use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::assets;
use super::query::View;
use super::Ui;

/// The views the file holds with one profile, and with several.
const VIEWS: &[(&str, View)] = &[
    ("flamegraph", View::Flame),
    ("top", View::Top),
    ("graph", View::Graph),
];
const SEVERAL: &[(&str, View)] = &[("diff", View::Diff), ("trend", View::Trend)];

/// The `sha256-…` source expression of an inline script or style.
fn hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// JSON made safe inside a `<script type="application/json">` element:
/// no `<`, so no `</script>` or `<!--` can end or change it.
fn data_block(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The names of the nodes the file's Top shows (within its node limit,
/// `n`, 500 by default), each once, in Top's order.
fn top_names(views: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let nodes = views
        .get("top")
        .and_then(|top| top["report"]["nodes"].as_array());
    for node in nodes.into_iter().flatten() {
        if let Some(name) = node["name"].as_str() {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// Peek and Source of `names` (Top's nodes), at Top's granularity (the
/// command line's, functions by default), so each peeked node is a row of
/// Top. Source only if `list` could read a source file of them (its
/// `-source_path` and `-trim_path` rules); otherwise the tab says why.
fn peek_and_source(ui: &Ui, names: &[String]) -> (Value, Value) {
    let alternatives: Vec<String> = names.iter().map(|n| regex::escape(n)).collect();
    let focus = format!("^(?:{})$", alternatives.join("|"));
    let granularity = ui.defaults.get("g").unwrap_or("functions");
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("f", &focus)
        .append_pair("g", granularity)
        .append_pair("n", "0")
        .finish();
    let made = |view| {
        ui.view_data(view, &query)
            .unwrap_or_else(|message| json!({ "error": message }))
    };
    let peek = made(View::Peek);
    let mut source = made(View::Source);
    let functions = source["report"]["functions"].as_array();
    let read = functions.into_iter().flatten().any(|f| {
        f["lines"]
            .as_array()
            .is_some_and(|lines| lines.iter().any(|l| l.get("source").is_some()))
    });
    if source.get("error").is_none() && !read {
        if let Some(data) = source.as_object_mut() {
            data.remove("report");
        }
        source["message"] = json!(
            "No source file of Top's functions could be read when this file was written:              list reads each at the path the profile records, or under -source_path=DIR              (default: the current directory; -trim_path=PREFIX strips a prefix first).              Write the file again with -source_path set to a checkout of the program."
        );
    }
    (peek, source)
}

/// Writes the file's bytes: every view's data, then the page around it.
pub(super) fn write(w: &mut dyn Write, ui: &Ui) -> anyhow::Result<()> {
    let mut views = serde_json::Map::new();
    let several = if ui.series.len() > 1 { SEVERAL } else { &[] };
    for &(name, view) in VIEWS.iter().chain(several) {
        let data = ui
            .view_data(view, "")
            .unwrap_or_else(|message| json!({ "error": message }));
        views.insert(name.to_string(), data);
    }
    let names = top_names(&views);
    if !names.is_empty() {
        let (peek, source) = peek_and_source(ui, &names);
        views.insert("peek".into(), peek);
        views.insert("source".into(), source);
    }
    let style = assets::APP_CSS;
    let script = assets::APP_JS;
    let policy = format!(
        "default-src 'none'; script-src {}; style-src {}; img-src data:; \
         base-uri 'none'; form-action 'none'",
        hash(script),
        hash(style)
    );
    let head = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">\n<style>{style}</style>"
    );
    let body = format!(
        "<script type=\"application/json\" id=\"heapscope-data\">{}</script>\n<script>{script}</script>\n</body>",
        data_block(&json!({ "views": views }))
    );
    let mut page = String::with_capacity(assets::INDEX_HTML.len() + body.len() + head.len());
    for line in assets::INDEX_HTML.lines() {
        if line.starts_with("<link rel=\"stylesheet\"") {
            page.push_str(&head);
        } else if line.starts_with("<script src=") {
            continue;
        } else if line == "</body>" {
            page.push_str(&body);
        } else {
            page.push_str(line);
        }
        page.push('\n');
    }
    w.write_all(page.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_cannot_close_its_element() {
        let block = data_block(&json!({"name": "</script><script>alert(1)</script><!--"}));
        assert!(!block.contains('<') && !block.contains('>'));
        let back: Value = serde_json::from_str(&block).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script><!--");
    }

    #[test]
    fn hashes_are_csp_source_expressions() {
        // printf '' | sha256sum | xxd -r -p | base64
        assert_eq!(
            hash(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
    }
}
