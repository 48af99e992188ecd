//! Text suites, declared as lm-evaluation-harness declares tasks: GSM8K written that way scores
//! every item as the built-in GSM8K suite does; bad declarations are named by file and line.

use crate::common::*;
use claimbench::store::StoredRun;
use std::collections::HashMap;
use std::path::Path;

fn verdicts(run: &str) -> HashMap<String, bool> {
    StoredRun::load(Path::new(run)).unwrap().samples.into_iter().map(|s| (s.id, s.correct)).collect()
}

fn run_dir(stdout: &str) -> String {
    stdout.lines().find_map(|l| l.strip_prefix("run: ")).unwrap().to_string()
}

/// Runs each shipped suite with the example program guessing the last number, into `out`.
fn run_each(out: &Path, suites: &[&str]) -> Vec<Outcome> {
    let system = repo_root().join("examples/systems/last-number.toml").display().to_string();
    let out = out.display().to_string();
    suites
        .iter()
        .map(|suite| {
            let run = claimbench(&repo_root(), &["run", suite, "--system", &system, "--out", &out]);
            assert_eq!(run.code, 0, "{suite}: {}", run.stderr);
            run
        })
        .collect()
}

#[test]
fn gsm8k_declared_as_lm_eval_does_gives_every_item_the_builtin_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root();
    let runs = run_each(dir.path(), &["gsm8k", "gsm8k-text"]);
    assert!(runs[1].stdout.contains("exact_match: ") && runs[1].stdout.contains("(n=1319,"), "{}", runs[1].stdout);
    let (builtin, text) = (verdicts(&run_dir(&runs[0].stdout)), verdicts(&run_dir(&runs[1].stdout)));
    assert_eq!(builtin.len(), 1319);
    assert!(builtin.values().filter(|c| **c).count() > 10, "the example system answers some items right");
    assert_eq!(builtin, text, "the last number, and lm-eval's flexible extraction with its exact-match options, agree item by item");

    // A reviewer re-scores it from the bundle like any other run.
    let bundle = dir.path().join("text.cbundle").display().to_string();
    let made = claimbench(&root, &["bundle", "create", &run_dir(&runs[1].stdout), "-o", &bundle]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let verified = claimbench(&root, &["verify", &bundle]);
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    assert!(
        verified.stdout.lines().any(|l| l.contains("re-scoring") && l.contains(" ok ") && l.contains("1319 samples re-scored")),
        "{}",
        verified.stdout
    );
}

#[test]
fn bad_text_suites_are_named_by_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    one_file_dataset(&dir.path().join("data"), "tiny", "test", "test.jsonl", "jsonl", &gsm8k_lines(2));
    let suite = |body: &str| {
        format!("id = \"t\"\nversion = \"1\"\ntask = \"text\"\nmetrics = [\"exact_match\"]\n\n[dataset]\npath = \"data\"\nfile = \"test\"\n\n[text]\noutput_type = \"generate_until\"\n{body}")
    };
    let system = repo_root().join("examples/systems/sum.toml").display().to_string();
    let cases = [
        ("missing field", "doc_to_text = \"Q: {{problem}}\"\ndoc_to_target = \"answer\"\n", "data/test.jsonl:1: doc_to_text: undefined value (template line 1); the record has answer, question"),
        (
            "regex that does not compile",
            "doc_to_text = \"question\"\ndoc_to_target = \"answer\"\n\n[[text.filter]]\nfunction = \"regex\"\nregex_pattern = \"(unclosed\"\n",
            "t.toml:15:1: regex_pattern does not compile: unclosed group",
        ),
        (
            "filter that needs repeats",
            "doc_to_text = \"question\"\ndoc_to_target = \"answer\"\n\n[[text.filter]]\nfunction = \"majority_vote\"\n",
            "t.toml:16:12: unknown variant `majority_vote`",
        ),
        ("unknown key", "doc_to_text = \"question\"\ndoc_to_target = \"answer\"\nprocess_docs = \"x\"\n", "t.toml:14:1: unknown field `process_docs`"),
        ("template that does not compile", "doc_to_text = \"{{ question \"\ndoc_to_target = \"answer\"\n", "t.toml:12:15: doc_to_text: syntax error"),
    ];
    for (what, body, expected) in cases {
        std::fs::write(dir.path().join("t.toml"), suite(body)).unwrap();
        let out = claimbench(dir.path(), &["run", "t.toml", "--system", &system, "--out", "runs"]);
        assert_eq!(out.code, 2, "{what}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{what}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{what}: {}", out.stderr);
    }
    // Perplexity suites score the target alone, with their own metrics.
    let rolling = |metrics: &str, text: &str| {
        format!("id = \"t\"\nversion = \"1\"\ntask = \"text\"\nmetrics = {metrics}\n\n[dataset]\npath = \"data\"\nfile = \"test\"\n\n[text]\noutput_type = \"loglikelihood_rolling\"\ndoc_to_text = \"{text}\"\ndoc_to_target = \"question\"\n")
    };
    let cases = [
        ("a perplexity suite with a prompt", rolling("[\"word_perplexity\"]", "Q:"), "t.toml:12:15: loglikelihood_rolling text suites score the target alone"),
        (
            "a metric of another output type",
            rolling("[\"exact_match\"]", ""),
            "t.toml:4:11: metric 'exact_match' does not apply to loglikelihood_rolling text suites (word_perplexity, byte_perplexity, bits_per_byte do)",
        ),
    ];
    for (what, suite, expected) in cases {
        std::fs::write(dir.path().join("t.toml"), suite).unwrap();
        let out = claimbench(dir.path(), &["run", "t.toml", "--system", &system, "--out", "runs"]);
        assert_eq!((out.code, out.stderr.lines().count()), (2, 1), "{what}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{what}: {}", out.stderr);
    }
}

