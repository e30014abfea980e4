"""Runs Apache Otava 0.8's change-point detection on series read from stdin.

Input: {"series": [[...], ...], "window": 50, "max_pvalue": 0.001, "min_magnitude": 0.0}
Output: one list per series of {"index", "p_value", "before", "after"}.
Used by tests/changes.rs (the differential test); needs `pip install apache-otava==0.8.0`.
"""
import json
import sys

from otava.analysis import compute_change_points

doc = json.load(sys.stdin)
out = []
for series in doc["series"]:
    cps, _ = compute_change_points(
        list(series["values"]),
        window_len=series["window"],
        max_pvalue=series["max_pvalue"],
        min_magnitude=series["min_magnitude"],
    )
    out.append(
        [
            {
                "index": int(c.index),
                "p_value": float(c.stats.pvalue),
                "before": float(c.stats.mean_1),
                "after": float(c.stats.mean_2),
            }
            for c in cps
        ]
    )
json.dump(out, sys.stdout)
