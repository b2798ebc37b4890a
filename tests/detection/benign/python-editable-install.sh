#!/bin/bash
# Develop a package: a virtual environment (sharing the system's pip) and an editable pip
# install (pip writes the .pth file that puts the source tree on the path), then use it.
set -eu
mkdir -p tool/src/tool
cat > tool/pyproject.toml <<'TOML'
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "tool"
version = "0.1"
TOML
printf 'def hello() -> str:\n    return "hello"\n' > tool/src/tool/__init__.py
/usr/bin/python3 -m venv --without-pip --system-site-packages venv
venv/bin/python -m pip install -q --no-index --no-build-isolation -e ./tool
ls venv/lib/python3*/site-packages/*.pth
venv/bin/python -c 'import tool; print(tool.hello())'
