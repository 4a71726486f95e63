//! The flags that change the stacks themselves, as pprof changes its
//! profile before a report: `-tagroot`/`-tagleaf` (labels as pseudo-frames
//! at the root or leaf of each stack, pprof's `addLabelNodes` in
//! `internal/driver/tagroot.go`), `-show_from` (frames above the highest
//! match dropped, `Profile.ShowFrom`), `-prune_from` (frames beneath the
//! lowest match dropped, `Profile.PruneFrom`) and `-noinlines` (each
//! location as its outermost function, `Profile.Aggregate`).
//!
//! They work on a copy of the profile (see `report::prepare`), each in one
//! pass over the locations and one over the samples; no sample is removed
//! (a sample they drop is dropped from the [`View`]), so a combination's
//! sample ranges stay as they are.

use regex::Regex;

use super::filter::View;
use super::{
    Function, FunctionIndex, LabelSetIndex, Line, Location, LocationIndex, MappingIndex, Profile,
};
use crate::units;

/// The frame flags, each optional.
#[derive(Debug, Clone, Default)]
pub struct FrameOptions {
    /// `-tagroot`: label keys whose values become the outermost frames,
    /// the first key outermost.
    pub tag_root: Vec<String>,
    /// `-tagleaf`: label keys whose values become the innermost frames,
    /// the last key innermost.
    pub tag_leaf: Vec<String>,
    /// `-show_from`: frames above the highest matching one are dropped.
    pub show_from: Option<Regex>,
    /// `-prune_from`: frames beneath the lowest matching one are dropped.
    pub prune_from: Option<Regex>,
    /// `-noinlines`: inlined calls are attributed to their caller.
    pub no_inlines: bool,
    /// The unit numeric labels are written in (the report's `-unit`), for
    /// labels that have one.
    pub label_unit: String,
}

impl FrameOptions {
    /// Whether no frame flag is set.
    pub fn is_empty(&self) -> bool {
        !self.adds_labels() && !self.cuts()
    }

    /// Whether `-tagroot` or `-tagleaf` is set: applied before the filters.
    pub fn adds_labels(&self) -> bool {
        !self.tag_root.is_empty() || !self.tag_leaf.is_empty()
    }

    /// Whether a flag applied after the filters is set.
    pub fn cuts(&self) -> bool {
        self.show_from.is_some() || self.prune_from.is_some() || self.no_inlines
    }
}

/// pprof's `formatLabelValues`: the values of `key` in a label set, the
/// strings first, then the numbers (with their unit, in `out_unit`, when
/// the set gives the key a unit; bare otherwise).
fn label_values(p: &Profile, set: LabelSetIndex, key: &str, out_unit: &str) -> Vec<String> {
    let labels = p.samples.label_sets.get(set);
    let of_key = || labels.iter().filter(move |l| p.str(l.key) == key);
    let mut values: Vec<String> = of_key()
        .filter(|l| l.is_string())
        .map(|l| p.str(l.str).to_string())
        .collect();
    let numbers = || of_key().filter(|l| l.is_numeric());
    let has_units = numbers().any(|l| !p.str(l.num_unit).is_empty());
    values.extend(numbers().map(|l| {
        if has_units {
            units::scaled_label(l.num, p.str(l.num_unit), out_unit)
        } else {
            units::scaled_label(l.num, "", "")
        }
    }));
    values
}

