//! The materials suites against real LAMMPS (Debian's `lmp`) and the built-in engine.

use crate::common::*;
use claimbench::store::samples::read_parquet;
use serde_json::Value;
use std::path::Path;

fn require_lammps() {
    let found = std::process::Command::new("lmp").arg("-h").output().map(|o| o.status.success()).unwrap_or(false);
    assert!(found, "these tests need LAMMPS (`lmp`); `just test` installs Debian's lammps and lammps-examples");
}

fn run(dir: &Path, suite: &str, system: &str, extra: &[&str]) -> Outcome {
    let suite = repo_root().join(suite).display().to_string();
    let system = if system.ends_with(".toml") { repo_root().join(system).display().to_string() } else { system.to_string() };
    let mut args = vec!["run", &suite, "--system", &system, "--out", "runs"];
    args.extend_from_slice(extra);
    claimbench(dir, &args)
}

#[test]
fn lammps_runs_both_suites_and_every_gate_passes() {
    require_lammps();
    let dir = tempfile::tempdir().unwrap();
    for (suite, workloads, figure) in [
        ("suites/materials-lj.toml", &["lj-32k", "lj-4k", "lj-108k", "lj-256k"][..], "tau_per_day"),
        ("suites/materials-eam.toml", &["eam-32k"][..], "ns_per_day"),
    ] {
        let out = run(dir.path(), suite, "examples/systems/lammps-opt.toml", &[]);
        assert_eq!(out.code, 0, "{suite}: {}{}", out.stdout, out.stderr);
        assert!(!out.stdout.contains("INVALID"), "{}", out.stdout);
        let run_dir = dir.path().join(run_dir(&out));
        let metrics: Value = read(&run_dir.join("metrics.json"));
        for w in workloads {
            for metric in ["timesteps_per_s", "matom_steps_per_s", figure, "loop_time_s"] {
                let m = &metrics["metrics"][format!("{w}/{metric}")];
                assert!(m["value"].as_f64().unwrap() > 0.0, "{w}/{metric}: {m}");
                assert_eq!(m["statistic"], "median");
                assert!(m.get("invalid").is_none(), "{m}");
            }
        }
        let samples = read_parquet(&run_dir.join("samples.parquet")).unwrap();
        for s in &samples {
            // The figures and gate quantities come from LAMMPS's own output.
            assert!(s.output.starts_with("LAMMPS ("), "{}", s.output);
            assert!(s.correct, "{}: {:?}", s.id, s.extracted);
            let run = &claimbench::tasks::materials::log::parse(Path::new("out"), &s.output).unwrap()[0];
            assert_eq!(s.measures["timesteps_per_s"], run.timesteps_per_s());
            assert_eq!(s.measures["e_pair_0"], run.thermo.first_last("E_pair").unwrap().0);
            assert!(s.latency_s.unwrap() >= run.loop_time.seconds);
        }
        let manifest: Value = read(&run_dir.join("manifest.json"));
        assert_eq!(manifest["suite"]["scoring_version"], "materials.md/1");
        assert_eq!(manifest["system"]["config"]["suffix"], "opt");
    }
}

