//! Quantized weight matrices of the native engine, multiplied as llama.cpp multiplies them: each
//! activation row is quantized to 8 bits per block of 32 values (the scale kept at f16 precision,
//! plus the block's scaled sum for Q4_1's offset) and every weight block is dotted with it in
//! integers.
//!
//! Weights are repacked at load for the kernels: f32 scales apart from the quants, and Q4_1's
//! nibbles two blocks to 32 bytes (block 2p in the low nibbles, block 2p + 1 in the high ones) so
//! one load and two masks unpack both. The kernels take four rows at a time, so each activation
//! block is loaded once for four weight rows.

use crate::pool::{DisjointWrites, Pool};
use half::f16;

pub const BLOCK: usize = 32;
/// Rows per kernel call.
const ROWS: usize = 4;

enum Quants {
    /// Per row, per pair of blocks, 32 bytes of nibbles; `value = scale · q + min`.
    Q41 { nibbles: Vec<u8>, min: Vec<f32> },
    /// Per row, per block, 32 signed quants; `value = scale · q`.
    Q80 { qs: Vec<i8> },
}

/// A row-major `rows × cols` matrix, applied as `y = W x`.
pub struct QMatrix {
    rows: usize,
    cols: usize,
    /// Blocks per row; Q4_1 rows are padded with zero blocks to an even number.
    blocks: usize,
    scale: Vec<f32>,
    quants: Quants,
}

/// Where block `b` of row `r` (of `blocks` a row) lies among repacked Q4_1 nibbles: the offset of
/// its 32 bytes and the shift of its nibble in each.
fn nibbles_of(blocks: usize, r: usize, b: usize) -> (usize, u32) {
    ((r * blocks + b / 2 * 2) * BLOCK / 2, if b.is_multiple_of(2) { 0 } else { 4 })
}

fn half_at(bytes: &[u8], at: usize) -> f32 {
    f16::from_le_bytes([bytes[at], bytes[at + 1]]).to_f32()
}

fn check_size(kind: &str, rows: usize, cols: usize, bytes: usize, block_bytes: usize) -> Result<(), String> {
    if cols == 0 || !cols.is_multiple_of(BLOCK) {
        return Err(format!("{kind} rows of {cols} values are not whole blocks of {BLOCK}"));
    }
    let expected = rows * cols / BLOCK * block_bytes;
    if bytes != expected {
        return Err(format!("{kind} tensor of {rows}×{cols} has {bytes} bytes, expected {expected}"));
    }
    Ok(())
}

impl QMatrix {
    /// From GGUF's Q4_1 bytes: per block, f16 scale, f16 min, then 16 bytes whose low nibbles are
    /// values 0..16 and high nibbles values 16..32.
    pub fn q4_1(rows: usize, cols: usize, bytes: &[u8]) -> Result<QMatrix, String> {
        check_size("Q4_1", rows, cols, bytes.len(), 20)?;
        let stored = cols / BLOCK;
        let blocks = stored + stored % 2;
        let (mut scale, mut min) = (vec![0f32; rows * blocks], vec![0f32; rows * blocks]);
        let mut nibbles = vec![0u8; rows * blocks * BLOCK / 2];
        for r in 0..rows {
            for b in 0..stored {
                let block = &bytes[(r * stored + b) * 20..][..20];
                scale[r * blocks + b] = half_at(block, 0);
                min[r * blocks + b] = half_at(block, 2);
                let (at, shift) = nibbles_of(blocks, r, b);
                let packed = &mut nibbles[at..][..BLOCK];
                for j in 0..BLOCK {
                    let q = if j < BLOCK / 2 { block[4 + j] & 0x0F } else { block[4 + j - BLOCK / 2] >> 4 };
                    packed[j] |= q << shift;
                }
            }
        }
        Ok(QMatrix { rows, cols, blocks, scale, quants: Quants::Q41 { nibbles, min } })
    }

    /// From GGUF's Q8_0 bytes: per block, f16 scale then 32 signed bytes.
    pub fn q8_0(rows: usize, cols: usize, bytes: &[u8]) -> Result<QMatrix, String> {
        check_size("Q8_0", rows, cols, bytes.len(), 34)?;
        let blocks = cols / BLOCK;
        let mut scale = Vec::with_capacity(rows * blocks);
        let mut qs = Vec::with_capacity(rows * cols);
        for block in bytes.chunks_exact(34) {
            scale.push(half_at(block, 0));
            qs.extend(block[2..].iter().map(|&b| b as i8));
        }
        Ok(QMatrix { rows, cols, blocks, scale, quants: Quants::Q80 { qs } })
    }

