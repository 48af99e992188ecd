//! Python's `random.Random`: the Mersenne Twister seeded from an integer as CPython seeds it, and
//! `sample` drawing as CPython 3.11 draws. lm-evaluation-harness picks few-shot examples with
//! `Random(seed).sample(...)`, so a text suite's examples are the ones lm-eval would put in the
//! same prompt.

const N: usize = 624;
const M: usize = 397;

pub struct PythonRandom {
    state: [u32; N],
    next: usize,
}

impl PythonRandom {
    /// `random.Random(seed)` for a non-negative integer seed.
    pub fn new(seed: u64) -> PythonRandom {
        // CPython splits abs(seed) into 32-bit words, least significant first (at least one).
        let mut key = vec![seed as u32];
        if seed >> 32 != 0 {
            key.push((seed >> 32) as u32);
        }
        let mut random = PythonRandom { state: [0; N], next: N };
        random.init_genrand(19_650_218);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let previous = random.state[i - 1] ^ (random.state[i - 1] >> 30);
            random.state[i] = (random.state[i] ^ previous.wrapping_mul(1_664_525)).wrapping_add(key[j]).wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                random.state[0] = random.state[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let previous = random.state[i - 1] ^ (random.state[i - 1] >> 30);
            random.state[i] = (random.state[i] ^ previous.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                random.state[0] = random.state[N - 1];
                i = 1;
            }
        }
        random.state[0] = 0x8000_0000;
        random
    }

    fn init_genrand(&mut self, seed: u32) {
        self.state[0] = seed;
        for i in 1..N {
            let previous = self.state[i - 1] ^ (self.state[i - 1] >> 30);
            self.state[i] = 1_812_433_253u32.wrapping_mul(previous).wrapping_add(i as u32);
        }
        self.next = N;
    }

    fn next_u32(&mut self) -> u32 {
        if self.next >= N {
            for k in 0..N {
                let y = (self.state[k] & 0x8000_0000) | (self.state[(k + 1) % N] & 0x7fff_ffff);
                let mut value = self.state[(k + M) % N] ^ (y >> 1);
                if y & 1 == 1 {
                    value ^= 0x9908_b0df;
                }
                self.state[k] = value;
            }
            self.next = 0;
        }
        let mut y = self.state[self.next];
        self.next += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `getrandbits(bits)` for 1 to 32 bits.
    pub fn getrandbits(&mut self, bits: u32) -> u32 {
        self.next_u32() >> (32 - bits)
    }

    /// `_randbelow(n)`: uniform in `0..n`, by rejection over `n`'s bit length.
    fn below(&mut self, n: usize) -> usize {
        let bits = usize::BITS - n.leading_zeros();
        loop {
            let r = self.getrandbits(bits) as usize;
            if r < n {
                return r;
            }
        }
    }

    /// The positions `random.sample(range(n), k)` gives, in order; `None` when `k > n`.
    pub fn sample(&mut self, n: usize, k: usize) -> Option<Vec<usize>> {
        if k > n || n >= 1 << 32 {
            return None;
        }
        let mut setsize = 21usize;
        if k > 5 {
            // 4 ** ceil(log(k * 3, 4)), computed as Python computes it.
            setsize += 4usize.pow((((k * 3) as f64).ln() / 4f64.ln()).ceil() as u32);
        }
        let mut chosen = Vec::with_capacity(k);
        if n <= setsize {
            let mut pool: Vec<usize> = (0..n).collect();
            for i in 0..k {
                let j = self.below(n - i);
                chosen.push(pool[j]);
                pool[j] = pool[n - i - 1];
            }
        } else {
            let mut selected = std::collections::HashSet::with_capacity(k);
            for _ in 0..k {
                let mut j = self.below(n);
                while selected.contains(&j) {
                    j = self.below(n);
                }
                selected.insert(j);
                chosen.push(j);
            }
        }
        Some(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from CPython 3.11: `random.Random(1234).sample(range(1319), 6)`, then
    /// `.sample(range(10), 5)` on the same generator; `Random(0).getrandbits(32)`,
    /// `Random(2**40 + 7).getrandbits(32)`; two draws of 6 from 7,473 (GSM8K's train split).
    #[test]
    fn draws_what_cpython_draws() {
        let mut random = PythonRandom::new(1234);
        assert_eq!(random.sample(1319, 6).unwrap(), [902, 239, 15, 185, 1192, 71]);
        assert_eq!(random.sample(10, 5).unwrap(), [1, 9, 5, 8, 0]);
        assert_eq!(PythonRandom::new(0).getrandbits(32), 3_626_764_237);
        assert_eq!(PythonRandom::new((1 << 40) + 7).getrandbits(32), 2_635_837_658);
        let mut random = PythonRandom::new(1234);
        assert_eq!(random.sample(7473, 6).unwrap(), [6374, 3610, 957, 61, 742, 7462]);
        assert_eq!(random.sample(7473, 6).unwrap(), [6610, 4769, 286, 5501, 5677, 687]);
        assert_eq!(random.sample(3, 4), None);
    }
}
