//! Sample and frame filters with pprof's semantics: `-focus`/`-ignore` keep or
//! drop whole samples by the frames on their stack; `-hide`/`-show` drop or
//! keep single frames (inlined lines included). Each regex is evaluated once
//! per function and mapping, never per frame.

use regex::Regex;

use super::{FunctionIndex, MappingIndex, Profile};

/// The four name filters, each optional.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub focus: Option<Regex>,
    pub ignore: Option<Regex>,
    pub hide: Option<Regex>,
    pub show: Option<Regex>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.focus.is_none() && self.ignore.is_none() && self.hide.is_none() && self.show.is_none()
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
        out
    }
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
    /// Filters that matched nothing, for a warning ("focus", …).
    pub unmatched: Vec<&'static str>,
}

impl View {
    /// The view with nothing filtered.
    pub fn all() -> Self {
        View {
            samples: None,
            lines: None,
            hidden_locations: None,
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
            unmatched: Vec::new(),
        }
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
                .is_none_or(|hidden| p.samples.stack(i).iter().any(|&l| !hidden[l.index()]))
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
                for &loc in p.samples.stack(i) {
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
    view
}
