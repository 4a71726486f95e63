//! The stage every graph report starts with: the sample type chosen, the
//! filters applied, the node table built and pprof's total taken
//! ([`Prepared`]); and the graph trimmed for display as `top` and `diff`
//! show it.

use std::borrow::Cow;
use std::io::{self, Write};

use anyhow::anyhow;

use crate::input::NamedProfile;
use crate::profile::combine;
use crate::profile::filter::{self, Filters, View};
use crate::profile::frames::{self, FrameOptions};
use crate::profile::graph::{
    self, Granularity, InlineMark, NodeOptions, NodeTable, Overflow, TrimOptions, Trimmed,
};
use crate::profile::sample_type::{self, SampleTypeError};
use crate::profile::Profile;
use crate::support::escape;
use crate::support::usage::UsageError;

/// Why a report of the functions matching a regexp (`list`, `peek`) has
/// nothing to show.
#[derive(Debug)]
pub enum MatchError {
    Overflow(Overflow),
    NoMatch(String),
}

impl std::fmt::Display for MatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MatchError::Overflow(e) => write!(f, "{e}"),
            MatchError::NoMatch(re) => write!(f, "no function matches the regexp {re:?}"),
        }
    }
}

impl std::error::Error for MatchError {}

/// What every graph report selects before it runs: the sample type, the
/// filters and what a node is.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `-sample_index` (a name or number); `None` for the default.
    pub sample_index: Option<String>,
    pub filters: Filters,
    /// `-tagroot`, `-tagleaf`, `-show_from`, `-prune_from`, `-noinlines`.
    pub frames: FrameOptions,
    /// pprof's ratio, 1/`-divide_by`: shown values are multiplied by it.
    pub ratio: Option<f64>,
    /// pprof's `-mean`: each value divided by the sum of the first sample
    /// type's values over the same samples.
    pub mean: bool,
    pub nodes: NodeOptions,
    /// pprof's `-relative_percentages`: the total counts only the samples
    /// the filters keep, instead of all samples.
    pub relative_percentages: bool,
}

/// A profile ready for a graph report: the value to read, the filtered
/// view, the node table and the report total.
pub struct Prepared<'a> {
    /// The profile as loaded, or a copy the frame flags changed.
    pub loaded: Cow<'a, NamedProfile>,
    pub value_index: usize,
    pub view: View,
    pub table: NodeTable,
    /// Sum of |value| over all samples before filtering, as pprof's total.
    pub total: i64,
    pub filters: Vec<String>,
    pub granularity: Granularity,
    /// 1/`-divide_by`, if any.
    pub ratio: Option<f64>,
    /// `-mean`: `total` is already the mean; nodes' values are divided by
    /// [`Prepared::mean_divisors`].
    pub mean: bool,
}

