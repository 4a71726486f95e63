//! Several sources become one profile: each is decoded straight onto the
//! end of one combination (no sample copied), which keeps the range of
//! samples each came from — merged for most reports, BEFORE and AFTER for
//! `diff` and `flame --base`, a series of snapshots for `trend` — and
//! BEFORE scaled to AFTER's total (`-normalize`), and pprof's `-base` and
//! `-diff_base` (BEFORE negated, and marked for a `-diff_base`). The shell
//! loads its profile once and hands it to every command ([`with_loaded`]).

use std::cell::RefCell;
use std::io::Write;
use std::ops::Range;
use std::rc::Rc;

use anyhow::anyhow;

use super::{InputSpec, NamedProfile, ReadOptions, Source};
use crate::profile::combine::{self, Combination, BASE_LABEL};
use crate::profile::graph::Overflow;
use crate::profile::Profile;

/// One source's samples in a combined profile.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub name: String,
    pub time_nanos: i64,
    /// Samples of this snapshot in the combined profile.
    pub range: Range<usize>,
}

/// BEFORE and AFTER in one profile, as pprof combines a `-diff_base`
/// (AFTER's samples first), named "BEFORE vs AFTER".
pub struct BeforeAfter {
    pub loaded: NamedProfile,
    pub after: Range<usize>,
    pub before: Range<usize>,
    pub after_name: String,
    pub before_name: String,
    /// Whether BEFORE and AFTER are two snapshots of one process.
    pub relation: Relation,
}

/// How BEFORE and AFTER relate: snapshots of one process have one profile
/// each and the same mappings (address ranges, offsets, files and build
/// IDs: the kernel places `[vdso]` and shared libraries anew in every run)
/// and times of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// One process, AFTER taken later.
    OneProcess,
    /// One process, AFTER taken earlier.
    OneProcessReversed,
    /// Two runs (or merged profiles, or no times to tell).
    TwoRuns,
}

/// What tells one process's profiles from another's: its mappings as
/// (start, limit, offset, file, build ID), and when the profile was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Process {
    mappings: Vec<(u64, u64, u64, String, String)>,
    time_nanos: i64,
}

impl Process {
    fn of(p: &Profile) -> Self {
        Process {
            mappings: p
                .mappings
                .iter()
                .map(|m| {
                    let (file, build_id) = (p.str(m.file), p.str(m.build_id));
                    let (file, build_id) = (file.to_string(), build_id.to_string());
                    (
                        m.memory_start,
                        m.memory_limit,
                        m.file_offset,
                        file,
                        build_id,
                    )
                })
                .collect(),
            time_nanos: p.time_nanos,
        }
    }

    /// How `after` relates to `before`.
    fn relation(before: &Process, after: &Process) -> Relation {
        let same = !after.mappings.is_empty()
            && after.mappings == before.mappings
            && before.time_nanos != 0
            && after.time_nanos != 0;
        if same && after.time_nanos > before.time_nanos {
            Relation::OneProcess
        } else if same && after.time_nanos < before.time_nanos {
            Relation::OneProcessReversed
        } else {
            Relation::TwoRuns
        }
    }
}

thread_local! {
    /// The profile [`with_loaded`] hands out, with the sources it was read from.
    static LOADED: RefCell<Option<(Vec<Source>, Rc<NamedProfile>)>> = const { RefCell::new(None) };
}

/// Runs `f` with `loaded`, read from `sources`, standing in for them: while
/// it runs, [`load_merged`] of exactly those sources returns a copy of it
/// instead of reading them again (as pprof's shell copies its profile for
/// each command). How the shell runs a report command on the profile it
/// loaded, through the same code as the command line.
pub fn with_loaded<R>(sources: &[Source], loaded: &Rc<NamedProfile>, f: impl FnOnce() -> R) -> R {
    /// Forgets the profile when `f` returns or unwinds.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            LOADED.with(|l| l.borrow_mut().take());
        }
    }
    LOADED.with(|l| *l.borrow_mut() = Some((sources.to_vec(), Rc::clone(loaded))));
    let _clear = Clear;
    f()
}

