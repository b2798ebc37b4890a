"""The open loop on Debian 12's own kernels: syscall tracepoints vs fentry/fexit, one run.

Run as root from the repository root (boots each kernel of tests/kernels/guest.py under
QEMU emulation, a few minutes each):

    .venv/bin/python benchmarks/bench_kernels.py                # every kernel of the matrix
    .venv/bin/python benchmarks/bench_kernels.py --kernel debian-6.12 --seconds 5

Inside each guest, the open/close loop of bench_capture.py runs untraced, under
`record --hooks tracepoint` and under `record --hooks fast`, interleaved (untraced before
and after each recording), and with auditd and one openat rule as the peer. Every figure is
a ratio of opens per CPU-second of the loop, traced over untraced, measured in the same
guest run. Emulation (TCG, no KVM) slows everything by a large and uneven factor, so only
these ratios mean anything; absolute rates are not reported. Each recording must hold every
open the loop made and lose none.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import capture_workloads as wl  # noqa: E402

RESULT_MARK = "BENCH-KERNELS-RESULT "


def _median_rate(runs: list[wl.LoopRun]) -> float:
    return statistics.median(r.rate_per_cpu for r in runs)


def _auditd_runs(exe: Path, target: Path, seconds: float, runs: int) -> list[wl.LoopRun] | str:
    """The loop under auditd with one openat rule; a reason string when auditd cannot run."""
    if shutil.which("auditd") is None or shutil.which("auditctl") is None:
        return "auditd not installed (apt-get install auditd)"
    conf = Path(tempfile.mkdtemp(prefix="auditd-"))
    (conf / "auditd.conf").write_text(
        f"log_file = {conf}/audit.log\nlog_format = RAW\nflush = INCREMENTAL_ASYNC\n"
        "freq = 50\nmax_log_file = 1024\nmax_log_file_action = ROTATE\n"
        "space_left = 10\nadmin_space_left = 5\ndisk_full_action = SUSPEND\n"
    )
    daemon = subprocess.Popen(["auditd", "-n", "-c", str(conf)], stderr=subprocess.PIPE)
    time.sleep(2)
    if daemon.poll() is not None:
        return (
            f"auditd did not start: {daemon.stderr.read().decode()[-200:] if daemon.stderr else ''}"
        )
    try:
        subprocess.run(["auditctl", "-D"], check=True, capture_output=True)
        subprocess.run(
            ["auditctl", "-a", "always,exit", "-F", "arch=b64", "-S", "openat", "-k", "bench"],
            check=True,
            capture_output=True,
        )
        return [wl.run_loop(exe, target, seconds) for _ in range(runs)]
    finally:
        subprocess.run(["auditctl", "-D"], capture_output=True)
        daemon.terminate()
        daemon.wait(timeout=60)
        shutil.rmtree(conf, ignore_errors=True)


def in_guest(seconds: float, runs: int) -> dict[str, object]:
    from bench_capture import recording

    work = Path(tempfile.mkdtemp(prefix="bench-kernels-"))
    exe = wl.build_openloop(work)
    target = work / "open-target.txt"
    target.write_text("x\n")
    wl.run_loop(exe, target, 1)  # warm up
    untraced: list[wl.LoopRun] = []
    out: dict[str, object] = {"kernel": subprocess.check_output(["uname", "-r"], text=True).strip()}
    for hooks in ("tracepoint", "fast"):
        untraced += [wl.run_loop(exe, target, seconds) for _ in range(runs)]
        with recording(work / f"rec-{hooks}", ["--hooks", hooks]) as rec:
            traced = [wl.run_loop(exe, target, seconds) for _ in range(runs)]
        missing = sum(r.opens - rec.opens_of(r.pid, target) for r in traced)
        chosen = rec.sql(
            "SELECT detail FROM stats WHERE metric = 'capability' AND kind = 'syscall_hooks'"
        )
        out[hooks] = {
            "rate_ratio_per_cpu": None,  # filled below, against every untraced run
            "_rate": _median_rate(traced),
            "opens": sum(r.opens for r in traced),
            "missing_in_parquet": missing,
            "lost": rec.lost(),
            "hooks_recorded": chosen[0][0] if chosen else None,
        }
    untraced += [wl.run_loop(exe, target, seconds) for _ in range(runs)]
    audited = _auditd_runs(exe, target, seconds, runs)
    base = _median_rate(untraced)
    for hooks in ("tracepoint", "fast"):
        entry = out[hooks]
        assert isinstance(entry, dict)
        entry["rate_ratio_per_cpu"] = round(entry.pop("_rate") / base, 3)
    out["auditd"] = (
        audited
        if isinstance(audited, str)
        else {"rate_ratio_per_cpu": round(_median_rate(audited) / base, 3)}
    )
    return out


def on_host(kernels: list[str], seconds: float, runs: int) -> int:
    from tests.kernels.guest import KERNELS, find_kernel, run_in_guest

    names = kernels or sorted(KERNELS)
    results = []
    for name in names:
        kernel = find_kernel(KERNELS[name])
        print(f"== {name}: {kernel.name} (emulated, a few minutes)", file=sys.stderr, flush=True)
        cmd = (
            f"cd {shlex.quote(str(ROOT))} && export PYTHONDONTWRITEBYTECODE=1 && "
            f"{shlex.quote(sys.executable)} benchmarks/bench_kernels.py --in-guest "
            f"--seconds {seconds} --runs {runs}"
        )
        out = Path(tempfile.mkdtemp(prefix="bench-kernels-out-"))
        run = run_in_guest(kernel, cmd, out, cpus=2)
        lines = [ln for ln in run.output.splitlines() if ln.startswith(RESULT_MARK)]
        if not lines:
            print(run.output[-3000:], file=sys.stderr)
            return 1
        results.append(json.loads(lines[-1][len(RESULT_MARK) :]))
    print("\nopen loop, opens per CPU-second of the loop, traced / untraced (emulated guests):")
    print(f"{'kernel':28} {'tracepoints':>12} {'fentry/fexit':>13} {'auditd':>8}  complete")
    for r in results:
        tp, fast, audit = r["tracepoint"], r["fast"], r["auditd"]
        audit_ratio = audit["rate_ratio_per_cpu"] if isinstance(audit, dict) else "n/a"
        complete = all(x["missing_in_parquet"] == 0 and x["lost"] == 0 for x in (tp, fast))
        print(
            f"{r['kernel']:28} {tp['rate_ratio_per_cpu']:>12} {fast['rate_ratio_per_cpu']:>13} "
            f"{audit_ratio:>8}  {'every open, 0 lost' if complete else 'INCOMPLETE'}"
        )
        if fast["hooks_recorded"] != "fast":
            print(f"  note: the fast recording used {fast['hooks_recorded']} hooks")
        if isinstance(audit, str):
            print(f"  auditd: {audit}")
    print(json.dumps(results))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--kernel", action="append", default=[], help="a name from tests/kernels")
    ap.add_argument("--seconds", type=float, default=5.0, help="length of one loop run")
    ap.add_argument("--runs", type=int, default=3, help="loop runs per condition")
    ap.add_argument("--in-guest", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.in_guest:
        print(RESULT_MARK + json.dumps(in_guest(args.seconds, args.runs)), flush=True)
        return 0
    return on_host(args.kernel, args.seconds, args.runs)


if __name__ == "__main__":
    raise SystemExit(main())
