# syntax=docker/dockerfile:1
# The FlameIQ image: the GitHub Action (runs.using: docker) and `docker run <image> compare ...`
# for GitLab, Jenkins and CircleCI. Built and pushed to GHCR by .github/workflows/release.yml.
#
# The runtime image is assembled from files only (FROM scratch): a fully static musl
# binary, a static bash (for the entrypoint: it keeps INPUT_GITHUB-TOKEN and friends that
# dash and busybox sh drop), busybox as /bin/sh and its applets (GitLab, Jenkins and
# CircleCI docker executors run shell scripts in the image), and the CA bundle (the
# client uses native roots). Dockerfile.runtime builds the same runtime stage from a
# pre-built binary without pulling any base image (scripts/image-test.sh).
# No USER and no WORKDIR: the GitHub runner sets the workdir and mounts the workspace.

# ---- build: pinned toolchain, lockfile enforced, static binary
FROM rust:1.95.0-slim-bookworm AS build
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
RUN cargo build --release --locked --target x86_64-unknown-linux-musl \
 && cp target/x86_64-unknown-linux-musl/release/flameiq /flameiq \
 && /flameiq --version

# ---- files: everything the runtime needs, laid out as its root file system
FROM debian:bookworm-slim AS files
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends bash-static busybox-static ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /flameiq /out/usr/local/bin/flameiq
COPY entrypoint.sh /out/entrypoint.sh
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN mkdir -p /out/bin /out/etc/ssl/certs /out/tmp \
 && chmod 1777 /out/tmp \
 && cp /bin/bash-static /out/bin/bash \
 && cp /bin/busybox /out/bin/busybox \
 && for a in $(/bin/busybox --list); do [ -e "/out/bin/$a" ] || ln -s busybox "/out/bin/$a"; done \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ca-certificates.crt \
 && chmod 0755 /out/entrypoint.sh /out/usr/local/bin/flameiq

# ---- runtime
FROM scratch
COPY --from=files /out/ /
ENV PATH=/usr/local/bin:/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/entrypoint.sh"]
