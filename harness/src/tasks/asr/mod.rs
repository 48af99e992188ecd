//! Speech recognition scoring: word and character error rates from alignments (`align`), on
//! text normalised by a named, versioned normaliser (`normalise`). Corpus rates are sums of
//! errors over sums of reference words, never means of per-utterance rates.

pub use crate::data::{audio, transcripts};
pub use crate::protocol::AudioItem;
pub use crate::text::{align, normalise};

use crate::error::{Error, Result};
use crate::spec::dataset::Dataset;
use crate::spec::suite::{AsrSpec, Metric, Suite, TaskKind};
use crate::stats::bootstrap::{sum_statistic, Method, DEFAULT_RESAMPLES};
use crate::store::metrics::MetricValue;
use crate::store::samples::Sample;
use crate::tasks::{ItemValues, Link, MetricDef, PreparedTask, Role, Score, TaskItem};
use align::{Convention, Counts};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Bump when alignment, normalisation or the per-utterance measures change.
pub const SCORING_VERSION: &str = "asr.wer/1";

/// Measure set on utterances that could not be scored (missing or broken audio, unusable
/// transcript): they stay in the samples, marked, and out of the rates.
pub const FAILED: &str = "failed";

pub fn spec(suite: &Suite) -> Result<&AsrSpec> {
    suite.spec.asr.as_ref().map(|a| a.get_ref()).ok_or_else(|| Error::in_file(&suite.path, "no [asr] table"))
}

/// One item per utterance, in transcript order; every audio file is read once here so that
/// broken audio is found before any system runs, and marks only its own utterance.
pub fn prepare(suite: &Suite, dataset: &Dataset) -> Result<PreparedTask> {
    let asr = spec(suite)?;
    let utterances = transcripts::load(dataset, &suite.spec.dataset.file, asr)?;
    // Audio is used only when dataset.toml records its sha256: then it was hashed when the
    // dataset loaded, and a bundle of the run carries it.
    let hashes: BTreeMap<PathBuf, String> = dataset
        .spec
        .files
        .iter()
        .filter_map(|f| {
            Some((crate::fsutil::join_inside(std::path::Path::new(""), f.path.get_ref())?, f.sha256.get_ref().to_ascii_lowercase()))
        })
        .collect();
    let items: Vec<TaskItem> = utterances
        .par_iter()
        .enumerate()
        .map(|(index, u)| {
            let relative = u.audio_in_dataset.display().to_string();
            let sha256 = hashes.get(&u.audio_in_dataset);
            let inspected = match sha256 {
                Some(_) => audio::inspect(&u.audio),
                None if !u.audio.is_file() => Err(format!("audio file {} not found", u.audio.display())),
                None => Err(format!("audio file {relative} is not listed in dataset.toml: audio is used only when its sha256 is recorded")),
            };
            let problem = match (&u.text, &inspected) {
                (Err(e), _) => Some(e.clone()),
                (_, Err(e)) => Some(e.clone()),
                _ => None,
            };
            // The prompt is the audio: its path and its content hash.
            let prompt = format!("{relative} sha256:{}", sha256.map(String::as_str).unwrap_or("unlisted"));
            let reference = u.text.clone().unwrap_or_default();
            TaskItem {
                id: u.id.clone(),
                index,
                prompt,
                preview: crate::text::shorten(&reference, 80),
                reference,
                simulation: None,
                audio: Some(AudioItem { path: u.audio.clone(), info: inspected.ok(), problem }),
                choices: None,
            }
        })
        .collect();
    let (path, _) = dataset.file(&suite.spec.dataset.file)?;
    let records = items.iter().map(|i| crate::data::Record::stand_in(&i.id, i.index, &path)).collect();
    Ok(PreparedTask { kind: TaskKind::AsrWer, items, source: crate::data::RecordFile { path, records }, fewshot_ids: Vec::new() })
}

/// `asr.wer`.
pub struct Asr;
pub static TASK: Asr = Asr;

/// An error rate that is a ratio of sums over utterances (errors over reference units).
const fn error_rate(name: &'static str, role: Role, parts: crate::tasks::RatioParts) -> MetricDef {
    MetricDef { name, higher_is_better: false, speed: false, role, items: ItemValues::Ratio { parts, link: Link::Identity } }
}

