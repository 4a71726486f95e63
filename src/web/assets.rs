//! The web UI's files, embedded in the binary: one HTML page for every
//! view, its script and its style (vanilla, no library, no build step).

/// The page of every view; the script picks the view from the path.
pub const INDEX_HTML: &str = include_str!("assets/index.html");
/// The script: fetches a view's data and draws it with DOM text nodes only.
pub const APP_JS: &str = include_str!("assets/app.js");
pub const APP_CSS: &str = include_str!("assets/app.css");
