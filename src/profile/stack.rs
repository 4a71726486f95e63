//! The samples' frames as stored: location indexes of 2 bytes while every
//! one fits (profiles of under 65,536 locations, nearly all), else of 4,
//! behind one type ([`FrameVec`]) and one read-only view of a stack
//! ([`Stack`]); hot loops take the stored slice itself, monomorphised over
//! the width ([`Frame`], [`Samples::with_frames`](super::Samples::with_frames)).

use std::ops::Range;

use super::LocationIndex;

/// A stored frame: a location index in 2 or 4 bytes.
pub trait Frame: Copy + Send + Sync + Eq + std::fmt::Debug + 'static {
    /// The largest raw index this width holds.
    const MAX: u32;
    /// The location index stored.
    fn loc(self) -> LocationIndex;
    /// `raw` stored in this width, cut to it when it does not fit (callers
    /// check [`Frame::MAX`] first, or widen after).
    fn from_raw_cut(raw: u32) -> Self;
}

impl Frame for u16 {
    const MAX: u32 = u16::MAX as u32;
    #[inline(always)]
    fn loc(self) -> LocationIndex {
        LocationIndex::from_raw(u32::from(self))
    }
    #[inline(always)]
    fn from_raw_cut(raw: u32) -> Self {
        raw as u16
    }
}

impl Frame for LocationIndex {
    const MAX: u32 = u32::MAX;
    #[inline(always)]
    fn loc(self) -> LocationIndex {
        self
    }
    #[inline(always)]
    fn from_raw_cut(raw: u32) -> Self {
        LocationIndex::from_raw(raw)
    }
}

/// The frames of all samples, end to end, in the narrowest width that
/// holds every one: 2 bytes until a frame of 65,536 or more is stored,
/// then 4 (converted once, never back).
#[derive(Debug, Clone)]
pub enum FrameVec {
    Narrow(Vec<u16>),
    Wide(Vec<LocationIndex>),
}

impl Default for FrameVec {
    fn default() -> Self {
        FrameVec::Narrow(Vec::new())
    }
}

