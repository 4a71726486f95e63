//! Sample and frame filters with pprof's semantics: `-focus`/`-ignore` keep or
//! drop whole samples by the frames on their stack; `-hide`/`-show` drop or
//! keep single frames (inlined lines included); `-tagfocus`/`-tagignore`
//! keep or drop whole samples by their labels, and `-tagshow`/`-taghide`
//! choose which label keys reports show (pprof's `driver_focus.go` and
//! `profile/filter.go`). Each regex is evaluated once per function and
//! mapping, never per frame; each tag filter once per label set.

use regex::Regex;

use super::{FunctionIndex, Label, LabelSetIndex, MappingIndex, NumLabelUnits, Profile, StrId};
use crate::units;

/// The name and label filters, each optional.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub focus: Option<Regex>,
    pub ignore: Option<Regex>,
    pub hide: Option<Regex>,
    pub show: Option<Regex>,
    /// `-tagfocus`: keep only the samples whose labels match.
    pub tag_focus: Option<TagFilter>,
    /// `-tagignore`: drop the samples whose labels match.
    pub tag_ignore: Option<TagFilter>,
    /// `-tagshow`: show only the label keys matching it.
    pub tag_show: Option<Regex>,
    /// `-taghide`: hide the label keys matching it.
    pub tag_hide: Option<Regex>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.focus.is_none()
            && self.ignore.is_none()
            && self.hide.is_none()
            && self.show.is_none()
            && self.tag_focus.is_none()
            && self.tag_ignore.is_none()
            && self.tag_show.is_none()
            && self.tag_hide.is_none()
    }

    /// The active filters as pprof lists them in report headers
    /// ("focus=RE", …).
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, re) in [
            ("focus", &self.focus),
            ("ignore", &self.ignore),
            ("hide", &self.hide),
            ("show", &self.show),
        ] {
            if let Some(re) = re {
                out.push(format!("{name}={}", re.as_str()));
            }
        }
        for (name, tag) in [
            ("tagfocus", &self.tag_focus),
            ("tagignore", &self.tag_ignore),
        ] {
            if let Some(tag) = tag {
                out.push(format!("{name}={}", tag.spec));
            }
        }
        for (name, re) in [("tagshow", &self.tag_show), ("taghide", &self.tag_hide)] {
            if let Some(re) = re {
                out.push(format!("{name}={}", re.as_str()));
            }
        }
        out
    }
}

/// A `-tagfocus` or `-tagignore` value, as pprof's `compileTagFilter` reads
/// it: an optional `KEY=` and then either a numeric range (`64kB:1MB`,
/// `1MB:`, `:512B`, `4kB`) tested against numeric labels, or
/// comma-separated regexes tested against string labels.
#[derive(Debug, Clone)]
pub struct TagFilter {
    /// The value as given, for the header lines.
    spec: String,
    /// The label key named before `=`; `None` tests every key.
    key: Option<String>,
    test: TagTest,
}

#[derive(Debug, Clone)]
enum TagTest {
    /// Values, scaled to `unit`, within `low..=high` (an end `None` is open).
    Range {
        low: Option<f64>,
        high: Option<f64>,
        unit: String,
    },
    /// With a key: any regex matches any of its values. Without: every
    /// regex matches some label's `key:value`.
    Regexes(Vec<Regex>),
}

/// Why a tag filter's value is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagFilterError {
    /// A number of the range does not fit in 64 bits (pprof panics).
    Number(String),
    /// A regex does not compile.
    Regex(String),
}

impl std::fmt::Display for TagFilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TagFilterError::Number(n) => write!(f, "the number {n} does not fit in 64 bits"),
            TagFilterError::Regex(e) => write!(f, "invalid regex: {e}"),
        }
    }
}

impl std::error::Error for TagFilterError {}

/// pprof's `tagFilterRangeRx`: a signed number and an optional unit.
fn range_part() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| Regex::new("([+-]?[[:digit:]]+)([[:alpha:]]+)?").expect("valid regex"))
}

