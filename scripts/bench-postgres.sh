#!/usr/bin/env bash
# The postgres store at scale (issue 15): a history of 1,000 runs × 10,000 metrics in
# PostgreSQL, then
#   - `flameiq compare` of a 10,000-metric run (rolling_median over 5 runs, the baseline
#     selection included): target < 300 ms;
#   - `flameiq baseline set` of a 10,000-metric run into that store (max_history 1,000, so
#     each set also deletes the oldest run and its 10,000 values): target < 1 s.
# Whole processes, wall time, RUNS each (default 10): min / median / mean in ms.
#
#   scripts/bench-postgres.sh                     # its own throw-away cluster
#   FLAMEIQ_BENCH_POSTGRES_URL=postgres://... scripts/bench-postgres.sh   # a server of yours
#   FLAMEIQ_BIN=path/to/flameiq scripts/bench-postgres.sh                 # another binary
#
# The history is generated inside the server (generate_series; the same rows every time:
# 10,000 `custom.bench_NNNNN` keys per run, the document and the value rows the write path
# stores), which takes a few minutes; the timed commands then go through the real CLI.
# Needs: cargo, python3, Debian's postgresql (scripts/pg-cluster.sh). Work files:
# target/bench-pg/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/bench-pg
RUNS=${RUNS:-10}
mkdir -p "$WORK"

if [[ -z "${FLAMEIQ_BIN:-}" ]]; then
  cargo build --release --quiet
  FLAMEIQ_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/flameiq
fi

if [[ -n "${FLAMEIQ_BENCH_POSTGRES_URL:-}" ]]; then
  ADMIN=$FLAMEIQ_BENCH_POSTGRES_URL
else
  export FLAMEIQ_PG_STATE=$WORK/cluster.state
  trap 'bash "$ROOT/scripts/pg-cluster.sh" stop' EXIT
  ADMIN=$(bash "$ROOT/scripts/pg-cluster.sh" start)
fi
DB=flameiq_bench
URL=$(python3 -c 'import sys; u=sys.argv[1]; b,_,q=u.partition("?"); s=b.find("://")+3; p=b.find("/", s); p=len(b) if p<0 else p; print(b[:p]+"/"+sys.argv[2]+("?"+q if q else ""))' "$ADMIN" "$DB")

psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

export GITHUB_REPOSITORY=bench/repo
# REUSE=1 (with a server of yours): keep a database an earlier run generated.
if [[ "${REUSE:-}" == 1 ]] && [[ "$(psql_ "$URL" -At -c 'SELECT count(*) FROM flameiq.runs' 2>/dev/null)" -ge 1000 ]]; then
  echo "== reusing the history in $DB"
else
echo "== generating 1,000 runs x 10,000 metrics in $DB"
psql_ "$ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
env -u GITHUB_ACTIONS FLAMEIQ_STORE="$URL" "$FLAMEIQ_BIN" -q store migrate
start=$(date +%s)
psql_ "$URL" <<'SQL'
INSERT INTO flameiq.stores (repository, environment) VALUES ('bench/repo', '');
INSERT INTO flameiq.runs (repository, environment, run_id, commit_sha, branch, run_timestamp,
                          run_time, tags, metadata, document)
SELECT 'bench/repo', '', 'run-' || i, c, 'main', ts, (ts || '+00:00')::timestamptz, '{}',
       jsonb_build_object('commit', c, 'branch', 'main', 'environment', 'ci',
                          'timestamp', ts, 'run_id', 'run-' || i, 'tags', '{}'::jsonb),
       '{"schema_version": 1, "metadata": {"commit": "' || c || '", "branch": "main", '
       || '"environment": "ci", "timestamp": "' || ts || '", "run_id": "run-' || i
       || '", "tags": {}}, "metrics": {"custom": {'
       || (SELECT string_agg('"bench_' || lpad(k::text, 5, '0') || '": '
                             || round(((100 + k % 97) * (1 + (hashint4(i * 10000 + k) % 200) / 10000.0))::numeric, 4),
                             ', ' ORDER BY k)
           FROM generate_series(0, 9999) k)
       || '}}}'
FROM generate_series(1, 1000) i,
     LATERAL (SELECT md5(i::text) AS c,
                     to_char(timestamp '2026-01-01' + i * interval '1 hour',
                             'YYYY-MM-DD"T"HH24:MI:SS') AS ts) t;
INSERT INTO flameiq.run_values (run, ord, key, value, unit, direction, samples)
SELECT r.id, (e.ord - 1)::int, 'custom.' || e.key, e.value::text::float8, NULL, 'both', NULL
FROM flameiq.runs r,
     LATERAL jsonb_each(r.document::jsonb -> 'metrics' -> 'custom') WITH ORDINALITY AS e(key, value, ord);
UPDATE flameiq.stores SET baseline = (SELECT document FROM flameiq.runs ORDER BY id DESC LIMIT 1);
VACUUM ANALYZE;
SQL
echo "generated in $(( $(date +%s) - start )) s"
fi
psql_ "$URL" -At -c "SELECT 'runs: ' || count(*) FROM flameiq.runs" \
  -c "SELECT 'values: ' || count(*) FROM flameiq.run_values" \
  -c "SELECT 'database size: ' || pg_size_pretty(pg_database_size(current_database()))"

# The current run: 10,000 keys near the stored values (no regression: the whole comparison
# is timed, not an early exit).
python3 "$ROOT/scripts/gen-metrics.py" metrics --count 10000 --out "$WORK/current.json"
cat >"$WORK/flameiq.yaml" <<'YAML'
baseline:
  strategy: rolling_median
  rolling_window: 5
  max_history: 1000
YAML

time_cmd() {
  local label=$1
  shift
  python3 - "$RUNS" "$label" "$@" <<'PY'
import os, statistics, subprocess, sys, time
runs, label, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
ms = []
for _ in range(runs):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ms.append((time.perf_counter() - t) * 1000)
    if p.returncode not in (0, 1):
        sys.exit(f"{label}: exit {p.returncode}: {p.stderr.decode(errors='replace')}")
print(f"{label:<40} min {min(ms):7.1f}  median {statistics.median(ms):7.1f}  mean {statistics.mean(ms):7.1f} ms  ({runs} runs)")
PY
}

cd "$WORK"
export FLAMEIQ_STORE=$URL FLAMEIQ_CONFIG=$WORK/flameiq.yaml
unset GITHUB_ACTIONS GITLAB_CI
echo "== timings ($FLAMEIQ_BIN)"
time_cmd "compare (rolling_median of 5, 10k keys)" "$FLAMEIQ_BIN" -q compare --metrics current.json --json
time_cmd "baseline set (10k keys, trim to 1,000)" "$FLAMEIQ_BIN" -q baseline set --metrics current.json
psql_ "$URL" -At -c "SELECT 'runs after the sets: ' || count(*) FROM flameiq.runs"
if [[ -z "${FLAMEIQ_BENCH_POSTGRES_URL:-}" || "${KEEP:-}" != 1 ]]; then
  psql_ "$ADMIN" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
fi
