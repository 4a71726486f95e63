//! Differential flame graphs: the union of BEFORE's and AFTER's stacks,
//! each drawn as wide as the larger of its two values, every frame coloured
//! by its signed change (red grew, blue shrank, the largest change
//! saturated) and its tooltip giving before, after and the change.

use rustc_hash::FxHashMap;

use super::fold::Row;
use super::svg::{Drawn, Restyled};
use crate::units;

/// A stack's width in a differential graph: the larger of its two values,
/// so a stack that went away is drawn at its BEFORE size and one that is
/// new at its AFTER size.
pub(super) fn width(before: i64, after: i64) -> i64 {
    before.max(after)
}

/// A drawn frame's values before and after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Change {
    pub before: i64,
    pub after: i64,
}

impl Change {
    fn delta(&self) -> i64 {
        self.after.saturating_sub(self.before)
    }
}

/// The frames inferno draws from `rows` (in the order given, as a flame
/// chart: neighbouring rows merge frame by frame), by depth (0 is the
/// "all" frame above the roots) and left edge in counts, with their
/// values. Rows of width 0 are not drawn: they add to the frames above
/// them (their `before`: a `-mean` divisor), but start none of their own.
pub(super) fn frames(rows: &[Row]) -> FxHashMap<(usize, u64), Change> {
    let mut out: FxHashMap<(usize, u64), Change> = FxHashMap::default();
    // The open frames of the current stack, root first: left edge, values.
    let mut open: Vec<(u64, Change)> = Vec::new();
    let mut all = Change::default();
    let mut prev: &[u32] = &[];
    let mut x: u64 = 0;
    // A row drawn with no width (a `-mean` stack whose value is zero)
    // still adds its `before` to the frames above it.
    for row in rows.iter().filter(|r| r.width > 0 || r.before != 0) {
        let common = prev
            .iter()
            .zip(&row.path)
            .take_while(|(a, b)| a == b)
            .count();
        while open.len() > common {
            let depth = open.len();
            let (left, change) = open.pop().expect("non-empty");
            out.insert((depth, left), change);
        }
        while open.len() < row.path.len() {
            open.push((x, Change::default()));
        }
        for (_, c) in &mut open {
            c.before = c.before.saturating_add(row.before);
            c.after = c.after.saturating_add(row.after);
        }
        all.before = all.before.saturating_add(row.before);
        all.after = all.after.saturating_add(row.after);
        x = x.saturating_add(row.width as u64);
        prev = &row.path;
    }
    while let Some((left, change)) = open.pop() {
        out.insert((open.len() + 1, left), change);
    }
    out.insert((0, 0), all);
    out
}

/// Styles the frames of a differential graph: tooltips and colours.
pub(super) struct Styler {
    frames: FxHashMap<(usize, u64), Change>,
    /// The largest change of a frame below "all" (at least 1): saturated.
    max_change: i64,
    before_total: i64,
    bytes: bool,
    ratio: Option<f64>,
}

impl Styler {
    /// A styler of the frames drawn from `rows`; `bytes` if the values are
    /// bytes (else objects).
    pub(super) fn new(rows: &[Row], bytes: bool) -> Self {
        let frames = frames(rows);
        let max_change = frames
            .iter()
            .filter(|((depth, _), _)| *depth > 0)
            .map(|(_, c)| c.delta().saturating_abs())
            .max()
            .unwrap_or(0)
            .max(1);
        let before_total = frames.get(&(0, 0)).map_or(0, |c| c.before);
        Styler {
            frames,
            max_change,
            before_total,
            bytes,
            ratio: None,
        }
    }

    /// Values shown multiplied by `ratio` (1/`-divide_by`), as `top` shows
    /// them; percentages do not change.
    pub(super) fn shown_by(mut self, ratio: Option<f64>) -> Self {
        self.ratio = ratio;
        self
    }

    fn amount(&self, v: i64) -> String {
        let v = match self.ratio {
            Some(r) => (v as f64 * r) as i64,
            None => v,
        };
        if self.bytes {
            units::human_bytes(v)
        } else {
            format!("{v} objects")
        }
    }

