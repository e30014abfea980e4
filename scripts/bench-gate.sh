#!/usr/bin/env bash
# Dogfooding: a small, fast benchmark of FlameIQ itself, gated by FlameIQ.
#
#   scripts/bench-gate.sh              # measure, then `flameiq compare` against the baseline
#   UPDATE=1 scripts/bench-gate.sh     # measure and write the result as the new baseline
#
# It times a few whole-process FlameIQ commands with hyperfine (--export-json), turns that
# into a schema v1 metrics file (FlameIQ's own `--provider hyperfine` when the binary has it,
# else the equivalent few lines of Python below: `custom.<name>` = mean in ms, lower is
# better, every run as a sample) and compares it with the committed baseline
# benches/gate-baseline.json. The threshold is generous (GATE_THRESHOLD, default +200 %)
# because the baseline was measured on another machine than the CI runner: the gate
# catches gross regressions (a template engine built at start-up, a whole-history read,
# an accidental quadratic loop), not noise. Exit code: flameiq compare's (0 pass,
# 1 regression, 2/3 errors).
#
# Needs: cargo, python3, hyperfine. Work files: target/bench-gate/.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/bench-gate
BASELINE=$ROOT/benches/gate-baseline.json
THRESHOLD=${GATE_THRESHOLD:-200%}
RUNS=${RUNS:-20}
GEN="python3 $ROOT/scripts/gen-metrics.py"

command -v hyperfine >/dev/null || { echo "error: hyperfine not found (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet
FLAMEIQ=$ROOT/target/release/flameiq

# Inputs: small enough to generate in a second, large enough to show scaling mistakes.
mkdir -p "$WORK"
if [[ ! -f $WORK/.done ]]; then
  $GEN metrics --count 20 --out "$WORK/m20.json"
  $GEN metrics --count 10000 --out "$WORK/m10k.json"
  $GEN store --count 20 --snapshots 5 --dir "$WORK/s20"
  $GEN store --count 10000 --snapshots 5 --dir "$WORK/s10k"
  # Rolling median over a 200-snapshot history: must cost what 5 snapshots cost.
  $GEN store --count 1000 --snapshots 200 --dir "$WORK/s1k-long"
  $GEN metrics --count 1000 --out "$WORK/m1k.json"
  printf 'baseline:\n  strategy: rolling_median\n  rolling_window: 5\n' >"$WORK/rolling.yaml"
  touch "$WORK/.done"
fi

cd "$WORK"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json hyperfine.json \
  -n compare_20 "$FLAMEIQ --dir s20 compare --metrics m20.json --json" \
  -n compare_10k "$FLAMEIQ --dir s10k compare --metrics m10k.json --json" \
  -n rolling_median_1k_x200 "$FLAMEIQ --config rolling.yaml --dir s1k-long compare --metrics m1k.json --json" \
  -n validate_10k "$FLAMEIQ validate m10k.json --json"

if "$FLAMEIQ" validate --list-providers 2>/dev/null | grep -qw hyperfine; then
  "$FLAMEIQ" run --provider hyperfine --metrics hyperfine.json --output metrics.json >/dev/null
else
  python3 - hyperfine.json metrics.json <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
custom, info = {}, {}
for r in doc["results"]:
    key = "custom." + r["command"]
    custom[r["command"]] = r["mean"] * 1e3
    info[key] = {"unit": "ms", "direction": "lower_is_better",
                 "samples": [t * 1e3 for t in r.get("times", [])]}
out = {"schema_version": 1, "metadata": {}, "metrics": {"custom": custom}, "metric_info": info}
json.dump(out, open(sys.argv[2], "w"), indent=2)
EOF
fi

if [[ -n "${UPDATE:-}" ]]; then
  cp metrics.json "$BASELINE"
  echo "baseline updated: $BASELINE"
  exit 0
fi
# --dir: an empty store folder, so the gate never touches the repository's .flameiq/.
exec "$FLAMEIQ" --dir "$WORK/gate-store" compare --metrics metrics.json --baseline "$BASELINE" \
  --threshold "custom.*=$THRESHOLD" --output result.json
