//! Q4_1 weight matrices times f32 activations, as llama.cpp computes them: each activation row is
//! quantized to 8 bits per block of 32 (with the block's sum, which Q4_1's offset needs), and
//! every weight block is dotted with it in integers. candle's own Q4_1 kernel is scalar; this one
//! uses AVX2 where the build targets it (`.cargo/config.toml`), and reads the weights as stored,
//! half the bytes of a Q8_0 copy, which is what decoding is bound by.

use half::f16;
use rayon::prelude::*;

const BLOCK: usize = 32;

/// GGUF's Q4_1 block: `value = d * q + m`, with q in 0..16; byte j holds element j in its low
/// nibble and element j + 16 in its high nibble.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct BlockQ41 {
    d: f16,
    m: f16,
    qs: [u8; BLOCK / 2],
}

/// An activation block: `value ≈ d * q`, and `s = d * Σq` for the weights' offset term.
#[derive(Debug, Clone, Copy)]
struct BlockQ8 {
    d: f32,
    s: f32,
    qs: [i8; BLOCK],
}

/// A row-major `rows × cols` Q4_1 matrix: `y = W x` for each activation row `x`.
#[derive(Debug, Clone)]
pub struct Q41Matrix {
    rows: usize,
    cols: usize,
    blocks: Vec<BlockQ41>,
}

impl Q41Matrix {
    /// From GGUF's raw bytes (20 bytes a block, little-endian halves).
    pub fn from_bytes(rows: usize, cols: usize, bytes: &[u8]) -> Result<Q41Matrix, String> {
        if cols % BLOCK != 0 {
            return Err(format!("Q4_1 rows of {cols} values are not whole blocks of {BLOCK}"));
        }
        let expected = rows * cols / BLOCK * 20;
        if bytes.len() != expected {
            return Err(format!("Q4_1 tensor of {rows}×{cols} has {} bytes, expected {expected}", bytes.len()));
        }
        let blocks = bytes
            .chunks_exact(20)
            .map(|b| BlockQ41 {
                d: f16::from_le_bytes([b[0], b[1]]),
                m: f16::from_le_bytes([b[2], b[3]]),
                qs: b[4..20].try_into().expect("16 bytes"),
            })
            .collect();
        Ok(Q41Matrix { rows, cols, blocks })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `out[t * rows + r] = Σ_c W[r][c] · x[t * cols + c]` for every activation row t.
    pub fn matmul(&self, x: &[f32], out: &mut [f32]) {
        let tokens = x.len() / self.cols;
        debug_assert_eq!(out.len(), tokens * self.rows);
        let per_row = self.cols / BLOCK;
        let activations: Vec<BlockQ8> = x.chunks_exact(BLOCK).map(quantize_block).collect();
        // Enough chunks to balance the threads, large enough to amortise scheduling.
        let chunk = (self.rows / (rayon::current_num_threads() * 4)).max(16);
        let mut by_row = vec![0f32; tokens * self.rows];
        by_row.par_chunks_mut(chunk * tokens).enumerate().for_each(|(c, part)| {
            for (i, slot) in part.chunks_exact_mut(tokens).enumerate() {
                let r = c * chunk + i;
                let weights = &self.blocks[r * per_row..(r + 1) * per_row];
                for (t, value) in slot.iter_mut().enumerate() {
                    *value = dot(weights, &activations[t * per_row..(t + 1) * per_row]);
                }
            }
        });
        for t in 0..tokens {
            for r in 0..self.rows {
                out[t * self.rows + r] = by_row[r * tokens + t];
            }
        }
    }
}

fn quantize_block(x: &[f32]) -> BlockQ8 {
    let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let d = amax / 127.0;
    let inverse = if d > 0.0 { 1.0 / d } else { 0.0 };
    let mut qs = [0i8; BLOCK];
    let mut sum = 0i32;
    for (q, v) in qs.iter_mut().zip(x) {
        *q = (v * inverse).round() as i8;
        sum += i32::from(*q);
    }
    BlockQ8 { d, s: d * sum as f32, qs }
}

#[cfg(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"))]
fn dot(weights: &[BlockQ41], activations: &[BlockQ8]) -> f32 {
    use std::arch::x86_64::*;
    // SAFETY: the build enables AVX2 and FMA (checked by the cfg above); loads are unaligned
    // loads of 16 and 32 bytes from arrays of exactly that size.
    unsafe {
        let low_nibbles = _mm256_set1_epi8(0x0F);
        let ones = _mm256_set1_epi16(1);
        let mut acc = _mm256_setzero_ps();
        let mut offsets = 0f32;
        for (w, a) in weights.iter().zip(activations) {
            let packed = _mm_loadu_si128(w.qs.as_ptr() as *const __m128i);
            let q4 = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), low_nibbles);
            let q8 = _mm256_loadu_si256(a.qs.as_ptr() as *const __m256i);
            // Unsigned 4-bit times signed 8-bit pairs fit i16 (2 · 15 · 128), then pairs to i32.
            let sums = _mm256_madd_epi16(_mm256_maddubs_epi16(q4, q8), ones);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(w.d.to_f32() * a.d), _mm256_cvtepi32_ps(sums), acc);
            offsets += w.m.to_f32() * a.s;
        }
        let halves = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
        let pairs = _mm_add_ps(halves, _mm_movehl_ps(halves, halves));
        let total = _mm_add_ss(pairs, _mm_movehdup_ps(pairs));
        _mm_cvtss_f32(total) + offsets
    }
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma")))]
fn dot(weights: &[BlockQ41], activations: &[BlockQ8]) -> f32 {
    weights.iter().zip(activations).map(|(w, a)| scalar_block_dot(w, a)).sum()
}

