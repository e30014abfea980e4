#!/bin/bash
# Entry point of the FlameIQ image (GitHub Action and `docker run`).
#
# No logic on purpose: with no arguments (the GitHub Action) it runs `flameiq ci`, which
# reads the INPUT_* variables; with arguments (GitLab, Jenkins, CircleCI, `docker run
# <image> compare ...`) it runs `flameiq <arguments>`.
#
# It must be bash: the runner passes inputs as INPUT_GITHUB-TOKEN, INPUT_FAIL-ON-REGRESSION,
# ... and dash and busybox sh silently drop such hyphenated names from the environment
# before exec, so the token and those inputs would never reach flameiq. bash keeps them.
if [ "$#" -eq 0 ]; then
  exec flameiq ci
fi
exec flameiq "$@"
