# syntax=docker/dockerfile:1
#
# tracee-py recorder image: runs `tracee-py record` on any node kernel with BTF and BPF
# ring buffers (5.8+), whether or not a headers package for that exact kernel exists.
#
#   docker build -t tracee-py:0.1.0 .
#   docker run --rm --privileged --pid=host \
#     -v /sys/kernel/tracing:/sys/kernel/tracing -v /sys/fs/cgroup:/sys/fs/cgroup:ro \
#     -v /var/lib/tracee-py:/var/lib/tracee-py tracee-py:0.1.0 --max-size 20G
#
# Why it looks like this:
# - Debian's python3 is the interpreter: bcc's Python bindings come from Debian
#   (python3-bpfcc, built for Debian's python3.11); they are not on PyPI.
# - bcc compiles the BPF programs at start with its own embedded clang (libclang-cpp14,
#   libllvm14: most of the image); no gcc, make or kbuild is installed.
# - bcc needs kernel headers. The image carries the newest Debian headers package, split
#   into -common and -<arch> halves under /usr/src; the recorder merges the node's own
#   package (its /usr/src mounted under $TRACEE_PY_HOST_ROOT, see the DaemonSet) or else
#   this one into $TRACEE_PY_CACHE and compiles against them (our programs read kernel
#   structs only at offsets from the node's BTF, so any recent headers will do). The headers
#   packages are unpacked, not installed: installing them would pull gcc-12 through
#   linux-compiler-gcc-12-*, which bcc never uses.
# - Base images are pinned to a Debian point release; pin the digest in CI as well
#   (docker buildx imagetools inspect debian:12.11-slim) so rebuilds are reproducible.

ARG DEBIAN_RELEASE=12.11

# -- kernel headers: downloaded and unpacked as an unprivileged user ---------------------
FROM debian:12.11-slim AS headers
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ARG TARGETARCH=amd64
# apt-get update needs root; nothing else in this stage does.
RUN apt-get update \
    && useradd --create-home --uid 10001 --user-group builder
USER 10001:10001
WORKDIR /home/builder
# linux-headers-<arch> is a metapackage naming the current linux-headers-<ver>-<arch>,
# which in turn names its -common half. Superseded kernel versions leave the Debian
# mirror, so the version is resolved at build time rather than pinned here.
RUN meta="linux-headers-${TARGETARCH}" \
    && hdr="$(apt-cache depends --no-recommends --no-suggests "$meta" \
        | awk '/Depends: linux-headers-/ {print $2; exit}')" \
    && common="$(apt-cache depends "$hdr" | awk '/Depends: linux-headers-.*-common/ {print $2; exit}')" \
    && test -n "$hdr" && test -n "$common" \
    && apt-get download "$hdr" "$common" \
    && mkdir out \
    && for deb in ./*.deb; do dpkg-deb -x "$deb" out; done \
    && karch="$(case "$TARGETARCH" in amd64) echo x86;; arm64) echo arm64;; *) echo "$TARGETARCH";; esac)" \
    && find out/usr/src/*-common/arch -mindepth 1 -maxdepth 1 ! -name "$karch" -exec rm -rf {} + \
    && rm -rf out/lib \
    && du -sh out/usr/src/*

# -- the Python environment: built as an unprivileged user --------------------------------
FROM debian:12.11-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3=3.11.2-1+b1 python3-venv=3.11.2-1+b1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --user-group builder \
    && install -d -o 10001 -g 10001 /opt/tracee-py /src
USER 10001:10001
WORKDIR /src
# --system-site-packages: the venv sees Debian's bcc module in the runtime image.
# Dependencies go first (a layer that survives source edits), pinned to tested versions.
RUN python3 -m venv --system-site-packages /opt/tracee-py/venv \
    && /opt/tracee-py/venv/bin/pip install --no-cache-dir \
        click==8.5.1 \
        duckdb==2.0.1 \
        kubernetes==37.0.2 \
        numpy==2.4.6 \
        pyarrow==26.0.1 \
        pyyaml==6.0.4 \
        rich==15.0.0 \
        typer==0.29.2
COPY --chown=10001:10001 pyproject.toml ./
COPY --chown=10001:10001 tracee_py ./tracee_py
COPY --chown=10001:10001 scripts/constraints.txt ./
# Anything pyproject.toml adds later still gets installed, at the versions the tests ran
# with (constraints.txt); pip check catches conflicts.
RUN /opt/tracee-py/venv/bin/pip install --no-cache-dir -c constraints.txt /src \
    && /opt/tracee-py/venv/bin/pip check

# -- runtime ------------------------------------------------------------------------------
FROM debian:12.11-slim
ARG DEBIAN_RELEASE
LABEL org.opencontainers.image.title="tracee-py" \
      org.opencontainers.image.description="Forensic flight recorder for Linux and Kubernetes nodes (eBPF into Parquet)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/debian:${DEBIAN_RELEASE}-slim"
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        python3=3.11.2-1+b1 \
        python3-bpfcc=0.26.0+ds-1 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=headers /home/builder/out/usr/src/ /usr/src/
COPY --from=build /opt/tracee-py/venv /opt/tracee-py/venv
COPY bpf/ /opt/tracee-py/bpf/
ENV PATH=/opt/tracee-py/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TRACEE_PY_BPF_DIR=/opt/tracee-py/bpf \
    TRACEE_PY_CACHE=/var/cache/tracee-py \
    TRACEE_PY_DATA=/var/lib/tracee-py
# Loading BPF programs and attaching them to tracepoints needs CAP_BPF and CAP_PERFMON
# (CAP_SYS_ADMIN before 5.8), and reading /proc/<pid>/exe of every process needs
# CAP_SYS_PTRACE. Kubernetes and Docker grant added capabilities to uid 0 only (there are
# no ambient capabilities for a non-root user), so the recorder runs as root; the
# DaemonSet drops every other capability (examples/kubernetes/daemonset.yaml).
# hadolint ignore=DL3002
USER 0:0
VOLUME ["/var/lib/tracee-py"]
# Healthy while the process that wrote the ready file (after every probe was attached)
# is alive. The first start compiles the probes, hence the long start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["/bin/sh", "-c", "read -r pid < /run/tracee-py/ready && grep -qa tracee-py /proc/$pid/cmdline"]
ENTRYPOINT ["tracee-py", "record"]
CMD ["--ready-file", "/run/tracee-py/ready", "--quiet"]
