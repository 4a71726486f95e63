//! A profile's own pruning hints, `drop_frames` and `keep_frames`, applied
//! once at load as pprof does: frames matching `drop_frames` (allocator
//! internals, say) are cut from the leaf end of every stack, with everything
//! beneath them.

use regex::Regex;

use super::{FunctionIndex, LocationIndex, Profile};

/// The function name pprof matches the regexes against: a leading "." is
/// dropped, and so is everything from the first "(" that does not start
/// "(anonymous namespace)" or belong to "operator()".
pub(super) fn simplify(name: &str) -> &str {
    const RESERVED: [&str; 2] = ["(anonymous namespace)", "operator()"];
    let name = name.strip_prefix('.').unwrap_or(name);
    let mut i = 0;
    while i < name.len() {
        let rest = &name[i..];
        if let Some(r) = RESERVED.iter().find(|r| rest.starts_with(**r)) {
            i += r.len();
            continue;
        }
        if rest.starts_with('(') {
            return &name[..i];
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    name
}

/// Applies `drop_frames`/`keep_frames` when the profile has them. A regex
/// that does not compile is ignored, as pprof ignores it.
pub fn apply(p: &mut Profile) {
    apply_from(p, 0, LocationIndex::default());
}

/// [`apply`] to the samples from `start` on, whose frames are the
/// profile's location indexes plus `location_base` (a profile decoded onto
/// the end of others' samples, see `pprof::Decoder::onto`); the samples
/// before `start` are left alone.
pub fn apply_from(p: &mut Profile, start: usize, location_base: LocationIndex) {
    let drop_src = p.str(p.drop_frames);
    if drop_src.is_empty() {
        return;
    }
    let Ok(drop) = Regex::new(&format!("^({drop_src})$")) else {
        return;
    };
    let keep_src = p.str(p.keep_frames);
    let keep = if keep_src.is_empty() {
        None
    } else {
        match Regex::new(&format!("^({keep_src})$")) {
            Ok(re) => Some(re),
            Err(_) => return,
        }
    };
    let dropped = |function: FunctionIndex| -> bool {
        let Some(f) = p.functions.get(function.index()) else {
            return false;
        };
        let name = p.str(f.name);
        if name.is_empty() {
            return false;
        }
        let name = simplify(name);
        drop.is_match(name) && keep.as_ref().is_none_or(|k| !k.is_match(name))
    };

    // Per location: Some(true) to prune it whole, Some(false) to prune what
    // lies beneath it (its inner lines are cut here), None to leave it.
    let mut verdict: Vec<Option<bool>> = vec![None; p.locations.len()];
    let mut new_ranges = Vec::new();
    for (li, loc) in p.locations.iter().enumerate() {
        let lines = p.location_lines(loc);
        // From the outermost line inwards, the first dropped one.
        if let Some(i) = (0..lines.len()).rev().find(|&i| dropped(lines[i].function)) {
            if i == lines.len() - 1 {
                verdict[li] = Some(true);
            } else {
                verdict[li] = Some(false);
                new_ranges.push((li, loc.lines.start + i as u32 + 1));
            }
        }
    }
    for (li, start) in new_ranges {
        p.locations[li].lines.start = start;
    }
    if verdict.iter().all(Option::is_none) {
        return;
    }

    // Each stack, walked from its root, is cut below the first location to
    // prune met after a frame that is not (pprof prunes only beneath the
    // program's own frames): the location goes too when pruned whole.
    p.samples.cut_leaf_frames(start, |stack| {
        let mut found_user = false;
        for i in (0..stack.len()).rev() {
            let location = stack.get(i).unoffset(location_base);
            match verdict[location.index()] {
                None => found_user = true,
                Some(_) if !found_user => {}
                Some(true) => return i + 1,
                Some(false) => return i,
            }
        }
        0
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb;
    use prost::Message;

    /// Functions 1..=4: malloc, runtime.mallocgc, main.f, main.main.
    /// Location 5 has main.g with malloc inlined into it.
    fn profile_bytes(drop: &str, keep: &str) -> Vec<u8> {
        let strings: Vec<String> = [
            "",
            "space",
            "bytes",
            "malloc",
            "runtime.mallocgc",
            "main.f",
            "main.main",
            "main.g",
            drop,
            keep,
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        let line = |f| pb::Line {
            function_id: f,
            line: 1,
            column: 0,
        };
        let loc = |id, lines: Vec<pb::Line>| pb::Location {
            id,
            line: lines,
            ..Default::default()
        };
        let p = pb::Profile {
            sample_type: vec![pb::ValueType { r#type: 1, unit: 2 }],
            sample: vec![
                pb::Sample {
                    location_id: vec![1, 2, 3, 4],
                    value: vec![10],
                    label: vec![],
                },
                pb::Sample {
                    location_id: vec![5, 4],
                    value: vec![5],
                    label: vec![],
                },
            ],
            location: vec![
                loc(1, vec![line(1)]),
                loc(2, vec![line(2)]),
                loc(3, vec![line(3)]),
                loc(4, vec![line(4)]),
                loc(5, vec![line(1), line(5)]),
            ],
            function: (1..=5)
                .map(|id| pb::Function {
                    id,
                    name: [3, 4, 5, 6, 7][id as usize - 1],
                    ..Default::default()
                })
                .collect(),
            drop_frames: 8,
            keep_frames: if keep.is_empty() { 0 } else { 9 },
            string_table: strings,
            ..Default::default()
        };
        p.encode_to_vec()
    }

    fn profile(drop: &str, keep: &str) -> Profile {
        crate::input::pprof::decode(&profile_bytes(drop, keep)).unwrap()
    }

    fn names(p: &Profile, s: usize) -> Vec<Vec<String>> {
        p.samples
            .stack(s)
            .iter()
            .map(|l| {
                p.location_lines(&p.locations[l.index()])
                    .iter()
                    .map(|ln| p.str(p.functions[ln.function.index()].name).to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn dropped_frames_and_everything_beneath_go() {
        let mut p = profile("malloc|runtime\\.mallocgc", "");
        apply(&mut p);
        assert_eq!(names(&p, 0), [["main.f"], ["main.main"]]);
        // The inlined malloc line is cut; main.g stays.
        assert_eq!(names(&p, 1), [vec!["main.g"], vec!["main.main"]]);
    }

    /// Onto other samples: only the profile's own stacks are cut, as they
    /// would be alone; the samples before them keep every frame.
    #[test]
    fn only_the_profile_own_samples_are_cut() {
        let drop = "malloc|runtime\\.mallocgc";
        let mut alone = profile(drop, "");
        apply(&mut alone);
        let before = profile("", "").samples;
        let kept = before.clone();
        let base = LocationIndex::from_raw(5);
        let mut decoder = crate::input::pprof::Decoder::new().onto(before, base);
        decoder.feed(&profile_bytes(drop, "")).unwrap();
        let mut p = decoder.finish().unwrap();
        let n = kept.len();
        apply_from(&mut p, n, base);
        let s = &p.samples;
        assert_eq!(s.frames.slice(0..kept.frames.len()), kept.frames.all());
        assert_eq!(s.frame_ends[..n], kept.frame_ends[..]);
        for i in 0..alone.samples.len() {
            let own: Vec<LocationIndex> = s.stack(n + i).iter().map(|f| f.unoffset(base)).collect();
            assert_eq!(own, alone.samples.stack(i).to_vec(), "sample {i}");
        }
        assert_eq!(s.len(), n + alone.samples.len());
    }

    #[test]
    fn keep_frames_wins_over_drop_frames() {
        let mut p = profile("malloc|runtime\\.mallocgc", "runtime\\..*");
        apply(&mut p);
        assert_eq!(
            names(&p, 0),
            [["runtime.mallocgc"], ["main.f"], ["main.main"]]
        );
    }

    #[test]
    fn stacks_of_only_dropped_frames_stay() {
        let mut p = profile("main\\..*", "");
        apply(&mut p);
        // No frame outside drop_frames sits above them: nothing is cut.
        assert_eq!(names(&p, 0).len(), 4);
    }

    #[test]
    fn simplify_cuts_arguments_but_not_reserved_names() {
        assert_eq!(simplify("malloc"), "malloc");
        assert_eq!(simplify(".foo(int)"), "foo");
        assert_eq!(
            simplify("(anonymous namespace)::f(int)"),
            "(anonymous namespace)::f"
        );
        assert_eq!(simplify("A::operator()(int)"), "A::operator()");
    }
}
