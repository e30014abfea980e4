#!/usr/bin/env python3
"""Browser test of `flameiq dashboard` (issue 17), in headless Chromium driven over the
DevTools pipe (scripts/cdp.py), as a user would: load, type, click, press keys.

    dashboard-browser-test.py FLAMEIQ_BIN CHROMIUM ARTEFACT_DIR

Writes a store with scripts/dashboard-store.py (two environments, a stepped metric,
samples, a hostile name, a hostile commit), runs `flameiq dashboard`, then asserts:
  - the index lists every metric of every environment (row keys = the store's keys);
  - typing in the search box filters the rows as the user types;
  - opening the stepped metric draws its chart with one point per run and one change point
    at the run of the step; the samples' metric draws a spread per run;
  - the log toggle turns the y axis to log scale (and changes its labels);
  - the hostile name is text (no element it would create exists, no alert ran) and the
    hostile commit got no link; every link is http(s);
  - no request leaves the site folder (every request the page sent is a file:// URL under
    it; Chromium's Network events are the net log);
  - screenshots at 1280 px and 390 px land in ARTEFACT_DIR.
Exit 0 when all pass; 1 with the failing check otherwise.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)


def main():
    bin_, chromium, art = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(art, exist_ok=True)
    work = tempfile.mkdtemp()
    try:
        run(bin_, chromium, art, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(bin_, chromium, art, work):
    store = os.path.join(work, ".flameiq")
    summary = json.loads(subprocess.check_output([sys.executable, os.path.join(ROOT, "scripts/dashboard-store.py"), store]))
    site = os.path.join(work, "site")
    subprocess.check_call([bin_, "-q", "--dir", store, "dashboard", "--output", site,
                           "--commit-url", "https://example.com/o/r/commit/{commit}"])
    index = "file://" + site + "/index.html"
    b = Browser(chromium, os.path.join(work, "profile"))
    try:
        # Canary: the network check sees a page's request to elsewhere.
        canary = os.path.join(work, "canary.html")
        with open(canary, "w") as f:
            f.write('<!doctype html><img src="http://127.0.0.1:9/canary.png">')
        b.goto("file://" + canary)
        end = time.time() + 10
        while time.time() < end and not any("127.0.0.1:9" in u for u in b.requests()):
            b.eval("1")
            time.sleep(0.1)
        check(any("127.0.0.1:9" in u for u in b.requests()), "the network check did not see the canary's request")
        b.events.clear()
        b.call("Page.addScriptToEvaluateOnNewDocument",
               source="window.__alerts=0; window.alert=function(){window.__alerts++;};")
        b.goto(index)
        b.wait("document.documentElement.dataset.ready==='1'")

        # Every metric of every environment.
        rows = b.eval("[...document.querySelectorAll('#metrics tr.m')].map(r=>[r.dataset.env,r.dataset.key])")
        want = sorted([env, k] for env, s in summary.items() if isinstance(s, dict) and "keys" in s for k in s["keys"])
        check(sorted(rows) == want, f"index rows {sorted(rows)} != store keys {want}")
        print(f"index: {len(rows)} rows = every metric of {len(set(e for e, _ in want))} environments")
        first = b.eval("document.querySelector('#metrics tr.m').dataset.key")
        check(first == summary["step"]["key"], f"the regression is not first (first row: {first})")

        # Hostile name: text only.
        check(summary["hostile"] in [k for _, k in rows], "hostile key missing")
        check(b.eval("document.querySelectorAll('img,iframe,object,embed').length") == 0, "hostile name became an element")
        srcs = b.eval("[...document.scripts].map(s=>s.getAttribute('src'))")
        check(srcs and all(x and (x == "dashboard.js" or x.startswith("data/")) for x in srcs), f"a script that is not the site's: {srcs}")

        # Typing filters as you type.
        b.eval("document.getElementById('q').focus()")
        counts = []
        for ch in "pars":
            b.type_text(ch)
            time.sleep(0.15)
            counts.append(b.eval("document.querySelectorAll('#metrics tr.m').length"))
        parser_rows = len([1 for _, k in rows if "pars" in k.lower()])
        check(counts[-1] == parser_rows and counts[0] > counts[-1], f"search counts while typing 'pars': {counts}, want {parser_rows} at the end")
        keys = b.eval("[...document.querySelectorAll('#metrics tr.m')].map(r=>r.dataset.key)")
        check(all("pars" in k for k in keys), f"rows not matching the search: {keys}")
        print(f"search: typing 'pars' narrowed the rows {counts}")
        b.type_text("er.lex")
        b.wait("[...document.querySelectorAll('#metrics tr.m')].every(r=>r.dataset.key.includes('parser.lex'))")
        time.sleep(0.3)  # let the last keystroke's render land
        check(b.eval("document.querySelectorAll('#metrics tr.m').length") == 2, "'parser.lex' should match one metric in each environment")

        # Open the stepped metric with the keyboard (Tab to its button, Enter).
        b.eval("document.querySelector('#metrics tr.m[data-env=default] button.open').focus()")
        b.key("Enter", "Enter", 13)
        time.sleep(0.5)
        b.wait("document.querySelector('tr.detail[data-chart=ready] svg.chart')")
        pts = b.eval("document.querySelectorAll('svg.chart circle.pt').length")
        check(pts == summary["step"]["runs"], f"chart has {pts} points, want {summary['step']['runs']}")
        cps = b.eval("[...document.querySelectorAll('svg.chart g.cp')].map(g=>g.querySelector('text') ? g.querySelector('text').textContent : '')")
        check(len(cps) == 1 and "+" in cps[0] and "%" in cps[0], f"change points drawn: {cps}")
        # The change point's line sits on the point of the step's run.
        x_cp = b.eval("Number(document.querySelector('svg.chart g.cp line').getAttribute('x1'))")
        x_pt = b.eval(f"Number(document.querySelectorAll('svg.chart circle.pt')[{summary['step']['index']}].getAttribute('cx'))")
        check(abs(x_cp - x_pt) < 0.2, f"change point at x={x_cp}, the step's run at x={x_pt}")
        check(b.eval("document.querySelectorAll('svg.chart rect.band').length") == 1, "no baseline band")
        label = b.eval("document.querySelector('svg.chart').getAttribute('aria-labelledby')")
        desc = b.eval(f"document.getElementById('{label.split()[1]}').textContent")
        check("change points" in desc and "runs from" in desc, f"text alternative: {desc}")
        print(f"chart: {pts} points, change point {cps[0]} at run {summary['step']['index'] + 1}")

        # Keyboard along the points shows the commit.
        b.eval("document.querySelector('svg.chart').focus()")
        b.key("Home", "Home", 36)
        b.key("ArrowRight", "ArrowRight", 39)
        readout = b.eval("document.querySelector('.readout').textContent")
        check(readout.startswith("run #2 ") and "commit" in readout, f"readout after Home, →: {readout}")

        # Log toggle.
        ticks_lin = b.eval("[...document.querySelectorAll('svg.chart g.y-axis text')].map(t=>t.textContent)")
        check(b.eval("document.querySelector('svg.chart g.y-axis').dataset.scale") == "linear", "axis not linear at first")
        b.eval("document.querySelector('tr.detail input.log').click()")
        b.wait("document.querySelector('svg.chart g.y-axis').dataset.scale==='log'")
        ticks_log = b.eval("[...document.querySelectorAll('svg.chart g.y-axis text')].map(t=>t.textContent)")
        check(ticks_log != ticks_lin and ticks_log, f"log axis labels {ticks_log} vs linear {ticks_lin}")
        print(f"log toggle: y labels {ticks_lin} -> {ticks_log}")
        # Range selector.
        b.eval("var s=document.querySelector('tr.detail select.range'); s.value='20'; s.dispatchEvent(new Event('change'))")
        check(b.eval("document.querySelectorAll('svg.chart circle.pt').length") == 20, "range 'last 20' does not draw 20 points")

        # Links: http(s) only; the hostile commit has none.
        hrefs = b.eval("[...document.querySelectorAll('a[href]')].map(a=>a.getAttribute('href')).filter(h=>!h.startsWith('#'))")
        check(hrefs and all(h.startswith("https://example.com/o/r/commit/") for h in hrefs), f"links: {hrefs[:5]}")
        check(not any("<" in h or '"' in h or "javascript" in h.lower()[:12] for h in hrefs), "hostile commit reached an href raw")

        # Samples: a spread per run for the metric that has them.
        b.goto(index + "#m=" + summary["samples"]["env"] + ":" + summary["samples"]["key"])
        b.wait(f"document.querySelector('tr.detail[data-chart=ready] h2').textContent === {json.dumps(summary['samples']['key'])}")
        spreads = b.eval("document.querySelectorAll('svg.chart line.spread').length")
        check(spreads == summary["step"]["runs"], f"{spreads} sample spreads, want one per run")
        print(f"samples: {spreads} spreads drawn")
        check(b.eval("window.__alerts") == 0, "an alert ran")

        # Screenshots: the index with an open chart, desktop and phone.
        b.goto("about:blank")
        b.goto(index + "#m=default:" + summary["step"]["key"])
        b.wait(f"document.querySelector('tr.detail[data-chart=ready] h2').textContent === {json.dumps(summary['step']['key'])}")
        b.screenshot(os.path.join(art, "dashboard.png"), 1280, 1300)
        # The phone's chart is drawn at the phone's width: load again at that size.
        b.call("Emulation.setDeviceMetricsOverride", width=390, height=1500, deviceScaleFactor=1, mobile=True)
        b.goto("about:blank")
        b.goto(index + "#m=default:" + summary["step"]["key"])
        b.wait(f"document.querySelector('tr.detail[data-chart=ready] h2').textContent === {json.dumps(summary['step']['key'])}")
        b.screenshot(os.path.join(art, "dashboard-phone.png"), 390, 1500)
        for f in ("dashboard.png", "dashboard-phone.png"):
            check(os.path.getsize(os.path.join(art, f)) > 10000, f"screenshot {f} is empty")

        # A site of one environment (the selector is left out) draws too.
        one = os.path.join(work, "site-one")
        subprocess.check_call([bin_, "-q", "--dir", store, "--env", "linux-arm", "dashboard", "--output", one])
        b.goto("file://" + one + "/index.html")
        b.wait("document.documentElement.dataset.ready==='1'")
        n_one = b.eval("document.querySelectorAll('#metrics tr.m').length")
        check(n_one == len(summary["linux-arm"]["keys"]), f"one-environment site: {n_one} rows")
        b.eval("document.getElementById('q').focus()")
        b.type_text("io.")
        b.wait("document.querySelectorAll('#metrics tr.m').length===3")
        print(f"one environment: {n_one} rows, search works")

        # No request left the site.
        reqs = b.requests()
        check(reqs, "the network log saw no request at all (is Network.enable working?)")
        outside = [u for u in reqs if not u.startswith(("file://" + site + "/", "file://" + one + "/"))]
        check(not outside, f"requests outside the site: {outside}")
        print(f"net log: {len(reqs)} requests, all inside the site folder")
    finally:
        b.close()
    print("dashboard browser test: ok")


if __name__ == "__main__":
    main()
