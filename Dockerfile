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
#
# Multi-arch (issue 18): `docker buildx build --platform linux/amd64,linux/arm64` makes one
# manifest list. Nothing runs under emulation: the build and files stages run on the
# builder's own platform ($BUILDPLATFORM); the build stage cross-compiles the static musl
# binary for $TARGETARCH (Debian's gcc-aarch64-linux-gnu drives ring's C code and the link
# for arm64), and the files stage unpacks bash-static and busybox-static of $TARGETARCH
# with dpkg-deb instead of installing them (their applet list is the same on every arch).

# ---- build: pinned toolchain, lockfile enforced, static binary
FROM --platform=$BUILDPLATFORM rust:1.95.0-slim-bookworm AS build
ARG TARGETARCH
ARG BUILDARCH
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools gcc-aarch64-linux-gnu libc6-dev-arm64-cross file \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add x86_64-unknown-linux-musl aarch64-unknown-linux-musl
ENV CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc \
    CC_aarch64_unknown_linux_musl=aarch64-linux-gnu-gcc \
    AR_aarch64_unknown_linux_musl=aarch64-linux-gnu-ar
WORKDIR /src
COPY . .
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN case "$TARGETARCH" in \
      amd64) target=x86_64-unknown-linux-musl ;; \
      arm64) target=aarch64-unknown-linux-musl ;; \
      *) echo "unsupported TARGETARCH $TARGETARCH" >&2; exit 1 ;; \
    esac \
 && cargo build --release --locked --target "$target" \
 && cp "target/$target/release/flameiq" /flameiq \
 && file /flameiq | grep -E 'statically linked|static-pie linked' \
 && if [ "$TARGETARCH" = "$BUILDARCH" ]; then /flameiq --version; fi

# ---- files: everything the runtime needs, laid out as its root file system
FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS files
ARG TARGETARCH
# hadolint ignore=DL3008
RUN dpkg --add-architecture "$TARGETARCH" \
 && apt-get update \
 && apt-get install -y --no-install-recommends busybox-static ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /pkg
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get download "bash-static:$TARGETARCH" "busybox-static:$TARGETARCH" \
 && for d in ./*.deb; do dpkg-deb -x "$d" /pkg/root; done \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /
COPY --from=build /flameiq /out/usr/local/bin/flameiq
COPY entrypoint.sh /out/entrypoint.sh
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN mkdir -p /out/bin /out/etc/ssl/certs /out/tmp \
 && chmod 1777 /out/tmp \
 && cp /pkg/root/bin/bash-static /out/bin/bash \
 && cp /pkg/root/bin/busybox /out/bin/busybox \
 && for a in $(/bin/busybox --list); do [ -e "/out/bin/$a" ] || ln -s busybox "/out/bin/$a"; done \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ca-certificates.crt \
 && chmod 0755 /out/entrypoint.sh /out/usr/local/bin/flameiq

# ---- runtime
FROM scratch
COPY --from=files /out/ /
ENV PATH=/usr/local/bin:/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/entrypoint.sh"]
