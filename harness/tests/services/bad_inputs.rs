//! Bad input of every kind: a one-line error naming the file and line or the item, exit code
//! 2, no panic, and no run that claims to be complete.

use crate::common::*;
use std::path::Path;

struct Case {
    name: &'static str,
    /// Prepares files in the directory and returns the arguments.
    setup: fn(&Path) -> Vec<String>,
    /// Every one of these must appear in the error line.
    expect: &'static [&'static str],
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    s(&path)
}

fn run_args(suite: &Path, system: &str, dir: &Path) -> Vec<String> {
    vec!["run".into(), s(suite), "--system".into(), system.into(), "--out".into(), s(&dir.join("runs"))]
}

fn predictions_case(dir: &Path, preds: &str) -> Vec<String> {
    let suite = tiny_suite(dir, &gsm8k_lines(3), "");
    let preds = write(dir, "preds.jsonl", preds);
    run_args(&suite, &format!("predictions:{preds}"), dir)
}

fn command_case(dir: &Path, flag: &str) -> Vec<String> {
    let suite = tiny_suite(dir, &gsm8k_lines(3), "");
    let system = example_command_system(dir, "sys", &[flag, "1"], Some(1.0));
    run_args(&suite, &s(&system), dir)
}

/// The ids of the first three GSM8K items, as `suites items` prints them.
fn first_ids(dir: &Path) -> Vec<String> {
    let suite = dir.join("tiny.toml");
    claimbench(dir, &["suites", "items", &s(&suite)])
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string())
        .collect()
}

/// Replaces the line of `data/dataset.toml` that starts with `key` by `line`.
fn replace_dataset_line(dir: &Path, key: &str, line: &str) {
    let path = dir.join("data/dataset.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    let edited: Vec<&str> = toml.lines().map(|l| if l.starts_with(key) { line } else { l }).collect();
    std::fs::write(&path, edited.join("\n")).unwrap();
}

/// A speech suite over the dataset in `data` (its transcripts under the key `manifest`), with
/// `format` lines in its `[asr]` table.
fn speech_suite(format: &str) -> String {
    format!("id = \"speech\"\nversion = \"1\"\ntask = \"asr.wer\"\nmetrics = [\"wer\"]\n\n[dataset]\npath = \"data\"\nfile = \"manifest\"\n\n[asr]\n{format}\nnormaliser = \"basic\"\n")
}

/// A copy of the real lm-eval output folder of the `dummy` model (both tasks) in `d/lm`, with
/// `edit` applied to the file whose name starts with `prefix`; returns the import arguments.
fn lm_eval_case(d: &Path, prefix: &str, edit: fn(String) -> String) -> Vec<String> {
    let from = repo_root().join("harness/tests/fixtures/import/lm-eval/runs/dummy-a/dummy-dummy-a");
    let to = d.join("lm");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = if name.starts_with(prefix) { edit(text) } else { text };
        if !text.is_empty() {
            std::fs::write(to.join(&name), text).unwrap();
        }
    }
    vec!["import".into(), "lm-eval".into(), s(&to)]
}

/// A copy of a real Inspect log (`harness/tests/fixtures/import/inspect/logs/FOLDER/…NAME…`) in
/// `d`, its bytes edited; returns the import arguments.
fn inspect_case(d: &Path, folder: &str, name: &str, edit: fn(Vec<u8>) -> Vec<u8>) -> Vec<String> {
    let from = repo_root().join("harness/tests/fixtures/import/inspect/logs").join(folder);
    let path = std::fs::read_dir(from).unwrap().map(|e| e.unwrap().path()).find(|p| p.to_string_lossy().contains(name)).unwrap();
    let to = d.join(path.file_name().unwrap());
    std::fs::write(&to, edit(std::fs::read(&path).unwrap())).unwrap();
    vec!["import".into(), "inspect".into(), s(&to)]
}

/// The single-JSON Inspect log with `edit` applied to its text.
fn inspect_json_case(d: &Path, edit: fn(String) -> String) -> Vec<String> {
    let from = repo_root().join("harness/tests/fixtures/import/inspect/logs/formats/match.json");
    vec!["import".into(), "inspect".into(), write(d, "log.json", &edit(std::fs::read_to_string(from).unwrap()))]
}

