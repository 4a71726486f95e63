//! The views of several profiles: Diff (the first profile against the
//! last: `diff`'s JSON, and the differential flame graph of `flame --base`
//! grown into the browser's tree) and Trend (`trend`'s JSON over every
//! profile). Each runs the batch command through `cli` and `app`, so its
//! numbers are the command's own; the profiles are read again for each
//! answer (the served one is their merge, or their difference).

use serde_json::{json, Value};

use super::flame::Tree;
use super::query::{Query, View};
use super::{clap_message, Ui};
use crate::app;
use crate::cli;
use crate::input::Source;

/// What the views say with a single profile.
const NEEDS_TWO: &str = "Diff and Trend compare profiles: serve two or more \
(heapscope web BEFORE AFTER, or -base=BEFORE AFTER).";

/// The Diff or Trend view's data (`view` is one of them), added to `data`.
pub(super) fn data(ui: &Ui, view: View, q: &Query, mut data: Value) -> Result<Value, String> {
    let (Some(first), Some(last)) = (ui.series.first(), ui.series.last()) else {
        data["message"] = json!(NEEDS_TWO);
        return Ok(data);
    };
    if ui.series.len() < 2 {
        data["message"] = json!(NEEDS_TWO);
        return Ok(data);
    }
    let pair = [first.clone(), last.clone()];
    let sources: &[Source] = if view == View::Diff {
        &pair
    } else {
        &ui.series
    };
    data["command"] = json!(q.command(view, &ui.extra, sources));
    data["series"] = ui.series.iter().map(|s| json!(s.to_string())).collect();
    let mut notes = Vec::new();
    let report: Value = serde_json::from_slice(&run(q, view, &ui.extra, sources, &mut notes)?)
        .map_err(|e| format!("the report's JSON: {e}"))?;
    data["sample_type"] = report["sample_type"].clone();
    data["unit"] = report["unit"].clone();
    if view == View::Diff {
        data["total"] = report["base_total"].clone();
        let folded = run(q, View::DiffFlame, &ui.extra, &pair, &mut notes)?;
        let folded = String::from_utf8_lossy(&folded);
        let lines: Vec<&str> = folded.lines().collect();
        let tree = Tree::from_differential_lines(&lines);
        let mut flame = tree.to_json();
        flame["locations"] = tree.locations(&ui.loaded);
        data["flame"] = flame;
    } else {
        let snapshots = report["snapshots"].as_array();
        data["total"] = snapshots
            .and_then(|s| s.last())
            .map_or(Value::Null, |s| s["total"].clone());
    }
    data["report"] = report;
    data["notes"] = String::from_utf8_lossy(&notes)
        .lines()
        .map(|l| Value::String(l.to_string()))
        .collect();
    Ok(data)
}

/// Runs `view`'s command on `sources`, giving what it printed.
fn run(
    q: &Query,
    view: View,
    extra: &[String],
    sources: &[Source],
    notes: &mut Vec<u8>,
) -> Result<Vec<u8>, String> {
    let request = match cli::parse(q.args(view, extra, sources)) {
        Ok(cli::Action::Run(r)) => r,
        Ok(cli::Action::Print(_)) => return Err("not a report".into()),
        Err(e) => return Err(clap_message(&e)),
    };
    let mut out = Vec::new();
    app::run(&request, &mut out, notes).map_err(|e| format!("{e:#}"))?;
    Ok(out)
}