#[test]
fn builtin_engine_against_lammps_with_a_speed_claim() {
    require_lammps();
    let dir = tempfile::tempdir().unwrap();
    let lammps = run(dir.path(), "suites/materials-lj.toml", "lammps:lmp", &["--limit", "3"]);
    let builtin = run(dir.path(), "suites/materials-lj.toml", "examples/systems/builtin-md.toml", &["--limit", "3"]);
    for out in [&lammps, &builtin] {
        assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("speed measured on: cpu_model="), "{}", out.stdout);
    }
    let (a, b) = (dir.path().join(run_dir(&lammps)), dir.path().join(run_dir(&builtin)));
    let samples = read_parquet(&b.join("samples.parquet")).unwrap();
    assert!(samples[0].output.starts_with("claimbench built-in MD engine"));
    assert!(samples.iter().all(|s| s.correct), "{:?}", samples.iter().map(|s| &s.extracted).collect::<Vec<_>>());
    // Same positions, same potential: step-0 energy agrees with LAMMPS's printed digits.
    let lammps_samples = read_parquet(&a.join("samples.parquet")).unwrap();
    let relative = (samples[0].measures["e_pair_0"] / lammps_samples[0].measures["e_pair_0"] - 1.0).abs();
    assert!(relative < 1e-7, "{relative}");
    std::fs::write(
        dir.path().join("claims.toml"),
        format!(
            "[[claim]]\nid = \"engine-speed\"\nsuite = \"materials-lj\"\nmetric = \"lj-32k/timesteps_per_s\"\nkind = \"speed-up\"\nthreshold = 0.05\nbaseline = \"{}\"\ncandidate = \"{}\"\n",
            a.display(),
            b.display()
        ),
    )
    .unwrap();
    let out = claimbench(dir.path(), &["claim", "check", "claims.toml", "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let claim = &report["data"]["claims"][0];
    assert_eq!(claim["outcome"]["verdict"], "SUPPORTED", "{claim}");
    assert_eq!(claim["n_paired"], 2, "warm-up runs are not paired: {claim}");
}

#[test]
fn a_failed_gate_marks_figures_invalid_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let vars = "x = \"0.5\", y = \"0.5\", z = \"0.5\"";
    let good = tiny_materials_suite(
        d,
        &in_lj(),
        vars,
        4000,
        Some("{ e_pair = -6.77336805325925, press = -5.01997318208561, rel_tol = 1e-6, max_drift_per_atom = 0.0176 }"),
    );
    let out = claimbench(d, &["run", &good.display().to_string(), "--system", "builtin-md", "--out", "runs"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let valid = d.join(run_dir(&out));
    // The same suite with a pressure reference the physics cannot meet.
    let text = std::fs::read_to_string(&good).unwrap().replace("press = -5.01997318208561", "press = -5.5");
    std::fs::write(&good, text).unwrap();
    let out = claimbench(d, &["run", &good.display().to_string(), "--system", "builtin-md", "--out", "runs"]);
    assert_eq!(out.code, 1, "a gate failure is exit 1: {}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("INVALID w/timesteps_per_s"), "{}", out.stdout);
    assert!(out.stdout.contains("INVALID: w/rep-1: gate failed: step-0 Press"), "{}", out.stdout);
    let invalid = d.join(run_dir(&out));
    let manifest: Value = read(&invalid.join("manifest.json"));
    assert_eq!(manifest["status"], "complete", "the numbers are kept");
    let metrics: Value = read(&invalid.join("metrics.json"));
    assert!(metrics["metrics"]["w/timesteps_per_s"]["invalid"].as_str().unwrap().contains("differs from the reference -5.5"));
    assert!(metrics["metrics"]["w/timesteps_per_s"]["value"].as_f64().unwrap() > 0.0);

    let (a, b) = (valid.display().to_string(), invalid.display().to_string());
    let out = claimbench(d, &["compare", &a, &b, "--force"]);
    assert!(out.stdout.contains("INVALID w/timesteps_per_s: candidate invalid"), "{}", out.stdout);
    std::fs::write(
        d.join("claims.toml"),
        format!("[[claim]]\nid = \"fast\"\nsuite = \"md\"\nmetric = \"w/timesteps_per_s\"\nkind = \"speed-up\"\nthreshold = 0.01\nbaseline = \"{a}\"\ncandidate = \"{b}\"\n"),
    )
    .unwrap();
    let out = claimbench(d, &["claim", "check", "claims.toml", "--force", "--format", "json"]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|_| panic!("{}{}", out.stdout, out.stderr));
    let claim = &report["data"]["claims"][0];
    assert_eq!(claim["outcome"]["verdict"], "INCONCLUSIVE", "{claim}");
    assert!(claim["more_items_needed"].is_null(), "more items cannot fix a failed gate: {claim}");
    assert!(claim["notes"].to_string().contains("not counted: candidate invalid"), "{claim}");
    let out = claimbench(d, &["report", &b, "--out", "report"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let summary = std::fs::read_to_string(d.join("report/summary.md")).unwrap();
    assert!(summary.contains("**INVALID**"), "{summary}");
}

#[test]
fn submitted_logs_are_gated_like_live_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let suite = tiny_materials_suite(d, &in_lj(), "x = \"1\", y = \"1\", z = \"1\"", 32000, None);
    let log = std::fs::read_to_string(repo_root().join("harness/tests/fixtures/lammps/log.lj.debian-29Sep2021.precise")).unwrap();
    let truncated = &log[..log.find("Loop time").unwrap()];
    let lines = [serde_json::json!({"id": "w/rep-1", "output": log}), serde_json::json!({"id": "w/rep-2", "output": truncated})];
    std::fs::write(d.join("logs.jsonl"), lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let out = claimbench(d, &["run", &suite.display().to_string(), "--system", "predictions:logs.jsonl", "--out", "runs"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("w/rep-2: gate failed: log of w/rep-2:"), "{}", out.stdout);
    assert!(out.stdout.contains("the log ends inside the run whose thermo table starts at line"), "{}", out.stdout);
    let samples = read_parquet(&d.join(run_dir(&out)).join("samples.parquet")).unwrap();
    assert!(samples[0].correct && !samples[1].correct);
    assert_eq!(samples[0].measures["timesteps_per_s"], 25.994);
    // Submitted results took no time here: there is no latency to report.
    assert!(samples.iter().all(|s| s.latency_s.is_none()));
}

#[test]
fn lammps_runs_on_mpi_ranks() {
    require_lammps();
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), "suites/materials-lj.toml", "examples/systems/lammps-mpi2.toml", &["--limit", "2"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let samples = read_parquet(&dir.path().join(run_dir(&out)).join("samples.parquet")).unwrap();
    for s in &samples {
        assert!(s.correct, "{:?}", s.extracted);
        assert_eq!(s.measures["procs"], 2.0, "the log says how many ranks ran");
    }
}

#[test]
fn a_bundled_lammps_input_that_runs_host_code_is_refused_by_reproduce() {
    require_lammps();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // in.lj at 4,000 atoms with a `shell` line: its sender allowed it in their own system file.
    let marker = d.join("shell-ran");
    let input = in_lj().replacen("units", &format!("shell touch {}\nunits", marker.file_name().unwrap().to_str().unwrap()), 1);
    let shell_line = input.lines().position(|l| l.starts_with("shell")).unwrap() + 1;
    let suite = tiny_materials_suite(d, &input, "x = \"1\", y = \"1\", z = \"1\"", 4000, None);
    let suite = suite.to_str().unwrap();
    let permissive = d.join("permissive.toml");
    std::fs::write(&permissive, "kind = \"lammps\"\nallow_commands = [\"shell\"]\n").unwrap();
    let out = claimbench(d, &["run", suite, "--system", permissive.to_str().unwrap(), "--out", "runs"]);
    assert!(out.code == 0 || out.code == 1, "{}{}", out.stdout, out.stderr);
    let run = run_dir(&out);

    // Without the allowance (anyone else's system), the input is refused at its line, live…
    let out = claimbench(d, &["run", suite, "--system", "lammps:lmp", "--out", "refused"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let place = format!("in.test:{shell_line}:1:");
    assert!(out.stderr.contains(&place) && out.stderr.contains("`shell` runs code on the host"), "{}", out.stderr);

    // …and from a bundle: reproduce runs nothing.
    assert_eq!(claimbench(d, &["bundle", "create", run.to_str().unwrap(), "-o", "b.cbundle"]).code, 0);
    let out = claimbench(d, &["reproduce", "b.cbundle", "--system", "lammps:lmp", "--sample", "1", "--seed", "1"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains(&place) && out.stderr.contains("`shell` runs code on the host"), "{}", out.stderr);
    assert!(out.stderr.contains("re-running 0 of 1 items"), "{}", out.stderr);
    assert!(out.stderr.contains("reproduce: re-running 1 items of run") && out.stderr.contains("lammps system"), "{}", out.stderr);
}
