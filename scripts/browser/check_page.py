#!/usr/bin/env python3
"""Opens an HTML file in headless Chromium and reports what a reader would meet: whether every
image and inline SVG rendered, console errors and exceptions, and any request that left the page.
Talks the DevTools protocol over a pipe (--remote-debugging-pipe), so it needs only the standard
library and Debian's chromium.

usage: check_page.py PAGE.html SCREENSHOT.png  -> prints one JSON object, exit 0 when it ran.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-pipe",
]

# Runs in the page once it has loaded.
PROBE = """(() => {
  const imgs = [...document.images].map(i => ({src: i.src.slice(0, 80), naturalWidth: i.naturalWidth, complete: i.complete}));
  const svgs = [...document.querySelectorAll('svg')].map(s => {
    const r = s.getBoundingClientRect();
    return {width: r.width, height: r.height, elements: s.querySelectorAll('*').length};
  });
  return JSON.stringify({title: document.title, images: imgs, svgs: svgs,
    sections: [...document.querySelectorAll('h2')].map(h => h.textContent),
    height: document.documentElement.scrollHeight});
})()"""


class Browser:
    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="claimbench-chromium-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        def wire():
            # Move both ends clear of 3 and 4 first, in case either already sits there.
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            close_fds=False, preexec_fn=wire,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        return self.wait(lambda m: m.get("id") == self.next_id)

    def wait(self, done, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                if done(message):
                    if "error" in message:
                        raise RuntimeError(f"DevTools error: {message['error']}")
                    return message
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe: " + self.proc.stderr.read().decode(errors="replace")[-2000:])
            self.buffer += chunk
        raise TimeoutError("no answer from Chromium")

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    page, screenshot = os.path.abspath(sys.argv[1]), sys.argv[2]
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        sys.exit("check_page: chromium not found (apt install chromium)")
    browser = Browser(binary)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["result"]["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["result"]["sessionId"]
        for domain in ["Page", "Runtime", "Log", "Network"]:
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
        url = "file://" + page
        browser.send("Page.navigate", {"url": url}, session=session)
        browser.wait(lambda m: m.get("method") == "Page.loadEventFired")
        time.sleep(0.5)  # late console messages and requests
        probe = json.loads(browser.send("Runtime.evaluate", {"expression": PROBE, "returnByValue": True}, session=session)["result"]["result"]["value"])
        height = min(int(probe["height"]), 16000)
        shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                       "clip": {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}}, session=session)
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot["result"]["data"]))
        console_errors = []
        requests = []
        for event in browser.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                console_errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                console_errors.append(params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                requests.append(params["request"]["url"])
        external = [r for r in requests if r != url and not r.startswith("data:")]
        print(json.dumps({**probe, "console_errors": console_errors, "requests": requests, "external_requests": external,
                          "screenshot": screenshot}))
    finally:
        browser.close()


if __name__ == "__main__":
    main()