/// A multiple-choice suite over `jsonl`, with `extra` TOML; returns `suites validate` arguments.
/// Two complete runs of three items, all wrong, and a claims file comparing them whose claim
/// ends with `kind_and_bound` (from line 7).
fn claim_case(d: &Path, kind_and_bound: &str) -> Vec<String> {
    let suite = tiny_suite(d, &gsm8k_lines(3), "");
    let preds = write(d, "preds.jsonl", &(0..3).map(|i| format!("{{\"index\": {i}, \"output\": \"no idea\"}}\n")).collect::<String>());
    let mut runs = Vec::new();
    for _ in 0..2 {
        // Complete runs, kept apart from `runs/`, which must hold no complete run.
        let out = claimbench(d, &["run", &s(&suite), "--system", &format!("predictions:{preds}"), "--out", &s(&d.join("claimed"))]);
        runs.push(s(&run_dir(&out)));
    }
    let claims = format!(
        "[[claim]]\nid = \"gain\"\nsuite = \"tiny\"\nmetric = \"accuracy\"\nbaseline = {:?}\ncandidate = {:?}\n{kind_and_bound}\n",
        runs[0], runs[1]
    );
    vec!["claim".into(), "check".into(), write(d, "claims.toml", &claims)]
}

fn multiple_choice_case(dir: &Path, jsonl: &str, extra: &str) -> Vec<String> {
    one_file_dataset(&dir.join("data"), "mc", "test", "test.jsonl", "jsonl", jsonl);
    let suite = write(
        dir,
        "mc.toml",
        &format!("id = \"mc\"\nversion = \"1\"\ntask = \"reasoning.multiple_choice\"\nmetrics = [\"accuracy\"]\n{extra}\n[dataset]\npath = \"data\"\nfile = \"test\"\n"),
    );
    vec!["suites".into(), "validate".into(), suite]
}

const CHOICE: &str = "{\"question\": \"2+2?\", \"choices\": [\"3\", \"4\"], \"answer\": 1}\n";

