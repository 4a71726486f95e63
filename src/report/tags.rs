//! `tags`: the histogram of each label key's values, weighted by the
//! selected sample value (pprof's `-tags`, `printTags` in its
//! `internal/report`). Go heap profiles label every sample with its block
//! size (`bytes`), so for them this is the size distribution.

use std::io::{self, Write};

use rustc_hash::FxHashMap;
use serde_json::{json, Value};

use super::{Format, Prepared};
use crate::profile::graph::Overflow;
use crate::profile::LabelSetIndex;
use crate::support::escape;
use crate::units;

/// Options of the `tags` report.
#[derive(Debug, Clone)]
pub struct TagsOptions {
    /// pprof's `-unit`: "minimum" (default) gives each value, and each
    /// numeric label, its own unit.
    pub unit: String,
    pub format: Format,
}

impl Default for TagsOptions {
    fn default() -> Self {
        TagsOptions {
            unit: "minimum".to_string(),
            format: Format::Text,
        }
    }
}

/// The computed report: one histogram per label key, keys by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tags {
    /// pprof's report total: the denominator of the percentages.
    pub total: i64,
    pub keys: Vec<KeyHistogram>,
}

/// The values of one label key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHistogram {
    pub key: String,
    /// The sum of the sample values of every label with this key (a sample
    /// with two values of the key counts twice, as in pprof).
    pub total: i64,
    /// Largest |weight| first, then by name.
    pub values: Vec<LabelValue>,
}

/// One value of a key: a string label's value, or a numeric label's value
/// in its unit ("1.50kB": values that print alike are one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelValue {
    pub name: String,
    /// The sum of the sample values of the samples with this label.
    pub weight: i64,
}

/// Computes the histograms over the samples the filters keep, with the
/// labels `-tagshow`/`-taghide` leave. The labels of each label set are read
/// once, however many samples share it.
pub fn compute(prep: &Prepared<'_>, opts: &TagsOptions) -> Result<Tags, Overflow> {
    let p = prep.profile();
    let samples = &p.samples;
    // Per label set: the sum of its visible samples' values, if any.
    let mut sums: Vec<Option<i64>> = vec![None; samples.label_sets.len()];
    for i in 0..samples.len() {
        if prep.view.sample_visible(p, i) {
            let sum = &mut sums[samples.label_set[i].index()];
            let value = samples.value(i, prep.value_index);
            *sum = Some(sum.unwrap_or(0).checked_add(value).ok_or(Overflow)?);
        }
    }
    let units = p.num_label_units();
    let mut keys: FxHashMap<&str, (i64, FxHashMap<String, i64>)> = FxHashMap::default();
    for (set, sum) in sums.iter().enumerate() {
        let Some(sum) = *sum else { continue };
        for l in samples.label_sets.get(LabelSetIndex::from_index(set)) {
            if !((l.is_string() || l.is_numeric()) && prep.view.label_shown(l)) {
                continue;
            }
            let key = p.str(l.key);
            let name = if l.is_string() {
                p.str(l.str).to_string()
            } else {
                units::scaled_label(l.num, units.get(key), &opts.unit)
            };
            let (total, values) = keys.entry(key).or_default();
            *total = total.checked_add(sum).ok_or(Overflow)?;
            let weight = values.entry(name).or_default();
            *weight = weight.checked_add(sum).ok_or(Overflow)?;
        }
    }
    let mut keys: Vec<KeyHistogram> = keys
        .into_iter()
        .map(|(key, (total, values))| {
            let mut values: Vec<LabelValue> = values
                .into_iter()
                .map(|(name, weight)| LabelValue { name, weight })
                .collect();
            values.sort_by(|a, b| {
                b.weight
                    .unsigned_abs()
                    .cmp(&a.weight.unsigned_abs())
                    .then_with(|| a.name.cmp(&b.name))
            });
            KeyHistogram {
                key: key.to_string(),
                total,
                values,
            }
        })
        .collect();
    keys.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(Tags {
        total: prep.total,
        keys,
    })
}

/// Writes the report in the chosen format.
pub fn write(w: &mut dyn Write, prep: &Prepared<'_>, opts: &TagsOptions) -> anyhow::Result<()> {
    let tags = compute(prep, opts)?;
    match opts.format {
        Format::Text => write_text(w, prep, &tags, opts)?,
        Format::Json => write_json(w, prep, &tags)?,
    }
    Ok(())
}

/// pprof's layout: its tabwriter right-aligns two columns (the key, then
/// each value's weight and share) per key, one space of padding, and a
/// blank line after each key.
fn write_text(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    tags: &Tags,
    opts: &TagsOptions,
) -> io::Result<()> {
    let unit = prep.sample_unit();
    let fmt = |v: i64| units::scaled_label(prep.shown(v), &unit, &opts.unit);
    let total = tags.total;
    for k in &tags.keys {
        let key = format!("{}:", escape::text(&k.key));
        let head = if total > 0 {
            format!(
                "Total {} of {} ({})",
                fmt(k.total),
                fmt(total),
                units::percentage(k.total, total)
            )
        } else {
            format!("Total {} of {}", fmt(k.total), fmt(total))
        };
        let rows: Vec<(String, String)> = k
            .values
            .iter()
            .map(|v| {
                let weight = if total > 0 {
                    format!(
                        "{} ({}):",
                        fmt(v.weight),
                        units::percentage(v.weight, total)
                    )
                } else {
                    format!("{}:", fmt(v.weight))
                };
                (weight, escape::text(&v.name).into_owned())
            })
            .collect();
        let width = |s: &str| s.chars().count();
        let first = width(&key).max(1) + 1;
        let second = rows.iter().map(|(c, _)| width(c)).max().unwrap_or(0) + 1;
        writeln!(w, "{key:>first$} {head}")?;
        for (weight, name) in &rows {
            writeln!(w, "{:first$}{weight:>second$} {name}", "")?;
        }
        writeln!(w)?;
    }
    Ok(())
}

fn write_json(w: &mut dyn Write, prep: &Prepared<'_>, tags: &Tags) -> io::Result<()> {
    let keys: Vec<Value> = tags
        .keys
        .iter()
        .map(|k| {
            let values: Vec<Value> = k
                .values
                .iter()
                .map(|v| json!({ "label": v.name, "value": v.weight }))
                .collect();
            json!({ "key": k.key, "total": k.total, "values": values })
        })
        .collect();
    let doc = json!({
        "sample_type": prep.sample_type_raw(),
        "unit": prep.sample_unit_raw(),
        "total": tags.total,
        "keys": keys,
    });
    super::json::write_pretty(&mut *w, &doc)?;
    writeln!(w)
}
