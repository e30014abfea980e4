#!/usr/bin/env bash
# The README's test command: every test FlameIQ has (unit, integration, differential
# against flameiq-core when it is installed, snapshot).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked --all-targets "$@"
