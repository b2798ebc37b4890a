"""What the kernel's hooks cost before any program does work: the floor under bench_capture.

Attaches *empty* BPF programs (bcc, each in a fresh process) and measures the open/close
loop of ``openloop.c`` with each, against the same loop with nothing attached, in one run:

``syscalls_pair``
    ``syscalls:sys_enter_openat`` + ``syscalls:sys_exit_openat``: the hooks tracee-py's
    recorder uses for a paired syscall.
``syscalls_exit``
    ``syscalls:sys_exit_openat`` alone.
``raw_pair``
    raw tracepoints ``sys_enter`` + ``sys_exit``: every syscall of every process on the
    node runs both programs (close too), which then pick the syscalls they care about.
``raw_exit``
    raw tracepoint ``sys_exit`` alone.
``fexit``
    an fexit program on ``do_sys_openat2`` (BPF trampoline, no syscall slow path). Kernels
    that refuse tracing programs (this project's CI machine answers EPERM) report the
    variant as not loadable instead of a figure.
``lsm``
    a BPF LSM program on ``file_open`` (also a BPF trampoline, called for every open that
    gets as far as opening a file). Reported as not loadable where the kernel refuses it.
``path_record``
    the tracepoint pair doing the least a recorder of opens can do: the path pointer kept
    in task-local storage at entry; at exit a ring-buffer record (the recorder's 368 bytes)
    with the time, the return value and the path copied from user memory. A thread of the
    child drains the ring. This is the ceiling for any recorder built on these hooks.
``full_record``
    ``path_record`` plus what the recorder puts in every record: pid/tid, uid/gid, cgroup
    and comm, and the flags/mode/dfd arguments.
``raw_path_record``
    ``path_record`` on the cheapest hook: one raw ``sys_exit`` program (x86_64) that picks
    openat by the syscall number and finds the path pointer in the user registers the
    kernel saved at entry (Tracee's design). No entry program, no task-local storage.

The figure is opens per CPU-second of the loop (its own user + system time), so another
process on the machine cannot make a variant look slower. Run as root from the repository
root::

    .venv/bin/python benchmarks/bench_hooks.py [--rounds 4] [--seconds 1.5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import capture_workloads as wl  # noqa: E402

# The minimal and the complete record of an open, for the *_record variants. The record has
# the recorder's size (struct event in bpf/common.h); only what a variant fills is written.
RECORD_RING = """
struct rec { u64 ts; u64 cgroup; s64 ret; s64 a[4]; u32 kind, pid, tid, uid, gid;
             u16 sc, flags; char comm[16]; u8 addr[16]; char str[256]; };