/// A copy of the profile [`with_loaded`] stands in for `spec`'s sources.
fn already_loaded(spec: &InputSpec) -> Option<NamedProfile> {
    LOADED.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(sources, _)| *sources == spec.sources)
            .map(|(_, loaded)| NamedProfile::clone(loaded))
    })
}

/// [`load_merged`] for a report that only reads the profile: the one
/// [`with_loaded`] holds is shared as it is, not copied (a copy of a
/// 300,000-stack profile costs more than most reports on it).
pub fn load_shared(spec: &InputSpec, notes: &mut dyn Write) -> anyhow::Result<Rc<NamedProfile>> {
    let held = LOADED.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(sources, _)| spec.base.is_none() && *sources == spec.sources)
            .map(|(_, loaded)| Rc::clone(loaded))
    });
    match held {
        Some(loaded) => Ok(loaded),
        None => load_merged(spec, notes).map(Rc::new),
    }
}

/// Loads the sources; several are merged into one profile whose values sum
/// node by node, as pprof merges them. With a base (`-base`,
/// `-diff_base`), the base's samples are subtracted as pprof does
/// ([`BeforeAfter::subtract`]), and samples of the same stack and labels
/// merged into one, those that cancel out dropped.
pub fn load_merged(spec: &InputSpec, notes: &mut dyn Write) -> anyhow::Result<NamedProfile> {
    if let (plain, Some((base_spec, base))) = spec.split_base() {
        let mut both = load_before_after(&base_spec, &plain, notes)?;
        both.subtract(base.normalize, base.diff)?;
        let mut loaded = both.loaded;
        combine::merge_identical(&mut loaded.profile)
            .map_err(|e| anyhow!("{}: {e}", loaded.name))?;
        return Ok(loaded);
    }
    if let Some(loaded) = already_loaded(spec) {
        return Ok(loaded);
    }
    if let [source] = &spec.sources[..] {
        return super::load(source, &spec.read_options(), notes)
            .map_err(|e| anyhow!("{source}: {e}"));
    }
    let mut all = NamedCombiner::default();
    all.load_all(spec, notes)?;
    all.finish()
}

/// Loads AFTER's sources, then BEFORE's, into one profile.
pub fn load_before_after(
    before: &InputSpec,
    after: &InputSpec,
    notes: &mut dyn Write,
) -> anyhow::Result<BeforeAfter> {
    let mut both = NamedCombiner::default();
    let (after, after_name) = both.load_all(after, notes)?;
    let after_count = both.processes.len();
    let (before, before_name) = both.load_all(before, notes)?;
    let relation = match &both.processes[..] {
        [a, b] if after_count == 1 => Process::relation(b, a),
        _ => Relation::TwoRuns,
    };
    let mut loaded = both.finish()?;
    loaded.name = format!("{before_name} vs {after_name}");
    Ok(BeforeAfter {
        loaded,
        after,
        before,
        after_name,
        before_name,
        relation,
    })
}

/// Loads each source as one snapshot of a series, in argument order, into
/// one profile.
pub fn load_series(
    spec: &InputSpec,
    notes: &mut dyn Write,
) -> anyhow::Result<(NamedProfile, Vec<Snapshot>)> {
    let opts = spec.read_options();
    let mut all = NamedCombiner::default();
    let mut snapshots = Vec::with_capacity(spec.sources.len());
    for source in &spec.sources {
        snapshots.push(all.load(source, &opts, notes)?);
    }
    Ok((all.finish()?, snapshots))
}

impl BeforeAfter {
    /// BEFORE subtracted from AFTER as pprof combines a base: AFTER scaled
    /// to BEFORE's total first if `normalize` (pprof's `-normalize`, the
    /// other way round from [`BeforeAfter::normalize`]), BEFORE negated, and, if
    /// `mark` (`-diff_base`), labelled `pprof::base=true`, which makes the
    /// reports take BEFORE's total as theirs.
    pub fn subtract(&mut self, normalize: bool, mark: bool) -> anyhow::Result<()> {
        if normalize {
            normalize_to(
                &mut self.loaded.profile,
                self.after.clone(),
                self.before.clone(),
            )
            .map_err(|e| anyhow!("{}: {e}", self.loaded.name))?;
        }
        let p = &mut self.loaded.profile;
        let k = p.samples.num_values;
        combine::scale(p, self.before.clone(), &vec![-1.0; k])
            .map_err(|e| anyhow!("{}: {e}", self.loaded.name))?;
        if mark {
            combine::set_label(p, self.before.clone(), BASE_LABEL, "true");
        }
        Ok(())
    }