/// `-tagroot` and `-tagleaf`: each sample gets one frame per key, named by
/// its values joined with "," (empty when it has none) in a file named by
/// the key. Returns whether some sample has a value of a root key, and of
/// a leaf key (pprof warns when not).
pub fn add_label_frames(p: &mut Profile, opts: &FrameOptions) -> (bool, bool) {
    let (root, leaf) = (&opts.tag_root, &opts.tag_leaf);
    let mut next_function_id = p.functions.iter().map(|f| f.id).max().unwrap_or(0) + 1;
    let mut next_location_id = p.locations.iter().map(|l| l.id).max().unwrap_or(0) + 1;
    // The pseudo-locations, one per (values, key), made once per label set.
    let mut interned: rustc_hash::FxHashMap<(String, String), LocationIndex> = Default::default();
    let sets = p.samples.label_sets.len();
    // Per label set: the frames to add at the leaf end, then at the root end.
    let mut frames_of: Vec<Option<(Vec<LocationIndex>, Vec<LocationIndex>)>> = vec![None; sets];
    let (mut root_matched, mut leaf_matched) = (false, false);
    for i in 0..p.samples.len() {
        let set = p.samples.label_set[i];
        if frames_of[set.index()].is_some() {
            continue;
        }
        let mut make = |keys: &[String], matched: &mut bool| -> Vec<LocationIndex> {
            keys.iter()
                .rev()
                .map(|key| {
                    let values = label_values(p, set, key, &opts.label_unit);
                    *matched |= !values.is_empty();
                    let name = values.join(",");
                    let entry = interned.entry((name, key.clone()));
                    *entry.or_insert_with_key(|(name, key)| {
                        let name = p.strings.push(name);
                        let file = p.strings.push(key);
                        p.functions.push(Function {
                            id: next_function_id,
                            name,
                            system_name: super::StrId::EMPTY,
                            filename: file,
                            start_line: 0,
                            synthetic: false,
                        });
                        next_function_id += 1;
                        let start = p.lines.len() as u32;
                        p.lines.push(Line {
                            function: FunctionIndex::from_index(p.functions.len() - 1),
                            line: 0,
                            column: 0,
                        });
                        p.locations.push(Location {
                            id: next_location_id,
                            mapping: MappingIndex::NONE,
                            address: 0,
                            lines: start..start + 1,
                            is_folded: false,
                        });
                        next_location_id += 1;
                        LocationIndex::from_index(p.locations.len() - 1)
                    })
                })
                .collect()
        };
        let roots = make(root, &mut root_matched);
        let leaves = make(leaf, &mut leaf_matched);
        frames_of[set.index()] = Some((leaves, roots));
    }
    rebuild_stacks(p, |p, i, out| {
        let (leaves, roots) = frames_of[p.samples.label_set[i].index()]
            .as_ref()
            .map_or((&[][..], &[][..]), |(l, r)| (&l[..], &r[..]));
        out.extend_from_slice(leaves);
        out.extend(p.samples.stack(i));
        out.extend_from_slice(roots);
        true
    });
    (root_matched, leaf_matched)
}

/// Replaces every sample's stack by what `f` pushes onto `out` (given the
/// profile, the sample and `out`, empty); a sample for which `f` returns
/// false keeps its old stack.
fn rebuild_stacks(
    p: &mut Profile,
    mut f: impl FnMut(&Profile, usize, &mut Vec<LocationIndex>) -> bool,
) {
    let mut frames = p.samples.frames.like(p.samples.frames.len());
    let mut ends = Vec::with_capacity(p.samples.len());
    let mut out = Vec::new();
    for i in 0..p.samples.len() {
        out.clear();
        if f(p, i, &mut out) {
            out.iter().for_each(|&loc| frames.push(loc));
        } else {
            frames.extend_from(p.samples.stack(i));
        }
        ends.push(frames.len() as u32);
    }
    p.samples.frames = frames;
    p.samples.frame_ends = ends;
}

/// The flags applied after the filters, in pprof's order: `-hide`/`-show`
/// are made part of the profile first (the lines they hide removed, as
/// pprof's filters remove them), then `-show_from`, `-prune_from` and
/// `-noinlines`. Returns whether `-show_from` matched some location.
pub fn cut(p: &mut Profile, view: &mut View, opts: &FrameOptions) -> bool {
    bake_hidden_lines(p, view);
    let mut show_from_matched = false;
    if let Some(re) = &opts.show_from {
        show_from_matched = show_from(p, view, re);
    }
    if let Some(re) = &opts.prune_from {
        prune_from(p, re);
    }
    if opts.no_inlines {
        for loc in &mut p.locations {
            if loc.lines.len() > 1 {
                loc.lines.start = loc.lines.end - 1;
            }
        }
    }
    show_from_matched
}