impl TagFilter {
    /// Reads a filter value (not empty: an empty flag is no filter).
    pub fn parse(spec: &str) -> Result<TagFilter, TagFilterError> {
        let (key, value) = match spec.split_once('=') {
            Some((key, value)) => ((!key.is_empty()).then(|| key.to_string()), value),
            None => (None, spec),
        };
        let test = match parse_range(value)? {
            Some(range) => range,
            None => TagTest::Regexes(
                value
                    .split(',')
                    .map(|r| Regex::new(r).map_err(|e| TagFilterError::Regex(e.to_string())))
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(TagFilter {
            spec: spec.to_string(),
            key,
            test,
        })
    }

    /// Whether the value was read as a numeric range, not as regexes
    /// (pprof says so: "Interpreted '…' as range, not regexp").
    pub fn is_range(&self) -> bool {
        matches!(self.test, TagTest::Range { .. })
    }

    /// The part after `KEY=`, as pprof quotes it in its note.
    pub fn value(&self) -> &str {
        match self.spec.split_once('=') {
            Some((_, value)) => value,
            None => &self.spec,
        }
    }

    /// Whether a sample with these labels matches.
    pub fn matches(&self, p: &Profile, labels: &[Label], units: &NumLabelUnits) -> bool {
        let wanted = |l: &&Label| self.key.as_deref().is_none_or(|k| p.str(l.key) == k);
        match &self.test {
            TagTest::Range { low, high, unit } => labels
                .iter()
                .filter(|l| l.is_numeric())
                .filter(wanted)
                .any(|l| {
                    let (v, u) = units::scale(l.num, units.get(p.str(l.key)), unit);
                    u == *unit && low.is_none_or(|lo| v >= lo) && high.is_none_or(|hi| v <= hi)
                }),
            TagTest::Regexes(res) => match &self.key {
                Some(_) => labels
                    .iter()
                    .filter(|l| l.is_string())
                    .filter(wanted)
                    .any(|l| res.iter().any(|re| re.is_match(p.str(l.str)))),
                None => res.iter().all(|re| {
                    labels
                        .iter()
                        .filter(|l| l.is_string())
                        .any(|l| re.is_match(&format!("{}:{}", p.str(l.key), p.str(l.str))))
                }),
            },
        }
    }
}

/// pprof's `parseTagFilterRange`: `N`, `N:`, `:N` or `N:M`, each number
/// with an optional unit (M's in N's family); `None` for anything else,
/// which is then read as regexes.
fn parse_range(value: &str) -> Result<Option<TagTest>, TagFilterError> {
    let parts: Vec<regex::Captures<'_>> = range_part().captures_iter(value).take(2).collect();
    let Some(first) = parts.first() else {
        return Ok(None);
    };
    let number = |c: &regex::Captures<'_>| -> Result<(i64, String), TagFilterError> {
        let digits = &c[1];
        let n = digits
            .parse::<i64>()
            .map_err(|_| TagFilterError::Number(digits.to_string()))?;
        Ok((n, c.get(2).map_or("", |m| m.as_str()).to_string()))
    };
    let (n, unit) = number(first)?;
    let (low, unit) = units::scale(n, &unit, &unit);
    let whole = &first[0];
    if parts.len() == 1 {
        let (lo, hi) = if value == whole {
            (Some(low), Some(low))
        } else if value == format!("{whole}:") {
            (Some(low), None)
        } else if value == format!(":{whole}") {
            (None, Some(low))
        } else {
            return Ok(None);
        };
        return Ok(Some(TagTest::Range {
            low: lo,
            high: hi,
            unit,
        }));
    }
    let second = &parts[1];
    if value != format!("{whole}:{}", &second[0]) {
        return Ok(None);
    }
    let (n2, unit2) = number(second)?;
    let (high, unit2) = units::scale(n2, &unit2, &unit);
    if unit2 != unit {
        return Ok(None);
    }
    Ok(Some(TagTest::Range {
        low: Some(low),
        high: Some(high),
        unit,
    }))
}

/// What the filters leave of a profile: which samples count, and which
/// lines of each location remain.
#[derive(Debug, Clone)]
pub struct View {
    /// Per sample: kept by focus/ignore. `None` keeps all.
    pub samples: Option<Vec<bool>>,
    /// Per line of [`Profile::lines`]: still visible after hide/show.
    /// `None` keeps all.
    pub lines: Option<Vec<bool>>,
    /// Per location: removed from every stack (all its lines hidden).
    pub hidden_locations: Option<Vec<bool>>,
    /// Label keys that `-tagshow`/`-taghide` hide, sorted.
    pub hidden_label_keys: Vec<StrId>,
    /// Filters that matched nothing, for a note ("focus", "tagfocus", …).
    pub unmatched: Vec<&'static str>,
}

impl View {
    /// The view with nothing filtered.
    pub fn all() -> Self {
        View {
            samples: None,
            lines: None,
            hidden_locations: None,
            hidden_label_keys: Vec::new(),
            unmatched: Vec::new(),
        }
    }