#[test]
fn lm_eval_task_files_import_or_are_refused_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = repo_root().join("harness/tests/fixtures/lm_eval/yaml");
    let out = dir.path().join("suites").display().to_string();
    let import = |file: &str| claimbench(dir.path(), &["suites", "import-lm-eval", file, "-o", &out]);

    // lm-eval's gsm8k.yaml: one suite per filter chain, each loading with its dataset.
    let gsm8k = import(&fixtures.join("gsm8k.yaml").display().to_string());
    assert_eq!(gsm8k.code, 0, "{}", gsm8k.stderr);
    assert!(
        gsm8k.stdout.contains("gsm8k-yaml-strict-match 3.0 (text)") && gsm8k.stdout.contains("gsm8k-yaml-flexible-extract"),
        "{}",
        gsm8k.stdout
    );
    assert_eq!(import(&fixtures.join("gsm8k.yaml").display().to_string()).code, 2, "existing suites are kept without --force");
    let run = claimbench(
        dir.path(),
        &[
            "run",
            "suites/gsm8k-yaml-strict-match.toml",
            "--system",
            &repo_root().join("examples/systems/sum.toml").display().to_string(),
            "--out",
            "runs",
            "--limit",
            "5",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let yaml_run = claimbench(dir.path(), &["run", &fixtures.join("gsm8k.yaml").display().to_string(), "--system", "x.toml"]);
    assert!(yaml_run.code == 2 && yaml_run.stderr.contains("import it as a suite first"), "{}", yaml_run.stderr);

    let base = "task: t\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: data/test.jsonl\noutput_type: generate_until\ndoc_to_text: question\ndoc_to_target: answer\n";
    one_file_dataset(&dir.path().join("data"), "tiny", "test", "test.jsonl", "jsonl", &gsm8k_lines(2));
    let cases = [
        ("a !function hook", "process_docs: !function utils.process_docs\n", "t.yaml:9: '!function' names Python code"),
        ("an unknown key", "process_results: x\n", "t.yaml:9: key 'process_results' is not supported for import"),
        ("a metric it does not compute", "metric_list:\n  - metric: bleu\n", "t.yaml:9: metric 'bleu' is not computed"),
        (
            "a filter it does not apply",
            "filter_list:\n  - name: vote\n    filter:\n      - function: majority_vote\n",
            "t.yaml:9: filter 'majority_vote' is not supported",
        ),
        ("repeated sampling", "repeats: 4\n", "t.yaml:9: repeats above 1 are not supported yet"),
    ];
    for (what, extra, expected) in cases {
        std::fs::write(dir.path().join("t.yaml"), format!("{base}{extra}")).unwrap();
        let out = import("t.yaml");
        assert_eq!((out.code, out.stderr.lines().count()), (2, 1), "{what}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{what}: {}", out.stderr);
    }
    // A group file named from its own folder: its tasks are looked for there.
    std::fs::write(dir.path().join("g.yaml"), "group: g\ntask:\n  - missing\n").unwrap();
    let group = import("g.yaml");
    assert_eq!((group.code, group.stderr.lines().count()), (2, 1), "{}", group.stderr);
    assert!(group.stderr.contains("task 'missing' is in no task file under ."), "{}", group.stderr);
    let hub = base.replace("dataset_path: json", "dataset_path: openai/gsm8k");
    std::fs::write(dir.path().join("t.yaml"), hub).unwrap();
    let refused = import("t.yaml");
    assert!(
        refused.code == 2
            && refused.stderr.contains("t.yaml:2: 'openai/gsm8k' is a Hugging Face hub dataset")
            && refused.stderr.contains("--data DIR"),
        "{}",
        refused.stderr
    );
    // With the files downloaded and described, --data points at them.
    let with_data = claimbench(dir.path(), &["suites", "import-lm-eval", "t.yaml", "--data", "data", "-o", &out]);
    assert_eq!(with_data.code, 0, "{}", with_data.stderr);
    assert!(with_data.stdout.contains("suite t 1 (text), dataset tiny 1 verified, 2 scored items"), "{}", with_data.stdout);
}

#[test]
fn a_program_answers_multiple_choice_by_log_likelihood_over_the_command_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let runs: Vec<_> = run_each(dir.path(), &["gsm8k-mc", "gsm8k-mc-text"]).iter().map(|r| verdicts(&run_dir(&r.stdout))).collect();
    assert_eq!(runs[0].len(), 100);
    let right = runs[0].values().filter(|c| **c).count();
    assert!(right > 5 && right < 100, "the last number is sometimes the answer: {right}");
    assert_eq!(runs[0], runs[1], "the same log-likelihoods pick the same choices in both kinds");
}

