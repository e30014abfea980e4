#!/usr/bin/env python3
"""Verdict-quality benchmark driver for FlameIQ (issue 5).

Orchestration only: every verdict comes from the real `flameiq compare` binary.

1. Measure: `hyperfine` times three real commands (sha256sum of a 4 MB file, sort of
   30k lines, gzip of the same lines) in rounds; each round is one hyperfine invocation
   running every command `--runs` times after one warmup. A round is one "CI run": its
   per-command median is the metric value and its raw times are `metric_info.samples`.
2. Build trials with a seeded RNG: pick H+1 distinct rounds in time order; the first H are
   the history (the last of them is the `last_successful` baseline), the last is the
   current run. A/A trials compare as measured; A/B trials multiply the current run's
   times (and median) by 1.02, 1.05, 1.10 or 1.20 - the slowdown is injected on top of
   real noise, so the truth of every verdict is known.
3. Judge every trial with `flameiq compare --json` in each mode and count, per metric,
   false alarms (A/A regressions) and detections (A/B regressions).

Usage: scripts/verdict-quality.sh [--rounds N] [--runs N] [--trials N] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SLOWDOWNS = [0, 2, 5, 10, 20]
HISTORY = 20

COMMANDS = {
    "sha256": "sha256sum {d}/blob.bin",
    "sort": "sort {d}/lines.txt",
    "gzip": "gzip -c {d}/lines.txt",
}

# name -> (flameiq.yaml, uses samples, baseline source). Baseline sources:
#   "file":  the previous CI run (`--baseline FILE`), current = a later run
#   "store": a `.flameiq/` store holding the previous HISTORY runs, current = a later run
#   "job":   baseline and current measured in the same job, interleaved (the even and odd
#            runs of one round), the setup statistics need to shine
MODES = {
    "fixed 10% (flameiq-core default)": ("", False, "file"),
    "statistics, 10% threshold": ("statistics:\n  enabled: true\n", True, "file"),
    "statistics, 5% threshold": (
        "statistics:\n  enabled: true\nthresholds:\n  custom.*: 5%\n",
        True,
        "file",
    ),
    "auto band (k=3), rolling_median(5)": (
        "thresholds:\n  custom.*: auto\nbaseline:\n  strategy: rolling_median\n  rolling_window: 5\n",
        False,
        "store",
    ),
    "auto band (k=5), rolling_median(5)": (
        "thresholds:\n  custom.*: auto(5)\nbaseline:\n  strategy: rolling_median\n  rolling_window: 5\n",
        False,
        "store",
    ),
    "statistics vs 20-run history, 5% threshold": (
        "statistics:\n  enabled: true\nthresholds:\n  custom.*: 5%\n",
        False,
        "store",
    ),
    "same job: fixed 10%": ("", False, "job"),
    "same job: statistics, 5% threshold": (
        "statistics:\n  enabled: true\nthresholds:\n  custom.*: 5%\n",
        True,
        "job",
    ),
}


def make_inputs(d: Path) -> None:
    rng = random.Random(42)
    (d / "blob.bin").write_bytes(rng.randbytes(4 * 1024 * 1024))
    lines = [f"{rng.randrange(10**12):012d} {rng.random():.9f}\n" for _ in range(30_000)]
    (d / "lines.txt").write_text("".join(lines))


def measure(d: Path, rounds: int, runs: int) -> dict:
    out = {name: [] for name in COMMANDS}
    export = d / "hf.json"
    t0 = time.time()
    for r in range(rounds):
        cmd = ["hyperfine", "-N", "--style", "none", "--warmup", "1", "--runs", str(runs),
               "--export-json", str(export)]
        cmd += [c.format(d=d) for c in COMMANDS.values()]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        res = json.loads(export.read_text())["results"]
        for name, item in zip(COMMANDS, res):
            out[name].append([round(t * 1000.0, 6) for t in item["times"]])
        print(f"  round {r + 1}/{rounds} ({time.time() - t0:.0f}s)", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return out


def snapshot(run: dict, scale: float, samples: bool, tag: str) -> dict:
    metrics, info = {}, {}
    for name, times in run.items():
        scaled = [round(t * scale, 6) for t in times]
        metrics[f"{name}_ms"] = round(statistics.median(scaled), 6)
        mi = {"unit": "ms", "direction": "lower_is_better"}
        if samples:
            mi["samples"] = scaled
        info[f"custom.{name}_ms"] = mi
    return {
        "schema_version": 1,
        "metadata": {"commit": tag, "branch": "main", "environment": "ci",
                     "timestamp": "2026-01-01T00:00:00+00:00", "run_id": tag, "tags": {}},
        "metrics": {"custom": metrics},
        "metric_info": info,
    }


def judge(flameiq: str, work: Path, mode: str, rounds: list[dict], hist: list[int], cur: int,
          scale: float) -> list[str]:
    cfg, samples, source = MODES[mode]
    (work / "flameiq.yaml").write_text(cfg)
    if source == "job":
        # One round, split: even runs are the baseline, odd runs the current build.
        base_run = {n: t[0::2] for n, t in rounds[cur].items()}
        cur_run = {n: t[1::2] for n, t in rounds[cur].items()}
    else:
        base_run, cur_run = rounds[hist[-1]], rounds[cur]
    (work / "c.json").write_text(json.dumps(snapshot(cur_run, scale, samples, "cur")))
    args = [flameiq, "--config", str(work / "flameiq.yaml"), "compare", "-m", str(work / "c.json"),
            "--json", "--no-fail-on-regression"]
    if source == "store":
        base = work / "store" / "baselines"
        if base.exists():
            shutil.rmtree(base)
        base.mkdir(parents=True)
        snaps = [snapshot(rounds[i], 1.0, samples, f"h{i}") for i in hist]
        (base / "history.jsonl").write_text("".join(json.dumps(s) + "\n" for s in snaps))
        (base / "current.json").write_text(json.dumps(snaps[-1], indent=2))
        args += ["--dir", str(work / "store")]
    else:
        (work / "b.json").write_text(json.dumps(snapshot(base_run, 1.0, samples, "base")))
        args += ["--baseline", str(work / "b.json")]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"flameiq failed ({p.returncode}): {p.stderr}")
    return [d["status"] for d in json.loads(p.stdout)["diffs"]]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    hf = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, "
            f"load average at start {load[0]:.2f}; {hf}")


def noise(rounds: dict) -> list[str]:
    rows = []
    for name, runs in rounds.items():
        meds = [statistics.median(r) for r in runs]
        within = statistics.median(statistics.stdev(r) / statistics.mean(r) for r in runs)
        between = statistics.stdev(meds) / statistics.mean(meds)
        rows.append(f"| `{COMMANDS[name].format(d='…')}` | {statistics.median(meds):.2f} ms | "
                    f"{within * 100:.1f} % | {between * 100:.1f} % | "
                    f"{(max(meds) / min(meds) - 1) * 100:.0f} % |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flameiq", required=True)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--runs", type=int, default=16)
    ap.add_argument("--trials", type=int, default=150, help="trials per slowdown (A/A gets 2x)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--measurements", help="reuse (or save to) this measurements JSON")
    ap.add_argument("--out", help="write the Markdown results here (default stdout)")
    a = ap.parse_args()

    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        desc = machine()
        if a.measurements and Path(a.measurements).exists():
            data = json.loads(Path(a.measurements).read_text())
        else:
            make_inputs(d)
            print(f"measuring {a.rounds} rounds x {a.runs} runs ...", file=sys.stderr)
            data = measure(d, a.rounds, a.runs)
            if a.measurements:
                Path(a.measurements).write_text(json.dumps(data))
        names = list(data)
        n_rounds = len(data[names[0]])
        rounds = [{n: data[n][i] for n in names} for i in range(n_rounds)]

        rng = random.Random(a.seed)
        trials = []
        for s in SLOWDOWNS:
            for _ in range(a.trials * (2 if s == 0 else 1)):
                pick = sorted(rng.sample(range(n_rounds), HISTORY + 1))
                trials.append((s, pick[:-1], pick[-1]))

        counts = {m: {s: {"n": 0, "reg": 0, "insuf": 0} for s in SLOWDOWNS} for m in MODES}
        work = d / "work"
        work.mkdir()
        t0 = time.time()
        for k, (s, hist, cur) in enumerate(trials):
            for m in MODES:
                for st in judge(a.flameiq, work, m, rounds, hist, cur, 1 + s / 100):
                    c = counts[m][s]
                    c["n"] += 1
                    c["reg"] += st == "REGRESSION"
                    c["insuf"] += st == "INSUFFICIENT_DATA"
            if k % 50 == 0:
                print(f"  trial {k}/{len(trials)} ({time.time() - t0:.0f}s)", file=sys.stderr,
                      end="\r")
        print(file=sys.stderr)

    def pct(c):
        return f"{c['reg'] / c['n'] * 100:.1f} % ({c['reg']}/{c['n']})"

    lines = [
        f"Machine: {desc}.",
        "",
        f"{n_rounds} rounds x {len(rounds[0][names[0]])} runs per command; "
        f"{len(trials)} trials (history {HISTORY} rounds + 1 later current round; same-job "
        f"modes split the current round into even/odd runs), seed {a.seed}; "
        f"wall time {time.time() - started:.0f} s.",
        "",
        "Noise of the measurements (per command):",
        "",
        "| command | median | within-run CV (median) | between-run CV of medians | max/min median |",
        "|---|---|---|---|---|",
        *noise(data),
        "",
        "Verdicts per metric (each trial judges 3 metrics):",
        "",
        "| mode | false alarms (A/A) | detected +2 % | +5 % | +10 % | +20 % | INSUFFICIENT_DATA |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in MODES:
        c = counts[m]
        insuf = sum(c[s]["insuf"] for s in SLOWDOWNS)
        lines.append(f"| {m} | {pct(c[0])} | {pct(c[2])} | {pct(c[5])} | {pct(c[10])} | "
                     f"{pct(c[20])} | {insuf} |")
    text = "\n".join(lines) + "\n"
    if a.out:
        Path(a.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