impl<'a> Prepared<'a> {
    /// Selects the sample type, applies the filters and builds the node
    /// table. Notes for the user (a filter that matched nothing, an all-zero
    /// sample type) go to `notes`.
    pub fn new(
        loaded: &'a NamedProfile,
        selection: &Selection,
        notes: &mut dyn Write,
    ) -> Result<Self, PrepareError> {
        let mut loaded = Cow::Borrowed(loaded);
        let frame_opts = &selection.frames;
        let mut unmatched: Vec<&'static str> = Vec::new();
        if frame_opts.adds_labels() {
            // Before the filters, as pprof: they may match the new frames.
            let (root, leaf) = frames::add_label_frames(&mut loaded.to_mut().profile, frame_opts);
            if !frame_opts.tag_root.is_empty() && !root {
                unmatched.push("tagroot");
            }
            if !frame_opts.tag_leaf.is_empty() && !leaf {
                unmatched.push("tagleaf");
            }
        }
        let p = &loaded.profile;
        let value_index = sample_type::resolve(p, selection.sample_index.as_deref())
            .map_err(PrepareError::SampleType)?;
        for (flag, tag) in [
            ("tagfocus", &selection.filters.tag_focus),
            ("tagignore", &selection.filters.tag_ignore),
        ] {
            if let Some(tag) = tag.as_ref().filter(|t| t.is_range()) {
                writeln!(
                    notes,
                    "heapscope: -{flag}: interpreted '{}' as a range, not a regexp",
                    escape::text(tag.value())
                )
                .map_err(PrepareError::Io)?;
            }
        }
        let mut view = filter::apply(p, &selection.filters);
        if frame_opts.cuts() {
            // After the filters, as pprof.
            if !frames::cut(&mut loaded.to_mut().profile, &mut view, frame_opts)
                && frame_opts.show_from.is_some()
            {
                let at = ["focus", "ignore", "hide", "show"]
                    .iter()
                    .filter(|name| view.unmatched.contains(name))
                    .count();
                view.unmatched.insert(at, "show_from");
            }
        }
        view.unmatched.splice(0..0, unmatched);
        let p = &loaded.profile;
        let mean_index = selection.mean.then_some(0);
        let total = report_total(
            p,
            &view,
            value_index,
            mean_index,
            selection.relative_percentages,
        )
        .ok_or(PrepareError::Overflow(Overflow))?;
        if let Some(better) =
            sample_type::better_choice(p, value_index, |i| view.sample_visible(p, i))
        {
            let name = escape::text(p.str(p.sample_types[value_index].kind));
            let other = escape::text(p.str(p.sample_types[better].kind));
            // pprof has a flag of its own for Go's four heap types only.
            let flag = match &*other {
                "alloc_objects" | "alloc_space" | "inuse_objects" | "inuse_space" => {
                    format!("-{other}")
                }
                _ => format!("-sample_index={other}"),
            };
            let scope = if selection.filters.is_empty() {
                "every sample"
            } else {
                "every sample the filters keep"
            };
            writeln!(
                notes,
                "heapscope: {}: {name} is zero in {scope} (`go test -memprofile` profiles hold \
                 allocations, little in use); try {flag}",
                loaded.name
            )
            .map_err(PrepareError::Io)?;
        }
        for name in &view.unmatched {
            let title = match *name {
                "focus" => "Focus",
                "ignore" => "Ignore",
                "hide" => "Hide",
                "show" => "Show",
                "tagfocus" => "TagFocus",
                "tagignore" => "TagIgnore",
                "tagshow" => "TagShow",
                "tagroot" => "TagRoot",
                "tagleaf" => "TagLeaf",
                "show_from" => "ShowFrom",
                _ => "TagHide",
            };
            writeln!(notes, "heapscope: {title} expression matched no samples")
                .map_err(PrepareError::Io)?;
        }
        let table = NodeTable::new(p, &view, &selection.nodes);
        let mut filters = selection.filters.describe();
        if let Some(re) = &frame_opts.show_from {
            // pprof lists it after the name filters, before the tag ones.
            let f = &selection.filters;
            let at = [&f.focus, &f.ignore, &f.hide, &f.show]
                .iter()
                .filter(|r| r.is_some())
                .count();
            filters.insert(at, format!("show_from={}", re.as_str()));
        }
        Ok(Prepared {
            loaded,
            value_index,
            view,
            table,
            total,
            filters,
            granularity: selection.nodes.granularity,
            ratio: selection.ratio,
            mean: selection.mean,
        })
    }

    /// A value as shown: multiplied by 1/`-divide_by` and truncated, as
    /// pprof's report formats it.
    pub fn shown(&self, v: i64) -> i64 {
        match self.ratio {
            Some(r) => (v as f64 * r) as i64,
            None => v,
        }
    }

    pub fn profile(&self) -> &Profile {
        &self.loaded.profile
    }

    /// The selected sample type's name ("inuse_space"), safe to show
    /// ([`escape::text`]).
    pub fn sample_type(&self) -> String {
        escape::text(&self.sample_type_raw()).into_owned()
    }

    /// The selected sample type's name as the profile holds it, for JSON.
    pub fn sample_type_raw(&self) -> String {
        let p = self.profile();
        let name = p.str(p.sample_types[self.value_index].kind);
        if self.mean {
            format!("mean_{name}")
        } else {
            name.to_string()
        }
    }

    /// With `-mean`, each node's divisors: the graph of the first sample
    /// type over the same samples (pprof's `FlatDiv` and `CumDiv`).
    pub fn mean_divisors(&self) -> Result<Option<graph::Graph>, Overflow> {
        if !self.mean {
            return Ok(None);
        }
        let p = self.profile();
        graph::accumulate(p, &self.table, &self.view, 0, None, graph::EdgeSet::None).map(Some)
    }

    /// Sample `i`'s value of the selected type, over its value of the first
    /// type with `-mean` (pprof's `-traces`).
    pub fn sample_value(&self, i: usize) -> i64 {
        let p = self.profile();
        let v = p.samples.value(i, self.value_index);
        if self.mean {
            mean(v, p.samples.value(i, 0))
        } else {
            v
        }
    }

    /// The selected sample type's unit, lower-cased as pprof does ("bytes"),
    /// safe to show ([`escape::text`]): values are printed with it.
    pub fn sample_unit(&self) -> String {
        escape::text(&self.sample_unit_raw()).into_owned()
    }

    /// The selected sample type's unit, lower-cased, as the profile holds
    /// it, for JSON.
    pub fn sample_unit_raw(&self) -> String {
        let p = self.profile();
        p.str(p.sample_types[self.value_index].unit).to_lowercase()
    }
}

