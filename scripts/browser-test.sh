#!/usr/bin/env bash
# Browser test of the HTML report (issue 6), plus JUnit schema validation.
#
# Builds the real binary, records a 12-run history from examples/baseline.json (values
# jittered deterministically, plus a metric with a hostile name), runs
#   flameiq compare --metrics examples/current.json --report --junit --markdown --output
# then loads the report in headless Chromium and asserts:
#   - the DOM has one row per compared metric (keys from the result JSON), the banner says
#     regression, and the hostile name is text, not an element;
#   - no request leaves the file: a tag scan of the HTML (no src=, url(, @import, no URL
#     outside <a href>), and Chromium's net log shows no page-initiated request. A canary
#     page that does load things is run first, proving the net-log check catches them;
#   - screenshots at 1280 px and 390 px (phone) land in target/artifacts/.
# Then the dashboard's own test drives `flameiq dashboard`'s site (scripts/dashboard-browser-test.py).
# Finally the JUnit file is validated with xmllint against tests/fixtures/junit/junit-10.xsd
# and its counts are checked against the result.
#
# Needs: chromium, xmllint (Debian: chromium, libxml2-utils), python3. .ci/run installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || { echo "browser-test: chromium not found (apt-get install chromium)" >&2; exit 1; }
command -v xmllint >/dev/null || { echo "browser-test: xmllint not found (apt-get install libxml2-utils)" >&2; exit 1; }

cargo build --locked --quiet --bin flameiq
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/flameiq
ART=$ROOT/target/artifacts
mkdir -p "$ART"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

chrome() { # chrome <user-data-suffix> <args...>
  local profile="$WORK/profile-$1"; shift
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$profile" "$@" 2>>"$WORK/chromium.log"
}

# Page-initiated requests in a net log: Chromium's own background traffic has the initiator
# "not an origin"; anything a file:// page loads has the opaque origin "null".
page_requests() {
  python3 - "$1" <<'EOF'
import json, sys
log = json.load(open(sys.argv[1]))
types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
for e in log["events"]:
    p = e.get("params", {})
    if types.get(e["type"]) == "URL_REQUEST_START_JOB" and p.get("url") and p.get("initiator") != "not an origin":
        print(p["url"])
EOF
}

