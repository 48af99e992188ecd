//! Tasks turn dataset records into requests for a system and score the system's answers.
//! One folder per suite kind; each kind is one [`Task`] with a table of the metrics it reports,
//! registered once in [`BUILTIN`]. Everything downstream (compare, history, claims, plots,
//! reports) reads a metric's meaning from its [`MetricDef`], never from a list of names.

pub mod asr;
pub mod materials;
pub mod reasoning;
pub mod text;

use crate::error::Result;
pub use crate::protocol::{Choices, PreparedTask, TaskItem, TTFT};
use crate::spec::dataset::Dataset;
use crate::spec::suite::{Suite, TaskKind};
use crate::store::metrics::{MetricValue, Metrics};
use crate::store::samples::Sample;
use std::collections::BTreeMap;

/// The outcome of scoring one output.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub extracted: Option<String>,
    pub correct: bool,
    /// Numbers derived from the output (speed figures, gate quantities), by name.
    pub measures: BTreeMap<String, f64>,
    /// Texts derived from the output (normalised forms, an alignment), by name.
    pub annotations: BTreeMap<String, String>,
}

/// One suite kind: how its items are made, scored and summarised.
pub trait Task: Sync {
    /// The kind's name in suite files, e.g. `reasoning.gsm8k`.
    fn name(&self) -> &'static str;

    /// Version of the scoring code; recorded in every manifest so that comparisons and
    /// re-scoring refuse to mix results scored differently. Bump it when scores would change.
    fn scoring_version(&self) -> &'static str;

    /// Every metric the kind can report.
    fn metrics(&self) -> &'static [MetricDef];

    /// Whether its items are text prompts (generation settings are then recorded in the manifest).
    fn sends_text(&self) -> bool {
        false
    }

    fn prepare(&self, suite: &Suite, dataset: &Dataset) -> Result<PreparedTask>;

    fn score(&self, suite: &Suite, item: &TaskItem, output: &str) -> Score;

    /// Adds the kind's own metrics (those that are not means over items) to `metrics`; returns
    /// how many items could not be scored.
    fn summarise(&self, suite: &Suite, samples: &[Sample], seed: u64, metrics: &mut BTreeMap<String, MetricValue>) -> usize;

    /// Whether a re-run of an item agrees with the stored sample, and why. By default: the
    /// same extracted answer and verdict.
    fn reproduction_agrees(&self, _suite: &Suite, stored: &Sample, new: &Sample) -> (bool, String) {
        let same = stored.extracted == new.extracted && stored.correct == new.correct;
        let output = if stored.output == new.output { "identical output" } else { "different output text" };
        (same, format!("answer {:?} vs {:?}, correct {} vs {}; {output}", stored.extracted, new.extracted, stored.correct, new.correct))
    }
}

/// What a metric means, for everything that reads stored metrics.
#[derive(Debug, Clone, Copy)]
pub struct MetricDef {
    /// The stored name; for [`ItemValues::PerWorkload`] metrics the part after `WORKLOAD/`.
    pub name: &'static str,
    pub higher_is_better: bool,
    /// A speed figure, only comparable on the same hardware.
    pub speed: bool,
    pub role: Role,
    pub items: ItemValues,
}

/// Where a metric is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The figure a run is summed up by (one per run, the first found).
    Headline,
    /// A quality figure charted beside the headline (and against latency).
    Quality,
    /// In tables only.
    Detail,
}

/// How a metric's per-item values are found, which is how two runs' items are paired.
#[derive(Debug, Clone, Copy)]
pub enum ItemValues {
    /// The metric is the mean of one value per item, computed for every task alike; `None` for
    /// a sample that has no part in it.
    Mean(fn(&Sample) -> Option<f64>),
    /// One value per item for pairing; the task computes the metric itself.
    PerItem(fn(&Sample) -> Option<f64>),
    /// A ratio of sums over items, Σnumerator / Σdenominator (corpus WER: errors over reference
    /// words), reported through `link` (perplexity: `exp` of the negative log-likelihood per
    /// word). Each item's parts pair; its own value is its own ratio.
    Ratio { parts: RatioParts, link: Link },
    /// `WORKLOAD/NAME`: measure NAME of each recorded (not warm-up) run of the workload.
    PerWorkload,
    /// A corpus statistic or percentile: no per-item values to pair.
    None,
}

