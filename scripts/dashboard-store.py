#!/usr/bin/env python3
"""Writes a small `.flameiq/` store for the dashboard's browser test (deterministic).

    dashboard-store.py DIR

Two environments: the root store (`default`, 60 runs) and `linux-arm` (25 runs). Metrics
in three key groups, one metric with a +40 % step at run 40 (a change point), one with
samples in every run, one with a hostile name (`</script><img src=x onerror=alert(1)>"'`),
and one whose runs have commits that try to break out of a URL. Prints a JSON summary
(metric keys per environment, the stepped metric and where its change point is).
"""
import json
import os
import random
import sys

HOSTILE = "custom.evil.</script><img src=x onerror=alert(1)>\"'"


def snapshot(i, env, rng, keys):
    custom = {}
    info = {}
    for k in keys:
        base = 10.0 + (hash_of(k) % 50)
        v = base * (1 + rng.uniform(-0.01, 0.01))
        if k == "parser.lex_ms" and i >= 40:
            v *= 1.4
        custom[k] = round(v, 4)
        if k == "io.read_ms":
            info["custom." + k] = {"unit": "ms", "samples": [round(v * (1 + rng.uniform(-0.05, 0.05)), 4) for _ in range(7)]}
        if k == "io.bytes":
            info["custom." + k] = {"unit": "B"}
    commit = "%040x" % (i * 7919 + (0 if env == "" else 1))
    if i == 3:
        commit = "javascript:alert(1)\"><script>alert(2)</script>"
    doc = {
        "schema_version": 1,
        "metadata": {"run_id": "00000000-0000-4000-8000-%012d" % i, "commit": commit, "branch": "main",
                     "timestamp": "2026-10-%02dT%02d:00:00+00:00" % (1 + i // 24, i % 24), "environment": "ci", "tags": {}},
        "metrics": {"latency": {"mean": round(2.5 * (1 + rng.uniform(-0.01, 0.01)), 4), "p95": round(4.0 * (1 + rng.uniform(-0.01, 0.01)), 4)},
                    "throughput": round(1200 * (1 + rng.uniform(-0.01, 0.01)), 2), "custom": custom},
    }
    if info:
        doc["metric_info"] = info
    return doc


def hash_of(s):
    return sum(ord(c) * (i + 1) for i, c in enumerate(s))


def main():
    out = sys.argv[1]
    keys = ["parser.lex_ms", "parser.parse_ms", "parser.emit_ms", "io.read_ms", "io.write_ms", "io.bytes",
            "net.a", "net.b", "net.c", "top_ms", HOSTILE[len("custom."):]]
    summary = {}
    for env, runs in (("", 60), ("linux-arm", 25)):
        rng = random.Random(7 if env == "" else 8)
        base = os.path.join(out, env, "baselines") if env else os.path.join(out, "baselines")
        os.makedirs(base, exist_ok=True)
        last = None
        with open(os.path.join(base, "history.jsonl"), "w", encoding="utf-8") as f:
            for i in range(runs):
                last = snapshot(i, env, rng, keys)
                f.write(json.dumps(last) + "\n")
        with open(os.path.join(base, "current.json"), "w", encoding="utf-8") as f:
            json.dump(last, f, indent=2)
        flat = ["latency.mean", "latency.p95", "throughput"] + ["custom." + k for k in keys]
        summary[env or "default"] = {"runs": runs, "keys": flat}
    summary["step"] = {"env": "default", "key": "custom.parser.lex_ms", "index": 40, "runs": 60}
    summary["samples"] = {"env": "default", "key": "custom.io.read_ms"}
    summary["hostile"] = HOSTILE
    json.dump(summary, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
