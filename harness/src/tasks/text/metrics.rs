//! The comparisons of a generation's answer with its target: lm-evaluation-harness's
//! `exact_match` (Hugging Face `evaluate`'s, with its options) and SQuAD's token F1.

use crate::spec::suite::TextSpec;
use std::collections::HashMap;

/// Python's `string.punctuation`: exactly the ASCII punctuation characters.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
}

/// Whether `answer` equals `target` after the options' normalisation, applied to both in
/// `evaluate`'s order: each regex removed, case folded, punctuation removed, digits removed.
pub fn exact_match(answer: &str, target: &str, spec: &TextSpec) -> bool {
    normalise(answer, spec) == normalise(target, spec)
}

fn normalise(text: &str, spec: &TextSpec) -> String {
    let options = &spec.exact_match;
    let mut text = text.to_string();
    for regex in &spec.regexes().regexes_to_ignore {
        text = regex.replace_all(&text, "").into_owned();
    }
    if options.ignore_case {
        text = text.to_lowercase();
    }
    if options.ignore_punctuation {
        text.retain(|c| !is_punctuation(c));
    }
    if options.ignore_numbers {
        text.retain(|c| !c.is_ascii_digit());
    }
    text
}

/// SQuAD's token F1: both texts lowercased, punctuation and the articles a/an/the removed,
/// split on whitespace; the harmonic mean of the shared tokens' precision and recall.
pub fn token_f1(answer: &str, target: &str) -> f64 {
    let (predicted, gold) = (squad_tokens(answer), squad_tokens(target));
    if predicted.is_empty() || gold.is_empty() {
        return f64::from(u8::from(predicted == gold));
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for token in &gold {
        *counts.entry(token.as_str()).or_default() += 1;
    }
    let mut shared = 0;
    for token in &predicted {
        if let Some(count) = counts.get_mut(token.as_str()).filter(|c| **c > 0) {
            *count -= 1;
            shared += 1;
        }
    }
    if shared == 0 {
        return 0.0;
    }
    let precision = shared as f64 / predicted.len() as f64;
    let recall = shared as f64 / gold.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

fn squad_tokens(text: &str) -> Vec<String> {
    let mut lowered = text.to_lowercase();
    lowered.retain(|c| !is_punctuation(c));
    lowered.split_whitespace().filter(|w| !matches!(*w, "a" | "an" | "the")).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::suite::ExactMatchSpec;

    fn exact_match(answer: &str, target: &str, options: &ExactMatchSpec) -> bool {
        let mut spec: TextSpec = toml::from_str("output_type = \"generate_until\"\ndoc_to_text = \"q\"\ndoc_to_target = \"a\"").unwrap();
        spec.exact_match = options.clone();
        super::exact_match(answer, target, &spec)
    }

    #[test]
    fn gsm8k_exact_match_options_as_lm_eval_sets_them() {
        let options = ExactMatchSpec {
            ignore_case: true,
            regexes_to_ignore: vec![",".into(), r"\$".into(), "(?s).*#### ".into(), r"\.$".into()],
            ..Default::default()
        };
        let target = "Natalia sold 48/2 = 24 clips in May.\nAltogether 48+24 = 72.\n#### 1,072";
        assert!(exact_match("$1,072.", target, &options));
        assert!(exact_match("1072", target, &options));
        assert!(!exact_match("1073", target, &options));
        assert!(!exact_match("[invalid]", target, &options));
        let strict = ExactMatchSpec::default();
        assert!(!exact_match("Yes", "yes", &strict));
        let loose = ExactMatchSpec { ignore_case: true, ignore_punctuation: true, ..Default::default() };
        assert!(exact_match("Yes!", "yes", &loose));
        assert!(exact_match("a1b2", "ab", &ExactMatchSpec { ignore_numbers: true, ..Default::default() }));
    }

    #[test]
    fn token_f1_as_squad_computes_it() {
        assert_eq!(token_f1("The Eiffel Tower", "eiffel tower"), 1.0);
        assert_eq!(token_f1("Paris", "London"), 0.0);
        // 2 shared of 3 predicted and 2 gold: precision 2/3, recall 1.
        assert!((token_f1("in Paris France", "Paris, France") - 0.8).abs() < 1e-12);
        assert_eq!(token_f1("the", "a"), 1.0);
        assert_eq!(token_f1("", "Paris"), 0.0);
    }
}
