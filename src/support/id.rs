//! Dense indexes as types: `dense_id!` declares a `Copy` newtype over `u32`
//! for positions in one table, so that a location index cannot be passed
//! where a function index is expected, at no cost in memory or speed.

/// Declares a dense index type: `#[repr(transparent)]` over `u32` (an
/// array of them is an array of `u32`), ordered and hashed as its number,
/// converted to and from `usize` in one place each ([`index`], [`from_index`]).
/// With `(NONE)` after the name it also gets `NONE`, the `u32::MAX` that
/// marks "no entry" in a reference that may be absent, and `to_option`.
///
/// [`index`]: crate::profile::LocationIndex::index
/// [`from_index`]: crate::profile::LocationIndex::from_index
macro_rules! dense_id {
    ($(#[$doc:meta])* $vis:vis struct $name:ident;) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(transparent)]
        $vis struct $name(u32);

        // Not every index type needs every conversion.
        #[allow(dead_code)]
        impl $name {
            /// The position this index names, to index its table.
            #[inline(always)]
            pub const fn index(self) -> usize {
                self.0 as usize
            }

            /// The index of position `i`; `i` below `u32::MAX` (the tables'
            /// builders check their sizes before they grow past it).
            #[inline(always)]
            pub fn from_index(i: usize) -> Self {
                debug_assert!(i < u32::MAX as usize, "index {i} past u32");
                $name(i as u32)
            }

            /// The bare number, for values that are not yet indexes (a
            /// decoder's provisional frames) and for shifting.
            #[inline(always)]
            pub const fn raw(self) -> u32 {
                self.0
            }

            /// The index whose number is `raw`.
            #[inline(always)]
            pub const fn from_raw(raw: u32) -> Self {
                $name(raw)
            }

            /// This index in a table appended after `base` entries of
            /// another (`self + base`), as combining profiles renumbers.
            #[inline(always)]
            pub const fn offset(self, base: Self) -> Self {
                $name(self.0.wrapping_add(base.0))
            }

            /// The inverse of [`offset`](Self::offset): this index's
            /// position in the table appended after `base` entries.
            #[inline(always)]
            pub const fn unoffset(self, base: Self) -> Self {
                $name(self.0.wrapping_sub(base.0))
            }
        }

        /// Unit tests compare indexes with the numbers they expect.
        #[cfg(test)]
        impl PartialEq<u32> for $name {
            fn eq(&self, other: &u32) -> bool {
                self.0 == *other
            }
        }
    };
    ($(#[$doc:meta])* $vis:vis struct $name:ident(NONE);) => {
        dense_id! { $(#[$doc])* $vis struct $name; }

        #[allow(dead_code)]
        impl $name {
            /// "No entry": never a position in the table.
            pub const NONE: Self = $name(u32::MAX);

            /// `None` for [`Self::NONE`], else the index.
            #[inline(always)]
            pub fn to_option(self) -> Option<Self> {
                if self == Self::NONE {
                    None
                } else {
                    Some(self)
                }
            }
        }
    };
}

pub(crate) use dense_id;
