#!/usr/bin/env bash
# The kernel matrix alone: boot each Debian kernel of tests/kernels/guest.py under QEMU
# emulation and run the capture tests marked `kernel_matrix` inside it (CI runs this as
# part of scripts/test.sh). To add a kernel, install its linux-image and linux-headers
# packages and add a line to KERNELS in tests/kernels/guest.py.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -q -p no:cacheprovider tests/kernels "$@"
