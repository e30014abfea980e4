#!/usr/bin/env bash
# Benchmark of `flameiq dashboard` at scale (issue 17): 10,000 metrics × 1,000 runs.
#
#   scripts/bench-dashboard.sh [COUNT] [SNAPSHOTS]
#
# Generates the store with scripts/gen-metrics.py (once; kept in $BENCH_DIR, default
# /tmp/flameiq-bench-dashboard), writes the site with the release binary (best of 3
# wall-clock times), prints the site's size, the index file's size and the number of
# files, then opens the index in headless Chromium over the DevTools pipe (scripts/cdp.py)
# and reports how long until the list is drawn (navigation start to the page's data-ready,
# as performance.now() in the page, and as seen from outside), and how long one chart
# takes to open.
# Targets: written in < 10 s; index drawn in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COUNT=${1:-10000}
SNAPS=${2:-1000}
DIR=${BENCH_DIR:-/tmp/flameiq-bench-dashboard}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
cargo build --release --locked --quiet --bin flameiq
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/flameiq
STORE="$DIR/store-$COUNT-$SNAPS"
if [ ! -s "$STORE/baselines/history.jsonl" ]; then
  echo "generating $COUNT metrics x $SNAPS runs in $STORE"
  python3 scripts/gen-metrics.py store --count "$COUNT" --snapshots "$SNAPS" --dir "$STORE"
fi
SITE="$DIR/site-$COUNT-$SNAPS"
echo "store: $(du -sh "$STORE/baselines/history.jsonl" | cut -f1) of history"
best=""
for i in 1 2 3; do
  start=$(date +%s.%N)
  "$BIN" -q --dir "$STORE" --config /nonexistent.yaml dashboard --output "$SITE"
  end=$(date +%s.%N)
  t=$(python3 -c "print(f'{$end - $start:.2f}')")
  echo "write $i: $t s"
  best=$(python3 -c "print(min(x for x in [$t, ${best:-$t}]))")
done
/usr/bin/time -v "$BIN" -q --dir "$STORE" --config /nonexistent.yaml dashboard --output "$SITE" 2>"$DIR/time.txt"
rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$DIR/time.txt")
echo "site: $(du -sb "$SITE" | cut -f1) bytes in $(find "$SITE" -type f | wc -l) files; index $(stat -c %s "$SITE/data/index.js") bytes; largest chunk $(find "$SITE/data" -name "s*.js" -printf "%s\n" | sort -n | tail -n 1) bytes"
echo "write: best of 3 = $best s, peak RSS $rss MB"
[ -n "$CHROMIUM" ] || { echo "chromium not found: load time not measured"; exit 0; }
python3 - "$CHROMIUM" "$SITE" <<'PY'
import os, sys, tempfile, time
sys.path.insert(0, "scripts")
from cdp import Browser
chromium, site = sys.argv[1], sys.argv[2]
runs = []
for i in range(3):
    with tempfile.TemporaryDirectory() as prof:
        b = Browser(chromium, prof)
        t0 = time.time()
        b.goto("file://" + site + "/index.html")
        b.wait("document.documentElement.dataset.ready==='1'", timeout=60)
        outside = time.time() - t0
        inside = int(b.eval("document.documentElement.dataset.readyMs"))
        rows = b.eval("document.querySelectorAll('#metrics tr.m').length")
        total = b.eval("document.getElementById('count').textContent")
        b.eval("document.querySelector('#metrics tr.m button.open').click()")
        b.wait("document.querySelector('tr.detail[data-chart=ready]')", timeout=60)
        chart = int(b.eval("document.querySelector('tr.detail').dataset.chartMs"))
        pts = b.eval("document.querySelectorAll('svg.chart circle.pt').length")
        b.close()
        runs.append((inside, outside, chart))
        print(f"load {i + 1}: list drawn at {inside} ms (page clock), {outside:.2f} s from outside; {rows} rows drawn ({total}); first chart ({pts} points) in {chart} ms")
print(f"index load: best {min(r[0] for r in runs)} ms, median {sorted(r[0] for r in runs)[1]} ms (page clock); chart: median {sorted(r[2] for r in runs)[1]} ms")
PY
