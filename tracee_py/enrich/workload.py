"""Container and pod fields for an event: cgroup -> container id -> pod.

Joins :class:`~tracee_py.enrich.containers.ContainerResolver` (container id from the cgroup)
and :class:`~tracee_py.enrich.kubernetes.PodIndex` (pod from the API server) into the six
container/pod columns of the schema. Host processes get nulls.
"""

from __future__ import annotations

from tracee_py.enrich.containers import ContainerResolver
from tracee_py.enrich.kubernetes import PodIndex, attribute


class WorkloadLookup:
    def __init__(self, resolver: ContainerResolver, pods: PodIndex | None = None) -> None:
        self.resolver = resolver
        self.pods = pods

    @classmethod
    def for_node(cls, node_name: str) -> WorkloadLookup:
        """Containers always; pods when Kubernetes config is available (else no error)."""
        pods = PodIndex.from_environment(node_name)
        if pods is not None:
            pods.start()
        return cls(ContainerResolver(), pods)

    @property
    def generation(self) -> int:
        """Changes whenever the pod index learns something: cached answers may be stale."""
        return self.pods.generation if self.pods is not None else 0

    def fields(self, cgroup_id: int, pid: int) -> tuple[str | None, ...]:
        a = attribute(self.resolver.resolve(cgroup_id, pid), self.pods)
        return (
            a.container_id,
            a.container_name,
            a.container_image,
            a.pod_name,
            a.pod_namespace,
            a.pod_uid,
        )

    def forget_pid(self, pid: int) -> None:
        self.resolver.forget_pid(pid)

    def api_status(self) -> tuple[bool, str] | None:
        return self.pods.status() if self.pods is not None else None

    def close(self) -> None:
        if self.pods is not None:
            self.pods.stop()
