#!/usr/bin/env bash
# `flameiq changes` over 10,000 metrics x 1,000 runs (issue 14 item 4): whole-process time
# of the release binary, and Apache Otava 0.8 on a subset of the same series, extrapolated.
#
#   scripts/bench-changes.sh                  # store in /tmp/flameiq-changes-store
#   STORE=/tmp/big-store OTAVA_PYTHON=/path/to/venv/bin/python SUBSET=100 scripts/bench-changes.sh
#   REF_JSON=/tmp/changes-ref.json scripts/bench-changes.sh   # also `cmp` the output with it
#
# Needs python3 (for the store generator) and, for the comparison, a Python with
# apache-otava==0.8.0 (`.ci/run` installs one in a venv).
set -euo pipefail
cd "$(dirname "$0")/.."
store="${STORE:-/tmp/flameiq-changes-store}"
runs="${RUNS:-3}"
subset="${SUBSET:-100}"
py="${OTAVA_PYTHON:-python3}"
cargo build --release --locked --quiet --bin flameiq
bin="${CARGO_TARGET_DIR:-target}/release/flameiq"
if [ ! -s "$store/baselines/history.jsonl" ]; then
    python3 scripts/gen-metrics.py store --count 10000 --snapshots 1000 --dir "$store"
fi
echo "store: $store ($(wc -l < "$store/baselines/history.jsonl") runs), load: $(uptime)"
for _ in $(seq "$runs"); do
    /usr/bin/time -f "flameiq changes: %e s wall, %U s user, %S s system, %M KB max RSS" \
        "$bin" --dir "$store" changes --json > /dev/null
done
if [ -n "${REF_JSON:-}" ]; then
    "$bin" --dir "$store" changes --json | cmp - "$REF_JSON" && echo "output: identical to $REF_JSON"
fi
if "$py" -c "import otava.analysis" 2>/dev/null; then
    "$py" scripts/bench-changes-otava.py "$store/baselines/history.jsonl" "$subset"
else
    echo "otava: not installed for $py (pip install apache-otava==0.8.0); skipped"
fi