const METRICS: [MetricDef; 8] = [
    error_rate("wer", Role::Headline, |s| ratio_parts("wer", s)),
    error_rate("cer", Role::Detail, |s| ratio_parts("cer", s)),
    error_rate("mer", Role::Detail, |s| ratio_parts("mer", s)),
    MetricDef { name: "wil", higher_is_better: false, speed: false, role: Role::Detail, items: ItemValues::None },
    MetricDef { name: "rtfx", higher_is_better: true, speed: true, role: Role::Detail, items: ItemValues::None },
    crate::tasks::LATENCY_MEAN,
    crate::tasks::percentile("latency_p50_s"),
    crate::tasks::percentile("latency_p90_s"),
];

impl crate::tasks::Task for Asr {
    fn name(&self) -> &'static str {
        TaskKind::AsrWer.name()
    }
    fn scoring_version(&self) -> &'static str {
        SCORING_VERSION
    }
    fn metrics(&self) -> &'static [MetricDef] {
        &METRICS
    }
    fn prepare(&self, suite: &Suite, dataset: &Dataset) -> Result<PreparedTask> {
        prepare(suite, dataset)
    }
    fn score(&self, suite: &Suite, item: &TaskItem, output: &str) -> Score {
        score(suite, item, output)
    }
    fn summarise(&self, suite: &Suite, samples: &[Sample], seed: u64, metrics: &mut BTreeMap<String, MetricValue>) -> usize {
        summarise(suite, samples, seed, metrics)
    }
    /// The same normalised hypothesis and the same failed mark.
    fn reproduction_agrees(&self, _suite: &Suite, stored: &Sample, new: &Sample) -> (bool, String) {
        let same = stored.extracted == new.extracted && stored.measures.get(FAILED) == new.measures.get(FAILED);
        (same, format!("normalised hypothesis {:?} vs {:?}", stored.extracted, new.extracted))
    }
}

/// Aligns the normalised hypothesis with the normalised reference, by words and by characters.
pub fn score(suite: &Suite, item: &TaskItem, output: &str) -> Score {
    let Ok(asr) = spec(suite) else {
        return Score { extracted: None, correct: false, measures: BTreeMap::new(), annotations: BTreeMap::new() };
    };
    let audio_s = item.audio.as_ref().and_then(|a| a.info).map(|i| i.duration_s());
    if let Some(problem) = item.audio.as_ref().and_then(|a| a.problem.clone()) {
        let mut measures = BTreeMap::from([(FAILED.to_string(), 1.0)]);
        measures.extend(audio_s.map(|s| ("audio_s".to_string(), s)));
        return Score { extracted: None, correct: false, measures, annotations: BTreeMap::from([("error".to_string(), problem)]) };
    }
    let reference = asr.normaliser.apply(&item.reference);
    let hypothesis = asr.normaliser.apply(output);
    let (r, h): (Vec<&str>, Vec<&str>) = (reference.split_whitespace().collect(), hypothesis.split_whitespace().collect());
    let words = align::align(&r, &h, asr.convention);
    let (rc, hc): (Vec<char>, Vec<char>) = (reference.chars().collect(), hypothesis.chars().collect());
    let chars = align::counts(&rc, &hc, asr.convention);
    let c = words.counts;
    let mut measures = BTreeMap::from([
        (FAILED.to_string(), 0.0),
        ("hits".to_string(), c.hits as f64),
        ("substitutions".to_string(), c.substitutions as f64),
        ("deletions".to_string(), c.deletions as f64),
        ("insertions".to_string(), c.insertions as f64),
        ("reference_words".to_string(), c.reference_len() as f64),
        ("char_errors".to_string(), chars.errors() as f64),
        ("reference_chars".to_string(), chars.reference_len() as f64),
    ]);
    measures.extend(audio_s.map(|s| ("audio_s".to_string(), s)));
    let annotations = BTreeMap::from([
        ("reference_normalised".to_string(), reference.clone()),
        ("hypothesis_normalised".to_string(), hypothesis.clone()),
        ("alignment".to_string(), alignment_text(&words, &r, &h)),
    ]);
    Score { extracted: Some(hypothesis), correct: c.errors() == 0, measures, annotations }
}

/// sclite's view of an alignment: three lines, REF, HYP and the S/D/I marks, columns padded.
pub fn alignment_text(a: &align::Alignment, r: &[&str], h: &[&str]) -> String {
    let (mut top, mut bottom, mut marks) = (Vec::new(), Vec::new(), Vec::new());
    for (op, i, j) in &a.steps {
        let rw = i.map(|i| r[i]).unwrap_or("*");
        let hw = j.map(|j| h[j]).unwrap_or("*");
        let width = rw.chars().count().max(hw.chars().count());
        let mark = match op {
            align::Op::Hit => "",
            align::Op::Substitution => "S",
            align::Op::Deletion => "D",
            align::Op::Insertion => "I",
        };
        top.push(format!("{rw:width$}"));
        bottom.push(format!("{hw:width$}"));
        marks.push(format!("{mark:width$}"));
    }
    format!("REF:  {}\nHYP:  {}\nEval: {}", top.join(" "), bottom.join(" "), marks.join(" ").trim_end())
}

