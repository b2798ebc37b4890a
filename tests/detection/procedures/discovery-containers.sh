#!/bin/bash
# List containers, images and cluster permissions (the runtime and the cluster need not be there).
# technique: T1613
# expect: container-discovery
set -eu
export LC_ALL=C
docker ps -a 2>/dev/null || true
docker images 2>/dev/null || true
kubectl get pods --all-namespaces --request-timeout=2s 2>/dev/null || true
kubectl auth can-i --list --request-timeout=2s 2>/dev/null || true
