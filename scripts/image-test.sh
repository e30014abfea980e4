#!/usr/bin/env bash
# Builds the FlameIQ runtime image for real and runs it the way its users do:
#   1. the GitHub runner (Docker container action): workspace mounted at /github/workspace,
#      INPUT_* variables with hyphenated names (INPUT_GITHUB-TOKEN, INPUT_FAIL-ON-REGRESSION),
#      GITHUB_* variables, the event payload and the summary/output files in mounted
#      folders, no arguments (entrypoint -> `flameiq ci`) — a push and a pull request;
#   2. GitLab / Jenkins / CircleCI exactly as each starts a job container, with the image's
#      own entrypoint (no override anywhere, issue 11):
#      - GitLab's docker executor: the image's entrypoint with the runner's shell-detection
#        command (`sh -c 'if [ -x /bin/bash ]; then exec /bin/bash ...'`), the job script on
#        stdin;
#      - Jenkins' docker.image().inside: `docker run -t -d ... <image> cat` (cat keeps the
#        container alive), then every `sh` step through `docker exec`;
#      - CircleCI: the container kept alive by a shell, each step through
#        `docker exec ... /bin/sh -eo pipefail -c '...'`;
#   3. `docker run <image> --version` / `compare ...`: flameiq subcommands and options.
#
# No base image can be pulled here (no registry is reachable), so the image is assembled
# FROM scratch out of files (Dockerfile.runtime): the static musl binary, Debian's
# bash-static and busybox-static, the CA bundle and entrypoint.sh — the same layout as the
# last stage of ./Dockerfile. podman runs as root with the vfs storage driver, chroot
# isolation, runc and cgroupfs, and with no network.
#
# FLAMEIQ_IMAGE_ARCH=arm64 (issue 18) builds and runs the linux/arm64 image instead: the
# aarch64 musl binary (cross-compiled as in scripts/multiarch-test.sh), Debian's arm64
# bash-static and busybox-static (downloaded and unpacked, not installed), `podman build
# --arch arm64`, and every container run under qemu-user-static through binfmt_misc (the
# qemu-aarch64 handler is registered with the F flag when missing, so it works inside the
# containers' root).
#
# Idempotent: installs only what is missing. Prints the image size.
set -euo pipefail
cd "$(dirname "$0")/.."

ARCH="${FLAMEIQ_IMAGE_ARCH:-amd64}"
case "$ARCH" in
  amd64) TARGET=x86_64-unknown-linux-musl ;;
  arm64) TARGET=aarch64-unknown-linux-musl ;;
  *) echo "image-test: FLAMEIQ_IMAGE_ARCH must be amd64 or arm64, not '$ARCH'" >&2; exit 2 ;;
esac
IMAGE="localhost/flameiq:image-test-$ARCH"
LIMIT=25000000
# A test token: it must never appear in anything the container prints or writes.
TOKEN="ghs_imagetestTOKEN0123456789abcdef"

step() { printf '\n== image-test: %s\n' "$*"; }
fail() { printf 'image-test: FAIL: %s\n' "$*" >&2; exit 1; }

step "install (only what is missing)"
missing=()
packages=(musl-tools podman buildah runc bash-static busybox-static ca-certificates)
[ "$ARCH" = amd64 ] || packages+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET"

