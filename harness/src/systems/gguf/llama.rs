//! The `native` engine: a llama-family forward pass on the CPU in plain f32, with Q4_1 weights
//! multiplied by `q4_1`'s kernel and any other quantization by candle's. It computes what
//! candle-transformers' quantized llama computes (interleaved RoPE as GGUF stores llama, grouped
//! KV heads, RMS norms), but with one reusable KV cache a layer instead of a new tensor per
//! token, and it can rewind that cache to any position (multiple choice reuses the context).

use super::q4_1::Q41Matrix;
use candle_core::quantized::{gguf_file, GgmlDType, QMatMul};
use candle_core::{Device, Module, Tensor};
use std::sync::Arc;

/// A weight matrix `rows × cols`, applied as `y = W x`.
enum Linear {
    Q41(Q41Matrix),
    Candle { matmul: QMatMul, cols: usize },
}

impl Linear {
    /// `x` holds `tokens` rows of `cols` values; returns `tokens` rows of `rows` values.
    fn apply(&self, x: &[f32]) -> candle_core::Result<Vec<f32>> {
        match self {
            Linear::Q41(m) => {
                let mut out = vec![0f32; x.len() / m.cols() * m.rows()];
                m.matmul(x, &mut out);
                Ok(out)
            }
            Linear::Candle { matmul, cols, .. } => {
                let input = Tensor::from_slice(x, (x.len() / cols, *cols), &Device::Cpu)?;
                matmul.forward(&input)?.flatten_all()?.to_vec1()
            }
        }
    }
}

struct Layer {
    attention_norm: Vec<f32>,
    q: Linear,
    k: Linear,
    v: Linear,
    output: Linear,
    ffn_norm: Vec<f32>,
    gate: Linear,
    up: Linear,
    down: Linear,
}

struct Weights {
    embeddings: Vec<f32>,
    layers: Vec<Layer>,
    norm: Vec<f32>,
    lm_head: Linear,
    dim: usize,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    eps: f32,
    /// Per pair of a head's dimensions: the rotation angle per position.
    frequencies: Vec<f32>,
}

/// Weights shared between clones; each clone has its own KV cache.
#[derive(Clone)]
pub struct Llama {
    weights: Arc<Weights>,
    /// Per layer: keys and values of every position so far, `kv_heads * head_dim` each.
    keys: Vec<Vec<f32>>,
    values: Vec<Vec<f32>>,
    positions: usize,
}

fn metadata_f32(content: &gguf_file::Content, key: &str) -> Option<f32> {
    content.metadata.get(key).and_then(|v| v.to_f32().ok())
}

fn metadata_usize(content: &gguf_file::Content, key: &str) -> candle_core::Result<usize> {
    let value = content.metadata.get(key).ok_or_else(|| candle_core::Error::Msg(format!("metadata '{key}' is missing")))?;
    Ok(value.to_u32()? as usize)
}

impl Llama {
    pub fn from_gguf<R: std::io::Read + std::io::Seek>(content: &gguf_file::Content, reader: &mut R) -> candle_core::Result<Llama> {
        let mut tensor = |name: &str| content.tensor(reader, name, &Device::Cpu);
        let vector = |t: &candle_core::quantized::QTensor| t.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>();
        let linear = |t: candle_core::quantized::QTensor| -> candle_core::Result<Linear> {
            let (rows, cols) = t.shape().dims2()?;
            if t.dtype() == GgmlDType::Q4_1 {
                Ok(Linear::Q41(Q41Matrix::from_bytes(rows, cols, &t.data()?).map_err(candle_core::Error::Msg)?))
            } else {
                Ok(Linear::Candle { matmul: QMatMul::from_qtensor(t)?, cols })
            }
        };
        let heads = metadata_usize(content, "llama.attention.head_count")?;
        let kv_heads = metadata_usize(content, "llama.attention.head_count_kv")?;
        let dim = metadata_usize(content, "llama.embedding_length")?;
        let block_count = metadata_usize(content, "llama.block_count")?;
        let head_dim = dim / heads;
        let rope_dim = metadata_usize(content, "llama.rope.dimension_count").unwrap_or(head_dim);
        let base = metadata_f32(content, "llama.rope.freq_base").unwrap_or(10_000.0);
        let eps = metadata_f32(content, "llama.attention.layer_norm_rms_epsilon").unwrap_or(1e-5);
        if heads == 0 || kv_heads == 0 || heads % kv_heads != 0 || dim % heads != 0 || rope_dim != head_dim {
            return Err(candle_core::Error::Msg(format!(
                "unsupported shape: {heads} heads, {kv_heads} KV heads, width {dim}, RoPE over {rope_dim} dimensions"
            )));
        }
        let frequencies = (0..head_dim).step_by(2).map(|i| 1f32 / base.powf(i as f32 / head_dim as f32)).collect();
        let embeddings = vector(&tensor("token_embd.weight")?)?;
        let mut layers = Vec::with_capacity(block_count);
        for i in 0..block_count {
            let mut get = |part: &str| tensor(&format!("blk.{i}.{part}.weight"));
            layers.push(Layer {
                attention_norm: vector(&get("attn_norm")?)?,
                q: linear(get("attn_q")?)?,
                k: linear(get("attn_k")?)?,
                v: linear(get("attn_v")?)?,
                output: linear(get("attn_output")?)?,
                ffn_norm: vector(&get("ffn_norm")?)?,
                gate: linear(get("ffn_gate")?)?,
                up: linear(get("ffn_up")?)?,
                down: linear(get("ffn_down")?)?,
            });
        }
        let norm = vector(&tensor("output_norm.weight")?)?;
        // Models with tied embeddings have no `output.weight`.
        let lm_head = match tensor("output.weight") {
            Ok(output) => linear(output)?,
            Err(_) => linear(tensor("token_embd.weight")?)?,
        };
        let weights = Weights { embeddings, layers, norm, lm_head, dim, heads, kv_heads, head_dim, eps, frequencies };
        Ok(Llama { keys: vec![Vec::new(); block_count], values: vec![Vec::new(); block_count], positions: 0, weights: Arc::new(weights) })
    }

