//! The `native` engine: a llama-family forward pass on the CPU in plain f32, with Q4_1 and Q8_0
//! weights multiplied by `quant`'s kernels (others by candle's) on `pool`'s threads. It computes
//! what candle-transformers' quantized llama computes (interleaved RoPE as GGUF stores llama,
//! grouped KV heads, RMS norms), but with one reusable KV cache a layer instead of a new tensor
//! per token, query/key/value and gate/up projections fused into one product each, and it can
//! rewind the cache to any position (multiple choice reuses the context).

use crate::pool::{DisjointWrites, Pool};
use crate::quant::{kernels::dot_f32, QMatrix};
use candle_core::quantized::{gguf_file, GgmlDType, QMatMul, QTensor};
use candle_core::{Device, Module, Tensor};
use std::sync::Arc;

/// Weight matrices applied to the same input, their outputs side by side: `y = [W₁; W₂; …] x`.
enum Linear {
    Packed(QMatrix),
    /// Kinds the kernels do not cover, through candle, one matrix after another.
    Candle {
        parts: Vec<(QMatMul, usize)>,
        cols: usize,
    },
}

fn packed(t: &QTensor) -> candle_core::Result<Option<QMatrix>> {
    let (rows, cols) = t.shape().dims2()?;
    let matrix = match t.dtype() {
        GgmlDType::Q4_1 => QMatrix::q4_1(rows, cols, &t.data()?),
        GgmlDType::Q8_0 => QMatrix::q8_0(rows, cols, &t.data()?),
        _ => return Ok(None),
    };
    matrix.map(Some).map_err(candle_core::Error::Msg)
}

impl Linear {
    fn new(tensors: Vec<QTensor>) -> candle_core::Result<Linear> {
        let cols = tensors[0].shape().dims2()?.1;
        if let Some(parts) = tensors.iter().map(packed).collect::<candle_core::Result<Option<Vec<QMatrix>>>>()? {
            if let Ok(all) = QMatrix::concat(parts) {
                return Ok(Linear::Packed(all));
            }
        }
        let mut parts = Vec::new();
        for t in tensors {
            let (rows, width) = t.shape().dims2()?;
            if width != cols {
                return Err(candle_core::Error::Msg(format!("fused projections of {width} and {cols} columns")));
            }
            parts.push((QMatMul::from_qtensor(t)?, rows));
        }
        Ok(Linear::Candle { parts, cols })
    }

    fn rows(&self) -> usize {
        match self {
            Linear::Packed(m) => m.rows(),
            Linear::Candle { parts, .. } => parts.iter().map(|p| p.1).sum(),
        }
    }

    fn cols(&self) -> usize {
        match self {
            Linear::Packed(m) => m.cols(),
            Linear::Candle { cols, .. } => *cols,
        }
    }

    /// Refuses a matrix whose shape is not what the model's metadata implies.
    fn expect(&self, name: &str, rows: usize, cols: usize) -> candle_core::Result<()> {
        if (self.rows(), self.cols()) != (rows, cols) {
            return Err(candle_core::Error::Msg(format!(
                "{name} is {}×{}, but the metadata implies {rows}×{cols}",
                self.rows(),
                self.cols()
            )));
        }
        Ok(())
    }

    /// `x` holds one row per token; returns one row of `rows()` values per token.
    fn apply(&self, x: &[f32], pool: &Pool) -> candle_core::Result<Vec<f32>> {
        match self {
            Linear::Packed(m) => Ok(m.apply(x, pool)),
            Linear::Candle { parts, cols } => {
                let tokens = x.len() / cols;
                let input = Tensor::from_slice(x, (tokens, *cols), &Device::Cpu)?;
                let width = self.rows();
                let mut out = vec![0f32; tokens * width];
                let mut offset = 0;
                for (matmul, rows) in parts {
                    let part = matmul.forward(&input)?.flatten_all()?.to_vec1::<f32>()?;
                    for t in 0..tokens {
                        out[t * width + offset..][..*rows].copy_from_slice(&part[t * rows..][..*rows]);
                    }
                    offset += rows;
                }
                Ok(out)
            }
        }
    }
}

enum Embeddings {
    Packed(QMatrix),
    Dense(Vec<f32>),
    /// Tied to a packed output matrix.
    OfHead,
}

