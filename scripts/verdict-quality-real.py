#!/usr/bin/env python3
"""Verdict quality on REAL slowdowns (issue 14): FlameIQ's verdicts on a compiled workload
whose work is really scaled, cross-job (20 stored runs, then a PR run) and same-job.

Orchestration only: every verdict comes from the real `flameiq compare` binary.

1. Measure. `scripts/verdict-quality/work.c` (compiled with the system C compiler) runs a
   CPU-bound loop ("cpu") and a memory-bound random walk ("mem"); a build "+x %" runs
   round(N * (1 + x/100)) iterations, so the slowdown is real work, not times multiplied
   after the fact. One round is one CI job: for each workload, six processes in a random
   order: the unchanged build twice ("a" and "a2"), then +2, +5, +10, +20 %, each one
   warmup sample and --samples samples timed in-process (wall clock and CPU time). A run's
   metric value is the median of its samples, which are kept as `metric_info.samples`.
   With --processes P, a job runs its whole suite P times over (each pass in its own random
   order), every process timing --samples / P samples: the same samples, split over P
   processes, as a user runs a suite twice in one job. Each pass is a metrics file of its
   own, and `flameiq --repetitions` pools them (docs/statistics.md); the stored history
   runs are what `flameiq run --repetitions` writes for them.
2. Judge, with a seeded RNG where one is needed:
   - cross-job: for each round r from 20 on, the store holds rounds r-20 .. r-1 (build "a",
     oldest first, as `flameiq baseline set` would have appended them on the default
     branch) and the PR run is round r's build "a2" (A/A) or a slowed build (A/B);
   - same-job: round r's build "a" is the baseline file and its "a2" (A/A) or a slowed
     build (A/B) the current run;
   - second process only on a failure (runs of --processes 2): cross-job, but the store
     holds the first passes alone and the PR run is its first pass; only when that fails
     is it judged again with its second pass pooled in (`--repetitions`), the verdict of
     a workflow that re-runs the suite when the gate fails; "first process only" is the
     first judgement alone (one process per run, half the samples).
3. Count per metric: REGRESSION on an A/A trial is a false alarm, on an A/B a detection.

Usage: scripts/verdict-quality.sh --real [--rounds N] [--samples N] [--processes N]
       [--measurements F] [--out F] [--trials F.jsonl] [--mode M]...
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
from vqcommon import (cross_job_changes, fail, hindsight_band, noise_cells,  # noqa: E402
                      parse_args, parser, pass_samples, save_measurements, slowdown_of)

SLOWDOWNS = [2, 5, 10, 20]
BUILDS = ["a", "a2"] + [f"s{s}" for s in SLOWDOWNS]
WORKLOADS = {"cpu": 4_000_000, "mem": 40_000}  # iterations of the unchanged build
MEASURES = ["wall", "cpu"]
HISTORY = 20

# name -> (flameiq.yaml, what the runs carry: True samples, False values only, "range" the
# runs' min and max without samples as pytest-benchmark writes them without
# --benchmark-save-data, source)
AUTO = "thresholds:\n  custom.*: auto\n"
STATS = "statistics:\n  enabled: true\n"
MODES = {
    "fixed 10 % (default)": ("", True, "store"),
    "auto (calibrated), runs with samples": (AUTO, True, "store"),
    "auto (calibrated), values only": (AUTO, False, "store"),
    "auto (calibrated), values + min/max": (AUTO, "range", "store"),
    "auto (calibrated), runs with samples, auto_floor 5 %":
        (AUTO + "statistics:\n  auto_floor: 5%\n", True, "store"),
    "auto(3) (FlameIQ 0.1 band)": ("thresholds:\n  custom.*: auto(3)\n", True, "store"),
    "statistics, 10 %": (STATS, True, "store"),
    "statistics + auto (calibrated)": (STATS + AUTO, True, "store"),
    # Runs of two processes only: the history and the PR run are the first pass alone, and
    # only a PR run that fails is judged again with its second pass pooled in
    # (`--repetitions`), as a workflow re-running the suite on a failed gate does.
    "auto (calibrated), second process only on a failure": (AUTO, True, "confirm"),
    "auto, second process only on a failure, auto_floor 5 %":
        (AUTO + "statistics:\n  auto_floor: 5%\n", True, "confirm"),
    # The same runs' first process alone, never re-run: one process per run.
    "auto (calibrated), first process only": (AUTO, True, "first"),
    "auto, first process only, auto_floor 5 %":
        (AUTO + "statistics:\n  auto_floor: 5%\n", True, "first"),
    "same job: fixed 10 %": ("", True, "job"),
    "same job: statistics, 10 %": (STATS, True, "job"),
}


def build(out: Path) -> Path:
    src = Path(__file__).parent / "verdict-quality" / "work.c"
    exe = out / "workload"
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-O2", "-o", str(exe), str(src)], check=True)
    return exe


def run_build(exe: Path, workload: str, build: str, samples: int) -> dict:
    scale = 1 + slowdown_of(build) / 100
    iters = round(WORKLOADS[workload] * scale)
    out = subprocess.run([str(exe), workload, str(iters), str(samples)], check=True,
                         capture_output=True, text=True).stdout
    wall, cpu = [], []
    for line in out.splitlines():
        w, c = line.split()
        wall.append(int(w) / 1e6)
        cpu.append(int(c) / 1e6)
    return {"wall": wall, "cpu": cpu}


def measure(exe: Path, rounds: int, samples: int, seed: int, processes: int = 1) -> list:
    """rounds x processes x workloads x builds processes; data[r][workload][build][measure]
    = [ms], the passes' samples one after the other (`samples / processes` each)."""
    rng = random.Random(seed)
    data = []
    t0 = time.time()
    for r in range(rounds):
        cur = {w: {} for w in WORKLOADS}
        for _ in range(processes):
            jobs = [(w, b) for w in WORKLOADS for b in BUILDS]
            rng.shuffle(jobs)
            for w, b in jobs:
                got = run_build(exe, w, b, samples // processes)
                into = cur[w].setdefault(b, {m: [] for m in MEASURES})
                for m in MEASURES:
                    into[m] += got[m]
        data.append(cur)
        print(f"  round {r + 1}/{rounds} ({time.time() - t0:.0f}s)", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return data


def snapshot(rnd: dict, build: str, samples: bool, tag: str, part: tuple = (0, 1)) -> dict:
    """The metrics file of one run; `part` = (pass, passes) takes one pass's samples."""
    metrics, info = {}, {}
    for w in WORKLOADS:
        for m in MEASURES:
            times = pass_samples(rnd[w][build][m], part)
            key = f"{w}_{m}_ms"
            metrics[key] = round(statistics.median(times), 6)
            mi = {"unit": "ms", "direction": "lower_is_better"}
            if samples == "range":
                mi["min"], mi["max"] = round(min(times), 6), round(max(times), 6)
            elif samples:
                mi["samples"] = [round(t, 6) for t in times]
            info[f"custom.{key}"] = mi
    return {
        "schema_version": 1,
        "metadata": {"commit": tag, "branch": "main", "environment": "ci",
                     "timestamp": "2026-01-01T00:00:00+00:00", "run_id": tag, "tags": {}},
        "metrics": {"custom": metrics},
        "metric_info": info,
    }


def pass_files(work: Path, rnd: dict, build: str, samples, tag: str, passes: int,
               of: int | None = None) -> list:
    """Writes a run's metrics files, one per pass (the first `passes` of the round's `of`);
    returns their `-m` arguments."""
    args = []
    for p in range(passes):
        f = work / f"{tag}-{p}.json"
        f.write_text(json.dumps(snapshot(rnd, build, samples, tag, (p, of or passes))))
        args += ["-m", str(f)]
    return args


def stored(flameiq: str, work: Path, rnd: dict, tag: str, passes: int) -> dict:
    """Build "a" of a round as the store keeps it: one snapshot, or with several passes
    the one `flameiq run --repetitions` writes (as `baseline set --repetitions` stores)."""
    if passes == 1:
        return snapshot(rnd, "a", True, tag)
    out = work / f"{tag}.json"
    args = [flameiq, "run", *pass_files(work, rnd, "a", True, tag, passes), "--repetitions",
            "-o", str(out)]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"flameiq run failed ({p.returncode}): {p.stderr}")
    return json.loads(out.read_text())


def as_mode(snap: dict, samples) -> dict:
    """A stored run as a mode's runs carry it: samples, values only, or min and max."""
    snap = json.loads(json.dumps(snap))
    for mi in snap.get("metric_info", {}).values():
        times = mi.get("samples", [])
        if samples is not True:
            mi.pop("samples", None)
        if samples == "range" and times:
            mi["min"], mi["max"] = min(times), max(times)
    return snap


def judge(flameiq: str, work: Path, mode: str, data: list, r: int, build: str,
          history: list, passes: int, first_pass: list) -> tuple:
    """A PR run's diffs in one mode, and whether it was re-run; `first_pass` is the history
    of the first passes alone, which the confirm modes store."""
    cfg, samples, source = MODES[mode]
    if source in ("first", "confirm"):
        once = judge_once(flameiq, work, cfg, samples, "store", data, r, build, first_pass,
                          1, passes)
        if source == "first" or not any(d["status"] == "REGRESSION" for d in once):
            return once, False
        return judge_once(flameiq, work, cfg, samples, "store", data, r, build, first_pass,
                          passes, passes), True
    return judge_once(flameiq, work, cfg, samples, source, data, r, build, history, passes,
                      passes), False


def judge_once(flameiq: str, work: Path, cfg: str, samples, source: str, data: list, r: int,
               build: str, history: list, passes: int, of: int) -> list:
    """One `flameiq compare` of round r's build, its first `passes` passes of `of`."""
    (work / "flameiq.yaml").write_text(cfg)
    # The PR run carries samples unless the mode's runs carry only their range.
    cur = "range" if samples == "range" else True
    args = [flameiq, "--config", str(work / "flameiq.yaml"), "compare",
            *pass_files(work, data[r], build, cur, f"pr{r}", passes, of), "--json",
            "--no-fail-on-regression"]
    if passes > 1:
        args.append("--repetitions")
    if source == "store":
        base = work / "store" / "baselines"
        if base.exists():
            shutil.rmtree(base)
        base.mkdir(parents=True)
        snaps = [as_mode(history[i], samples) for i in range(r - HISTORY, r)]
        (base / "history.jsonl").write_text("".join(json.dumps(s) + "\n" for s in snaps))
        (base / "current.json").write_text(json.dumps(snaps[-1], indent=2))
        args += ["--dir", str(work / "store")]
    else:
        (work / "b.json").write_text(json.dumps(history[r]))
        args += ["--baseline", str(work / "b.json")]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"flameiq failed ({p.returncode}): {p.stderr}")
    return json.loads(p.stdout)["diffs"]


