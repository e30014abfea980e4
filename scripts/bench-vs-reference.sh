#!/usr/bin/env bash
# Side-by-side benchmark of FlameIQ against the reference implementation flameiq-core
# (pip install flameiq-core==1.0.2), as whole processes with hyperfine, on generated inputs.
#
#   scripts/bench-vs-reference.sh            # all cases
#   QUICK=1 scripts/bench-vs-reference.sh    # fewer runs (a rough look)
#
# Needs: cargo, python3, hyperfine, jq, GNU time (/usr/bin/time), flameiq-core's `flameiq`
# on PATH. Inputs go to $BENCH_DIR (default target/bench-ref; generated once, reused).
#
# Cases (every command prints the --json result document; hyperfine discards it):
#   startup-20     compare --json, 20 metrics, last_successful: ours vs flameiq-core
#   compare-10k    compare --json, 10,000 metrics, last_successful: ours vs flameiq-core
#   rolling-5      compare --json, 10,000 metrics, rolling_median (window 5), 5 stored snapshots
#   rolling-1000   the same with 1,000 stored snapshots (ours only: flameiq-core ignores
#                  the configured strategy and always compares with current.json)
# then the peak RSS of the 10,000-metric compares (GNU time), and the ratios.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-$ROOT/target/bench-ref}
GEN="python3 $ROOT/scripts/gen-metrics.py"
RUNS=${RUNS:-30}
WARMUP=3
if [[ -n "${QUICK:-}" ]]; then RUNS=10; WARMUP=1; fi

for tool in hyperfine jq python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found" >&2; exit 2; }
done
CORE=$(python3 -c 'import shutil; print(shutil.which("flameiq") or "")')
[[ -n "$CORE" ]] || { echo "error: flameiq-core's flameiq not on PATH (pip install flameiq-core==1.0.2)" >&2; exit 2; }
[[ "$CORE" != "$ROOT/target/release/flameiq" ]] || { echo "error: PATH's flameiq is ours, not flameiq-core" >&2; exit 2; }

echo "== building release"
cargo build --release --quiet
OURS=$ROOT/target/release/flameiq

# One folder per case; each holds .flameiq/ (the layout both implementations read) and the
# current run, so both tools run with the same cwd and the same files.
mkcase() { # name metrics snapshots [strategy]
  local dir=$BENCH_DIR/$1
  if [[ ! -f $dir/.done ]]; then
    echo "== generating $1 ($2 metrics, $3 stored snapshots)"
    rm -rf "$dir" && mkdir -p "$dir"
    $GEN store --count "$2" --snapshots "$3" --dir "$dir/.flameiq"
    $GEN metrics --count "$2" --out "$dir/current.json"
    if [[ -n "${4:-}" ]]; then
      printf 'baseline:\n  strategy: %s\n  rolling_window: 5\n' "$4" >"$dir/flameiq.yaml"
    fi
    touch "$dir/.done"
  fi
}
mkcase startup-20 20 5
mkcase compare-10k 10000 5
mkcase rolling-5 10000 5 rolling_median
mkcase rolling-1000 10000 1000 rolling_median

OUT=$BENCH_DIR/results
mkdir -p "$OUT"
hf() { # name dir hyperfine-args...
  local name=$1 dir=$2
  shift 2
  (cd "$dir" && hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT/$name.json" "$@")
}
ARGS="compare --metrics current.json --json"
# The same command as words, for the calls that take an argument list.
read -ra CMD <<<"$ARGS"
# ours-file: the same comparison with --baseline FILE, which reads no store and writes no
# runs/last.json (flameiq-core keeps no last run, so this is its exact work); ours-report
# adds --report, the only path that builds the template engine.
hf startup-20 "$BENCH_DIR/startup-20" -n ours "$OURS $ARGS" -n flameiq-core "$CORE $ARGS" \
  -n ours-file "$OURS $ARGS --baseline .flameiq/baselines/current.json" \
  -n ours-report "$OURS $ARGS --report $OUT/report.html"
hf compare-10k "$BENCH_DIR/compare-10k" -n ours "$OURS $ARGS" -n flameiq-core "$CORE $ARGS"
hf rolling-5 "$BENCH_DIR/rolling-5" -n ours "$OURS $ARGS"
hf rolling-1000 "$BENCH_DIR/rolling-1000" -n ours "$OURS $ARGS"

rss() { # dir command... -> peak RSS in MiB
  (cd "$1" && shift && /usr/bin/time -f '%M' "$@" >/dev/null 2>"$OUT/time.txt" || true)
  awk 'END { printf "%.1f", $1 / 1024 }' "$OUT/time.txt"
}
stat_ms() { jq -r --arg n "$3" ".results[] | select(.command == \$n) | .$1 * 1000" "$OUT/$2.json"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

echo
echo "== results (wall time of whole processes, $RUNS runs; load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "   mean and median in ms; the ratios are flameiq-core / ours (the median is the steadier"
echo "   figure on a busy machine)"
printf '%-14s %9s %9s %10s %10s %8s %8s\n' case ours_mean ours_med core_mean core_med x_mean x_med
row() { # label case ours-name
  local om od cm cd
  om=$(stat_ms mean "$2" "$3") od=$(stat_ms median "$2" "$3")
  cm=$(stat_ms mean "$2" flameiq-core) cd=$(stat_ms median "$2" flameiq-core)
  printf '%-14s %9.2f %9.2f %10.2f %10.2f %7sx %7sx\n' "$1" "$om" "$od" "$cm" "$cd" "$(ratio "$cm" "$om")" "$(ratio "$cd" "$od")"
}
row startup-20 startup-20 ours
row startup-file startup-20 ours-file
row compare-10k compare-10k ours
echo "startup-file: --baseline FILE (no store read, no runs/last.json write)"
printf 'startup-report %9.2f %9.2f  (compare --json --report: builds the template engine)\n' \
  "$(stat_ms mean startup-20 ours-report)" "$(stat_ms median startup-20 ours-report)"
r5=$(stat_ms mean rolling-5 ours) r1000=$(stat_ms mean rolling-1000 ours)
printf '%-14s %9.2f %9.2f\n' rolling-5 "$r5" "$(stat_ms median rolling-5 ours)" \
  rolling-1000 "$r1000" "$(stat_ms median rolling-1000 ours)"
echo "rolling median, 1,000 vs 5 stored snapshots: $(ratio "$r1000" "$r5")x (goal: <= 1.5x, each < 500 ms)"
echo
echo "== peak RSS (GNU time, MiB)"
echo "compare-10k   ours $(rss "$BENCH_DIR/compare-10k" "$OURS" "${CMD[@]}")  flameiq-core $(rss "$BENCH_DIR/compare-10k" "$CORE" "${CMD[@]}")"
echo "rolling-5     ours $(rss "$BENCH_DIR/rolling-5" "$OURS" "${CMD[@]}")"
echo "rolling-1000  ours $(rss "$BENCH_DIR/rolling-1000" "$OURS" "${CMD[@]}")"
echo
echo "binary: $(stat -c %s "$OURS") bytes ($OURS)"
