#!/usr/bin/env bash
# Builds the FlameIQ runtime image for real and runs it the way its users do:
#   1. the GitHub runner (Docker container action): workspace mounted at /github/workspace,
#      INPUT_* variables with hyphenated names (INPUT_GITHUB-TOKEN, INPUT_FAIL-ON-REGRESSION),
#      GITHUB_* variables, the event payload and the summary/output files in mounted
#      folders, no arguments (entrypoint -> `flameiq ci`) — a push and a pull request;
#   2. GitLab / Jenkins / CircleCI: a shell script in the image (`sh -c 'flameiq compare ...'`).
#
# No base image can be pulled here (no registry is reachable), so the image is assembled
# FROM scratch out of files (Dockerfile.runtime): the static musl binary, Debian's
# bash-static and busybox-static, the CA bundle and entrypoint.sh — the same layout as the
# last stage of ./Dockerfile. podman runs as root with the vfs storage driver, chroot
# isolation, runc and cgroupfs, and with no network.
#
# Idempotent: installs only what is missing. Prints the image size.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-unknown-linux-musl
IMAGE=localhost/flameiq:image-test
LIMIT=25000000
# A test token: it must never appear in anything the container prints or writes.
TOKEN="ghs_imagetestTOKEN0123456789abcdef"

step() { printf '\n== image-test: %s\n' "$*"; }
fail() { printf 'image-test: FAIL: %s\n' "$*" >&2; exit 1; }

step "install (only what is missing)"
missing=()
for p in musl-tools podman buildah runc bash-static busybox-static ca-certificates; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET"

step "static binary"
cargo build --release --locked --target "$TARGET"
bin="${CARGO_TARGET_DIR:-target}/$TARGET/release/flameiq"
# glibc's ldd says "not a dynamic executable" (exit 1) or "statically linked" (exit 0).
linkage="$(ldd "$bin" 2>&1 || true)"
echo "$linkage"
grep -qE 'statically linked|not a dynamic executable' <<<"$linkage" || fail "$bin is dynamically linked"
ls -l "$bin"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
podman=(podman --storage-driver vfs --runtime runc --cgroup-manager cgroupfs)
# runc may not raise limits here (no CAP_SYS_RESOURCE over the sandbox's hard limits):
# podman's default nofile/nproc fail with "error setting rlimit type 7/6: operation not
# permitted", so the containers get explicit, lower ones.
limits=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