def hindsight(data: list) -> list:
    """The reference a gate cannot have: per workload and measure, the smallest fixed
    threshold that leaves at most 1 % of the cross-job A/A changes above it (the change of
    a PR run's best sample against the median best sample of the 20 rounds before it,
    knowing all of them in advance), and the share of slowed runs beyond it."""
    rows = []
    for w in WORKLOADS:
        for m in MEASURES:
            aa, ab = cross_job_changes(data, w, m, HISTORY)
            if not aa:
                continue
            q, caught = hindsight_band(aa, ab)
            rows.append(f"| {w} | {m} | {q * 100:.1f} % | {caught[10]:.1f} % | {caught[20]:.1f} % |")
    return rows


def noise(data: list) -> list:
    return [f"| {w} | {m} | {noise_cells([rnd[w]['a'][m] for rnd in data], minima=True)} |"
            for w in WORKLOADS for m in MEASURES]


def main() -> None:
    ap = parser(__doc__, rounds=100, seed=14)
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--processes", type=int, default=1,
                    help="run each job's suite this many times over, --samples / N samples "
                    "per process, and pool the passes with `flameiq --repetitions`")
    ap.add_argument("--trials", help="write every verdict here, one JSON object per line "
                    "(mode, round, build, and the diff as `flameiq compare --json` gave it)")
    ap.add_argument("--mode", action="append", help="judge only this mode (repeatable; "
                    "default all)")
    a = parse_args(ap, outputs=("out", "trials"))
    if a.mode and not set(a.mode) <= set(MODES):
        fail(f"--mode {sorted(set(a.mode) - set(MODES))[0]}: not one of: "
             + ", ".join(MODES))
    if a.processes < 1 or a.samples % a.processes:
        fail(f"--processes {a.processes}: must be at least 1 and divide --samples "
             f"({a.samples})")
    started = time.time()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        if a.saved is not None:
            try:
                data, meta = a.saved["data"], a.saved["meta"]
            except (KeyError, TypeError):
                fail(f"--measurements {a.measurements}: not a file of this script "
                     "(no \"data\" and \"meta\")")
        else:
            exe = build(d)
            print(f"measuring {a.rounds} rounds ...", file=sys.stderr)
            t = time.time()
            data = measure(exe, a.rounds, a.samples, a.seed, a.processes)
            meta = {"load_start": load_start, "load_end": os.getloadavg(),
                    "seconds": round(time.time() - t), "samples": a.samples,
                    "processes": a.processes,
                    "uptime": subprocess.run(["uptime"], capture_output=True,
                                             text=True).stdout.strip()}
            if a.measurements:
                save_measurements(a.measurements, {"data": data, "meta": meta})
        counts = {(m, w, x): {s: {"n": 0, "reg": 0} for s in [0] + SLOWDOWNS}
                  for m in MODES for w in WORKLOADS for x in MEASURES}
        kinds = {}
        reruns = {}  # (mode, slowdown) -> [PR runs, of them re-run]
        work = d / "work"
        work.mkdir()
        t0 = time.time()
        passes = meta.get("processes", 1)
        history = [stored(a.flameiq, work, rnd, f"main{i}", passes)
                   for i, rnd in enumerate(data)]
        first_pass = [snapshot(rnd, "a", True, f"main{i}", (0, passes))
                      for i, rnd in enumerate(data)]
        modes = [m for m in MODES if (MODES[m][2] not in ("confirm", "first") or passes > 1)
                 and (not a.mode or m in a.mode)]
        trials = open(a.trials, "w") if a.trials else None
        for mode in modes:
            source = MODES[mode][2]
            first = 0 if source == "job" else HISTORY
            for r in range(first, len(data)):
                for b in BUILDS:
                    if b == "a" and source == "job":
                        continue  # the baseline itself
                    s = slowdown_of(b)
                    diffs, rerun = judge(a.flameiq, work, mode, data, r, b, history,
                                         passes, first_pass)
                    rr = reruns.setdefault((mode, s), [0, 0])
                    rr[0] += 1
                    rr[1] += rerun
                    for diff in diffs:
                        key, st = diff["metric_key"], diff["status"]
                        kind, thr = diff.get("threshold_kind"), diff["threshold_percent"]
                        if trials is not None:
                            trials.write(json.dumps({"mode": mode, "round": r, "build": b,
                                                     "diff": diff}, sort_keys=True) + "\n")
                        w, x = key.split(".")[1].split("_")[:2]
                        c = counts[(mode, w, x)][s]
                        c["n"] += 1
                        c["reg"] += st == "REGRESSION"
                        if s == 0:
                            kinds.setdefault((mode, w, x), []).append((kind, thr))
            print(f"  judged {mode} ({time.time() - t0:.0f}s)", file=sys.stderr)
        if trials is not None:
            trials.close()

    def pct(c):
        return f"{c['reg'] / c['n'] * 100:.1f} % ({c['reg']}/{c['n']})" if c["n"] else "-"

    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    n_rounds = len(data)
    lines = [
        f"Machine: {cpu}, {os.cpu_count()} logical CPUs, {platform.system()} "
        f"{platform.release()}; measuring took {meta['seconds']} s, load average "
        f"{meta['load_start'][0]:.1f} at the start and {meta['load_end'][0]:.1f} at the end "
        f"(`uptime` then: `{meta['uptime']}`).",
        "",
        (f"{n_rounds} rounds (jobs); per round and workload 6 processes in random order "
         f"(unchanged twice, +2/+5/+10/+20 % iterations), each 1 warmup + "
         f"{meta['samples']} in-process samples; seed {a.seed}. "
         if passes == 1 else
         f"{n_rounds} rounds (jobs); per round the suite run {passes} times over, each time "
         f"per workload 6 processes in random order (unchanged twice, +2/+5/+10/+20 % "
         f"iterations), each 1 warmup + {meta['samples'] // passes} in-process samples, "
         f"the {passes} passes pooled with `--repetitions`; seed {a.seed}. ")
        + f"Cross-job: {n_rounds - HISTORY} PR runs per build, each against the {HISTORY} "
        f"rounds before it; same-job: {n_rounds} per build. Judging took "
        f"{time.time() - t0:.0f} s.",
        "",
        "Noise of the unchanged build (per workload):",
        "",
        "| workload | measure | median | within-run CV | between-job CV of medians "
        "| between-job CV of minima | max/min median |",
        "|---|---|---|---|---|---|---|",
        *noise(data),
        "",
        "Hindsight reference (no gate can know it): the smallest fixed threshold on the best "
        "sample that leaves at most 1 % of the cross-job A/A changes above it, and what it "
        "would catch:",
        "",
        "| workload | measure | threshold | +10 % caught | +20 % caught |",
        "|---|---|---|---|---|",
        *hindsight(data),
    ]
    for x, title in (("cpu", "CPU time"), ("wall", "wall-clock time")):
        for w in WORKLOADS:
            lines += [
                "",
                f"Verdicts on **{title}**, workload **{w}**:",
                "",
                "| mode | false alarms (A/A) | +2 % | +5 % | +10 % | +20 % | median band (A/A) |",
                "|---|---|---|---|---|---|---|",
            ]
            for m in modes:
                c = counts[(m, w, x)]
                ks = kinds.get((m, w, x), [])
                band = statistics.median(t for _, t in ks) if ks else float("nan")
                fb = sum(k == "auto-fallback" for k, _ in ks)
                extra = f" ({fb} fallback)" if fb else ""
                lines.append(f"| {m} | {pct(c[0])} | {pct(c[2])} | {pct(c[5])} | "
                             f"{pct(c[10])} | {pct(c[20])} | {band:.1f} %{extra} |")
    confirm = [m for m in modes if MODES[m][2] == "confirm"]
    if confirm:
        lines += ["", "PR runs whose first pass failed and whose suite was run a second "
                  "time (the cost of the re-run, all workloads and measures of a run):", "",
                  "| mode | A/A | +2 % | +5 % | +10 % | +20 % |", "|---|---|---|---|---|---|"]
        for m in confirm:
            cells = []
            for s in [0] + SLOWDOWNS:
                n, k = reruns.get((m, s), [0, 0])
                cells.append(f"{k / n * 100:.1f} % ({k}/{n})" if n else "-")
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    if a.out:
        Path(a.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
