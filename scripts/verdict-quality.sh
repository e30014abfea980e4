#!/usr/bin/env bash
# Verdict-quality benchmark (issue 5): real noisy timings (wall clock and CPU time) of real
# commands (sha256sum, sort, gzip), A/A pairs and A/B pairs with injected 2/5/10/20 % slowdowns, judged by the real
# `flameiq compare` in each mode (fixed 10 %, statistics, auto bands). Prints a Markdown
# table; docs/verdict-quality.md holds a committed run.
#
#   scripts/verdict-quality.sh                      # ~3-4 minutes on 2 busy cores
#   scripts/verdict-quality.sh --out results.md --measurements raw.json
#
# Needs python3 (standard library only), coreutils and gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --quiet --bin flameiq
bin="${CARGO_TARGET_DIR:-target}/debug/flameiq"
if [ "${1:-}" = "--real" ]; then
    # Issue 14: real slowdowns of a compiled workload (scripts/verdict-quality-real.py).
    shift
    exec python3 scripts/verdict-quality-real.py --flameiq "$bin" "$@"
fi
exec python3 scripts/verdict-quality.py --flameiq "$bin" "$@"
