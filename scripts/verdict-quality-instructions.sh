#!/usr/bin/env bash
# Verdict quality on instruction counts (issue 16): the slowdowns of the timing benchmark
# (+2/5/10/20 %), but real ones (each program's work loop compiled with 1.02-1.20 times the
# iterations) and counted, not timed: every "job" runs three compiled C programs under
# `valgrind --tool=cachegrind`, in a fresh folder with a different environment (as CI jobs
# differ), and the real `flameiq compare --provider valgrind` judges each job against each
# baseline job at a 1 % threshold. Prints a Markdown table; docs/verdict-quality.md holds a
# committed run.
#
#   scripts/verdict-quality-instructions.sh              # 21 minutes on 2 cores under load 20
#   scripts/verdict-quality-instructions.sh --jobs 6     # fewer jobs per build
#
# Needs gcc, valgrind and python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=10
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) JOBS="$2"; shift 2 ;;
    *) echo "usage: $0 [--jobs N]" >&2; exit 2 ;;
  esac
done
for tool in gcc valgrind python3; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed" >&2; exit 2; }
done
cargo build --locked --quiet --bin flameiq
FLAMEIQ="${CARGO_TARGET_DIR:-target}/debug/flameiq"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
T0=$(date +%s)

# Three workloads: a hash loop, sorting, and formatting. REPS (the iteration count of the
# work loop) is set at compile time; the setup before the loop is not scaled, as in a real
# benchmark, so a program's total count grows a little less than its loop.
cat >"$WORK/hash.c" <<'EOF'
#include <stdio.h>
#include <stdint.h>
static uint64_t buf[4096];
static uint64_t mix(uint64_t h, uint64_t x) { h ^= x; h *= 0x100000001b3ULL; return h ^ (h >> 29); }
int main(void) {
    uint64_t h = 1469598103934665603ULL;
    for (long r = 0; r < REPS; r++)
        for (long i = 0; i < 4000; i++) { buf[i & 4095] = mix(h, (uint64_t)i); h = mix(h, buf[(i * 7) & 4095]); }
    printf("%llu\n", (unsigned long long)h);
    return 0;
}
EOF
cat >"$WORK/sort.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int cmp(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
int main(void) {
    enum { N = 3000 };
    static int base[N], v[N];
    unsigned s = 12345;
    for (int i = 0; i < N; i++) { s = s * 1103515245u + 12345u; base[i] = (int)(s >> 8); }
    long sum = 0;
    for (long r = 0; r < REPS; r++) { memcpy(v, base, sizeof v); qsort(v, N, sizeof v[0], cmp); sum += v[r % N]; }
    printf("%ld\n", sum);
    return 0;
}
EOF
cat >"$WORK/format.c" <<'EOF'
#include <stdio.h>
#include <string.h>
int main(void) {
    char line[64];
    size_t total = 0;
    for (long r = 0; r < REPS; r++)
        for (int i = 0; i < 300; i++) { snprintf(line, sizeof line, "%d,%ld,%x", i, r, i * 31); total += strlen(line); }
    printf("%zu\n", total);
    return 0;
}
EOF
FACTORS="100 102 105 110 120"
for f in $FACTORS; do
  for p in hash sort format; do
    # 100 repetitions at 1.00: every factor is an exact whole number of repetitions.
    gcc -O2 -DREPS="$f" -o "$WORK/$p.$f" "$WORK/$p.c"
  done
done

# One job: a fresh folder (name of random length), a padded environment, ASLR as it is.
run_job() { # factor job-number
  local f=$1 j=$2 d
  d="$WORK/job-$f-$j-$(head -c $((RANDOM % 40 + 1)) /dev/zero | tr '\0' x)"
  mkdir -p "$d"
  for p in hash sort format; do
    cp "$WORK/$p.$f" "$d/$p"
    (cd "$d" && env FLAMEIQ_JOB_PAD="$(head -c $((RANDOM % 3000)) /dev/zero | tr '\0' y)" \
      valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="cachegrind.out.$p" \
      "./$p" >/dev/null 2>"valgrind.$p.log")
  done
  "$FLAMEIQ" run --provider cachegrind -m "$d/cachegrind.out.hash" -m "$d/cachegrind.out.sort" \
    -m "$d/cachegrind.out.format" --output "$WORK/snap-$f-$j.json" --quiet >/dev/null
}
for f in $FACTORS; do
  for j in $(seq 1 "$JOBS"); do run_job "$f" "$j"; done
  echo "measured factor $f" >&2
done
printf 'thresholds:\n  custom.*: 1%%\n' >"$WORK/flameiq.yaml"

python3 - "$FLAMEIQ" "$WORK" "$JOBS" "$T0" <<'EOF'
import json, os, platform, subprocess, sys, time
from pathlib import Path

flameiq, work, jobs, t0 = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
factors = [100, 102, 105, 110, 120]

def snap(f, j):
    return work / f"snap-{f}-{j}.json"

def counts(f):
    out = {}
    for j in range(1, jobs + 1):
        for k, v in json.loads(snap(f, j).read_text())["metrics"]["custom"].items():
            out.setdefault(k, []).append(v)
    return out

base = counts(100)
rows = []
for k, vs in sorted(base.items()):
    lo, hi = min(vs), max(vs)
    grown = [sum(counts(f)[k]) / len(counts(f)[k]) / (sum(vs) / len(vs)) - 1 for f in factors[1:]]
    rows.append(f"| `{k}` | {int(sum(vs) / len(vs)):,} | {(hi - lo) / lo * 100:.4f} % | "
                + " | ".join(f"+{g * 100:.2f} %" for g in grown) + " |")

def judge(b, c):
    p = subprocess.run([flameiq, "--config", str(work / "flameiq.yaml"), "compare", "--json",
                        "--no-fail-on-regression", "-m", str(c), "--baseline", str(b)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"flameiq failed ({p.returncode}): {p.stderr}")
    return [d["status"] for d in json.loads(p.stdout)["diffs"]]

verdicts = {}
for f in factors:
    reg = total = 0
    for i in range(1, jobs + 1):
        for j in range(1, jobs + 1):
            if f == 100 and i == j:
                continue  # a job against itself is not a trial
            st = judge(snap(100, i), snap(f, j))
            reg += sum(s == "REGRESSION" for s in st)
            total += len(st)
    verdicts[f] = (reg, total)

load = os.getloadavg()[0]
print(f"Machine: {platform.machine()}, {os.cpu_count()} logical CPUs, {platform.system()} "
      f"{platform.release()}, {subprocess.run(['valgrind', '--version'], capture_output=True, text=True).stdout.strip()}, "
      f"load average at the end {load:.2f}; {jobs} jobs per build, wall time {time.time() - t0:.0f} s.\n")
print("Instruction counts (`Ir`) per program: mean of the baseline jobs, spread between them, "
      "and how much the slowed builds really grew (mean over their jobs):\n")
print("| program | Ir (baseline) | A/A spread (max-min)/min | +2 % build | +5 % | +10 % | +20 % |")
print("|---|---|---|---|---|---|---|")
print("\n".join(rows))
print("\nVerdicts of `flameiq compare` with `custom.*: 1%` (per metric; every baseline job "
      "against every other job):\n")
print("| false alarms (A/A) | detected +2 % | +5 % | +10 % | +20 % |")
print("|---|---|---|---|---|")
cell = lambda r, t: f"{r / t * 100:.1f} % ({r}/{t})"
print("| " + " | ".join(cell(*verdicts[f]) for f in factors) + " |")
EOF
