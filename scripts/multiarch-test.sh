#!/usr/bin/env bash
# The release binaries for both image platforms (issue 18): static musl builds for
# x86_64-unknown-linux-musl and aarch64-unknown-linux-musl, and the arm64 one run here,
# on x86_64, under qemu-user (Debian's qemu-user-static, no binfmt needed: the wrapper
# names the emulator):
#   1. both are static (no ELF interpreter, no NEEDED libraries), of the right machine, and
#      under the size limit of scripts/image-test.sh;
#   2. `flameiq compare` on the same inputs gives byte-identical exit codes, stdout, stderr
#      and result/report/JUnit/Markdown files on x86_64 and on arm64;
#   3. `flameiq ci` against the loopback fake GitHub (comment, check run, outputs,
#      summary, report, store): tests/action.rs
#      issue18_ci_gives_byte_identical_results_on_every_binary with both release binaries,
#      each compared byte for byte with the debug build.
#
# Cross-compiling ring's C code: Debian's gcc-aarch64-linux-gnu as C compiler and linker
# (rustc links musl's own self-contained CRT and libc, so the glibc cross toolchain only
# drives the link). Measured against cargo-zigbuild in docs/performance.md (issue 18).
#
# Idempotent: installs only what is missing; build outputs stay in CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

# The size limit of the image (scripts/image-test.sh): each binary must fit in it alone.
LIMIT=25000000
X86=x86_64-unknown-linux-musl
ARM=aarch64-unknown-linux-musl
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

step() { printf '\n== multiarch: %s\n' "$*"; }
fail() { printf 'multiarch: FAIL: %s\n' "$*" >&2; exit 1; }

step "install (only what is missing)"
missing=()
for p in musl-tools gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static file binutils python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
for t in "$X86" "$ARM"; do
  rustup target list --installed | grep -qx "$t" || rustup target add "$t"
done

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_musl=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_musl=aarch64-linux-gnu-ar

step "build both release binaries"
for t in "$X86" "$ARM"; do
  start=$(date +%s)
  cargo build --release --locked --target "$t"
  echo "build $t: $(($(date +%s) - start)) s"
done
x86="$(realpath "$TARGET_DIR/$X86/release/flameiq")"
arm="$(realpath "$TARGET_DIR/$ARM/release/flameiq")"

step "static, right machine, under $LIMIT bytes"
check_binary() {
  local bin="$1" machine="$2"
  file -b "$bin"
  file -b "$bin" | grep -q "$machine" || fail "$bin is not $machine"
  file -b "$bin" | grep -qE 'statically linked|static-pie linked' || fail "$bin is not static"
  if readelf -lW "$bin" | grep -q 'INTERP'; then fail "$bin asks for an ELF interpreter"; fi
  if readelf -dW "$bin" 2>/dev/null | grep -q '(NEEDED)'; then fail "$bin needs shared libraries"; fi
  local size
  size=$(stat -c %s "$bin")
  echo "$bin: $size bytes (limit $LIMIT)"
  [ "$size" -lt "$LIMIT" ] || fail "$bin is $size bytes, over $LIMIT"
}
check_binary "$x86" 'x86-64'
check_binary "$arm" 'ARM aarch64'

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The arm64 binary under qemu, as one executable path (for scripts and for the tests). bash,
# not sh: dash drops variables whose names have a hyphen (INPUT_GITHUB-TOKEN), bash passes them on.
wrapper="$work/flameiq-arm64"
printf '#!/bin/bash\nexec qemu-aarch64-static %q "$@"\n' "$arm" >"$wrapper"
chmod +x "$wrapper"
"$wrapper" --version

step "flameiq compare: byte-identical on x86_64 and arm64"
# run_in NAME SRC BIN ARGS...: in a fresh copy of the folder SRC, every output kept.
run_in() {
  local name="$1" src="$2" bin="$3"
  shift 3
  local d="$work/$name"
  rm -rf "$d"
  cp -r "$src" "$d"
  (
    cd "$d"
    set +e
    env -u GITHUB_ACTIONS -u GITLAB_CI -u CIRCLECI -u JENKINS_URL NO_COLOR=1 \
      "$bin" "$@" >stdout 2>stderr
    echo "$?" >code
  )
}
# same_on_both PREFIX SRC CASE...: each case (a flameiq command line) on both binaries in
# fresh copies of SRC; the two folders must be identical. Results in $work/x86-PREFIX<n>.
same_on_both() {
  local prefix="$1" src="$2" i=0 c
  shift 2
  for c in "$@"; do
    i=$((i + 1))
    read -r -a args <<<"$c"
    run_in "x86-$prefix$i" "$src" "$x86" "${args[@]}"
    run_in "arm-$prefix$i" "$src" "$wrapper" "${args[@]}"
    if ! diff -r "$work/x86-$prefix$i" "$work/arm-$prefix$i"; then fail "flameiq $c differs between x86_64 and arm64"; fi
    echo "same: flameiq $c (exit $(cat "$work/x86-$prefix$i/code"), $(find "$work/x86-$prefix$i" -type f | wc -l) files)"
  done
}
mkdir -p "$work/examples"
cp examples/baseline.json examples/current.json "$work/examples/"
same_on_both "" "$work/examples" \
  "compare --baseline baseline.json --metrics current.json --output result.json --report report.html --junit junit.xml --markdown summary.md" \
  "compare --baseline baseline.json --metrics current.json --json" \
  "compare --baseline baseline.json --metrics current.json --threshold latency.p95=50% --no-fail-on-regression" \
  "compare --baseline baseline.json --metrics missing.json" \
  "baseline set --metrics baseline.json"
[ "$(cat "$work/x86-1/code")" = 1 ] || fail "the regression case did not exit 1"

step "verdicts read from a history: byte-identical on x86_64 and arm64"
# The float-heavy paths: the calibrated `auto` band (logs, medians, Student's t quantile by
# bisection), the rolling median baseline, and the change-point detector (E-Divisive with
# its t-test), over a generated store of 300 metrics x 40 runs.
hist="$work/history"
mkdir -p "$hist"
python3 scripts/gen-metrics.py store --count 300 --snapshots 40 --seed 18 --spread 0.5 --dir "$hist/.flameiq"
python3 scripts/gen-metrics.py metrics --count 300 --seed 99 --spread 4 --out "$hist/current.json"
printf 'baseline:\n  strategy: rolling_median\n  rolling_window: 5\nthresholds:\n  custom.*: auto\n' >"$hist/flameiq.yaml"
same_on_both h "$hist" \
  "compare --metrics current.json --output result.json --report report.html --markdown summary.md" \
  "changes --json" \
  "changes"
[ "$(cat "$work/x86-h1/code")" = 1 ] || fail "the history regression case did not exit 1"
grep -q '"index"' "$work/x86-h2/stdout" || fail "the history has no change point to compare"

step "flameiq ci against the loopback fake GitHub: byte-identical on the debug build, x86_64 and arm64"
env -u GITHUB_ACTIONS -u GITLAB_CI -u CIRCLECI -u JENKINS_URL \
  FLAMEIQ_OTHER_BINS="$x86:$wrapper" FLAMEIQ_REQUIRE_OTHER_BINS=1 \
  cargo test --locked --test action issue18_ci_gives_byte_identical_results_on_every_binary

echo
echo "multiarch: OK ($(stat -c %s "$x86") and $(stat -c %s "$arm") bytes)"
