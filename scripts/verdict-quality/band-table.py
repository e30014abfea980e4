#!/usr/bin/env python3
"""Generate `src/compare/band_table.rs`: the calibrated `auto` band's multipliers
(docs/statistics.md, "Calibrated `auto`"), by simulation.

The band for a segment of n run locations (logs) is

    centre = median(x);  s = standard deviation of x without its farthest run from the centre
    band   = multiplier(n, tail) * s

and `multiplier(n, tail)` is the (1 - tail) quantile of (x_next - centre) / s when the n + 1
runs are independent draws of Student's t with 3 degrees of freedom, the heavy-tailed noise
the band promises its rate for. This script draws those runs (numpy's PCG64, fixed seed; the
n + 1 runs of every n are the first columns of one draw, so neighbouring n share noise and the
table is smooth), pools both sides (the estimator is symmetric), makes each tail's column
non-increasing in n (isotonic regression over the simulation noise) and writes the quantiles.
Beyond the last n of the table the Rust code interpolates in 1/n towards the limit
t3_isf(tail) / sqrt(3); below the smallest tail it scales by the t3 quantiles' ratio.

    python3 scripts/verdict-quality/band-table.py [--trials 2000000] [--check]

`--check` reads the table written and draws a second, independent set (another seed), printing the false-alarm rate the
table delivers for several noise shapes (the table in docs/statistics.md).
"""
import argparse
import math
from pathlib import Path

import numpy as np
from scipy import stats

DF = 3
SEED = 20261202
RUNS = list(range(5, 31)) + [35, 40, 50, 60, 80, 100, 150, 200]
TAILS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5]
CHUNK = 50_000
OUT = Path(__file__).resolve().parents[2] / "src" / "compare" / "band_table.rs"


def trimmed_sd(h):
    """Sample standard deviation (ddof 1) of each row without its farthest value from the
    row's median (the first one on a tie, as the Rust code)."""
    c = np.median(h, axis=1, keepdims=True)
    far = np.argmax(np.abs(h - c), axis=1)
    keep = np.ones(h.shape, dtype=bool)
    keep[np.arange(h.shape[0]), far] = False
    k = h[keep].reshape(h.shape[0], h.shape[1] - 1)
    return k.std(axis=1, ddof=1)


def statistic(x, n):
    h = x[:, :n]
    return (x[:, n] - np.median(h, axis=1)) / trimmed_sd(h)


def table(trials):
    rng = np.random.default_rng(SEED)
    z = {n: [] for n in RUNS}
    for _ in range(trials // CHUNK):
        x = rng.standard_t(DF, size=(CHUNK, RUNS[-1] + 1))
        for n in RUNS:
            s = statistic(x, n)
            z[n].append(s)
            z[n].append(-s)
    q = np.array([np.quantile(np.concatenate(z[n]), [1 - t for t in TAILS]) for n in RUNS])
    # The true multiplier falls as n grows; where simulation noise says otherwise, pool the
    # neighbours (isotonic regression, pool-adjacent-violators) instead of keeping a bump.
    for j in range(len(TAILS)):
        q[:, j] = decreasing(q[:, j])
    return {n: q[i] for i, n in enumerate(RUNS)}


def decreasing(v):
    """The least-squares non-increasing fit of `v` (pool adjacent violators)."""
    blocks = []  # [mean, count]
    for x in v:
        blocks.append([x, 1])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
            m2, c2 = blocks.pop()
            m1, c1 = blocks.pop()
            blocks.append([(m1 * c1 + m2 * c2) / (c1 + c2), c1 + c2])
    return np.concatenate([[m] * c for m, c in blocks])


def multiplier(tab, n, tail):
    """What the Rust code computes, for the check (n within the table, tail on the grid)."""
    return tab[n][TAILS.index(tail)]


def read_table():
    """The table as written in `band_table.rs` (for `--check`, without simulating it again)."""
    rows = [line for line in OUT.read_text().splitlines() if line.strip().startswith("[")
            and "// n = " in line]
    tab = {}
    for line in rows:
        cells, n = line.split("// n = ")
        tab[int(n)] = [float(v) for v in cells.strip().strip("[],").split(",")]
    return tab


def check(tab, trials):
    rng = np.random.default_rng(SEED + 1)
    shapes = {
        "normal in logs": lambda size: rng.standard_normal(size),
        "Student t5 in logs": lambda size: rng.standard_t(5, size),
        "Student t4 in logs": lambda size: rng.standard_t(4, size),
        "Student t3 in logs": lambda size: rng.standard_t(3, size),
        "Student t2.5 in logs": lambda size: rng.standard_t(2.5, size),
        "one-sided spikes (5 % of runs, +4 sigma on average)": lambda size: (
            rng.standard_normal(size) + (rng.random(size) < 0.05) * rng.exponential(4.0, size)),
    }
    print("| noise | n = 5 | n = 10 | n = 20 |")
    print("|---|---|---|---|")
    for name, draw in shapes.items():
        cells = []
        for n in (5, 10, 20):
            x = draw((trials, n + 1))
            m = multiplier(tab, n, 0.01)
            cells.append(f"{np.mean(statistic(x, n) > m) * 100:.2f} %")
        print(f"| {name} | " + " | ".join(cells) + " |")


def write(tab, trials):
    rows = []
    for n in RUNS:
        cells = ", ".join(f"{v:.4f}" for v in tab[n])
        rows.append(f"    [{cells}], // n = {n}")
    limit = ", ".join(f"{stats.t.isf(t, DF) / math.sqrt(DF / (DF - 2)):.4f}" for t in TAILS)
    OUT.write_text(f"""//! The calibrated `auto` band's multipliers, generated by
//! `scripts/verdict-quality/band-table.py` ({trials} simulated segments per `n`, seed
//! {SEED}; do not edit by hand). `MULTIPLIER[i][j]` is the `1 - TAILS[j]` quantile of
//! `(x_next - median) / s` for `RUNS[i]` runs of Student's t with {DF} degrees of freedom,
//! `s` being the standard deviation without the run farthest from the median
//! (docs/statistics.md, "Calibrated `auto`").

// Simulated numbers that happen to be near constants such as pi/6 are not those constants.
#![allow(clippy::approx_constant)]

/// The segment lengths the table was simulated for.
#[rustfmt::skip]
pub const RUNS: [usize; {len(RUNS)}] = [{", ".join(map(str, RUNS))}];

/// The one-sided tail probabilities the table was simulated for.
#[rustfmt::skip]
pub const TAILS: [f64; {len(TAILS)}] = [{", ".join(repr(t) for t in TAILS)}];

/// Student's t degrees of freedom of the noise model.
pub const TAIL_DF: f64 = {DF}.0;

/// The band's half-width in units of the trimmed standard deviation, per `RUNS` x `TAILS`.
#[rustfmt::skip]
pub const MULTIPLIER: [[f64; {len(TAILS)}]; {len(RUNS)}] = [
{chr(10).join(rows)}
];

/// `n` to infinity (the limit the code interpolates towards in `1/n`), for the check only:
/// the t quantile in units of its standard deviation.
#[cfg(test)]
#[rustfmt::skip]
pub const LIMIT: [f64; {len(TAILS)}] = [{limit}];
""")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=2_000_000)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if a.check:
        check(read_table(), 400_000)
    else:
        write(table(a.trials), a.trials)
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
