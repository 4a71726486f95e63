//! `web --html FILE`: the UI as one self-contained HTML file, for
//! attaching to a ticket. The page, its style and its script are the
//! server's, inlined; each view's data (what `/ui/data/<view>` answers with
//! the command line's defaults: flame graph, top, graph, and Diff and Trend
//! with several profiles) is embedded as a JSON data block, so the file
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