struct Layer {
    attention_norm: Vec<f32>,
    /// Query, key and value projections.
    qkv: Linear,
    output: Linear,
    ffn_norm: Vec<f32>,
    /// Gate and up projections.
    gate_up: Linear,
    down: Linear,
}

struct Weights {
    embeddings: Embeddings,
    vocabulary: usize,
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
    pool: Pool,
}

impl Weights {
    fn embedding(&self, token: usize) -> Vec<f32> {
        match (&self.embeddings, &self.lm_head) {
            (Embeddings::Packed(m), _) | (Embeddings::OfHead, Linear::Packed(m)) => m.row(token),
            (Embeddings::Dense(values), _) => values[token * self.dim..][..self.dim].to_vec(),
            (Embeddings::OfHead, Linear::Candle { .. }) => unreachable!("only a packed head is shared"),
        }
    }
}

/// Weights shared between clones; each clone has its own KV cache.
#[derive(Clone)]
pub struct Llama {
    weights: Arc<Weights>,
    /// Per layer: keys and values of every position so far, `kv_heads * head_dim` each.
    keys: Vec<Vec<f32>>,
    values: Vec<Vec<f32>>,
    /// The tokens whose keys and values the cache holds, at positions 0.. in order.
    cached: Vec<u32>,
}

fn metadata_f32(content: &gguf_file::Content, key: &str) -> Option<f32> {
    content.metadata.get(key).and_then(|v| v.to_f32().ok())
}

fn metadata_usize(content: &gguf_file::Content, key: &str) -> candle_core::Result<usize> {
    let value = content.metadata.get(key).ok_or_else(|| candle_core::Error::Msg(format!("metadata '{key}' is missing")))?;
    Ok(value.to_u32()? as usize)
}

impl Llama {
    pub fn from_gguf<R: std::io::Read + std::io::Seek>(
        content: &gguf_file::Content,
        reader: &mut R,
        threads: usize,
    ) -> candle_core::Result<Llama> {
        let mut tensor = |name: &str| content.tensor(reader, name, &Device::Cpu);
        let vector = |t: &QTensor| t.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>();
        let heads = metadata_usize(content, "llama.attention.head_count")?;
        let kv_heads = metadata_usize(content, "llama.attention.head_count_kv")?;
        let dim = metadata_usize(content, "llama.embedding_length")?;
        let block_count = metadata_usize(content, "llama.block_count")?;
        let head_dim = dim / heads.max(1);
        let rope_dim = metadata_usize(content, "llama.rope.dimension_count").unwrap_or(head_dim);
        let base = metadata_f32(content, "llama.rope.freq_base").unwrap_or(10_000.0);
        let eps = metadata_f32(content, "llama.attention.layer_norm_rms_epsilon").unwrap_or(1e-5);
        if heads == 0 || kv_heads == 0 || heads % kv_heads != 0 || dim % heads != 0 || rope_dim != head_dim {
            return Err(candle_core::Error::Msg(format!(
                "unsupported shape: {heads} heads, {kv_heads} KV heads, width {dim}, RoPE over {rope_dim} dimensions"
            )));
        }
        let frequencies = (0..head_dim).step_by(2).map(|i| 1f32 / base.powf(i as f32 / head_dim as f32)).collect();
        let mut layers = Vec::with_capacity(block_count);
        for i in 0..block_count {
            let mut get = |part: &str| tensor(&format!("blk.{i}.{part}.weight"));
            layers.push(Layer {
                attention_norm: vector(&get("attn_norm")?)?,
                qkv: Linear::new(vec![get("attn_q")?, get("attn_k")?, get("attn_v")?])?,
                output: Linear::new(vec![get("attn_output")?])?,
                ffn_norm: vector(&get("ffn_norm")?)?,
                gate_up: Linear::new(vec![get("ffn_gate")?, get("ffn_up")?])?,
                down: Linear::new(vec![get("ffn_down")?])?,
            });
            // Shapes the forward pass relies on, so a damaged file is an error, not a panic.
            let layer = &layers[i];
            let hidden = layer.down.cols();
            let block = format!("blk.{i}");
            layer.qkv.expect(&format!("{block} attn_q/k/v"), (heads + 2 * kv_heads) * head_dim, dim)?;
            layer.output.expect(&format!("{block}.attn_output"), dim, heads * head_dim)?;
            layer.gate_up.expect(&format!("{block} ffn_gate/up"), 2 * hidden, dim)?;
            layer.down.expect(&format!("{block}.ffn_down"), dim, hidden)?;
            if layer.attention_norm.len() != dim || layer.ffn_norm.len() != dim {
                return Err(candle_core::Error::Msg(format!("{block}: norm weights are not {dim} long")));
            }
        }
        let norm = vector(&tensor("output_norm.weight")?)?;
        let token_embeddings = tensor("token_embd.weight")?;
        let (vocabulary, token_embeddings_width) = token_embeddings.shape().dims2()?;
        let dense = |t: &QTensor| -> candle_core::Result<Embeddings> { Ok(Embeddings::Dense(vector(t)?)) };
        // Models with tied embeddings have no `output.weight`.
        let (lm_head, embeddings) = match tensor("output.weight") {
            Ok(output) => {
                let embeddings = match packed(&token_embeddings)? {
                    Some(m) => Embeddings::Packed(m),
                    None => dense(&token_embeddings)?,
                };
                (Linear::new(vec![output])?, embeddings)
            }
            Err(_) => match packed(&token_embeddings)? {
                Some(m) => (Linear::Packed(m), Embeddings::OfHead),
                None => {
                    let embeddings = dense(&token_embeddings)?;
                    (Linear::new(vec![token_embeddings])?, embeddings)
                }
            },
        };
        if token_embeddings_width != dim || norm.len() != dim {
            return Err(candle_core::Error::Msg(format!("token embeddings or output norm are not {dim} wide")));
        }
        lm_head.expect("the output matrix", vocabulary, dim)?;
        let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
        let pool = Pool::new(threads).map_err(|e| candle_core::Error::Msg(format!("cannot start {threads} threads: {e}")))?;
        let weights = Weights { embeddings, vocabulary, layers, norm, lm_head, dim, heads, kv_heads, head_dim, eps, frequencies, pool };
        Ok(Llama {
            keys: vec![Vec::new(); block_count],
            values: vec![Vec::new(); block_count],
            cached: Vec::new(),
            weights: Arc::new(weights),
        })
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
        self.cached.truncate(position);
    }