/// Removes from the profile the lines `-hide`/`-show` hide, and the
/// locations left without lines from every stack; a sample left without
/// frames is dropped from the view, as pprof drops it.
fn bake_hidden_lines(p: &mut Profile, view: &mut View) {
    let Some(visible) = view.lines.take() else {
        return;
    };
    let hidden = view.hidden_locations.take();
    let mut lines = Vec::with_capacity(p.lines.len());
    for loc in &mut p.locations {
        let start = lines.len() as u32;
        let range = loc.lines.start as usize..loc.lines.end as usize;
        lines.extend(
            p.lines[range.clone()]
                .iter()
                .zip(&visible[range])
                .filter(|(_, &shown)| shown)
                .map(|(line, _)| *line),
        );
        loc.lines = start..lines.len() as u32;
    }
    p.lines = lines;
    let Some(hidden) = hidden else { return };
    let mut kept: Vec<bool> = (0..p.samples.len()).map(|i| view.sample_kept(i)).collect();
    rebuild_stacks(p, |p, i, out| {
        out.extend(p.samples.stack(i).iter().filter(|l| !hidden[l.index()]));
        if out.is_empty() {
            kept[i] = false;
        }
        true
    });
    view.samples = Some(kept);
}

/// pprof's `ShowFrom`: a location matches by its mapping's file, or by a
/// line's function name or file (its lines outside the outermost matching
/// one are dropped); each stack keeps the frames up to its outermost
/// matching location, and a sample without one is dropped.
fn show_from(p: &mut Profile, view: &mut View, re: &Regex) -> bool {
    let function_matches: Vec<bool> = p
        .functions
        .iter()
        .map(|f| re.is_match(p.str(f.name)) || re.is_match(p.str(f.filename)))
        .collect();
    let mapping_matches: Vec<bool> = p
        .mappings
        .iter()
        .map(|m| re.is_match(p.str(m.file)))
        .collect();
    let mut matched_loc = vec![false; p.locations.len()];
    for (li, loc) in p.locations.iter_mut().enumerate() {
        if loc
            .mapping
            .to_option()
            .is_some_and(|m| mapping_matches[m.index()])
        {
            matched_loc[li] = true;
            continue;
        }
        let range = loc.lines.start as usize..loc.lines.end as usize;
        let outermost = range.rev().find(|&i| {
            p.lines[i]
                .function
                .to_option()
                .is_some_and(|f| function_matches[f.index()])
        });
        if let Some(i) = outermost {
            loc.lines.end = i as u32 + 1;
            matched_loc[li] = true;
        }
    }
    let mut kept: Vec<bool> = (0..p.samples.len()).map(|i| view.sample_kept(i)).collect();
    rebuild_stacks(p, |p, i, out| {
        let stack = p.samples.stack(i);
        match stack.iter().rposition(|l| matched_loc[l.index()]) {
            Some(last) => out.extend(stack.sub(..=last)),
            None => kept[i] = false,
        }
        true
    });
    view.samples = Some(kept);
    matched_loc.contains(&true)
}

