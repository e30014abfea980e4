#!/usr/bin/env bash
# Verdict-quality benchmark (issue 5): real noisy timings of real commands with hyperfine,
# A/A pairs and A/B pairs with injected 2/5/10/20 % slowdowns, judged by the real
# `flameiq compare` in each mode (fixed 10 %, statistics, auto bands). Prints a Markdown
# table; docs/verdict-quality.md holds a committed run.
#
#   scripts/verdict-quality.sh                      # ~4 minutes on 2 busy cores
#   scripts/verdict-quality.sh --out results.md --measurements raw.json
#
# Needs hyperfine (Debian: apt-get install -y hyperfine) and python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v hyperfine >/dev/null; then
  echo "error: hyperfine not found; install it with: apt-get install -y hyperfine" >&2
  exit 2
fi
cargo build --locked --quiet --bin flameiq
exec python3 scripts/verdict-quality.py --flameiq target/debug/flameiq "$@"
