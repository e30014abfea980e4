#!/usr/bin/env python3
"""Generates schema v1 inputs for FlameIQ's benchmarks (deterministic for a given seed).

    gen-metrics.py metrics --count N [--seed S] [--spread PCT] --out FILE
        one metrics file with N keys custom.bench_00000 .. (values near 100 ms)

    gen-metrics.py store --count N --snapshots K [--seed S] --dir DIR
        a `.flameiq/`-layout store in DIR: K history lines (baselines/history.jsonl,
        one json.dumps line each, as flameiq-core and FlameIQ append them) and
        baselines/current.json (the newest snapshot, pretty-printed).

Every run of the same command writes the same bytes. The current run's values stay within
--spread percent (default 2) of the stored ones, so no metric regresses and the exit code
is 0 for both implementations: the benchmark times the whole comparison, not an early exit.
"""

import argparse
import json
import os
import random


def snapshot(count, rng, index, spread):
    metrics = {}
    for i in range(count):
        base = 100.0 + (i % 97)
        jitter = 1.0 + rng.uniform(-spread, spread) / 100.0
        metrics[f"bench_{i:05d}"] = round(base * jitter, 4)
    return {
        "schema_version": 1,
        "metadata": {
            "run_id": f"00000000-0000-4000-8000-{index:012d}",
            "commit": f"{index:040x}",
            "branch": "main",
            "timestamp": f"2026-01-01T00:00:{index % 60:02d}+00:00",
            "environment": "ci",
            "tags": {},
        },
        "metrics": {"custom": metrics},
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("metrics")
    m.add_argument("--count", type=int, required=True)
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--spread", type=float, default=2.0)
    m.add_argument("--out", required=True)
    s = sub.add_parser("store")
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--snapshots", type=int, required=True)
    s.add_argument("--seed", type=int, default=2)
    s.add_argument("--spread", type=float, default=2.0)
    s.add_argument("--dir", required=True)
    a = p.parse_args()

    if a.cmd == "metrics":
        doc = snapshot(a.count, random.Random(a.seed), 999_999, a.spread)
        with open(a.out, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        return

    rng = random.Random(a.seed)
    base = os.path.join(a.dir, "baselines")
    os.makedirs(base, exist_ok=True)
    last = None
    with open(os.path.join(base, "history.jsonl"), "w", encoding="utf-8") as f:
        for k in range(a.snapshots):
            last = snapshot(a.count, rng, k, a.spread)
            f.write(json.dumps(last, ensure_ascii=False))
            f.write("\n")
    with open(os.path.join(base, "current.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(last, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
