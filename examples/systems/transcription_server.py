#!/usr/bin/env python3
"""An OpenAI-compatible speech-to-text server backed by CMU PocketSphinx: POST
/v1/audio/transcriptions with multipart form data (`file`, `model`, ...) answers {"text": ...}.

It decodes with Debian's `pocketsphinx_continuous` (the model loads for every request, so it is
slow, but it is the real engine behind a real HTTP endpoint). For testing retries it can answer
the first N requests with 503 and `Retry-After: 0` (--fail-first N), and it can require an API
key (--api-key-env VAR: the expected bearer token is read from that variable).

Usage: transcription_server.py [--port P] [--fail-first N] [--api-key-env VAR]
Prints `listening on PORT` once it accepts connections.
"""
import argparse
import email.parser
import email.policy
import http.server
import json
import os
import subprocess
import tempfile
import threading

MODEL = "/usr/share/pocketsphinx/model/en-us"


def transcribe(wav_bytes):
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        f.write(wav_bytes)
        f.flush()
        done = subprocess.run(
            ["pocketsphinx_continuous", "-infile", f.name, "-hmm", f"{MODEL}/en-us", "-lm", f"{MODEL}/en-us.lm.bin",
             "-dict", f"{MODEL}/cmudict-en-us.dict", "-logfn", "/dev/null"],
            capture_output=True, text=True, check=True,
        )
    return " ".join(done.stdout.split())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--api-key-env")
    args = parser.parse_args()
    expected_key = os.environ[args.api_key_env] if args.api_key_env else None
    state = {"requests": 0}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def reply(self, status, payload, headers=()):
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            with lock:
                state["requests"] += 1
                n = state["requests"]
            if self.path != "/v1/audio/transcriptions":
                return self.reply(404, {"error": {"message": f"no route {self.path}"}})
            if expected_key is not None and self.headers.get("Authorization") != f"Bearer {expected_key}":
                return self.reply(401, {"error": {"message": "invalid API key"}})
            if n <= args.fail_first:
                return self.reply(503, {"error": {"message": "busy"}}, [("Retry-After", "0")])
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body
            )
            parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
            if "file" not in parts or "model" not in parts:
                return self.reply(400, {"error": {"message": "needs 'file' and 'model'"}})
            self.reply(200, {"text": transcribe(parts["file"].get_payload(decode=True))})

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
