#!/usr/bin/env bash
# Peak resident memory of `flameiq run -o` per provider, as a multiple of the input size
# (issue 19 item 9). Generates inputs shaped like the real fixtures, runs the binary under
# /usr/bin/time -v (reading the input and writing its schema v1 document, as CI does) and
# prints "provider  input-MB  peak-RSS-MB  ratio".
#
# Usage: scripts/bench-memory.sh [BINARY] [MB]   (default: target/release/flameiq, 64 MB)
# Budget (docs/performance.md, "Issue 19 item 9"): peak RSS <= 3x the input for the line
# formats (go, cargo-bench, catch2, benchmarkjs) and custom JSON, each read with its
# provider named, go with every benchmark name distinct included. Exits 1 when a ratio is
# over its budget, so it can run as a regression check; about 20-30 s for 32 MB inputs in
# release. Met by the glibc release build and by the static musl build (mimalloc, which
# `run` tells to hold less memory: src/main.rs, docs/performance.md).
set -euo pipefail
bin=${1:-${CARGO_TARGET_DIR:-target}/release/flameiq}
mb=${2:-64}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" "$mb" <<'PY'
import json, sys
d, mb = sys.argv[1], int(sys.argv[2])
target = mb << 20
def gen(name, line):
    with open(f"{d}/{name}", "w") as f:
        n, i = 0, 0
        while n < target:
            s = line(i); f.write(s); n += len(s); i += 1
# -count 10 style: 10 repeats of each benchmark (samples), the usual CI shape.
gen("go.txt", lambda i: f"BenchmarkParse/case_{i // 10}-2   \t   50000\t   {14 + i % 97}.{i % 100} ns/op\t 344.39 MB/s\t  {i % 64} B/op\t   1 allocs/op\n")
# every name distinct: the worst case for the snapshot itself.
gen("go-unique.txt", lambda i: f"BenchmarkParse/case_{i}-2   \t   50000\t   {14 + i % 97}.{i % 100} ns/op\n")
gen("cargo-bench.txt", lambda i: f"test bench_group::case_{i} ... bench:      {1 + i % 90},{i % 1000:03} ns/iter (+/- {i % 755})\n")
gen("benchmarkjs.txt", lambda i: f"JSON.parse case {i} x {1 + i % 991},{i % 1000:03} ops/sec \u00b14.17% (51 runs sampled)\n")
with open(f"{d}/catch2.txt", "w") as f:
    f.write("benchmark name                       samples       iterations    estimated\n"
            "                                     mean          low mean      high mean\n"
            "                                     std dev       low std dev   high std dev\n"
            "-------------------------------------------------------------------------------\n")
    n, i = 0, 0
    while n < target:
        s = (f"to_string {i:<30}                  15          3759    620.235 us \n"
             "                                        6.55433 ns    6.53193 ns    6.64226 ns \n"
             "                                      0.0817728 ns  0.0016447 ns    0.15438 ns \n"
             "                                                                               \n")
        f.write(s); n += len(s); i += 1
# JSON formats.
with open(f"{d}/custom.json", "w") as f:
    f.write("[\n"); n, i = 0, 0
    while n < target:
        s = json.dumps({"name": f"bench {i}", "unit": "ms", "value": 1.5 + i % 7, "range": "+/- 0.1", "extra": "100 samples"}) + ",\n"
        f.write(s); n += len(s); i += 1
    f.write(json.dumps({"name": "last", "unit": "ms", "value": 1}) + "\n]\n")
with open(f"{d}/hyperfine.json", "w") as f:
    f.write('{"results": [\n'); n, i = 0, 0
    while n < target:
        s = json.dumps({"command": f"cmd {i}", "mean": 0.0035, "stddev": 0.001, "median": 0.0038, "min": 0.001, "max": 0.004,
                        "times": [0.001 + r / 1e5 for r in range(40)], "exit_codes": [0] * 40}) + ",\n"
        f.write(s); n += len(s); i += 1
    f.write(json.dumps({"command": "last", "mean": 0.001, "times": [0.001]}) + "\n]}\n")
PY
printf '%-18s %9s %12s %6s %7s\n' provider input-MB peak-RSS-MB ratio budget
over=0
# provider:file:budget ("-": measured, no budget).
for spec in go:go.txt:3 go:go-unique.txt:3 cargo-bench:cargo-bench.txt:3 catch2:catch2.txt:3 \
            benchmarkjs:benchmarkjs.txt:3 custom-smaller-is-better:custom.json:3 hyperfine:hyperfine.json:-; do
  IFS=: read -r provider name budget <<<"$spec"
  file=$dir/$name
  size=$(stat -c %s "$file")
  rss_kb=$(/usr/bin/time -v "$bin" --config "$dir/none.yaml" run -q --provider "$provider" --metrics "$file" -o "$dir/out.json" 2>&1 >/dev/null \
    | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}')
  if [ -z "$rss_kb" ]; then
    echo "bench-memory: no measurement for $name (did '$bin run' fail?)" >&2
    exit 2
  fi
  awk -v p="$name" -v s="$size" -v r="$rss_kb" -v b="$budget" \
    'BEGIN { ratio = r * 1024 / s; printf "%-18s %9.1f %12.1f %6.2f %7s%s\n", p, s / 1048576, r / 1024, ratio, (b == "-" ? "-" : "<= " b), (b != "-" && ratio > b ? "  OVER BUDGET" : ""); exit (b != "-" && ratio > b) }' \
    || over=1
done
exit "$over"
