"""The process population of one synthetic node: who forked whom, when, running what.

A plan is built job by job (an ssh session, a cron run, a build, a deep recursive script,
a container health probe, work inside a container), each job a small recursive function
that returns when its root ends, so a parent always outlives the children it waits for.
Pids are then handed out in start order the way the kernel does (next free number,
wrapping at ``pid_max``), which makes pids reused many times in a long recording.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tracee_py.synth.programs import PROGRAM_INDEX, PROGRAM_NAMES, SESSION_COMMANDS

MS = 1_000_000
S = 1_000_000_000
NO_EXIT = -1
FOREVER = 1 << 62
RESERVED_PIDS = 300  # the kernel wraps to this, not to 1

# Events per second of activity, by program (daemons are slow, compilers busy).
_RATE = {
    "gcc": 40.0,
    "cc1": 200.0,
    "as": 60.0,
    "cat": 50.0,
    "grep": 120.0,
    "tar": 150.0,
    "python3": 30.0,
    "curl": 25.0,
    "ls": 40.0,
    "vim": 2.0,
    "node": 3.0,
    "gunicorn": 2.0,
    "postgres": 2.0,
    "nginx": 1.5,
    "redis": 1.0,
    "journald": 1.0,
    "kubelet": 2.0,
    "containerd": 1.0,
    "agent": 0.5,
    "env-python": 40.0,
    "logrotate": 30.0,
}
_THREADS = {
    "python3": 3,
    "node": 6,
    "gunicorn": 2,
    "postgres": 1,
    "containerd": 8,
    "kubelet": 10,
    "agent": 2,
    "coredns": 4,
}


@dataclass
class Container:
    id: str
    name: str
    image: str
    pod_name: str
    pod_namespace: str
    pod_uid: str


@dataclass
class Plan:
    """Column lists, one entry per process."""

    parent: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)  # NO_EXIT: still running at the end
    origin: list[int] = field(default_factory=list)  # program at fork/snapshot, -1: kernel
    execs: list[list[tuple[int, int, bool]]] = field(default_factory=list)  # time, prog, ok
    snapshot: list[bool] = field(default_factory=list)
    uid: list[int] = field(default_factory=list)
    container: list[int] = field(default_factory=list)  # index into containers, -1: host
    container_since: list[int] = field(default_factory=list)
    orphan: list[bool] = field(default_factory=list)
    signal: list[int] = field(default_factory=list)
    exit_code: list[int] = field(default_factory=list)
    number: list[int] = field(default_factory=list)  # fills "{n}" in argv
    pid: list[int] = field(default_factory=list)
    tids: list[list[int]] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)
    marks: dict[str, int] = field(default_factory=dict)  # named processes for benchmarks
    boot_ns: int = 0  # wall-clock time of the node's boot

    def __len__(self) -> int:
        return len(self.parent)

    def program(self, i: int) -> int:
        """The image process ``i`` runs at the end (last successful exec, else origin)."""
        ok = [p for _, p, good in self.execs[i] if good]
        return ok[-1] if ok else self.origin[i]

    def rate(self, i: int) -> float:
        prog = self.program(i)
        return _RATE.get(PROGRAM_NAMES[prog], 5.0) if prog >= 0 else 0.0


class PlanBuilder:
    def __init__(self, rng: np.random.Generator, span_start: int, span_end: int) -> None:
        self.rng = rng
        self.t0 = span_start
        self.t1 = span_end
        self.plan = Plan()
        self.static: dict[str, int] = {}
        self.apps: list[int] = []

    # -- one process ---------------------------------------------------------------------------

    def proc(
        self,
        parent: int,
        start: int,
        programs: tuple[str, ...] = (),
        *,
        uid: int | None = None,
        snapshot: bool = False,
        origin: int | None = None,
        container: int | None = None,
        joins_container_at_exec: bool = False,
        number: int | None = None,
    ) -> int:
        p = self.plan
        i = len(p.parent)
        p.parent.append(parent)
        p.start.append(start)
        p.end.append(NO_EXIT)
        if origin is None:
            origin = p.program(parent) if parent >= 0 else -1
        p.origin.append(origin)
        execs = []
        t = start + 300_000
        if programs and not snapshot and self.rng.random() < 0.03:
            execs.append((t, PROGRAM_INDEX["missing"], False))  # PATH search: first try fails
            t += 200_000
        for name in programs:
            execs.append((t, PROGRAM_INDEX[name], True))
            t += 400_000
        p.execs.append(execs)
        p.snapshot.append(snapshot)
        p.uid.append(p.uid[parent] if uid is None and parent >= 0 else (uid or 0))
        if container is None:
            container = p.container[parent] if parent >= 0 else -1
        p.container.append(container)
        p.container_since.append(execs[0][0] if joins_container_at_exec and execs else start)
        p.orphan.append(False)
        p.signal.append(0)
        p.exit_code.append(0)
        p.number.append(int(self.rng.integers(1, 10_000)) if number is None else number)
        return i

    def finish(self, i: int, end: int, *, may_fail: bool = True) -> int:
        """Set the end of ``i``; past the end of the recording it is still running."""
        p = self.plan
        if end >= self.t1:
            p.end[i] = NO_EXIT
            return end
        p.end[i] = end
        if may_fail:
            r = self.rng.random()
            if r < 0.02:
                sig = 9 if r < 0.01 else 15
                p.signal[i], p.exit_code[i] = sig, -sig
            elif r < 0.07:
                p.exit_code[i] = int(self.rng.choice([1, 2, 127]))
        return end

    def exec_done(self, i: int) -> int:
        execs = self.plan.execs[i]
        return (execs[-1][0] if execs else self.plan.start[i]) + 100_000

    def _dur(self, median_ms: float) -> int:
        return int(self.rng.lognormal(np.log(median_ms * MS), 0.8))

    # -- the machine at recording start --------------------------------------------------------

    def boot(self, n_containers: int) -> None:
        """The processes found running when the recording starts (``process_snapshot``)."""
        rng, s = self.rng, self.static
        boot = self.t0 - int(rng.integers(3600, 30 * 86_400)) * S
        self.plan.boot_ns = boot
        at = [boot + S]

        def snap(name: str, parent: int, program: str | None, **kw: object) -> int:
            at[0] += int(rng.integers(1, 20_000)) * MS
            i = self.proc(
                parent,
                min(at[0], self.t0 - S),
                snapshot=True,
                origin=PROGRAM_INDEX[program] if program else -1,
                **kw,  # type: ignore[arg-type]
            )
            s[name] = i
            return i

        init = snap("init", -1, "systemd", uid=0)
        kthreadd = snap("kthreadd", -1, None, uid=0)
        for k in range(4):
            snap(f"kworker{k}", kthreadd, None)
        for name in (
            "journald",
            "udevd",
            "dbus",
            "cron",
            "sshd",
            "rsyslogd",
            "containerd",
            "kubelet",
        ):
            snap(name, init, name, uid=101 if name == "dbus" else 0)
        priv = snap("sshd-priv", s["sshd"], "sshd")
        user = snap("sshd-user", priv, "sshd", uid=1000)
        snap("login-shell", user, "bash", uid=1000)
        apps = ["nginx", "postgres", "gunicorn", "redis", "coredns", "node"]
        workers = {"nginx": 2, "postgres": 3, "gunicorn": 4}
        for c in range(n_containers):
            app = apps[c % len(apps)]
            cont = self._container(c, app)
            shim = snap(f"shim{c}", init, "shim")
            main = snap(f"app{c}", shim, app, container=cont, uid=0 if c % 2 else 999)
            self.apps.append(main)
            for w in range(workers.get(app, 0)):
                self.apps.append(snap(f"app{c}-w{w}", main, app))
        # Pids of a machine up for a while: small for early daemons, scattered after.
        pids = [1, 2, 3, 4, 5, 6]
        nxt = 310
        while len(pids) < len(self.plan):
            nxt += int(rng.integers(1, 8))
            pids.append(nxt)
        self.plan.pid.extend(pids)
        self.plan.tids.extend([] for _ in pids)

    def _container(self, c: int, app: str) -> int:
        rng = self.rng
        cid = "".join(f"{int(x):02x}" for x in rng.integers(0, 256, 32))
        uid = "-".join(
            "".join(f"{int(x):02x}" for x in rng.integers(0, 256, n)) for n in (4, 2, 2, 2, 6)
        )
        self.plan.containers.append(
            Container(
                id=cid,
                name=app,
                image=f"registry.example.com/{app}:1.{c}",
                pod_name=f"{app}-{cid[:5]}-{cid[5:10]}",
                pod_namespace="prod" if c % 3 else "default",
                pod_uid=uid,
            )
        )
        return len(self.plan.containers) - 1

    # -- jobs ----------------------------------------------------------------------------------

    def run(
        self, parent: int, t: int, name: str, median_ms: float = 80.0, number: int | None = None
    ) -> int:
        """fork + exec of one command; returns its end."""
        i = self.proc(parent, t, (name,), number=number)
        return self.finish(i, self.exec_done(i) + self._dur(median_ms))

    def session(self, t: int) -> int:
        s, rng = self.static, self.rng
        priv = self.proc(s["sshd"], t)  # sshd forks per connection, no exec
        user = self.proc(priv, t + 2 * MS, uid=1000)
        shell = self.proc(user, t + 5 * MS, ("bash",), uid=1000)
        cur = self.exec_done(shell) + 500 * MS
        for _ in range(int(rng.integers(2, 16))):
            r = rng.random()
            if r < 0.08:
                cur = self.daemonize(shell, cur)
            elif r < 0.18:
                sudo = self.proc(shell, cur, ("sudo",))
                end = self.run(sudo, self.exec_done(sudo) + MS, "systemctl", 300)
                cur = self.finish(sudo, end + MS)
            elif r < 0.30:  # pipeline: cat | grep
                a = self.run(shell, cur, "cat", 40)
                b = self.run(shell, cur + MS, "grep", 60)
                cur = max(a, b)
            else:
                cur = self.run(shell, cur, str(rng.choice(SESSION_COMMANDS)), 120)
            cur += self._dur(2000)
        self.finish(shell, cur, may_fail=False)
        self.finish(user, cur + MS, may_fail=False)
        return self.finish(priv, cur + 2 * MS, may_fail=False)

    def daemonize(self, shell: int, t: int) -> int:
        """``nohup agent &`` from a subshell that exits: the agent is reparented to init."""
        sub = self.proc(shell, t)
        agent = self.proc(sub, t + MS, ("nohup", "agent"))
        self.plan.orphan[agent] = True
        sub_end = self.finish(sub, t + 3 * MS, may_fail=False)
        self.finish(agent, t + self._dur(600_000), may_fail=False)
        return sub_end

    def cron(self, t: int) -> int:
        child = self.proc(self.static["cron"], t)
        self.plan.execs[child].append((t + 300_000, PROGRAM_INDEX["sh-cron"], True))
        rp = self.proc(child, self.exec_done(child), ("run-parts",))
        cur = self.exec_done(rp)
        for _ in range(int(self.rng.integers(2, 6))):
            script = self.proc(rp, cur, ("logrotate",))
            inner = self.exec_done(script)
            for _ in range(int(self.rng.integers(1, 4))):
                inner = self.run(script, inner + MS, "tar", 400)
            cur = self.finish(script, inner + MS) + MS
        self.finish(rp, cur)
        return self.finish(child, cur + MS)

    def build(self, t: int, width: int) -> int:
        """A wide tree: make runs ``width`` compilers two at a time, each cc1 then as."""
        shell = self.proc(self.static["login-shell"], t, ("deploy",))
        make = self.proc(shell, self.exec_done(shell), ("make",))
        self.plan.marks.setdefault("wide_root", make)
        lanes = [self.exec_done(make), self.exec_done(make) + MS]
        for _ in range(width):
            lane = int(np.argmin(lanes))
            gcc = self.proc(make, lanes[lane], ("gcc",))
            n = self.plan.number[gcc]
            end = self.run(gcc, self.exec_done(gcc), "cc1", 150, number=n)
            end = self.run(gcc, end + MS, "as", 20, number=n)
            lanes[lane] = self.finish(gcc, end + MS) + MS
        end = self.finish(make, max(lanes) + MS)
        return self.finish(shell, end + MS)

    def deep(self, t: int, depth: int) -> int:
        """A deep chain: a script that runs itself ``depth`` times, the last one runs curl."""
        chain = [self.proc(self.static["login-shell"], t, ("deploy",))]
        for _ in range(depth - 1):
            parent = chain[-1]
            chain.append(self.proc(parent, self.exec_done(parent) + MS, ("deploy",)))
        self.plan.marks.setdefault("deep_leaf", chain[-1])
        end = self.run(chain[-1], self.exec_done(chain[-1]) + MS, "curl", 200)
        for i in reversed(chain):
            end = self.finish(i, end + MS, may_fail=False)
        return end

    def probe(self, t: int) -> int:
        """A health probe: runc, then a child that joins the container, sh -c, exec curl."""
        c = int(self.rng.integers(0, len(self.plan.containers)))
        runc = self.proc(self.static[f"shim{c}"], t, ("runc",))
        init = self.proc(
            runc,
            self.exec_done(runc),
            ("sh-probe", "curl"),
            container=c,
            joins_container_at_exec=True,
        )
        end = self.finish(init, self.exec_done(init) + self._dur(30))
        return self.finish(runc, end + MS)

    def app_work(self, t: int) -> int:
        """Work inside a container: a worker runs a shell that runs a tool."""
        worker = self.apps[int(self.rng.integers(0, len(self.apps)))]
        sh = self.proc(worker, t, ("sh-probe",))
        end = self.run(sh, self.exec_done(sh), str(self.rng.choice(["curl", "python3"])), 250)
        return self.finish(sh, end + MS)


def build_plan(rng: np.random.Generator, span_start: int, span_end: int, processes: int) -> Plan:
    """About ``processes`` processes (snapshot included) over the span."""
    b = PlanBuilder(rng, span_start, span_end)
    b.boot(n_containers=6)
    width = int(np.clip(processes // 40, 4, 700))
    depth = int(np.clip(processes // 100, 4, 120))
    span = span_end - span_start
    # Every job kind at least once, at fixed places, then a random mix.
    b.build(span_start + span // 10, width)
    b.deep(span_start + span // 5, depth)
    b.session(span_start + span // 4)
    b.daemonize(b.static["login-shell"], span_start + span // 3)
    b.probe(span_start + span // 2)
    b.cron(span_start + span // 2 + S)
    b.app_work(span_start + (span * 2) // 3)
    jobs = (b.session, b.cron, b.probe, b.app_work)
    weights = np.array([0.35, 0.1, 0.3, 0.25])
    while len(b.plan) < processes:
        t = span_start + S + int(rng.integers(0, span - S))
        r = rng.random()
        if r < 0.004:
            b.build(t, max(4, width // 4))
        elif r < 0.008:
            b.deep(t, max(4, depth // 3))
        else:
            jobs[int(rng.choice(len(jobs), p=weights))](t)
    return b.plan


def assign_pids(plan: Plan, pid_max: int) -> None:
    """Give every non-snapshot process (and its threads) the next free pid, in start order.

    ``pid_max`` is raised when needed to leave room above the snapshot's pids.
    """
    n_static = len(plan.pid)
    pid_max = max(pid_max, max(plan.pid) + 256)
    busy = [0] * (pid_max + 1)
    for i in range(n_static):
        busy[plan.pid[i]] = FOREVER
    # Snapshot processes with threads get the free numbers right after their pid.
    for i in range(n_static):
        prog = plan.program(i)
        if prog >= 0 and _THREADS.get(PROGRAM_NAMES[prog]):
            tids = [plan.pid[i] + k for k in range(1, 3) if busy[plan.pid[i] + k] == 0]
            for tid in tids:
                busy[tid] = FOREVER
            plan.tids[i] = tids
    n = len(plan)
    plan.pid.extend([0] * (n - n_static))
    plan.tids.extend([] for _ in range(n - n_static))
    order = sorted(range(n_static, n), key=plan.start.__getitem__)
    nxt = max(plan.pid[:n_static]) + 1
    for i in order:
        start = plan.start[i]
        until = FOREVER if plan.end[i] == NO_EXIT else plan.end[i]
        name = PROGRAM_NAMES[plan.program(i)] if plan.program(i) >= 0 else ""
        n_threads = _THREADS.get(name, 0)
        ids = []
        for _ in range(1 + n_threads):
            scanned = 0
            while True:
                if nxt > pid_max:
                    nxt = RESERVED_PIDS
                if busy[nxt] < start:
                    break
                nxt += 1
                scanned += 1
                if scanned > pid_max:
                    raise RuntimeError(f"pid_max {pid_max} is too small for this plan")
            busy[nxt] = until
            ids.append(nxt)
            nxt += 1
        plan.pid[i] = ids[0]
        plan.tids[i] = ids[1:]
