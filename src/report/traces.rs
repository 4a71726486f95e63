//! `traces`: every sample's stack, leaf first, with its value and labels,
//! as pprof's `-traces` prints it (`printTraces` in Go 1.25's
//! `internal/report/report.go`): the profile's header lines, then one block
//! per sample between `-----------+---` separators, its string labels, then
//! its numeric labels in their units (`bytes:  32B`), then its frames, the
//! value beside the leaf and `(inline)` after each inlined call.
//!
//! Samples are shown in the profile's order, each one apart (pprof merges
//! nothing for one profile); a sample that the filters drop, or whose every
//! frame `-hide`/`-show` removed, is left out. Frames are named as nodes
//! are at the chosen granularity. A location's lines that `-hide`/`-show`
//! leave are marked inline all but the outermost, as pprof marks them.

use std::io::{self, Write};

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{json, Value};

use super::header::profile_header;
use super::{Format, Prepared};
use crate::profile::filter::View;
use crate::profile::graph::NodeIndex;
use crate::profile::{Label, NumLabelUnits, Profile};
use crate::support::escape;
use crate::units;

/// Options of the `traces` report.
#[derive(Debug, Clone)]
pub struct TracesOptions {
    /// pprof's `-unit`: "minimum" (default) shows each value in its best unit.
    pub unit: String,
    pub format: Format,
}

impl Default for TracesOptions {
    fn default() -> Self {
        TracesOptions {
            unit: "minimum".to_string(),
            format: Format::Text,
        }
    }
}

/// One frame of a trace: a node, and whether it is an inlined call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub node: NodeIndex,
    pub inline: bool,
}

/// The computed report: the samples shown, in the profile's order, and the
/// unit each numeric label key is shown in.
#[derive(Debug, Clone)]
pub struct Traces {
    pub samples: Vec<usize>,
    /// pprof's `NumLabelUnits`: per key, the first unit any sample gives it,
    /// else the key itself (`bytes`), "bytes" for `alignment` and `request`.
    pub label_units: NumLabelUnits,
}

impl Traces {
    /// The frames of sample `i`, leaf first: each location's visible lines,
    /// innermost first, all but the last marked inline.
    pub fn frames<'p>(&self, prep: &'p Prepared<'_>, i: usize) -> impl Iterator<Item = Frame> + 'p {
        frames(prep, i)
    }

    /// The unit numeric labels of `key` are shown in.
    pub fn label_unit<'a>(&'a self, key: &'a str) -> &'a str {
        match self.label_units.get(key) {
            "" => key,
            unit => unit,
        }
    }
}

fn frames<'p>(prep: &'p Prepared<'_>, i: usize) -> impl Iterator<Item = Frame> + 'p {
    prep.profile().samples.stack(i).iter().flat_map(move |loc| {
        // Slots are outermost first; the outermost is the only one not inlined.
        let slots = prep.table.slots(loc);
        slots.iter().enumerate().rev().map(|(k, &node)| Frame {
            node,
            inline: k != 0,
        })
    })
}

/// Computes the report.
pub fn compute(prep: &Prepared<'_>) -> Traces {
    let p = prep.profile();
    let samples = (0..p.samples.len())
        .filter(|&i| prep.view.sample_kept(i) && frames(prep, i).next().is_some())
        .collect();
    Traces {
        samples,
        label_units: p.num_label_units(),
    }
}

/// Writes the report in the chosen format.
pub fn write(w: &mut dyn Write, prep: &Prepared<'_>, opts: &TracesOptions) -> anyhow::Result<()> {
    let traces = compute(prep);
    match opts.format {
        Format::Text => write_text(w, prep, &traces, opts)?,
        Format::Json => write_json(w, prep, &traces)?,
    }
    Ok(())
}

const SEPARATOR: &str = "-----------+-------------------------------------------------------";

/// A sample's labels grouped by key, values in the sample's order: the
/// string ones and the numeric ones with their units.
struct Grouped<'a> {
    strings: Vec<(&'a str, Vec<&'a str>)>,
    numbers: Vec<(&'a str, Vec<i64>)>,
}

fn grouped<'a>(p: &'a Profile, view: &View, labels: &[Label]) -> Grouped<'a> {
    fn push<'a, T>(groups: &mut Vec<(&'a str, Vec<T>)>, key: &'a str, value: T) {
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value),
            None => groups.push((key, vec![value])),
        }
    }
    let mut g = Grouped {
        strings: Vec::new(),
        numbers: Vec::new(),
    };
    for l in labels.iter().filter(|l| view.label_shown(l)) {
        let key = p.str(l.key);
        if l.is_string() {
            push(&mut g.strings, key, p.str(l.str));
        } else if l.is_numeric() {
            push(&mut g.numbers, key, l.num);
        }
    }
    g
}