#[cfg_attr(all(target_arch = "x86_64", target_feature = "avx2", target_feature = "fma"), allow(dead_code))]
fn scalar_block_dot(w: &BlockQ41, a: &BlockQ8) -> f32 {
    let mut sum = 0i32;
    for j in 0..BLOCK / 2 {
        sum += i32::from(w.qs[j] & 0x0F) * i32::from(a.qs[j]);
        sum += i32::from(w.qs[j] >> 4) * i32::from(a.qs[j + BLOCK / 2]);
    }
    w.d.to_f32() * a.d * sum as f32 + w.m.to_f32() * a.s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A random matrix of Q4_1 blocks as GGUF stores them, and its values.
    fn matrix(rows: usize, cols: usize, seed: u64) -> (Vec<u8>, Vec<f32>) {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
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

    #[test]
    fn matmul_matches_dequantized_weights_within_activation_rounding() {
        let (rows, cols, tokens) = (70, 96, 3);
        let (bytes, values) = matrix(rows, cols, 7);
        let w = Q41Matrix::from_bytes(rows, cols, &bytes).unwrap();
        let x: Vec<f32> = (0..tokens * cols).map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0).collect();
        let mut out = vec![0f32; tokens * rows];
        w.matmul(&x, &mut out);
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
    fn vector_and_scalar_kernels_agree() {
        let (bytes, _) = matrix(4, 64, 3);
        let w = Q41Matrix::from_bytes(4, 64, &bytes).unwrap();
        let x: Vec<f32> = (0..64).map(|i| (i as f32 - 31.5) / 7.0).collect();
        let a: Vec<BlockQ8> = x.chunks_exact(BLOCK).map(quantize_block).collect();
        for r in 0..4 {
            let blocks = &w.blocks[r * 2..r * 2 + 2];
            let scalar: f32 = blocks.iter().zip(&a).map(|(w, a)| scalar_block_dot(w, a)).sum();
            assert!((dot(blocks, &a) - scalar).abs() <= 1e-4 * scalar.abs().max(1.0));
        }
    }

    #[test]
    fn sizes_that_do_not_fit_are_refused() {
        assert!(Q41Matrix::from_bytes(2, 40, &[0; 60]).is_err());
        assert!(Q41Matrix::from_bytes(2, 32, &[0; 39]).is_err());
    }
}
