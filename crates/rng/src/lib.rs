//! A small, fully specified PRNG (xoshiro256** seeded by SplitMix64). Written out here rather
//! than taken from a crate so that a seed gives the same resamples in every future version,
//! which is what lets a reviewer recompute an interval bit for bit.

#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng { s: [next(), next(), next(), next()] }
    }

    /// An independent stream for `stream` (e.g. a resample block), derived from the same seed.
    pub fn stream(seed: u64, stream: u64) -> Self {
        Rng::new(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03).rotate_left(17))
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform integer in `0..n` without modulo bias (Lemire's multiply-and-reject). The
    /// division behind the rejection threshold is only needed when the low half is below `n`.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        let mut m = (self.next_u64() as u128) * (n as u128);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = (self.next_u64() as u128) * (n as u128);
            }
        }
        (m >> 64) as u64
    }

    /// Calls `f` with `count` uniform indices in `0..n`. Below 2³² items each 64-bit output
    /// gives two indices (32-bit multiply-and-reject, still unbiased), which halves the cost of
    /// bootstrap resampling.
    #[inline]
    pub fn for_each_index(&mut self, n: u64, count: u64, mut f: impl FnMut(usize)) {
        assert!(n > 0, "for_each_index over nothing");
        if n > u64::from(u32::MAX) {
            for _ in 0..count {
                f(self.below(n) as usize);
            }
            return;
        }
        let n32 = u64::from(n as u32);
        let threshold = (n as u32).wrapping_neg() % (n as u32);
        let mut produced = 0;
        // Whole pairs first, then at most one more index: no bookkeeping in the hot loop.
        while produced + 1 < count {
            let x = self.next_u64();
            let (lo, hi) = ((x & 0xFFFF_FFFF) * n32, (x >> 32) * n32);
            if lo as u32 >= threshold {
                f((lo >> 32) as usize);
                produced += 1;
            }
            if hi as u32 >= threshold {
                f((hi >> 32) as usize);
                produced += 1;
            }
        }
        while produced < count {
            let m = (self.next_u64() & 0xFFFF_FFFF) * n32;
            if m as u32 >= threshold {
                f((m >> 32) as usize);
                produced += 1;
            }
        }
    }

    /// Uniform float in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let a: Vec<u64> = (0..5).scan(Rng::new(7), |r, _| Some(r.next_u64())).collect();
        let b: Vec<u64> = (0..5).scan(Rng::new(7), |r, _| Some(r.next_u64())).collect();
        assert_eq!(a, b);
        let c: Vec<u64> = (0..5).scan(Rng::new(8), |r, _| Some(r.next_u64())).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn first_outputs_are_pinned() {
        // Pinned so that a change to the generator, which would change every recorded interval,
        // cannot go unnoticed.
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0x99EC_5F36_CB75_F2B4);
    }

    #[test]
    fn paired_indices_are_uniform_and_counted() {
        let mut rng = Rng::new(3);
        let mut counts = [0u32; 7];
        let mut total = 0;
        rng.for_each_index(7, 70_001, |i| {
            counts[i] += 1;
            total += 1;
        });
        assert_eq!(total, 70_001);
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut rng = Rng::new(42);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[rng.below(6) as usize] += 1;
        }
        for c in counts {
            assert!((9_400..10_600).contains(&c), "{counts:?}");
        }
    }
}