    /// How many leading `tokens` the cache already holds, leaving at least the last to run (its
    /// logits are wanted).
    pub fn reusable_prefix(&self, tokens: &[u32]) -> usize {
        let shared = self.cached.iter().zip(tokens).take_while(|(a, b)| a == b).count();
        shared.min(tokens.len().saturating_sub(1))
    }

    /// Runs `tokens` at positions `position..`, forgetting any cached position from `position` on;
    /// returns the logits after the last token.
    pub fn forward(&mut self, tokens: &[u32], position: usize) -> candle_core::Result<Vec<f32>> {
        let x = self.hidden_states(tokens, position)?;
        let w = &self.weights;
        w.lm_head.apply(&rms_norm(&x[(tokens.len() - 1) * w.dim..], &w.norm, w.eps), &w.pool)
    }

    /// As `forward`, but returns the logits after every token, one row of the vocabulary's size
    /// each: a continuation scored in one pass instead of token by token.
    pub fn forward_every(&mut self, tokens: &[u32], position: usize) -> candle_core::Result<Vec<f32>> {
        let x = self.hidden_states(tokens, position)?;
        let w = &self.weights;
        w.lm_head.apply(&rms_norm(&x, &w.norm, w.eps), &w.pool)
    }

    /// The last layer's output for every token (one row of the model's width each).
    fn hidden_states(&mut self, tokens: &[u32], position: usize) -> candle_core::Result<Vec<f32>> {
        if position > self.cached.len() {
            return Err(candle_core::Error::Msg(format!("position {position} is past the {} cached", self.cached.len())));
        }
        if tokens.is_empty() {
            return Err(candle_core::Error::Msg("no tokens to run".into()));
        }
        self.rewind(position);
        let w = Arc::clone(&self.weights);
        let pool = &w.pool;
        let mut x = Vec::with_capacity(tokens.len() * w.dim);
        for &t in tokens {
            let t = t as usize;
            if t >= w.vocabulary {
                return Err(candle_core::Error::Msg(format!("token {t} is outside the vocabulary of {}", w.vocabulary)));
            }
            x.extend(w.embedding(t));
        }
        let (q_width, kv_width) = (w.heads * w.head_dim, w.kv_heads * w.head_dim);
        for (l, layer) in w.layers.iter().enumerate() {
            let h = rms_norm(&x, &layer.attention_norm, w.eps);
            let qkv = layer.qkv.apply(&h, pool)?;
            let (mut q, mut k, mut v) = (Vec::new(), Vec::new(), Vec::new());
            for row in qkv.chunks_exact(q_width + 2 * kv_width) {
                q.extend_from_slice(&row[..q_width]);
                k.extend_from_slice(&row[q_width..q_width + kv_width]);
                v.extend_from_slice(&row[q_width + kv_width..]);
            }
            rotate(&mut q, q_width, w.head_dim, &w.frequencies, position);
            rotate(&mut k, kv_width, w.head_dim, &w.frequencies, position);
            self.keys[l].extend_from_slice(&k);
            self.values[l].extend_from_slice(&v);
            let attended = attention(&w, &q, &self.keys[l], &self.values[l], position);
            add(&mut x, &layer.output.apply(&attended, pool)?);
            let h = rms_norm(&x, &layer.ffn_norm, w.eps);
            let gate_up = layer.gate_up.apply(&h, pool)?;
            let hidden = gate_up.len() / tokens.len() / 2;
            let mut activated = Vec::with_capacity(tokens.len() * hidden);
            for row in gate_up.chunks_exact(2 * hidden) {
                let (gate, up) = row.split_at(hidden);
                activated.extend(gate.iter().zip(up).map(|(g, u)| g / (1.0 + (-g).exp()) * u));
            }
            add(&mut x, &layer.down.apply(&activated, pool)?);
        }
        self.cached.extend_from_slice(tokens);
        Ok(x)
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

/// Causal attention of each query token over every cached position up to its own, one
/// (token, head) pair per parallel item.
fn attention(w: &Weights, q: &[f32], keys: &[f32], values: &[f32], start: usize) -> Vec<f32> {
    let (hd, group) = (w.head_dim, w.heads / w.kv_heads);
    let kv_width = w.kv_heads * hd;
    let tokens = q.len() / (w.heads * hd);
    let scale = 1.0 / (hd as f32).sqrt();
    let mut out = vec![0f32; q.len()];
    let target = DisjointWrites::new(&mut out);
    w.pool.run(tokens * w.heads, &|item| {
        let (t, head) = (item / w.heads, item % w.heads);
        let visible = start + t + 1;
        let query = &q[item * hd..][..hd];
        let kv = head / group;
        let mut scores: Vec<f32> = (0..visible)
            .map(|p| {
                let key = &keys[p * kv_width + kv * hd..][..hd];
                dot_f32(query, key) * scale
            })
            .collect();
        let max = scores.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
        let mut total = 0f32;
        for s in scores.iter_mut() {
            *s = (*s - max).exp();
            total += *s;
        }
        // SAFETY: item `i` alone writes out[i * hd..(i + 1) * hd], which is inside `out`.
        let mine = unsafe { std::slice::from_raw_parts_mut(target.at(item * hd), hd) };
        for (p, s) in scores.iter().enumerate() {
            let weight = s / total;
            let value = &values[p * kv_width + kv * hd..][..hd];
            for (o, v) in mine.iter_mut().zip(value) {
                *o += weight * v;
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::quantized::gguf_file::Value;

    /// A tiny llama GGUF: width 64, 2 heads, 1 KV head, one block, FFN of `hidden`, 10 tokens;
    /// `down_cols` lets a test damage the FFN's down projection.
    fn tiny_model(hidden: usize, down_cols: usize) -> std::io::Cursor<Vec<u8>> {
        let (dim, vocabulary) = (64, 10);
        let matrix = |rows: usize, cols: usize, dtype: GgmlDType| {
            let values: Vec<f32> = (0..rows * cols).map(|i| ((i * 7919 % 113) as f32 - 56.0) / 200.0).collect();
            QTensor::quantize(&Tensor::from_vec(values, (rows, cols), &Device::Cpu).unwrap(), dtype).unwrap()
        };
        let norm = || QTensor::quantize(&Tensor::ones(dim, candle_core::DType::F32, &Device::Cpu).unwrap(), GgmlDType::F32).unwrap();
        let tensors = vec![
            ("token_embd.weight", matrix(vocabulary, dim, GgmlDType::Q8_0)),
            ("output_norm.weight", norm()),
            ("blk.0.attn_norm.weight", norm()),
            ("blk.0.ffn_norm.weight", norm()),
            ("blk.0.attn_q.weight", matrix(dim, dim, GgmlDType::Q4_1)),
            ("blk.0.attn_k.weight", matrix(dim / 2, dim, GgmlDType::Q4_1)),
            ("blk.0.attn_v.weight", matrix(dim / 2, dim, GgmlDType::Q8_0)),
            ("blk.0.attn_output.weight", matrix(dim, dim, GgmlDType::F32)),
            ("blk.0.ffn_gate.weight", matrix(hidden, dim, GgmlDType::Q4_1)),
            ("blk.0.ffn_up.weight", matrix(hidden, dim, GgmlDType::Q4_1)),
            ("blk.0.ffn_down.weight", matrix(dim, down_cols, GgmlDType::Q4_1)),
        ];
        let metadata = [
            ("general.architecture", Value::String("llama".into())),
            ("llama.attention.head_count", Value::U32(2)),
            ("llama.attention.head_count_kv", Value::U32(1)),
            ("llama.embedding_length", Value::U32(dim as u32)),
            ("llama.block_count", Value::U32(1)),
        ];
        let metadata: Vec<(&str, &Value)> = metadata.iter().map(|(k, v)| (*k, v)).collect();
        let tensors: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, v)| (*k, v)).collect();
        let mut file = std::io::Cursor::new(Vec::new());
        gguf_file::write(&mut file, &metadata, &tensors).unwrap();
        file.set_position(0);
        file
    }

    fn load(mut file: std::io::Cursor<Vec<u8>>) -> candle_core::Result<Llama> {
        let content = gguf_file::Content::read(&mut file)?;
        Llama::from_gguf(&content, &mut file, 2)
    }

    #[test]
    fn mixed_tensor_kinds_odd_sizes_and_rewinding_give_consistent_logits() {
        // Q4_1, Q8_0 and F32 (through candle) in one model; an FFN of 96 rows (an odd number of
        // Q4_1 blocks per row of ffn_down) and a vocabulary that is not whole groups of four rows.
        let mut model = load(tiny_model(96, 96)).unwrap();
        let all_at_once = model.forward(&[1, 2, 3, 4], 0).unwrap();
        assert_eq!(all_at_once.len(), 10);
        assert!(all_at_once.iter().all(|v| v.is_finite()));
        let _ = model.forward(&[1, 2], 0).unwrap();
        let _ = model.forward(&[3], 2).unwrap();
        let step_by_step = model.forward(&[4], 3).unwrap();
        for (a, b) in all_at_once.iter().zip(&step_by_step) {
            assert!((a - b).abs() < 1e-4, "{all_at_once:?} vs {step_by_step:?}");
        }
        // Every position's logits from one pass (after rewinding to 1) equal the steps' logits.
        let steps: Vec<Vec<f32>> = (1..4).map(|p| model.forward(&[p as u32 + 1], p).unwrap()).collect();
        let every = model.forward_every(&[2, 3, 4], 1).unwrap();
        assert_eq!(every.len(), 3 * 10);
        for (row, step) in every.chunks_exact(10).zip(&steps) {
            for (a, b) in row.iter().zip(step) {
                assert!((a - b).abs() < 1e-4, "{row:?} vs {step:?}");
            }
        }
        assert!(model.forward(&[10], 4).unwrap_err().to_string().contains("outside the vocabulary of 10"));
        assert!(model.forward(&[1], 9).unwrap_err().to_string().contains("past the 4 cached"));
    }

    #[test]
    fn a_shared_prefix_is_reused_and_the_logits_do_not_change() {
        let mut model = load(tiny_model(96, 96)).unwrap();
        assert_eq!(model.reusable_prefix(&[1, 2, 3]), 0);
        let whole = model.forward(&[1, 2, 3, 4], 0).unwrap();
        // The last token always runs, for its logits.
        assert_eq!(model.reusable_prefix(&[1, 2, 3, 4]), 3);
        assert_eq!(model.reusable_prefix(&[1, 2, 5]), 2);
        assert_eq!(model.reusable_prefix(&[2, 2]), 0);
        let _ = model.forward(&[5], 2).unwrap();
        assert_eq!(model.reusable_prefix(&[1, 2, 3, 4]), 2);
        assert_eq!(model.forward(&[3, 4], 2).unwrap(), whole);
    }

    #[test]
    fn a_matrix_of_the_wrong_shape_is_refused_by_name() {
        let err = load(tiny_model(96, 64)).err().unwrap().to_string();
        assert!(err.contains("blk.0 ffn_gate/up is 192×64, but the metadata implies 128×64"), "{err}");
    }
}
