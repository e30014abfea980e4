"""What the verdict-quality scripts share (scripts/verdict-quality.py, injected
slowdowns; scripts/verdict-quality-real.py, real ones; scripts/verdict-quality/tails.py and
pool.py, which read their outputs): the command line, its checks, reading saved
measurements, the noise table's columns, and the cross-job changes of the raw measurements
with the hindsight band over them. Standard library only."""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import shutil
import statistics
import sys
from pathlib import Path


def parser(doc: str, rounds: int, seed: int) -> argparse.ArgumentParser:
    """The options both scripts take; each adds its own."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--flameiq", required=True)
    ap.add_argument("--rounds", type=int, default=rounds)
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--measurements", help="reuse (or save to) this measurements JSON")
    ap.add_argument("--out", help="write the Markdown results here (default stdout)")
    return ap


def slowdown_of(build: str) -> int:
    """The slowdown in percent a build of scripts/verdict-quality-real.py carries: 0 for the
    unchanged builds `a` and `a2`, x for `sx`."""
    return 0 if build in ("a", "a2") else int(build[1:])


def fail(message: str) -> None:
    """One line on stderr and exit 2, the usage-error code of `flameiq` itself."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def save_measurements(path: str, data) -> None:
    """Write measurements as JSON (gzip-compressed when the name ends in `.gz`, as the
    committed runs in benches/data/verdict-quality/ are). Keys stay in the order they were
    measured in: a round's builds are listed in the order its processes ran."""
    text = json.dumps(data).encode()
    Path(path).write_bytes(gzip.compress(text, 9, mtime=0) if path.endswith(".gz") else text)


def load_measurements(path: Path, label: str) -> dict:
    """A saved measurements file (gzip when the name ends in `.gz`); a file that is not one
    ends the script with one line naming `label` (the option or the path)."""
    try:
        raw = path.read_bytes()
        return json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as e:
        fail(f"{label}: not a saved measurements file ({e})")


def parse_args(ap: argparse.ArgumentParser, outputs: tuple[str, ...] = ("out",)):
    """Parse, then check everything that could fail only after minutes of measuring:
    the binary runs, every output path can be written, a saved measurements file is JSON.
    A run that measured for 15 minutes must not end in a traceback on a typo."""
    a = ap.parse_args()
    exe = a.flameiq
    if not (shutil.which(exe) or (Path(exe).is_file() and os.access(exe, os.X_OK))):
        fail(f"--flameiq {exe}: not an executable file (build it with `cargo build --release`)")
    saved = Path(a.measurements) if a.measurements else None
    if saved is not None and saved.exists():
        a.saved = load_measurements(saved, f"--measurements {saved}")
    else:
        a.saved = None
        if saved is not None:
            outputs = outputs + ("measurements",)
    for name in outputs:
        value = getattr(a, name, None)
        if value is None:
            continue
        path = Path(value)
        folder = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            fail(f"--{name} {path}: is a directory")
        if not folder.is_dir():
            fail(f"--{name} {path}: folder {folder} does not exist")
        if not os.access(path if path.exists() else folder, os.W_OK):
            fail(f"--{name} {path}: not writable")
    return a


def noise_cells(runs: list[list[float]], minima: bool = False) -> str:
    """The noise columns of one measured series (one list of times per round): median of
    the rounds' medians, median within-round CV, between-round CV of the medians (and of
    the minima), and max/min of the medians."""
    meds = [statistics.median(r) for r in runs]
    within = statistics.median(statistics.stdev(r) / statistics.mean(r) for r in runs)
    cells = [f"{statistics.median(meds):.2f} ms", f"{within * 100:.1f} %",
             f"{statistics.stdev(meds) / statistics.mean(meds) * 100:.1f} %"]
    if minima:
        lows = [min(r) for r in runs]
        cells.append(f"{statistics.stdev(lows) / statistics.mean(lows) * 100:.1f} %")
    cells.append(f"{(max(meds) / min(meds) - 1) * 100:.0f} %")
    return " | ".join(cells)


def pass_samples(times: list, part: tuple) -> list:
    """The samples of one pass of a run measured in `part` = (pass, passes) passes: the
    measurements keep a build's samples pass after pass, each pass the same number."""
    k = len(times) // part[1]
    return times[part[0] * k:(part[0] + 1) * k]


def cross_job_changes(data: list, w: str, m: str, history: int,
                      part: tuple | None = None) -> tuple[list, dict]:
    """The changes the gate judges cross-job, from the raw measurements of
    scripts/verdict-quality-real.py: a PR run's location (its best sample; of one pass when
    `part` is given, else of all its samples, the pooled run) against the median location
    of build `a` in the `history` rounds before it. Returns the A/A changes (builds `a` and
    `a2` of every judged round) and the A/B changes of +10 % and +20 %."""
    def loc(times: list) -> float:
        return min(pass_samples(times, part) if part else times)

    hist = [loc(rnd[w]["a"][m]) for rnd in data]
    aa, ab = [], {10: [], 20: []}
    for r in range(history, len(data)):
        centre = statistics.median(hist[r - history:r])
        aa += [loc(data[r][w][b][m]) / centre - 1 for b in ("a", "a2")]
        for s in ab:
            ab[s].append(loc(data[r][w][f"s{s}"][m]) / centre - 1)
    return aa, ab


def hindsight_band(aa: list, ab: dict) -> tuple[float, dict]:
    """The reference no gate can have: the smallest fixed threshold that leaves at most 1 %
    of the A/A changes above it (their 99th percentile, knowing all of them in advance), and
    per slowdown the share in percent of the A/B changes beyond it."""
    q = sorted(aa)[math.ceil(0.99 * len(aa)) - 1]
    return q, {s: sum(x > q for x in ab[s]) / len(ab[s]) * 100 for s in ab}
