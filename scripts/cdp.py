#!/usr/bin/env python3
"""A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (no websocket
library needed): Chromium reads commands on fd 3 and writes replies on fd 4, each message
a JSON object ended by a NUL byte. Used by scripts/dashboard-browser-test.py and
scripts/bench-dashboard.sh to type into and click on a page like a user, and to time it.
"""
import json
import os
import subprocess
import time


class Browser:
    def __init__(self, chromium, profile, extra=()):
        r_cmd, w_cmd = os.pipe()  # we write commands, Chromium reads (its fd 3)
        r_ev, w_ev = os.pipe()  # Chromium writes (its fd 4), we read

        def fds():
            # Through high numbers first: the pipes may themselves be fds 3 and 4.
            a, b = os.dup2(r_cmd, 100), os.dup2(w_ev, 101)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", *extra, "about:blank"],
            preexec_fn=fds, close_fds=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r_cmd)
        os.close(w_ev)
        self.w = os.fdopen(w_cmd, "wb", buffering=0)
        self.r = os.fdopen(r_ev, "rb", buffering=0)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Network.enable")

    def _read(self):
        while b"\0" not in self.buf:
            chunk = self.r.read(1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            msg["sessionId"] = self.session
        self.w.write(json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait(self, expr, timeout=20.0):
        end = time.time() + timeout
        while time.time() < end:
            try:
                if self.eval(f"!!({expr})"):
                    return
            except RuntimeError:
                pass  # mid-navigation: no document yet
            time.sleep(0.05)
        errors = [e["params"] for e in self.events if e.get("method") == "Runtime.exceptionThrown"]
        raise TimeoutError(f"{expr} (page errors: {errors})")

    def goto(self, url):
        self.call("Page.navigate", url=url)

    def type_text(self, text):
        for ch in text:
            self.call("Input.dispatchKeyEvent", type="keyDown", text=ch, key=ch, unmodifiedText=ch)
            self.call("Input.dispatchKeyEvent", type="keyUp", key=ch)

    def key(self, key, code=None, vk=0):
        if key == "Enter":  # activates a focused button only as a key with text
            self.call("Input.dispatchKeyEvent", type="keyDown", key=key, code="Enter", text="\r", windowsVirtualKeyCode=13)
        else:
            self.call("Input.dispatchKeyEvent", type="rawKeyDown", key=key, code=code or key, windowsVirtualKeyCode=vk)
        self.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=code or key, windowsVirtualKeyCode=vk)

    def screenshot(self, path, width, height):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=width < 600)
        time.sleep(0.3)
        import base64
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def requests(self):
        """URLs of every request the page sent, from the Network events seen so far."""
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
