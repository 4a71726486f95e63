//! `info`: what a profile file is — producer, time, period, every sample
//! type with its total side by side, table sizes, symbolization.

use std::io::{self, Write};

use comfy_table::{presets, CellAlignment, ContentArrangement, Table};
use serde_json::json;

use super::Format;
use crate::input::NamedProfile;
use crate::profile::{sample_type, Profile};
use crate::support::escape;
use crate::support::paths::go_base;
use crate::support::time::format_time;
use crate::units;

/// A sample type with its total over all samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeTotal {
    pub name: String,
    pub unit: String,
    /// Sum of |value|; `None` when it overflows 64 bits.
    pub total: Option<i64>,
}

/// Totals of every sample type, in profile order.
pub fn type_totals(p: &Profile) -> Vec<TypeTotal> {
    p.sample_types
        .iter()
        .enumerate()
        .map(|(i, t)| TypeTotal {
            name: p.str(t.kind).to_string(),
            unit: p.str(t.unit).to_string(),
            total: p.total(i),
        })
        .collect()
}

/// Writes the report.
pub fn write(w: &mut dyn Write, loaded: &NamedProfile, format: Format) -> io::Result<()> {
    match format {
        Format::Text => write_text(w, loaded),
        Format::Json => write_json(w, loaded),
    }
}

fn default_type(p: &Profile) -> String {
    sample_type::resolve(p, None)
        .map(|i| p.str(p.sample_types[i].kind).to_string())
        .unwrap_or_default()
}

fn write_text(w: &mut dyn Write, loaded: &NamedProfile) -> io::Result<()> {
    let p = &loaded.profile;
    writeln!(w, "Profile: {}", escape::text(&loaded.name))?;
    match p.main_binary() {
        Some(file) => writeln!(
            w,
            "Producer: {} ({})",
            escape::text(go_base(file)),
            escape::text(file)
        )?,
        None => writeln!(w, "Producer: unknown (the main mapping names no file)")?,
    }
    if let Some(m) = p.mappings.first() {
        let build_id = p.str(m.build_id);
        if !build_id.is_empty() {
            writeln!(w, "Build ID: {}", escape::text(build_id))?;
        }
    }
    if p.time_nanos != 0 {
        writeln!(w, "Time: {}", format_time(p.time_nanos))?;
    }
    if p.duration_nanos != 0 {
        writeln!(
            w,
            "Duration: {}",
            units::scaled_label(p.duration_nanos, "nanoseconds", "auto")
        )?;
    }
    if let Some(pt) = p.period_type {
        let unit = p.str(pt.unit);
        writeln!(
            w,
            "Period: {} {} of {} ({})",
            p.period,
            escape::text(unit),
            escape::text(p.str(pt.kind)),
            escape::text(&units::scaled_label(p.period, &unit.to_lowercase(), "auto"))
        )?;
    } else if p.period != 0 {
        writeln!(w, "Period: {}", p.period)?;
    }
    for &c in &p.comments {
        writeln!(w, "Comment: {}", escape::text(p.str(c)))?;
    }

    let default = default_type(p);
    writeln!(w)?;
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["sample type", "unit", "total", "", ""]);
    for t in type_totals(p) {
        let (exact, human) = match t.total {
            Some(v) => (
                v.to_string(),
                units::scaled_label(v, &t.unit.to_lowercase(), "auto"),
            ),
            None => ("overflow".to_string(), String::new()),
        };
        let mark = if t.name == default { "(default)" } else { "" };
        table.add_row(vec![
            escape::text(&t.name).into_owned(),
            escape::text(&t.unit).into_owned(),
            exact,
            human,
            mark.to_string(),
        ]);
    }
    for i in [2, 3] {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    for line in table.lines() {
        writeln!(w, "{}", line.trim_end())?;
    }
    writeln!(w)?;
    writeln!(w, "Samples:   {}", p.samples.len())?;
    writeln!(w, "Locations: {}", p.locations.len())?;
    writeln!(w, "Functions: {}", p.functions.len())?;
    writeln!(w, "Mappings:  {}", p.mappings.len())?;
    writeln!(w, "Strings:   {}", p.strings.len())?;
    writeln!(
        w,
        "Symbolized: {}",
        if p.is_symbolized() {
            "yes (every location has function names)"
        } else {
            "no (some locations have no function names; heapscope shows their binary or <unknown>)"
        }
    )?;
    if p.allocator_stacks_cut != 0 {
        writeln!(
            w,
            "Allocator frames: dropped from {} of {} stacks (--keep_allocator_frames keeps them)",
            p.allocator_stacks_cut,
            p.samples.len()
        )?;
    }
    Ok(())
}

fn write_json(w: &mut dyn Write, loaded: &NamedProfile) -> io::Result<()> {
    let p = &loaded.profile;
    let types: Vec<_> = type_totals(p)
        .into_iter()
        .map(|t| json!({"name": t.name, "unit": t.unit, "total": t.total}))
        .collect();
    let doc = json!({
        "file": loaded.name.clone(),
        "producer": p.main_binary(),
        "build_id": p.mappings.first().map(|m| p.str(m.build_id)),
        "time_nanos": p.time_nanos,
        "duration_nanos": p.duration_nanos,
        "period": p.period,
        "period_type": p.period_type.map(|t| json!({"type": p.str(t.kind), "unit": p.str(t.unit)})),
        "default_sample_type": default_type(p),
        "sample_types": types,
        "samples": p.samples.len(),
        "locations": p.locations.len(),
        "functions": p.functions.len(),
        "mappings": p.mappings.len(),
        "strings": p.strings.len(),
        "symbolized": p.is_symbolized(),
        "allocator_stacks_cut": p.allocator_stacks_cut,
        "comments": p.comments.iter().map(|&c| p.str(c)).collect::<Vec<_>>(),
    });
    super::json::write_pretty(&mut *w, &doc)?;
    writeln!(w)
}