    /// The same view limited to the samples in `range` (one input of a
    /// combined profile).
    pub fn restricted(&self, p: &Profile, range: std::ops::Range<usize>) -> View {
        let mut samples = vec![false; p.samples.len()];
        for i in range {
            samples[i] = self.sample_kept(i);
        }
        View {
            samples: Some(samples),
            lines: self.lines.clone(),
            hidden_locations: self.hidden_locations.clone(),
            hidden_label_keys: self.hidden_label_keys.clone(),
            unmatched: Vec::new(),
        }
    }

    /// Whether `-tagshow`/`-taghide` leave this label shown.
    pub fn label_shown(&self, l: &Label) -> bool {
        self.hidden_label_keys.binary_search(&l.key).is_err()
    }

    /// The labels of sample `i` that reports show: string and numeric ones
    /// whose key `-tagshow`/`-taghide` leave.
    pub fn labels<'p>(&'p self, p: &'p Profile, i: usize) -> impl Iterator<Item = &'p Label> {
        p.samples
            .labels(i)
            .iter()
            .filter(|l| (l.is_string() || l.is_numeric()) && self.label_shown(l))
    }

    pub fn sample_kept(&self, i: usize) -> bool {
        self.samples.as_ref().is_none_or(|s| s[i])
    }

    /// Whether sample `i` survives the filters: kept by focus/ignore, and
    /// with at least one location not hidden by hide/show.
    pub fn sample_visible(&self, p: &Profile, i: usize) -> bool {
        self.sample_kept(i)
            && self
                .hidden_locations
                .as_ref()
                .is_none_or(|hidden| p.samples.stack(i).iter().any(|l| !hidden[l.index()]))
    }

    /// Sum of |value| over the samples that survive the filters; `None` on
    /// overflow.
    pub fn total(&self, p: &Profile, index: usize) -> Option<i64> {
        let mut total: i64 = 0;
        for i in 0..p.samples.len() {
            if self.sample_visible(p, i) {
                total = total.checked_add(p.samples.value(i, index).checked_abs()?)?;
            }
        }
        Some(total)
    }
}

/// Per-function and per-mapping match results of one regex.
struct Matches {
    functions: Vec<bool>,
    mappings: Vec<bool>,
}

impl Matches {
    fn new(p: &Profile, re: &Regex) -> Self {
        Matches {
            functions: p
                .functions
                .iter()
                .map(|f| re.is_match(p.str(f.name)) || re.is_match(p.str(f.filename)))
                .collect(),
            mappings: p
                .mappings
                .iter()
                .map(|m| re.is_match(p.str(m.file)))
                .collect(),
        }
    }

    fn line(&self, function: FunctionIndex) -> bool {
        function
            .to_option()
            .is_some_and(|f| self.functions[f.index()])
    }

    fn mapping(&self, mapping: MappingIndex) -> bool {
        mapping
            .to_option()
            .is_some_and(|m| self.mappings[m.index()])
    }

