//! `raw`: the profile dumped as pprof's `-raw` prints it, Go 1.25's
//! `profile.Profile.String` (`profile/profile.go`): comments, Doc,
//! PeriodType, Period, Time, Duration, every sample with its values,
//! location ids and labels, every location with its address, mapping and
//! lines, every mapping; for debugging what a producer wrote.
//!
//! It shows the profile as read: ids as the file gives them, samples whose
//! values are all zero included, numeric labels without a unit as bare
//! numbers; with a base, the difference as pprof's merge leaves it
//! (`profile::combine::renumber_as_merged`). As pprof does, it applies the profile's own `drop_frames` and
//! the filters: `-focus`/`-ignore` drop samples, `-hide`/`-show` drop
//! lines from locations and locations left without any from the stacks.
//! What heapscope reads differently from pprof shows here too: a legacy
//! Go text profile's `#` lines name the frames (pprof leaves them
//! unsymbolized and adds a mapping of its own). A profile without any
//! mapping (Node's, Python's) is shown in the empty mapping pprof gives it.

use std::io::{self, Write};

use anyhow::Context;

use super::{Prepared, Selection};
use crate::input::combine;
use crate::input::InputSpec;
use crate::profile::filter::View;
use crate::profile::{FunctionIndex, Label, Location, LocationIndex, MappingIndex, Profile, StrId};
use crate::support::escape;
use crate::support::time::format_go_time;

/// Runs `raw`: loads the profile (with a base, the difference merged and
/// renumbered as pprof's merge leaves it), prepares it and writes the dump.
pub fn run(
    w: &mut dyn Write,
    notes: &mut dyn Write,
    input: &InputSpec,
    selection: &Selection,
) -> anyhow::Result<()> {
    let mut loaded = combine::load_merged(input, notes)?;
    if input.base.is_some() {
        crate::profile::combine::renumber_as_merged(&mut loaded.profile);
    }
    let prep = super::prepare::for_report(&loaded, selection, notes)?;
    write(w, &prep).with_context(|| loaded.name.clone())
}

/// Writes the dump.
pub fn write(w: &mut dyn Write, prep: &Prepared<'_>) -> io::Result<()> {
    let p = prep.profile();
    let text = |id| escape::text(p.str(id));
    for &c in &p.comments {
        writeln!(w, "Comment: {}", text(c))?;
    }
    if p.doc_url != StrId::EMPTY && !p.str(p.doc_url).is_empty() {
        writeln!(w, "Doc: {}", text(p.doc_url))?;
    }
    if let Some(t) = p.period_type {
        writeln!(w, "PeriodType: {} {}", text(t.kind), text(t.unit))?;
    }
    writeln!(w, "Period: {}", p.period)?;
    if p.time_nanos != 0 {
        writeln!(w, "Time: {}", format_go_time(p.time_nanos))?;
    }
    if p.duration_nanos != 0 {
        // Go's `%.4v` of a time.Duration: its text, cut to four characters.
        let d: String = go_duration(p.duration_nanos).chars().take(4).collect();
        writeln!(w, "Duration: {d}")?;
    }
    writeln!(w, "Samples:")?;
    let default = p.str(p.default_sample_type);
    let types: Vec<String> = p
        .sample_types
        .iter()
        .map(|t| {
            let kind = p.str(t.kind);
            let dflt = if kind == default { "[dflt]" } else { "" };
            format!("{}/{}{dflt}", escape::text(kind), text(t.unit))
        })
        .collect();
    writeln!(w, "{}", types.join(" ").trim())?;
    let hidden = |loc: LocationIndex| {
        prep.view
            .hidden_locations
            .as_ref()
            .is_some_and(|h| h[loc.index()])
    };
    let mut line = String::new();
    for i in 0..p.samples.len() {
        if !prep.view.sample_visible(p, i) {
            continue;
        }
        line.clear();
        for v in p.samples.values(i) {
            line.push_str(&format!(" {v:>10}"));
        }
        line.push_str(": ");
        for loc in p.samples.stack(i) {
            if !hidden(loc) {
                line.push_str(&format!("{} ", p.locations[loc.index()].id));
            }
        }
        writeln!(w, "{line}")?;
        write_labels(w, p, &prep.view, p.samples.labels(i))?;
    }
    writeln!(w, "Locations")?;
    for (i, loc) in p.locations.iter().enumerate() {
        write_location(w, prep, i, loc)?;
    }
    writeln!(w, "Mappings")?;
    if p.mappings.is_empty() {
        // pprof gives a profile without mappings one of its own, empty,
        // before any report (`locateBinaries`).
        writeln!(w, "1: 0x0/0x0/0x0   ")?;
    }
    for m in &p.mappings {
        let mut bits = String::new();
        for (set, name) in [
            (m.has_functions, "[FN]"),
            (m.has_filenames, "[FL]"),
            (m.has_line_numbers, "[LN]"),
            (m.has_inline_frames, "[IN]"),
        ] {
            if set {
                bits.push_str(name);
            }
        }
        writeln!(
            w,
            "{}: {:#x}/{:#x}/{:#x} {} {} {bits}",
            m.id,
            m.memory_start,
            m.memory_limit,
            m.file_offset,
            text(m.file),
            text(m.build_id)
        )?;
    }
    Ok(())
}