    /// The rows of `parts` one after another, if they share a kind and a width.
    pub fn concat(parts: Vec<QMatrix>) -> Result<QMatrix, Vec<QMatrix>> {
        let same = parts.windows(2).all(|w| {
            w[0].cols == w[1].cols
                && matches!(
                    (&w[0].quants, &w[1].quants),
                    (Quants::Q41 { .. }, Quants::Q41 { .. }) | (Quants::Q80 { .. }, Quants::Q80 { .. })
                )
        });
        if parts.is_empty() || !same {
            return Err(parts);
        }
        let mut parts = parts.into_iter();
        let mut all = parts.next().expect("not empty");
        for part in parts {
            all.rows += part.rows;
            all.scale.extend(part.scale);
            match (&mut all.quants, part.quants) {
                (Quants::Q41 { nibbles, min }, Quants::Q41 { nibbles: n, min: m }) => {
                    nibbles.extend(n);
                    min.extend(m);
                }
                (Quants::Q80 { qs }, Quants::Q80 { qs: q }) => qs.extend(q),
                _ => unreachable!("kinds checked above"),
            }
        }
        Ok(all)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `r` in f32 (embedding lookups).
    pub fn row(&self, r: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.cols);
        for b in 0..self.cols / BLOCK {
            let d = self.scale[r * self.blocks + b];
            match &self.quants {
                Quants::Q41 { nibbles, min } => {
                    let (at, shift) = nibbles_of(self.blocks, r, b);
                    let packed = &nibbles[at..][..BLOCK];
                    let m = min[r * self.blocks + b];
                    out.extend(packed.iter().map(|p| d * f32::from((p >> shift) & 0x0F) + m));
                }
                Quants::Q80 { qs } => out.extend(qs[(r * self.blocks + b) * BLOCK..][..BLOCK].iter().map(|&q| d * f32::from(q))),
            }
        }
        out
    }

    /// `x` holds whole rows of `cols` values, one per token; returns per token `rows` values.
    pub fn apply(&self, x: &[f32], pool: &Pool) -> Vec<f32> {
        let activations = Activations::quantize(x, self.cols, self.blocks);
        let mut out = vec![0f32; activations.tokens * self.rows];
        self.matmul(&activations, &mut out, pool);
        out
    }

    fn matmul(&self, x: &Activations, out: &mut [f32], pool: &Pool) {
        assert_eq!(out.len(), x.tokens * self.rows, "output size");
        // Enough chunks to balance the threads, each large enough to amortise taking it.
        let chunk = (self.rows / (pool.threads() * 8)).clamp(ROWS, 64) / ROWS * ROWS;
        let chunks = self.rows.div_ceil(chunk);
        let target = DisjointWrites::new(out);
        pool.run(chunks, &|c| {
            let first = c * chunk;
            let last = (first + chunk).min(self.rows);
            let mut dots = [0f32; ROWS];
            for group in (first..last).step_by(ROWS) {
                let n = (last - group).min(ROWS);
                for t in 0..x.tokens {
                    self.dot_rows(group, n, x, t, &mut dots);
                    for (i, &d) in dots[..n].iter().enumerate() {
                        // SAFETY: chunks cover disjoint rows, so no two threads write one element;
                        // `t * rows + row` is within `out` (asserted above).
                        unsafe { *target.at(t * self.rows + group + i) = d };
                    }
                }
            }
        });
    }

