//! `flame -mean`: heapscope's own averaged flame graph. A flame graph's
//! widths must add up (a frame is as wide as its callees together), and
//! averages do not, so the frames keep the widths of their sums — as
//! `top -mean` trims and orders nodes by their sums — and each frame's
//! tooltip gives its average: its value over the first sample type's over
//! the same samples (for Go heap profiles `alloc_objects`, so an average
//! per allocated object), as `top -mean` divides a node's. With
//! `--folded`, each stack's value is its own average, as `traces -mean`
//! divides each sample's.

use rustc_hash::FxHashMap;

use super::diff::{frames, Change};
use super::fold::Row;
use super::svg::{Drawn, Restyled};
use crate::report::prepare::mean;
use crate::report::Prepared;
use crate::units;

/// Restyles each frame's tooltip with its average.
pub(super) struct Averages<'p> {
    /// Per frame (depth, left edge): divisor as `before`, value as `after`.
    frames: FxHashMap<(usize, u64), Change>,
    prep: &'p Prepared<'p>,
    /// The first sample type's name: what the values are averaged over.
    per: String,
}

impl<'p> Averages<'p> {
    /// The averages of the frames drawn from `rows`, each row's divisor in
    /// its `before` (rows of a zero value count for their divisor only, as
    /// pprof's `-mean` counts such samples).
    pub(super) fn new(rows: &[Row], prep: &'p Prepared<'p>) -> Self {
        let p = prep.profile();
        let per = p
            .sample_types
            .first()
            .map(|t| crate::support::escape::text(p.str(t.kind)).into_owned())
            .unwrap_or_default();
        Averages {
            frames: frames(rows),
            prep,
            per,
        }
    }

    fn amount(&self, v: i64) -> String {
        let v = self.prep.shown(v);
        if self.prep.sample_unit() == "bytes" {
            units::human_bytes(v)
        } else {
            format!("{v} {}", self.prep.sample_unit())
        }
    }

    /// "1.20 kB per alloc_objects: 4.50 MB / 3700".
    pub(super) fn detail(&self, c: Change) -> String {
        format!(
            "{} per {}: {} / {}",
            self.amount(mean(c.after, c.before)),
            self.per,
            self.amount(c.after),
            c.before
        )
    }

    pub(super) fn style(&self, frame: &Drawn<'_>) -> Restyled {
        match self.frames.get(&(frame.depth, frame.x)) {
            Some(&c) => Restyled {
                detail: Some(self.detail(c)),
                fill: None,
            },
            None => Restyled::default(),
        }
    }
}