echo "== canary: the net-log check sees a page's requests"
cat >"$WORK/canary.html" <<'EOF'
<!doctype html><html><head><style>body{background:url(http://127.0.0.1:9/bg.png)}</style></head>
<body><img src="http://127.0.0.1:9/img.png"></body></html>
EOF
chrome canary --log-net-log="$WORK/canary-net.json" --dump-dom "file://$WORK/canary.html" >/dev/null
n=$(page_requests "$WORK/canary-net.json" | grep -c '127.0.0.1:9' || true)
[ "$n" -ge 2 ] || { echo "FAIL: the net-log check did not see the canary's requests ($n)" >&2; exit 1; }

echo "== a store with history, then compare"
cd "$WORK"
python3 - "$ROOT/examples/baseline.json" <<'EOF'
import json, sys
base = json.load(open(sys.argv[1]))
hostile = "<img src=x onerror=alert(1)>"
for i in range(12):
    d = json.loads(json.dumps(base))
    f = 1 + 0.015 * (((i * 7) % 5) - 2)
    def walk(m):
        for k, v in m.items():
            if isinstance(v, dict):
                walk(v)
            else:
                m[k] = round(v * f, 3)
    walk(d["metrics"])
    d["metrics"]["custom"][hostile] = round(5.0 * f, 3)
    d["metadata"].update(commit="c%06d" % i, run_id="5f1d7c1e-0000-4000-8000-%012d" % (100 + i),
                         timestamp="2026-11-%02dT09:00:00+00:00" % (i + 1))
    json.dump(d, open("run%02d.json" % i, "w"))
EOF
python3 - "$ROOT/examples/current.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["metrics"]["custom"]["<img src=x onerror=alert(1)>"] = 6.5
json.dump(d, open("current.json", "w"))
EOF
for f in run*.json; do "$BIN" -q baseline set --metrics "$f"; done
set +e
"$BIN" -q compare --metrics current.json --report report.html --junit junit.xml \
  --markdown summary.md --output result.json
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "FAIL: compare exited $rc, expected 1 (regression)" >&2; exit 1; }

echo "== the report is self-contained"
cat >"$WORK/scan.py" <<'EOF'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
# Every '<' in user text is escaped, so each raw '<' opens a real tag.
for tag in re.findall(r"<[^>]*>", html):
    low = tag.lower()
    parts = low.split('"')
    names = "".join(parts[0::2])
    for bad in (" src=", " srcset=", " style=", " on", "xlink:href", "<script", "<link", "<img", "<iframe", "<object", "<embed", "<image", "<use"):
        assert bad not in names, f"{bad} in tag {tag}"
    for k in range(1, len(parts), 2):
        v = parts[k]
        if "://" in v:
            attr = parts[k - 1]
            assert (low.startswith("<a ") and attr.endswith(" href=")) or attr.endswith((" data-key=", " aria-label=")), f"URL outside <a href>: {tag}"
style = html[html.index("<style>"):html.index("</style>")]
assert "url(" not in style and "@import" not in style and "http" not in style
assert "default-src 'none'; style-src 'unsafe-inline'; img-src data:" in html
print("static scan: ok")
EOF
# The scan fails on a page that loads things (the canary), so it can fail.
if python3 "$WORK/scan.py" "$WORK/canary.html" 2>"$WORK/scan-canary.log" >/dev/null || ! grep -q " src= in tag" "$WORK/scan-canary.log"; then
  echo "FAIL: the static scan passed the canary page" >&2; exit 1
fi
python3 "$WORK/scan.py" report.html

echo "== load it in Chromium"
chrome report --log-net-log="$WORK/report-net.json" --dump-dom "file://$WORK/report.html" >dom.html
reqs=$(page_requests "$WORK/report-net.json")
[ -z "$reqs" ] || { echo "FAIL: the report made requests:" >&2; echo "$reqs" >&2; exit 1; }
echo "net log: no request from the page"
python3 - dom.html result.json <<'EOF'
import json, sys
from html.parser import HTMLParser
result = json.load(open(sys.argv[2]))

class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.tags, self.status, self.in_key, self.keytext = [], set(), None, False, []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "tr" and "data-key" in a:
            self.rows.append((a["data-key"], a.get("class")))
        if a.get("id") == "status":
            self.status = a.get("data-status")
        if tag == "td" and a.get("class") == "k":
            self.in_key, self.cur = True, []
    def handle_endtag(self, tag):
        if tag == "td" and self.in_key:
            self.in_key = False
            self.keytext.append("".join(self.cur))
    def handle_data(self, data):
        if self.in_key:
            self.cur.append(data)

dom = Dom()
dom.feed(open(sys.argv[1], encoding="utf-8").read())
keys = [d["metric_key"] for d in result["diffs"]]
assert sorted(k for k, _ in dom.rows) == sorted(keys), (dom.rows, keys)
assert dom.keytext and sorted(dom.keytext) == sorted(keys), dom.keytext
assert dom.status == "regression", dom.status
regressed = [d["metric_key"] for d in result["diffs"] if d["status"] == "REGRESSION"]
# Regressions first.
assert [k for k, c in dom.rows[:len(regressed)]] and all(c == "r" for _, c in dom.rows[:len(regressed)]), dom.rows
assert "custom.<img src=x onerror=alert(1)>" in keys
for bad in ("script", "img", "iframe", "object", "link"):
    assert bad not in dom.tags, f"<{bad}> element in the DOM"
print(f"DOM: {len(dom.rows)} metric rows, {len(regressed)} regressions first, hostile key shown as text")
EOF

echo "== screenshots"
chrome shot --screenshot="$ART/report.png" --window-size=1280,1400 "file://$WORK/report.html" >/dev/null
chrome phone --screenshot="$ART/report-phone.png" --window-size=390,1600 "file://$WORK/report.html" >/dev/null
cp report.html "$ART/report.html"
cp summary.md "$ART/summary.md"
cp junit.xml "$ART/junit.xml"
for f in report.png report-phone.png; do
  [ -s "$ART/$f" ] || { echo "FAIL: no screenshot $f" >&2; exit 1; }
done

echo "== JUnit against the schema"
xmllint --noout --schema "$ROOT/tests/fixtures/junit/junit-10.xsd" junit.xml
python3 - junit.xml result.json <<'EOF'
import json, sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
r = json.load(open(sys.argv[2]))
assert root.tag == "testsuites"
suites = root.findall("testsuite")
assert len(suites) == 1 and suites[0].get("name") == "flameiq"
s = suites[0]
cases = s.findall("testcase")
fails = [c for c in cases if c.find("failure") is not None]
assert int(s.get("tests")) == len(cases) == r["counts"]["total"]
assert int(s.get("failures")) == len(fails) == r["counts"]["regressions"]
assert sorted(c.get("name") for c in fails) == sorted(d["metric_key"] for d in r["diffs"] if d["is_regression"])
for c in fails:
    d = next(d for d in r["diffs"] if d["metric_key"] == c.get("name"))
    assert "%+.2f%%" % d["change_percent"] in c.find("failure").get("message")
print(f"JUnit: {len(cases)} test cases, {len(fails)} failures, schema-valid")
EOF
echo "== the dashboard (issue 17): scripts/dashboard-browser-test.py"
python3 "$ROOT/scripts/dashboard-browser-test.py" "$BIN" "$CHROMIUM" "$ART"
echo "browser-test: ok (artefacts in target/artifacts/)"
