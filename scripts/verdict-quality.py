#!/usr/bin/env python3
"""Verdict-quality benchmark driver for FlameIQ (issue 5).

Orchestration only: every verdict comes from the real `flameiq compare` binary.

1. Measure: time three real commands (sha256sum of a 4 MB file, sort of 30k lines, gzip
   of the same lines) in rounds; a round runs every command `--runs` times, interleaved,
   after one warmup pass, and records each run's wall-clock time and CPU time (user +
   system of the child, from wait4). A round is one "CI run": its per-command median is
   the metric value and its raw times are `metric_info.samples`. (hyperfine reports only
   wall-clock times per run, so this small loop measures both from the same runs.)
2. Build trials with a seeded RNG: a random current round and H other rounds in random
   order as its history (the last of them is the `last_successful` baseline); for the
   same-job modes, each round split into its even runs (baseline) and odd runs (current). A/A trials compare as measured; A/B trials multiply the current run's
   times (and median) by 1.02, 1.05, 1.10 or 1.20 - the slowdown is injected on top of
   real noise, so the truth of every verdict is known.
3. Judge every trial with `flameiq compare --json` in each mode and count, per metric,
   false alarms (A/A regressions) and detections (A/B regressions).

Usage: scripts/verdict-quality.sh [--rounds N] [--runs N] [--trials N] [--out FILE]
"""

from __future__ import annotations

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

sys.path.insert(0, str(Path(__file__).parent / "verdict-quality"))
from vqcommon import noise_cells, parse_args, parser, save_measurements  # noqa: E402

SLOWDOWNS = [0, 2, 5, 10, 20]
MEASURES = ["wall", "cpu"]
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


