//! Systems that misbehave on purpose: a program that leaves a background child holding its
//! pipes, floods stderr, writes bytes that are not UTF-8 or a line without end. Each costs at
//! most its item, within bounded time and memory, and leaves nothing running.

use crate::common::*;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// A command system running the Python program `body`, which sees `sys`, `json`, `os` and the
/// parsed request as `request` and answers with `answer(text)`.
fn python_system(dir: &Path, name: &str, body: &str, extra: &str) -> String {
    let script = dir.join(format!("{name}.py"));
    std::fs::write(
        &script,
        format!(
            "import json, os, subprocess, sys\n\
             def answer(text):\n    sys.stdout.write(json.dumps({{'id': request['id'], 'output': text}}) + '\\n'); sys.stdout.flush()\n\
             for line in sys.stdin:\n    request = json.loads(line)\n{}\n",
            body.lines().map(|l| format!("    {l}\n")).collect::<String>()
        ),
    )
    .unwrap();
    let system = dir.join(format!("{name}.toml"));
    std::fs::write(
        &system,
        format!("kind = \"command\"\nname = \"{name}\"\nprogram = \"python3\"\nargs = [{:?}]\n{extra}", script.display().to_string()),
    )
    .unwrap();
    system.display().to_string()
}

/// Processes of process group `pgid` that are still running (zombies, already dead, aside).
fn live_members(pgid: u32) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("stat")).ok())
        .filter(|stat| {
            // pid (comm) state ppid pgrp …; comm may hold spaces, so read after the last ')'.
            let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
            fields.len() > 2 && fields[2] == pgid.to_string() && fields[0] != "Z"
        })
        .collect()
}

#[test]
fn a_background_child_holding_the_pipes_dies_with_its_item() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let suite = tiny_suite(d, &gsm8k_lines(1), "");
    let pid_file = d.join("pid");
    // The program starts a long sleep that inherits its stdout and stderr, then never answers.
    let system = python_system(
        d,
        "lingering",
        &format!(
            "open({:?}, 'w').write(str(os.getpid()))\nsubprocess.Popen(['sleep', '1000'])\nimport time; time.sleep(1000)",
            pid_file.display().to_string()
        ),
        "timeout_s = 2\n",
    );
    let started = Instant::now();
    let out = claimbench(d, &["run", suite.to_str().unwrap(), "--system", &system, "--out", "runs"]);
    let took = started.elapsed();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("gave no response within 2 s"), "{}", out.stderr);
    assert!(took < Duration::from_secs(2 + 5), "the item failed after {took:?}");
    let pgid: u32 = std::fs::read_to_string(&pid_file).unwrap().parse().unwrap();
    assert_eq!(live_members(pgid), Vec::<String>::new(), "processes of the system's group still running");
}

#[test]
fn floods_bad_bytes_and_endless_lines_cost_only_their_items() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let suite = tiny_suite(d, &gsm8k_lines(4), "");
    // Bytes that are not UTF-8 on stderr, every item: the system is still heard.
    let binary_stderr =
        python_system(d, "binary-stderr", "sys.stderr.buffer.write(b'\\xff\\xfe not utf-8\\n'); sys.stderr.flush()\nanswer('#### 1')", "");
    let out = claimbench(d, &["run", suite.to_str().unwrap(), "--system", &binary_stderr, "--out", "runs"]);
    assert_eq!(out.code, 0, "{}", out.stderr);

    // 30 MB of stderr on one line, then death: the item fails with a short message and the
    // manifest stays small.
    let flood = python_system(d, "flood", "sys.stderr.write('x' * 30_000_000); sys.stderr.flush()\nsys.exit(3)", "");
    let out = claimbench(d, &["run", suite.to_str().unwrap(), "--system", &flood, "--out", "flood"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.len() < 20_000, "{} bytes on stderr", out.stderr.len());
    assert!(out.stderr.contains("exited") && out.stderr.contains("left out"), "{}", out.stderr);
    let run = only_run(&d.join("flood"));
    let manifest_size = std::fs::metadata(run.join("manifest.json")).unwrap().len();
    assert!(manifest_size < 1 << 20, "manifest.json is {manifest_size} bytes");
    let manifest: Value = read(&run.join("manifest.json"));
    for failed in manifest["failed_items"].as_array().unwrap() {
        let error = failed["error"].as_str().unwrap();
        assert!(error.len() <= 2100 && !error.contains('\n'), "{error}");
    }

    // A response line over max_line_bytes fails its item; the program answers the next ones.
    let long = python_system(
        d,
        "long-line",
        "if request['index'] == 0:\n    sys.stdout.write('y' * 3_000_000 + '\\n'); sys.stdout.flush()\nelse:\n    answer('#### 1')",
        "max_line_bytes = 1000000\n",
    );
    let out = claimbench(d, &["run", suite.to_str().unwrap(), "--system", &long, "--out", "long"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("response line of 3000000 bytes, more than max_line_bytes = 1000000"), "{}", out.stderr);
    let manifest: Value = read(&only_run(&d.join("long")).join("manifest.json"));
    assert_eq!(manifest["failed_items"].as_array().unwrap().len(), 1, "{manifest}");
}
