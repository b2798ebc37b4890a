#!/bin/bash
# Build a Python package: a wheel and a source distribution, offline.
set -eu
mkdir -p calc/src/calc
cat > calc/pyproject.toml <<'TOML'
[build-system]
requires = ["setuptools", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "calc"
version = "0.1"
TOML
printf 'def add(a: int, b: int) -> int:\n    return a + b\n' > calc/src/calc/__init__.py
cd calc
/usr/bin/python3 -m pip wheel -q --no-deps --no-index --no-build-isolation -w dist .
/usr/bin/python3 -c "import setuptools.build_meta as b; print(b.build_sdist('dist'))"
ls dist