impl FrameVec {
    /// Empty frames of the same width as `self`, with room for `n`.
    pub fn like(&self, n: usize) -> FrameVec {
        match self {
            FrameVec::Narrow(_) => FrameVec::Narrow(Vec::with_capacity(n)),
            FrameVec::Wide(_) => FrameVec::Wide(Vec::with_capacity(n)),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            FrameVec::Narrow(v) => v.len(),
            FrameVec::Wide(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes per frame: 2 or 4.
    pub fn width(&self) -> usize {
        match self {
            FrameVec::Narrow(_) => 2,
            FrameVec::Wide(_) => 4,
        }
    }

    /// Stores frames in 4 bytes from now on.
    pub fn widen(&mut self) {
        if let FrameVec::Narrow(v) = self {
            let wide = v.iter().map(|&f| f.loc()).collect();
            *self = FrameVec::Wide(wide);
        }
    }

    /// Widens unless every raw index up to `max` fits 2 bytes.
    pub fn fit(&mut self, max: u32) {
        if max > u16::MAX as u32 {
            self.widen();
        }
    }

    pub fn push(&mut self, loc: LocationIndex) {
        self.fit(loc.raw());
        match self {
            FrameVec::Narrow(v) => v.push(loc.raw() as u16),
            FrameVec::Wide(v) => v.push(loc),
        }
    }

    /// Appends `locs`, widening first if one of them needs it.
    pub fn extend_from(&mut self, locs: Stack<'_>) {
        if let (FrameVec::Narrow(v), Stack::Narrow(s)) = (&mut *self, locs) {
            v.extend_from_slice(s);
            return;
        }
        self.fit(locs.iter().map(LocationIndex::raw).max().unwrap_or(0));
        match self {
            FrameVec::Narrow(v) => v.extend(locs.iter().map(|l| l.raw() as u16)),
            FrameVec::Wide(v) => v.extend(locs.iter()),
        }
    }

    /// The frame at `pos`.
    pub fn get(&self, pos: usize) -> LocationIndex {
        match self {
            FrameVec::Narrow(v) => v[pos].loc(),
            FrameVec::Wide(v) => v[pos],
        }
    }

    /// The frames in `range`.
    pub fn slice(&self, range: Range<usize>) -> Stack<'_> {
        match self {
            FrameVec::Narrow(v) => Stack::Narrow(&v[range]),
            FrameVec::Wide(v) => Stack::Wide(&v[range]),
        }
    }

    /// All frames.
    pub fn all(&self) -> Stack<'_> {
        self.slice(0..self.len())
    }

    pub fn copy_within(&mut self, src: Range<usize>, dest: usize) {
        match self {
            FrameVec::Narrow(v) => v.copy_within(src, dest),
            FrameVec::Wide(v) => v.copy_within(src, dest),
        }
    }

    pub fn truncate(&mut self, len: usize) {
        match self {
            FrameVec::Narrow(v) => v.truncate(len),
            FrameVec::Wide(v) => v.truncate(len),
        }
    }

    /// Replaces every frame from `from` on by `f` of it, widening first
    /// when `max` (the largest `f` can return) needs it.
    pub fn map_from(
        &mut self,
        from: usize,
        max: u32,
        mut f: impl FnMut(LocationIndex) -> LocationIndex,
    ) {
        self.fit(max);
        match self {
            FrameVec::Narrow(v) => v[from..]
                .iter_mut()
                .for_each(|x| *x = f(x.loc()).raw() as u16),
            FrameVec::Wide(v) => v[from..].iter_mut().for_each(|x| *x = f(*x)),
        }
    }
}

/// One sample's stack (or any run of stored frames), leaf first.
#[derive(Debug, Clone, Copy)]
pub enum Stack<'a> {
    Narrow(&'a [u16]),
    Wide(&'a [LocationIndex]),
}

impl<'a> Stack<'a> {
    pub fn len(&self) -> usize {
        match self {
            Stack::Narrow(s) => s.len(),
            Stack::Wide(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Frame `k` (0 is the leaf).
    pub fn get(&self, k: usize) -> LocationIndex {
        match self {
            Stack::Narrow(s) => s[k].loc(),
            Stack::Wide(s) => s[k],
        }
    }

    /// The frames from the leaf to the root.
    pub fn iter(&self) -> StackIter<'a> {
        match *self {
            Stack::Narrow(s) => StackIter::Narrow(s.iter()),
            Stack::Wide(s) => StackIter::Wide(s.iter()),
        }
    }

    /// The frames in `range` of this stack.
    pub fn sub(
        &self,
        range: impl std::slice::SliceIndex<[u16], Output = [u16]>
            + std::slice::SliceIndex<[LocationIndex], Output = [LocationIndex]>,
    ) -> Stack<'a> {
        match *self {
            Stack::Narrow(s) => Stack::Narrow(&s[range]),
            Stack::Wide(s) => Stack::Wide(&s[range]),
        }
    }

    pub fn to_vec(&self) -> Vec<LocationIndex> {
        self.iter().collect()
    }
}

impl PartialEq for Stack<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Unit tests compare stacks with the numbers they expect.
#[cfg(test)]
impl<const N: usize> PartialEq<&[u32; N]> for Stack<'_> {
    fn eq(&self, other: &&[u32; N]) -> bool {
        self.len() == N && self.iter().zip(other.iter()).all(|(a, &b)| a.raw() == b)
    }
}

/// The frames of a [`Stack`], as location indexes.
#[derive(Debug, Clone)]
pub enum StackIter<'a> {
    Narrow(std::slice::Iter<'a, u16>),
    Wide(std::slice::Iter<'a, LocationIndex>),
}

impl Iterator for StackIter<'_> {
    type Item = LocationIndex;
    #[inline]
    fn next(&mut self) -> Option<LocationIndex> {
        match self {
            StackIter::Narrow(i) => i.next().map(|f| f.loc()),
            StackIter::Wide(i) => i.next().copied(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.len();
        (n, Some(n))
    }
}

impl DoubleEndedIterator for StackIter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<LocationIndex> {
        match self {
            StackIter::Narrow(i) => i.next_back().map(|f| f.loc()),
            StackIter::Wide(i) => i.next_back().copied(),
        }
    }
}

impl ExactSizeIterator for StackIter<'_> {
    fn len(&self) -> usize {
        match self {
            StackIter::Narrow(i) => i.len(),
            StackIter::Wide(i) => i.len(),
        }
    }
}

impl<'a> IntoIterator for Stack<'a> {
    type Item = LocationIndex;
    type IntoIter = StackIter<'a>;
    fn into_iter(self) -> StackIter<'a> {
        self.iter()
    }
}

/// A pass over the stored frames of one width: what
/// [`Samples::with_frames`](super::Samples::with_frames) runs,
/// monomorphised for each.
pub trait FramesPass {
    type Out;
    /// `frames` are all samples' frames; sample `i`'s are
    /// `frames[ends[i-1]..ends[i]]`.
    fn run<F: Frame>(self, frames: &[F], ends: &[u32]) -> Self::Out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widens_once_a_frame_needs_it() {
        let mut v = FrameVec::default();
        v.push(LocationIndex::from_raw(7));
        v.push(LocationIndex::from_raw(65_535));
        assert_eq!(v.width(), 2);
        v.push(LocationIndex::from_raw(65_536));
        assert_eq!(v.width(), 4);
        assert_eq!(
            v.all().to_vec(),
            [7, 65_535, 65_536].map(LocationIndex::from_raw)
        );
        assert_eq!(
            v.slice(1..3).iter().next_back(),
            Some(LocationIndex::from_raw(65_536))
        );
    }
}
