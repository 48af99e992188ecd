//! Speech recognition scoring: word and character error rates from alignments (`align`), on
//! text normalised by a named, versioned normaliser (`normalise`). Corpus rates are sums of
//! errors over sums of reference words, never means of per-utterance rates.

pub mod align;
pub mod normalise;

use align::{Convention, Counts};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Corpus-level rates of summed counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// (S + D + I) / (H + S + D)
    pub wer: f64,
    /// (S + D + I) / (H + S + D + I)
    pub mer: f64,
    /// 1 − (H / (H + S + D)) · (H / (H + S + I))
    pub wil: f64,
}

pub fn rates(c: &Counts) -> Rates {
    let (h, s, d, i) = (c.hits as f64, c.substitutions as f64, c.deletions as f64, c.insertions as f64);
    let errors = s + d + i;
    let reference = h + s + d;
    let hypothesis = h + s + i;
    let ratio = |num: f64, den: f64| {
        if den > 0.0 {
            num / den
        } else if num > 0.0 {
            f64::INFINITY
        } else {
            0.0
        }
    };
    Rates {
        wer: ratio(errors, reference),
        mer: ratio(errors, h + s + d + i),
        wil: if reference > 0.0 && hypothesis > 0.0 {
            1.0 - (h / reference) * (h / hypothesis)
        } else if errors > 0.0 {
            1.0
        } else {
            0.0
        },
    }
}

/// Word counts of every (reference, hypothesis) pair, summed; pairs are scored in parallel.
pub fn corpus_counts(pairs: &[(String, String)], convention: Convention) -> Counts {
    pairs
        .par_iter()
        .map(|(reference, hypothesis)| {
            let r: Vec<&str> = reference.split_whitespace().collect();
            let h: Vec<&str> = hypothesis.split_whitespace().collect();
            align::counts(&r, &h, convention)
        })
        .reduce(Counts::default, |mut a, b| {
            a.add(&b);
            a
        })
}

/// Totals and rates of a JSONL file of `{"reference": …, "hypothesis": …}` pairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairsScore {
    pub pairs: usize,
    pub convention: Convention,
    pub normaliser: String,
    pub counts: Counts,
    pub reference_words: usize,
    pub rates: Rates,
}

pub fn score_pairs_file(path: &std::path::Path, convention: Convention, normaliser: normalise::Normaliser) -> crate::Result<PairsScore> {
    #[derive(Deserialize)]
    struct Pair {
        reference: String,
        hypothesis: String,
    }
    let text = crate::fsutil::read_to_string(path)?;
    let lines: Vec<(usize, &str)> = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).collect();
    // Parsed in parallel: at a hundred thousand pairs, reading costs as much as aligning.
    let pairs = lines
        .par_iter()
        .map(|&(i, line)| {
            let pair: Pair = serde_json::from_str(line)
                .map_err(|e| crate::Error::at_line(path, i + 1, format!("expected {{\"reference\": TEXT, \"hypothesis\": TEXT}}: {e}")))?;
            Ok((normaliser.apply(&pair.reference), normaliser.apply(&pair.hypothesis)))
        })
        .collect::<crate::Result<Vec<_>>>()?;
    let counts = corpus_counts(&pairs, convention);
    Ok(PairsScore {
        pairs: pairs.len(),
        convention,
        normaliser: normaliser.id().to_string(),
        reference_words: counts.reference_words(),
        rates: rates(&counts),
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_follow_their_definitions() {
        let c = Counts { hits: 6, substitutions: 2, deletions: 1, insertions: 1 };
        let r = rates(&c);
        assert!((r.wer - 4.0 / 9.0).abs() < 1e-15);
        assert!((r.mer - 4.0 / 10.0).abs() < 1e-15);
        assert!((r.wil - (1.0 - (6.0 / 9.0) * (6.0 / 9.0))).abs() < 1e-15);
        let empty = rates(&Counts::default());
        assert_eq!((empty.wer, empty.mer, empty.wil), (0.0, 0.0, 0.0));
        assert_eq!(rates(&Counts { insertions: 2, ..Counts::default() }).wer, f64::INFINITY);
    }

    #[test]
    fn corpus_wer_is_a_ratio_of_sums() {
        let pairs = vec![("a b c d".to_string(), "a b c d".to_string()), ("x".to_string(), "y".to_string())];
        let c = corpus_counts(&pairs, Convention::Levenshtein);
        // Mean of per-utterance rates would be 0.5; the corpus rate is 1 error in 5 words.
        assert_eq!(rates(&c).wer, 0.2);
    }
}
