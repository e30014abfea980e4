"""Times Apache Otava 0.8's compute_change_points on the first N metrics of a history
(oldest first, the series `flameiq changes` reads) and extrapolates to all of them.
Usage: bench-changes-otava.py HISTORY.jsonl N   (see scripts/bench-changes.sh)."""
import json
import sys
import time

from otava.analysis import compute_change_points

path, n = sys.argv[1], int(sys.argv[2])
series, total_keys = {}, 0
with open(path) as f:
    for line in f:
        doc = json.loads(line)
        flat = {}
        for k, v in doc["metrics"].items():
            if isinstance(v, dict):
                for k2, v2 in v.items():
                    flat[f"{k}.{k2}"] = v2
            else:
                flat[k] = v
        total_keys = max(total_keys, len(flat))
        for k in sorted(flat)[:n]:
            series.setdefault(k, []).append(flat[k])
t0, c0 = time.perf_counter(), time.process_time()
found = 0
for k, values in series.items():
    cps, _ = compute_change_points(values, window_len=50, max_pvalue=0.001, min_magnitude=0.0)
    found += len(cps)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
scale = total_keys / len(series)
print(f"otava 0.8: {len(series)} series x {len(next(iter(series.values())))} runs: "
      f"{wall:.2f} s wall, {cpu:.2f} s CPU ({found} change points); "
      f"x{scale:.0f} for all {total_keys} metrics: ~{wall * scale:.0f} s wall, "
      f"~{cpu * scale:.0f} s CPU (detection only, parsing not counted)")
