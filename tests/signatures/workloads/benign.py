"""A benign build for the end-to-end test: install a local wheel with pip, compile a C file
with gcc and run it, run a small pytest suite. Run under ``tracee-py record -- python3
benign.py WORK``; nothing leaves WORK and nothing touches the network.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile

work = sys.argv[1]

# A tiny wheel, built by hand: a zip with the dist-info files pip needs.
name, version = "tracee_demo", "1.0"
wheel = os.path.join(work, f"{name}-{version}-py3-none-any.whl")
files = {
    f"{name}/__init__.py": b"def hello():\n    return 'hello'\n",
    f"{name}-{version}.dist-info/METADATA": (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    ),
    f"{name}-{version}.dist-info/WHEEL": (
        b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ),
}


def record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}\n"


record = "".join(record_line(p, d) for p, d in files.items())
record += f"{name}-{version}.dist-info/RECORD,,\n"
with zipfile.ZipFile(wheel, "w") as z:
    for path, data in files.items():
        z.writestr(path, data)
    z.writestr(f"{name}-{version}.dist-info/RECORD", record)
site = os.path.join(work, "site")
subprocess.run(
    [
        sys.executable,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-index",
        "--no-deps",
        "--disable-pip-version-check",
        "--target",
        site,
        wheel,
    ],
    check=True,
)

# Compile a C program and run it.
source = os.path.join(work, "hello.c")
with open(source, "w") as f:
    f.write('#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n')
program = os.path.join(work, "hello")
subprocess.run(["gcc", "-O1", "-o", program, source], check=True)
subprocess.run([program], check=True, stdout=subprocess.DEVNULL)

# A small test suite using the installed package.
tests = os.path.join(work, "tests")
os.makedirs(tests, exist_ok=True)
with open(os.path.join(tests, "test_demo.py"), "w") as f:
    f.write(
        f"import sys\nsys.path.insert(0, {site!r})\nimport tracee_demo\n\n"
        "def test_hello():\n    assert tracee_demo.hello() == 'hello'\n"
    )
subprocess.run(
    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", tests],
    check=True,
    cwd=work,
    stdout=subprocess.DEVNULL,
)