    /// Dots of rows `first..first + n` (n ≤ 4) with token `t`'s activations.
    fn dot_rows(&self, first: usize, n: usize, x: &Activations, t: usize, dots: &mut [f32; ROWS]) {
        let xq = &x.qs[t * x.blocks * BLOCK..][..x.blocks * BLOCK];
        let xd = &x.scale[t * x.blocks..][..x.blocks];
        let b = self.blocks;
        match &self.quants {
            Quants::Q41 { nibbles, min } => {
                let row_bytes = b * BLOCK / 2;
                let xs = &x.sum[t * x.blocks..][..x.blocks];
                if n == ROWS {
                    let (nibbles, scale, min) = (
                        &nibbles[first * row_bytes..][..ROWS * row_bytes],
                        &self.scale[first * b..][..ROWS * b],
                        &min[first * b..][..ROWS * b],
                    );
                    *dots = kernels::q4_1::<ROWS>(nibbles, scale, min, xq, xd, xs);
                } else {
                    for (r, dot) in (first..).zip(&mut dots[..n]) {
                        *dot = kernels::q4_1::<1>(
                            &nibbles[r * row_bytes..][..row_bytes],
                            &self.scale[r * b..][..b],
                            &min[r * b..][..b],
                            xq,
                            xd,
                            xs,
                        )[0];
                    }
                }
            }
            Quants::Q80 { qs } => {
                let row = b * BLOCK;
                if n == ROWS {
                    *dots = kernels::q8_0::<ROWS>(&qs[first * row..][..ROWS * row], &self.scale[first * b..][..ROWS * b], xq, xd);
                } else {
                    for (r, dot) in (first..).zip(&mut dots[..n]) {
                        *dot = kernels::q8_0::<1>(&qs[r * row..][..row], &self.scale[r * b..][..b], xq, xd)[0];
                    }
                }
            }
        }
    }
}

/// Activation rows quantized as llama.cpp's Q8_1 (which Q8_0 shares but for the sums).
struct Activations {
    tokens: usize,
    /// Blocks per token, as many as the weights' rows have (padding blocks are zero).
    blocks: usize,
    qs: Vec<i8>,
    scale: Vec<f32>,
    /// Per block: scale · Σq, for Q4_1's offset.
    sum: Vec<f32>,
}

impl Activations {
    fn quantize(x: &[f32], cols: usize, blocks: usize) -> Activations {
        assert_eq!(x.len() % cols, 0, "activations are whole rows");
        let tokens = x.len() / cols;
        let mut a = Activations {
            tokens,
            blocks,
            qs: vec![0; tokens * blocks * BLOCK],
            scale: vec![0.0; tokens * blocks],
            sum: vec![0.0; tokens * blocks],
        };
        for (t, row) in x.chunks_exact(cols).enumerate() {
            for (b, values) in row.chunks_exact(BLOCK).enumerate() {
                let amax = values.iter().fold(0f32, |m, v| m.max(v.abs()));
                let d = amax / 127.0;
                let inverse = if d > 0.0 { 1.0 / d } else { 0.0 };
                let qs = &mut a.qs[(t * blocks + b) * BLOCK..][..BLOCK];
                let mut total = 0i32;
                for (q, v) in qs.iter_mut().zip(values) {
                    *q = (v * inverse).round_ties_even() as i8;
                    total += i32::from(*q);
                }
                // llama.cpp stores both at half precision.
                a.scale[t * blocks + b] = f16::from_f32(d).to_f32();
                a.sum[t * blocks + b] = f16::from_f32(d * total as f32).to_f32();
            }
        }
        a
    }
}

/// The kernels: `R` weight rows (row-major, `scale` row-major too) against one activation row.
pub mod kernels {
    use super::BLOCK;

