#!/usr/bin/env bash
# Set up the machine (scripts/setup.sh) and run the whole test suite, eBPF tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check tracee_py tests benchmarks
.venv/bin/mypy tracee_py
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