    /// Scales BEFORE's samples so each sample type sums to what it sums to
    /// over AFTER (`-normalize`), rounding as pprof does.
    pub fn normalize(&mut self) -> anyhow::Result<()> {
        normalize_to(
            &mut self.loaded.profile,
            self.before.clone(),
            self.after.clone(),
        )
        .map_err(|e| anyhow!("{}: {e}", self.loaded.name))
    }
}

/// Scales the samples in `scaled` so each sample type sums to what it sums
/// to over `target`, rounding as pprof does.
fn normalize_to(
    profile: &mut Profile,
    scaled: Range<usize>,
    target: Range<usize>,
) -> Result<(), Overflow> {
    let from = combine::sums(profile, scaled.clone())?;
    let to = combine::sums(profile, target)?;
    let ratios: Vec<f64> = from
        .iter()
        .zip(&to)
        .map(|(&f, &t)| if f == 0 { 1.0 } else { t as f64 / f as f64 })
        .collect();
    combine::scale(profile, scaled, &ratios)
}

/// Profiles combined as they are read: each is decoded straight onto the
/// end of the combination's samples, so no sample is copied and nothing
/// but the combination is held.
#[derive(Default)]
struct NamedCombiner {
    combiner: combine::Combiner,
    names: Vec<String>,
    /// Each profile's process, in load order.
    processes: Vec<Process>,
}

impl NamedCombiner {
    /// Reads one source onto the combination; returns it as a snapshot.
    fn load(
        &mut self,
        source: &Source,
        opts: &ReadOptions,
        notes: &mut dyn Write,
    ) -> anyhow::Result<Snapshot> {
        let (samples, location_base) = self.combiner.take_samples();
        let loaded = super::load_onto(source, opts, notes, samples, location_base)
            .map_err(|e| anyhow!("{source}: {e}"))?;
        let NamedProfile { name, profile } = loaded;
        self.names.push(name.clone());
        self.processes.push(Process::of(&profile));
        let time_nanos = profile.time_nanos;
        let range = self
            .combiner
            .add_decoded(profile)
            .map_err(|e| anyhow!("{}: {e}", self.name()))?;
        Ok(Snapshot {
            name,
            time_nanos,
            range,
        })
    }

    /// Reads every source of `spec`; returns the range of samples they
    /// occupy together, and their name.
    fn load_all(
        &mut self,
        spec: &InputSpec,
        notes: &mut dyn Write,
    ) -> anyhow::Result<(Range<usize>, String)> {
        let opts = spec.read_options();
        let first = self.names.len();
        if let Some(loaded) = already_loaded(spec) {
            self.processes.push(Process::of(&loaded.profile));
            let range = self
                .combiner
                .add(loaded.profile)
                .map_err(|e| anyhow!("{}: {e}", loaded.name))?;
            self.names.push(loaded.name.clone());
            return Ok((range, loaded.name));
        }
        let mut range: Option<Range<usize>> = None;
        for source in &spec.sources {
            let r = self.load(source, &opts, notes)?.range;
            range = Some(range.map_or(r.clone(), |all| all.start..r.end));
        }
        let name = self.names[first..].join(" + ");
        Ok((range.unwrap_or_default(), name))
    }

    /// The name of the combination: its profiles' names joined by " + ".
    fn name(&self) -> String {
        self.names.join(" + ")
    }

    fn finish(self) -> anyhow::Result<NamedProfile> {
        let name = self.name();
        let Combination { profile, .. } =
            self.combiner.finish().map_err(|e| anyhow!("{name}: {e}"))?;
        Ok(NamedProfile { name, profile })
    }
}