/// A numeric label key's values with their units, and whether any has one.
type NumberGroup<'a> = (&'a str, Vec<(i64, &'a str)>, bool);

/// The label lines of a sample: string labels, then numeric ones, each as
/// `key:[v1 v2]`, sorted, after 16 spaces.
fn write_labels(w: &mut dyn Write, p: &Profile, view: &View, labels: &[Label]) -> io::Result<()> {
    // Per key, in order of first appearance: values, and whether any of
    // them has a unit (then every value is shown with its own, "" if none).
    let mut strings: Vec<(&str, Vec<String>)> = Vec::new();
    let mut numbers: Vec<NumberGroup> = Vec::new();
    for l in labels.iter().filter(|l| view.label_shown(l)) {
        let key = p.str(l.key);
        if l.is_string() {
            {
                let value = escape::text(p.str(l.str)).into_owned();
                match strings.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, vs)) => vs.push(value),
                    None => strings.push((key, vec![value])),
                }
            }
        } else if l.is_numeric() {
            {
                let unit = p.str(l.num_unit);
                let value = (l.num, unit);
                match numbers.iter_mut().find(|(k, _, _)| *k == key) {
                    Some((_, vs, any)) => {
                        vs.push(value);
                        *any |= l.num_unit != StrId::EMPTY;
                    }
                    None => numbers.push((key, vec![value], l.num_unit != StrId::EMPTY)),
                }
            }
        }
    }
    const INDENT: &str = "                ";
    if !strings.is_empty() {
        let mut items: Vec<String> = strings
            .iter()
            .map(|(k, vs)| format!("{}:[{}]", escape::text(k), vs.join(" ")))
            .collect();
        items.sort();
        writeln!(w, "{INDENT}{}", items.join(" "))?;
    }
    if !numbers.is_empty() {
        let mut items: Vec<String> = numbers
            .iter()
            .map(|(k, vs, with_units)| {
                let values: Vec<String> = vs
                    .iter()
                    .map(|&(v, unit)| match with_units {
                        true => format!("{v} {}", escape::text(unit)),
                        false => v.to_string(),
                    })
                    .collect();
                format!("{}:[{}]", escape::text(k), values.join(" "))
            })
            .collect();
        items.sort();
        writeln!(w, "{INDENT}{}", items.join(" "))?;
    }
    Ok(())
}

/// A location: `id: address M=mapping [F]`, then its lines (those the
/// filters leave), the first on that line and the others indented.
fn write_location(
    w: &mut dyn Write,
    prep: &Prepared<'_>,
    i: usize,
    loc: &Location,
) -> io::Result<()> {
    let p = prep.profile();
    let mut head = format!("{:>6}: {:#x} ", loc.id, loc.address);
    if loc.mapping != MappingIndex::NONE {
        head.push_str(&format!("M={} ", p.mappings[loc.mapping.index()].id));
    } else if p.mappings.is_empty() {
        // Every location is in pprof's own mapping (see `write`).
        head.push_str("M=1 ");
    }
    if loc.is_folded {
        head.push_str("[F] ");
    }
    let hidden = prep.view.hidden_locations.as_ref().is_some_and(|h| h[i]);
    let mut first = true;
    let lines = loc.lines.start as usize..loc.lines.end as usize;
    for li in lines {
        let line = &p.lines[li];
        let synthetic =
            line.function != FunctionIndex::NONE && p.functions[line.function.index()].synthetic;
        if hidden || synthetic || prep.view.lines.as_ref().is_some_and(|v| !v[li]) {
            continue;
        }
        let text = match line.function {
            FunctionIndex::NONE => "??".to_string(),
            f => {
                let f = &p.functions[f.index()];
                let (name, system) = (p.str(f.name), p.str(f.system_name));
                let mut s = format!(
                    "{} {}:{}:{} s={}",
                    escape::text(name),
                    escape::text(p.str(f.filename)),
                    line.line,
                    line.column,
                    f.start_line
                );
                if name != system {
                    s.push_str(&format!("({})", escape::text(system)));
                }
                s
            }
        };
        if first {
            writeln!(w, "{head}{text}")?;
            first = false;
        } else {
            writeln!(w, "             {text}")?;
        }
    }
    if first {
        writeln!(w, "{head}")?;
    }
    Ok(())
}

/// Go's `time.Duration.String`: "1h2m3.5s", "1.5ms", "250ns", "0s".
fn go_duration(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let u = nanos.unsigned_abs();
    // The fraction of `v / 10^prec`, trailing zeros and a bare dot dropped.
    let frac = |v: u64, prec: u32| -> (u64, String) {
        let scale = 10u64.pow(prec);
        let (whole, f) = (v / scale, v % scale);
        if f == 0 {
            return (whole, String::new());
        }
        let digits = format!("{f:0width$}", width = prec as usize);
        (whole, format!(".{}", digits.trim_end_matches('0')))
    };
    if u == 0 {
        return "0s".to_string();
    }
    if u < 1_000 {
        return format!("{sign}{u}ns");
    }
    if u < 1_000_000 {
        let (w, f) = frac(u, 3);
        return format!("{sign}{w}{f}µs");
    }
    if u < 1_000_000_000 {
        let (w, f) = frac(u, 6);
        return format!("{sign}{w}{f}ms");
    }
    let (secs, f) = frac(u, 9);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = sign.to_string();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&format!("{s}{f}s"));
    out
}

#[cfg(test)]
mod tests {
    use super::go_duration;

    #[test]
    fn durations_as_go_prints_them() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(250), "250ns");
        assert_eq!(go_duration(1_500), "1.5µs");
        assert_eq!(go_duration(1_500_000), "1.5ms");
        assert_eq!(go_duration(30_010_000_000), "30.01s");
        assert_eq!(go_duration(3_723_500_000_000), "1h2m3.5s");
        assert_eq!(go_duration(60_000_000_000), "1m0s");
        assert_eq!(go_duration(-2_000_000_000), "-2s");
        assert_eq!(go_duration(i64::MIN), "-2562047h47m16.854775808s");
    }
}
