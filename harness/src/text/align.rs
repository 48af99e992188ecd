//! Word alignment for error rates: substitutions, deletions and insertions from a Levenshtein
//! alignment of reference and hypothesis words, with the alignment itself for display.
//!
//! Two conventions, because the two reference scorers break ties differently:
//! - `Levenshtein` (default): unit costs, the minimal number of errors, with the tie-breaking of
//!   rapidfuzz's `Levenshtein.opcodes` (common prefix and suffix set aside first), which PyPI
//!   `jiwer` and Hugging Face `evaluate` use: S/D/I counts equal theirs.
//! - `Sclite`: NIST sclite's weighted alignment (substitution 4, insertion 3, deletion 3),
//!   whose S/D/I counts equal sclite's; on rare pairs it counts one error more than the minimum.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Convention {
    #[default]
    Levenshtein,
    Sclite,
}

impl Convention {
    pub fn name(self) -> &'static str {
        match self {
            Convention::Levenshtein => "levenshtein",
            Convention::Sclite => "sclite",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub hits: usize,
    pub substitutions: usize,
    pub deletions: usize,
    pub insertions: usize,
}

impl Counts {
    pub fn errors(&self) -> usize {
        self.substitutions + self.deletions + self.insertions
    }

    /// Tokens of the reference (words, or characters when characters were aligned).
    pub fn reference_len(&self) -> usize {
        self.hits + self.substitutions + self.deletions
    }