/// The label lines of a sample as pprof prints them: string labels, then
/// numeric ones, each kind sorted as text.
fn label_lines(p: &Profile, view: &View, traces: &Traces, labels: &[Label]) -> String {
    let g = grouped(p, view, labels);
    let line = |key: &str, values: String| format!("{:>10}:  {values}\n", escape::text(key));
    let mut strings: Vec<String> = g
        .strings
        .iter()
        .map(|(key, values)| {
            let values: Vec<_> = values.iter().map(|v| escape::text(v)).collect();
            line(key, values.join(" "))
        })
        .collect();
    strings.sort();
    let mut numbers: Vec<String> = g
        .numbers
        .iter()
        .map(|(key, values)| {
            let unit = traces.label_unit(key);
            let values: Vec<_> = values
                .iter()
                .map(|&v| escape::text(&units::scaled_label(v, unit, "auto")).into_owned())
                .collect();
            line(key, values.join(" "))
        })
        .collect();
    numbers.sort();
    strings.concat() + &numbers.concat()
}

fn write_text(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    traces: &Traces,
    opts: &TracesOptions,
) -> io::Result<()> {
    let p = prep.profile();
    let unit = prep.sample_unit_raw();
    let fmt =
        |v: i64| escape::text(&units::scaled_label(prep.shown(v), &unit, &opts.unit)).into_owned();
    let header = profile_header(p, &prep.sample_type_raw(), &unit, prep.total, &fmt);
    writeln!(w, "{}", header.join("\n"))?;
    // Label sets are shared by many samples: each is written out once.
    let mut label_text: Vec<Option<String>> = vec![None; p.samples.label_sets.len()];
    for &i in &traces.samples {
        writeln!(w, "{SEPARATOR}")?;
        let set = p.samples.label_set[i].index();
        let labels = label_text[set]
            .get_or_insert_with(|| label_lines(p, &prep.view, traces, p.samples.labels(i)));
        w.write_all(labels.as_bytes())?;
        let value = fmt(prep.sample_value(i));
        for (k, f) in traces.frames(prep, i).enumerate() {
            let value = if k == 0 { value.as_str() } else { "" };
            let name = escape::text(&prep.table.names[f.node.index()]);
            let inline = if f.inline { " (inline)" } else { "" };
            writeln!(w, "{value:>10}   {name}{inline}")?;
        }
    }
    writeln!(w, "{SEPARATOR}")
}

/// The JSON document, written as it is serialized: one trace at a time.
struct Doc<'a, 'p> {
    prep: &'a Prepared<'p>,
    traces: &'a Traces,
}

struct TraceList<'a, 'p>(&'a Doc<'a, 'p>);

impl Serialize for Doc<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("sample_type", &self.prep.sample_type_raw())?;
        m.serialize_entry("unit", &self.prep.sample_unit_raw())?;
        m.serialize_entry("total", &self.prep.total)?;
        m.serialize_entry("traces", &TraceList(self))?;
        m.end()
    }
}

impl Serialize for TraceList<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Doc { prep, traces } = self.0;
        let mut seq = s.serialize_seq(Some(traces.samples.len()))?;
        for &i in &traces.samples {
            seq.serialize_element(&trace_json(prep, traces, i))?;
        }
        seq.end()
    }
}

fn trace_json(prep: &Prepared<'_>, traces: &Traces, i: usize) -> Value {
    let p = prep.profile();
    let g = grouped(p, &prep.view, p.samples.labels(i));
    let mut t = serde_json::Map::new();
    t.insert("value".into(), json!(prep.sample_value(i)));
    if !g.strings.is_empty() {
        let labels: serde_json::Map<String, Value> = g
            .strings
            .iter()
            .map(|(k, vs)| (k.to_string(), json!(vs)))
            .collect();
        t.insert("labels".into(), Value::Object(labels));
    }
    if !g.numbers.is_empty() {
        let labels: serde_json::Map<String, Value> = g
            .numbers
            .iter()
            .map(|(k, vs)| {
                (
                    k.to_string(),
                    json!({"unit": traces.label_unit(k), "values": vs}),
                )
            })
            .collect();
        t.insert("num_labels".into(), Value::Object(labels));
    }
    let frames: Vec<Value> = traces
        .frames(prep, i)
        .map(|f| {
            let mut v = json!({"name": prep.table.names[f.node.index()]});
            if f.inline {
                v["inline"] = json!(true);
            }
            v
        })
        .collect();
    t.insert("frames".into(), Value::Array(frames));
    Value::Object(t)
}

fn write_json(w: &mut dyn Write, prep: &Prepared<'_>, traces: &Traces) -> io::Result<()> {
    super::json::write_pretty(&mut *w, &Doc { prep, traces })?;
    writeln!(w)
}
