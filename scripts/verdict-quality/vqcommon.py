"""What the two verdict-quality scripts share (scripts/verdict-quality.py, injected
slowdowns; scripts/verdict-quality-real.py, real ones): the command line and the noise
table's columns. Standard library only."""

from __future__ import annotations

import argparse
import statistics


def parser(doc: str, rounds: int, seed: int) -> argparse.ArgumentParser:
    """The options both scripts take; each adds its own."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--flameiq", required=True)
    ap.add_argument("--rounds", type=int, default=rounds)
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--measurements", help="reuse (or save to) this measurements JSON")
    ap.add_argument("--out", help="write the Markdown results here (default stdout)")
    return ap


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