    pub fn clear_kv_cache(&mut self) {
        self.rewind(0);
    }

    fn rewind(&mut self, position: usize) {
        let width = self.weights.kv_heads * self.weights.head_dim;
        for (k, v) in self.keys.iter_mut().zip(&mut self.values) {
            k.truncate(position * width);
            v.truncate(position * width);
        }
        self.positions = position;
    }

    /// Runs `tokens` at positions `position..`, forgetting any cached position from `position` on;
    /// returns the logits after the last token.
    pub fn forward(&mut self, tokens: &[u32], position: usize) -> candle_core::Result<Vec<f32>> {
        if position > self.positions {
            return Err(candle_core::Error::Msg(format!("position {position} is past the {} cached", self.positions)));
        }
        self.rewind(position);
        let w = Arc::clone(&self.weights);
        let vocabulary = w.embeddings.len() / w.dim;
        let mut x = Vec::with_capacity(tokens.len() * w.dim);
        for &t in tokens {
            let t = t as usize;
            if t >= vocabulary {
                return Err(candle_core::Error::Msg(format!("token {t} is outside the vocabulary of {vocabulary}")));
            }
            x.extend_from_slice(&w.embeddings[t * w.dim..(t + 1) * w.dim]);
        }
        for (l, layer) in w.layers.iter().enumerate() {
            let h = rms_norm(&x, &layer.attention_norm, w.eps);
            let mut q = layer.q.apply(&h)?;
            let mut k = layer.k.apply(&h)?;
            let v = layer.v.apply(&h)?;
            rotate(&mut q, w.heads * w.head_dim, w.head_dim, &w.frequencies, position);
            rotate(&mut k, w.kv_heads * w.head_dim, w.head_dim, &w.frequencies, position);
            self.keys[l].extend_from_slice(&k);
            self.values[l].extend_from_slice(&v);
            let attended = attention(&w, &q, &self.keys[l], &self.values[l], position);
            add(&mut x, &layer.output.apply(&attended)?);
            let h = rms_norm(&x, &layer.ffn_norm, w.eps);
            let mut gate = layer.gate.apply(&h)?;
            let up = layer.up.apply(&h)?;
            for (g, u) in gate.iter_mut().zip(&up) {
                *g = *g / (1.0 + (-*g).exp()) * u;
            }
            add(&mut x, &layer.down.apply(&gate)?);
        }
        self.positions = position + tokens.len();
        let last = &x[(tokens.len() - 1) * w.dim..];
        w.lm_head.apply(&rms_norm(last, &w.norm, w.eps))
    }
}

fn add(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

fn rms_norm(x: &[f32], weight: &[f32], eps: f32) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.len());
    for row in x.chunks_exact(weight.len()) {
        let mean_square = row.iter().map(|v| v * v).sum::<f32>() / row.len() as f32;
        let scale = 1.0 / (mean_square + eps).sqrt();
        out.extend(row.iter().zip(weight).map(|(v, w)| v * scale * w));
    }
    out
}

/// Interleaved RoPE: dimensions (2i, 2i + 1) of every head turn by `position · frequency[i]`.
/// `x` holds one row of `width` values (whole heads) per token, the first at position `start`.
fn rotate(x: &mut [f32], width: usize, head_dim: usize, frequencies: &[f32], start: usize) {
    for (t, row) in x.chunks_exact_mut(width).enumerate() {
        let position = (start + t) as f32;
        for head in row.chunks_exact_mut(head_dim) {
            for (pair, frequency) in head.chunks_exact_mut(2).zip(frequencies) {
                let (sin, cos) = (position * frequency).sin_cos();
                let (a, b) = (pair[0], pair[1]);
                pair[0] = a * cos - b * sin;
                pair[1] = a * sin + b * cos;
            }
        }
    }
}

/// Causal attention of each query token over every cached position up to its own.
fn attention(w: &Weights, q: &[f32], keys: &[f32], values: &[f32], start: usize) -> Vec<f32> {
    let (hd, group) = (w.head_dim, w.heads / w.kv_heads);
    let kv_width = w.kv_heads * hd;
    let tokens = q.len() / (w.heads * hd);
    let scale = 1.0 / (hd as f32).sqrt();
    let mut out = vec![0f32; q.len()];
    let mut scores = Vec::new();
    for t in 0..tokens {
        let visible = start + t + 1;
        for head in 0..w.heads {
            let query = &q[(t * w.heads + head) * hd..][..hd];
            let kv = head / group;
            scores.clear();
            scores.extend((0..visible).map(|p| {
                let key = &keys[p * kv_width + kv * hd..][..hd];
                query.iter().zip(key).map(|(a, b)| a * b).sum::<f32>() * scale
            }));
            let max = scores.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
            let mut total = 0f32;
            for s in scores.iter_mut() {
                *s = (*s - max).exp();
                total += *s;
            }
            let target = &mut out[(t * w.heads + head) * hd..][..hd];
            for (p, s) in scores.iter().enumerate() {
                let weight = s / total;
                let value = &values[p * kv_width + kv * hd..][..hd];
                for (o, v) in target.iter_mut().zip(value) {
                    *o += weight * v;
                }
            }
        }
    }
    out
}