/// pprof's `PruneFrom`: in a location whose line's function (its name
/// simplified as for `drop_frames`) matches, the lines inside the
/// innermost matching one are dropped; each stack loses the frames beneath
/// its innermost such location.
fn prune_from(p: &mut Profile, re: &Regex) {
    let function_matches: Vec<bool> = p
        .functions
        .iter()
        .map(|f| {
            let name = p.str(f.name);
            !name.is_empty() && re.is_match(super::prune::simplify(name))
        })
        .collect();
    let mut beneath = vec![false; p.locations.len()];
    for (li, loc) in p.locations.iter_mut().enumerate() {
        let range = loc.lines.start as usize..loc.lines.end as usize;
        let innermost = range.clone().find(|&i| {
            p.lines[i]
                .function
                .to_option()
                .is_some_and(|f| function_matches[f.index()])
        });
        if let Some(i) = innermost {
            loc.lines.start = i as u32;
            beneath[li] = true;
        }
    }
    if !beneath.contains(&true) {
        return;
    }
    rebuild_stacks(p, |p, i, out| {
        let stack = p.samples.stack(i);
        match stack.iter().position(|l| beneath[l.index()]) {
            Some(first) => {
                out.extend(stack.sub(first..));
                true
            }
            None => false,
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::graph::tests::profile;

    /// Each sample's stack as function names per frame, leaf first; a
    /// frame with inlined lines as "outer+inner".
    fn stacks(p: &Profile, view: &View) -> Vec<Vec<String>> {
        (0..p.samples.len())
            .filter(|&i| view.sample_kept(i))
            .map(|i| {
                p.samples
                    .stack(i)
                    .iter()
                    .map(|l| {
                        let loc = &p.locations[l.index()];
                        let mut names: Vec<&str> = p
                            .location_lines(loc)
                            .iter()
                            .map(|ln| p.str(p.functions[ln.function.index()].name))
                            .collect();
                        names.reverse();
                        names.join("+")
                    })
                    .collect()
            })
            .collect()
    }

    fn opts() -> FrameOptions {
        FrameOptions::default()
    }

    #[test]
    fn show_from_keeps_frames_up_to_the_outermost_match() {
        let mut p = profile(&[(&["c", "b", "a", "b", "main"], 1), (&["d", "main"], 2)]);
        let mut view = View::all();
        let o = FrameOptions {
            show_from: Some(Regex::new("^b$").unwrap()),
            ..opts()
        };
        assert!(cut(&mut p, &mut view, &o));
        assert_eq!(stacks(&p, &view), [["c", "b", "a", "b"]]);
    }

    #[test]
    fn show_from_cuts_the_lines_outside_the_match() {
        let mut p = profile(&[(&["outer+inner", "main"], 1)]);
        let mut view = View::all();
        let o = FrameOptions {
            show_from: Some(Regex::new("inner").unwrap()),
            ..opts()
        };
        cut(&mut p, &mut view, &o);
        assert_eq!(stacks(&p, &view), [["inner"]]);
    }

    #[test]
    fn prune_from_drops_what_lies_beneath_the_innermost_match() {
        let mut p = profile(&[
            (&["d", "b", "c", "b", "a"], 1),
            (&["outer+inner", "main"], 2),
            (&["x"], 3),
        ]);
        let mut view = View::all();
        let o = FrameOptions {
            prune_from: Some(Regex::new("^b$|outer").unwrap()),
            ..opts()
        };
        cut(&mut p, &mut view, &o);
        assert_eq!(
            stacks(&p, &view),
            [vec!["b", "c", "b", "a"], vec!["outer", "main"], vec!["x"]]
        );
    }

    #[test]
    fn noinlines_keeps_the_outermost_line() {
        let mut p = profile(&[(&["outer+inner", "main"], 1)]);
        let mut view = View::all();
        let o = FrameOptions {
            no_inlines: true,
            ..opts()
        };
        cut(&mut p, &mut view, &o);
        assert_eq!(stacks(&p, &view), [["outer", "main"]]);
    }

    #[test]
    fn label_frames_first_root_key_outermost_last_leaf_key_innermost() {
        let mut p = profile(&[(&["b", "a"], 1)]);
        // Give the sample two string labels.
        let k1 = p.strings.push("k1");
        let k2 = p.strings.push("k2");
        let v1 = p.strings.push("x");
        let v2 = p.strings.push("y");
        let set = p.samples.label_sets.intern(&[
            crate::profile::Label {
                key: k1,
                str: v1,
                ..Default::default()
            },
            crate::profile::Label {
                key: k2,
                str: v2,
                ..Default::default()
            },
        ]);
        p.samples.label_set[0] = set;
        let o = FrameOptions {
            tag_root: vec!["k1".into(), "k2".into()],
            tag_leaf: vec!["k1".into(), "none".into()],
            ..opts()
        };
        assert_eq!(add_label_frames(&mut p, &o), (true, true));
        let view = View::all();
        assert_eq!(stacks(&p, &view), [["", "x", "b", "a", "y", "x"]]);
        let leaf = &p.locations[p.samples.stack(0).get(0).index()];
        let f = &p.functions[p.location_lines(leaf)[0].function.index()];
        assert_eq!(p.str(f.filename), "none");
    }
}