    fn signed(&self, v: i64) -> String {
        match v.signum() {
            1 => format!("+{}", self.amount(v)),
            -1 => format!("-{}", self.amount(v.saturating_abs())),
            _ => self.amount(0),
        }
    }

    /// The tooltip (inside its parentheses) of a frame with these values:
    /// "before 1.50 MB, after 0 B, change -1.50 MB, -12.34% of before; gone".
    pub(super) fn detail(&self, c: Change) -> String {
        let delta = c.delta();
        let mut text = format!(
            "before {}, after {}, change {}",
            self.amount(c.before),
            self.amount(c.after),
            self.signed(delta)
        );
        if self.before_total > 0 {
            let pct = 100.0 * delta as f64 / self.before_total as f64;
            if delta == 0 {
                text.push_str(", 0.00% of before");
            } else {
                text.push_str(&format!(", {pct:+.2}% of before"));
            }
        }
        if c.before == 0 && c.after > 0 {
            text.push_str("; new");
        } else if c.after == 0 && c.before > 0 {
            text.push_str("; gone");
        }
        text
    }

    /// The fill of a frame with these values: red grew, blue shrank, the
    /// largest change below "all" saturated (any change at least tinted),
    /// grey unchanged.
    pub(super) fn fill(&self, c: Change) -> String {
        let delta = c.delta();
        if delta == 0 {
            return "rgb(235,235,235)".to_string();
        }
        let share = (delta.saturating_abs() as f64 / self.max_change as f64).min(1.0);
        let c = 220 - (150.0 * share).round() as u8;
        if delta > 0 {
            format!("rgb(255,{c},{c})")
        } else {
            format!("rgb({c},{c},255)")
        }
    }

    /// The new tooltip and fill of a drawn frame.
    pub(super) fn style(&self, frame: &Drawn<'_>) -> Restyled {
        match self.frames.get(&(frame.depth, frame.x)) {
            Some(&c) => Restyled {
                detail: Some(self.detail(c)),
                fill: Some(self.fill(c)),
            },
            None => Restyled::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(path: &[u32], before: i64, after: i64) -> Row {
        Row {
            path: path.to_vec(),
            before,
            after,
            width: width(before, after),
        }
    }

    /// Frames are found where inferno draws them: neighbouring rows share
    /// their common frames; each left edge is the widths before it.
    #[test]
    fn frames_sit_at_the_widths_before_them() {
        let rows = [
            row(&[1], 5, 0),
            row(&[1, 2], 0, 30),
            row(&[1, 2, 3], 10, 4),
            row(&[1, 4], 7, 7),
            row(&[5], 3, 0),
        ];
        let got = frames(&rows);
        let at = |depth, x| got.get(&(depth, x)).copied();
        let c = |before, after| Some(Change { before, after });
        assert_eq!(at(0, 0), c(25, 41));
        assert_eq!(at(1, 0), c(22, 41));
        // [1, 2] opens after [1]'s own 5, [1, 2, 3] after [1, 2]'s own 30.
        assert_eq!(at(2, 5), c(10, 34));
        assert_eq!(at(3, 35), c(10, 4));
        assert_eq!(at(2, 45), c(7, 7));
        assert_eq!(at(1, 52), c(3, 0));
        assert_eq!(got.len(), 6);
        let styler = Styler::new(&rows, false);
        // The largest change below "all" is [1, 2]'s +24: saturated; [1]'s
        // +19 is 19/24 of it: 220 - round(150 · 19/24) = 101.
        let fill = |before, after| styler.fill(Change { before, after });
        assert_eq!(fill(10, 34), "rgb(255,70,70)");
        assert_eq!(fill(22, 41), "rgb(255,101,101)");
        assert_eq!(fill(3, 0), "rgb(201,201,255)");
        assert_eq!(
            styler.fill(Change {
                before: 7,
                after: 7
            }),
            "rgb(235,235,235)"
        );
        assert_eq!(
            styler.detail(Change {
                before: 3,
                after: 0
            }),
            "before 3 objects, after 0 objects, change -3 objects, -12.00% of before; gone"
        );
    }
}
