#!/usr/bin/env python3
"""Pool the cross-job verdicts of several verdict-quality runs (docs/verdict-quality.md,
"Runs K and L"): per run and over all of them, the false alarms and detections of one mode,
with exact (Clopper-Pearson) 95 % intervals, so a rate is read with its sampling error.

Input: the `--trials` files of `scripts/verdict-quality-real.py` (one JSON verdict per line).
A run's two unchanged processes of a job (builds `a` and `a2`) are both A/A verdicts, as in
the results tables; the pooled row counts every verdict of every run once.

    scripts/verdict-quality/pool.py [--mode M] K=K-trials.jsonl L=L-trials.jsonl ...

Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import sys

from vqcommon import slowdown_of

KEYS = {"custom.cpu_cpu_ms": "CPU time, `cpu`", "custom.mem_cpu_ms": "CPU time, `mem`",
        "custom.cpu_wall_ms": "wall time, `cpu`", "custom.mem_wall_ms": "wall time, `mem`"}


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in logs (n up to a few thousand)."""
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0 if k < n else 1.0
    lp, lq = math.log(p), math.log1p(-p)
    return min(1.0, sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                                 + i * lp + (n - i) * lq) for i in range(k + 1)))


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The exact two-sided interval for a binomial rate, by bisection on the CDF."""
    a = (1 - level) / 2

    def solve(f):
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if f(mid) else (lo, mid)
        return (lo + hi) / 2

    lower = 0.0 if k == 0 else solve(lambda p: 1 - binom_cdf(k - 1, n, p) < a)
    upper = 1.0 if k == n else solve(lambda p: binom_cdf(k, n, p) > a)
    return lower, upper


def count(path: str, mode: str):
    """(metric key, slowdown) -> [regressions, verdicts] over the run's cross-job trials."""
    c = collections.defaultdict(lambda: [0, 0])
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            if t["mode"] != mode:
                continue
            d = t["diff"]
            s = slowdown_of(t["build"])
            cell = c[(d["metric_key"], s)]
            cell[0] += d["status"] == "REGRESSION"
            cell[1] += 1
    return c


def rate(k: int, n: int) -> str:
    lo, hi = clopper_pearson(k, n)
    return f"{k / n * 100:.1f} % ({k}/{n}; {lo * 100:.1f}–{hi * 100:.1f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", default="auto (calibrated), runs with samples")
    ap.add_argument("runs", nargs="+", help="NAME=TRIALS.jsonl")
    a = ap.parse_args()
    runs = []
    for arg in a.runs:
        name, sep, path = arg.partition("=")
        if not sep:
            print(f"error: {arg}: expected NAME=TRIALS.jsonl", file=sys.stderr)
            sys.exit(2)
        try:
            runs.append((name, count(path, a.mode)))
        except (OSError, json.JSONDecodeError, KeyError) as e:
            print(f"error: {path}: not a --trials file ({e})", file=sys.stderr)
            sys.exit(2)
    print(f"Mode: {a.mode}. False alarms and detections, with 95 % Clopper-Pearson intervals:")
    print()
    print("| run | measure, workload | false alarms (A/A) | +10 % caught | +20 % caught |")
    print("|---|---|---|---|---|")
    for key, label in KEYS.items():
        total = collections.defaultdict(lambda: [0, 0])
        for name, c in runs:
            cells = [c[(key, s)] for s in (0, 10, 20)]
            if not cells[0][1]:
                continue
            for s, cell in zip((0, 10, 20), cells):
                total[s][0] += cell[0]
                total[s][1] += cell[1]
            print(f"| {name} | {label} | " + " | ".join(rate(*cell) for cell in cells) + " |")
        if len(runs) > 1 and total[0][1]:
            print(f"| **all** | {label} | "
                  + " | ".join(rate(*total[s]) for s in (0, 10, 20)) + " |")


if __name__ == "__main__":
    main()
