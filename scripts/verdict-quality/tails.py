#!/usr/bin/env python3
"""How often an unchanged process is far off, one process against two (docs/verdict-quality.md,
"What a 20-run history cannot know, and re-running on a failure"): from the committed raw
measurements alone, no FlameIQ.

For each run and each workload and measure: the change of an unchanged PR run's location
(its best sample) against the median location of the 20 rounds before it, the cross-job
A/A change the gate judges. Printed: the share of those changes above 3 %, 5 % and 8 %;
their 99th percentile (the smallest fixed band that leaves at most 1 % of them above it,
which no gate knows in advance); the share of +10 % and +20 % builds beyond that band;
and how likely a 20-run history is to hold even one unchanged run as far off as the 5 %
ones, 1 - (1 - p)^20, when runs are independent. For runs measured with two processes per
run (`--processes 2`), "1 process" takes each pass alone (its own samples, its own
history of that pass), "2 processes" the pooled run that `--repetitions` makes (the best
sample of both), which is what the gate judges there.

    scripts/verdict-quality/tails.py benches/data/verdict-quality/{K,L,M,N,O,P,Q,R,S}.json.gz

Standard library only.
"""

from __future__ import annotations

import gzip
import json
import math
import statistics
import sys
from pathlib import Path

HISTORY = 20
CASES = [("cpu", "cpu", "CPU time, `cpu`"), ("cpu", "wall", "wall time, `cpu`"),
         ("mem", "cpu", "CPU time, `mem`"), ("mem", "wall", "wall time, `mem`")]


def location(times: list, part: int, parts: int) -> float:
    k = len(times) // parts
    return min(times[part * k:(part + 1) * k]) if part >= 0 else min(times)


def changes(data: list, w: str, m: str, part: int, parts: int) -> tuple[list, dict]:
    """A/A changes (builds a and a2 of every judged round) and A/B changes (+10, +20 %)."""
    hist = [location(rnd[w]["a"][m], part, parts) for rnd in data]
    aa, ab = [], {10: [], 20: []}
    for r in range(HISTORY, len(data)):
        centre = statistics.median(hist[r - HISTORY:r])
        aa += [location(data[r][w][b][m], part, parts) / centre - 1 for b in ("a", "a2")]
        for s in ab:
            ab[s].append(location(data[r][w][f"s{s}"][m], part, parts) / centre - 1)
    return aa, ab


def row(run: str, label: str, view: str, aa: list, ab: dict) -> str:
    n = len(aa)
    share = [sum(x > t for x in aa) / n for t in (0.03, 0.05, 0.08)]
    q = sorted(aa)[math.ceil(0.99 * n) - 1]
    caught = [sum(x > q for x in ab[s]) / len(ab[s]) * 100 for s in (10, 20)]
    seen = 1 - (1 - share[1]) ** HISTORY
    cells = " | ".join(f"{s * 100:.1f} %" for s in share)
    return (f"| {run} | {label} | {view} | {n} | {cells} | {q * 100:.1f} % | "
            f"{caught[0]:.1f} / {caught[1]:.1f} % | {seen * 100:.0f} % |")


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: tails.py RUN.json.gz ...")
    print("| run | measure, workload | view | A/A | > 3 % | > 5 % | > 8 % | 99th pct "
          "| +10 / +20 % beyond it | a 20-run history holds a > 5 % one |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path in sys.argv[1:]:
        doc = json.loads(gzip.decompress(Path(path).read_bytes()))
        run = Path(path).name.split(".")[0]
        parts = doc["meta"].get("processes", 1)
        for w, m, label in CASES:
            if parts == 1:
                print(row(run, label, "1 process", *changes(doc["data"], w, m, -1, 1)))
                continue
            aa, ab = [], {10: [], 20: []}
            for p in range(parts):
                a, b = changes(doc["data"], w, m, p, parts)
                aa += a
                for s in ab:
                    ab[s] += b[s]
            print(row(run, label, "1 process", aa, ab))
            print(row(run, label, f"{parts} processes", *changes(doc["data"], w, m, -1, parts)))


if __name__ == "__main__":
    main()