    pub fn add(&mut self, other: &Counts) {
        self.hits += other.hits;
        self.substitutions += other.substitutions;
        self.deletions += other.deletions;
        self.insertions += other.insertions;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Hit,
    Substitution,
    Deletion,
    Insertion,
}

/// The alignment in reading order: each step with the reference and hypothesis word indices it
/// covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alignment {
    pub steps: Vec<(Op, Option<usize>, Option<usize>)>,
    pub counts: Counts,
}

pub fn align<T: PartialEq>(reference: &[T], hypothesis: &[T], convention: Convention) -> Alignment {
    match convention {
        Convention::Levenshtein => levenshtein(reference, hypothesis),
        Convention::Sclite => sclite(reference, hypothesis),
    }
}

/// Only the counts, without keeping the alignment.
pub fn counts<T: PartialEq>(reference: &[T], hypothesis: &[T], convention: Convention) -> Counts {
    align(reference, hypothesis, convention).counts
}

fn finish(mut steps: Vec<(Op, Option<usize>, Option<usize>)>) -> Alignment {
    steps.reverse();
    let mut counts = Counts::default();
    for (op, _, _) in &steps {
        match op {
            Op::Hit => counts.hits += 1,
            Op::Substitution => counts.substitutions += 1,
            Op::Deletion => counts.deletions += 1,
            Op::Insertion => counts.insertions += 1,
        }
    }
    Alignment { steps, counts }
}

/// Cost matrix of `(n+1) × (m+1)` cells, row-major over reference positions.
struct Matrix {
    cells: Vec<u32>,
    width: usize,
}

impl Matrix {
    fn get(&self, i: usize, j: usize) -> u32 {
        self.cells[i * self.width + j]
    }
}

fn fill<T: PartialEq>(r: &[T], h: &[T], substitution: u32, indel: u32) -> Matrix {
    let width = h.len() + 1;
    let mut cells = vec![0u32; (r.len() + 1) * width];
    for (j, cell) in cells.iter_mut().take(width).enumerate() {
        *cell = indel * j as u32;
    }
    for i in 1..=r.len() {
        cells[i * width] = indel * i as u32;
        for j in 1..width {
            let diagonal = cells[(i - 1) * width + j - 1] + if r[i - 1] == h[j - 1] { 0 } else { substitution };
            let up = cells[(i - 1) * width + j] + indel;
            let left = cells[i * width + j - 1] + indel;
            cells[i * width + j] = diagonal.min(up).min(left);
        }
    }
    Matrix { cells, width }
}

fn levenshtein<T: PartialEq>(reference: &[T], hypothesis: &[T]) -> Alignment {
    let prefix = reference.iter().zip(hypothesis).take_while(|(a, b)| a == b).count();
    let (r_rest, h_rest) = (&reference[prefix..], &hypothesis[prefix..]);
    let suffix = r_rest.iter().rev().zip(h_rest.iter().rev()).take_while(|(a, b)| a == b).count();
    let (r, h) = (&r_rest[..r_rest.len() - suffix], &h_rest[..h_rest.len() - suffix]);
    let d = fill(r, h, 1, 1);
    let mut steps = Vec::with_capacity(reference.len() + hypothesis.len());
    for k in (0..suffix).rev() {
        steps.push((Op::Hit, Some(prefix + r.len() + k), Some(prefix + h.len() + k)));
    }
    let (mut i, mut j) = (r.len(), h.len());
    while i > 0 && j > 0 {
        if d.get(i, j) == d.get(i - 1, j) + 1 {
            i -= 1;
            steps.push((Op::Deletion, Some(prefix + i), None));
        } else {
            j -= 1;
            if j > 0 && d.get(i, j) + 1 == d.get(i - 1, j) {
                steps.push((Op::Insertion, None, Some(prefix + j)));
            } else {
                i -= 1;
                let op = if r[i] == h[j] { Op::Hit } else { Op::Substitution };
                steps.push((op, Some(prefix + i), Some(prefix + j)));
            }
        }
    }
    while i > 0 {
        i -= 1;
        steps.push((Op::Deletion, Some(prefix + i), None));
    }
    while j > 0 {
        j -= 1;
        steps.push((Op::Insertion, None, Some(prefix + j)));
    }
    for k in (0..prefix).rev() {
        steps.push((Op::Hit, Some(k), Some(k)));
    }
    finish(steps)
}

fn sclite<T: PartialEq>(r: &[T], h: &[T]) -> Alignment {
    const SUBSTITUTION: u32 = 4;
    const INDEL: u32 = 3;
    let d = fill(r, h, SUBSTITUTION, INDEL);
    let mut steps = Vec::with_capacity(r.len() + h.len());
    let (mut i, mut j) = (r.len(), h.len());
    while i > 0 || j > 0 {
        if i > 0 && j > 0 && d.get(i, j) == d.get(i - 1, j - 1) + if r[i - 1] == h[j - 1] { 0 } else { SUBSTITUTION } {
            i -= 1;
            j -= 1;
            steps.push((if r[i] == h[j] { Op::Hit } else { Op::Substitution }, Some(i), Some(j)));
        } else if j > 0 && d.get(i, j) == d.get(i, j - 1) + INDEL {
            j -= 1;
            steps.push((Op::Insertion, None, Some(j)));
        } else {
            i -= 1;
            steps.push((Op::Deletion, Some(i), None));
        }
    }
    finish(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    fn sdi(r: &str, h: &str, c: Convention) -> (usize, usize, usize) {
        let k = counts(&words(r), &words(h), c);
        (k.substitutions, k.deletions, k.insertions)
    }

    #[test]
    fn the_two_conventions_break_ties_as_their_scorers_do() {
        // jiwer: two substitutions; sclite: a deletion and an insertion.
        assert_eq!(sdi("a b", "b c", Convention::Levenshtein), (2, 0, 0));
        assert_eq!(sdi("a b", "b c", Convention::Sclite), (0, 1, 1));
        assert_eq!(sdi("a b c d", "x a c d e", Convention::Levenshtein), (0, 1, 2));
        assert_eq!(sdi("a b c d", "x a c d e", Convention::Sclite), (0, 1, 2));
        assert_eq!(sdi("", "a b", Convention::Levenshtein), (0, 0, 2));
        assert_eq!(sdi("a b", "", Convention::Sclite), (0, 2, 0));
    }

    #[test]
    fn the_alignment_covers_every_word_in_order() {
        let (r, h) = (words("the cat sat on the mat"), words("a cat sat on mat today"));
        for convention in [Convention::Levenshtein, Convention::Sclite] {
            let a = align(&r, &h, convention);
            let refs: Vec<usize> = a.steps.iter().filter_map(|s| s.1).collect();
            let hyps: Vec<usize> = a.steps.iter().filter_map(|s| s.2).collect();
            assert_eq!(refs, (0..r.len()).collect::<Vec<_>>());
            assert_eq!(hyps, (0..h.len()).collect::<Vec<_>>());
            assert_eq!(a.counts.reference_len(), r.len());
            assert_eq!(a.counts.errors(), 3, "{a:?}");
        }
    }
}