/// A node's flat and cum as a report shows them: with `-mean` (`div` from
/// [`Prepared::mean_divisors`]) each over its divisor, as pprof's
/// `FlatValue` and `CumValue`; else as summed.
pub fn node_values(
    div: Option<&graph::Graph>,
    n: graph::NodeIndex,
    flat: i64,
    cum: i64,
) -> (i64, i64) {
    match div {
        Some(d) => (mean(flat, d.flat[n.index()]), mean(cum, d.cum[n.index()])),
        None => (flat, cum),
    }
}

/// `value` over `div`, as pprof's mean values: integer division, and the
/// value itself when the divisor is 0.
pub fn mean(value: i64, div: i64) -> i64 {
    if div != 0 {
        value.wrapping_div(div)
    } else {
        value
    }
}

/// pprof's report total (`computeTotal`): the sum of |value| over all
/// samples (those the filters keep, with `-relative_percentages`), or over
/// the samples of a `-diff_base` (labelled `pprof::base`) when that is not
/// zero. With `-mean` (`mean_index`, the divisor's sample type), that sum
/// over the same samples' divisors, summed with their signs (a base's are
/// negative).
fn report_total(
    p: &Profile,
    view: &View,
    value_index: usize,
    mean_index: Option<usize>,
    relative: bool,
) -> Option<i64> {
    let counts = |i: usize| !relative || view.sample_visible(p, i);
    let (mut total, mut div, mut base, mut base_div) = (0i64, 0i64, 0i64, 0i64);
    let marked = combine::base_label_sets(p);
    for i in (0..p.samples.len()).filter(|&i| counts(i)) {
        let v = p.samples.value(i, value_index).checked_abs()?;
        let d = mean_index.map_or(0, |m| p.samples.value(i, m));
        total = total.checked_add(v)?;
        div = div.checked_add(d)?;
        if marked
            .as_ref()
            .is_some_and(|m| m[p.samples.label_set[i].index()])
        {
            base = base.checked_add(v)?;
            base_div = base_div.checked_add(d)?;
        }
    }
    if base > 0 {
        (total, div) = (base, base_div);
    }
    Some(mean(total, div))
}

/// [`Prepared::new`] with its errors as a report gives them: named by the
/// profile, and a sample type the profile does not have a usage error.
pub fn for_report<'a>(
    loaded: &'a NamedProfile,
    selection: &Selection,
    notes: &mut dyn Write,
) -> anyhow::Result<Prepared<'a>> {
    Prepared::new(loaded, selection, notes).map_err(|e| match e {
        PrepareError::SampleType(e @ SampleTypeError::NoSampleTypes) => {
            anyhow!("{}: {e}", loaded.name)
        }
        PrepareError::SampleType(e) => {
            anyhow::Error::new(UsageError(format!("{}: {e}", loaded.name)))
        }
        PrepareError::Io(e) => anyhow::Error::new(e),
        PrepareError::Overflow(e) => anyhow!("{}: {e}", loaded.name),
    })
}

/// Why a profile could not be prepared for a report.
#[derive(Debug)]
pub enum PrepareError {
    SampleType(SampleTypeError),
    Overflow(Overflow),
    Io(io::Error),
}

impl std::fmt::Display for PrepareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrepareError::SampleType(e) => write!(f, "{e}"),
            PrepareError::Overflow(e) => write!(f, "{e}"),
            PrepareError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for PrepareError {}

/// The graph trimmed for display, as `top` and `diff` show it, with each
/// node's inline mark from the edges that survive trimming.
pub fn trimmed_with_marks(
    prep: &Prepared<'_>,
    trim: &TrimOptions,
) -> Result<(Trimmed, Vec<InlineMark>), Overflow> {
    marked(prep, trim, None)
}

/// [`trimmed_with_marks`], the flat and cum already summed (`values`, as
/// [`graph::accumulate`] of the view gives them).
pub fn trimmed_with_marks_from(
    prep: &Prepared<'_>,
    trim: &TrimOptions,
    values: graph::Graph,
) -> Result<(Trimmed, Vec<InlineMark>), Overflow> {
    marked(prep, trim, Some(values))
}

fn marked(
    prep: &Prepared<'_>,
    trim: &TrimOptions,
    values: Option<graph::Graph>,
) -> Result<(Trimmed, Vec<InlineMark>), Overflow> {
    // Marks come from the edges into nodes that are inlined somewhere.
    let targets = graph::inline_targets(&prep.table);
    let edge_set = if targets.contains(&true) {
        graph::EdgeSet::Touching(&targets)
    } else {
        graph::EdgeSet::None
    };
    let (p, table, view, vi) = (prep.profile(), &prep.table, &prep.view, prep.value_index);
    let t = match values {
        Some(values) => graph::trimmed_from(p, table, view, vi, trim, edge_set, values)?,
        None => graph::trimmed(p, table, view, vi, trim, edge_set)?,
    };
    let marks = match &t.graph.edges {
        Some(edges) => graph::inline_marks(prep.table.len(), edges),
        None => vec![InlineMark::None; prep.table.len()],
    };
    Ok((t, marks))
}