/// The numerator and denominator one sample adds to a ratio of sums; `None` for a sample with
/// no part in it.
pub type RatioParts = fn(&Sample) -> Option<(f64, f64)>;

/// How a ratio of sums becomes the reported figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Identity,
    /// `exp(ratio)`: a perplexity from log-likelihoods.
    Exp,
}

impl Link {
    pub fn function(self) -> fn(f64) -> f64 {
        match self {
            Link::Identity => |x| x,
            Link::Exp => f64::exp,
        }
    }
}

/// How a ratio-of-sums metric (see [`ItemValues::Ratio`]) reads the numerator and denominator
/// each sample adds (`None` for a sample with no part in it), and its link; `None` for other
/// metrics. Looked up once, like [`item_value`], by callers that read many samples.
pub fn ratio_of(metric: &str) -> Option<(RatioParts, Link)> {
    match metric_def(metric)?.items {
        ItemValues::Ratio { parts, link } => Some((parts, link)),
        _ => None,
    }
}

impl MetricDef {
    /// Whether the stored metric `name` is this one.
    pub fn is(&self, name: &str) -> bool {
        match self.items {
            ItemValues::PerWorkload => name.rsplit_once('/').is_some_and(|(_, measure)| measure == self.name),
            _ => name == self.name,
        }
    }
}

/// The built-in task kinds: adding a kind is its folder and one line here.
pub static BUILTIN: &[&dyn Task] = &[&reasoning::gsm8k::TASK, &reasoning::multiple_choice::TASK, &materials::TASK, &asr::TASK, &text::TASK];

/// The task of a suite kind.
pub fn task(kind: TaskKind) -> &'static dyn Task {
    find(BUILTIN, kind.name()).unwrap_or_else(|| unreachable!("task kind {} has no registered task", kind.name()))
}

/// The task named `name` among `tasks`.
pub fn find<'a>(tasks: &[&'a dyn Task], name: &str) -> Option<&'a dyn Task> {
    tasks.iter().copied().find(|t| t.name() == name)
}

/// The definition of the stored metric `name`, from any of `tasks`.
pub fn metric_def_in(tasks: &[&dyn Task], name: &str) -> Option<MetricDef> {
    tasks.iter().flat_map(|t| t.metrics()).find(|d| d.is(name)).copied()
}

/// The definition of the stored metric `name`, from the built-in tasks.
pub fn metric_def(name: &str) -> Option<MetricDef> {
    metric_def_in(BUILTIN, name)
}

/// Version of the scoring code of a task kind.
pub fn scoring_version(kind: TaskKind) -> &'static str {
    task(kind).scoring_version()
}

pub fn prepare(suite: &Suite, dataset: &Dataset) -> Result<PreparedTask> {
    task(suite.spec.task).prepare(suite, dataset)
}

pub fn score(kind: TaskKind, suite: &Suite, item: &TaskItem, output: &str) -> Score {
    task(kind).score(suite, item, output)
}

/// Metrics of a suite over its samples, each with its count and a seeded bootstrap interval.
pub fn summarise(suite: &Suite, samples: &[Sample], n_expected: usize, seed: u64) -> Metrics {
    summarise_with(task(suite.spec.task), suite, samples, n_expected, seed)
}