    #[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"))]
    pub fn q4_1<const R: usize>(nibbles: &[u8], scale: &[f32], min: &[f32], xq: &[i8], xd: &[f32], xs: &[f32]) -> [f32; R] {
        use std::arch::x86_64::*;
        let blocks = xd.len();
        let row_bytes = blocks * BLOCK / 2;
        assert!(blocks.is_multiple_of(2) && nibbles.len() == R * row_bytes && scale.len() == R * blocks && min.len() == R * blocks);
        assert!(xq.len() == blocks * BLOCK && xs.len() == blocks);
        // SAFETY: the build enables AVX2 and FMA (the cfg above); every load is of 32 bytes or
        // one f32 at offsets inside the slices, whose sizes are asserted above.
        unsafe {
            let mask = _mm256_set1_epi8(0x0F);
            let ones = _mm256_set1_epi16(1);
            let mut acc = [_mm256_setzero_ps(); R];
            // Σ min · (activation scale · Σq): the weights' offsets.
            let mut offsets = [0f32; R];
            for p in 0..blocks / 2 {
                let (s0, s1) = (*xs.get_unchecked(2 * p), *xs.get_unchecked(2 * p + 1));
                let x0 = _mm256_loadu_si256(xq.as_ptr().add(64 * p) as *const __m256i);
                let x1 = _mm256_loadu_si256(xq.as_ptr().add(64 * p + 32) as *const __m256i);
                let d0 = _mm256_set1_ps(*xd.get_unchecked(2 * p));
                let d1 = _mm256_set1_ps(*xd.get_unchecked(2 * p + 1));
                // The next rows' nibbles and scales, spread over this pass (prefetches never fault).
                let ahead = nibbles.as_ptr().wrapping_add(R * row_bytes + p * R * BLOCK) as *const i8;
                _mm_prefetch::<_MM_HINT_T0>(ahead);
                if R == 4 {
                    _mm_prefetch::<_MM_HINT_T0>(ahead.wrapping_add(64));
                }
                _mm_prefetch::<_MM_HINT_T0>(scale.as_ptr().wrapping_add(R * blocks + p * 2 * R) as *const i8);
                for r in 0..R {
                    let acc = &mut acc[r];
                    let packed = _mm256_loadu_si256(nibbles.as_ptr().add(r * row_bytes + 32 * p) as *const __m256i);
                    let low = _mm256_and_si256(packed, mask);
                    let high = _mm256_and_si256(_mm256_srli_epi16(packed, 4), mask);
                    // Unsigned 4-bit times signed 8-bit pairs fit i16 (2 · 15 · 128), then pairs to i32.
                    let q0 = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(low, x0), ones));
                    let q1 = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(high, x1), ones));
                    let w = scale.as_ptr().add(r * blocks + 2 * p);
                    *acc = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(*w), d0), q0, *acc);
                    *acc = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(*w.add(1)), d1), q1, *acc);
                    let m = min.as_ptr().add(r * blocks + 2 * p);
                    offsets[r] += *m * s0 + *m.add(1) * s1;
                }
            }
            std::array::from_fn(|r| horizontal_sum(acc[r]) + offsets[r])
        }
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"))]
    pub fn q8_0<const R: usize>(qs: &[i8], scale: &[f32], xq: &[i8], xd: &[f32]) -> [f32; R] {
        use std::arch::x86_64::*;
        let blocks = xd.len();
        let row = blocks * BLOCK;
        assert!(qs.len() == R * row && scale.len() == R * blocks && xq.len() == row);
        // SAFETY: as in `q4_1`.
        unsafe {
            let ones = _mm256_set1_epi16(1);
            let mut acc = [_mm256_setzero_ps(); R];
            for b in 0..blocks {
                let x = _mm256_loadu_si256(xq.as_ptr().add(32 * b) as *const __m256i);
                // maddubs takes one unsigned operand: |x|, with x's sign moved onto the weights.
                let magnitude = _mm256_sign_epi8(x, x);
                let d = _mm256_set1_ps(*xd.get_unchecked(b));
                // The next rows' bytes, spread over this pass (prefetches never fault).
                let ahead = qs.as_ptr().wrapping_add(R * row + b * 2 * R * BLOCK);
                _mm_prefetch::<_MM_HINT_T0>(ahead);
                _mm_prefetch::<_MM_HINT_T0>(ahead.wrapping_add(64));
                if R == 4 {
                    _mm_prefetch::<_MM_HINT_T0>(ahead.wrapping_add(128));
                    _mm_prefetch::<_MM_HINT_T0>(ahead.wrapping_add(192));
                }
                for (r, acc) in acc.iter_mut().enumerate() {
                    let w = _mm256_loadu_si256(qs.as_ptr().add(r * row + 32 * b) as *const __m256i);
                    let s = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w, x)), ones));
                    *acc = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(*scale.get_unchecked(r * blocks + b)), d), s, *acc);
                }
            }
            acc.map(|a| horizontal_sum(a))
        }
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"))]
    unsafe fn horizontal_sum(v: std::arch::x86_64::__m256) -> f32 {
        use std::arch::x86_64::*;
        let halves = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let pairs = _mm_add_ps(halves, _mm_movehl_ps(halves, halves));
        _mm_cvtss_f32(_mm_add_ss(pairs, _mm_movehdup_ps(pairs)))
    }

    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma")))]
    pub use scalar::{q4_1, q8_0};

    /// Plain versions: the fallback on other CPUs, and the reference the vector ones are tested against.
    #[cfg_attr(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma", not(test)), allow(dead_code))]
    pub mod scalar {
        use super::super::{nibbles_of, BLOCK};

        pub fn q4_1<const R: usize>(nibbles: &[u8], scale: &[f32], min: &[f32], xq: &[i8], xd: &[f32], xs: &[f32]) -> [f32; R] {
            let blocks = xd.len();
            std::array::from_fn(|r| {
                (0..blocks)
                    .map(|b| {
                        let (at, shift) = nibbles_of(blocks, r, b);
                        let packed = &nibbles[at..][..BLOCK];
                        let dot: i32 =
                            packed.iter().zip(&xq[b * BLOCK..][..BLOCK]).map(|(p, &x)| i32::from((p >> shift) & 0x0F) * i32::from(x)).sum();
                        scale[r * blocks + b] * xd[b] * dot as f32 + min[r * blocks + b] * xs[b]
                    })
                    .sum()
            })
        }

        pub fn q8_0<const R: usize>(qs: &[i8], scale: &[f32], xq: &[i8], xd: &[f32]) -> [f32; R] {
            let blocks = xd.len();
            std::array::from_fn(|r| {
                (0..blocks)
                    .map(|b| {
                        let w = &qs[(r * blocks + b) * BLOCK..][..BLOCK];
                        let dot: i32 = w.iter().zip(&xq[b * BLOCK..][..BLOCK]).map(|(&w, &x)| i32::from(w) * i32::from(x)).sum();
                        scale[r * blocks + b] * xd[b] * dot as f32
                    })
                    .sum()
            })
        }
    }

    /// Σ a·b over the shorter of the two.
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"))]
    #[inline]
    pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
        use std::arch::x86_64::*;
        let n = a.len().min(b.len());
        let whole = n / 8 * 8;
        // SAFETY: AVX2 and FMA are enabled (the cfg above); loads stay below `whole` ≤ both lengths.
        let vector = unsafe {
            let mut acc = _mm256_setzero_ps();
            for i in (0..whole).step_by(8) {
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(a.as_ptr().add(i)), _mm256_loadu_ps(b.as_ptr().add(i)), acc);
            }
            horizontal_sum(acc)
        };
        vector + a[whole..n].iter().zip(&b[whole..n]).map(|(x, y)| x * y).sum::<f32>()
    }

    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma")))]
    pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random(seed: u64) -> impl FnMut() -> u32 {
        let mut state = seed;
        move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as u32
        }
    }

    /// Random Q4_1 and Q8_0 bytes as GGUF stores them, and the values they stand for.
    fn q4_1_bytes(rows: usize, cols: usize, seed: u64) -> (Vec<u8>, Vec<f32>) {
        let mut next = random(seed);
        let (mut bytes, mut values) = (Vec::new(), vec![0f32; rows * cols]);
        for b in 0..rows * cols / BLOCK {
            let d = f16::from_f32((next() % 1000) as f32 / 20000.0);
            let m = f16::from_f32(-((next() % 1000) as f32) / 4000.0);
            let qs: Vec<u8> = (0..BLOCK / 2).map(|_| (next() % 256) as u8).collect();
            bytes.extend(d.to_le_bytes());
            bytes.extend(m.to_le_bytes());
            bytes.extend(&qs);
            for j in 0..BLOCK / 2 {
                values[b * BLOCK + j] = d.to_f32() * f32::from(qs[j] & 0x0F) + m.to_f32();
                values[b * BLOCK + j + BLOCK / 2] = d.to_f32() * f32::from(qs[j] >> 4) + m.to_f32();
            }
        }
        (bytes, values)
    }

    fn q8_0_bytes(rows: usize, cols: usize, seed: u64) -> (Vec<u8>, Vec<f32>) {
        let mut next = random(seed);
        let (mut bytes, mut values) = (Vec::new(), Vec::new());
        for _ in 0..rows * cols / BLOCK {
            let d = f16::from_f32((next() % 1000) as f32 / 50000.0);
            bytes.extend(d.to_le_bytes());
            for _ in 0..BLOCK {
                let q = (next() % 255) as i32 - 127;
                bytes.push(q as i8 as u8);
                values.push(d.to_f32() * q as f32);
            }
        }
        (bytes, values)
    }

    fn check_against_values(w: &QMatrix, values: &[f32], tokens: usize, threads: usize) {
        let (rows, cols) = (w.rows(), w.cols());
        for r in [0, rows / 2, rows - 1] {
            let row = w.row(r);
            for c in 0..cols {
                assert!((row[c] - values[r * cols + c]).abs() < 1e-6, "row {r} col {c}");
            }
        }
        let x: Vec<f32> = (0..tokens * cols).map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0).collect();
        let out = w.apply(&x, &Pool::new(threads).unwrap());
        for t in 0..tokens {
            for r in 0..rows {
                let exact: f32 = (0..cols).map(|c| values[r * cols + c] * x[t * cols + c]).sum();
                let scale: f32 = (0..cols).map(|c| (values[r * cols + c] * x[t * cols + c]).abs()).sum();
                // 8-bit activations: each term is off by at most half a step of its block.
                assert!((out[t * rows + r] - exact).abs() <= 0.01 * scale + 1e-5, "row {r} token {t}: {} vs {exact}", out[t * rows + r]);
            }
        }
    }

    #[test]
    fn products_match_the_dequantized_weights_within_activation_rounding() {
        // Odd block counts (Q4_1 pads a zero block) and row counts that are not whole groups of four.
        for (rows, cols, tokens, threads) in [(70, 96, 3, 2), (9, 64, 1, 1), (133, 32, 2, 3)] {
            let (bytes, values) = q4_1_bytes(rows, cols, 7);
            check_against_values(&QMatrix::q4_1(rows, cols, &bytes).unwrap(), &values, tokens, threads);
            let (bytes, values) = q8_0_bytes(rows, cols, 11);
            check_against_values(&QMatrix::q8_0(rows, cols, &bytes).unwrap(), &values, tokens, threads);
        }
    }

    #[test]
    fn vector_and_scalar_kernels_agree() {
        let (rows, cols) = (4, 192);
        let x: Vec<f32> = (0..cols).map(|i| (i as f32 - 95.5) / 7.0).collect();
        let (bytes, _) = q4_1_bytes(rows, cols, 3);
        let w = QMatrix::q4_1(rows, cols, &bytes).unwrap();
        let a = Activations::quantize(&x, cols, w.blocks);
        let Quants::Q41 { nibbles, min } = &w.quants else { unreachable!() };
        let vector = kernels::q4_1::<4>(nibbles, &w.scale, min, &a.qs, &a.scale, &a.sum);
        let scalar = kernels::scalar::q4_1::<4>(nibbles, &w.scale, min, &a.qs, &a.scale, &a.sum);
        for (v, s) in vector.iter().zip(scalar) {
            assert!((v - s).abs() <= 1e-4 * s.abs().max(1.0), "{vector:?} vs {scalar:?}");
        }
        let (bytes, _) = q8_0_bytes(rows, cols, 5);
        let w = QMatrix::q8_0(rows, cols, &bytes).unwrap();
        let Quants::Q80 { qs } = &w.quants else { unreachable!() };
        let vector = kernels::q8_0::<4>(qs, &w.scale, &a.qs, &a.scale);
        let scalar = kernels::scalar::q8_0::<4>(qs, &w.scale, &a.qs, &a.scale);
        for (v, s) in vector.iter().zip(scalar) {
            assert!((v - s).abs() <= 1e-4 * s.abs().max(1.0), "{vector:?} vs {scalar:?}");
        }
    }

    #[test]
    fn concatenated_matrices_give_the_rows_of_each() {
        let (a, _) = q4_1_bytes(5, 64, 1);
        let (b, _) = q4_1_bytes(3, 64, 2);
        let x: Vec<f32> = (0..128).map(|i| (i as f32).sin()).collect();
        let pool = Pool::new(2).unwrap();
        let separate: Vec<Vec<f32>> =
            [(5, &a), (3, &b)].iter().map(|(r, bytes)| QMatrix::q4_1(*r, 64, bytes).unwrap().apply(&x, &pool)).collect();
        let joint = QMatrix::concat(vec![QMatrix::q4_1(5, 64, &a).unwrap(), QMatrix::q4_1(3, 64, &b).unwrap()]).ok().unwrap();
        let out = joint.apply(&x, &pool);
        for t in 0..2 {
            assert_eq!(&out[t * 8..t * 8 + 5], &separate[0][t * 5..t * 5 + 5]);
            assert_eq!(&out[t * 8 + 5..t * 8 + 8], &separate[1][t * 3..t * 3 + 3]);
        }
        let (c, _) = q8_0_bytes(2, 64, 3);
        assert!(QMatrix::concat(vec![QMatrix::q4_1(5, 64, &a).unwrap(), QMatrix::q8_0(2, 64, &c).unwrap()]).is_err());
    }

    #[test]
    fn sizes_that_do_not_fit_are_refused() {
        assert!(QMatrix::q4_1(2, 40, &[0; 60]).is_err());
        assert!(QMatrix::q4_1(2, 32, &[0; 39]).is_err());
        assert!(QMatrix::q8_0(1, 32, &[0; 33]).is_err());
    }
}
