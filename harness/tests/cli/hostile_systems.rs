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

/// Every file under `dir` (but the inputs the test wrote) and every word printed, searched for
/// the canary: none may hold it.
fn assert_no_canary(dir: &Path, inputs: &[&Path], printed: &[&Outcome]) {
    for entry in walkdir::WalkDir::new(dir).into_iter().filter_map(|e| e.ok()).filter(|e| e.file_type().is_file()) {
        if inputs.contains(&entry.path()) {
            continue;
        }
        let bytes = std::fs::read(entry.path()).unwrap();
        let text = if entry.path().extension().is_some_and(|e| e == "cbundle") {
            let files = claimbench::bundle::archive::read(entry.path(), Default::default()).unwrap();
            files.values().map(|v| String::from_utf8_lossy(v).into_owned()).collect::<String>()
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        };
        assert!(!text.contains("canary") && !bytes.windows(6).any(|w| w == b"canary"), "{} holds a secret", entry.path().display());
    }
    for out in printed {
        assert!(!out.stdout.contains("canary") && !out.stderr.contains("canary"), "printed a secret: {}{}", out.stdout, out.stderr);
    }
}

/// Canary secrets in every place a configuration holds them — argument pairs, `--flag=value`,
/// secret-named environment variables, a password in a URL, `extra_body` keys — and systems
/// that echo them in answers, errors and stderr: nothing claimbench writes or prints holds one.
#[test]
fn secrets_never_reach_disk_or_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let suite = tiny_suite(d, &gsm8k_lines(6), "");
    let suite = suite.to_str().unwrap();
    // A program that repeats its arguments and environment in answers, on stderr, and at last
    // in the error it dies with.
    let echo = "said = ' '.join(sys.argv[1:] + [os.environ.get(k, '') for k in ('DB_PASS', 'HF_AUTH', 'CREDENTIALS', 'OPENAI_API_KEY')])\n\
                sys.stderr.write('I was given ' + said + '\\n'); sys.stderr.flush()\n\
                if request['index'] == 3: sys.exit('dying with ' + said)\n\
                answer('#### 1 ' + said)";
    let command = python_system(
        d,
        "echo-program",
        echo,
        "env = { DB_PASS = \"canary-dbpass-1\", HF_AUTH = \"canary-hfauth-2\", CREDENTIALS = \"canary-creds-3\" }\n",
    );
    // The arguments go after the script's path.
    let toml = std::fs::read_to_string(&command)
        .unwrap()
        .replace("\"]\n", "\", \"--api-key\", \"sk-canary-pair-4\", \"--token=canary-flag-5\"]\n");
    std::fs::write(&command, toml).unwrap();
    let cache = d.join("cache");
    let env = [("OPENAI_API_KEY", "sk-canary-environment-6"), ("CLAIMBENCH_CACHE", cache.to_str().unwrap())];
    let mut printed = Vec::new();
    printed.push(claimbench_env(d, &["run", suite, "--system", &command, "--out", "runs"], &env));
    assert_eq!(printed[0].code, 2, "{}{}", printed[0].stdout, printed[0].stderr);
    let command_run = only_run(&d.join("runs"));
    let failures = std::fs::read_to_string(command_run.join("failures.jsonl")).unwrap_or_default();
    let manifest = std::fs::read_to_string(command_run.join("manifest.json")).unwrap();
    assert!(manifest.contains("dying with") || failures.contains("dying with"), "the error is kept, scrubbed: {manifest}");
    assert!(manifest.contains("<redacted>"), "{manifest}");

    // An OpenAI-compatible server that repeats the request body and its Authorization header.
    let server_script = d.join("echo_server.py");
    std::fs::write(
        &server_script,
        "import http.server, json, sys\n\
         class Echo(http.server.BaseHTTPRequestHandler):\n    \
             asked = 0\n    \
             def log_message(self, *args): pass\n    \
             def send(self, code, body):\n        \
                 data = json.dumps(body).encode()\n        \
                 self.send_response(code); self.send_header('Content-Type', 'application/json'); self.send_header('Content-Length', str(len(data))); self.end_headers(); self.wfile.write(data)\n    \
             def do_GET(self):\n        \
                 self.send(200, {'object': 'list', 'data': [{'id': 'echo', 'object': 'model'}]})\n    \
             def do_POST(self):\n        \
                 said = self.rfile.read(int(self.headers['Content-Length'])).decode() + ' ' + self.headers.get('Authorization', '')\n        \
                 Echo.asked += 1\n        \
                 if Echo.asked > 2:\n            \
                     return self.send(400, {'error': {'message': 'refused ' + said}})\n        \
                 self.send(200, {'object': 'text_completion', 'choices': [{'index': 0, 'text': '#### 1 ' + said, 'message': {'role': 'assistant', 'content': '#### 1 ' + said}, 'finish_reason': 'stop'}], 'usage': {'completion_tokens': 3}})\n\
         server = http.server.HTTPServer(('127.0.0.1', 0), Echo)\n\
         print('listening on', server.server_address[1], flush=True)\n\
         server.serve_forever()\n",
    )
    .unwrap();
    let server = Listener::start(&server_script, &[], &[]);
    let openai = d.join("openai.toml");
    std::fs::write(
        &openai,
        format!(
            "kind = \"openai\"\nname = \"echo\"\nbase_url = \"http://reviewer:canary-urlpass-7@127.0.0.1:{}/v1\"\nmodel = \"echo\"\n\
             api_key_env = \"ECHO_KEY\"\nstream = false\nmax_retries = 0\n\n[extra_body]\npasswd = \"canary-passwd-8\"\nauth = \"canary-auth-9\"\n",
            server.port
        ),
    )
    .unwrap();
    let env = [("ECHO_KEY", "canary-apikey-10"), ("CLAIMBENCH_CACHE", cache.to_str().unwrap())];
    let out = claimbench_env(d, &["run", suite, "--system", openai.to_str().unwrap(), "--out", "runs-openai"], &env);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("refused"), "the server's error is shown, scrubbed: {}", out.stderr);
    printed.push(out);
    let openai_run = only_run(&d.join("runs-openai"));
    let samples = claimbench::store::samples::read_parquet(&openai_run.join("samples.parquet")).unwrap();
    assert!(samples[0].output.starts_with("#### 1 ") && samples[0].output.contains("<redacted>"), "{}", samples[0].output);

    // Everything downstream of the runs: a report, a bundle, a comparison, a history.
    for args in [
        vec!["report", command_run.to_str().unwrap(), openai_run.to_str().unwrap(), "-o", "report"],
        vec!["bundle", "create", command_run.to_str().unwrap(), openai_run.to_str().unwrap(), "-o", "evidence.cbundle"],
        vec!["verify", "evidence.cbundle"],
        vec!["compare", command_run.to_str().unwrap(), openai_run.to_str().unwrap(), "--allow-partial", "--force"],
        vec!["history", "runs"],
    ] {
        printed.push(claimbench_env(d, &args, &env));
    }
    assert!(d.join("report/index.html").is_file() && d.join("evidence.cbundle").is_file(), "{}{}", printed[2].stderr, printed[3].stderr);
    let script = d.join("echo-program.py");
    assert_no_canary(d, &[Path::new(&command), &script, &openai, &server_script], &printed.iter().collect::<Vec<_>>());
}