/// Metrics of `task` over samples: the task's own, and the means over items its table defines.
pub fn summarise_with(task: &dyn Task, suite: &Suite, samples: &[Sample], n_expected: usize, seed: u64) -> Metrics {
    use crate::stats::bootstrap::{mean_ci, sum_statistic, Method, DEFAULT_RESAMPLES};
    let mut metrics = BTreeMap::new();
    let mean_metric = |def: &MetricDef| {
        let ItemValues::Mean(value_of) = def.items else { return None };
        let values: Vec<f64> = samples.iter().filter_map(value_of).collect();
        // With no samples there is no value to report, rather than a NaN.
        let value = crate::stats::mean(&values).ok()?;
        let ci = mean_ci(&values, 0.95, DEFAULT_RESAMPLES, seed).ok();
        Some(MetricValue { value, n: values.len(), higher_is_better: def.higher_is_better, speed: def.speed, ci, ..MetricValue::default() })
    };
    let ratio_metric = |def: &MetricDef| {
        let ItemValues::Ratio { parts, link } = def.items else { return None };
        let parts: Vec<[f64; 2]> = samples.iter().filter_map(parts).map(|(a, b)| [a, b]).collect();
        let (numerator, denominator) = parts.iter().fold((0.0, 0.0), |(n, d), p| (n + p[0], d + p[1]));
        if denominator <= 0.0 {
            return None;
        }
        let link = link.function();
        // With few items, resamples of only empty denominators can leave the interval undefined.
        let ci = sum_statistic(&parts, |s, _| s[0] / s[1], DEFAULT_RESAMPLES, seed)
            .ok()
            .and_then(|d| d.interval(0.95, Method::Percentile).ok())
            .filter(|ci| ci.low.is_finite() && ci.high.is_finite())
            // The link is increasing, so the interval's ends map to the figure's.
            .map(|ci| crate::stats::Interval { low: link(ci.low), high: link(ci.high), ..ci });
        let value = link(numerator / denominator);
        Some(MetricValue { value, n: parts.len(), higher_is_better: def.higher_is_better, speed: def.speed, ci, ..MetricValue::default() })
    };
    let failed = task.summarise(suite, samples, seed, &mut metrics);
    // A mean that a suite's `metrics` list can name when the suite names it; the others (the
    // latency) always.
    let asked: Vec<&str> = suite.spec.metrics.get_ref().iter().map(|m| m.name()).collect();
    for def in task.metrics().iter().filter(|d| asked.contains(&d.name) || crate::spec::suite::Metric::named(d.name).is_none()) {
        if let Some(value) = mean_metric(def).or_else(|| ratio_metric(def)) {
            metrics.insert(def.name.to_string(), value);
        }
    }
    Metrics { suite: suite.id().to_string(), complete: samples.len() == n_expected, n_expected, failed, metrics }
}

/// The sample of an item answered with `output` and scored as `score`; its timings are the
/// caller's to add.
pub fn sample_of(item: &TaskItem, output: String, score: Score) -> Sample {
    Sample {
        id: item.id.clone(),
        index: item.index,
        prompt_sha256: crate::fsutil::sha256_hex(item.prompt.as_bytes()),
        output,
        extracted: score.extracted,
        reference: item.reference.clone(),
        correct: score.correct,
        latency_s: None,
        system_latency_s: None,
        output_tokens: None,
        measures: score.measures,
        annotations: score.annotations,
    }
}

pub const LATENCY_METRIC: &str = "latency_mean_s";

/// The mean latency per item; systems that answered live have one, submitted predictions not.
pub const LATENCY_MEAN: MetricDef =
    MetricDef { name: LATENCY_METRIC, higher_is_better: false, speed: true, role: Role::Detail, items: ItemValues::Mean(|s| s.latency_s) };

/// `NAME_p50_s` and `NAME_p90_s` of per-item times.
pub const fn percentile(name: &'static str) -> MetricDef {
    MetricDef { name, higher_is_better: false, speed: true, role: Role::Detail, items: ItemValues::None }
}

/// `NAME_p50_s` and `NAME_p90_s` of per-item times, when there are any, each with its exact
/// order-statistic interval (none for a single time).
pub fn percentile_metrics(name: &str, seconds: &[f64], metrics: &mut BTreeMap<String, MetricValue>) {
    if let Ok(p) = crate::stats::timing::percentiles(seconds) {
        for (suffix, q, value) in [("p50", 0.5, p.p50), ("p90", 0.9, p.p90)] {
            let ci = crate::stats::timing::quantile_order_ci(seconds, q, 0.95).ok();
            metrics.insert(
                format!("{name}_{suffix}_s"),
                MetricValue { value, n: seconds.len(), higher_is_better: false, speed: true, ci, ..MetricValue::default() },
            );
        }
    }
}