BPF_RINGBUF_OUTPUT(records, 8192);
"""
# The tracepoint pair's entry side: the arguments kept per thread until the exit.
RECORD_ENTER = """
struct saved { u64 path; s64 flags, mode, dfd; };
BPF_TASK_STORAGE(saved_args, struct saved);
TRACEPOINT_PROBE(syscalls, sys_enter_openat) {
    struct saved *s = saved_args.task_storage_get(bpf_get_current_task_btf(), 0,
                                                  BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (s) {
        s->path = (u64)args->filename;
        s->flags = args->flags;
        s->mode = args->mode;
        s->dfd = (int)args->dfd;
    }
    return 0;
}
"""
RECORD_EXIT = """
TRACEPOINT_PROBE(syscalls, sys_exit_openat) {
    struct saved *s = saved_args.task_storage_get(bpf_get_current_task_btf(), 0, 0);
    if (!s || !s->path)
        return 0;
    struct rec *r = records.ringbuf_reserve(sizeof(struct rec));
    if (!r)
        return 0;
    r->ts = bpf_ktime_get_boot_ns();
    r->ret = args->ret;
    FILL
    bpf_probe_read_user_str(r->str, sizeof(r->str), (const void *)s->path);
    s->path = 0;
    records.ringbuf_submit(r, BPF_RB_NO_WAKEUP);
    return 0;
}
"""
RAW_RECORD_EXIT = """
#include <asm/ptrace.h>
RAW_TRACEPOINT_PROBE(sys_exit) {
    struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
    long nr = -1;
    bpf_probe_read_kernel(&nr, sizeof(nr), (char *)regs + offsetof(struct pt_regs, orig_ax));
    if (nr != 257)  /* openat on x86_64 */
        return 0;
    u64 path = 0;
    bpf_probe_read_kernel(&path, sizeof(path), (char *)regs + offsetof(struct pt_regs, si));
    struct rec *r = records.ringbuf_reserve(sizeof(struct rec));
    if (!r)
        return 0;
    r->ts = bpf_ktime_get_boot_ns();
    r->ret = (s64)ctx->args[1];
    bpf_probe_read_user_str(r->str, sizeof(r->str), (const void *)path);
    records.ringbuf_submit(r, BPF_RB_NO_WAKEUP);
    return 0;
}
"""
RECORD_FULL_FILL = """
    u64 pt = bpf_get_current_pid_tgid();
    u64 ug = bpf_get_current_uid_gid();
    r->cgroup = bpf_get_current_cgroup_id();
    r->a[0] = s->flags;
    r->a[1] = s->mode;
    r->a[2] = s->dfd;
    r->a[3] = -1;
    r->kind = 1;
    r->pid = pt >> 32;
    r->tid = (u32)pt;
    r->uid = (u32)ug;
    r->gid = ug >> 32;
    r->sc = 1;
    r->flags = 0;
    bpf_get_current_comm(r->comm, sizeof(r->comm));
"""

VARIANTS: dict[str, str] = {
    "none": "",
    "syscalls_pair": (
        "TRACEPOINT_PROBE(syscalls, sys_enter_openat) { return 0; }\n"
        "TRACEPOINT_PROBE(syscalls, sys_exit_openat) { return 0; }\n"
    ),
    "syscalls_exit": "TRACEPOINT_PROBE(syscalls, sys_exit_openat) { return 0; }\n",
    "raw_pair": (
        "RAW_TRACEPOINT_PROBE(sys_enter) { return 0; }\n"
        "RAW_TRACEPOINT_PROBE(sys_exit) { return 0; }\n"
    ),
    "raw_exit": "RAW_TRACEPOINT_PROBE(sys_exit) { return 0; }\n",
    "path_record": RECORD_RING + RECORD_ENTER + RECORD_EXIT.replace("FILL", ""),
    "full_record": RECORD_RING + RECORD_ENTER + RECORD_EXIT.replace("FILL", RECORD_FULL_FILL),
    "lsm": "LSM_PROBE(file_open, struct file *file) { return 0; }\n",
    "raw_path_record": RECORD_RING + RAW_RECORD_EXIT,
    "fexit": (
        "KRETFUNC_PROBE(do_sys_openat2, int dfd, const char *filename, void *how, long ret)"
        " { return 0; }\n"
    ),
}

# One variant in a child process: attach, run the loop twice, print the rates. A fresh
# process per variant, because programs detached in the same process were seen to leave
# the loop slower round after round.
CHILD = """
import json, os, subprocess, sys, time
src, exe, target, seconds = sys.argv[1:5]
draining = "records" in src  # a *_record variant: drain the ring on a thread, as a recorder would
if src:
    from tracee_py.capture.headers import kernel_source_for_bcc
    tree = kernel_source_for_bcc()
    if tree is not None:
        os.environ["BCC_KERNEL_SOURCE"] = str(tree)
    from bcc import BPF
    bpf = BPF(text=src)
    if draining:
        import threading
        drained = [0]
        def count(ctx, data, size):
            drained[0] += 1
        bpf[b"records"].open_ring_buffer(count)
        stop = threading.Event()
        def drain():
            while not stop.is_set():
                bpf.ring_buffer_consume()
                time.sleep(0.01)
        drainer = threading.Thread(target=drain)
        drainer.start()
time.sleep(0.2)
rates = []
total = 0
for _ in range(2):
    out = subprocess.run([exe, target, seconds], capture_output=True, text=True, check=True)
    _pid, opens, _wall, cpu = out.stdout.split()
    rates.append(int(opens) / float(cpu))
    total += int(opens)
if draining:
    stop.set()
    drainer.join()  # before bcc's clean-up at exit frees the ring under it
    bpf.ring_buffer_consume()
    if drained[0] < total:  # a full ring would make the variant look cheaper than it is
        sys.exit(f"only {drained[0]} records for {total} opens: the ring overflowed")
print(json.dumps(rates))
"""


class NotLoadable(Exception):
    """The kernel refused the variant's program (its last line of stderr says why)."""


def measure(src: str, exe: Path, target: Path, seconds: float) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, src, str(exe), str(target), str(seconds)],
        capture_output=True,
        text=True,
        cwd=HERE.parent,
    )
    if out.returncode != 0:
        if "Failed to load" in out.stderr or "privileges" in out.stderr:
            raise NotLoadable(out.stderr.strip().splitlines()[-1])
        raise SystemExit(f"variant failed:\n{out.stderr[-2000:]}")
    return [float(x) for x in json.loads(out.stdout.strip().splitlines()[-1])]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=4, help="rounds over every variant")
    ap.add_argument("--seconds", type=float, default=1.5, help="length of one loop run")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: it loads BPF programs")
    with tempfile.TemporaryDirectory(prefix="tracee-hooks-") as tmp:
        work = Path(tmp)
        exe = wl.build_openloop(work)
        target = work / "target.txt"
        target.write_text("x\n")
        rates: dict[str, list[float]] = {name: [] for name in VARIANTS}
        refused: dict[str, str] = {}
        for rnd in range(args.rounds):
            for name, src in VARIANTS.items():  # interleaved: drift hits every variant
                if name in refused:
                    continue
                try:
                    rates[name] += measure(src, exe, target, args.seconds)
                except NotLoadable as exc:
                    refused[name] = str(exc)
                    del rates[name]
            print(f"round {rnd + 1}/{args.rounds} done", file=sys.stderr)
            time.sleep(0.5)
    base = statistics.median(rates["none"])
    print(f"{'hooks':15s} {'opens/CPU-s':>12s} {'ratio':>6s} {'ns per open+close':>18s}")
    figures: dict[str, dict[str, float | str]] = {}
    for name, values in rates.items():
        med = statistics.median(values)
        extra_ns = 1e9 / med - 1e9 / base
        figures[name] = {"rate_per_cpu": med, "ratio": med / base, "extra_ns": extra_ns}
        print(f"{name:15s} {med:12,.0f} {med / base:6.3f} {extra_ns:+18.0f}")
    for name, why in refused.items():
        print(f"{name:15s} not loadable here: {why}")
        figures[name] = {"refused": why}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
