use crate::common::*;
use claimbench::store::manifest::{Manifest, Status};
use claimbench::store::metrics::Metrics;
use claimbench::store::samples::read_parquet;
use claimbench::tasks::reasoning::extract::extract_strict;
use serde_json::json;
use std::path::Path;

fn gsm8k_references() -> Vec<String> {
    gsm8k_lines(usize::MAX)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            extract_strict(v["answer"].as_str().unwrap()).unwrap()
        })
        .collect()
}

#[test]
fn suites_can_be_listed_validated_and_itemised() {
    let root = repo_root();
    let list = claimbench(&root, &["suites", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.lines().any(|l| l.starts_with("gsm8k\t1.0.0\treasoning.gsm8k")), "{}", list.stdout);
    assert!(list.stdout.lines().any(|l| l.starts_with("gsm8k-5shot\t")), "{}", list.stdout);

    let ok = claimbench(&root, &["suites", "validate", "suites/gsm8k.toml"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(ok.stdout.contains("1319 scored items"), "{}", ok.stdout);

    let items = claimbench(&root, &["suites", "items", "gsm8k"]);
    assert_eq!(items.code, 0, "{}", items.stderr);
    let rows: Vec<serde_json::Value> = items.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 1319);
    let ids: std::collections::HashSet<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1319, "ids are unique");
    assert!(rows.iter().enumerate().all(|(i, r)| r["index"] == json!(i)));

    // Few-shot examples are left out of the scored items, the same ones every time.
    let five = claimbench(&root, &["suites", "items", "gsm8k-5shot"]);
    assert_eq!(five.stdout.lines().count(), 1314);
    assert_eq!(five.stdout, claimbench(&root, &["suites", "items", "gsm8k-5shot"]).stdout);
}

#[test]
fn item_ids_survive_reordering() {
    let dir = tempfile::tempdir().unwrap();
    let lines = gsm8k_lines(4);
    let forward = tiny_suite(&dir.path().join("a"), &lines, "");
    let reversed: String = lines.lines().rev().map(|l| format!("{l}\n")).collect();
    let backward = tiny_suite(&dir.path().join("b"), &reversed, "");
    let ids = |suite: &Path| {
        let out = claimbench(dir.path(), &["suites", "items", suite.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let mut ids: Vec<String> =
            out.stdout.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&forward), ids(&backward));
}

#[test]
fn scoring_the_same_predictions_twice_is_identical() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let items = claimbench(&root, &["suites", "items", "gsm8k"]).stdout;
    let references = gsm8k_references();
    // Every third answer right, keyed alternately by id and by index; odd shapes on purpose.
    let mut preds = String::new();
    let mut expected_correct = 0;
    for (i, line) in items.lines().enumerate() {
        let item: serde_json::Value = serde_json::from_str(line).unwrap();
        let output =
            if i % 3 == 0 { format!("So the total is ${}.\n#### {}", references[i], references[i]) } else { "#### -1".to_string() };
        if i % 3 == 0 || references[i] == "-1" {
            expected_correct += 1;
        }
        let row = if i % 2 == 0 { json!({"id": item["id"], "output": output}) } else { json!({"index": i, "output": output}) };
        preds.push_str(&format!("{row}\n"));
    }
    let preds_path = dir.path().join("preds.jsonl");
    std::fs::write(&preds_path, preds).unwrap();
    let system = format!("predictions:{}", preds_path.display());
    let out_dir = dir.path().join("runs");
    let run = |_: u8| {
        let out = claimbench(&root, &["run", "gsm8k", "--system", &system, "--seed", "7", "--out", out_dir.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        run_dir(&out)
    };
    let (first, second) = (run(1), run(2));
    assert_ne!(first, second);
    assert_eq!(std::fs::read(first.join("metrics.json")).unwrap(), std::fs::read(second.join("metrics.json")).unwrap());
    let samples = read_parquet(&first.join("samples.parquet")).unwrap();
    assert_eq!(samples, read_parquet(&second.join("samples.parquet")).unwrap());
    assert_eq!(samples.len(), 1319);
    assert!(samples.iter().all(|s| s.latency_s.is_none()), "submitted predictions have no latency");

    let metrics: Metrics = read(&first.join("metrics.json"));
    let accuracy = &metrics.metrics["accuracy"];
    assert!(metrics.complete);
    assert_eq!(accuracy.n, 1319);
    assert!((accuracy.value - expected_correct as f64 / 1319.0).abs() < 1e-12, "{accuracy:?}");
    let ci = accuracy.ci.as_ref().unwrap();
    assert!(ci.low < accuracy.value && accuracy.value < ci.high && ci.seed == Some(7), "{ci:?}");

    let manifest: Manifest = read(&first.join("manifest.json"));
    assert_eq!(manifest.status, Status::Complete);
    assert_eq!((manifest.items.expected, manifest.items.completed), (1319, 1319));
    assert_eq!(manifest.suite.sha256, sha256_hex(&std::fs::read(root.join("suites/gsm8k.toml")).unwrap()));
    assert_eq!(manifest.dataset.files[0].sha256, sha256_hex(&std::fs::read(root.join("datasets/gsm8k/test.jsonl")).unwrap()));
    assert_eq!(manifest.suite.scoring_version, "reasoning.gsm8k/1");
    assert!(manifest.host.cores >= 1 && !manifest.host.cpu_model.is_empty());
    assert!(!first.join("samples.jsonl").exists(), "the journal is folded into samples.parquet");

    // The report reads the runs back and draws them.
    let report_dir = dir.path().join("report");
    let report = claimbench(&root, &["report", first.to_str().unwrap(), second.to_str().unwrap(), "-o", report_dir.to_str().unwrap()]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    let md = std::fs::read_to_string(report_dir.join("summary.md")).unwrap();
    assert!(md.contains(&format!("| {:.4} |", accuracy.value)), "{md}");
    assert!(md.contains(&format!("[{:.4}, {:.4}]", ci.low, ci.high)), "{md}");
    assert!(md.contains("## Worst items"));
    let png = std::fs::read(report_dir.join("plots/gsm8k_accuracy.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 900, "PNG width");
    let svg = std::fs::read_to_string(report_dir.join("plots/gsm8k_accuracy.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("accuracy"));
}

#[test]
fn command_system_answers_every_item() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let out = claimbench(
        &root,
        &["run", "gsm8k-5shot", "--system", "examples/systems/last-number.toml", "--limit", "40", "--out", dir.path().to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let run = run_dir(&out);
    let samples = read_parquet(&run.join("samples.parquet")).unwrap();
    assert_eq!(samples.len(), 40);
    assert!(samples.iter().all(|s| s.latency_s.is_some_and(|l| l > 0.0) && s.system_latency_s.is_some()));
    assert!(samples.iter().all(|s| s.output.contains("####")));
    let manifest: Manifest = read(&run.join("manifest.json"));
    assert_eq!(manifest.status, Status::Complete);
    assert_eq!(manifest.suite.fewshot_ids.len(), 5);
    assert_eq!(manifest.system.kind, "command");
    assert_eq!(manifest.system.config["args"][1], "--strategy");
}

/// A command system that fails part-way leaves an incomplete run holding what it finished.
#[test]
fn interrupted_command_runs_keep_completed_samples() {
    let dir = tempfile::tempdir().unwrap();
    let suite = tiny_suite(dir.path(), &gsm8k_lines(12), "");
    for (flag, expect) in [("--crash-after", "exited"), ("--hang-after", "no response within 1 s"), ("--garbage-after", "bad response")] {
        let system = example_command_system(dir.path(), flag.trim_start_matches('-'), &[flag, "7"], Some(1.0));
        let out_dir = dir.path().join(flag);
        let out = claimbench(
            dir.path(),
            &["run", suite.to_str().unwrap(), "--system", system.to_str().unwrap(), "--out", out_dir.to_str().unwrap()],
        );
        assert_eq!(out.code, 2, "{flag}: {}", out.stderr);
        assert_eq!(out.stderr.lines().filter(|l| l.starts_with("error:")).count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains(expect) && out.stderr.contains("(run incomplete: 7 of 12 samples kept in"), "{flag}: {}", out.stderr);
        let run = only_run(&out_dir);
        let manifest: Manifest = read(&run.join("manifest.json"));
        assert_eq!(manifest.status, Status::Incomplete);
        assert_eq!(manifest.items.completed, 7);
        // The eighth item is the one named in the error.
        let eighth = claimbench(dir.path(), &["suites", "items", suite.to_str().unwrap()])
            .stdout
            .lines()
            .nth(7)
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string())
            .unwrap();
        assert!(manifest.error.as_deref().unwrap().contains(&eighth), "{:?}", manifest.error);
        assert_eq!(read_parquet(&run.join("samples.parquet")).unwrap().len(), 7);
        assert_eq!(std::fs::read_to_string(run.join("samples.jsonl")).unwrap().lines().count(), 7);
        let metrics: Metrics = read(&run.join("metrics.json"));
        assert!(!metrics.complete && metrics.n_expected == 12 && metrics.metrics["accuracy"].n == 7);
    }
}

/// `kill -9` in the middle of a local run, then `--resume`: nothing lost, nothing repeated,
/// the same result as a run that was never interrupted.
#[test]
fn a_killed_local_run_resumes_to_the_uninterrupted_result() {
    let dir = tempfile::tempdir().unwrap();
    let suite = tiny_suite(dir.path(), &gsm8k_lines(30), "");
    let system = example_command_system(dir.path(), "slow", &["--delay", "0.03"], None);
    let (suite, system) = (suite.to_str().unwrap(), system.to_str().unwrap());
    let whole =
        claimbench(dir.path(), &["run", suite, "--system", system, "--seed", "5", "--out", dir.path().join("whole").to_str().unwrap()]);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let whole = run_dir(&whole);

    for (attempt, kill_after_lines) in [3usize, 17].into_iter().enumerate() {
        let out = dir.path().join(format!("killed-{attempt}"));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_claimbench"))
            .args(["run", suite, "--system", system, "--seed", "5", "--out", out.to_str().unwrap()])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let journal = || std::fs::read_dir(&out).ok()?.next()?.ok().map(|e| e.path().join("samples.jsonl"));
        let started = std::time::Instant::now();
        while journal().and_then(|j| std::fs::read_to_string(j).ok()).map_or(0, |t| t.lines().count()) < kill_after_lines {
            assert!(started.elapsed().as_secs() < 60, "the run never got going");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let run = only_run(&out);
        let manifest: Manifest = read(&run.join("manifest.json"));
        assert_eq!(manifest.status, Status::Running, "a killed run never claims to be complete");
        assert!(!run.join("samples.parquet").exists());

        let resumed = claimbench(dir.path(), &["run", "--resume", run.to_str().unwrap()]);
        assert_eq!(resumed.code, 0, "{}", resumed.stderr);
        let (a, b) = (read_parquet(&whole.join("samples.parquet")).unwrap(), read_parquet(&run.join("samples.parquet")).unwrap());
        assert_eq!(scored(&a), scored(&b));
        let (ma, mb): (Metrics, Metrics) = (read(&whole.join("metrics.json")), read(&run.join("metrics.json")));
        assert_eq!(ma.metrics["accuracy"], mb.metrics["accuracy"]);
        assert_eq!(read::<Manifest>(&run.join("manifest.json")).status, Status::Complete);
        let again = claimbench(dir.path(), &["run", "--resume", run.to_str().unwrap()]);
        assert_eq!(again.code, 2);
        assert!(again.stderr.contains("already complete"), "{}", again.stderr);
    }

    // A system that keeps crashing is finished by resuming until nothing is left; resumed from
    // another directory, the system named relative to where the run started is still found.
    example_command_system(dir.path(), "crashing", &["--crash-after", "12"], None);
    let out = dir.path().join("crashing");
    let first = claimbench(dir.path(), &["run", suite, "--system", "crashing.toml", "--seed", "5", "--out", out.to_str().unwrap()]);
    assert_eq!(first.code, 2);
    let run = only_run(&out);
    let second = claimbench(Path::new("/"), &["run", "--resume", run.to_str().unwrap()]);
    assert!(second.code == 2 && second.stderr.contains("24 of 30 samples kept"), "{}", second.stderr);
    let third = claimbench(dir.path(), &["run", "--resume", run.to_str().unwrap()]);
    assert_eq!(third.code, 0, "{}", third.stderr);
    assert_eq!(
        scored(&read_parquet(&run.join("samples.parquet")).unwrap()),
        scored(&read_parquet(&whole.join("samples.parquet")).unwrap())
    );
}

/// Two `--resume` of one run at once: the second is refused naming the first's pid, and no
/// item is asked for twice. `history` and `report` leave a run that is being written out.
#[test]
fn a_run_has_one_writer_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let suite = tiny_suite(d, &gsm8k_lines(10), "");
    let system = example_command_system(d, "slow", &["--delay", "0.3", "--crash-after", "3"], None);
    let out = d.join("runs");
    let first = claimbench(d, &["run", suite.to_str().unwrap(), "--system", system.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(first.code, 2, "{}", first.stderr);
    let run = only_run(&out);
    let resume = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_claimbench"))
            .args(["run", "--resume", run.to_str().unwrap()])
            .current_dir(d)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (resume(), resume());
    let (pids, outputs) = ([a.id(), b.id()], [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()]);
    let refused: Vec<usize> = (0..2).filter(|&i| String::from_utf8_lossy(&outputs[i].stderr).contains("is writing this run")).collect();
    assert_eq!(
        refused.len(),
        1,
        "exactly one resume is refused: {:?}",
        outputs.iter().map(|o| String::from_utf8_lossy(&o.stderr).into_owned()).collect::<Vec<_>>()
    );
    let (loser, winner) = (refused[0], 1 - refused[0]);
    let message = String::from_utf8_lossy(&outputs[loser].stderr).into_owned();
    assert!(message.contains(&format!("claimbench pid {} on ", pids[winner])), "{message}");
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    // The winner asked for 3 more items before its system crashed again; none is in twice.
    let journal = std::fs::read_to_string(run.join("samples.jsonl")).unwrap();
    let ids: Vec<String> = journal.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string()).collect();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (6, 6), "{journal}");

    // Finished runs, one of whose directories someone is writing (this test holds its lock).
    let other = d.join("other");
    let sum = example_command_system(d, "sum", &[], None);
    for _ in 0..2 {
        let done = claimbench(d, &["run", suite.to_str().unwrap(), "--system", sum.to_str().unwrap(), "--out", other.to_str().unwrap()]);
        assert_eq!(done.code, 0, "{}", done.stderr);
    }
    let done = std::fs::read_dir(&other).unwrap().map(|e| e.unwrap().path()).min().unwrap();
    let held = claimbench::store::lock::RunLock::acquire(&done).unwrap();
    let holder = format!("claimbench pid {} on ", std::process::id());
    let history = claimbench(d, &["history", other.to_str().unwrap()]);
    assert_eq!(history.code, 0, "{}{}", history.stdout, history.stderr);
    let said = format!("{}{}", history.stdout, history.stderr);
    assert!(said.contains(&format!("skipped {} ({holder}", done.display())), "{said}");
    let report = claimbench(d, &["report", done.to_str().unwrap(), run.to_str().unwrap(), "-o", d.join("report").to_str().unwrap()]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    assert!(report.stderr.contains(&format!("warning: report leaves out {} ({holder}", done.display())), "{}", report.stderr);
    let compare = claimbench(d, &["compare", done.to_str().unwrap(), run.to_str().unwrap()]);
    assert!(compare.code == 2 && compare.stderr.contains(&holder), "{}", compare.stderr);
    drop(held);
    let history = claimbench(d, &["history", other.to_str().unwrap()]);
    assert!(history.code == 0 && !format!("{}{}", history.stdout, history.stderr).contains("skipped"), "{}", history.stderr);
}

/// A full disk stops a run with a clear error and leaves it resumable; a read-only output
/// directory is refused. Both on a small tmpfs in a private mount namespace (needs root).
#[test]
fn a_full_disk_leaves_a_resumable_run_and_a_read_only_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let suite = tiny_suite(dir.path(), &gsm8k_lines(30), "");
    let mnt = dir.path().join("mnt");
    let saved = dir.path().join("saved");
    std::fs::create_dir_all(&mnt).unwrap();
    let exe = env!("CARGO_BIN_EXE_claimbench");
    let system = format!("command:python3 {}", example_system());
    let whole =
        claimbench(dir.path(), &["run", suite.to_str().unwrap(), "--system", &system, "--out", dir.path().join("whole").to_str().unwrap()]);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let script = format!(
        r#"set -u
mount -t tmpfs -o size=16k none {mnt}
{exe} run {suite} --system '{system}' --out {mnt}/runs 2> {d}/full.err; echo "full exit $?"
mount -o remount,size=20m {mnt}
{exe} run --resume {mnt}/runs/* > /dev/null 2> {d}/resume.err; echo "resume exit $?"
cp -r {mnt}/runs {saved}
mount -o remount,ro {mnt}
{exe} run {suite} --system '{system}' --out {mnt}/runs 2> {d}/ro.err; echo "read-only exit $?"
"#,
        mnt = mnt.display(),
        exe = exe,
        suite = suite.display(),
        system = system,
        d = dir.path().display(),
        saved = saved.display()
    );
    let out = std::process::Command::new("unshare").args(["--mount", "--propagation", "private", "sh", "-c", &script]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    let err = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    assert!(said.contains("full exit 2"), "{said} {}", err("full.err"));
    let full = err("full.err");
    assert!(full.contains("No space left on device") && full.contains("--resume"), "{full}");
    assert!(said.contains("resume exit 0"), "{said} {}", err("resume.err"));
    let run = only_run(&saved);
    assert_eq!(read::<Manifest>(&run.join("manifest.json")).status, Status::Complete);
    let whole = run_dir(&whole);
    assert_eq!(
        scored(&read_parquet(&run.join("samples.parquet")).unwrap()),
        scored(&read_parquet(&whole.join("samples.parquet")).unwrap())
    );
    assert!(said.contains("read-only exit 2"), "{said}");
    assert!(err("ro.err").contains("Read-only file system"), "{}", err("ro.err"));
}

#[test]
fn progress_is_a_bar_on_a_terminal_and_plain_lines_in_logs() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().display().to_string();
    let system = root.join("examples/systems/sum.toml").display().to_string();
    let args = ["run", "gsm8k", "--system", system.as_str(), "--limit", "30", "--out", out_dir.as_str()];

    // Captured stderr is not a terminal: plain lines, no carriage returns or escapes.
    let logged = claimbench_env(&root, &args, &[("CLAIMBENCH_PROGRESS_INTERVAL_S", "0")]);
    assert_eq!(logged.code, 0, "{}", logged.stderr);
    let lines: Vec<&str> = logged.stderr.lines().filter(|l| l.starts_with("progress: ")).collect();
    assert!(lines.len() >= 2, "a line per item with a zero interval: {}", logged.stderr);
    assert!(lines.last().unwrap().starts_with("progress: 30/30 items (100%)"), "{}", logged.stderr);
    assert!(!logged.stderr.contains('\r') && !logged.stderr.contains('\x1b'), "{:?}", logged.stderr);

    // Under a pseudo-terminal (util-linux `script`): a bar redrawn in place.
    let command = std::iter::once(env!("CARGO_BIN_EXE_claimbench").to_string())
        .chain(args.iter().map(|a| format!("'{a}'")))
        .collect::<Vec<_>>()
        .join(" ");
    let tty = std::process::Command::new("script").args(["-qefc", &command, "/dev/null"]).current_dir(&root).output().expect("script runs");
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{shown}");
    assert!(shown.contains(&format!("\r[{}] 30/30 items", "#".repeat(30))), "{shown:?}");
}

#[test]
fn items_a_system_fails_on_are_recorded_and_asked_again_on_resume() {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let runs = d.join("runs").display().to_string();
    let flag = d.join("failing");
    std::fs::write(&flag, "").unwrap();
    let flaky = example_command_system(
        d,
        "flaky",
        &["--strategy", "last-number", "--fail-every", "4", "--fail-while", flag.to_str().unwrap()],
        None,
    );
    let flaky = flaky.display().to_string();

    // Every 4th item fails: recorded, left out of the metrics, and the run goes on to the end.
    let out = claimbench(&root, &["run", "gsm8k", "--system", &flaky, "--limit", "12", "--out", &runs]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("reported an error") && out.stderr.contains("and 2 more items failed"), "{}", out.stderr);
    assert!(out.stderr.contains("run incomplete: 9 of 12 samples kept"), "{}", out.stderr);
    let run = only_run(&d.join("runs"));
    let manifest: claimbench::store::manifest::Manifest = read(&run.join("manifest.json"));
    assert_eq!(manifest.failed_items.iter().map(|f| f.index).collect::<Vec<_>>(), [3, 7, 11]);
    assert!(manifest.failed_items[0].error.contains("failing on purpose"), "{:?}", manifest.failed_items);
    let metrics: claimbench::store::metrics::Metrics = read(&run.join("metrics.json"));
    assert!(!metrics.complete);
    assert_eq!(metrics.metrics["accuracy"].n, 9);

    // Once the cause is gone, a resume asks exactly the failed items and the run equals a clean one.
    std::fs::remove_file(&flag).unwrap();
    let resumed = claimbench(&root, &["run", "--resume", run.to_str().unwrap()]);
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert!(resumed.stderr.contains("progress: 3/3 items"), "only the 3 failed items are asked: {}", resumed.stderr);
    let manifest: claimbench::store::manifest::Manifest = read(&run.join("manifest.json"));
    assert!(manifest.failed_items.is_empty() && manifest.items.completed == 12);
    let clean_out = d.join("clean").display().to_string();
    let system = root.join("examples/systems/last-number.toml").display().to_string();
    let clean = claimbench(&root, &["run", "gsm8k", "--system", &system, "--limit", "12", "--out", &clean_out]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    let samples = |dir: &std::path::Path| claimbench::store::StoredRun::load(dir).unwrap().samples;
    assert_eq!(scored(&samples(&run)), scored(&samples(&only_run(&d.join("clean")))));

    // Three failures in a row mean the system is down: the run stops there.
    std::fs::write(&flag, "").unwrap();
    let down = example_command_system(d, "down", &["--fail-every", "1", "--fail-while", flag.to_str().unwrap()], None);
    let out = claimbench(
        &root,
        &["run", "gsm8k", "--system", down.to_str().unwrap(), "--limit", "12", "--out", &d.join("down").display().to_string()],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("3 items in a row failed, so the run stopped"), "{}", out.stderr);
    let manifest: claimbench::store::manifest::Manifest = read(&only_run(&d.join("down")).join("manifest.json"));
    assert_eq!((manifest.failed_items.len(), manifest.items.completed), (3, 0));
}
