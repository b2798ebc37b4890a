"""Workloads for bench_capture.py: the open loop, a small C project and a small pytest suite.

Everything is generated into a scratch directory; nothing here touches the repository.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
OPENLOOP_SOURCE = HERE / "openloop.c"


@dataclass
class LoopRun:
    pid: int
    opens: int
    wall: float  # seconds, the loop's own measure
    cpu: float  # the loop's user + system seconds

    @property
    def rate(self) -> float:
        return self.opens / self.wall

    @property
    def rate_per_cpu(self) -> float:
        return self.opens / self.cpu


def build_openloop(workdir: Path) -> Path:
    """Compile openloop.c with gcc -O2 (gcc is `apt-get install gcc`).

    Linked statically: the dynamic loader's own opens (ld.so.cache, libc) would otherwise
    be file_open events of the loop too, and the counts below are exact.
    """
    if shutil.which("gcc") is None:
        raise SystemExit("gcc not found: apt-get install -y gcc")
    exe = workdir / "openloop"
    cmd = ["gcc", "-O2", "-Wall", "-static", "-o", str(exe), str(OPENLOOP_SOURCE)]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        cmd.remove("-static")  # no static libc installed: the counts still hold per path
        subprocess.run(cmd, check=True)
    return exe


def parse_loop(line: str) -> LoopRun:
    pid, opens, wall, cpu = line.split()
    return LoopRun(int(pid), int(opens), float(wall), float(cpu))


def run_loop(exe: Path, path: Path, seconds: float, max_opens: int = -1, rate: int = 0) -> LoopRun:
    out = subprocess.run(
        [str(exe), str(path), str(seconds), str(max_opens), str(rate)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return parse_loop(out)


def run_loops_parallel(
    exe: Path, path: Path, procs: int, opens_each: int
) -> tuple[list[LoopRun], float]:
    """``procs`` loops at once, each making exactly ``opens_each`` opens; (runs, wall)."""
    t0 = time.monotonic()
    children = [
        subprocess.Popen(
            [str(exe), str(path), "0", str(opens_each)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(procs)
    ]
    runs = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode != 0:
            raise SystemExit(f"openloop failed with {child.returncode}")
        runs.append(parse_loop(out))
    return runs, time.monotonic() - t0


# -- a small C project -----------------------------------------------------------------------

_MAKEFILE = """\
SRCS := $(sort $(wildcard src/*.c))
OBJS := $(patsubst src/%.c,build/%.o,$(SRCS))
CFLAGS := -O2 -Wall -Iinclude

app: $(OBJS)
\t$(CC) -o $@ $^ -lm

build/%.o: src/%.c include/proj.h | build
\t$(CC) $(CFLAGS) -c -o $@ $<

build:
\tmkdir -p build

clean:
\trm -rf build app
"""


def make_c_project(root: Path, files: int = 20) -> Path:
    """``files`` translation units with some real code each, a header and a Makefile."""
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "include").mkdir(exist_ok=True)
    decls = "\n".join(f"double unit{i}(int n);" for i in range(files))
    (root / "include" / "proj.h").write_text(
        f"#ifndef PROJ_H\n#define PROJ_H\n#include <stddef.h>\n{decls}\n#endif\n"
    )
    for i in range(files):
        (root / "src" / f"unit{i}.c").write_text(
            f"""#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proj.h"

struct item{i} {{ int key; double value; char name[32]; }};

static int cmp{i}(const void *a, const void *b) {{
    const struct item{i} *x = a, *y = b;
    return (x->value > y->value) - (x->value < y->value);
}}

double unit{i}(int n) {{
    struct item{i} *items = calloc((size_t)n, sizeof *items);
    double total = 0;
    for (int k = 0; k < n; k++) {{
        items[k].key = k;
        items[k].value = sin(k * {i + 1}.0) * cos(k);
        snprintf(items[k].name, sizeof items[k].name, "item-%d-%d", {i}, k);
    }}
    qsort(items, (size_t)n, sizeof *items, cmp{i});
    for (int k = 0; k < n; k++)
        total += items[k].value * (double)strlen(items[k].name);
    free(items);
    return total;
}}
"""
        )
    calls = " + ".join(f"unit{i}(100)" for i in range(files))
    (root / "src" / "main.c").write_text(
        f'#include <stdio.h>\n#include "proj.h"\n'
        f'int main(void) {{ printf("%f\\n", {calls}); return 0; }}\n'
    )
    (root / "Makefile").write_text(_MAKEFILE)
    return root


@dataclass
class JobRun:
    wall: float  # seconds
    cpu: float  # user + system seconds of the job's processes (waited-for descendants)


class _Timed:
    """Wall time and children's CPU time of what runs inside the block."""

    def __enter__(self) -> _Timed:
        self.t0, self.c0 = time.monotonic(), _children_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.monotonic() - self.t0, _children_cpu() - self.c0


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def build_c_project(root: Path, jobs: int = 2, repeat: int = 3) -> JobRun:
    """``repeat`` times: ``make clean`` (not measured), then ``make -jJOBS`` (one build is
    short; a few make a steadier measurement)."""
    wall = cpu = 0.0
    for _ in range(repeat):
        subprocess.run(["make", "-s", "-C", str(root), "clean"], check=True)
        with _Timed() as t:
            subprocess.run(["make", "-s", "-C", str(root), f"-j{jobs}"], check=True)
        wall, cpu = wall + t.wall, cpu + t.cpu
    return JobRun(wall, cpu)


# -- a small pytest suite ----------------------------------------------------------------------

_TEST_MODULE = """\
import json
import subprocess
import sys

import pytest


@pytest.mark.parametrize("n", range(20))
def test_files_{m}(tmp_path, n):
    p = tmp_path / f"data-{{n}}.json"
    p.write_text(json.dumps({{"n": n, "items": list(range(n * 10))}}))
    assert json.loads(p.read_text())["n"] == n
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x").write_text("x")
    assert sorted(q.name for q in tmp_path.iterdir()) == sorted([p.name, "sub"])


@pytest.mark.parametrize("n", range(10))
def test_compute_{m}(n):
    assert sum(i * i for i in range(2000 + n)) > 0


def test_subprocess_{m}():
    out = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True)
    assert out.stdout.strip() == "42"
"""


def make_pytest_suite(root: Path, modules: int = 10) -> Path:
    """``modules`` test modules of 31 tests each: files, a little CPU, one subprocess."""
    root.mkdir(parents=True, exist_ok=True)
    for m in range(modules):
        (root / f"test_bench_{m}.py").write_text(_TEST_MODULE.format(m=m))
    return root


def run_pytest_suite(root: Path) -> JobRun:
    """Run the suite with this Python (pytest is in the venv)."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    cmd += ["--rootdir", str(root), "--basetemp", str(root / ".tmp"), str(root)]
    with _Timed() as t:
        subprocess.run(cmd, check=True, capture_output=True, cwd=root)
    return JobRun(t.wall, t.cpu)
