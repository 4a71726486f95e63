//! A small seeded pseudo-random generator (SplitMix64): the same seed gives
//! the same sequence on every machine, which is all the generator needs.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), with 53 bits.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    /// Failures before the first success, with the given mean.
    pub fn geometric(&mut self, mean: f64) -> usize {
        let p = 1.0 / (1.0 + mean);
        let mut n = 0;
        while self.f64() >= p && n < 1000 {
            n += 1;
        }
        n
    }

    /// An index in 0..n, index i with weight 1/(i+1) (Zipf's law): the
    /// first callee of a function is its hot path.
    pub fn zipf(&mut self, n: usize) -> usize {
        let total: f64 = (1..=n).map(|i| 1.0 / i as f64).sum();
        let mut x = self.f64() * total;
        for i in 0..n {
            x -= 1.0 / (i + 1) as f64;
            if x < 0.0 {
                return i;
            }
        }
        n.saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = Rng::new(7);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            seen[rng.below(5)] = true;
        }
        assert_eq!(seen, [true; 5]);
        assert_eq!(rng.below(0), 0);
    }

    #[test]
    fn zipf_favours_the_first_index() {
        let mut rng = Rng::new(1);
        let mut counts = [0; 4];
        for _ in 0..10_000 {
            counts[rng.zipf(4)] += 1;
        }
        // Weights 1, 1/2, 1/3, 1/4 of 25/12: 48%, 24%, 16%, 12%.
        assert!(counts[0] > counts[1] && counts[1] > counts[2] && counts[2] > counts[3]);
        assert!((4500..5100).contains(&counts[0]), "{counts:?}");
    }
}
