"""A fault-injecting HTTP proxy for testing clients of an OpenAI-compatible server: it forwards
requests to the real server and, on a chosen share of them, answers instead with HTTP 500, HTTP
429 with Retry-After, a stall past the client's timeout, or a body cut short. It counts what it
forwarded, so tests can check that nothing already answered is asked again.

    python3 scripts/llm/fault_proxy.py UPSTREAM_URL [--rate 0.2] [--faults 500,429,stall,truncate]
        [--seed 1] [--stall-s 15] [--garbage] [--hold-after N] [--port P]

It prints `listening on PORT` once ready. GET /_proxy/stats answers
{"requests": N, "forwarded": N, "held": N, "faults": {"500": n, ...}}. --garbage answers every
request with HTTP 200 and a body that is not JSON (for testing what a client says about a broken
server). --hold-after N forwards N POST requests and holds every later one until
POST /_proxy/vanish, which drops the held connections unanswered and closes the listening socket:
a server that went away at a moment the test chose, not after a delay."""

import argparse
import http.client
import json
import random
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("upstream")
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--faults", default="500,429,stall,truncate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stall-s", type=float, default=15.0)
    parser.add_argument("--garbage", action="store_true")
    parser.add_argument("--hold-after", type=int)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    upstream = urllib.parse.urlparse(args.upstream)
    faults = [f for f in args.faults.split(",") if f]
    rng = random.Random(args.seed)
    lock = threading.Lock()
    stats = {"requests": 0, "forwarded": 0, "held": 0, "faults": {f: 0 for f in faults}}
    posts = 0
    vanished = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def reply(self, status, body, headers=()):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def forward(self, method, body):
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=600)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
            connection.request(method, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() in ("content-type", "retry-after")]
            connection.close()
            return response.status, data, kept

        def handle_any(self, method):
            nonlocal posts
            if self.path == "/_proxy/stats":
                with lock:
                    return self.reply(200, json.dumps(stats).encode(), [("Content-Type", "application/json")])
            if self.path == "/_proxy/vanish":
                self.reply(200, b"{}", [("Content-Type", "application/json")])
                vanished.set()
                threading.Thread(target=lambda: (server.shutdown(), server.server_close())).start()
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            with lock:
                stats["requests"] += 1
                posts += method == "POST"
                hold = args.hold_after is not None and method == "POST" and posts > args.hold_after
                stats["held"] += hold
            if hold:
                vanished.wait()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            with lock:
                fault = rng.choice(faults) if faults and method == "POST" and rng.random() < args.rate else None
                if fault:
                    stats["faults"][fault] += 1
            if args.garbage:
                return self.reply(200, b"<html>502 Bad Gateway, but said with a 200</html>", [("Content-Type", "text/html")])
            if fault == "500":
                return self.reply(500, b'{"error": "injected fault"}', [("Content-Type", "application/json")])
            if fault == "429":
                return self.reply(429, b'{"error": "slow down"}', [("Content-Type", "application/json"), ("Retry-After", "1")])
            if fault == "stall":
                time.sleep(args.stall_s)
                self.close_connection = True
                return
            try:
                status, data, headers = self.forward(method, body)
            except OSError as e:
                return self.reply(502, json.dumps({"error": str(e)}).encode(), [("Content-Type", "application/json")])
            with lock:
                stats["forwarded"] += 1
            if fault == "truncate":
                # The whole length is announced, half the body is sent, and the connection closes.
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.reply(status, data, headers)

        def do_GET(self):
            self.handle_any("GET")

        def do_POST(self):
            self.handle_any("POST")

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            # A client that gave up (its timeout during a stall) is expected, not news.
            pass

    server = QuietServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