    /// pprof's `Location.matchesName`: any line's function name or file, or
    /// the mapping's file.
    fn location(&self, p: &Profile, loc: usize) -> bool {
        let l = &p.locations[loc];
        p.location_lines(l).iter().any(|ln| self.line(ln.function)) || self.mapping(l.mapping)
    }
}

/// Applies the filters to a profile.
pub fn apply(p: &Profile, filters: &Filters) -> View {
    let mut view = View::all();
    if filters.is_empty() {
        return view;
    }

    if filters.focus.is_some() || filters.ignore.is_some() {
        let focus = filters.focus.as_ref().map(|re| Matches::new(p, re));
        let ignore = filters.ignore.as_ref().map(|re| Matches::new(p, re));
        // Per location: Some(true) focused, Some(false) ignored, None neither.
        let mut verdict = vec![None; p.locations.len()];
        let (mut focus_matched, mut ignore_matched) = (false, false);
        for (i, v) in verdict.iter_mut().enumerate() {
            if ignore.as_ref().is_some_and(|m| m.location(p, i)) {
                ignore_matched = true;
                *v = Some(false);
            } else if focus.as_ref().is_none_or(|m| m.location(p, i)) {
                focus_matched = true;
                *v = Some(true);
            }
        }
        let samples = (0..p.samples.len())
            .map(|i| {
                let mut focused = false;
                for loc in p.samples.stack(i) {
                    match verdict[loc.index()] {
                        Some(false) => return false,
                        Some(true) => focused = true,
                        None => {}
                    }
                }
                focused
            })
            .collect();
        view.samples = Some(samples);
        if filters.focus.is_some() && !focus_matched {
            view.unmatched.push("focus");
        }
        if filters.ignore.is_some() && !ignore_matched {
            view.unmatched.push("ignore");
        }
    }

    if filters.hide.is_some() || filters.show.is_some() {
        let hide = filters.hide.as_ref().map(|re| Matches::new(p, re));
        let show = filters.show.as_ref().map(|re| Matches::new(p, re));
        let mut lines = vec![true; p.lines.len()];
        let mut hidden = vec![false; p.locations.len()];
        let (mut hide_matched, mut show_matched) = (false, false);
        for (i, loc) in p.locations.iter().enumerate() {
            let range = loc.lines.start as usize..loc.lines.end as usize;
            let mut remaining = range.len();
            if let Some(h) = &hide {
                if h.location(p, i) {
                    hide_matched = true;
                    if h.mapping(loc.mapping) {
                        remaining = 0;
                        lines[range.clone()].iter_mut().for_each(|v| *v = false);
                    } else {
                        for li in range.clone() {
                            if h.line(p.lines[li].function) {
                                lines[li] = false;
                                remaining -= 1;
                            }
                        }
                    }
                    hidden[i] = remaining == 0;
                }
            }
            if let Some(s) = &show {
                if !s.mapping(loc.mapping) {
                    for li in range.clone() {
                        let f = p.lines[li].function;
                        if lines[li] && f != FunctionIndex::NONE && !s.line(f) {
                            lines[li] = false;
                            remaining -= 1;
                        }
                    }
                }
                if remaining == 0 {
                    hidden[i] = true;
                } else {
                    show_matched = true;
                }
            }
        }
        if filters.hide.is_some() && !hide_matched {
            view.unmatched.push("hide");
        }
        if filters.show.is_some() && !show_matched {
            view.unmatched.push("show");
        }
        view.lines = Some(lines);
        view.hidden_locations = Some(hidden);
    }

    if filters.tag_focus.is_some() || filters.tag_ignore.is_some() {
        filter_by_labels(p, filters, &mut view);
    }
    if filters.tag_show.is_some() || filters.tag_hide.is_some() {
        hide_label_keys(p, filters, &mut view);
    }
    view
}

/// `-tagfocus`/`-tagignore`, after the name filters (as pprof's
/// `FilterSamplesByTag`): each label set is tested once.
fn filter_by_labels(p: &Profile, filters: &Filters, view: &mut View) {
    const UNTESTED: u8 = 0;
    const FOCUSED: u8 = 1;
    const IGNORED: u8 = 2;
    const TESTED: u8 = 4;
    let units = p.num_label_units();
    let sets = &p.samples.label_sets;
    let mut verdicts = vec![UNTESTED; sets.len()];
    let mut kept: Vec<bool> = (0..p.samples.len())
        .map(|i| view.sample_visible(p, i))
        .collect();
    let (mut focus_matched, mut ignore_matched) = (false, false);
    for (i, keep) in kept.iter_mut().enumerate() {
        if !*keep {
            continue;
        }
        let set = p.samples.label_set[i].index();
        if verdicts[set] == UNTESTED {
            let labels = sets.get(LabelSetIndex::from_index(set));
            let test = |f: &Option<TagFilter>, otherwise| {
                f.as_ref()
                    .map_or(otherwise, |f| f.matches(p, labels, &units))
            };
            verdicts[set] = TESTED
                | if test(&filters.tag_focus, true) {
                    FOCUSED
                } else {
                    0
                }
                | if test(&filters.tag_ignore, false) {
                    IGNORED
                } else {
                    0
                };
        }
        let (focused, ignored) = (verdicts[set] & FOCUSED != 0, verdicts[set] & IGNORED != 0);
        focus_matched |= focused;
        ignore_matched |= ignored;
        *keep = focused && !ignored;
    }
    view.samples = Some(kept);
    if filters.tag_focus.is_some() && !focus_matched {
        view.unmatched.push("tagfocus");
    }
    if filters.tag_ignore.is_some() && !ignore_matched {
        view.unmatched.push("tagignore");
    }
}

/// `-tagshow`/`-taghide`, after every sample filter (as pprof's
/// `FilterTagsByName`): the keys they hide, decided once per key; they
/// match if some sample left has a label they match.
fn hide_label_keys(p: &Profile, filters: &Filters, view: &mut View) {
    let sets = &p.samples.label_sets;
    let mut used = vec![false; sets.len()];
    for i in 0..p.samples.len() {
        if view.sample_visible(p, i) {
            used[p.samples.label_set[i].index()] = true;
        }
    }
    // Per key id: (shown by -tagshow, hidden by -taghide).
    let mut verdicts: rustc_hash::FxHashMap<StrId, (bool, bool)> = Default::default();
    let (mut show_matched, mut hide_matched) = (false, false);
    for (set, &used) in used.iter().enumerate() {
        for l in sets.get(LabelSetIndex::from_index(set)) {
            if !(l.is_string() || l.is_numeric()) {
                continue;
            }
            let &mut (shown, hidden) = verdicts.entry(l.key).or_insert_with(|| {
                let name = p.str(l.key);
                (
                    filters.tag_show.as_ref().is_none_or(|re| re.is_match(name)),
                    filters
                        .tag_hide
                        .as_ref()
                        .is_some_and(|re| re.is_match(name)),
                )
            });
            if used {
                show_matched |= shown;
                hide_matched |= hidden;
            }
        }
    }
    let mut hidden: Vec<StrId> = verdicts
        .into_iter()
        .filter(|(_, (shown, hidden))| !shown || *hidden)
        .map(|(key, _)| key)
        .collect();
    hidden.sort_unstable();
    view.hidden_label_keys = hidden;
    if filters.tag_show.is_some() && !show_matched {
        view.unmatched.push("tagshow");
    }
    if filters.tag_hide.is_some() && !hide_matched {
        view.unmatched.push("taghide");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(spec: &str) -> Option<(Option<f64>, Option<f64>, String)> {
        match TagFilter::parse(spec).unwrap().test {
            TagTest::Range { low, high, unit } => Some((low, high, unit)),
            TagTest::Regexes(_) => None,
        }
    }

    #[test]
    fn ranges_in_pprof_forms() {
        let kb = || "kB".to_string();
        assert_eq!(
            range("bytes=64kB:1MB"),
            Some((Some(64.0), Some(1024.0), kb()))
        );
        assert_eq!(range("bytes=1MB:"), Some((Some(1.0), None, "MB".into())));
        assert_eq!(range(":512B"), Some((None, Some(512.0), "B".into())));
        assert_eq!(range("4kb"), Some((Some(4.0), Some(4.0), kb())));
        assert_eq!(range("=+2kB:"), Some((Some(2.0), None, kb())));
        // No unit: matched against labels without a known unit only.
        assert_eq!(
            range("4096"),
            Some((Some(4096.0), Some(4096.0), String::new()))
        );
    }

    #[test]
    fn what_is_not_a_range_is_regexps() {
        for spec in [
            "bytes=1.5kB",
            "64kB:1s",
            "bytes=4kB-8kB",
            "a,b",
            "1kB::2kB",
            "x=y",
        ] {
            assert_eq!(range(spec), None, "{spec}");
        }
        let TagTest::Regexes(res) = TagFilter::parse("k=a,^b").unwrap().test else {
            panic!("regexps");
        };
        assert_eq!(res.len(), 2);
    }

    #[test]
    fn numbers_past_64_bits_and_bad_regexps_are_errors() {
        assert!(matches!(
            TagFilter::parse("99999999999999999999"),
            Err(TagFilterError::Number(_))
        ));
        assert!(matches!(
            TagFilter::parse("1kB:99999999999999999999kB"),
            Err(TagFilterError::Number(_))
        ));
        assert!(matches!(
            TagFilter::parse("k=("),
            Err(TagFilterError::Regex(_))
        ));
    }
}