/// How to read one sample's value for a metric that has per-item values: `accuracy`, the
/// latency, a speech error rate, or `WORKLOAD/MEASURE` of a simulation suite. The metric is
/// looked up once, so callers reading many samples resolve it once. The reader gives `None`
/// when a sample has no part in the metric (another workload, a warm-up run, no latency).
pub fn item_value(metric: &str) -> impl Fn(&Sample) -> Option<f64> + '_ {
    let items = metric_def(metric).map(|d| d.items);
    move |sample| match items? {
        ItemValues::Mean(value_of) | ItemValues::PerItem(value_of) => value_of(sample),
        ItemValues::Ratio { parts, link } => {
            let (numerator, denominator) = parts(sample)?;
            // An item with nothing to divide by counts its numerator (an utterance with no words).
            Some(link.function()(if denominator > 0.0 { numerator / denominator } else { numerator }))
        }
        ItemValues::PerWorkload => {
            let (workload, measure) = metric.rsplit_once('/')?;
            let in_workload = sample.id.strip_prefix(workload).is_some_and(|rest| rest.starts_with('/'));
            let recorded = sample.measures.get(materials::WARMUP) != Some(&1.0);
            (in_workload && recorded).then(|| sample.measures.get(measure).copied()).flatten()
        }
        ItemValues::None => None,
    }
}

/// One sample's value for a metric (see [`item_value`]).
pub fn sample_value(metric: &str, sample: &Sample) -> Option<f64> {
    item_value(metric)(sample)
}

/// Per-item values behind a metric, in sample order, from the samples that have a part in it;
/// `None` when none has.
pub fn metric_values(metric: &str, samples: &[Sample]) -> Option<Vec<f64>> {
    let value_of = item_value(metric);
    let values: Vec<f64> = samples.iter().filter_map(value_of).collect();
    (!values.is_empty()).then_some(values)
}

/// The metric a run is summed up by: the first headline metric it has, else its first quality
/// metric.
pub fn headline(metrics: &BTreeMap<String, MetricValue>) -> Option<(&String, &MetricValue)> {
    let with_role = |role: Role| metrics.iter().find(|(name, _)| metric_def(name).is_some_and(|d| d.role == role));
    with_role(Role::Headline).or_else(|| with_role(Role::Quality))
}

/// The quality (not speed) metrics charted against latency, in registration order.
pub fn charted_quality_metrics() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for def in BUILTIN.iter().flat_map(|t| t.metrics()).filter(|d| d.role != Role::Detail && !d.speed) {
        if !names.contains(&def.name) {
            names.push(def.name);
        }
    }
    names
}

