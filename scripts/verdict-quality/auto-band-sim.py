#!/usr/bin/env python3
"""Simulated false-alarm rate of the calibrated `auto` band (docs/statistics.md): n runs of
history, the next unchanged run, one-sided rate 0.01, for several noise shapes, with the
band FlameIQ computes (`calibrated_band`: a t5 noise model) and, for comparison, the
normal-noise band FlameIQ used until e2b1a1e (`--normal`). Needs numpy and scipy.

    python3 scripts/verdict-quality/auto-band-sim.py [--trials 200000] [--normal]
"""
import argparse
import math

import numpy as np
from scipy import stats

RATE = 0.01


def multiplier(n, normal):
    """The band's half-width in MADs of the log-locations."""
    nu = max(1.0, 0.3675 * (n - 1))
    centre = math.sqrt(1 + math.pi / (2 * n))
    if normal:  # until e2b1a1e: 1.4826 MAD as sigma, t with the MAD's effective dof
        return 1.482602218505602 * stats.t.isf(RATE, nu) * centre
    model = stats.t.isf(RATE, 5) / stats.t.ppf(0.75, 5)
    return model * stats.t.isf(RATE, nu) / stats.norm.isf(RATE) * centre


def rate(x, n, normal):
    h = np.log(x[:, :n])
    new = np.log(x[:, n])
    m = np.median(h, 1)
    mad = np.median(np.abs(h - m[:, None]), 1)
    half = np.maximum(multiplier(n, normal) * mad, np.log(1.01))
    return float(np.mean(new - m > half))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=200_000)
    ap.add_argument("--normal", action="store_true")
    a = ap.parse_args()
    rng = np.random.default_rng(7)
    shapes = {
        "normal in logs, CV 3 %": lambda sh: np.exp(0.03 * rng.standard_normal(sh)),
        "log-normal, CV 10 %": lambda sh: rng.lognormal(0, 0.1, sh),
        "t5 in logs": lambda sh: np.exp(0.03 * rng.standard_t(5, sh)),
        "t4 in logs": lambda sh: np.exp(0.03 * rng.standard_t(4, sh)),
        "t3 in logs": lambda sh: np.exp(0.03 * rng.standard_t(3, sh)),
        "spikes (5 % of runs +8 %) on 2 % normal": lambda sh: 1 + 0.02 * rng.standard_normal(sh)
        + (rng.random(sh) < 0.05) * rng.exponential(0.08, sh),
    }
    ns = (5, 10, 20)
    print("| noise | " + " | ".join(f"n = {n}" for n in ns) + " |")
    print("|---|" + "---|" * len(ns))
    for name, draw in shapes.items():
        cells = [f"{rate(draw((a.trials, n + 1)), n, a.normal) * 100:.2f} %" for n in ns]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