# bash and busybox of the image's architecture: the host's for amd64; for arm64 Debian's
# arm64 packages, downloaded into a cache and unpacked (not installed).
static_root=/
if [ "$ARCH" != amd64 ]; then
  static_root="${XDG_CACHE_HOME:-$HOME/.cache}/flameiq-ci/static-$ARCH"
  if [ ! -x "$static_root/bin/bash-static" ] || [ ! -x "$static_root/bin/busybox" ]; then
    dpkg --print-foreign-architectures | grep -qx "$ARCH" || dpkg --add-architecture "$ARCH"
    apt-get update -qq
    debs="$(mktemp -d)"
    (cd "$debs" && apt-get download -qq "bash-static:$ARCH" "busybox-static:$ARCH")
    for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$static_root"; done
    rm -rf "$debs"
  fi
  # Containers of another architecture run through qemu-user-static's binfmt handler; F
  # (fix binary) opens the emulator now, so it works inside the container's root too.
  binfmt=/proc/sys/fs/binfmt_misc
  [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt"
  if [ ! -e "$binfmt/qemu-aarch64" ]; then
    printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F' >"$binfmt/register"
  fi
  head -n 1 "$binfmt/qemu-aarch64"
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc
  export CC_aarch64_unknown_linux_musl=aarch64-linux-gnu-gcc
  export AR_aarch64_unknown_linux_musl=aarch64-linux-gnu-ar
fi

step "static binary ($TARGET)"
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
# Every build and run of this image's architecture (a no-op on amd64).
arch=(--arch "$ARCH")
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
install -m 0755 "$static_root/bin/bash-static" "$root/bin/bash"
install -m 0755 "$static_root/bin/busybox" "$root/bin/busybox"
# The host's busybox lists the applets (the same package version on every architecture).
for a in $(/bin/busybox --list); do
  [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
cp Dockerfile.runtime "$work/context/Dockerfile"

step "build the image (FROM scratch, nothing pulled)"
"${podman[@]}" build "${arch[@]}" --isolation=chroot --pull=never -t "$IMAGE" -f "$work/context/Dockerfile" "$work/context"
built_arch="$("${podman[@]}" image inspect --format '{{.Architecture}}' "$IMAGE")"
[ "$built_arch" = "$ARCH" ] || fail "the image is $built_arch, not $ARCH"
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
    -e INPUT_SUMMARY=true -e INPUT_REPORT=flameiq-report.html -e INPUT_ANNOTATIONS=true \
    -e "INPUT_ACCEPT-LABEL=flameiq:accept" -e "INPUT_GITHUB-TOKEN=$TOKEN" \
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
[ -s "$ws/.flameiq/result.json" ] && [ -s "$ws/flameiq-report.html" ] || fail "pr: result/report"
grep -q "1 of 9 metrics regressed, 1 improved" "$fc/step_summary_pr" || fail "pr: summary"
grep -q '^::error title=FlameIQ regression%3A latency.p95::' "$work/pr.out" || fail "pr: annotation"
grep -q '^::warning title=FlameIQ comment::could not comment on PR #7' "$work/pr.out" || fail "pr: comment warning"
if grep -qi "native root" "$work/pr.out"; then fail "pr: no CA certificates in the image"; fi

step "GitHub Action: the hyphenated input reaches flameiq (fail-on-regression: false -> exit 0)"
run_action pr-nofail pull_request refs/pull/7/merge -e INPUT_METRICS=current.json -e "INPUT_FAIL-ON-REGRESSION=false" -e INPUT_COMMENT=never -e GITHUB_HEAD_REF=changes
[ "$code" -eq 0 ] || fail "INPUT_FAIL-ON-REGRESSION was lost (exit $code): is the entrypoint bash?"

ci_ws="$work/ci-ws"
mkdir -p "$ci_ws"
cp examples/baseline.json examples/current.json "$ci_ws/"

step "GitLab docker executor: entrypoint kept, the runner's shell detection, the job on stdin"
# What gitlab-runner's docker executor starts (its shell-detection command), job script on stdin.
detect='if [ -x /usr/local/bin/bash ]; then exec /usr/local/bin/bash; elif [ -x /usr/bin/bash ]; then exec /usr/bin/bash; elif [ -x /bin/bash ]; then exec /bin/bash; elif [ -x /usr/local/bin/sh ]; then exec /usr/local/bin/sh; elif [ -x /usr/bin/sh ]; then exec /usr/bin/sh; elif [ -x /bin/sh ]; then exec /bin/sh; else echo shell not found; exit 1; fi'
gitlab_job() {
  "${podman[@]}" run --rm -i --network none "${limits[@]}" -v "$ci_ws:/builds/acme/widgets" \
    -w /builds/acme/widgets -e GITLAB_CI=true -e CI=true -e CI_DEFAULT_BRANCH=main \
    -e CI_PROJECT_ID=42 -e CI_PROJECT_PATH=acme/widgets -e CI_API_V4_URL=http://127.0.0.1:9/api/v4 \
    -e CI_COMMIT_SHA=1f2e3d4c5b6a79881726354453627180a9b8c7d6 "$@" "$IMAGE" sh -c "$detect"
}
set +e
gitlab_job -e CI_PIPELINE_SOURCE=push -e CI_COMMIT_BRANCH=main \
  <<<'set -eo pipefail; flameiq --version; flameiq ci --metrics baseline.json --dir gitlab-store'
code=$?
set -e
echo "-- gitlab default branch: exit $code"
[ "$code" -eq 0 ] || fail "gitlab: the default-branch job exited $code"
[ -s "$ci_ws/gitlab-store/baselines/current.json" ] || fail "gitlab: no baseline stored"
set +e
gitlab_job -e CI_PIPELINE_SOURCE=merge_request_event -e CI_MERGE_REQUEST_IID=5 \
  -e CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=changes -e CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main \
  <<<'set -eo pipefail; flameiq ci --metrics current.json --dir gitlab-store --comment never --report gitlab-report.html --junit gitlab-junit.xml'
code=$?
set -e
echo "-- gitlab merge request: exit $code"
[ "$code" -eq 1 ] || fail "gitlab: the MR job exited $code, expected 1"
[ -s "$ci_ws/gitlab-junit.xml" ] && [ -s "$ci_ws/gitlab-report.html" ] || fail "gitlab: no JUnit/report"
grep -q '"branch": "changes"' "$ci_ws/gitlab-store/result.json" || fail "gitlab: the MR's branch was not recorded"

# keep_alive NAME CMD...: starts a detached job container the way the CI does; prints its id.
keep_alive() {
  local name="$1"
  shift
  "${podman[@]}" run -d --name "flameiq-image-test-$name" --network none "${limits[@]}" \
    -v "$ci_ws:/ws" -w /ws "$@"
}
running() { [ "$("${podman[@]}" inspect --format '{{.State.Running}}' "$1")" = true ]; }
stop() { "${podman[@]}" rm -f -t 0 "$1" >/dev/null; }

step "Jenkins docker.image().inside: docker run -t -d <image> cat, then docker exec"
"${podman[@]}" rm -f flameiq-image-test-jenkins >/dev/null 2>&1 || true
jid="$(keep_alive jenkins -t -e JENKINS_URL=https://ci.example.com/ "$IMAGE" cat)"
sleep 1
running "$jid" || { "${podman[@]}" logs "$jid" || true; stop "$jid"; fail "jenkins: the container did not stay up on 'cat'"; }
set +e
"${podman[@]}" exec -e JENKINS_URL=https://ci.example.com/ -e BRANCH_NAME=master -e FLAMEIQ_DEFAULT_BRANCH=master \
  -e GIT_COMMIT=5c1a2b3c4d5e6f708192a3b4c5d6e7f801234567 "$jid" \
  sh -c 'flameiq ci --metrics baseline.json --dir jenkins-store'
c1=$?
"${podman[@]}" exec -e JENKINS_URL=https://ci.example.com/ -e BRANCH_NAME=PR-7 -e CHANGE_ID=7 \
  -e CHANGE_BRANCH=changes -e CHANGE_TARGET=master -e FLAMEIQ_DEFAULT_BRANCH=master "$jid" \
  sh -c 'flameiq ci --metrics current.json --dir jenkins-store --comment never --report jenkins-report.html --junit jenkins-junit.xml'
c2=$?
set -e
stop "$jid"
echo "-- jenkins: master exit $c1, PR exit $c2"
[ "$c1" -eq 0 ] || fail "jenkins: the master build exited $c1 (FLAMEIQ_DEFAULT_BRANCH=master)"
[ "$c2" -eq 1 ] || fail "jenkins: the PR build exited $c2, expected 1"
[ -s "$ci_ws/jenkins-junit.xml" ] || fail "jenkins: no JUnit file"

step "CircleCI: a kept-alive container, each step a shell through docker exec"
"${podman[@]}" rm -f flameiq-image-test-circleci >/dev/null 2>&1 || true
cid="$(keep_alive circleci -i -e CIRCLECI=true "$IMAGE" /bin/sh)"
sleep 1
running "$cid" || { stop "$cid"; fail "circleci: the container did not stay up on /bin/sh"; }
set +e
"${podman[@]}" exec -e CIRCLECI=true -e CIRCLE_BRANCH=main -e CIRCLE_SHA1=7d0c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19081726 "$cid" \
  /bin/sh -eo pipefail -c 'flameiq ci --metrics baseline.json --dir circle-store'
c1=$?
"${podman[@]}" exec -e CIRCLECI=true -e CIRCLE_BRANCH=changes "$cid" \
  /bin/sh -eo pipefail -c 'mkdir -p test-results/flameiq && flameiq ci --metrics current.json --dir circle-store --comment never --report circle-report.html --junit test-results/flameiq/junit.xml'
c2=$?
set -e
stop "$cid"
echo "-- circleci: main exit $c1, branch exit $c2"
[ "$c1" -eq 0 ] || fail "circleci: the main build exited $c1"
[ "$c2" -eq 1 ] || fail "circleci: the branch build exited $c2, expected 1"
[ -s "$ci_ws/test-results/flameiq/junit.xml" ] || fail "circleci: no JUnit file"

step "docker run <image> <args>: the entrypoint passes arguments to flameiq"
"${podman[@]}" run --rm --network none "${limits[@]}" "$IMAGE" --version
set +e
"${podman[@]}" run --rm --network none "${limits[@]}" -v "$ci_ws:/work" -w /work "$IMAGE" \
  compare --baseline baseline.json --metrics current.json --output run-result.json
code=$?
set -e
[ "$code" -eq 1 ] || fail "docker run <image> compare ...: exit $code, expected 1"
[ -s "$ci_ws/run-result.json" ] || fail "docker run <image> compare: no result file"

echo
echo "image-test: OK (linux/$ARCH image $size bytes)"
