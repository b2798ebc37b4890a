#!/usr/bin/env bash
# Set up a fresh Debian 12 machine for tracee-py: system packages (bcc, kernel headers,
# tools), tracefs, and the project's virtual environment in .venv. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "setup needs root (apt-get, mounting tracefs, loading eBPF)" >&2
    exit 1
fi

# Debian's bcc is not on PyPI; the kernel-headers package is what bcc compiles against
# when the running kernel has no matching headers (see docs/capture.md). The kernel matrix
# (tests/kernels) boots Debian 12's own kernels, 6.1 and 6.12, under QEMU emulation: their
# images, their headers (bcc compiles against them inside the guests), QEMU and kmod.
# chromium is the headless browser the report tests open reports in (Playwright drives it;
# it downloads no browser of its own). Java 17 runs Spark (the optional `spark` extra) for
# --engine spark and its tests. cron and git: the benign corpus (tests/detection/benign)
# runs a cron job, does git work and builds a Python wheel offline (python3-wheel); the
# attack procedures (tests/detection/procedures) use auditctl, chattr, setcap, xxd, ssh and
# busybox (its httpd applet is the web server of the web-shell procedure), the static
# build: virtme-ng takes the machine's busybox into the guests' initramfs and refuses to
# boot the kernel matrix with a dynamically linked one.
packages=(python3 python3-venv python3-bpfcc bpftool linux-headers-amd64 gcc make jq strace
          util-linux iproute2 openssl cron git python3-wheel
          auditd e2fsprogs libcap2-bin xxd openssh-client curl zip perl busybox-static
          linux-image-amd64 linux-image-6.12-amd64 linux-headers-6.12-amd64
          qemu-system-x86 kmod chromium openjdk-17-jre-headless)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d /sys/kernel/tracing/events ]; then
    mount -t tracefs nodev /sys/kernel/tracing
fi

# The venv sees Debian's dist-packages so that `import bcc` works.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import bcc" 2>/dev/null; then
    rm -rf .venv
    /usr/bin/python3 -m venv --system-site-packages .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# -c: the versions CI last ran with (scripts/constraints.txt), so pip does not have to search.
.venv/bin/python -m pip install -q -c scripts/constraints.txt -e '.[dev,spark]'
echo "setup done: $(.venv/bin/tracee-py --version)" >&2
