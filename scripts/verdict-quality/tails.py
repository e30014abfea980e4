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

import sys
from pathlib import Path

from vqcommon import cross_job_changes, fail, hindsight_band, load_measurements

HISTORY = 20
CASES = [("cpu", "cpu", "CPU time, `cpu`"), ("cpu", "wall", "wall time, `cpu`"),
         ("mem", "cpu", "CPU time, `mem`"), ("mem", "wall", "wall time, `mem`")]


def row(run: str, label: str, view: str, aa: list, ab: dict) -> str:
    n = len(aa)
    share = [sum(x > t for x in aa) / n for t in (0.03, 0.05, 0.08)]
    q, caught = hindsight_band(aa, ab)
    seen = 1 - (1 - share[1]) ** HISTORY
    cells = " | ".join(f"{s * 100:.1f} %" for s in share)
    return (f"| {run} | {label} | {view} | {n} | {cells} | {q * 100:.1f} % | "
            f"{caught[10]:.1f} / {caught[20]:.1f} % | {seen * 100:.0f} % |")


def main() -> None:
    if len(sys.argv) < 2:
        fail("no measurements given (usage: tails.py RUN.json.gz ...)")
    docs = [(Path(path), load_measurements(Path(path), path)) for path in sys.argv[1:]]
    print("| run | measure, workload | view | A/A | > 3 % | > 5 % | > 8 % | 99th pct "
          "| +10 / +20 % beyond it | a 20-run history holds a > 5 % one |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path, doc in docs:
        run = path.name.split(".")[0]
        parts = doc["meta"].get("processes", 1)
        for w, m, label in CASES:
            if parts == 1:
                print(row(run, label, "1 process",
                          *cross_job_changes(doc["data"], w, m, HISTORY)))
                continue
            aa, ab = [], {10: [], 20: []}
            for p in range(parts):
                a, b = cross_job_changes(doc["data"], w, m, HISTORY, (p, parts))
                aa += a
                for s in ab:
                    ab[s] += b[s]
            print(row(run, label, "1 process", aa, ab))
            print(row(run, label, f"{parts} processes",
                      *cross_job_changes(doc["data"], w, m, HISTORY)))


if __name__ == "__main__":
    main()