/// Whether the sample was scored (not failed).
fn scored(sample: &Sample) -> bool {
    sample.measures.get(FAILED) == Some(&0.0)
}

/// Numerator and denominator of an error rate for one utterance.
fn ratio_parts(metric: &str, sample: &Sample) -> Option<(f64, f64)> {
    if !scored(sample) {
        return None;
    }
    let m = |k: &str| sample.measures.get(k).copied();
    let errors = m("substitutions")? + m("deletions")? + m("insertions")?;
    match metric {
        "wer" => Some((errors, m("reference_words")?)),
        "cer" => Some((m("char_errors")?, m("reference_chars")?)),
        "mer" => Some((errors, errors + m("hits")?)),
        _ => None,
    }
}

/// WIL with its percentile-bootstrap interval over utterances, the real-time factor, and the
/// count of utterances that could not be scored (WER, CER and MER are ratios of sums, which
/// every task's summary computes from their definitions).
pub fn summarise(suite: &Suite, samples: &[Sample], seed: u64, metrics: &mut BTreeMap<String, MetricValue>) -> usize {
    let failed = samples.iter().filter(|s| s.measures.get(FAILED) == Some(&1.0)).count();
    // The value is computed directly; the interval is added when the bootstrap gives a finite
    // one (with few utterances, resamples of only empty references can leave it undefined).
    let with_interval = |value: f64, d: std::result::Result<crate::stats::bootstrap::Distribution, crate::stats::StatsError>| {
        let ci = d.ok().and_then(|d| d.interval(0.95, Method::Percentile).ok()).filter(|ci| ci.low.is_finite() && ci.high.is_finite());
        (value, ci)
    };
    for metric in suite.spec.metrics.get_ref() {
        let value = match metric {
            Metric::Wil => {
                let parts: Vec<[f64; 3]> = samples
                    .iter()
                    .filter(|s| scored(s))
                    .filter_map(|s| {
                        let m = |k: &str| s.measures.get(k).copied();
                        let (h, sub, d, i) = (m("hits")?, m("substitutions")?, m("deletions")?, m("insertions")?);
                        Some([h, h + sub + d, h + sub + i])
                    })
                    .collect();
                let wil = |s: &[f64; 3], _: f64| if s[1] > 0.0 && s[2] > 0.0 { 1.0 - (s[0] / s[1]) * (s[0] / s[2]) } else { 1.0 };
                if parts.is_empty() {
                    continue;
                }
                let totals = parts.iter().fold([0.0; 3], |t, p| [t[0] + p[0], t[1] + p[1], t[2] + p[2]]);
                let (v, ci) = with_interval(wil(&totals, 0.0), sum_statistic(&parts, wil, DEFAULT_RESAMPLES, seed));
                Some((v, ci, parts.len()))
            }
            Metric::Rtfx => {
                let pairs: Vec<(f64, f64)> = samples
                    .iter()
                    .filter(|s| scored(s))
                    .filter_map(|s| Some((s.measures.get("audio_s").copied()?, s.system_latency_s.or(s.latency_s)?)))
                    .collect();
                let (work, seconds): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
                crate::stats::timing::throughput(&work, &seconds, 0.95, DEFAULT_RESAMPLES, seed)
                    .ok()
                    .map(|(v, ci)| (v, Some(ci), work.len()))
            }
            _ => None,
        };
        if let Some((value, ci, n)) = value {
            metrics.insert(
                metric.name().to_string(),
                MetricValue {
                    value,
                    n,
                    higher_is_better: metric.higher_is_better(),
                    speed: metric.is_speed(),
                    ci,
                    ..MetricValue::default()
                },
            );
        }
    }
    let latencies: Vec<f64> = samples.iter().filter(|s| scored(s)).filter_map(|s| s.latency_s).collect();
    crate::tasks::percentile_metrics("latency", &latencies, metrics);
    failed
}

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

pub fn score_pairs_file(path: &std::path::Path, convention: Convention, normaliser: normalise::Normaliser) -> Result<PairsScore> {
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
        .collect::<Result<Vec<_>>>()?;
    let counts = corpus_counts(&pairs, convention);
    Ok(PairsScore {
        pairs: pairs.len(),
        convention,
        normaliser: normaliser.id().to_string(),
        reference_words: counts.reference_len(),
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