def run_once(argv: list[str]) -> tuple[float, float]:
    """Runs argv once; returns (wall ms, CPU ms = user + system of the child)."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - t) * 1000.0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed with {proc.returncode}")
    return wall, (ru.ru_utime + ru.ru_stime) * 1000.0


def measure(d: Path, rounds: int, runs: int) -> dict:
    """rounds x (1 warmup + runs) executions of every command, interleaved within a round."""
    out = {m: {name: [] for name in COMMANDS} for m in MEASURES}
    cmds = {name: c.format(d=d).split() for name, c in COMMANDS.items()}
    t0 = time.time()
    for r in range(rounds):
        cur = {m: {name: [] for name in COMMANDS} for m in MEASURES}
        for i in range(runs + 1):
            for name, argv in cmds.items():
                wall, cpu = run_once(argv)
                if i > 0:  # the first pass warms caches
                    cur["wall"][name].append(round(wall, 6))
                    cur["cpu"][name].append(round(cpu, 6))
        for m in MEASURES:
            for name in COMMANDS:
                out[m][name].append(cur[m][name])
        print(f"  round {r + 1}/{rounds} ({time.time() - t0:.0f}s)", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return out


def snapshot(run: dict, scale: float, samples: bool, tag: str) -> dict:
    """run: {measure: {command: [ms, ...]}} -> a schema v1 snapshot, one key per pair."""
    metrics, info = {}, {}
    for m, per_cmd in run.items():
        for name, times in per_cmd.items():
            scaled = [round(t * scale, 6) for t in times]
            metrics[f"{name}_{m}_ms"] = round(statistics.median(scaled), 6)
            mi = {"unit": "ms", "direction": "lower_is_better"}
            if samples:
                mi["samples"] = scaled
            info[f"custom.{name}_{m}_ms"] = mi
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
        base_run = {m: {n: t[0::2] for n, t in c.items()} for m, c in rounds[cur].items()}
        cur_run = {m: {n: t[1::2] for n, t in c.items()} for m, c in rounds[cur].items()}
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
    return [(d["metric_key"], d["status"]) for d in json.loads(p.stdout)["diffs"]]


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
    return (f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, load average at start {load[0]:.2f}")


def noise(data: dict) -> list[str]:
    return [f"| `{COMMANDS[n].format(d='…')}` | {m} | {noise_cells(data[m][n])} |"
            for m in MEASURES for n in COMMANDS]


def main() -> None:
    ap = parser(__doc__, rounds=32, seed=5)
    ap.add_argument("--runs", type=int, default=12)
    ap.add_argument("--trials", type=int, default=100, help="trials per slowdown (A/A gets 2x)")
    a = parse_args(ap)

    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        desc = machine()
        if a.saved is not None:
            data = a.saved
        else:
            make_inputs(d)
            print(f"measuring {a.rounds} rounds x {a.runs} runs ...", file=sys.stderr)
            data = measure(d, a.rounds, a.runs)
            if a.measurements:
                save_measurements(a.measurements, data)
        n_rounds = len(data["wall"]["sha256"])
        n_runs = len(data["wall"]["sha256"][0])
        rounds = [{m: {n: data[m][n][i] for n in COMMANDS} for m in MEASURES}
                  for i in range(n_rounds)]

        # Cross-job trials: a uniformly chosen current round; the history is HISTORY other
        # rounds in random order, the last of them being the baseline. Random pairing over
        # the whole measuring period (rather than neighbours only) lets every round be
        # "current" and includes the period's drift, as a CI runner pool would.
        rng = random.Random(a.seed)
        trials = []
        for s in SLOWDOWNS:
            for _ in range(a.trials * (2 if s == 0 else 1)):
                cur = rng.randrange(n_rounds)
                hist = rng.sample([i for i in range(n_rounds) if i != cur], HISTORY)
                trials.append((s, hist, cur))
        # Same-job trials: every round once per slowdown.
        job = [(s, [], r) for s in SLOWDOWNS for r in range(n_rounds)]

        counts = {(m, x): {s: {"n": 0, "reg": 0, "insuf": 0} for s in SLOWDOWNS}
                  for m in MODES for x in MEASURES}
        work = d / "work"
        work.mkdir()
        t0 = time.time()
        todo = [(m, t) for m in MODES for t in (job if MODES[m][2] == "job" else trials)]
        for k, (m, (s, hist, cur)) in enumerate(todo):
            for key, st in judge(a.flameiq, work, m, rounds, hist, cur, 1 + s / 100):
                c = counts[(m, key.split("_")[-2])][s]
                c["n"] += 1
                c["reg"] += st == "REGRESSION"
                c["insuf"] += st == "INSUFFICIENT_DATA"
            if k % 100 == 0:
                print(f"  compare {k}/{len(todo)} ({time.time() - t0:.0f}s)", file=sys.stderr,
                      end="\r")
        print(file=sys.stderr)

    def pct(c):
        return f"{c['reg'] / c['n'] * 100:.1f} % ({c['reg']}/{c['n']})"

    lines = [
        f"Machine: {desc}.",
        "",
        f"{n_rounds} rounds x {n_runs} runs of each command (interleaved, after one warmup "
        f"pass), each run timed as wall clock and as CPU time (user + system, from wait4); "
        f"cross-job modes: {len(trials)} trials (a random current round against {HISTORY} "
        f"other rounds, the last one the baseline); same-job modes: every round once per "
        f"slowdown, split into even (baseline) and odd (current) runs; seed {a.seed}; "
        f"wall time {time.time() - started:.0f} s.",
        "",
        "Noise of the measurements (per command):",
        "",
        "| command | measure | median | within-run CV (median) | between-run CV of medians "
        "| max/min median |",
        "|---|---|---|---|---|---|",
        *noise(data),
        "",
    ]
    for x, title in (("wall", "wall-clock time"), ("cpu", "CPU time")):
        lines += [
            "",
            f"Verdicts on **{title}** (per metric; each trial judges the 3 commands):",
            "",
            "| mode | false alarms (A/A) | detected +2 % | +5 % | +10 % | +20 % "
            "| INSUFFICIENT_DATA |",
            "|---|---|---|---|---|---|---|",
        ]
        for m in MODES:
            c = counts[(m, x)]
            insuf = sum(c[s]["insuf"] for s in SLOWDOWNS)
            lines.append(f"| {m} | {pct(c[0])} | {pct(c[2])} | {pct(c[5])} | {pct(c[10])} | "
                         f"{pct(c[20])} | {insuf} |")
    text = "\n".join(lines) + "\n"
    if a.out:
        Path(a.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