#[test]
fn the_shipped_examples_import_and_load() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root();
    let out = dir.path().display().to_string();
    for (task_file, suites) in [("examples/lm-eval/gsm8k.yaml", 2), ("examples/lm-eval/gsm8k-mc.yaml", 1)] {
        let import = claimbench(&root, &["suites", "import-lm-eval", task_file, "-o", &out]);
        assert_eq!(import.code, 0, "{task_file}: {}", import.stderr);
        assert_eq!(import.stdout.lines().filter(|l| l.starts_with("ok: ")).count(), suites, "{}", import.stdout);
    }
    let capitals = claimbench(&root, &["suites", "validate", "examples/suites/capitals.toml"]);
    assert_eq!(capitals.code, 0, "{}", capitals.stderr);
    assert!(capitals.stdout.contains("16 scored items"), "{}", capitals.stdout);
}

/// `len(re.split(r"\s+", text))`, as lm-eval counts words.
fn python_words(text: &str) -> f64 {
    let whitespace_runs = text.split(|c: char| !c.is_whitespace()).filter(|run| !run.is_empty()).count();
    (whitespace_runs + 1) as f64
}

#[test]
fn a_program_scores_whole_texts_and_last_words_over_the_command_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root();
    let runs = run_each(dir.path(), &["gsm8k-perplexity-text", "gsm8k-lastword-text"]);
    assert!(runs[0].stdout.contains("word_perplexity: ") && runs[0].stdout.contains("(n=1319,"), "{}", runs[0].stdout);
    let rolling = StoredRun::load(Path::new(&run_dir(&runs[0].stdout))).unwrap();

    // The example program's model of a text: 1.5 nats per character, 3 per digit.
    let data = std::fs::read_to_string(root.join("datasets/gsm8k/test.jsonl")).unwrap();
    let (mut nats, mut words, mut bytes) = (0.0, 0.0, 0.0);
    for line in data.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let question = record["question"].as_str().unwrap();
        nats += question.chars().map(|c| if c.is_ascii_digit() { 3.0 } else { 1.5 }).sum::<f64>();
        words += python_words(question);
        bytes += question.len() as f64;
    }
    let metrics = &rolling.metrics.metrics;
    for (name, expected) in [
        ("word_perplexity", (nats / words).exp()),
        ("byte_perplexity", (nats / bytes).exp()),
        ("bits_per_byte", nats / bytes / std::f64::consts::LN_2),
    ] {
        let metric = &metrics[name];
        assert!((metric.value - expected).abs() < 1e-9 * expected, "{name}: {} vs {expected}", metric.value);
        let ci = metric.ci.as_ref().unwrap();
        assert!(ci.low < metric.value && metric.value < ci.high && metric.n == 1319 && !metric.higher_is_better, "{name}: {metric:?}");
    }

    // The target after the rest of the question: the program likes one continuation, the last
    // number, which a question's last word ("market?") never is; so each gets 2.3 nats and is
    // never the greedy one.
    let last_word = StoredRun::load(Path::new(&run_dir(&runs[1].stdout))).unwrap();
    assert!(last_word.samples.iter().all(|s| s.measures["loglikelihood"] == -2.3));
    let perplexity = &last_word.metrics.metrics["perplexity"];
    assert!((perplexity.value - 2.3f64.exp()).abs() < 1e-9 && perplexity.n == 1319, "{perplexity:?}");
    assert_eq!(last_word.metrics.metrics["accuracy"].value, 0.0);

    // Paired item by item with another run of the same texts: no change, on the ratio's scale.
    let again = run_each(&dir.path().join("again"), &["gsm8k-perplexity-text"]);
    let compared = claimbench(&root, &["compare", &run_dir(&runs[0].stdout), &run_dir(&again[0].stdout), "--format", "json"]);
    assert_eq!(compared.code, 0, "{}", compared.stderr);
    let comparison: serde_json::Value = serde_json::from_str(&compared.stdout).unwrap();
    let row = comparison["rows"].as_array().unwrap().iter().find(|m| m["name"] == "word_perplexity").unwrap();
    assert_eq!(row["cells"][3], "0.0000 [0.0000, 0.0000]", "{row}");
    assert!(row["detail"].as_str().unwrap().starts_with("1319 paired items"), "{row}");

    // A reviewer re-scores it from the bundle like any other run.
    let bundle = dir.path().join("rolling.cbundle").display().to_string();
    let made = claimbench(&root, &["bundle", "create", &run_dir(&runs[0].stdout), "-o", &bundle]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let verified = claimbench(&root, &["verify", &bundle]);
    assert!(verified.code == 0 && verified.stdout.contains("1319 samples re-scored"), "{}{}", verified.stdout, verified.stderr);
}
