"""Run procedure scripts one after another, each in its own throwaway mount namespace.

Usage: ``python runner.py SCRIPT...`` (under ``tracee-py record -- ...``). Each script runs as
``unshare --mount --propagation private bash run-one.sh SCRIPT`` (see run-one.sh); the last
line of stdout is a JSON list with, per script, its path, the runner's child pid and the exit
code, for the tests to find each procedure's process tree in the recording.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUN_ONE = HERE / "run-one.sh"
TIMEOUT_S = 180


def run(script: Path) -> dict[str, object]:
    command = ["unshare", "--mount", "--propagation", "private", "bash", str(RUN_ONE), str(script)]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        err += f"\n(killed after {TIMEOUT_S} s)"
    return {
        "script": str(script),
        "pid": proc.pid,
        "returncode": proc.returncode,
        "stdout": out[-2000:],
        "stderr": err[-2000:],
    }


def main(paths: list[str]) -> int:
    results = [run(Path(p).resolve()) for p in paths]
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