const CASES: &[Case] = &[
    Case {
        name: "multiple-choice answer out of range",
        setup: |d| {
            multiple_choice_case(
                d,
                &format!("{CHOICE}{{\"question\": \"q\", \"choices\": [\"a\", \"b\"], \"answer\": 2}}\n"),
                "[multiple_choice]\nmode = \"loglikelihood\"",
            )
        },
        expect: &["test.jsonl:2:", "field 'answer'"],
    },
    Case {
        name: "multiple-choice choices not a list",
        setup: |d| {
            multiple_choice_case(d, "{\"question\": \"q\", \"choices\": \"a, b\", \"answer\": 0}\n", "[multiple_choice]\nmode = \"letter\"")
        },
        expect: &["test.jsonl:1:", "field 'choices'"],
    },
    Case {
        name: "multiple-choice suite without its table",
        setup: |d| multiple_choice_case(d, CHOICE, ""),
        expect: &["mc.toml", "[multiple_choice]"],
    },
    Case {
        name: "multiple-choice mode misspelt",
        setup: |d| multiple_choice_case(d, CHOICE, "[multiple_choice]\nmode = \"logprob\""),
        expect: &["mc.toml:", "logprob"],
    },
    Case {
        name: "top_p out of range",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(2), "[generation]\ntop_p = 1.5");
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["tiny.toml", "top_p = 1.5"],
    },
    Case {
        name: "gguf system on a file that is not GGUF",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(2), "");
            write(d, "model.gguf", "just text");
            run_args(&suite, "gguf:model.gguf", d)
        },
        expect: &["model.gguf", "not a GGUF file"],
    },
    Case {
        name: "openai system with a misspelt key",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(2), "");
            let system =
                write(d, "server.toml", "kind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\nconcurrensy = 4\n");
            run_args(&suite, &system, d)
        },
        expect: &["server.toml:4:", "unknown field `concurrensy`"],
    },
    Case {
        name: "malformed suite TOML",
        setup: |d| vec!["suites".into(), "validate".into(), write(d, "bad.toml", "id = \"x\"\nversion = \n")],
        expect: &["bad.toml:2:"],
    },
    Case {
        name: "unknown task kind",
        setup: |d| {
            vec!["suites".into(), "validate".into(), write(d, "bad.toml", "id = \"x\"\nversion = \"1\"\ntask = \"reasoning.nope\"\n")]
        },
        expect: &["bad.toml:3:", "reasoning.nope"],
    },
    Case {
        name: "misspelt suite key",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(2), "promt = 1");
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["tiny.toml:5:", "unknown field `promt`"],
    },
    Case {
        name: "template without {question}",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(2), "[prompt]\ntemplate = \"Answer:\"");
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["tiny.toml:6:", "{question}"],
    },
    Case {
        name: "template placeholder naming no field",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(2), "[prompt]\ntemplate = \"{question} in {nosuch}\"");
            vec!["run".into(), s(&suite), "--system".into(), "command:true".into()]
        },
        expect: &["tiny.toml:6:", "placeholder {nosuch} names no field", "{{ and }}"],
    },
    Case {
        name: "few-shot template with an unmatched brace",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(2), "[prompt]\nexample_template = \"{question} {answer\"");
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["tiny.toml:6:", "without its '}'"],
    },
    Case {
        name: "suite file missing",
        setup: |d| vec!["suites".into(), "validate".into(), s(&d.join("nosuch.toml"))],
        expect: &["nosuch.toml", "not found"],
    },
    Case {
        name: "unknown suite id",
        setup: |d| {
            tiny_suite(d, &gsm8k_lines(2), "");
            vec!["suites".into(), "items".into(), "nosuch".into(), "--suites-dir".into(), s(d)]
        },
        expect: &["no suite 'nosuch'", "known: tiny"],
    },
    Case {
        name: "speech manifest naming audio by an absolute path",
        setup: |d| {
            let manifest =
                "{\"audio_filepath\": \"a.wav\", \"text\": \"x\"}\n{\"audio_filepath\": \"/etc/hostname.wav\", \"text\": \"x\"}\n";
            one_file_dataset(&d.join("data"), "speech", "manifest", "manifest.json", "jsonl", manifest);
            let suite = write(d, "speech.toml", &speech_suite("format = \"nemo\""));
            vec!["suites".into(), "items".into(), suite]
        },
        expect: &["manifest.json:2", "audio path '/etc/hostname.wav' must be relative, and inside the dataset directory"],
    },
    Case {
        name: "speech manifest climbing out of the dataset",
        setup: |d| {
            let manifest = "{\"audio_filepath\": \"../../outside.wav\", \"text\": \"x\"}\n";
            one_file_dataset(&d.join("data"), "speech", "manifest", "manifest.json", "jsonl", manifest);
            let suite = write(d, "speech.toml", &speech_suite("format = \"nemo\""));
            vec!["suites".into(), "items".into(), suite]
        },
        expect: &["manifest.json:1", "audio path '../../outside.wav'"],
    },
    Case {
        name: "trn audio_dir outside the dataset",
        setup: |d| {
            one_file_dataset(&d.join("data"), "speech", "manifest", "t.trn", "text", "hello (u1)\n");
            let suite = write(d, "speech.toml", &speech_suite("format = \"trn\"\naudio_dir = \"../elsewhere\""));
            vec!["suites".into(), "validate".into(), suite]
        },
        expect: &["speech.toml:", "audio_dir = '../elsewhere' must be a relative path inside the dataset directory"],
    },
    Case {
        name: "dataset directory missing",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(2), "");
            std::fs::remove_dir_all(d.join("data")).unwrap();
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["data", "dataset directory not found"],
    },
    Case {
        name: "dataset hash mismatch",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(2), "");
            std::fs::write(d.join("data/test.jsonl"), gsm8k_lines(3)).unwrap();
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["test.jsonl", "sha256 mismatch"],
    },
    Case {
        name: "dataset.toml with a bad hash",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(2), "");
            replace_dataset_line(d, "sha256", "sha256 = \"abc\"");
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["dataset.toml:10:", "64 hex digits"],
    },
    Case {
        name: "dataset.toml naming a file outside its directory",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(2), "");
            replace_dataset_line(d, "path", "path = \"../test.jsonl\"");
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["dataset.toml:", "'../test.jsonl' must be relative and inside the dataset directory"],
    },
    Case {
        name: "dataset JSONL with a broken line",
        setup: |d| {
            let lines = format!("{}{{\"question\": \"broken\n{}", gsm8k_lines(2), gsm8k_lines(1));
            let suite = tiny_suite(d, &lines, "");
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["test.jsonl:3:", "invalid JSON"],
    },
    Case {
        name: "dataset record without an answer",
        setup: |d| {
            let suite = tiny_suite(d, &format!("{}{{\"question\": \"q\"}}\n", gsm8k_lines(1)), "");
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["test.jsonl:2:", "missing field 'answer'"],
    },
    Case {
        name: "dataset answer without ####",
        setup: |d| {
            let suite = tiny_suite(d, "{\"question\": \"q\", \"answer\": \"it is 4\"}\n", "");
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["test.jsonl:1:", "####"],
    },
    Case {
        name: "more few-shot examples than items",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(3), "[fewshot]\nk = 5");
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["tiny.toml", "fewshot.k = 5"],
    },
    Case {
        name: "predictions with a broken JSON line",
        setup: |d| predictions_case(d, "{\"index\": 0, \"output\": \"#### 1\"}\n{\"index\": 1, \"output\": \n"),
        expect: &["preds.jsonl:2:", "invalid JSON"],
    },
    Case {
        name: "predictions missing an item",
        setup: |d| predictions_case(d, "{\"index\": 0, \"output\": \"#### 1\"}\n{\"index\": 2, \"output\": \"#### 1\"}\n"),
        expect: &["preds.jsonl", "no prediction for 1 of 3 scored items"],
    },
    Case {
        name: "predictions with a duplicate id",
        setup: |d| {
            let args = predictions_case(d, "");
            let ids = first_ids(d);
            write(
                d,
                "preds.jsonl",
                &format!(
                    "{{\"id\": \"{0}\", \"output\": \"1\"}}\n{{\"index\": 1, \"output\": \"2\"}}\n{{\"id\": \"{0}\", \"output\": \"3\"}}\n",
                    ids[0]
                ),
            );
            args
        },
        expect: &["preds.jsonl:3:", "duplicate prediction", "first on line 1"],
    },
    Case {
        name: "predictions naming an unknown id",
        setup: |d| {
            predictions_case(d, "{\"index\": 0, \"output\": \"1\"}\n{\"index\": 1, \"output\": \"1\"}\n{\"index\": 2, \"output\": \"1\"}\n{\"id\": \"gsm8k-nope\", \"output\": \"1\"}\n")
        },
        expect: &["preds.jsonl", "1 predictions name no item", "gsm8k-nope (line 4)"],
    },
    Case {
        name: "predictions with an index past the end",
        setup: |d| predictions_case(d, "{\"index\": 9, \"output\": \"1\"}\n"),
        expect: &["preds.jsonl:1:", "past the end"],
    },
    Case {
        name: "predictions without output",
        setup: |d| predictions_case(d, "{\"index\": 0}\n"),
        expect: &["preds.jsonl:1:", "missing field 'output'"],
    },
    Case {
        name: "predictions file missing",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(3), "");
            run_args(&suite, &format!("predictions:{}", s(&d.join("none.jsonl"))), d)
        },
        expect: &["none.jsonl", "No such file"],
    },
    Case {
        name: "command that exits 1",
        setup: |d| command_case(d, "--crash-after"),
        expect: &["item tiny-", "exited", "crashing on purpose"],
    },
    Case { name: "command that hangs", setup: |d| command_case(d, "--hang-after"), expect: &["item tiny-", "no response within 1 s"] },
    Case {
        name: "command that prints garbage",
        setup: |d| command_case(d, "--garbage-after"),
        expect: &["item tiny-", "bad response", "this is not json"],
    },
    Case {
        name: "command that does not exist",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(3), "");
            run_args(&suite, "command:/nonexistent/solver", d)
        },
        expect: &["cannot start '/nonexistent/solver'"],
    },
    Case {
        name: "unknown system kind",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(3), "");
            run_args(&suite, "telepathy:now", d)
        },
        expect: &["unknown system kind 'telepathy'"],
    },
    Case {
        name: "system file with an unknown key",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(3), "");
            let system = write(d, "sys.toml", "kind = \"command\"\nprogram = \"python3\"\nargz = []\n");
            run_args(&suite, &system, d)
        },
        expect: &["sys.toml:3:", "unknown field `argz`"],
    },
    Case {
        name: "system file with an unknown kind",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(3), "");
            let system = write(d, "sys.toml", "kind = \"magic\"\n");
            run_args(&suite, &system, d)
        },
        expect: &["sys.toml:1:", "unknown system kind 'magic'"],
    },
    Case {
        name: "limit of zero",
        setup: |d| {
            let suite = tiny_suite(d, &gsm8k_lines(3), "");
            let mut args = run_args(&suite, "command:python3", d);
            args.extend(["--limit".into(), "0".into()]);
            args
        },
        expect: &["--limit must be at least 1"],
    },
    Case {
        name: "lammps binary not found",
        setup: |d| {
            let suite = tiny_materials_suite(d, &in_lj(), "x = \"0.5\", y = \"0.5\", z = \"0.5\"", 4000, None);
            run_args(&suite, "lammps:/nonexistent/lmp", d)
        },
        expect: &["program '/nonexistent/lmp' not found", "install LAMMPS"],
    },
    Case {
        name: "LAMMPS stops with an ERROR line",
        setup: |d| {
            let suite =
                tiny_materials_suite(d, &in_lj().replace("lj/cut 2.5", "lj/cutt 2.5"), "x = \"0.5\", y = \"0.5\", z = \"0.5\"", 4000, None);
            run_args(&suite, "lammps:lmp", d)
        },
        expect: &["item w/rep-1: LAMMPS stopped with: ERROR: Unrecognized pair style 'lj/cutt'", "run incomplete: 0 of 2"],
    },
    Case {
        name: "LAMMPS killed mid-run",
        setup: |d| {
            let suite = tiny_materials_suite(d, &in_lj(), "x = \"1.5\", y = \"1.5\", z = \"1.5\"", 108000, None);
            let killer = write(d, "killed-lmp.sh", "#!/bin/sh\nlmp \"$@\" & pid=$!\nsleep 1\nkill -9 $pid\nwait $pid\n");
            std::process::Command::new("chmod").args(["+x", &killer]).status().unwrap();
            run_args(&suite, &format!("lammps:{killer}"), d)
        },
        expect: &["item w/rep-1: LAMMPS exited (exit status: 137)", "no completed run"],
    },
    Case {
        name: "built-in engine given an input it does not support",
        setup: |d| run_args(&repo_root().join("suites/materials-eam.toml"), "builtin-md", d),
        expect: &[
            "item eam-32k/warmup-1:",
            "in.eam:11: the built-in engine does not support `units metal` (only lj); run this workload with the lammps system",
        ],
    },
    Case {
        name: "materials suite without workloads",
        setup: |d| {
            let suite = tiny_materials_suite(d, &in_lj(), "", 4000, None);
            let text = std::fs::read_to_string(&suite).unwrap();
            let cut = text.split("[[materials.workloads]]").next().unwrap().replace("[materials]", "[materials]\nworkloads = []");
            vec!["suites".into(), "validate".into(), write(d, "md.toml", &cut)]
        },
        expect: &["md.toml:", "[materials] lists no workloads"],
    },
    Case {
        name: "gate without a tolerance",
        setup: |d| {
            let suite = tiny_materials_suite(
                d,
                &in_lj(),
                "",
                4000,
                Some("{ e_pair = -6.7, press = -5.0, rel_tol = 0, max_drift_per_atom = 0.01 }"),
            );
            vec!["suites".into(), "validate".into(), s(&suite)]
        },
        expect: &["md.toml:", "gate needs finite e_pair and press and positive rel_tol"],
    },
    Case {
        name: "relative claim over a baseline of zero",
        setup: |d| claim_case(d, "kind = \"relative-improvement\"\nthreshold = 0.28"),
        expect: &["claims.toml:2:", "claim 'gain'"],
    },
    Case {
        name: "claim threshold that is not a number",
        setup: |d| claim_case(d, "kind = \"absolute-improvement\"\nthreshold = nan"),
        expect: &["claims.toml:8:", "threshold must be a finite number, not NaN"],
    },
    Case {
        name: "claim threshold of minus infinity",
        setup: |d| claim_case(d, "kind = \"absolute-improvement\"\nthreshold = -inf"),
        expect: &["claims.toml:8:", "threshold must be a finite number, not -inf"],
    },
    Case {
        name: "non-inferiority margin of infinity",
        setup: |d| claim_case(d, "kind = \"non-inferiority\"\nmargin = inf"),
        expect: &["claims.toml:8:", "margin must be a finite number, not inf"],
    },
    Case {
        name: "speed-up claimed on accuracy",
        setup: |d| claim_case(d, "kind = \"speed-up\"\nthreshold = 2.0"),
        expect: &["claims.toml:7:", "kind speed-up needs a speed metric, and 'accuracy' is not one"],
    },
    Case {
        name: "claims file asking for too few bootstrap resamples",
        setup: |d| {
            vec!["claim".into(), "check".into(), write(
                d,
                "claims.toml",
                "resamples = 10\n[[claim]]\nid = \"g\"\nsuite = \"gsm8k\"\nmetric = \"accuracy\"\nbaseline = \"a\"\ncandidate = \"b\"\nkind = \"speed-up\"\nthreshold = 2.0\n",
            )]
        },
        expect: &["claims.toml", "resamples = 10: at least 1000 resamples"],
    },
    Case {
        name: "claims file asking for more bootstrap resamples than ever help",
        setup: |d| {
            vec!["claim".into(), "check".into(), write(
                d,
                "claims.toml",
                "resamples = 1000000000\n[[claim]]\nid = \"g\"\nsuite = \"gsm8k\"\nmetric = \"accuracy\"\nbaseline = \"a\"\ncandidate = \"b\"\nkind = \"speed-up\"\nthreshold = 2.0\n",
            )]
        },
        expect: &["claims.toml", "resamples = 1000000000: at most 1000000 resamples"],
    },
    Case {
        name: "report of a directory that is not a run",
        setup: |d| vec!["report".into(), s(d), "-o".into(), s(&d.join("out"))],
        expect: &["not a run directory"],
    },
    Case {
        name: "report with a malformed claims file",
        setup: |d| {
            std::fs::write(d.join("claims.toml"), "[[claim]\nid = 1\n").unwrap();
            vec!["report".into(), s(d), "--claims".into(), s(&d.join("claims.toml")), "-o".into(), s(&d.join("out"))]
        },
        expect: &["claims.toml"],
    },
    Case {
        name: "report with a history directory that does not exist",
        setup: |d| vec!["report".into(), s(d), "--history".into(), s(&d.join("no-such-results")), "-o".into(), s(&d.join("out"))],
        expect: &["no-such-results"],
    },
    Case {
        name: "lm-eval samples file cut short",
        setup: |d| lm_eval_case(d, "samples_gsm8k-mc", |t| t[..t.len() - 500].to_string()),
        expect: &["samples_gsm8k-mc-lm-eval_", ":40:", "cut short (the file is truncated)"],
    },
    Case {
        name: "lm-eval results file whose samples are missing",
        setup: |d| lm_eval_case(d, "samples_gsm8k-lm-eval", |_| String::new()),
        expect: &["results_", "task 'gsm8k-lm-eval' has no samples file", "--log_samples"],
    },
    Case {
        name: "lm-eval samples that are not those its results file hashed",
        setup: |d| lm_eval_case(d, "results_", |t| t.replacen("\"gsm8k-mc-lm-eval\": \"", "\"gsm8k-mc-lm-eval\": \"0", 1)),
        expect: &["samples_gsm8k-mc-lm-eval_", "but", "records 0", "for task 'gsm8k-mc-lm-eval'"],
    },
    Case {
        name: "lm-eval sample whose target was changed",
        setup: |d| {
            lm_eval_case(d, "samples_gsm8k-mc", |t| {
                let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
                lines[2] = lines[2].replacen("\"target\": \"", "\"target\": \"3", 1);
                lines.join("\n") + "\n"
            })
        },
        expect: &["samples_gsm8k-mc-lm-eval_", ":3:", "target_hash does not match the target"],
    },
    Case {
        name: "lm-eval results file that is not JSON",
        setup: |d| lm_eval_case(d, "results_", |t| t.replacen('{', "{,", 1)),
        expect: &["results_", ":1:2:", "not lm-eval results JSON"],
    },
    Case {
        name: "lm-eval import of a folder without results",
        setup: |d| vec!["import".into(), "lm-eval".into(), s(d)],
        expect: &["holds no lm-eval results_*.json file"],
    },
    Case {
        name: "Inspect log whose entries use a compression method it never writes",
        setup: |d| inspect_case(d, "formats", "match-bzip2", |b| b),
        expect: &["match-bzip2.eval", "entry 'header.json'", "compressed with bzip2", "which claimbench does not read"],
    },
    Case {
        name: "Inspect log of an unknown version",
        setup: |d| inspect_case(d, "formats", "match-v7", |b| b),
        expect: &["match-v7.json", "Inspect log of version 7", "reads versions 1 and 2"],
    },
    Case {
        name: "Inspect JSON log cut short",
        setup: |d| inspect_json_case(d, |t| t[..t.len() / 2].to_string()),
        expect: &["log.json:", "cut short (the file is truncated)"],
    },
    Case {
        name: "Inspect .eval log cut short",
        setup: |d| inspect_case(d, "mock-a", "gsm8k-match", |b| b[..b.len() - 300].to_vec()),
        expect: &["gsm8k-match", ".eval", "not a readable zip"],
    },
    Case {
        name: "Inspect log whose Zstandard entry was damaged",
        setup: |d| {
            inspect_case(d, "mock-a", "gsm8k-match", |mut b| {
                // header.json's data: after its 30-byte local header, its name and extra field.
                let header = (30..b.len()).find(|&i| b[i..].starts_with(b"header.json") && b[i - 30..].starts_with(b"PK\x03\x04")).unwrap();
                let extra = usize::from(u16::from_le_bytes([b[header - 2], b[header - 1]]));
                b[header + "header.json".len() + extra + 40] ^= 0x55;
                b
            })
        },
        expect: &["gsm8k-match", "entry 'header.json'"],
    },
    Case {
        name: "Inspect sample without a target",
        setup: |d| inspect_json_case(d, |t| t.replacen("\"target\": \"3\"", "\"targets\": \"3\"", 1)),
        expect: &["log.json", "samples[1]: no 'target'"],
    },
    Case {
        name: "Inspect sample that appears twice",
        setup: |d| inspect_json_case(d, |t| t.replace("\"id\": \"gsm8k-test-1\"", "\"id\": \"gsm8k-test-0\"")),
        expect: &["log.json", "samples[1]: sample 'gsm8k-test-0' epoch 1 appears twice"],
    },
    Case {
        name: "Inspect log of several epochs imported without --epoch",
        setup: |d| inspect_case(d, "epochs", "gsm8k-match", |b| b),
        expect: &["gsm8k-match", "holds 2 epochs of each sample", "--epoch N"],
    },
    Case {
        name: "Inspect import of a folder without logs",
        setup: |d| vec!["import".into(), "inspect".into(), s(d)],
        expect: &["holds no Inspect log (*.eval or *.json)"],
    },
];

