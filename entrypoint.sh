#!/bin/bash
# Entry point of the FlameIQ image: one image for the GitHub Action, GitLab CI, Jenkins,
# CircleCI and `docker run`, with no entrypoint override anywhere.
#
#   no argument                   -> `flameiq ci` (the GitHub Action: it reads INPUT_*)
#   a flameiq subcommand or option -> `flameiq <arguments>` (`docker run <image> compare ...`,
#                                    the Action's `args: ci ...`)
#   anything else                 -> exec it as given: GitLab's docker executor starts the
#                                    job's shell (`sh -c ...`), Jenkins' docker.image().inside
#                                    keeps the container alive with `cat`, and `/bin/bash`,
#                                    `sh`, `env` ... run as in any image
#
# It must be bash: the runner passes inputs as INPUT_GITHUB-TOKEN, INPUT_FAIL-ON-REGRESSION,
# ... and dash and busybox sh silently drop such hyphenated names from the environment
# before exec, so the token and those inputs would never reach flameiq. bash keeps them.
if [ "$#" -eq 0 ]; then
  exec flameiq ci
fi
case "$1" in
  # Keep in step with `flameiq --help` (tests/help.rs checks the list).
  init | baseline | compare | report | validate | run | ci | comment | changes | store | dashboard | help | -*)
    exec flameiq "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
