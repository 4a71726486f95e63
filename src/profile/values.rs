//! The samples' stored values: [`ValueVec`], 4 bytes each while every one
//! fits `i32` (a heap profile's counts and bytes per stack nearly always
//! do), 8 from the first that does not.

/// Values in 4 bytes while all fit `i32`, else in 8; read as `i64` either
/// way. The first value that does not fit widens them all, once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueVec {
    Narrow(Vec<i32>),
    Wide(Vec<i64>),
}

impl Default for ValueVec {
    fn default() -> Self {
        ValueVec::Narrow(Vec::new())
    }
}

impl ValueVec {
    pub fn len(&self) -> usize {
        match self {
            ValueVec::Narrow(v) => v.len(),
            ValueVec::Wide(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes per value: 4 or 8.
    pub fn width(&self) -> usize {
        match self {
            ValueVec::Narrow(_) => 4,
            ValueVec::Wide(_) => 8,
        }
    }

    /// Value `k`.
    #[inline]
    pub fn get(&self, k: usize) -> i64 {
        match self {
            ValueVec::Narrow(v) => i64::from(v[k]),
            ValueVec::Wide(v) => v[k],
        }
    }

    /// Values `range`, in order.
    pub fn range(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = i64> + '_ {
        let (narrow, wide) = match self {
            ValueVec::Narrow(v) => (&v[range], &[][..]),
            ValueVec::Wide(v) => (&[][..], &v[range]),
        };
        narrow
            .iter()
            .map(|&x| i64::from(x))
            .chain(wide.iter().copied())
    }

    /// All values as `i64` (a copy when they are stored narrow).
    pub fn to_vec(&self) -> Vec<i64> {
        self.range(0..self.len()).collect()
    }

    #[inline]
    pub fn push(&mut self, value: i64) {
        match self {
            ValueVec::Narrow(v) => match i32::try_from(value) {
                Ok(x) => v.push(x),
                Err(_) => {
                    self.widen();
                    self.push(value);
                }
            },
            ValueVec::Wide(v) => v.push(value),
        }
    }

    /// Sets value `k`, widening them all if it does not fit.
    pub fn set(&mut self, k: usize, value: i64) {
        match self {
            ValueVec::Narrow(v) => match i32::try_from(value) {
                Ok(x) => v[k] = x,
                Err(_) => {
                    self.widen();
                    self.set(k, value);
                }
            },
            ValueVec::Wide(v) => v[k] = value,
        }
    }

    pub fn extend_from_slice(&mut self, values: &[i64]) {
        values.iter().for_each(|&x| self.push(x));
    }

    /// Appends `other`'s values.
    pub fn append(&mut self, other: &ValueVec) {
        match (&mut *self, other) {
            (ValueVec::Narrow(v), ValueVec::Narrow(o)) => v.extend_from_slice(o),
            (ValueVec::Wide(v), ValueVec::Narrow(o)) => v.extend(o.iter().map(|&x| i64::from(x))),
            (_, ValueVec::Wide(o)) => {
                self.widen();
                if let ValueVec::Wide(v) = self {
                    v.extend_from_slice(o);
                }
            }
        }
    }

    /// Stores every value in 8 bytes from now on.
    fn widen(&mut self) {
        if let ValueVec::Narrow(v) = self {
            let wide = v.iter().map(|&x| i64::from(x)).collect();
            *self = ValueVec::Wide(wide);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: &[i64]) -> ValueVec {
        let mut v = ValueVec::default();
        v.extend_from_slice(values);
        v
    }

    #[test]
    fn values_widen_at_the_first_that_does_not_fit_and_read_the_same() {
        let mut v = ValueVec::default();
        v.extend_from_slice(&[1, -2, i64::from(i32::MAX), i64::from(i32::MIN)]);
        assert_eq!(v.width(), 4);
        v.push(i64::from(i32::MAX) + 1);
        assert_eq!(v.width(), 8);
        v.push(i64::MIN);
        assert_eq!(
            v.to_vec(),
            [1, -2, 2147483647, -2147483648, 2147483648, i64::MIN]
        );
        assert_eq!(v.range(1..3).collect::<Vec<_>>(), [-2, 2147483647]);

        let mut n = of(&[5, 6]);
        assert_eq!(n.width(), 4);
        n.set(1, -7);
        assert_eq!((n.width(), n.get(1)), (4, -7));
        n.set(0, 1 << 40);
        assert_eq!((n.width(), n.to_vec()), (8, vec![1 << 40, -7]));

        // Appending: narrow onto narrow stays narrow; a wide tail widens.
        let mut a = of(&[1, 2]);
        a.append(&of(&[3]));
        assert_eq!((a.width(), a.to_vec()), (4, vec![1, 2, 3]));
        a.append(&of(&[1 << 33]));
        assert_eq!((a.width(), a.to_vec()), (8, vec![1, 2, 3, 1 << 33]));
        let mut w = of(&[1 << 33]);
        w.append(&of(&[4]));
        assert_eq!((w.width(), w.to_vec()), (8, vec![1 << 33, 4]));
    }
}