/// Whether a re-run of an item agrees with the stored sample within the suite's tolerance, and
/// why (see [`Task::reproduction_agrees`]).
pub fn reproduction_agrees(suite: &Suite, stored: &Sample, new: &Sample) -> (bool, String) {
    task(suite.spec.task).reproduction_agrees(suite, stored, new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::suite::Metric;

    fn sample(id: &str, output: &str, correct: bool, latency_s: f64) -> Sample {
        Sample {
            id: id.to_string(),
            index: 0,
            prompt_sha256: String::new(),
            output: output.to_string(),
            extracted: None,
            reference: String::new(),
            correct,
            latency_s: Some(latency_s),
            system_latency_s: None,
            output_tokens: None,
            measures: BTreeMap::new(),
            annotations: BTreeMap::new(),
        }
    }

    /// A toy kind: an answer is right when it is as long as the reference. Implementing `Task`
    /// and listing it is all it takes for its metric to be summarised with an interval, paired
    /// item by item, and chosen as a run's headline.
    struct SameLength;
    static SAME_LENGTH: SameLength = SameLength;
    const SAME_LENGTH_METRICS: [MetricDef; 2] = [
        MetricDef {
            name: "same_length",
            higher_is_better: true,
            speed: false,
            role: Role::Headline,
            items: ItemValues::Mean(|s| Some(f64::from(u8::from(s.correct)))),
        },
        LATENCY_MEAN,
    ];

    impl Task for SameLength {
        fn name(&self) -> &'static str {
            "toy.same_length"
        }
        fn scoring_version(&self) -> &'static str {
            "toy.same_length/1"
        }
        fn metrics(&self) -> &'static [MetricDef] {
            &SAME_LENGTH_METRICS
        }
        fn prepare(&self, _suite: &Suite, _dataset: &Dataset) -> Result<PreparedTask> {
            Err(crate::Error::new("the toy task has no dataset"))
        }
        fn score(&self, _suite: &Suite, item: &TaskItem, output: &str) -> Score {
            let correct = output.chars().count() == item.reference.chars().count();
            Score { extracted: Some(output.chars().count().to_string()), correct, measures: BTreeMap::new(), annotations: BTreeMap::new() }
        }
        fn summarise(&self, _suite: &Suite, _samples: &[Sample], _seed: u64, _metrics: &mut BTreeMap<String, MetricValue>) -> usize {
            0
        }
    }

    #[test]
    fn a_new_task_kind_needs_only_its_impl_and_one_registration() {
        let registry: Vec<&dyn Task> = BUILTIN.iter().copied().chain([&SAME_LENGTH as &dyn Task]).collect();
        let task = find(&registry, "toy.same_length").expect("registered");
        let suite = Suite::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../suites/gsm8k.toml")).unwrap();
        let item = TaskItem { id: "a".into(), reference: "four".into(), ..TaskItem::default() };
        assert!(task.score(&suite, &item, "five").correct && !task.score(&suite, &item, "three").correct);
        let samples: Vec<Sample> = (0..40).map(|i| sample(&format!("i{i}"), "", i % 4 != 0, 0.5)).collect();
        let metrics = summarise_with(task, &suite, &samples, 40, 7);
        let value = &metrics.metrics["same_length"];
        assert_eq!((value.value, value.n, value.higher_is_better, value.speed), (0.75, 40, true, false));
        assert!(value.ci.as_ref().is_some_and(|ci| ci.low < 0.75 && 0.75 < ci.high), "{value:?}");
        assert_eq!(metrics.metrics[LATENCY_METRIC].value, 0.5);
        // gsm8k's own metric does not leak in: the toy's table decides.
        assert!(!metrics.metrics.contains_key("accuracy"));
        assert_eq!(metric_def_in(&registry, "same_length").map(|d| d.role), Some(Role::Headline));
        assert!(metric_def("same_length").is_none(), "not a built-in");
    }

    #[test]
    fn every_suite_metric_has_one_definition_that_agrees_with_the_suite_vocabulary() {
        for kind in [TaskKind::ReasoningGsm8k, TaskKind::ReasoningMultipleChoice, TaskKind::MaterialsMd, TaskKind::AsrWer] {
            let task = task(kind);
            assert_eq!(task.name(), kind.name());
            for metric in Metric::ALL.into_iter().filter(|m| m.applies_to(kind)) {
                let def = task
                    .metrics()
                    .iter()
                    .find(|d| d.name == metric.name())
                    .unwrap_or_else(|| panic!("{} has no {}", kind.name(), metric.name()));
                assert_eq!((def.higher_is_better, def.speed), (metric.higher_is_better(), metric.is_speed()), "{}", metric.name());
            }
        }
        // Names are unique across tasks, or mean the same wherever they appear.
        for a in BUILTIN.iter().flat_map(|t| t.metrics()) {
            let stored = if matches!(a.items, ItemValues::PerWorkload) { format!("workload/{}", a.name) } else { a.name.to_string() };
            let b = metric_def(&stored).unwrap();
            assert_eq!((a.higher_is_better, a.speed, a.role), (b.higher_is_better, b.speed, b.role), "{}", a.name);
        }
    }

    #[test]
    fn stored_metrics_find_their_definitions() {
        assert_eq!(metric_def("lj-32k/timesteps_per_s").map(|d| d.role), Some(Role::Headline));
        assert!(metric_def("timesteps_per_s").is_none(), "a workload metric has its workload");
        assert_eq!(metric_def("wer").map(|d| d.higher_is_better), Some(false));
        assert!(metric_def("latency_p90_s").is_some_and(|d| d.speed && matches!(d.items, ItemValues::None)));
        assert_eq!(
            charted_quality_metrics(),
            ["accuracy", "acc_norm", "wer", "exact_match", "f1", "perplexity", "word_perplexity", "bits_per_byte"]
        );
        let mut metrics = BTreeMap::new();
        for name in ["acc_norm", "accuracy", "latency_mean_s"] {
            metrics.insert(name.to_string(), MetricValue::default());
        }
        assert_eq!(headline(&metrics).map(|(n, _)| n.as_str()), Some("accuracy"));
        metrics.remove("accuracy");
        assert_eq!(headline(&metrics).map(|(n, _)| n.as_str()), Some("acc_norm"));
    }
}
