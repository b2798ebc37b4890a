#!/bin/bash
# Run a shell inside containers through their runtimes (docker exec, kubectl exec) and ask
# for a privileged container with the host's root mounted in. There is no container daemon
# or cluster here, so the clients start and are refused; the requests are what is recorded.
# technique: T1609 T1610
# expect: container-admin-exec privileged-container-run
set -eu
docker exec -it web sh -c id 2>/dev/null || true
kubectl exec -it web -- sh -c id 2>/dev/null || true
docker run --rm --privileged --pid=host -v /:/host alpine chroot /host id 2>/dev/null || true
