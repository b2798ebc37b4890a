#!/bin/bash
# Make a virtual environment and pip install a local package into it (offline), then use it.
set -eu
mkdir -p greet/src/greet
cat > greet/pyproject.toml <<'TOML'
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "greet"
version = "1.0"

[project.scripts]
greet = "greet:main"
TOML
printf 'def main() -> None:\n    print("hello from greet")\n' > greet/src/greet/__init__.py
/usr/bin/python3 -m venv --system-site-packages venv
venv/bin/pip install -q --no-index --no-build-isolation ./greet
venv/bin/greet
venv/bin/python -c "import greet; print(greet.__file__)"