step "assemble the runtime file system (as the 'files' stage of ./Dockerfile)"
root="$work/context/rootfs"
mkdir -p "$root/bin" "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/tmp"
chmod 1777 "$root/tmp"
install -m 0755 "$bin" "$root/usr/local/bin/flameiq"
install -m 0755 entrypoint.sh "$root/entrypoint.sh"
install -m 0755 /bin/bash-static "$root/bin/bash"
install -m 0755 /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do
  [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
cp Dockerfile.runtime "$work/context/Dockerfile"

step "build the image (FROM scratch, nothing pulled)"
"${podman[@]}" build --isolation=chroot --pull=never -t "$IMAGE" -f "$work/context/Dockerfile" "$work/context"
size="$("${podman[@]}" image inspect --format '{{.Size}}' "$IMAGE")"
echo "image size: $size bytes ($((size / 1024 / 1024)) MiB; limit $LIMIT bytes)"
[ "$size" -lt "$LIMIT" ] || fail "image is $size bytes, over $LIMIT"

# ---- the GitHub runner's layout: workspace, _github_workflow (event), _runner_file_commands
ws="$work/runner/work/widgets/widgets"
wf="$work/runner/work/_temp/_github_workflow"
fc="$work/runner/work/_temp/_runner_file_commands"
home="$work/runner/work/_temp/_github_home"
mkdir -p "$ws" "$wf" "$fc" "$home"
cp examples/baseline.json examples/current.json "$ws/"

# Real payloads (octokit/webhooks), re-pointed at acme/widgets: a push to main, PR 7.
python3 - "$wf" <<'PY'
import json, sys
out = sys.argv[1]
def repoint(r, full):
    owner, name = full.split("/")
    r.update(full_name=full, name=name, default_branch="main")
    r["owner"]["login"] = owner
push = json.load(open("tests/fixtures/github-events/push.payload.json"))
push["ref"] = "refs/heads/main"
push["after"] = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
repoint(push["repository"], "acme/widgets")
json.dump(push, open(f"{out}/push.json", "w"), indent=2)
pr = json.load(open("tests/fixtures/github-events/pull_request.synchronize.payload.json"))
pr["number"] = pr["pull_request"]["number"] = 7
for r in (pr["repository"], pr["pull_request"]["base"]["repo"], pr["pull_request"]["head"]["repo"]):
    repoint(r, "acme/widgets")
json.dump(pr, open(f"{out}/pull_request.json", "w"), indent=2)
PY

# run_action NAME EVENT REF [extra -e args...]: runs the container as the runner does.
run_action() {
  local name="$1" event="$2" ref="$3"
  shift 3
  : >"$fc/step_summary_$name"
  : >"$fc/set_output_$name"
  set +e
  "${podman[@]}" run --rm --network none "${limits[@]}" \
    --workdir /github/workspace \
    -v "$home:/github/home" -v "$wf:/github/workflow" \
    -v "$fc:/github/file_commands" -v "$ws:/github/workspace" \
    -e HOME=/github/home -e CI=true -e GITHUB_ACTIONS=true \
    -e "GITHUB_EVENT_NAME=$event" -e "GITHUB_EVENT_PATH=/github/workflow/$event.json" \
    -e "GITHUB_REF=$ref" -e GITHUB_REPOSITORY=acme/widgets -e GITHUB_REPOSITORY_OWNER=acme \
    -e GITHUB_RUN_ID=4242 -e GITHUB_SERVER_URL=https://github.com \
    -e GITHUB_API_URL=https://api.github.com -e GITHUB_SHA=6113728f27ae82c7b1a177c8d03f9e96e0adf246 \
    -e GITHUB_WORKSPACE=/github/workspace \
    -e "GITHUB_STEP_SUMMARY=/github/file_commands/step_summary_$name" \
    -e "GITHUB_OUTPUT=/github/file_commands/set_output_$name" \
    -e RUNNER_OS=Linux -e FLAMEIQ_HTTP_RETRY_BASE_MS=10 \
    -e INPUT_PROVIDER=auto -e INPUT_MODE=auto -e INPUT_THRESHOLDS= -e INPUT_CONFIG= \
    -e INPUT_ENVIRONMENT= -e INPUT_DIR=.flameiq -e INPUT_COMMENT=always \
    -e INPUT_SUMMARY=true -e INPUT_REPORT=.flameiq/report.html -e INPUT_ANNOTATIONS=true \
    -e "INPUT_GITHUB-TOKEN=$TOKEN" \
    "$@" "$IMAGE" >"$work/$name.out" 2>"$work/$name.err"
  code=$?
  set -e
  echo "-- $name: exit $code"
  sed 's/^/   stdout| /' "$work/$name.out"
  sed 's/^/   stderr| /' "$work/$name.err"
  echo "   outputs:"
  sed 's/^/   | /' "$fc/set_output_$name"
  if grep -q "$TOKEN" "$work/$name.out" "$work/$name.err" "$fc/step_summary_$name" "$fc/set_output_$name"; then
    fail "$name: the token was printed"
  fi
}
output() { grep "^$2=" "$fc/set_output_$1" | tail -n1 | cut -d= -f2-; }

step "GitHub Action: push to the default branch -> baseline"
run_action push push refs/heads/main -e INPUT_METRICS=baseline.json -e "INPUT_FAIL-ON-REGRESSION=true"
[ "$code" -eq 0 ] || fail "push: exit $code"
[ "$(output push status)" = baseline ] || fail "push: status output"
[ -s "$ws/.flameiq/baselines/current.json" ] || fail "push: no baseline stored"
grep -q "baseline recorded" "$fc/step_summary_push" || fail "push: summary"

step "GitHub Action: pull request -> compare, exit 1, comment attempted (no network: a warning)"
run_action pr pull_request refs/pull/7/merge -e INPUT_METRICS=current.json -e "INPUT_FAIL-ON-REGRESSION=true" -e GITHUB_HEAD_REF=changes
[ "$code" -eq 1 ] || fail "pr: exit $code, expected 1"
[ "$(output pr status)" = regression ] || fail "pr: status output"
[ "$(output pr regressions)" = 1 ] || fail "pr: regressions output"
[ -s "$ws/.flameiq/result.json" ] && [ -s "$ws/.flameiq/report.html" ] || fail "pr: result/report"
grep -q "1 of 9 metrics regressed, 1 improved" "$fc/step_summary_pr" || fail "pr: summary"
grep -q '^::error title=FlameIQ regression%3A latency.p95::' "$work/pr.out" || fail "pr: annotation"
grep -q '^::warning title=FlameIQ comment::could not comment on PR #7' "$work/pr.out" || fail "pr: comment warning"
if grep -qi "native root" "$work/pr.out"; then fail "pr: no CA certificates in the image"; fi

step "GitHub Action: the hyphenated input reaches flameiq (fail-on-regression: false -> exit 0)"
run_action pr-nofail pull_request refs/pull/7/merge -e INPUT_METRICS=current.json -e "INPUT_FAIL-ON-REGRESSION=false" -e INPUT_COMMENT=never -e GITHUB_HEAD_REF=changes
[ "$code" -eq 0 ] || fail "INPUT_FAIL-ON-REGRESSION was lost (exit $code): is the entrypoint bash?"

step "GitLab / Jenkins / CircleCI: a shell script in the image"
set +e
"${podman[@]}" run --rm --network none "${limits[@]}" -v "$ws:/builds/acme/widgets" \
  -w /builds/acme/widgets --entrypoint /bin/sh "$IMAGE" \
  -c 'flameiq --version && flameiq compare --baseline baseline.json --metrics current.json --output gitlab-result.json'
code=$?
set -e
echo "-- gitlab: exit $code"
[ "$code" -eq 1 ] || fail "sh -c 'flameiq compare ...': exit $code, expected 1"
[ -s "$ws/gitlab-result.json" ] || fail "gitlab: no result file"

step "docker run <image> <args>: the entrypoint passes arguments to flameiq"
"${podman[@]}" run --rm --network none "${limits[@]}" "$IMAGE" --version

echo
echo "image-test: OK (image $size bytes)"