#[test]
fn bad_inputs_give_one_line_errors_and_exit_2() {
    assert!(CASES.len() >= 25);
    let mut failures = Vec::new();
    for case in CASES {
        let dir = tempfile::tempdir().unwrap();
        let args = (case.setup)(dir.path());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = claimbench(dir.path(), &args);
        let lines: Vec<&str> = out.stderr.lines().filter(|l| !l.contains(" items/s")).collect();
        let problems = [
            (out.code != 2).then(|| format!("exit code {}", out.code)),
            (lines.len() != 1 || !lines[0].starts_with("error: ")).then(|| "not exactly one 'error:' line".to_string()),
            out.stderr.contains("panicked").then(|| "panicked".to_string()),
            case.expect.iter().find(|e| !out.stderr.contains(*e)).map(|e| format!("missing {e:?}")),
        ];
        let problems: Vec<String> = problems.into_iter().flatten().collect();
        if !problems.is_empty() {
            failures.push(format!("{}: {}\n    stderr: {}", case.name, problems.join(", "), out.stderr.trim()));
        }
        // Input problems are found before a run starts; failures during a run mark it incomplete.
        if let Ok(runs) = std::fs::read_dir(dir.path().join("runs")) {
            for run in runs {
                let manifest = std::fs::read_to_string(run.unwrap().path().join("manifest.json")).unwrap();
                if manifest.contains("\"status\": \"complete\"") {
                    failures.push(format!("{}: left a run marked complete", case.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}

/// Every enumerated option is checked by name: a misspelt value is refused, never taken as the
/// default.
#[test]
fn misspelt_option_values_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let suite = tiny_suite(d, &gsm8k_lines(3), "");
    for (args, value) in [
        (vec!["plan", &s(&suite), "--effect", "0.1", "--format", "jsno"], "jsno"),
        (vec!["history", "runs", "--order", "commits"], "commits"),
        (vec!["history", "runs", "--format", "htm"], "htm"),
        (vec!["run", &s(&suite), "--system", "builtin-md", "--executor", "slurmm"], "slurmm"),
        (vec!["wer", "pairs.jsonl", "--normaliser", "whisper"], "whisper"),
    ] {
        let out = claimbench(d, &args.iter().map(|a| a.as_ref()).collect::<Vec<&str>>());
        assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
        assert!(out.stderr.contains(&format!("invalid value '{value}'")) && out.stderr.contains("possible values"), "{}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?} printed {}", out.stdout);
    }
}
